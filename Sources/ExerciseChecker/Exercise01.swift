// Exercise 01 — the naive 2-D convolution, checked against Convolution.forwardReference.
import Convolution
import ExerciseSupport

extension Catalog {
  static let naiveConvolution = Exercise(
    id: "01", folder: "01-NaiveConvolution", title: "Naive 2-D convolution", lesson: "lesson 02"
  ) { submission, grader in
    for c in ConvolutionCase.all(seed: 0x01) {
      grader.begin(c.name)
      let got = try submission.convolution2D(c.x, c.weight, c.bias, c.stride, c.padding)
      let expected = Convolution.forwardReference(c.x, c.weight, c.bias, c.parameters)
      guard grader.expect("y", got, equals: expected, mistakes: ConvolutionCase.forwardMistakes(c),
                          otherwise: ConvolutionCase.forwardAdvice) else { return }
      grader.pass()
    }
    let t = ConvolutionCase.timing
    try grader.time(t.name, yours: { _ = try submission.convolution2D(t.x, t.weight, t.bias, t.stride, t.padding) },
                    reference: { _ = Convolution.forwardReference(t.x, t.weight, t.bias, t.parameters) },
                    optimized: { _ = Convolution.forward(t.x, t.weight, t.bias, t.parameters) })
  }
}

/// One convolution question: input, kernel, bias, stride, padding — shared by exercises 01–03.
struct ConvolutionCase {
  var x: Tensor
  var weight: Tensor
  var bias: Tensor?
  var stride: Int
  var padding: Int
  var parameters: ConvolutionParameters { ConvolutionParameters(stride: stride, padding: padding) }
  var outputSize: (height: Int, width: Int) {
    parameters.outputSize(height: x.shape[2], width: x.shape[3], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
  }

  var name: String {
    "x \(dimensions(x.shape)), w \(dimensions(weight.shape)), \(bias == nil ? "no bias" : "bias"), "
      + "stride \(stride), padding \(padding)"
  }

  /// The awkward ones first: 1×1 kernels, a kernel as large as the input, strides that do
  /// not divide the size, padding, non-square inputs and kernels, batch and channels of 1.
  static func all(seed: UInt64) -> [ConvolutionCase] {
    var inputs = CaseInputs(seed: seed)
    // (N, C, H, W, O, KH, KW, stride, padding, bias)
    let settings: [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Bool)] = [
      (1, 1, 5, 5, 1, 3, 3, 1, 0, false),
      (2, 3, 7, 7, 4, 3, 3, 1, 1, true),
      (1, 2, 6, 9, 3, 3, 2, 1, 0, true),
      (2, 2, 7, 7, 2, 3, 3, 2, 1, true),
      (1, 3, 8, 5, 2, 1, 1, 1, 0, true),
      (1, 2, 4, 4, 3, 4, 4, 1, 0, true),
      (3, 1, 10, 11, 2, 3, 3, 3, 2, false),
      (2, 4, 9, 9, 5, 5, 5, 2, 2, true),
    ]
    return settings.map { n, c, h, w, o, kh, kw, s, p, hasBias in
      ConvolutionCase(x: inputs.uniform([n, c, h, w]), weight: inputs.uniform([o, c, kh, kw]),
                      bias: hasBias ? inputs.uniform([o]) : nil, stride: s, padding: p)
    }
  }

  /// The case the three implementations are timed on.
  static let timing: ConvolutionCase = {
    var inputs = CaseInputs(seed: 0x71)
    return ConvolutionCase(x: inputs.uniform([4, 8, 16, 16]), weight: inputs.uniform([16, 8, 3, 3]),
                           bias: inputs.uniform([16]), stride: 1, padding: 1)
  }()

  static let forwardAdvice = "compare your loops with the equation in the README term by term: the input row is "
    + "i·stride + p − padding, the column j·stride + q − padding, positions outside the input add 0, and b[o] is "
    + "added once per output"

  /// The answers the common mistakes give on this case.
  static func forwardMistakes(_ c: ConvolutionCase) -> [Mistake] {
    let (n, o) = (c.x.shape[0], c.weight.shape[0])
    let paddedH = c.x.shape[2] + 2 * c.padding - c.weight.shape[2], paddedW = c.x.shape[3] + 2 * c.padding - c.weight.shape[3]
    return [
      Mistake("off by one in the output size: OH = (H + 2·padding − KH)/stride + 1 — the + 1 counts the first "
              + "position (H = 5, KH = 3, no padding, stride 1 gives 3)") {
        Tensor(zeros: [n, o, paddedH / c.stride, paddedW / c.stride])
      },
      Mistake("the output size ignores the stride: OH = (H + 2·padding − KH)/stride + 1") {
        Tensor(zeros: [n, o, paddedH + 1, paddedW + 1])
      },
      Mistake("the output size ignores the padding: OH = (H + 2·padding − KH)/stride + 1") {
        Tensor(zeros: [n, o, (c.x.shape[2] - c.weight.shape[2]) / c.stride + 1,
                       (c.x.shape[3] - c.weight.shape[3]) / c.stride + 1])
      },
      Mistake("padding sign: the input index is i·stride + p − padding (padding moves the window up and left, "
              + "onto the zeros)") {
        c.padding == 0 ? nil : naiveConvolution(c, paddingSign: 1)
      },
      Mistake("the kernel is flipped: deep learning's \"convolution\" is a cross-correlation — use w[o,c,p,q] "
              + "with x[n,c, i·stride + p − padding, …], not w[o,c,KH−1−p,KW−1−q]") {
        c.weight.shape[2] == 1 && c.weight.shape[3] == 1 ? nil : naiveConvolution(c, flipKernel: true)
      },
      Mistake("the bias is missing: add b[o] to every output of channel o") {
        c.bias == nil ? nil : naiveConvolution(c, useBias: false)
      },
      Mistake("the bias is added once per input channel (inside the Σ_c loop): add it once per output") {
        c.bias == nil || c.x.shape[1] == 1 ? nil : naiveConvolution(c, biasTimes: c.x.shape[1])
      },
    ]
  }

  /// The forward convolution with a mistake switched on, to recognise it in a student's answer.
  static func naiveConvolution(_ c: ConvolutionCase, paddingSign: Int = -1, flipKernel: Bool = false,
                               useBias: Bool = true, biasTimes: Int = 1) -> Tensor {
    let (n, channels, h, w) = (c.x.shape[0], c.x.shape[1], c.x.shape[2], c.x.shape[3])
    let (o, kh, kw) = (c.weight.shape[0], c.weight.shape[2], c.weight.shape[3])
    let (oh, ow) = c.outputSize
    var y = [Float](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n {
      for k in 0..<o {
        for i in 0..<oh {
          for j in 0..<ow {
            var sum: Float = useBias ? Float(biasTimes) * (c.bias?.data[k] ?? 0) : 0
            for ch in 0..<channels {
              for p in 0..<kh {
                for q in 0..<kw {
                  let row = i * c.stride + p + paddingSign * c.padding
                  let column = j * c.stride + q + paddingSign * c.padding
                  guard row >= 0 && row < h && column >= 0 && column < w else { continue }
                  let (wp, wq) = flipKernel ? (kh - 1 - p, kw - 1 - q) : (p, q)
                  sum += c.weight.data[((k * channels + ch) * kh + wp) * kw + wq]
                    * c.x.data[((b * channels + ch) * h + row) * w + column]
                }
              }
            }
            y[((b * o + k) * oh + i) * ow + j] = sum
          }
        }
      }
    }
    return Tensor(shape: [n, o, oh, ow], data: y)
  }
}
