import Core

extension DiffusionNoising {
  /// The reference twin: x_t by applying t single steps x_s = √(1−β_s)·x_{s−1} + √β_s·ε_s.
  /// Returns x_t and the one standard normal ε that gives the same x_t in closed form,
  /// ε = (x_t − √ᾱ_t·x_0) / √(1 − ᾱ_t) (zero where t = 0).
  public static func noiseReference(_ x0: Tensor, timesteps: [Int], schedule: NoiseSchedule,
                                    rng: inout RNG) -> (noisy: Tensor, noise: Tensor) {
    fatalError("DiffusionNoising.noiseReference: not implemented yet")
  }
}
