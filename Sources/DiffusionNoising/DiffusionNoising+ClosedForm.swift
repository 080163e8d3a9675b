import Core

extension DiffusionNoising {
  /// The closed-form twin: draws ε ~ 𝒩(0, I) and jumps to x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε.
  public static func noise(_ x0: Tensor, timesteps: [Int], schedule: NoiseSchedule,
                           rng: inout RNG) -> (noisy: Tensor, noise: Tensor) {
    fatalError("DiffusionNoising.noise: not implemented yet")
  }

  /// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε for a given ε (what training uses: ε is the target).
  public static func noised(_ x0: Tensor, timesteps: [Int], noise: Tensor, schedule: NoiseSchedule) -> Tensor {
    fatalError("DiffusionNoising.noised: not implemented yet")
  }
}
