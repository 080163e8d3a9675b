import Core
import NN
import TestSupport
import Testing

/// Layers composed by `Sequential`: the whole model's backward against central differences.
@Suite struct ModelTests {
  @Test func linearReluLinearSigmoid() {
    var rng = RNG(seed: 68)
    let first = Linear(inputSize: 6, outputSize: 8, rng: &rng)
    let model = Sequential(first, ReLU(), Linear(inputSize: 8, outputSize: 3, rng: &rng), Sigmoid())
    let x = Tensor.normal([3, 6], using: &rng)
    // A step of h = 1e-2 moves a hidden pre-activation by at most h·max(|x|, |W|, 1) < 0.05,
    // so none of them may be that close to ReLU's kink (the seed is chosen so).
    let hidden = first.forward(x, training: true)
    #expect(hidden.data.map(abs).min()! > 0.05)
    checkGradients(model, input: x, "MLP")
    #expect(model.parameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
  }

  /// Conv2d → BatchNorm → LeakyReLU → Flatten → Linear, the shape of a small encoder.
  @Test func convolutionalEncoder() {
    var rng = RNG(seed: 62)
    let model = Sequential(
      Conv2d(inputChannels: 1, outputChannels: 2, kernelSize: 3, stride: 2, padding: 1, rng: &rng),
      BatchNorm(features: 2), LeakyReLU(negativeSlope: 0.2), Flatten(),
      Linear(inputSize: 2 * 3 * 3, outputSize: 2, rng: &rng), Reshape([1, 2]))
    let x = Tensor.normal([2, 1, 5, 5], using: &rng)
    #expect(model.forward(x, training: true).shape == [2, 1, 2])
    checkGradients(model, input: x, step: 1e-3, tolerance: Tolerance(atol: 3e-3, rtol: 2e-2), "encoder")
    #expect(model.buffers.map(\.name) == ["1.running_mean", "1.running_var"])
  }
}
