import Core
import NN
import TestSupport
import Testing

@Suite struct LayerNormTests {
  @Test func valuesAgainstNumpy() {
    // numpy: mu = x.mean(1, keepdims=True); var = x.var(1, keepdims=True)
    //        y = (x - mu) / np.sqrt(var + 1e-5) * g + b
    let layer = LayerNorm(features: 4)
    layer.weight.value = Tensor(shape: [4], data: [1, 0.5, 2, -1])
    layer.bias.value = Tensor(shape: [4], data: [0, 0.1, -0.2, 0.3])
    let x = Tensor(shape: [2, 4], data: [1, 2, 4, -1, 0.5, 0.5, 0.5, 3])
    expectClose(layer.forward(x, training: true).data,
                [-0.2773496714211406, 0.2386748357105703, 2.573496714211406, 1.6867483571057031,
                 -0.5773478058442426, -0.1886739029221213, -1.3546956116884852, -1.432043417532728])
  }

  @Test(arguments: [[3, 5], [2, 3, 4], [1, 1, 6]])
  func backwardMatchesFiniteDifferences(shape: [Int]) {
    var rng = RNG(seed: 21)
    let layer = LayerNorm(features: shape.last!)
    layer.weight.value = Tensor.normal(layer.weight.value.shape, using: &rng)
    layer.bias.value = Tensor.normal(layer.bias.value.shape, using: &rng)
    checkGradients(layer, input: Tensor.normal(shape, using: &rng), "LayerNorm \(shape)")
  }

  @Test func rowsAreIndependent() {
    var rng = RNG(seed: 22)
    let layer = LayerNorm(features: 6)
    let x = Tensor.normal([4, 6], using: &rng)
    let all = layer.forward(x, training: true)
    var changed = x
    for j in 6..<24 { changed.data[j] += 3 }
    #expect(Array(layer.forward(changed, training: true).data[0..<6]) == Array(all.data[0..<6]))
  }
}

@Suite struct EmbeddingTests {
  @Test func rowsAndAccumulatedGradients() {
    var rng = RNG(seed: 23)
    let embedding = Embedding(count: 5, dimension: 3, rng: &rng)
    let y = embedding.forward([4, 1, 4])
    #expect(Array(y.data[0..<3]) == Array(embedding.weight.value.data[12..<15]))
    #expect(Array(y.data[3..<6]) == Array(embedding.weight.value.data[3..<6]))
    embedding.zeroGradients()
    embedding.backward(Tensor(shape: [3, 3], data: [1, 2, 3, 10, 20, 30, 100, 200, 300]))
    // Token 4 appears twice: its row gets both gradients; rows never looked up get none.
    #expect(embedding.weight.gradient.data == [0, 0, 0, 10, 20, 30, 0, 0, 0, 0, 0, 0, 101, 202, 303])
  }
}
