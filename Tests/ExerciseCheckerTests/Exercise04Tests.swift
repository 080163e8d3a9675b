import ExerciseChecker
import ExerciseSupport
import Testing
import TransposedConvolution

/// A submission where only exercise 04 is written, by `transposedConvolution`.
func submission04(_ transposedConvolution: @escaping @Sendable (Tensor, Tensor, Tensor?, Int, Int) throws -> Tensor)
  -> Submission {
  var submission = Submission.unimplemented
  submission.transposedConvolution2D = transposedConvolution
  return submission
}

/// How a student might size the output.
enum TransposedOutputSize: Sendable {
  case right, withoutPadding, plusPadding, oneStrideTooMany, convolutions, heightTimesStride

  func size(_ input: Int, kernel: Int, stride s: Int, padding pad: Int) -> Int {
    switch self {
    case .right: (input - 1) * s - 2 * pad + kernel
    case .withoutPadding: (input - 1) * s + kernel
    case .plusPadding: (input - 1) * s + 2 * pad + kernel
    case .oneStrideTooMany: input * s - 2 * pad + kernel
    case .convolutions: (input + 2 * pad - kernel) / s + 1
    case .heightTimesStride: input * s
    }
  }
}

/// How a student might add the bias.
enum TransposedBias: Sendable { case once, missing, perStamp, perInputChannel }

/// The scatter with switches for the mistakes students make (the checker must recognise
/// each one by its hint). `convolutionLayout` reads the weight as the convolution's
/// O×C×KH×KW (output channels w.shape[0]); `swapIndex` keeps C_out = w.shape[1] but
/// indexes w[o,c,·,·].
func studentTransposedConvolution(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride s: Int, padding pad: Int,
                                  outputSize: TransposedOutputSize = .right, convolutionLayout: Bool = false,
                                  swapIndex: Bool = false, paddingSign: Int = -1, flip: Bool = false,
                                  biasMode: TransposedBias = .once) -> Tensor {
  let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let o = convolutionLayout ? w.shape[0] : w.shape[1]
  let (kh, kw) = (w.shape[2], w.shape[3])
  let oh = outputSize.size(h, kernel: kh, stride: s, padding: pad)
  let ow = outputSize.size(wd, kernel: kw, stride: s, padding: pad)
  var y = [Float](repeating: 0, count: n * o * oh * ow)
  for b in 0..<n { for ch in 0..<c { for i in 0..<h { for j in 0..<wd {
    let pixel = x.data[((b * c + ch) * h + i) * wd + j]
    for k in 0..<o { for p in 0..<kh { for q in 0..<kw {
      let row = i * s + paddingSign * pad + p, column = j * s + paddingSign * pad + q
      guard row >= 0 && row < oh && column >= 0 && column < ow else { continue }
      let (wp, wq) = flip ? (kh - 1 - p, kw - 1 - q) : (p, q)
      let index = convolutionLayout || swapIndex ? ((k * c + ch) * kh + wp) * kw + wq : ((ch * o + k) * kh + wp) * kw + wq
      y[((b * o + k) * oh + row) * ow + column] += pixel * w.data[index] + (biasMode == .perStamp ? bias?.data[k] ?? 0 : 0)
    } } }
    if biasMode == .perInputChannel, i == 0, j == 0, let bias {
      for k in 0..<o { for r in 0..<(oh * ow) { y[(b * o + k) * oh * ow + r] += bias.data[k] } }
    }
  } } } }
  if biasMode == .once, let bias {
    for b in 0..<n { for k in 0..<o { for r in 0..<(oh * ow) { y[(b * o + k) * oh * ow + r] += bias.data[k] } } }
  }
  return Tensor(shape: [n, o, oh, ow], data: y)
}

