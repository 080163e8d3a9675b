import Convolution
import Core
import Testing

/// Wrong shapes are programmer errors: they stop the program with a message that names
/// the shapes. Each check runs in a child process and reads its standard error.
@Suite struct ConvolutionPreconditions {
  func expectStop(_ message: String, _ stderr: [UInt8]?, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = String(decoding: stderr ?? [], as: UTF8.self)
    #expect(text.contains(message), "expected \"\(message)\" in: \(text)", sourceLocation: sourceLocation)
  }

  @Test func channelMismatchNamesTheShapes() async {
    let reference = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Convolution.forwardReference(Tensor(zeros: [1, 2, 5, 5]), Tensor(zeros: [4, 3, 3, 3]), nil,
                                       ConvolutionParameters())
    }
    expectStop("input [1, 2, 5, 5] has 2 channels, weight [4, 3, 3, 3] expects 3", reference?.standardErrorContent)
    let optimized = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Convolution.forward(Tensor(zeros: [1, 2, 5, 5]), Tensor(zeros: [4, 3, 3, 3]), nil, ConvolutionParameters())
    }
    expectStop("input [1, 2, 5, 5] has 2 channels, weight [4, 3, 3, 3] expects 3", optimized?.standardErrorContent)
  }

  @Test func weightRankNamesTheShape() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Convolution.forward(Tensor(zeros: [1, 2, 5, 5]), Tensor(zeros: [4, 2, 3]), nil, ConvolutionParameters())
    }
    expectStop("weight must be O×C×KH×KW (rank 4), got shape [4, 2, 3]", result?.standardErrorContent)
  }

  @Test func wrongBiasNamesTheShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Convolution.forwardReference(Tensor(zeros: [1, 2, 5, 5]), Tensor(zeros: [4, 2, 3, 3]), Tensor(zeros: [3]),
                                       ConvolutionParameters())
    }
    expectStop("bias has shape [3], weight [4, 2, 3, 3] needs [4]", result?.standardErrorContent)
  }

  @Test func wrongOutputGradientNamesTheShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      // 5×5 with a 3×3 kernel, stride 2, padding 1 gives 3×3, not 2×2.
      _ = Convolution.backward(Tensor(zeros: [1, 2, 5, 5]), Tensor(zeros: [4, 2, 3, 3]), Tensor(zeros: [1, 4, 2, 2]),
                               ConvolutionParameters(stride: 2, padding: 1), hasBias: false)
    }
    expectStop("output gradient has shape [1, 4, 2, 2]", result?.standardErrorContent)
    expectStop("gives [1, 4, 3, 3]", result?.standardErrorContent)
  }

  @Test func kernelLargerThanThePaddedInput() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Convolution.forwardReference(Tensor(zeros: [1, 1, 2, 3]), Tensor(zeros: [1, 1, 4, 4]), nil,
                                       ConvolutionParameters())
    }
    expectStop("a 4×4 kernel does not fit a 2×3 input padded by 0×0", result?.standardErrorContent)
  }
}
