import Core
import Foundation

extension DiffusionNoising {
  /// The sinusoidal embedding of timesteps (Vaswani et al. 2017; DDPM), [N, dimension]:
  ///
  ///     e[n, i] = sin(t_n·ω_i),   e[n, dimension/2 + i] = cos(t_n·ω_i),
  ///     ω_i = maxPeriod^(−i/(dimension/2)),   i = 0 … dimension/2 − 1
  ///
  /// so ω_0 = 1 (period 2π steps) down to ω ≈ 1/maxPeriod: nearby t differ in the fast
  /// columns, far-apart t in the slow ones, and every t gets a distinct, smooth code the
  /// network can read. This is guided-diffusion's `timestep_embedding` (diffusers'
  /// `get_timestep_embedding` with `downscale_freq_shift = 0`; DDPM's original divides by
  /// dimension/2 − 1 instead). Computed in Double, stored as Float. `dimension` is even, ≥ 2.
  public static func timeEmbedding(_ timesteps: [Int], dimension: Int, maxPeriod: Double = 10_000) -> Tensor {
    precondition(dimension >= 2 && dimension % 2 == 0,
                 "DiffusionNoising.timeEmbedding: dimension must be even and ≥ 2, got \(dimension)")
    precondition(maxPeriod > 0, "DiffusionNoising.timeEmbedding: maxPeriod must be positive, got \(maxPeriod)")
    let half = dimension / 2
    let frequencies = (0..<half).map { i in pow(maxPeriod, -Double(i) / Double(half)) }   // ω_i
    var embedding = [Float](repeating: 0, count: timesteps.count * dimension)
    for (n, t) in timesteps.enumerated() {
      for i in 0..<half {
        let angle = Double(t) * frequencies[i]
        embedding[n * dimension + i] = Float(sin(angle))
        embedding[n * dimension + half + i] = Float(cos(angle))
      }
    }
    return Tensor(shape: [timesteps.count, dimension], data: embedding)
  }
}
