// Exercise 04 — the transposed convolution by scatter, checked against
// TransposedConvolution.forwardReference.
import ExerciseSupport
import TransposedConvolution

extension Catalog {
  static let transposedConvolution = Exercise(
    id: "04", folder: "04-TransposedConvolution", title: "Transposed convolution (scatter)", lesson: "lesson 04"
  ) { submission, grader in
    for c in TransposedConvolutionCase.all(seed: 0x04) {
      grader.begin(c.name)
      let got = try submission.transposedConvolution2D(c.x, c.weight, c.bias, c.stride, c.padding)
      let expected = TransposedConvolution.forwardReference(c.x, c.weight, c.bias, c.parameters)
      guard grader.expect("y", got, equals: expected, mistakes: c.mistakes,
                          otherwise: TransposedConvolutionCase.advice) else { return }
      grader.pass()
    }
    let t = TransposedConvolutionCase.timing
    try grader.time(t.name, yours: { _ = try submission.transposedConvolution2D(t.x, t.weight, t.bias, t.stride, t.padding) },
                    reference: { _ = TransposedConvolution.forwardReference(t.x, t.weight, t.bias, t.parameters) },
                    optimized: { _ = TransposedConvolution.forward(t.x, t.weight, t.bias, t.parameters) })
  }
}

/// One transposed-convolution question: input, kernel (C_in×C_out×KH×KW), bias, stride, padding.
struct TransposedConvolutionCase {
  var x: Tensor
  var weight: Tensor
  var bias: Tensor?
  var stride: Int
  var padding: Int
  var parameters: TransposedConvolutionParameters { TransposedConvolutionParameters(stride: stride, padding: padding) }

  var batch: Int { x.shape[0] }
  var inputChannels: Int { x.shape[1] }
  var height: Int { x.shape[2] }
  var width: Int { x.shape[3] }
  var outputChannels: Int { weight.shape[1] }
  var kernelHeight: Int { weight.shape[2] }
  var kernelWidth: Int { weight.shape[3] }
  /// OH = (H − 1)·s − 2·pad + KH, OW likewise.
  var outputHeight: Int { (height - 1) * stride - 2 * padding + kernelHeight }
  var outputWidth: Int { (width - 1) * stride - 2 * padding + kernelWidth }

  var name: String {
    "x \(dimensions(x.shape)), w \(dimensions(weight.shape)), \(bias == nil ? "no bias" : "bias"), "
      + "stride \(stride), padding \(padding)"
  }

