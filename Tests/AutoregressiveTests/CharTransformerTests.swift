import Autoregressive
import Core
import NN
import TestSupport
import Testing

@Suite struct CharTransformerTests {
  /// Backward against central differences along a random direction through each parameter
  /// tensor: Σ (dL/dθ)·V must equal (L(θ + hV) − L(θ − hV)) / 2h, with L = Σ logits·R.
  @Test func backwardMatchesDirectionalDerivatives() {
    var rng = RNG(seed: 41)
    let model = CharTransformer(.init(vocabulary: 7, context: 6, width: 8, heads: 2, layers: 2), rng: &rng)
    let sequences = [[1, 2, 3, 4, 5], [6, 0, 6, 1, 2]]
    let weights = Tensor.normal([10, 7], using: &rng)
    model.zeroGradients()
    _ = model.forward(sequences, training: true)
    model.backward(weights)
    func loss() -> Double { weightedSum(model.forward(sequences, training: true), weights) }
    // The step is scaled to each tensor's size: the embeddings start at std 0.02 and the
    // LayerNorms divide by their spread, so a fixed step of 1e-3 would move them by 5 %
    // and show the LayerNorm's curvature instead of its slope.
    for (name, parameter) in model.parameters {
      let rms = (parameter.value.data.reduce(0) { $0 + $1 * $1 } / Float(parameter.value.count)).squareRoot()
      let h = 1e-3 * max(rms, 0.1)
      let direction = Tensor.normal(parameter.value.shape, using: &rng)
      let analytic = weightedSum(parameter.gradient, direction)
      let original = parameter.value
      parameter.value = original + h * direction
      let plus = loss()
      parameter.value = original - h * direction
      let minus = loss()
      parameter.value = original
      let numeric = (plus - minus) / Double(2 * h)
      #expect(abs(analytic - numeric) <= 1e-2 + 2e-2 * abs(numeric),
              "\(name): backward gives \(analytic), central difference \(numeric)")
    }
  }

  /// The logits at position t depend on tokens 0…t only.
  @Test func predictionsAtTDoNotSeeLaterTokens() {
    var rng = RNG(seed: 42)
    let model = CharTransformer(.init(vocabulary: 5, context: 8, width: 8, heads: 2, layers: 2), rng: &rng)
    let a = model.forward([[1, 2, 3, 4, 0, 1]], training: false)
    let b = model.forward([[1, 2, 3, 0, 4, 4]], training: false)
    #expect(Array(a.data[0..<15]) == Array(b.data[0..<15]), "positions 0, 1, 2 are the same in both")
    #expect(Array(a.data[15..<20]) != Array(b.data[15..<20]))
  }

  @Test func namesAreUniqueAndCountIsRight() {
    var rng = RNG(seed: 43)
    let c = CharTransformer.Configuration(vocabulary: 30, context: 16, width: 32, heads: 4, layers: 2)
    let model = CharTransformer(c, rng: &rng)
    let names = model.parameters.map(\.name)
    #expect(Set(names).count == names.count)
    // embeddings V·D + L·D; per block 2 LayerNorms (4D), attention (D·3D + 3D + D·D + D), MLP (D·4D + 4D + 4D·D + D);
    // final LayerNorm 2D; head D·V + V.
    let (v, l, d) = (30, 16, 32)
    let block = 4 * d + (3 * d * d + 3 * d + d * d + d) + (8 * d * d + 5 * d)
    #expect(model.parameterCount == v * d + l * d + 2 * block + 2 * d + d * v + v)
  }
}
