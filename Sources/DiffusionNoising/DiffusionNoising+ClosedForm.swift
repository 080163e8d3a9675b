// DiffusionNoising — the optimized twin: it jumps from x_0 to x_t in one step,
// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε, with one draw per element, instead of t Gaussian steps with t
// fresh draws per element (t Gaussian steps compose into one Gaussian, below) — faster
// because for each item it turns ᾱ_t into two Float coefficients once and runs one
// multiply-add loop over the item's raw buffer: one normal draw and two multiply-adds per
// element whatever t is. Same signatures as DiffusionNoising+Reference.swift;
// Tests/DiffusionNoisingTests/NoisingTests.swift proves them equal in distribution.
//
// Why the steps compose. One step is x_s = √α_s·x_{s−1} + √(1−α_s)·ε_s with α_s = 1 − β_s
// and ε_s ~ 𝒩(0, I) independent of everything before. Suppose x_{s−1} = √ᾱ_{s−1}·x_0 + √(1−ᾱ_{s−1})·ε̄
// for some ε̄ ~ 𝒩(0, I) (true at s − 1 = 0 with ᾱ_0 = 1). Then
//
//     x_s = √(α_s·ᾱ_{s−1})·x_0 + [√(α_s·(1−ᾱ_{s−1}))·ε̄ + √(1−α_s)·ε_s]
//
// The bracket is a sum of two independent zero-mean Gaussians, so it is Gaussian with the
// sum of the variances, α_s − α_s·ᾱ_{s−1} + 1 − α_s = 1 − α_s·ᾱ_{s−1}. With ᾱ_s = α_s·ᾱ_{s−1}
// (the product of the α's) that is x_s = √ᾱ_s·x_0 + √(1−ᾱ_s)·ε for one ε ~ 𝒩(0, I): the
// same form one step later, and by induction for every t,
//
//     q(x_t | x_0) = 𝒩(√ᾱ_t·x_0, (1 − ᾱ_t)·I),   ᾱ_t = Π_{s=1}^{t} (1 − β_s).
import Core

extension DiffusionNoising {
  /// The closed-form twin: draws ε ~ 𝒩(0, I) and jumps to x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε.
  ///
  /// `x0` [N, …] → (noisy, noise), both [N, …]; `timesteps` holds one t in 0…T per item
  /// (t = 0 returns x_0 itself). ε is drawn with `rng.normal()` in row-major order over the
  /// whole tensor, then `noised` does the arithmetic. Same distribution as
  /// `noiseReference`, not the same draws.
  public static func noise(_ x0: Tensor, timesteps: [Int], schedule: NoiseSchedule,
                           rng: inout RNG) -> (noisy: Tensor, noise: Tensor) {
    _ = schedule.checkTimesteps("DiffusionNoising.noise", timesteps, shape: x0.shape)
    let count = x0.count
    let epsilon = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      for i in 0..<count { buffer[i] = rng.normal() }
      initialized = count
    }
    let noise = Tensor(shape: x0.shape, data: epsilon)
    return (noised(x0, timesteps: timesteps, noise: noise, schedule: schedule), noise)
  }

  /// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε for a given ε (what training uses: ε is the target).
  ///
  ///     x_t[n, …] = √ᾱ_{t_n}·x_0[n, …] + √(1−ᾱ_{t_n})·ε[n, …]
  ///
  /// `x0` and `noise` [N, …] (same shape) → [N, …]; `timesteps` holds one t in 0…T per
  /// item. The coefficients are computed in Double from ᾱ and rounded to Float once per item.
  public static func noised(_ x0: Tensor, timesteps: [Int], noise: Tensor, schedule: NoiseSchedule) -> Tensor {
    let (items, itemSize) = schedule.checkTimesteps("DiffusionNoising.noised", timesteps, shape: x0.shape)
    precondition(noise.shape == x0.shape,
                 "DiffusionNoising.noised: noise has shape \(noise.shape), x_0 has \(x0.shape); they must match")
    let count = x0.count
    let result = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      x0.withUnsafeBufferPointer { x in
        noise.withUnsafeBufferPointer { epsilon in
          for n in 0..<items {
            let alphaBar = schedule.alphaBar(timesteps[n])
            let signal = Float(alphaBar.squareRoot())           // √ᾱ_t
            let spread = Float((1 - alphaBar).squareRoot())     // √(1−ᾱ_t)
            let start = n * itemSize
            for i in start..<(start + itemSize) {
              out[i] = signal * x[i] + spread * epsilon[i]
            }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: x0.shape, data: result)
  }
}
