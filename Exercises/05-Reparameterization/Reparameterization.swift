// Exercise 05 — the VAE's reparameterization trick, the closed-form KL term, and their
// gradients. Read README.md beside this file. Check it with:  swift run genlab-check 05
import ExerciseSupport

/// z = μ + σ·ε with σ = exp(½·logσ²), element by element. All three N×D; returns N×D.
///
/// Use the ε you are given. Element [n,d] of an N×D tensor is `data[n·D + d]`.
public func reparameterize(mean: Tensor, logVariance: Tensor, epsilon: Tensor) throws -> Tensor {
  // Your code here: build the N·D values of z and return Tensor(shape: mean.shape, data: values).
  throw NotImplemented("05")
}

/// KL(𝒩(μ, σ²) ‖ 𝒩(0, I)) for each row n, summed over the D latent dimensions:
///
///     KL_n = −½ Σ_d (1 + logσ² − μ² − σ²),   σ² = exp(logσ²)
///
/// mean, logVariance: N×D. Returns N values.
public func gaussianKL(mean: Tensor, logVariance: Tensor) throws -> [Double] {
  // Your code here: one Double per row, the sum over its D columns (sum in Double).
  throw NotImplemented("05")
}

/// The gradients of L = Σ dz ⊙ z + klScale · Σ_n KL_n with respect to μ and logσ², given
/// dz = dL/dz (N×D) and the ε that made z. Returns (dL/dμ, dL/dlogσ²), both N×D:
///
///     dL/dμ     = dz + klScale·μ
///     dL/dlogσ² = dz·½σ·ε + klScale·½(σ² − 1)
public func reparameterizationBackward(zGradient: Tensor, epsilon: Tensor, mean: Tensor, logVariance: Tensor,
                                       klScale: Float) throws -> (mean: Tensor, logVariance: Tensor) {
  // Your code here: both gradients element by element, each Tensor(shape: mean.shape, data: …).
  throw NotImplemented("05")
}
