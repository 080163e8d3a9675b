import Core
import NN
import TestSupport
import Testing

/// One small, awkward geometry for a convolution layer.
struct ConvCase: Sendable, CustomStringConvertible {
  var batch: Int, inputChannels: Int, size: Int, outputChannels: Int
  var kernelSize: Int, stride: Int, padding: Int, outputPadding = 0, bias = true
  var description: String {
    "N\(batch) \(inputChannels)→\(outputChannels) \(size)×\(size) k\(kernelSize) s\(stride) p\(padding)"
      + (outputPadding > 0 ? " op\(outputPadding)" : "") + (bias ? "" : " no bias")
  }
}

@Suite struct ConvLayerTests {
  static let convolutions = [
    ConvCase(batch: 2, inputChannels: 2, size: 5, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1),
    ConvCase(batch: 1, inputChannels: 1, size: 4, outputChannels: 2, kernelSize: 2, stride: 1, padding: 0, bias: false),
  ]
  static let transposed = [
    ConvCase(batch: 2, inputChannels: 3, size: 3, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1),
    ConvCase(batch: 1, inputChannels: 2, size: 2, outputChannels: 1, kernelSize: 3, stride: 2, padding: 0,
             outputPadding: 1, bias: false),
  ]

  @Test(arguments: convolutions, Implementation.allCases)
  func conv2dBackwardMatchesFiniteDifferences(shape: ConvCase, implementation: Implementation) {
    var rng = RNG(seed: 31)
    let layer = Conv2d(inputChannels: shape.inputChannels, outputChannels: shape.outputChannels,
                       kernelSize: shape.kernelSize, stride: shape.stride, padding: shape.padding,
                       bias: shape.bias, implementation: implementation, rng: &rng)
    let x = Tensor.normal([shape.batch, shape.inputChannels, shape.size, shape.size], using: &rng)
    checkGradients(layer, input: x, "Conv2d \(shape) \(implementation)")
  }

  @Test(arguments: transposed, Implementation.allCases)
  func convTranspose2dBackwardMatchesFiniteDifferences(shape: ConvCase, implementation: Implementation) {
    var rng = RNG(seed: 32)
    let layer = ConvTranspose2d(inputChannels: shape.inputChannels, outputChannels: shape.outputChannels,
                                kernelSize: shape.kernelSize, stride: shape.stride, padding: shape.padding,
                                outputPadding: shape.outputPadding, bias: shape.bias,
                                implementation: implementation, rng: &rng)
    let x = Tensor.normal([shape.batch, shape.inputChannels, shape.size, shape.size], using: &rng)
    checkGradients(layer, input: x, "ConvTranspose2d \(shape) \(implementation)")
  }

  /// Switching `implementation` on the same layer changes the speed, not the numbers.
  @Test func twinsAgreeThroughTheLayers() {
    var rng = RNG(seed: 33)
    let conv = Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: 1, rng: &rng)
    let deconv = ConvTranspose2d(inputChannels: 4, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
    let x = Tensor.normal([2, 3, 6, 6], using: &rng)
    var outputs: [Implementation: Tensor] = [:]
    for implementation in Implementation.allCases {
      conv.implementation = implementation
      deconv.implementation = implementation
      outputs[implementation] = deconv.forward(conv.forward(x, training: true), training: true)
    }
    #expect(outputs[.optimized]!.shape == [2, 2, 12, 12])
    expectClose(outputs[.optimized]!, outputs[.reference]!, .float32, "Conv2d → ConvTranspose2d")
  }

  /// PyTorch computes ConvTranspose2d's fan-in from weight dimension 1 (out·k·k), so its
  /// default weights lie in ±1/√(out·k·k): here ±1/√48 ≈ 0.144, not ±1/√128 ≈ 0.088.
  @Test func fanInFollowsPyTorch() {
    var rng = RNG(seed: 34)
    let deconv = ConvTranspose2d(inputChannels: 8, outputChannels: 3, kernelSize: 4, rng: &rng)
    #expect(deconv.weight.value.shape == [8, 3, 4, 4])
    let largest = deconv.weight.value.data.map(abs).max()!
    #expect(largest <= 1 / Float(48).squareRoot() && largest > 0.9 / Float(48).squareRoot())
    let conv = Conv2d(inputChannels: 3, outputChannels: 8, kernelSize: 4, rng: &rng)
    #expect(conv.weight.value.shape == [8, 3, 4, 4])
    let convLargest = conv.weight.value.data.map(abs).max()!
    #expect(convLargest <= 1 / Float(48).squareRoot() && convLargest > 0.9 / Float(48).squareRoot())
    #expect(conv.parameters.map(\.name) == ["weight", "bias"])
  }
}
