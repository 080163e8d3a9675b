// Solution 07 — the closed-form noising, item by item: each item's two coefficients from
// its own ᾱ_t, then one multiply-add per element.
import ExerciseSupport

public func noised(_ x0: Tensor, timesteps: [Int], noise: Tensor, schedule: Schedule) throws -> Tensor {
  let items = x0.shape[0]
  let itemSize = x0.count / items
  var values = [Float](repeating: 0, count: x0.count)
  for n in 0..<items {
    let alphaBar = schedule.alphaBars[timesteps[n]]          // ᾱ_t of item n
    let signal = Float(alphaBar.squareRoot())                // √ᾱ_t
    let spread = Float((1 - alphaBar).squareRoot())          // √(1 − ᾱ_t)
    for i in (n * itemSize)..<((n + 1) * itemSize) {
      values[i] = signal * x0.data[i] + spread * noise.data[i]
    }
  }
  return Tensor(shape: x0.shape, data: values)
}