/// The gather form: a convolution over x upsampled with zeros (x[i] at i·s) and padded by
/// KH − 1 − pad. It equals the scatter only with the kernel flipped.
func studentGatherTransposedConvolution(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride s: Int, padding pad: Int,
                                        flip: Bool) -> Tensor {
  let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (o, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
  let oh = (h - 1) * s - 2 * pad + kh, ow = (wd - 1) * s - 2 * pad + kw
  /// The upsampled input at (row, column): x where both are multiples of the stride, else 0.
  func upsampled(_ b: Int, _ ch: Int, _ row: Int, _ column: Int) -> Float {
    guard row >= 0, column >= 0, row % s == 0, column % s == 0, row / s < h, column / s < wd else { return 0 }
    return x.data[((b * c + ch) * h + row / s) * wd + column / s]
  }
  var y = [Float](repeating: 0, count: n * o * oh * ow)
  for b in 0..<n { for k in 0..<o { for r in 0..<oh { for t in 0..<ow {
    var sum = bias?.data[k] ?? 0
    for ch in 0..<c { for p in 0..<kh { for q in 0..<kw {
      let (wp, wq) = flip ? (kh - 1 - p, kw - 1 - q) : (p, q)
      sum += w.data[((ch * o + k) * kh + wp) * kw + wq] * upsampled(b, ch, r + p - (kh - 1 - pad), t + q - (kw - 1 - pad))
    } } }
    y[((b * o + k) * oh + r) * ow + t] = sum
  } } } }
  return Tensor(shape: [n, o, oh, ow], data: y)
}

@Suite struct Exercise04Tests {
  @Test func theReferenceTwinPassesWithTimings() {
    let report = check("04", submission04 { x, w, b, s, p in
      TransposedConvolution.forwardReference(x, w, b, TransposedConvolutionParameters(stride: s, padding: p))
    })
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 8 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && ($0.optimized ?? 0) > 0 } == true)
  }

  @Test func theOptimizedTwinPasses() {
    #expect(check("04", submission04 { x, w, b, s, p in
      TransposedConvolution.forward(x, w, b, TransposedConvolutionParameters(stride: s, padding: p))
    }).passed)
  }

  @Test func aStudentsScatterPasses() {
    #expect(check("04", submission04 { x, w, b, s, p in
      studentTransposedConvolution(x, w, b, stride: s, padding: p)
    }).passed)
  }

  @Test func aStudentsGatherWithTheFlippedKernelPasses() {
    #expect(check("04", submission04 { x, w, b, s, p in
      studentGatherTransposedConvolution(x, w, b, stride: s, padding: p, flip: true)
    }).passed)
  }

  @Test func aGatherWithoutTheFlipFailsWithTheFlipHint() {
    let report = check("04", submission04 { x, w, b, s, p in
      studentGatherTransposedConvolution(x, w, b, stride: s, padding: p, flip: false)
    })
    #expect(report.failure?.hint.hasPrefix("the kernel is flipped") == true, "\(report)")
  }

  /// Each plausible mistake fails, on the first case that can show it, with its own hint.
  @Test(arguments: [
    ("size without the padding", "the output size ignores the padding"),
    ("size plus the padding", "the padding has the wrong sign in the output size"),
    ("size one stride too many", "off by one (by one stride) in the output size"),
    ("convolution's size", "the output size is the convolution's"),
    ("size H·stride", "the output size is H·stride"),
    ("convolution's weight layout", "the output has w.shape[1] = C_out channels"),
    ("weight index swapped", "the weight is read as w[o,c,p,q]"),
    ("padding sign", "padding sign"),
    ("no padding shift", "the stamps are not shifted by the padding"),
    ("flipped kernel", "the kernel is flipped"),
    ("no bias", "the bias is missing"),
    ("bias per stamp", "the bias is added with every stamp"),
    ("bias per input channel", "the bias is added once per input channel"),
  ])
  func aMistakeFailsWithItsHint(mistake: String, hint: String) {
    let outputSize: TransposedOutputSize = switch mistake {
    case "size without the padding": .withoutPadding
    case "size plus the padding": .plusPadding
    case "size one stride too many": .oneStrideTooMany
    case "convolution's size": .convolutions
    case "size H·stride": .heightTimesStride
    default: .right
    }
    let biasMode: TransposedBias = switch mistake {
    case "no bias": .missing
    case "bias per stamp": .perStamp
    case "bias per input channel": .perInputChannel
    default: .once
    }
    let report = check("04", submission04 { x, w, b, s, p in
      studentTransposedConvolution(x, w, b, stride: s, padding: p, outputSize: outputSize,
                                   convolutionLayout: mistake == "convolution's weight layout",
                                   swapIndex: mistake == "weight index swapped",
                                   paddingSign: mistake == "padding sign" ? 1 : mistake == "no padding shift" ? 0 : -1,
                                   flip: mistake == "flipped kernel", biasMode: biasMode)
    })
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.timing == nil)
    let text = report.rendered(folder: "04-TransposedConvolution", lesson: "lesson 04")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// An error the checker does not know gets the general advice, with the worst element.
  @Test func anUnknownErrorGetsTheAdvice() throws {
    let report = check("04", submission04 { x, w, b, s, p in
      var y = TransposedConvolution.forwardReference(x, w, b, TransposedConvolutionParameters(stride: s, padding: p))
      if s == 3 { y.data[y.count - 1] -= 0.5 }   // the last element of the first stride-3 case
      return y
    })
    let failure = try #require(report.failure)
    #expect(report.cases.map(\.passed) == [true, true, true, false])
    #expect(failure.index == [1, 1, 7, 10])
    #expect(failure.hint.hasPrefix("compare your loops"))
  }
}
