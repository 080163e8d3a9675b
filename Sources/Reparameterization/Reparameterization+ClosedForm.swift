// Reparameterization — the optimized twin: the KL of two Gaussians by its closed form, one
// exact pass over μ and logσ², instead of averaging log q − log p over S Monte-Carlo draws
// per item; sampling and a backward that fuses the decoder's and the KL's gradients as
// single passes over raw buffers — faster because it makes no S·N·D normal draws, logs and
// exps (and its KL is exact, not right to ~1/√S), has no index arithmetic or per-element
// checks, and takes one exp per element in the backward (σ² = σ·σ) where the reference takes
// two. Same signatures as Reparameterization+Reference.swift (but for the Monte-Carlo KL's
// `samples` and `rng`); Tests/ReparameterizationTests/ReparameterizationTests.swift proves
// them equal.
import Core
import Foundation

extension Reparameterization {
  /// z = μ + σ·ε,  σ = exp(½·logσ²),  ε ~ 𝒩(0, 1)
  ///
  /// `mean`, `logVariance` [N, D] → (z, ε), both [N, D]. ε comes from `rng.normal()` in
  /// row-major order, the same stream as `sampleReference`, so the same generator gives
  /// the same ε and the same z, bit for bit.
  public static func sample(mean: Tensor, logVariance: Tensor, rng: inout RNG) -> (z: Tensor, epsilon: Tensor) {
    _ = checkShapes("Reparameterization.sample", mean: mean, logVariance: logVariance)
    let count = mean.count
    let epsilon = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      for i in 0..<count { buffer[i] = rng.normal() }
      initialized = count
    }
    let z = [Float](unsafeUninitializedCapacity: count) { z, initialized in
      mean.withUnsafeBufferPointer { mu in
        logVariance.withUnsafeBufferPointer { logVar in
          epsilon.withUnsafeBufferPointer { eps in
            for i in 0..<count { z[i] = mu[i] + exp(0.5 * logVar[i]) * eps[i] }
          }
        }
      }
      initialized = count
    }
    return (Tensor(shape: mean.shape, data: z), Tensor(shape: mean.shape, data: epsilon))
  }

  /// KL(𝒩(μ, σ²) ‖ 𝒩(0, I)) per item, in closed form:
  ///
  ///     KL_n = −½ Σ_j (1 + logσ²[n,j] − μ[n,j]² − σ²[n,j])
  ///
  /// `mean`, `logVariance` [N, D] → N values, computed in Double. Zero exactly when μ = 0
  /// and logσ² = 0 (q is the prior), positive otherwise.
  public static func klDivergence(mean: Tensor, logVariance: Tensor) -> [Double] {
    let (items, latent) = checkShapes("Reparameterization.klDivergence", mean: mean, logVariance: logVariance)
    return mean.withUnsafeBufferPointer { mu in
      logVariance.withUnsafeBufferPointer { logVar in
        (0..<items).map { n in
          var sum = 0.0
          for i in (n * latent)..<((n + 1) * latent) {
            let m = Double(mu[i]), lv = Double(logVar[i])
            sum += 1 + lv - m * m - exp(lv)
          }
          return -0.5 * sum
        }
      }
    }
  }

  /// The fused backward of  L = (decoder part through z) + klScale·Σ_n KL_n:
  ///
  ///     dL/dμ    = dz + klScale·μ
  ///     dL/dlogσ² = dz·ε·½σ + klScale·½(σ² − 1)
  ///
  /// in one pass over the four buffers, with σ = exp(½·logσ²) and σ² = σ·σ. All tensors
  /// [N, D]; the reference twin is `backwardReference`.
  public static func backward(zGradient: Tensor, epsilon: Tensor, mean: Tensor, logVariance: Tensor,
                              klScale: Float) -> (mean: Tensor, logVariance: Tensor) {
    checkBackwardShapes("Reparameterization.backward", zGradient: zGradient, epsilon: epsilon,
                        mean: mean, logVariance: logVariance)
    let count = mean.count
    var meanGradient = [Float](repeating: 0, count: count)
    var logVarianceGradient = [Float](repeating: 0, count: count)
    meanGradient.withUnsafeMutableBufferPointer { dMean in
      logVarianceGradient.withUnsafeMutableBufferPointer { dLogVar in
        zGradient.withUnsafeBufferPointer { dz in
          epsilon.withUnsafeBufferPointer { eps in
            mean.withUnsafeBufferPointer { mu in
              logVariance.withUnsafeBufferPointer { logVar in
                let halfScale = 0.5 * klScale
                for i in 0..<count {
                  let sigma = exp(0.5 * logVar[i])
                  dMean[i] = dz[i] + klScale * mu[i]
                  dLogVar[i] = dz[i] * eps[i] * 0.5 * sigma + halfScale * (sigma * sigma - 1)
                }
              }
            }
          }
        }
      }
    }
    return (Tensor(shape: mean.shape, data: meanGradient),
            Tensor(shape: mean.shape, data: logVarianceGradient))
  }
}
