// Solution 08 — one DDPM reverse step: the coefficients from the tables at index t, then
// the equation element by element.
import ExerciseSupport

public func ddpmStep(_ noisy: Tensor, predictedNoise: Tensor, t: Int, schedule: Schedule, z: Tensor) throws -> Tensor {
  let beta = schedule.betas[t], alpha = schedule.alphas[t], alphaBar = schedule.alphaBars[t]
  let scale = Float(1 / alpha.squareRoot())                          // 1/√α_t
  let noiseWeight = Float(beta / (1 - alphaBar).squareRoot())        // β_t/√(1 − ᾱ_t)
  // σ_t = √β̃_t, and the last step (t = 1) adds no noise: x_0 is the mean.
  let sigma = t > 1 ? Float(schedule.posteriorVariances[t].squareRoot()) : 0
  var values = [Float](repeating: 0, count: noisy.count)
  for i in 0..<noisy.count {
    values[i] = (noisy.data[i] - noiseWeight * predictedNoise.data[i]) * scale + sigma * z.data[i]
  }
  return Tensor(shape: noisy.shape, data: values)
}
