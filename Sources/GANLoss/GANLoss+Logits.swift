// GANLoss — the optimized twin: it never forms log σ(l) but writes the losses with softplus
// of the logits, −log σ(l) = softplus(−l) and −log(1 − σ(l)) = softplus(l), and fuses the
// gradient to σ(l) − y — faster, and finite for any logit: one exp and one log1p per element,
// no division by D or 1 − D, in one pass over raw buffers that writes the gradient as it sums
// the loss. Same signatures as GANLoss+Reference.swift; Tests/GANLossTests/GANLossTests.swift
// proves them equal.
//
// softplus(x) = max(x, 0) + log1p(e^(−|x|)). e^(−|l|) ≤ 1 cannot overflow and log1p is exact
// when it is tiny, so the loss is finite and accurate for any logit, where the reference's
// σ rounds to 0 or 1 in Float and its log gives −∞ (|l| ≳ 17). The chain rule's
// dL/dD · D(1 − D) cancels to σ(l) − y, which needs no division by D or 1 − D (∞·0 = NaN
// in the reference).
import Core
import Foundation

extension GANLoss {
  /// The discriminator's loss from logits, stable for any logit:
  ///
  ///     L_D = (1/N_r) Σ [t·softplus(−l) + (1 − t)·softplus(l)]  +  (1/N_f) Σ softplus(l)
  ///         = (1/N_r) Σ [max(l, 0) − t·l + log1p(e^(−|l|))]     +  (1/N_f) Σ [max(l, 0) + log1p(e^(−|l|))]
  ///     dL_D/dl_real = (σ(l) − t)/N_r      dL_D/dl_fake = σ(l)/N_f
  ///
  /// the same function as `discriminatorLossReference` (t = `realTarget`; 1, or 0.9 for
  /// one-sided label smoothing). Logits are any shape; gradients have the logits' shapes.
  /// The value is summed in Double.
  public static func discriminatorLoss(realLogits: Tensor, fakeLogits: Tensor,
                                       realTarget: Float = 1) -> DiscriminatorLoss {
    checkDiscriminatorInputs("GANLoss.discriminatorLoss", realLogits: realLogits,
                             fakeLogits: fakeLogits, realTarget: realTarget)
    let real = discriminatorRealLoss(realLogits: realLogits, realTarget: realTarget)
    let fake = discriminatorFakeLoss(fakeLogits: fakeLogits)
    return DiscriminatorLoss(value: real.value + fake.value, realGradient: real.gradient, fakeGradient: fake.gradient)
  }

  /// The real half of `discriminatorLoss`: (1/N_r) Σ [t·softplus(−l) + (1 − t)·softplus(l)],
  /// gradient (σ(l) − t)/N_r.
  public static func discriminatorRealLoss(realLogits: Tensor, realTarget: Float = 1) -> DiscriminatorHalf {
    checkDiscriminatorInputs("GANLoss.discriminatorRealLoss", realLogits: realLogits,
                             fakeLogits: nil, realTarget: realTarget)
    let realScale = 1 / Double(realLogits.count)
    let t = realTarget, targetAsDouble = Double(realTarget)
    var realSum = 0.0
    let realGradient = gradient(for: realLogits) { l, g in
      let realGradientScale = Float(realScale)
      for i in 0..<l.count {
        let logit = l[i]
        let (sigmoid, complement, log1pTerm) = sigmoidPair(logit)
        // t·softplus(−l) + (1 − t)·softplus(l) = max(l, 0) − t·l + log1p(e^(−|l|)); the
        // linear part in Double, so max(l, 0) − t·l does not cancel in Float at large l.
        realSum += Double(max(logit, 0)) - targetAsDouble * Double(logit) + Double(log1pTerm)
        // σ(l) − t, written (1 − t)·σ(l) − t·σ(−l) so that for t = 1 it is −σ(−l), exact
        // even where σ(l) rounds to 1.
        g[i] = realGradientScale * ((1 - t) * sigmoid - t * complement)
      }
    }
    return DiscriminatorHalf(value: realSum * realScale, gradient: realGradient)
  }

