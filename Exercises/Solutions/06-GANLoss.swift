// Solution 06 — the GAN losses from logits: never σ(l) then its log, but softplus, whose
// exp only ever sees −|x| ≤ 0; the gradients as σ(l) − target, with no division by D.
// Each element in Double, one loop per set of logits.
import ExerciseSupport
import Foundation

/// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)): −log σ(l) = softplus(−l) and
/// −log(1 − σ(l)) = softplus(l).
private func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }

/// σ(x) = 1/(1 + e^(−x)), written so that exp never sees a positive number.
private func sigmoid(_ x: Double) -> Double {
  x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
}

public func discriminatorLoss(realLogits: Tensor, fakeLogits: Tensor) throws -> (value: Double, real: Tensor, fake: Tensor) {
  let realCount = Double(realLogits.count), fakeCount = Double(fakeLogits.count)
  // Real items, target 1: (1/N_r) Σ −log σ(l) = (1/N_r) Σ softplus(−l), gradient (σ(l) − 1)/N_r.
  var realSum = 0.0
  var realGradient = [Float](repeating: 0, count: realLogits.count)
  for i in 0..<realLogits.count {
    let l = Double(realLogits.data[i])
    realSum += softplus(-l)
    realGradient[i] = Float((sigmoid(l) - 1) / realCount)
  }
  // Generated items, target 0: (1/N_f) Σ −log(1 − σ(l)) = (1/N_f) Σ softplus(l), gradient σ(l)/N_f.
  var fakeSum = 0.0
  var fakeGradient = [Float](repeating: 0, count: fakeLogits.count)
  for i in 0..<fakeLogits.count {
    let l = Double(fakeLogits.data[i])
    fakeSum += softplus(l)
    fakeGradient[i] = Float(sigmoid(l) / fakeCount)
  }
  return (realSum / realCount + fakeSum / fakeCount,
          Tensor(shape: realLogits.shape, data: realGradient),
          Tensor(shape: fakeLogits.shape, data: fakeGradient))
}

public func generatorLoss(fakeLogits: Tensor) throws -> (value: Double, fake: Tensor) {
  // The generator wants its fakes called real: (1/N) Σ −log σ(l) = (1/N) Σ softplus(−l),
  // gradient (σ(l) − 1)/N.
  let count = Double(fakeLogits.count)
  var sum = 0.0
  var gradient = [Float](repeating: 0, count: fakeLogits.count)
  for i in 0..<fakeLogits.count {
    let l = Double(fakeLogits.data[i])
    sum += softplus(-l)
    gradient[i] = Float((sigmoid(l) - 1) / count)
  }
  return (sum / count, Tensor(shape: fakeLogits.shape, data: gradient))
}
