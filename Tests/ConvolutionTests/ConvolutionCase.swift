import Convolution
import Core
import Testing

/// One convolution problem: input N×C×H×W, weight O×C×KH×KW, stride and padding per axis,
/// with or without a bias. Its description names every size, so a failing case says which.
struct ConvolutionCase: Sendable, CustomTestStringConvertible {
  var batch: Int, channels: Int, height: Int, width: Int
  var outChannels: Int, kernelHeight: Int, kernelWidth: Int
  var strideHeight = 1, strideWidth = 1, paddingHeight = 0, paddingWidth = 0
  var hasBias = true

  var parameters: ConvolutionParameters {
    ConvolutionParameters(stride: (strideHeight, strideWidth), padding: (paddingHeight, paddingWidth))
  }
  var inputShape: [Int] { [batch, channels, height, width] }
  var weightShape: [Int] { [outChannels, channels, kernelHeight, kernelWidth] }
  var outputHeight: Int { (height + 2 * paddingHeight - kernelHeight) / strideHeight + 1 }
  var outputWidth: Int { (width + 2 * paddingWidth - kernelWidth) / strideWidth + 1 }
  var outputShape: [Int] { [batch, outChannels, outputHeight, outputWidth] }
  /// The padded input holds the kernel.
  var isValid: Bool { height + 2 * paddingHeight >= kernelHeight && width + 2 * paddingWidth >= kernelWidth }

  var testDescription: String {
    "N\(batch) C\(channels) \(height)×\(width) → O\(outChannels), kernel \(kernelHeight)×\(kernelWidth), "
      + "stride \(strideHeight)×\(strideWidth), padding \(paddingHeight)×\(paddingWidth)\(hasBias ? ", bias" : ", no bias")"
  }

  /// Seeded uniform [−1, 1) input, weight, bias (nil without one) and output gradient.
  func tensors(seed: UInt64) -> (x: Tensor, weight: Tensor, bias: Tensor?, outputGradient: Tensor) {
    var rng = RNG(seed: seed)
    let x = Tensor.uniform(inputShape, in: -1..<1, using: &rng)
    let weight = Tensor.uniform(weightShape, in: -1..<1, using: &rng)
    let bias = Tensor.uniform([outChannels], in: -1..<1, using: &rng)
    let outputGradient = Tensor.uniform(outputShape, in: -1..<1, using: &rng)
    return (x, weight, hasBias ? bias : nil, outputGradient)
  }

  /// `count` valid cases drawn from `seed`: every size uniform in 1…its maximum (the kernel
  /// in `kernel`), stride
  /// 1…3, padding 0…2, bias on or off. Draws whose kernel does not fit the padded input
  /// are skipped, so the list is the same on every machine.
  static func random(count: Int, seed: UInt64, maxBatch: Int, maxChannels: Int, maxSize: Int,
                     maxOutChannels: Int, kernel: ClosedRange<Int>) -> [ConvolutionCase] {
    var rng = RNG(seed: seed)
    func draw(_ range: ClosedRange<Int>) -> Int { range.lowerBound + rng.int(below: range.count) }
    var cases: [ConvolutionCase] = []
    while cases.count < count {
      let candidate = ConvolutionCase(
        batch: draw(1...maxBatch), channels: draw(1...maxChannels),
        height: draw(1...maxSize), width: draw(1...maxSize),
        outChannels: draw(1...maxOutChannels),
        kernelHeight: draw(kernel), kernelWidth: draw(kernel),
        strideHeight: draw(1...3), strideWidth: draw(1...3),
        paddingHeight: draw(0...2), paddingWidth: draw(0...2),
        hasBias: draw(0...1) == 1)
      if candidate.isValid { cases.append(candidate) }
    }
    return cases
  }
}

/// The twins are compared on these: 60 seeded shapes up to N3 C3 9×9 → O4 with 4×4 kernels.
let twinCases = ConvolutionCase.random(count: 60, seed: 2026, maxBatch: 3, maxChannels: 3, maxSize: 9,
                                       maxOutChannels: 4, kernel: 1...4)

/// Finite differences need two forward passes per input and weight element, so these are
/// smaller; kernels are at least 2×2, so a flipped or shifted kernel index shows.
let gradientCases = ConvolutionCase.random(count: 12, seed: 17, maxBatch: 2, maxChannels: 2, maxSize: 7,
                                           maxOutChannels: 3, kernel: 2...4)
