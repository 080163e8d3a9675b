import Convolution
import Core
import Testing
import TestSupport

/// (N, C, H, W, KH, KW, stride h/w, padding h/w): batch 1, one channel, odd sizes,
/// stride > 1, padding, non-square kernels and inputs, a kernel as big as the padded input.
let im2colCases: [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)] = [
  (1, 1, 5, 5, 3, 3, 1, 1, 0, 0), (2, 3, 7, 6, 3, 2, 1, 1, 1, 0), (1, 2, 8, 8, 4, 4, 2, 2, 1, 1),
  (3, 1, 9, 5, 2, 3, 3, 2, 2, 1), (1, 4, 4, 4, 4, 4, 1, 1, 0, 0), (2, 2, 3, 3, 5, 5, 1, 1, 1, 1),
  (1, 1, 1, 1, 1, 1, 1, 1, 0, 0), (2, 3, 11, 13, 3, 5, 2, 3, 2, 2),
  // A kernel column that lies wholly right of the input with stride > 1: the last-column
  // bound (W − 1 + pad − q)/s must floor, not truncate toward zero (once read past the row).
  (1, 1, 3, 1, 1, 3, 3, 2, 2, 1), (2, 2, 5, 3, 2, 4, 2, 3, 1, 2),
]

@Suite struct Im2colTests {
  func geometry(_ t: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)) -> ConvolutionGeometry {
    ConvolutionGeometry(batch: t.0, channels: t.1, height: t.2, width: t.3, kernelHeight: t.4, kernelWidth: t.5,
                        parameters: ConvolutionParameters(stride: (t.6, t.7), padding: (t.8, t.9)))
  }

  /// Every element of cols against the defining formula, read straight off the input.
  @Test(arguments: im2colCases)
  func im2colMatchesItsDefinition(_ t: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)) {
    let g = geometry(t)
    var rng = RNG(seed: 1)
    let x = Tensor.uniform([g.batch, g.channels, g.height, g.width], in: -1..<1, using: &rng)
    var cols = [Float](repeating: .nan, count: g.patchSize * g.patchCount)
    x.withUnsafeBufferPointer { xs in cols.withUnsafeMutableBufferPointer { Im2col.im2col(xs, g, into: $0) } }
    var expected = [Float](repeating: 0, count: cols.count)
    let p = g.parameters
    for c in 0..<g.channels { for kp in 0..<g.kernelHeight { for kq in 0..<g.kernelWidth {
      for n in 0..<g.batch { for i in 0..<g.outputHeight { for j in 0..<g.outputWidth {
        let y = i * p.strideHeight + kp - p.paddingHeight, z = j * p.strideWidth + kq - p.paddingWidth
        let row = (c * g.kernelHeight + kp) * g.kernelWidth + kq
        let column = (n * g.outputHeight + i) * g.outputWidth + j
        if y >= 0 && y < g.height && z >= 0 && z < g.width {
          expected[row * g.patchCount + column] = x[n, c, y, z]
        }
      } } }
    } } }
    expectClose(cols, expected, .exact, "geometry \(t)")
  }

  /// col2im is the adjoint of im2col: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩.
  @Test(arguments: im2colCases)
  func col2imIsTheAdjoint(_ t: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)) {
    let g = geometry(t)
    var rng = RNG(seed: 2)
    let x = Tensor.uniform([g.batch, g.channels, g.height, g.width], in: -1..<1, using: &rng)
    let c = Tensor.uniform([g.patchSize * g.patchCount], in: -1..<1, using: &rng)
    var cols = [Float](repeating: 0, count: c.count)
    x.withUnsafeBufferPointer { xs in cols.withUnsafeMutableBufferPointer { Im2col.im2col(xs, g, into: $0) } }
    var back = Tensor(zeros: x.shape)
    c.withUnsafeBufferPointer { cs in back.withUnsafeMutableBufferPointer { Im2col.col2im(cs, g, addingInto: $0) } }
    let left = zip(cols, c.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let right = zip(x.data, back.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(abs(left - right) <= 1e-4 * max(1, abs(left)), "geometry \(t): ⟨im2col x, c⟩ = \(left), ⟨x, col2im c⟩ = \(right)")
  }

  @Test func outputSizeArithmetic() {
    // DCGAN: k4 s2 p1 halves 28 → 14 → 7.
    #expect(ConvolutionParameters(stride: 2, padding: 1).outputSize(height: 28, width: 28, kernelHeight: 4, kernelWidth: 4) == (14, 14))
    #expect(ConvolutionParameters(stride: 2, padding: 1).outputSize(height: 14, width: 14, kernelHeight: 4, kernelWidth: 4) == (7, 7))
    // ⌊(5 + 0 − 3)/1⌋ + 1 = 3; ⌊(9 + 4 − 2)/3⌋ + 1 = 4 and ⌊(5 + 2 − 3)/2⌋ + 1 = 3.
    #expect(ConvolutionParameters().outputSize(height: 5, width: 5, kernelHeight: 3, kernelWidth: 3) == (3, 3))
    #expect(ConvolutionParameters(stride: (3, 2), padding: (2, 1)).outputSize(height: 9, width: 5, kernelHeight: 2, kernelWidth: 3) == (4, 3))
  }
}
