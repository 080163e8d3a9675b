import Core
import NN
import TestSupport
import Testing

@Suite struct BatchNormTests {
  /// A layer with random γ and β, so their gradients are not special.
  func randomLayer(_ features: Int, rng: inout RNG) -> BatchNorm {
    let layer = BatchNorm(features: features)
    layer.weight.value = Tensor.normal([features], mean: 1, std: 0.5, using: &rng)
    layer.bias.value = Tensor.normal([features], using: &rng)
    return layer
  }

  @Test(arguments: [[6, 3], [3, 2, 3, 3], [2, 1, 2, 2]])
  func trainingBackwardMatchesFiniteDifferences(shape: [Int]) {
    var rng = RNG(seed: 41)
    let layer = randomLayer(shape[1], rng: &rng)
    let x = Tensor.normal(shape, mean: 0.5, std: 2, using: &rng)
    checkGradients(layer, input: x, training: true, "BatchNorm training \(shape)")
  }

  @Test(arguments: [[6, 3], [3, 2, 3, 3]])
  func evaluationBackwardMatchesFiniteDifferences(shape: [Int]) {
    var rng = RNG(seed: 42)
    let layer = randomLayer(shape[1], rng: &rng)
    layer.runningMean.value = Tensor.normal([shape[1]], using: &rng)
    layer.runningVariance.value = Tensor.uniform([shape[1]], in: 0.5..<2, using: &rng)
    checkGradients(layer, input: Tensor.normal(shape, using: &rng), training: false,
                   "BatchNorm evaluation \(shape)")
  }

  /// Worked by hand. Channel 0 holds [1, 2, 3, 6]: mean 3, biased variance (4+1+0+9)/4 = 3.5,
  /// unbiased 14/3. Channel 1 holds [0, 0, 1, −1]: mean 0, biased 0.5, unbiased 2/3.
  /// With momentum 0.1 the running stats become 0.1·mean and 0.9 + 0.1·unbiased.
  @Test func runningStatisticsByHand() {
    let layer = BatchNorm(features: 2)
    let x = Tensor(shape: [4, 2], data: [1, 0, 2, 0, 3, 1, 6, -1])
    let y = layer.forward(x, training: true)
    expectClose(layer.runningMean.value.data, [0.3, 0], Tolerance(atol: 1e-7, rtol: 1e-6))
    expectClose(layer.runningVariance.value.data, [0.9 + 0.1 * 14 / 3, 0.9 + 0.1 * 2 / 3],
                Tolerance(atol: 1e-7, rtol: 1e-6))
    // Training normalises with the batch's biased variance.
    let (s0, s1) = ((3.5 + 1e-5).squareRoot(), (0.5 + 1e-5).squareRoot())
    expectClose(y.data, [Float(-2 / s0), 0, Float(-1 / s0), 0, 0, Float(1 / s1), Float(3 / s0), Float(-1 / s1)],
                Tolerance(atol: 1e-6, rtol: 1e-5))
    // Evaluation uses the running statistics (γ = 1, β = 0).
    let evaluated = layer.forward(x, training: false)
    let (r0, r1) = ((0.9 + 1.4 / 3 + 1e-5).squareRoot(), (0.9 + 0.2 / 3 + 1e-5).squareRoot())
    expectClose(evaluated.data, [Float(0.7 / r0), 0, Float(1.7 / r0), 0, Float(2.7 / r0), Float(1 / r1),
                                 Float(5.7 / r0), Float(-1 / r1)], Tolerance(atol: 1e-6, rtol: 1e-5))
    // Evaluation does not move the running statistics.
    expectClose(layer.runningMean.value.data, [0.3, 0], Tolerance(atol: 1e-7, rtol: 1e-6))
  }

  /// 2-d: statistics over batch and pixels, per channel, against loops written here.
  @Test func runningStatisticsOverPixels() {
    var rng = RNG(seed: 43)
    let layer = BatchNorm(features: 3, momentum: 0.25)
    let x = Tensor.normal([2, 3, 2, 3], mean: 1, std: 3, using: &rng)
    _ = layer.forward(x, training: true)
    for c in 0..<3 {
      var values: [Double] = []
      for n in 0..<2 { for i in 0..<2 { for j in 0..<3 { values.append(Double(x[n, c, i, j])) } } }
      let mean = values.reduce(0, +) / 12
      let unbiased = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 11
      #expect(abs(Double(layer.runningMean.value.data[c]) - 0.25 * mean) < 1e-5)
      #expect(abs(Double(layer.runningVariance.value.data[c]) - (0.75 + 0.25 * unbiased)) < 1e-4)
    }
  }

  @Test func names() {
    let layer = BatchNorm(features: 4)
    #expect(layer.parameters.map(\.name) == ["weight", "bias"])
    #expect(layer.buffers.map(\.name) == ["running_mean", "running_var"])
    #expect(layer.weight.value.data == [1, 1, 1, 1] && layer.bias.value.data == [0, 0, 0, 0])
    #expect(layer.runningMean.value.data == [0, 0, 0, 0] && layer.runningVariance.value.data == [1, 1, 1, 1])
  }
}