  /// The awkward ones: batch and channels of 1, stride 1, 2 and 3, padding 0, 1 and 2,
  /// a 1×1 kernel (with stride 2, so every other output is only the bias), a stride
  /// larger than the kernel (gaps between the stamps), non-square inputs and kernels,
  /// and C_in ≠ C_out so that reading the weight the wrong way round shows (C_in < C_out
  /// first, where a student who reads it as the convolution's O×C×KH×KW gets the wrong
  /// channel count rather than an index out of range).
  static func all(seed: UInt64) -> [TransposedConvolutionCase] {
    var inputs = CaseInputs(seed: seed)
    // (N, C_in, H, W, C_out, KH, KW, stride, padding, bias)
    let settings: [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Bool)] = [
      (1, 1, 3, 3, 1, 3, 3, 1, 0, false),
      (2, 2, 4, 4, 3, 4, 4, 2, 1, true),     // DCGAN's doubling layer: 4×4 → 8×8
      (1, 3, 3, 5, 2, 3, 2, 1, 1, true),
      (2, 2, 3, 4, 2, 2, 2, 3, 0, true),     // stride 3 > kernel 2: a gap row and column between stamps
      (1, 3, 4, 3, 2, 1, 1, 2, 0, true),
      (1, 2, 5, 5, 3, 5, 5, 2, 2, true),
      (3, 1, 2, 3, 1, 3, 4, 3, 1, false),
      (1, 4, 4, 4, 2, 3, 3, 2, 1, true),     // odd output, 7×7
    ]
    return settings.map { n, c, h, w, o, kh, kw, s, p, hasBias in
      TransposedConvolutionCase(x: inputs.uniform([n, c, h, w]), weight: inputs.uniform([c, o, kh, kw]),
                                bias: hasBias ? inputs.uniform([o]) : nil, stride: s, padding: p)
    }
  }

  /// The case the three implementations are timed on: DCGAN's doubling layer, 8×8 → 16×16.
  static let timing: TransposedConvolutionCase = {
    var inputs = CaseInputs(seed: 0x74)
    return TransposedConvolutionCase(x: inputs.uniform([4, 16, 8, 8]), weight: inputs.uniform([16, 8, 4, 4]),
                                     bias: inputs.uniform([8]), stride: 2, padding: 1)
  }()

  static let advice = "compare your loops with the equation in the README term by term: every x[n,c,i,j] adds "
    + "x[n,c,i,j]·w[c,o,p,q] onto y[n,o, i·stride − padding + p, j·stride − padding + q], stamps that land outside "
    + "y are dropped, and b[o] is added once to every output element"

  /// The answers the common mistakes give on this case (nil where the case cannot show one).
  var mistakes: [Mistake] {
    let hasPadding = padding > 0
    /// A tensor of the right batch and `channels`, `height`×`width`: only its shape matters.
    func sized(_ channels: Int, _ height: Int, _ width: Int) -> Tensor? {
      height >= 1 && width >= 1 ? Tensor(zeros: [batch, channels, height, width]) : nil
    }
    return [
      Mistake("the output has w.shape[1] = C_out channels: a transposed convolution's weight is C_in×C_out×KH×KW, "
              + "input channels first (the convolution's is O×C×KH×KW)") {
        inputChannels == outputChannels ? nil : sized(inputChannels, outputHeight, outputWidth)
      },
      Mistake("the output size ignores the padding: OH = (H − 1)·stride − 2·padding + KH — the padding crops "
              + "padding rows off the top and off the bottom of the full scatter") {
        hasPadding ? sized(outputChannels, outputHeight + 2 * padding, outputWidth + 2 * padding) : nil
      },
      Mistake("the padding has the wrong sign in the output size: OH = (H − 1)·stride − 2·padding + KH — the padding "
              + "of a transposed convolution crops the output, it does not enlarge it") {
        hasPadding ? sized(outputChannels, outputHeight + 4 * padding, outputWidth + 4 * padding) : nil
      },
      Mistake("off by one (by one stride) in the output size: OH = (H − 1)·stride − 2·padding + KH — the stamp of "
              + "the last input row starts at (H − 1)·stride − padding, not H·stride − padding") {
        sized(outputChannels, outputHeight + stride, outputWidth + stride)
      },
      Mistake("the output size is the convolution's, (H + 2·padding − KH)/stride + 1: the transposed convolution "
              + "goes the other way, OH = (H − 1)·stride − 2·padding + KH") {
        sized(outputChannels, (height + 2 * padding - kernelHeight) / stride + 1,
              (width + 2 * padding - kernelWidth) / stride + 1)
      },
      Mistake("the output size is H·stride, which holds only for some kernels (4×4 with stride 2 and padding 1): "
              + "use OH = (H − 1)·stride − 2·padding + KH") {
        sized(outputChannels, height * stride, width * stride)
      },
      Mistake("the weight is read as w[o,c,p,q]: a transposed convolution's weight is C_in×C_out×KH×KW, input "
              + "channels first, so w[c,o,p,q] is weight.data[((c·C_out + o)·KH + p)·KW + q]") {
        inputChannels > 1 && outputChannels > 1 ? scatter(swapWeightLayout: true) : nil
      },
      Mistake("padding sign: the stamp of x[n,c,i,j] starts at row i·stride − padding (the padding crops the "
              + "full scatter), not i·stride + padding") {
        hasPadding ? scatter(paddingSign: 1) : nil
      },
      Mistake("the stamps are not shifted by the padding: with the cropped size, the stamp of x[n,c,i,j] lands at "
              + "row i·stride − padding + p, column j·stride − padding + q") {
        hasPadding ? scatter(paddingSign: 0) : nil
      },
      Mistake("the kernel is flipped: the scatter adds x[n,c,i,j]·w[c,o,p,q] at row i·stride − padding + p. "
              + "(If you gather — a convolution over the input upsampled with zeros and padded by KH − 1 − padding — "
              + "that convolution needs the flipped kernel w[c,o,KH−1−p,KW−1−q]; an unflipped one gives this answer.)") {
        kernelHeight == 1 && kernelWidth == 1 ? nil : scatter(flipKernel: true)
      },
      Mistake("the bias is missing: add b[o] to every output element of channel o") {
        bias == nil ? nil : scatter(bias: .missing)
      },
      Mistake("the bias is added with every stamp: add b[o] once to every output element, after the scatter "
              + "(outputs where several stamps overlap, or none lands, still get it once)") {
        bias == nil ? nil : scatter(bias: .perStamp)
      },
      Mistake("the bias is added once per input channel (inside the loop over c): add it once per output element") {
        bias == nil || inputChannels == 1 ? nil : scatter(bias: .perInputChannel)
      },
    ]
  }

  enum BiasMode { case once, missing, perStamp, perInputChannel }

  /// The scatter with a mistake switched on, to recognise it in a student's answer:
  /// `paddingSign` −1 is right (row i·s − pad + p), +1 and 0 are the mistakes.
  func scatter(paddingSign: Int = -1, swapWeightLayout: Bool = false, flipKernel: Bool = false,
               bias biasMode: BiasMode = .once) -> Tensor {
    let (oh, ow) = (outputHeight, outputWidth)
    var y = [Float](repeating: 0, count: batch * outputChannels * oh * ow)
    func add(_ value: Float, _ n: Int, _ o: Int, _ row: Int, _ column: Int) {
      y[((n * outputChannels + o) * oh + row) * ow + column] += value
    }
    let b = bias?.data ?? [Float](repeating: 0, count: outputChannels)
    for n in 0..<batch {
      for c in 0..<inputChannels {
        for i in 0..<height {
          for j in 0..<width {
            let pixel = x.data[((n * inputChannels + c) * height + i) * width + j]
            for o in 0..<outputChannels {
              for p in 0..<kernelHeight {
                let row = i * stride + paddingSign * padding + p
                guard row >= 0 && row < oh else { continue }
                for q in 0..<kernelWidth {
                  let column = j * stride + paddingSign * padding + q
                  guard column >= 0 && column < ow else { continue }
                  let (wp, wq) = flipKernel ? (kernelHeight - 1 - p, kernelWidth - 1 - q) : (p, q)
                  let index = swapWeightLayout ? ((o * inputChannels + c) * kernelHeight + wp) * kernelWidth + wq
                                               : ((c * outputChannels + o) * kernelHeight + wp) * kernelWidth + wq
                  add(pixel * weight.data[index] + (biasMode == .perStamp ? b[o] : 0), n, o, row, column)
                }
              }
            }
          }
        }
      }
    }
    let biasTimes: Float = switch biasMode {
    case .once: 1
    case .missing, .perStamp: 0
    case .perInputChannel: Float(inputChannels)
    }
    for n in 0..<batch {
      for o in 0..<outputChannels {
        for row in 0..<oh {
          for column in 0..<ow { add(biasTimes * b[o], n, o, row, column) }
        }
      }
    }
    return Tensor(shape: [batch, outputChannels, oh, ow], data: y)
  }
}
