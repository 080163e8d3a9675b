// Reparameterization — the reference twin: the reparameterization trick exactly as the
// equations are written, one element at a time: z = μ + σ·ε; the KL estimated the way it is
// defined, as the average of log q(z|x) − log p(z) over draws z ~ q; the backward by the
// chain rule, term by term. Its optimized twin is Reparameterization+ClosedForm.swift (one
// pass over buffers, the KL in closed form);
// Tests/ReparameterizationTests/ReparameterizationTests.swift proves them equal (the KL
// within its Monte-Carlo error).
import Core
import Foundation

extension Reparameterization {
  /// z[n,j] = μ[n,j] + σ[n,j]·ε[n,j],  σ = exp(½·logσ²[n,j]),  ε[n,j] ~ 𝒩(0, 1)
  ///
  /// `mean`, `logVariance` [N, D] → (z, ε), both [N, D]. ε is drawn with `rng.normal()`
  /// in row-major order (n outer, j inner), so the optimized twin `sample` draws the same
  /// ε from the same generator and returns the same z.
  public static func sampleReference(mean: Tensor, logVariance: Tensor,
                                     rng: inout RNG) -> (z: Tensor, epsilon: Tensor) {
    let (items, latent) = checkShapes("Reparameterization.sampleReference", mean: mean, logVariance: logVariance)
    let (mu, logVar) = (mean.data, logVariance.data)
    var z = [Float](repeating: 0, count: mean.count)
    var epsilon = [Float](repeating: 0, count: mean.count)
    for n in 0..<items {
      for j in 0..<latent {
        let i = n * latent + j                      // flat position of [n, j]
        let sigma = exp(0.5 * logVar[i])            // σ = exp(½·logσ²): the ½ turns a variance into a std
        let e = rng.normal()                        // ε ~ 𝒩(0, 1)
        z[i] = mu[i] + sigma * e                    // z = μ + σ·ε
        epsilon[i] = e
      }
    }
    return (Tensor(shape: mean.shape, data: z), Tensor(shape: mean.shape, data: epsilon))
  }

  /// KL(q(z|x) ‖ p(z)) per item, by its definition  KL_n = E_{z~q}[log q(z|x) − log p(z)],
  /// estimated by the mean over `samples` draws z = μ + σ·ε:
  ///
  ///     log q(z|x) = Σ_j −½·log 2π − ½·logσ²[n,j] − (z_j − μ[n,j])² / (2σ²[n,j])
  ///     log p(z)   = Σ_j −½·log 2π − ½·z_j²
  ///
  /// `mean`, `logVariance` [N, D] → N values, computed in Double. ε is drawn with
  /// `rng.normal()`, item by item, then draw by draw, then dimension by dimension. The
  /// estimate is unbiased; its error shrinks like 1/√samples towards the closed form of
  /// `klDivergence`.
  public static func klDivergenceReference(mean: Tensor, logVariance: Tensor, samples: Int,
                                           rng: inout RNG) -> [Double] {
    let (items, latent) = checkShapes("Reparameterization.klDivergenceReference", mean: mean, logVariance: logVariance)
    precondition(samples > 0, "Reparameterization.klDivergenceReference: samples must be positive, got \(samples)")
    let (mu, logVar) = (mean.data, logVariance.data)
    let halfLogTwoPi = 0.5 * log(2 * Double.pi)
    var kl = [Double](repeating: 0, count: items)
    for n in 0..<items {
      var total = 0.0
      for _ in 0..<samples {
        var logQ = 0.0, logP = 0.0
        for j in 0..<latent {
          let i = n * latent + j
          let m = Double(mu[i]), lv = Double(logVar[i])
          let variance = exp(lv)                              // σ²
          let z = m + variance.squareRoot() * Double(rng.normal())  // z = μ + σ·ε, a draw from q
          logQ += -halfLogTwoPi - 0.5 * lv - (z - m) * (z - m) / (2 * variance)   // log 𝒩(z; μ, σ²)
          logP += -halfLogTwoPi - 0.5 * z * z                                     // log 𝒩(z; 0, 1)
        }
        total += logQ - logP
      }
      kl[n] = total / Double(samples)                         // the Monte-Carlo mean
    }
    return kl
  }

  /// The gradients of  L = (decoder part, a function of z) + klScale·Σ_n KL_n  with respect
  /// to μ and logσ², given dL/dz (`zGradient`) and the ε that made z. By the chain rule,
  /// element by element:
  ///
  ///     dz/dμ = 1                       dKL/dμ    = μ
  ///     dz/dlogσ² = ε·½σ                dKL/dlogσ² = ½(σ² − 1)
  ///     dL/dμ    = dL/dz·dz/dμ    + klScale·dKL/dμ
  ///     dL/dlogσ² = dL/dz·dz/dlogσ² + klScale·dKL/dlogσ²
  ///
  /// (the KL's derivatives are those of its closed form −½(1 + logσ² − μ² − σ²), term by
  /// term). `klScale` is the weight each item's KL has in the loss, e.g. 1/N for a batch
  /// mean, β/N for a β-VAE. All tensors [N, D]. The optimized twin is `backward`.
  public static func backwardReference(zGradient: Tensor, epsilon: Tensor, mean: Tensor, logVariance: Tensor,
                                       klScale: Float) -> (mean: Tensor, logVariance: Tensor) {
    checkBackwardShapes("Reparameterization.backwardReference", zGradient: zGradient, epsilon: epsilon,
                        mean: mean, logVariance: logVariance)
    let (items, latent) = (mean.shape[0], mean.shape[0] == 0 ? 0 : mean.count / mean.shape[0])
    let (dz, eps, mu, logVar) = (zGradient.data, epsilon.data, mean.data, logVariance.data)
    var meanGradient = [Float](repeating: 0, count: mean.count)
    var logVarianceGradient = [Float](repeating: 0, count: mean.count)
    for n in 0..<items {
      for j in 0..<latent {
        let i = n * latent + j
        let sigma = exp(0.5 * logVar[i])                    // σ
        let variance = exp(logVar[i])                       // σ²
        // The decoder's path through z = μ + σ·ε.
        let dzdMean: Float = 1                              // dz/dμ
        let dzdLogVariance = eps[i] * 0.5 * sigma           // dz/dlogσ² = ε·dσ/dlogσ² = ε·½σ
        // The KL's path: KL = −½(1 + logσ² − μ² − σ²).
        let dKLdMean = mu[i]                                // dKL/dμ = μ
        let dKLdLogVariance = 0.5 * (variance - 1)          // dKL/dlogσ² = −½(1 − σ²)
        meanGradient[i] = dz[i] * dzdMean + klScale * dKLdMean
        logVarianceGradient[i] = dz[i] * dzdLogVariance + klScale * dKLdLogVariance
      }
    }
    return (Tensor(shape: mean.shape, data: meanGradient),
            Tensor(shape: mean.shape, data: logVarianceGradient))
  }
}
