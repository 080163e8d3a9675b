// GANLoss — the reference twin: the GAN losses exactly as the paper writes them, one element
// at a time, in Float: each logit is first turned into a probability D = σ(l), the loss takes
// the log of D or of 1 − D, and the gradient goes back through σ by the chain rule,
// dL/dl = dL/dD · D(1 − D). Its optimized twin is GANLoss+Logits.swift (softplus of the
// logits, fused gradient); Tests/GANLossTests/GANLossTests.swift proves them equal.
//
// This one breaks on purpose where the textbook does: once σ(l) rounds to 1 (l ≳ 17) or to
// 0 (l ≲ −88) in Float, log gives −∞ and the gradient ∞·0 = NaN.
import Core
import Foundation

extension GANLoss {
  /// The discriminator's loss, through probabilities:
  ///
  ///     D = σ(l) = 1/(1 + e^(−l))
  ///     L_D = −(1/N_r) Σ [t·log D(x) + (1 − t)·log(1 − D(x))]  −  (1/N_f) Σ log(1 − D(G(z)))
  ///
  /// with t = `realTarget` (1, or 0.9 for one-sided label smoothing). Gradients by the
  /// chain rule through σ, dL/dl = dL/dD · D(1 − D):
  ///
  ///     real: dL/dD = −(1/N_r)·[t/D − (1 − t)/(1 − D)]
  ///     fake: dL/dD =  (1/N_f)·1/(1 − D)
  ///
  /// Logits are any shape ([N] or [N, 1]); N_r and N_f are their element counts and the
  /// gradients have the logits' shapes. Computed in Float as written, summed in Double: it
  /// gives inf or NaN at large |logit| (even 0·log 0 = NaN for a confident real logit with
  /// t = 1). The stable twin is `discriminatorLoss`.
  public static func discriminatorLossReference(realLogits: Tensor, fakeLogits: Tensor,
                                                realTarget: Float = 1) -> DiscriminatorLoss {
    checkDiscriminatorInputs("GANLoss.discriminatorLossReference", realLogits: realLogits,
                             fakeLogits: fakeLogits, realTarget: realTarget)
    let real = discriminatorRealLossReference(realLogits: realLogits, realTarget: realTarget)
    let fake = discriminatorFakeLossReference(fakeLogits: fakeLogits)
    return DiscriminatorLoss(value: real.value + fake.value, realGradient: real.gradient, fakeGradient: fake.gradient)
  }

  /// The real half of `discriminatorLossReference`: binary cross-entropy against the target t,
  /// −(1/N_r) Σ [t·log D(x) + (1 − t)·log(1 − D(x))], and its gradient through σ.
  public static func discriminatorRealLossReference(realLogits: Tensor, realTarget: Float = 1) -> DiscriminatorHalf {
    checkDiscriminatorInputs("GANLoss.discriminatorRealLossReference", realLogits: realLogits,
                             fakeLogits: nil, realTarget: realTarget)
    let t = realTarget
    let realCount = Float(realLogits.count)
    var realSum = 0.0
    var realGradient = [Float](repeating: 0, count: realLogits.count)
    for (i, logit) in realLogits.data.enumerated() {
      let d = 1 / (1 + exp(-logit))                               // D(x) = σ(l)
      let logLikelihood = t * log(d) + (1 - t) * log(1 - d)       // t·log D + (1 − t)·log(1 − D)
      realSum += Double(logLikelihood)
      let dLossdD = -(t / d - (1 - t) / (1 - d)) / realCount      // dL/dD of −(1/N_r)·(…)
      realGradient[i] = dLossdD * d * (1 - d)                     // × dD/dl = D(1 − D)
    }
    return DiscriminatorHalf(value: -realSum / Double(realLogits.count),
                             gradient: Tensor(shape: realLogits.shape, data: realGradient))
  }

  /// The fake half of `discriminatorLossReference`: the discriminator should say "fake",
  /// D(G(z)) → 0: −(1/N_f) Σ log(1 − D(G(z))), and its gradient through σ.
  public static func discriminatorFakeLossReference(fakeLogits: Tensor) -> DiscriminatorHalf {
    checkGeneratorInputs("GANLoss.discriminatorFakeLossReference", fakeLogits: fakeLogits)
    let fakeCount = Float(fakeLogits.count)
    var fakeSum = 0.0
    var fakeGradient = [Float](repeating: 0, count: fakeLogits.count)
    for (i, logit) in fakeLogits.data.enumerated() {
      let d = 1 / (1 + exp(-logit))                               // D(G(z)) = σ(l)
      fakeSum += Double(log(1 - d))                               // log(1 − D(G(z)))
      let dLossdD = 1 / (1 - d) / fakeCount                       // dL/dD of −(1/N_f)·log(1 − D)
      fakeGradient[i] = dLossdD * d * (1 - d)                     // × dD/dl = D(1 − D)
    }
    return DiscriminatorHalf(value: -fakeSum / Double(fakeLogits.count),
                             gradient: Tensor(shape: fakeLogits.shape, data: fakeGradient))
  }

  /// The generator's loss, through probabilities, D = σ(l) on the generated items:
  ///
  ///     saturating:    L_G =  (1/N) Σ log(1 − D(G(z)))    dL/dD = −(1/N)·1/(1 − D)
  ///     nonSaturating: L_G = −(1/N) Σ log D(G(z))         dL/dD = −(1/N)·1/D
  ///
  /// and dL/dl = dL/dD · D(1 − D). The saturating gradient is −D/N: when the discriminator
  /// rejects the fakes (D ≈ 0) it vanishes. `fakeLogits` is any shape; the gradient has its
  /// shape. Float as written, summed in Double. The stable twin is `generatorLoss`.
  public static func generatorLossReference(fakeLogits: Tensor, objective: GeneratorObjective) -> GeneratorLoss {
    checkGeneratorInputs("GANLoss.generatorLossReference", fakeLogits: fakeLogits)
    let count = Float(fakeLogits.count)
    var sum = 0.0
    var gradient = [Float](repeating: 0, count: fakeLogits.count)
    for (i, logit) in fakeLogits.data.enumerated() {
      let d = 1 / (1 + exp(-logit))                               // D(G(z)) = σ(l)
      let dLossdD: Float
      switch objective {
      case .saturating:
        sum += Double(log(1 - d))                                 // + log(1 − D): minimise what D maximises
        dLossdD = -1 / (1 - d) / count
      case .nonSaturating:
        sum -= Double(log(d))                                     // − log D: make D call the fakes real
        dLossdD = -1 / d / count
      }
      gradient[i] = dLossdD * d * (1 - d)                         // × dD/dl = D(1 − D)
    }
    return GeneratorLoss(value: sum / Double(fakeLogits.count),
                         fakeGradient: Tensor(shape: fakeLogits.shape, data: gradient))
  }
}
