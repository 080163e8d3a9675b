import Core
import Foundation

/// The losses of a GAN (Goodfellow et al., 2014), written twice.
///
/// The discriminator outputs a logit l per item; D = σ(l) = 1/(1 + e^(−l)) is its
/// probability that the item is real. Real items x and generated items G(z) are scored
/// separately, and the two players minimise
///
///     L_D = −(1/N_r) Σ [t·log D(x) + (1 − t)·log(1 − D(x))]  −  (1/N_f) Σ log(1 − D(G(z)))
///     L_G = (1/N) Σ log(1 − D(G(z)))      saturating: the minimax game as written
///     L_G = −(1/N) Σ log D(G(z))          non-saturating: the same fixed point, useful gradients early
///
/// with t = 1 (or 0.9, one-sided label smoothing). Every gradient is with respect to the
/// **logits**, what the discriminator's last layer's `backward` takes:
///
///     dL_D/dl_real = (σ(l) − t)/N_r     dL_D/dl_fake = σ(l)/N_f
///     dL_G/dl = −σ(l)/N  (saturating)   dL_G/dl = (σ(l) − 1)/N  (non-saturating)
///
/// - `GANLoss+Reference.swift`: the textbook, element by element, through the probability
///   D = σ(l) and its log, with the chain rule dL/dl = dL/dD · D(1 − D). It gives inf or NaN
///   once σ(l) rounds to 0 or 1 in Float (|l| ≳ 17 on one side, ≳ 88 on the other).
/// - `GANLoss+Logits.swift`: the same losses from the logits, −log σ(l) = softplus(−l) and
///   −log(1 − σ(l)) = softplus(l), finite and accurate for any logit, with the fused
///   gradient σ(l) − y, in one pass.
///
/// Shapes: logits of any shape ([N] or [N, 1]); every element is one item. The gradients
/// have the shapes of the logits they belong to. Values are accumulated in Double.
public enum GANLoss {
  /// The discriminator's mean verdict on a batch, the mean of D = σ(l) = 1/(1 + e^(−l))
  /// over its logits, in Double — the D(x) and D(G(z)) that GAN lessons print and plot.
  public static func meanProbability(_ logits: Tensor) -> Double {
    var sum = 0.0
    for logit in logits.data { sum += 1 / (1 + Foundation.exp(-Double(logit))) }
    return sum / Double(max(logits.count, 1))
  }
}

/// Which loss the generator minimises.
///
/// - `saturating`: L_G = (1/N) Σ log(1 − D(G(z))), the minimax game exactly. When the
///   discriminator easily rejects the fakes (D(G(z)) ≈ 0, early in training) its gradient
///   dL_G/dl = −σ(l)/N vanishes and the generator learns nothing.
/// - `nonSaturating`: L_G = −(1/N) Σ log D(G(z)), the fix from the same paper: the gradient
///   (σ(l) − 1)/N is ≈ −1/N exactly when the fakes are rejected.
public enum GeneratorObjective: String, Sendable, CaseIterable {
  case saturating, nonSaturating
}

/// The discriminator's loss L_D and its gradients with respect to its logits.
public struct DiscriminatorLoss: Sendable {
  /// L_D, the real term's mean plus the fake term's mean, accumulated in Double.
  public var value: Double
  /// dL_D/dl for the real items' logits: the shape of `realLogits`.
  public var realGradient: Tensor
  /// dL_D/dl for the generated items' logits: the shape of `fakeLogits`.
  public var fakeGradient: Tensor

  public init(value: Double, realGradient: Tensor, fakeGradient: Tensor) {
    self.value = value
    self.realGradient = realGradient
    self.fakeGradient = fakeGradient
  }
}

/// One half of the discriminator's loss — its real items or its fake items — and the
/// gradient with respect to those logits. L_D is the sum of the two halves, and each
/// half depends only on its own logits, so a network that keeps one forward pass at a
/// time can run backward after each half (`Models.DCGAN.step` does).
public struct DiscriminatorHalf: Sendable {
  /// This half's term of L_D (its mean over its items), accumulated in Double.
  public var value: Double
  /// dL_D/dl for this half's logits: their shape.
  public var gradient: Tensor

  public init(value: Double, gradient: Tensor) {
    self.value = value
    self.gradient = gradient
  }
}

/// The generator's loss L_G and its gradient with respect to the discriminator's logits on
/// the generated items (backpropagate it through the discriminator, then the generator).
public struct GeneratorLoss: Sendable {
  /// L_G, accumulated in Double.
  public var value: Double
  /// dL_G/dl for the generated items' logits: the shape of `fakeLogits`.
  public var fakeGradient: Tensor

  public init(value: Double, fakeGradient: Tensor) {
    self.value = value
    self.fakeGradient = fakeGradient
  }
}

extension GANLoss {
  /// Checks the discriminator's inputs: both sets of logits hold at least one item and
  /// the real target is a probability.
  static func checkDiscriminatorInputs(_ function: String, realLogits: Tensor, fakeLogits: Tensor?,
                                       realTarget: Float) {
    precondition(realLogits.count > 0, "\(function): realLogits is empty (shape \(realLogits.shape))")
    if let fakeLogits {
      precondition(fakeLogits.count > 0, "\(function): fakeLogits is empty (shape \(fakeLogits.shape))")
    }
    precondition(realTarget >= 0 && realTarget <= 1,
                 "\(function): realTarget must be in [0, 1] (1, or 0.9 for label smoothing), got \(realTarget)")
  }

  /// Checks the generator's input holds at least one item.
  static func checkGeneratorInputs(_ function: String, fakeLogits: Tensor) {
    precondition(fakeLogits.count > 0, "\(function): fakeLogits is empty (shape \(fakeLogits.shape))")
  }
}
