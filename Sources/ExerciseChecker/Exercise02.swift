// Exercise 02 — im2col, checked against the library's Im2col.im2col (the layout the
// optimized convolution's GEMM reads).
import Convolution
import ExerciseSupport

extension Catalog {
  static let im2col = Exercise(
    id: "02", folder: "02-Im2col", title: "im2col", lesson: "lesson 03"
  ) { submission, grader in
    for c in Im2colCase.all(seed: 0x02) {
      grader.begin(c.name)
      let got = try submission.im2col(c.x, c.kernelHeight, c.kernelWidth, c.stride, c.padding)
      let expected = c.libraryColumns()
      guard grader.expect("cols", got, equals: expected, mistakes: c.mistakes(),
                          otherwise: c.advice(forShape: got.shape)) else { return }
      grader.pass()
    }
    // im2col has no reference twin of its own: the "reference" timed here is the plain
    // loops below (the equation, one element at a time), the "optimized" one the library's
    // im2col, which works out the padding once per row and copies whole runs of pixels.
    let t = Im2colCase.timing
    try grader.time(t.name, yours: { _ = try submission.im2col(t.x, t.kernelHeight, t.kernelWidth, t.stride, t.padding) },
                    reference: { _ = t.naiveColumns() },
                    optimized: { _ = t.libraryColumns() })
  }
}

/// One im2col question: an input, a kernel size, a stride and a padding.
struct Im2colCase {
  var x: Tensor
  var kernelHeight: Int
  var kernelWidth: Int
  var stride: Int
  var padding: Int

  var geometry: ConvolutionGeometry {
    ConvolutionGeometry(batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                        kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                        parameters: ConvolutionParameters(stride: stride, padding: padding))
  }

  var name: String {
    "x \(dimensions(x.shape)), kernel \(kernelHeight)×\(kernelWidth), stride \(stride), padding \(padding)"
  }

