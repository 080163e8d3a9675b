import Core
import Foundation
import NN
import TestSupport
import Testing

@Suite struct InitializerTests {
  /// Every weight initialiser and the standard deviation its formula gives for
  /// fanIn 512, fanOut 256 (a uniform U(±a) has std a/√3).
  static let cases: [(Initializer, Double)] = [
    (.pytorchDefault, 1 / (512.0).squareRoot() / (3.0).squareRoot()),
    (.xavierUniform, (6 / 768.0).squareRoot() / (3.0).squareRoot()),
    (.xavierNormal, (2 / 768.0).squareRoot()),
    (.kaimingUniform, (6 / 512.0).squareRoot() / (3.0).squareRoot()),
    (.kaimingNormal, (2 / 512.0).squareRoot()),
    (.normal(std: 0.02), 0.02),
  ]

  /// Over n = 131 072 draws the sample std is within 1% of σ with overwhelming
  /// probability (its relative standard error is ≈ 0.2–0.3%), and the mean within 5σ/√n.
  @Test(arguments: cases)
  func weightStatistics(initializer: Initializer, std: Double) {
    var rng = RNG(seed: 51)
    let weight = initializer.weight(shape: [256, 512], fanIn: 512, fanOut: 256, rng: &rng)
    #expect(weight.shape == [256, 512])
    let values = weight.data.map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let sampleStd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    #expect(abs(mean) < 5 * std / Double(values.count).squareRoot(), "\(initializer): mean \(mean)")
    #expect(abs(sampleStd / std - 1) < 0.01, "\(initializer): std \(sampleStd), formula \(std)")
  }

  @Test(arguments: cases)
  func biases(initializer: Initializer, std: Double) {
    var rng = RNG(seed: 52)
    let bias = initializer.bias(count: 400, fanIn: 512, rng: &rng)
    #expect(bias.shape == [400])
    if initializer == .pytorchDefault {
      let bound = 1 / Float(512).squareRoot()
      let largest = bias.data.map(abs).max()!
      #expect(largest <= bound && largest > 0.95 * bound)
    } else {
      #expect(bias.data.allSatisfy { $0 == 0 }, "\(initializer) bias should be zero")
    }
  }

  @Test func layersUseTheirInitializer() {
    var rng = RNG(seed: 53)
    let dcgan = Conv2d(inputChannels: 16, outputChannels: 32, kernelSize: 4, initializer: .normal(std: 0.02), rng: &rng)
    let values = dcgan.weight.value.data.map(Double.init)
    let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
    #expect(abs(std / 0.02 - 1) < 0.03, "DCGAN conv weight std \(std)")
    #expect(dcgan.bias!.value.data.allSatisfy { $0 == 0 })
    let linear = Linear(inputSize: 100, outputSize: 10, initializer: .xavierUniform, rng: &rng)
    #expect(linear.weight.value.data.allSatisfy { abs($0) <= (6 / Float(110)).squareRoot() })
    #expect(linear.bias!.value.data.allSatisfy { $0 == 0 })
  }
}
