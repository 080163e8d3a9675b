import Convolution
import Core
import Testing

/// A layer may keep forward's im2col matrix for backward: the results must be the
/// same, bit for bit, as when backward builds it again.
@Suite struct ConvolutionColumnsTests {
  @Test(arguments: [(1, 1, 5, 5, 2, 3, 1, 0), (2, 3, 7, 6, 4, 4, 2, 1), (3, 2, 9, 9, 3, 3, 3, 2)])
  func keptColumnsGiveTheSameGradients(shape: (Int, Int, Int, Int, Int, Int, Int, Int)) {
    let (n, c, h, w, o, k, stride, padding) = shape
    var rng = RNG(seed: 21)
    let x = Tensor.uniform([n, c, h, w], in: -1..<1, using: &rng)
    let weight = Tensor.uniform([o, c, k, k], in: -1..<1, using: &rng)
    let bias = Tensor.uniform([o], in: -1..<1, using: &rng)
    let p = ConvolutionParameters(stride: stride, padding: padding)
    let (output, columns) = Convolution.forwardKeepingColumns(x, weight, bias, p)
    #expect(output == Convolution.forward(x, weight, bias, p))
    let dy = Tensor.uniform(output.shape, in: -1..<1, using: &rng)
    let kept = Convolution.backward(x, weight, dy, p, hasBias: true, columns: columns)
    let rebuilt = Convolution.backward(x, weight, dy, p, hasBias: true)
    #expect(kept.input == rebuilt.input && kept.weight == rebuilt.weight && kept.bias == rebuilt.bias)
  }
}
