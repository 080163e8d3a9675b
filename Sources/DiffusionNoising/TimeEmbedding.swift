import Core

extension DiffusionNoising {
  /// The sinusoidal embedding of timesteps (Vaswani et al. 2017; DDPM), [N, dimension]:
  /// for i < dimension/2, e[n, i] = sin(t_n·ω_i) and e[n, dimension/2 + i] = cos(t_n·ω_i),
  /// ω_i = maxPeriod^(−i/(dimension/2)). `dimension` is even.
  public static func timeEmbedding(_ timesteps: [Int], dimension: Int, maxPeriod: Double = 10_000) -> Tensor {
    fatalError("DiffusionNoising.timeEmbedding: not implemented yet")
  }
}
