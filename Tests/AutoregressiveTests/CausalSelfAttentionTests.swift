import Autoregressive
import Core
import NN
import TestSupport
import Testing

@Suite struct CausalSelfAttentionTests {
  @Test(arguments: [(2, 5, 8, 2), (1, 4, 6, 1), (3, 3, 8, 4)])
  func backwardMatchesFiniteDifferences(batch: Int, length: Int, width: Int, heads: Int) {
    var rng = RNG(seed: 31)
    let layer = CausalSelfAttention(width: width, heads: heads, rng: &rng)
    checkGradients(layer, input: Tensor.normal([batch, length, width], using: &rng),
                   "attention B\(batch) T\(length) D\(width) H\(heads)")
  }

  /// Position i sees positions 0…i only: changing the input at position 3 leaves the
  /// outputs at 0, 1, 2 exactly as they were.
  @Test func laterPositionsDoNotLeakIntoEarlierOnes() {
    var rng = RNG(seed: 32)
    let layer = CausalSelfAttention(width: 8, heads: 2, rng: &rng)
    let x = Tensor.normal([1, 6, 8], using: &rng)
    let y = layer.forward(x, training: false)
    var changed = x
    for c in 24..<32 { changed.data[c] += 5 }
    let z = layer.forward(changed, training: false)
    #expect(Array(y.data[0..<24]) == Array(z.data[0..<24]))
    #expect(Array(y.data[24..<32]) != Array(z.data[24..<32]))
  }

  /// With one position there is nothing to mix: p = 1 and y = (x·W_v + b_v)·W_out + b_out.
  @Test func aSinglePositionPassesItsValueThrough() {
    var rng = RNG(seed: 33)
    let layer = CausalSelfAttention(width: 4, heads: 2, rng: &rng)
    let x = Tensor.normal([1, 1, 4], using: &rng)
    let packed = layer.project.forward(x.reshaped([1, 4]), training: false)
    let value = packed.columns(8..<12)
    let expected = layer.output.forward(value, training: false)
    expectClose(layer.forward(x, training: false).reshaped([1, 4]), expected, Tolerance(atol: 1e-6, rtol: 1e-6),
                "one position")
  }
}
