import Core
import NN
import TestSupport
import Testing

@Suite struct LinearTests {
  /// y[n,o] = b[o] + Σ_i x[n,i]·W[o,i], the definition as a triple loop in Double.
  func tripleLoop(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
    let (batch, inputs, outputs) = (x.shape[0], x.shape[1], weight.shape[0])
    var y = Tensor(zeros: [batch, outputs])
    for n in 0..<batch {
      for o in 0..<outputs {
        var sum = Double(bias?.data[o] ?? 0)
        for i in 0..<inputs { sum += Double(x[n, i]) * Double(weight[o, i]) }
        y[n, o] = Float(sum)
      }
    }
    return y
  }

  @Test(arguments: [(5, 7, 3), (1, 1, 1), (4, 33, 17)], [true, false])
  func forwardMatchesTripleLoop(shape: (batch: Int, inputs: Int, outputs: Int), hasBias: Bool) {
    var rng = RNG(seed: 1)
    let layer = Linear(inputSize: shape.inputs, outputSize: shape.outputs, bias: hasBias, rng: &rng)
    let x = Tensor.normal([shape.batch, shape.inputs], using: &rng)
    let expected = tripleLoop(x, layer.weight.value, layer.bias?.value)
    for implementation in Implementation.allCases {
      layer.implementation = implementation
      expectClose(layer.forward(x, training: true), expected, .float32,
                  "shape \(shape) bias \(hasBias) \(implementation)")
    }
  }

  @Test(arguments: [(4, 6, 5), (1, 3, 2), (3, 9, 1)], [true, false])
  func backwardMatchesFiniteDifferences(shape: (batch: Int, inputs: Int, outputs: Int), hasBias: Bool) {
    for implementation in Implementation.allCases {
      var rng = RNG(seed: 2)
      let layer = Linear(inputSize: shape.inputs, outputSize: shape.outputs, bias: hasBias,
                         implementation: implementation, rng: &rng)
      let x = Tensor.normal([shape.batch, shape.inputs], using: &rng)
      checkGradients(layer, input: x, "Linear \(shape) bias \(hasBias) \(implementation)")
    }
  }

  /// Without dL/dx the parameter gradients are the same, and backward returns shape [0].
  @Test func skippingTheInputGradient() {
    var rng = RNG(seed: 6)
    let full = Linear(inputSize: 5, outputSize: 3, rng: &rng)
    let first = Linear(inputSize: 5, outputSize: 3, rng: &rng)
    first.weight.value = full.weight.value
    first.bias!.value = full.bias!.value
    first.computesInputGradient = false
    let x = Tensor.normal([4, 5], using: &rng), dy = Tensor.normal([4, 3], using: &rng)
    _ = full.forward(x, training: true)
    _ = first.forward(x, training: true)
    #expect(full.backward(dy).shape == [4, 5])
    #expect(first.backward(dy).shape == [0])
    #expect(first.weight.gradient == full.weight.gradient && first.bias!.gradient == full.bias!.gradient)
  }

  @Test func parameterNames() {
    var rng = RNG(seed: 3)
    let layer = Linear(inputSize: 4, outputSize: 2, rng: &rng)
    #expect(layer.parameters.map(\.name) == ["weight", "bias"])
    #expect(layer.weight.value.shape == [2, 4] && layer.bias?.value.shape == [2])
    #expect(layer.parameterCount == 10)
    let noBias = Linear(inputSize: 4, outputSize: 2, bias: false, rng: &rng)
    #expect(noBias.parameters.map(\.name) == ["weight"])
  }

  @Test func backwardAddsIntoTheGradient() {
    var rng = RNG(seed: 4)
    let layer = Linear(inputSize: 3, outputSize: 2, rng: &rng)
    let x = Tensor.normal([4, 3], using: &rng)
    let dy = Tensor.normal([4, 2], using: &rng)
    _ = layer.forward(x, training: true)
    _ = layer.backward(dy)
    let once = layer.weight.gradient
    _ = layer.backward(dy)
    expectClose(layer.weight.gradient, once * 2, .float32, "two backwards add up")
    layer.zeroGradients()
    #expect(layer.weight.gradient.data.allSatisfy { $0 == 0 })
  }

  /// The GEMM splits large products over threads without changing any sum's order,
  /// and the bias sums are serial: the numbers must not depend on the thread count.
  @Test func bitIdenticalForOneAndTwoThreads() {
    let saved = Parallel.threadCount
    defer { Parallel.threadCount = saved }
    func run(threads: Int) -> [Tensor] {
      Parallel.threadCount = threads
      var rng = RNG(seed: 5)
      let layer = Linear(inputSize: 300, outputSize: 200, rng: &rng)
      let x = Tensor.normal([64, 300], using: &rng)
      let dy = Tensor.normal([64, 200], using: &rng)
      let y = layer.forward(x, training: true)
      let dx = layer.backward(dy)
      return [y, dx, layer.weight.gradient, layer.bias!.gradient]
    }
    let one = run(threads: 1), two = run(threads: 2)
    for (a, b) in zip(one, two) { #expect(a == b) }
  }
}
