// Exercise 06 — the GAN losses from logits, stable for any logit, and their gradients.
// Read README.md beside this file. Check it with:  swift run genlab-check 06
import ExerciseSupport
import Foundation

/// The discriminator's loss (binary cross-entropy: real → 1, generated → 0) from its logits l
/// (D = σ(l)), the mean over each set:
///
///     L_D = (1/N_r) Σ −log σ(l_real) + (1/N_f) Σ −log(1 − σ(l_fake))
///
/// and dL_D/dl_real, dL_D/dl_fake (the shapes of the logits). It must stay finite for
/// logits like ±100.
public func discriminatorLoss(realLogits: Tensor, fakeLogits: Tensor) throws -> (value: Double, real: Tensor, fake: Tensor) {
  // Your code here. N_r = realLogits.count and N_f = fakeLogits.count, whatever the shapes
  // ([N] or [N, 1]); return each gradient as Tensor(shape: logits.shape, data: values).
  throw NotImplemented("06")
}

/// The non-saturating generator loss L_G = (1/N) Σ −log σ(l_fake) and dL_G/dl_fake.
public func generatorLoss(fakeLogits: Tensor) throws -> (value: Double, fake: Tensor) {
  throw NotImplemented("06")
}
