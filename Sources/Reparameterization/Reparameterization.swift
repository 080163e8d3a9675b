import Core

/// The reparameterization trick of a VAE (Kingma & Welling, 2014), written twice.
///
/// The encoder gives, for every item n and latent dimension j, a mean μ[n,j] and a
/// log-variance logσ²[n,j] of the approximate posterior q(z|x) = 𝒩(μ, σ²). Instead of
/// drawing z from q directly (a draw has no gradient), we draw ε ~ 𝒩(0, 1) and set
///
///     z = μ + σ·ε,   σ = exp(½·logσ²)
///
/// so z is a smooth function of μ and logσ², and the loss's gradient flows back into the
/// encoder: dz/dμ = 1, dz/dlogσ² = ½·σ·ε. The ELBO's second term is the KL divergence to
/// the prior p(z) = 𝒩(0, I), per item summed over the latent dimensions:
///
///     KL_n = −½ Σ_j (1 + logσ²[n,j] − μ[n,j]² − σ[n,j]²)
///
/// - `Reparameterization+Reference.swift`: the textbook, element by element; the KL
///   estimated by its definition, the mean of log q(z|x) − log p(z) over Monte-Carlo draws.
/// - `Reparameterization+ClosedForm.swift`: the same sampling as one pass over buffers,
///   the KL in closed form, and a fused backward.
///
/// Shapes: `mean` and `logVariance` are [N, D] (items first; every axis after the first
/// belongs to one item's latent).
public enum Reparameterization {}

extension Reparameterization {
  /// Checks that `mean` and `logVariance` have the same shape with an item axis first,
  /// and returns (items N, latent size D).
  static func checkShapes(_ function: String, mean: Tensor, logVariance: Tensor) -> (items: Int, latent: Int) {
    precondition(mean.rank >= 1, "\(function): mean needs an item axis first, got shape \(mean.shape)")
    precondition(mean.shape == logVariance.shape,
                 "\(function): mean has shape \(mean.shape), logVariance \(logVariance.shape)")
    let items = mean.shape[0]
    return (items, items == 0 ? 0 : mean.count / items)
  }

  /// Checks the backward's four tensors share one shape.
  static func checkBackwardShapes(_ function: String, zGradient: Tensor, epsilon: Tensor,
                                  mean: Tensor, logVariance: Tensor) {
    _ = checkShapes(function, mean: mean, logVariance: logVariance)
    precondition(zGradient.shape == mean.shape,
                 "\(function): zGradient has shape \(zGradient.shape), mean \(mean.shape)")
    precondition(epsilon.shape == mean.shape,
                 "\(function): epsilon has shape \(epsilon.shape), mean \(mean.shape)")
  }
}
