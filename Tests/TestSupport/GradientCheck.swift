import Core
import NN
import Testing

/// L = Σᵢ yᵢ·Rᵢ, accumulated in Double: the scalar whose gradient dL/dy is R.
public func weightedSum(_ output: Tensor, _ weights: Tensor) -> Double {
  precondition(output.shape == weights.shape, "weightedSum: \(output.shape) vs \(weights.shape)")
  var total = 0.0
  for i in 0..<output.count { total += Double(output.data[i]) * Double(weights.data[i]) }
  return total
}

/// Tolerance for central differences with h = 1e-2 on float32 forwards of O(1)
/// values: the rounding of L (≈1e-6) divided by 2h gives errors near 1e-4.
public let finiteDifference = Tolerance(atol: 1e-3, rtol: 1e-2)

/// Checks a layer's backward against central finite differences.
///
/// With a random fixed R and L(x, θ) = Σ forward(x)·R, backward(R) must return
/// dL/dx and add dL/dθ to every parameter's gradient. Each is compared with
/// (L(v + h) − L(v − h)) / 2h, one element v of x or θ at a time.
public func checkGradients(_ layer: any Layer, input: Tensor, training: Bool = true, step h: Float = 1e-2,
                    tolerance: Tolerance = finiteDifference, seed: UInt64 = 99, _ context: String = "",
                    sourceLocation: SourceLocation = #_sourceLocation) {
  var rng = RNG(seed: seed)
  let output = layer.forward(input, training: training)
  let weights = Tensor.normal(output.shape, using: &rng)
  layer.zeroGradients()
  // Backward must add into the gradient: start from a known non-zero value.
  for (_, parameter) in layer.parameters {
    parameter.gradient = Tensor(shape: parameter.value.shape, repeating: 0.5)
  }
  let inputGradient = layer.backward(weights)
  let analytic = layer.parameters.map { $0.parameter.gradient - 0.5 }

  func loss(_ x: Tensor) -> Double { weightedSum(layer.forward(x, training: training), weights) }

  var numeric = Tensor(zeros: input.shape)
  for i in 0..<input.count {
    var plus = input, minus = input
    plus.data[i] += h
    minus.data[i] -= h
    numeric.data[i] = Float((loss(plus) - loss(minus)) / Double(2 * h))
  }
  expectClose(inputGradient, numeric, tolerance, "\(context) dL/dx", sourceLocation: sourceLocation)

  for ((name, parameter), gradient) in zip(layer.parameters, analytic) {
    var numeric = Tensor(zeros: parameter.value.shape)
    let original = parameter.value
    for i in 0..<original.count {
      parameter.value.data[i] = original.data[i] + h
      let plus = loss(input)
      parameter.value.data[i] = original.data[i] - h
      let minus = loss(input)
      parameter.value = original
      numeric.data[i] = Float((plus - minus) / Double(2 * h))
    }
    expectClose(gradient, numeric, tolerance, "\(context) dL/d\(name)", sourceLocation: sourceLocation)
  }
}

/// Normal draws pushed at least `margin` away from 0, so that a finite-difference
/// step never crosses the kink of ReLU-like functions.
public func awayFromZero(_ shape: [Int], margin: Float = 0.1, rng: inout RNG) -> Tensor {
  Tensor.normal(shape, using: &rng).map { $0 >= 0 ? $0 + margin : $0 - margin }
}
