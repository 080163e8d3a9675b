// Solution 05 — the reparameterization trick, the closed-form KL and their gradients,
// element by element in the order of the equations.
import ExerciseSupport
import Foundation

/// z = μ + σ·ε with σ = exp(½·logσ²): the ½ turns the log-variance into a standard deviation.
public func reparameterize(mean: Tensor, logVariance: Tensor, epsilon: Tensor) throws -> Tensor {
  var z = [Float](repeating: 0, count: mean.count)
  for i in 0..<mean.count {
    let sigma = exp(0.5 * logVariance.data[i])
    z[i] = mean.data[i] + sigma * epsilon.data[i]
  }
  return Tensor(shape: mean.shape, data: z)
}

/// KL_n = −½ Σ_d (1 + logσ² − μ² − σ²), summed in Double over the D columns of row n.
public func gaussianKL(mean: Tensor, logVariance: Tensor) throws -> [Double] {
  let (n, d) = (mean.shape[0], mean.shape[1])
  var kl = [Double](repeating: 0, count: n)
  for row in 0..<n {
    var sum = 0.0
    for column in 0..<d {
      let mu = Double(mean.data[row * d + column]), logVar = Double(logVariance.data[row * d + column])
      sum += 1 + logVar - mu * mu - exp(logVar)
    }
    kl[row] = -0.5 * sum
  }
  return kl
}

/// dL/dμ = dz·1 + klScale·μ and dL/dlogσ² = dz·½σ·ε + klScale·½(σ² − 1): the chain rule
/// through z = μ + σ·ε (dσ/dlogσ² = ½σ) plus the KL's own derivatives.
public func reparameterizationBackward(zGradient: Tensor, epsilon: Tensor, mean: Tensor, logVariance: Tensor,
                                       klScale: Float) throws -> (mean: Tensor, logVariance: Tensor) {
  var meanGradient = [Float](repeating: 0, count: mean.count)
  var logVarianceGradient = [Float](repeating: 0, count: mean.count)
  for i in 0..<mean.count {
    let sigma = exp(0.5 * logVariance.data[i])
    let variance = exp(logVariance.data[i])
    meanGradient[i] = zGradient.data[i] + klScale * mean.data[i]
    logVarianceGradient[i] = zGradient.data[i] * 0.5 * sigma * epsilon.data[i] + klScale * 0.5 * (variance - 1)
  }
  return (Tensor(shape: mean.shape, data: meanGradient), Tensor(shape: mean.shape, data: logVarianceGradient))
}