  /// The awkward ones first: a single channel, a cols that is square (8 × 8, so the
  /// transposed matrix has the right shape and only its values give it away: the first
  /// case's 9 × 9 cols is symmetric), a 1×1 kernel, a kernel as large as the input,
  /// strides that do not divide the size, padding, non-square inputs and kernels.
  static func all(seed: UInt64) -> [Im2colCase] {
    var inputs = CaseInputs(seed: seed)
    // (N, C, H, W, KH, KW, stride, padding)
    let settings: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
      (1, 1, 5, 5, 3, 3, 1, 0),
      (2, 2, 3, 3, 2, 2, 1, 0),
      (2, 3, 7, 7, 3, 3, 1, 1),
      (1, 2, 6, 9, 3, 2, 1, 0),
      (2, 2, 7, 7, 3, 3, 2, 1),
      (1, 3, 8, 5, 1, 1, 1, 0),
      (2, 2, 4, 4, 4, 4, 1, 0),
      (3, 1, 10, 11, 3, 3, 3, 2),
      (2, 4, 9, 9, 5, 5, 2, 2),
    ]
    return settings.map { n, c, h, w, kh, kw, s, p in
      Im2colCase(x: inputs.uniform([n, c, h, w]), kernelHeight: kh, kernelWidth: kw, stride: s, padding: p)
    }
  }

  /// The case the three implementations are timed on: exercise 01's timing input with its 3×3 kernel.
  static let timing: Im2colCase = {
    let c = ConvolutionCase.timing
    return Im2colCase(x: c.x, kernelHeight: c.weight.shape[2], kernelWidth: c.weight.shape[3],
                      stride: c.stride, padding: c.padding)
  }()

  /// The library's im2col: the expected answer.
  func libraryColumns() -> Tensor {
    let g = geometry
    var cols = [Float](repeating: 0, count: g.patchSize * g.patchCount)
    x.withUnsafeBufferPointer { x in cols.withUnsafeMutableBufferPointer { Im2col.im2col(x, g, into: $0) } }
    return Tensor(shape: [g.patchSize, g.patchCount], data: cols)
  }

  /// The order of the rows (kernel taps) or the columns (output pixels).
  enum Order { case correct, swapped }

  /// im2col as plain loops, one element at a time, with a mistake switched on when asked:
  ///
  ///   cols[(c·KH + p)·KW + q, (n·OH + i)·OW + j] = x[n, c, i·s + p − pad, j·s + q − pad]
  ///
  /// `rows: .swapped` numbers the rows (p·KW + q)·C + c, `columns: .swapped` numbers the
  /// columns (i·OW + j)·N + n, `paddingSign: 1` reads x[…, i·s + p + pad, …],
  /// `strideInIndex: false` reads x[…, i + p − pad, …], `transposed` returns the
  /// (N·OH·OW) × (C·KH·KW) matrix.
  func naiveColumns(rows: Order = .correct, columns: Order = .correct, paddingSign: Int = -1,
                    strideInIndex: Bool = true, transposed: Bool = false) -> Tensor {
    let g = geometry
    let (n, channels, h, w) = (g.batch, g.channels, g.height, g.width)
    let (kh, kw, oh, ow) = (g.kernelHeight, g.kernelWidth, g.outputHeight, g.outputWidth)
    let step = strideInIndex ? stride : 1
    var cols = [Float](repeating: 0, count: g.patchSize * g.patchCount)
    for ch in 0..<channels {
      for p in 0..<kh {
        for q in 0..<kw {
          let row = rows == .correct ? (ch * kh + p) * kw + q : (p * kw + q) * channels + ch
          for b in 0..<n {
            for i in 0..<oh {
              for j in 0..<ow {
                let column = columns == .correct ? (b * oh + i) * ow + j : (i * ow + j) * n + b
                let y = i * step + p + paddingSign * padding, z = j * step + q + paddingSign * padding
                guard y >= 0 && y < h && z >= 0 && z < w else { continue }
                let value = x.data[((b * channels + ch) * h + y) * w + z]
                if transposed { cols[column * g.patchSize + row] = value } else { cols[row * g.patchCount + column] = value }
              }
            }
          }
        }
      }
    }
    return Tensor(shape: transposed ? [g.patchCount, g.patchSize] : [g.patchSize, g.patchCount], data: cols)
  }

  /// The answers the common mistakes give on this case (nil where a mistake changes nothing here).
  func mistakes() -> [Mistake] {
    let g = geometry
    let (n, h, w) = (g.batch, g.height, g.width)
    /// A cols of the right number of rows and `columns` columns, for mistakes recognised by shape alone.
    func shapeOnly(_ columns: Int) -> Tensor? {
      columns == g.patchCount ? nil : Tensor(zeros: [g.patchSize, columns])
    }
    return [
      Mistake("off by one in the output size: OH = (H + 2·padding − KH)/stride + 1 — the + 1 counts the first "
              + "window position (H = 5, KH = 3, no padding, stride 1 gives OH = 3, so 9 columns)") {
        shapeOnly(n * ((h + 2 * padding - kernelHeight) / stride) * ((w + 2 * padding - kernelWidth) / stride))
      },
      Mistake("the output size ignores the stride: OH = (H + 2·padding − KH)/stride + 1") {
        shapeOnly(n * (h + 2 * padding - kernelHeight + 1) * (w + 2 * padding - kernelWidth + 1))
      },
      Mistake("the output size ignores the padding: OH = (H + 2·padding − KH)/stride + 1") {
        shapeOnly(n * ((h - kernelHeight) / stride + 1) * ((w - kernelWidth) / stride + 1))
      },
      Mistake("the matrix is transposed: cols has one ROW per kernel tap (C·KH·KW rows) and one COLUMN per "
              + "output pixel (N·OH·OW columns), so that the convolution is W · cols with W of shape O × (C·KH·KW)") {
        naiveColumns(transposed: true)
      },
      Mistake("the rows are ordered (p, q, c): the row of tap (c, p, q) is (c·KH + p)·KW + q, channel first, "
              + "the order of the weight tensor O×C×KH×KW, so that W's row o lines up with cols' rows") {
        g.channels == 1 || kernelHeight * kernelWidth == 1 ? nil : naiveColumns(rows: .swapped)
      },
      Mistake("the images are not side by side: the column of output pixel (i, j) of image n is "
              + "(n·OH + i)·OW + j, so each image fills a block of OH·OW consecutive columns") {
        n == 1 || g.outputHeight * g.outputWidth == 1 ? nil : naiveColumns(columns: .swapped)
      },
      Mistake("padding sign: the input row is i·stride + p − padding (padding moves the window up and left, "
              + "onto the zeros)") {
        padding == 0 ? nil : naiveColumns(paddingSign: 1)
      },
      Mistake("the stride is missing from the input index: output pixel (i, j) reads the window that starts at "
              + "row i·stride − padding and column j·stride − padding") {
        stride == 1 ? nil : naiveColumns(strideInIndex: false)
      },
    ]
  }

  /// The hint when no known mistake matches: a flat or 4-D tensor with the right number of
  /// elements gets told the shape, anything else the equation.
  func advice(forShape shape: [Int]) -> String {
    let g = geometry
    if shape.count != 2 && shape.reduce(1, *) == g.patchSize * g.patchCount {
      return "cols is a matrix: return Tensor(shape: [C·KH·KW, N·OH·OW], data: values), here "
        + "[\(g.patchSize), \(g.patchCount)]"
    }
    return "compare your loops with the equation in the README term by term: row (c·KH + p)·KW + q, column "
      + "(n·OH + i)·OW + j, input x[n, c, i·stride + p − padding, j·stride + q − padding], and 0 where that "
      + "index is outside the input"
  }
}
