import Convolution
import ExerciseChecker
import ExerciseSupport
import Testing

/// A submission where only exercise 02 is written, by `im2col`.
func submission02(_ im2col: @escaping @Sendable (Tensor, Int, Int, Int, Int) throws -> Tensor) -> Submission {
  var submission = Submission.unimplemented
  submission.im2col = im2col
  return submission
}

/// How a student's im2col gets the output size wrong.
enum OutputSizeMistake: Sendable { case none, offByOne, withoutStride, withoutPadding }

/// im2col as a student writes it: one column (output pixel) at a time, filling its patch,
/// with switches for the common mistakes (the checker must recognise each one by its hint).
func studentIm2col(_ x: Tensor, _ kh: Int, _ kw: Int, stride s: Int, padding pad: Int,
                   size: OutputSizeMistake = .none, tapsChannelLast: Bool = false, transposed: Bool = false,
                   paddingSign: Int = -1, strideInIndex: Bool = true, imagesInterleaved: Bool = false,
                   flat: Bool = false) -> Tensor {
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (oh, ow): (Int, Int)
  switch size {
  case .none: (oh, ow) = ((h + 2 * pad - kh) / s + 1, (w + 2 * pad - kw) / s + 1)
  case .offByOne: (oh, ow) = ((h + 2 * pad - kh) / s, (w + 2 * pad - kw) / s)
  case .withoutStride: (oh, ow) = (h + 2 * pad - kh + 1, w + 2 * pad - kw + 1)
  case .withoutPadding: (oh, ow) = ((h - kh) / s + 1, (w - kw) / s + 1)
  }
  let rows = c * kh * kw, columns = n * oh * ow
  var cols = [Float](repeating: 0, count: rows * columns)
  for b in 0..<n { for i in 0..<oh { for j in 0..<ow {
    let column = imagesInterleaved ? (i * ow + j) * n + b : (b * oh + i) * ow + j
    for ch in 0..<c { for p in 0..<kh { for q in 0..<kw {
      let row = tapsChannelLast ? (p * kw + q) * c + ch : (ch * kh + p) * kw + q
      let step = strideInIndex ? s : 1
      let y = i * step + p + paddingSign * pad, z = j * step + q + paddingSign * pad
      guard y >= 0 && y < h && z >= 0 && z < w else { continue }
      cols[transposed ? column * rows + row : row * columns + column] = x.data[((b * c + ch) * h + y) * w + z]
    } } }
  } } }
  if flat { return Tensor(shape: [rows * columns], data: cols) }
  return Tensor(shape: transposed ? [columns, rows] : [rows, columns], data: cols)
}

@Suite struct Exercise02Tests {
  @Test func theLibrarysIm2colPassesWithTimings() {
    let report = check("02", submission02 { x, kh, kw, s, p in
      let g = ConvolutionGeometry(batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                                  kernelHeight: kh, kernelWidth: kw, parameters: ConvolutionParameters(stride: s, padding: p))
      var cols = [Float](repeating: 0, count: g.patchSize * g.patchCount)
      x.withUnsafeBufferPointer { x in cols.withUnsafeMutableBufferPointer { Im2col.im2col(x, g, into: $0) } }
      return Tensor(shape: [g.patchSize, g.patchCount], data: cols)
    })
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 9 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && ($0.optimized ?? 0) > 0 } == true)
  }

  @Test func aStudentsLoopsPass() {
    #expect(check("02", submission02 { x, kh, kw, s, p in studentIm2col(x, kh, kw, stride: s, padding: p) }).passed)
  }

  /// The im2col matrix times the weights seen as O × (C·KH·KW) is the convolution: what the
  /// layout is for (README, "why this layout").
  @Test func theStudentsColumnsTimesTheWeightsAreTheConvolution() {
    var inputs = CaseInputs(seed: 9)
    let x = inputs.uniform([2, 3, 7, 6]), w = inputs.uniform([4, 3, 3, 2])
    let (oh, ow) = (4, 4)   // stride 2, padding 1: (7 + 2 − 3)/2 + 1, (6 + 2 − 2)/2 + 1
    let cols = studentIm2col(x, 3, 2, stride: 2, padding: 1)
    let (rows, columns) = (cols.shape[0], cols.shape[1])
    var y = [Float](repeating: 0, count: 2 * 4 * oh * ow)
    for o in 0..<4 { for k in 0..<columns {
      var sum: Float = 0
      for r in 0..<rows { sum += w.data[o * rows + r] * cols.data[r * columns + k] }
      let (b, pixel) = (k / (oh * ow), k % (oh * ow))
      y[(b * 4 + o) * oh * ow + pixel] = sum
    } }
    let expected = Convolution.forwardReference(x, w, nil, ConvolutionParameters(stride: 2, padding: 1))
    #expect(compare(y, expected.data, shape: expected.shape, .float32).passed)
  }

  /// Each plausible mistake fails, on the first case that can show it, with its own hint.
  @Test(arguments: [
    ("off by one", "off by one in the output size"),
    ("size without stride", "the output size ignores the stride"),
    ("size without padding", "the output size ignores the padding"),
    ("transposed", "the matrix is transposed"),
    ("taps (p, q, c)", "the rows are ordered (p, q, c)"),
    ("images interleaved", "the images are not side by side"),
    ("padding sign", "padding sign"),
    ("stride missing", "the stride is missing from the input index"),
    ("flat", "cols is a matrix"),
  ])
  func aMistakeFailsWithItsHint(mistake: String, hint: String) {
    let size: OutputSizeMistake = switch mistake {
    case "off by one": .offByOne
    case "size without stride": .withoutStride
    case "size without padding": .withoutPadding
    default: .none
    }
    let report = check("02", submission02 { x, kh, kw, s, p in
      studentIm2col(x, kh, kw, stride: s, padding: p, size: size, tapsChannelLast: mistake == "taps (p, q, c)",
                    transposed: mistake == "transposed", paddingSign: mistake == "padding sign" ? 1 : -1,
                    strideInIndex: mistake != "stride missing", imagesInterleaved: mistake == "images interleaved",
                    flat: mistake == "flat")
    })
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.timing == nil)
    let text = report.rendered(folder: "02-Im2col", lesson: "lesson 03")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// A transposed matrix is recognised even where it has the right shape (the second case's
  /// cols is 8 × 8), by its values.
  @Test func aSquareTransposedMatrixIsRecognisedByItsValues() throws {
    let report = check("02", submission02 { x, kh, kw, s, p in studentIm2col(x, kh, kw, stride: s, padding: p, transposed: true) })
    let failure = try #require(report.failure)
    #expect(report.cases.map(\.passed) == [true, false])
    #expect(failure.shape == [8, 8] && failure.index != nil && failure.hint.hasPrefix("the matrix is transposed"))
  }
}