  /// The fake half of `discriminatorLoss`: (1/N_f) Σ softplus(l), gradient σ(l)/N_f.
  public static func discriminatorFakeLoss(fakeLogits: Tensor) -> DiscriminatorHalf {
    checkGeneratorInputs("GANLoss.discriminatorFakeLoss", fakeLogits: fakeLogits)
    let fakeScale = 1 / Double(fakeLogits.count)
    var fakeSum = 0.0
    let fakeGradient = gradient(for: fakeLogits) { l, g in
      let fakeGradientScale = Float(fakeScale)
      for i in 0..<l.count {
        let logit = l[i]
        let (sigmoid, _, log1pTerm) = sigmoidPair(logit)
        fakeSum += Double(max(logit, 0)) + Double(log1pTerm)        // softplus(l) = −log(1 − σ(l))
        g[i] = fakeGradientScale * sigmoid                          // σ(l) − 0
      }
    }
    return DiscriminatorHalf(value: fakeSum * fakeScale, gradient: fakeGradient)
  }

  /// The generator's loss from logits, stable for any logit:
  ///
  ///     saturating:    L_G = −(1/N) Σ softplus(l)     dL_G/dl = −σ(l)/N
  ///     nonSaturating: L_G =  (1/N) Σ softplus(−l)    dL_G/dl = (σ(l) − 1)/N = −σ(−l)/N
  ///
  /// the same function as `generatorLossReference`. `fakeLogits` is any shape; the gradient
  /// has its shape. The value is summed in Double.
  public static func generatorLoss(fakeLogits: Tensor, objective: GeneratorObjective) -> GeneratorLoss {
    checkGeneratorInputs("GANLoss.generatorLoss", fakeLogits: fakeLogits)
    let scale = 1 / Double(fakeLogits.count)
    var sum = 0.0
    let fakeGradient = gradient(for: fakeLogits) { l, g in
      let gradientScale = Float(scale)
      switch objective {
      case .saturating:
        for i in 0..<l.count {
          let logit = l[i]
          let (sigmoid, _, log1pTerm) = sigmoidPair(logit)
          sum -= Double(max(logit, 0)) + Double(log1pTerm)          // log(1 − σ(l)) = −softplus(l)
          g[i] = -gradientScale * sigmoid                           // −σ(l): ≈ 0 when D rejects the fake
        }
      case .nonSaturating:
        for i in 0..<l.count {
          let logit = l[i]
          let (_, complement, log1pTerm) = sigmoidPair(logit)
          sum += Double(max(-logit, 0)) + Double(log1pTerm)         // −log σ(l) = softplus(−l)
          g[i] = -gradientScale * complement                        // σ(l) − 1 = −σ(−l): ≈ −1 then
        }
      }
    }
    return GeneratorLoss(value: sum * scale, fakeGradient: fakeGradient)
  }

  /// σ(l), σ(−l) = 1 − σ(l) and log1p(e^(−|l|)), all from one e = e^(−|l|) ≤ 1:
  /// σ(|l|) = 1/(1 + e) and σ(−|l|) = e/(1 + e), neither of which overflows or cancels.
  @inline(__always)
  static func sigmoidPair(_ logit: Float) -> (sigmoid: Float, complement: Float, log1pTerm: Float) {
    let e = exp(-abs(logit))
    let large = 1 / (1 + e), small = e * large                      // σ(|l|), σ(−|l|)
    return logit >= 0 ? (large, small, log1p(e)) : (small, large, log1p(e))
  }

  /// A tensor of `logits`' shape whose elements `body(logits, gradient)` writes, with no
  /// copy of either buffer.
  @inline(__always)
  static func gradient(for logits: Tensor,
                       _ body: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
    let data = [Float](unsafeUninitializedCapacity: logits.count) { buffer, initialized in
      logits.withUnsafeBufferPointer { body($0, buffer) }
      initialized = logits.count
    }
    return Tensor(shape: logits.shape, data: data)
  }
}
