// The kernels and layers lesson 02 runs: the hand-made 3×3 kernels, the rows of the
// output-size table, the stride and padding examples, and what a layer costs.
import Foundation
import GenLab

// MARK: - The kernels

/// A hand-made 3×3 kernel: integer entries times a common factor 1/`divisor`.
struct Kernel {
  var name: String
  var divisor: Int
  var entries: [Int]          // row by row
  var what: String

  /// The weight tensor 1×1×3×3 (one output channel, one input channel).
  var weight: Tensor { Tensor(shape: [1, 1, 3, 3], data: entries.map { Float($0) / Float(divisor) }) }
  var sum: Float { Float(entries.reduce(0, +)) / Float(divisor) }
  /// Sum 1 keeps brightness (draw in grey); sum 0 answers only to change (draw signed).
  var isSigned: Bool { sum == 0 }
  var drawing: String { isSigned ? "sum 0: drawn red/white/blue" : "sum 1: drawn grey" }

  var matrixText: String {
    let factor = divisor == 1 ? "" : "1/\(divisor) ×"
    let rows = (0..<3).map { r in
      (0..<3).map { String(entries[r * 3 + $0]).leftPadded(3) }.joined()
    }
    let head = name.padding(toLength: 15, withPad: " ", startingAt: 0) + factor.leftPadded(7)
    let blank = String(repeating: " ", count: 22)
    let sumText = sum == sum.rounded() ? String(Int(sum)) : Format.number(sum)
    return head + rows[0] + "   sum \(sumText) — \(what)\n"
      + blank + rows[1] + "\n" + blank + rows[2]
  }
}

let kernels: [Kernel] = [
  Kernel(name: "identity", divisor: 1, entries: [0, 0, 0, 0, 1, 0, 0, 0, 0],
         what: "copies the centre pixel"),
  Kernel(name: "box blur", divisor: 9, entries: [1, 1, 1, 1, 1, 1, 1, 1, 1],
         what: "the mean of the 3×3 neighbourhood"),
  Kernel(name: "Gaussian blur", divisor: 16, entries: [1, 2, 1, 2, 4, 2, 1, 2, 1],
         what: "a weighted mean, the centre counting most"),
  Kernel(name: "sharpen", divisor: 1, entries: [0, -1, 0, -1, 5, -1, 0, -1, 0],
         what: "x − Laplacian: pushes a pixel away from its neighbours"),
  Kernel(name: "Sobel x", divisor: 1, entries: [-1, 0, 1, -2, 0, 2, -1, 0, 1],
         what: "right minus left: ∂x/∂column, smoothed over rows"),
  Kernel(name: "Sobel y", divisor: 1, entries: [-1, -2, -1, 0, 0, 0, 1, 2, 1],
         what: "below minus above: ∂x/∂row, smoothed over columns"),
  Kernel(name: "Laplacian", divisor: 1, entries: [0, 1, 0, 1, -4, 1, 0, 1, 0],
         what: "neighbours minus 4·centre: the second derivative"),
  Kernel(name: "emboss", divisor: 1, entries: [-2, -1, 0, -1, 1, 1, 0, 1, 2],
         what: "x plus a diagonal derivative: relief lit from the upper left"),
]

/// The kernel rotated by 180° (flipped in both axes): a true convolution's view of `w`.
func flip(_ w: Tensor) -> Tensor {
  let (o, c, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
  var out = w
  for a in 0..<(o * c) {
    for p in 0..<kh {
      for q in 0..<kw { out.data[(a * kh + p) * kw + q] = w.data[(a * kh + (kh - 1 - p)) * kw + (kw - 1 - q)] }
    }
  }
  return out
}

/// Stride 1, padding 1 ("same"): a 3×3 kernel keeps a 28×28 image 28×28.
let samePadding = ConvolutionParameters(stride: 1, padding: 1)

// MARK: - Stride and padding

/// A row of the output-size table: input height H, kernel size K, stride, padding, and a note.
struct SizeRow { var height, kernel, stride, padding: Int; var note: String }

let sizeTable: [SizeRow] = [
  SizeRow(height: 28, kernel: 3, stride: 1, padding: 0, note: "\"valid\": the border is lost"),
  SizeRow(height: 28, kernel: 3, stride: 1, padding: 1, note: "\"same\": p = (K−1)/2 keeps the size"),
  SizeRow(height: 28, kernel: 5, stride: 1, padding: 2, note: "\"same\" for a 5×5 kernel"),
  SizeRow(height: 28, kernel: 3, stride: 2, padding: 1, note: "stride 2 halves (r = 1: the last padding row is unread)"),
  SizeRow(height: 28, kernel: 4, stride: 2, padding: 1, note: "DCGAN discriminator layer 1: 28 → 14"),
  SizeRow(height: 14, kernel: 4, stride: 2, padding: 1, note: "DCGAN discriminator layer 2: 14 → 7"),
  SizeRow(height: 7, kernel: 4, stride: 2, padding: 1, note: "not exact: 5/2 = 2.5, the last padding row is never read"),
  SizeRow(height: 28, kernel: 3, stride: 3, padding: 0, note: "not exact: image row 27 is never read"),
  SizeRow(height: 28, kernel: 7, stride: 1, padding: 0, note: "a big kernel eats 2·3 rows"),
]

/// A layer of `stride-padding.png`: one kernel, its stride and padding, applied `times` times in a row.
struct StrideExample { var label: String; var weight: Tensor; var parameters: ConvolutionParameters; var times: Int }

let strideExamples: [StrideExample] = [
  StrideExample(label: "Gaussian 3×3, stride 1, padding 0      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 1, padding: 0), times: 1),
  StrideExample(label: "Gaussian 3×3, stride 1, padding 1      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 1, padding: 1), times: 1),
  StrideExample(label: "identity 3×3, stride 2, padding 1      ", weight: kernels[0].weight,
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 1),
  StrideExample(label: "Gaussian 3×3, stride 2, padding 1      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 1),
  StrideExample(label: "box 4×4, stride 2, padding 1 (DCGAN)   ",
                weight: Tensor(shape: [1, 1, 4, 4], repeating: 1.0 / 16),
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 1),
  StrideExample(label: "box 4×4, stride 2, padding 1, twice    ",
                weight: Tensor(shape: [1, 1, 4, 4], repeating: 1.0 / 16),
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 2),
  StrideExample(label: "Gaussian 3×3, stride 3, padding 0      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 3, padding: 0), times: 1),
]

/// N·O·C·KH·KW·OH·OW for input `x` (N×C×H×W) and weight `w` (O×C×KH×KW).
func multiplyAdds(_ x: [Int], _ w: [Int], _ p: ConvolutionParameters) -> Int {
  let y = Convolution.outputShape(input: x, weight: w, p)
  return x[0] * w[0] * w[1] * w[2] * w[3] * y[2] * y[3]
}
