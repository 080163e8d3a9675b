import Core
import NN
import TestSupport
import Testing

@Suite struct GroupNormTests {
  /// A layer with random γ and β, so their gradients are not special.
  func randomLayer(groups: Int, channels: Int, rng: inout RNG) -> GroupNorm {
    let layer = GroupNorm(groups: groups, channels: channels)
    layer.weight.value = Tensor.normal([channels], mean: 1, std: 0.5, using: &rng)
    layer.bias.value = Tensor.normal([channels], using: &rng)
    return layer
  }

  /// Forward and backward on [2, 4, 2, 2] with 2 groups against numpy (float64), made with
  ///
  ///     i = np.arange(32); x = (((i*37) % 23) - 11) / 4.0;  dy = (((i*13) % 11) - 5) / 8.0   (reshaped to [2, 4, 2, 2])
  ///     gamma = [0.5, -1, 2, 1.5]; beta = [0.1, 0, -0.3, 1]; eps = 1e-5
  ///     def f(x, gamma, beta):
  ///         xg = x.reshape(2, 2, -1); mu = xg.mean(-1, keepdims=True); var = xg.var(-1, keepdims=True)
  ///         xh = ((xg - mu) / np.sqrt(var + eps)).reshape(2, 4, 2, 2)
  ///         return gamma[None, :, None, None] * xh + beta[None, :, None, None]
  ///
  /// y = f(x, gamma, beta); dx, dγ, dβ are central differences (h = 1e-6, float64) of
  /// L = (f(x, gamma, beta) * dy).sum(), so they do not use the closed form under test.
  @Test func valuesAgainstNumpy() {
    let x = Tensor(shape: [2, 4, 2, 2], data: (0..<32).map { Float(($0 * 37) % 23 - 11) / 4 })
    let dy = Tensor(shape: [2, 4, 2, 2], data: (0..<32).map { Float(($0 * 13) % 11 - 5) / 8 })
    let layer = GroupNorm(groups: 2, channels: 4)
    layer.weight.value = Tensor(shape: [4], data: [0.5, -1, 2, 1.5])
    layer.bias.value = Tensor(shape: [4], data: [0.1, 0, -0.3, 1])
    let y = layer.forward(x, training: true)
    expectClose(y.data, [-0.5796424, 0.5077854, -0.1912753, 0.8961525, -0.1941835, 1.203938, -0.9709177, 0.4272038,
                         2.213348, -0.447844, -3.109036, 1.030596, 0.002053029, 3.106777, 1.110883, -0.8850109,
                         0.5018491, -0.1411095, 0.8590484, 0.2160897, 1.053738, -0.946578, 0.3393393, 1.625256,
                         0.5544076, -2.241835, 2.107876, -0.6883671, -1.388457, 1.873826, -0.2233563, 3.038927],
                Tolerance(atol: 2e-6, rtol: 1e-5), "GroupNorm y")
    let dx = layer.backward(dy)
    expectClose(dx.data, [0.01886127, -0.1511289, 0.08575682, -0.08423336, -0.196878, -0.1930125, 0.2583846, 0.2622501,
                          0.2467592, 0.2616052, 0.2764511, -0.6172795, -0.4915505, 0.1670809, 0.1080048, 0.04892881,
                          0.2139776, -0.1855384, 0.007291804, 0.0006949827, -0.2202214, -0.2417107, 0.3232112,
                          0.1022949, -0.3120407, 0.1937144, 0.2009791, 0.7067342, -0.3409789, -0.4113876, 0.01669407,
                          -0.05371459],
                Tolerance(atol: 2e-6, rtol: 1e-5), "GroupNorm dx")
    expectClose(layer.weight.gradient.data, [1.179468, -0.02688749, -0.9812039, 0.6022455],
                Tolerance(atol: 2e-6, rtol: 1e-5), "GroupNorm dγ")
    expectClose(layer.bias.gradient.data, [-1.125, 0, 1.125, -0.5], Tolerance(atol: 2e-6, rtol: 1e-5), "GroupNorm dβ")
  }

  /// [N, C] input by hand: groups of 2 values [a, b] normalise to ∓(b − a)/2 / √((b − a)²/4 + ε).
  @Test func featureVectorsByHand() {
    let layer = GroupNorm(groups: 2, channels: 4)
    let x = Tensor(shape: [2, 4], data: [1, 3, 5, 5, -2, 0, 10, 4])
    let y = layer.forward(x, training: true)
    let (one, three) = (Float(1 / (1 + 1e-5).squareRoot()), Float(3 / (9 + 1e-5).squareRoot()))
    expectClose(y.data, [-one, one, 0, 0, -one, one, three, -three], Tolerance(atol: 1e-6, rtol: 1e-6))
  }

  /// (shape, groups): layer norm (G = 1), instance norm (G = C), feature vectors, batch 1, odd planes.
  @Test(arguments: [([2, 6, 3, 3], 3), ([2, 6, 3, 3], 1), ([2, 6, 3, 3], 6), ([3, 4], 2), ([3, 6], 1),
                    ([1, 4, 5, 3], 2)])
  func backwardMatchesFiniteDifferences(shape: [Int], groups: Int) {
    var rng = RNG(seed: 51)
    let layer = randomLayer(groups: groups, channels: shape[1], rng: &rng)
    let x = Tensor.normal(shape, mean: 0.5, std: 2, using: &rng)
    checkGradients(layer, input: x, "GroupNorm \(shape) groups \(groups)")
  }

  /// Statistics never mix items: changing the other items leaves an item's output (and its
  /// input gradient) bit for bit the same, and equal to what it is in a batch of one.
  @Test(arguments: [([3, 4, 2, 5], 2), ([3, 6], 3)])
  func itemsAreIndependent(shape: [Int], groups: Int) {
    var rng = RNG(seed: 52)
    let layer = randomLayer(groups: groups, channels: shape[1], rng: &rng)
    let x = Tensor.normal(shape, mean: 1, std: 3, using: &rng)
    let dy = Tensor.normal(shape, using: &rng)
    let y = layer.forward(x, training: true)
    let dx = layer.backward(dy)

    var other = Tensor.normal(shape, mean: -2, std: 10, using: &rng)
    let itemSize = x.count / shape[0]
    for i in itemSize..<(2 * itemSize) { other.data[i] = x.data[i] }  // same item 1
    let yOther = layer.forward(other, training: true)
    let dxOther = layer.backward(dy)
    #expect(yOther[item: 1] == y[item: 1])
    #expect(dxOther[item: 1] == dx[item: 1])
    #expect(yOther[item: 0] != y[item: 0])

    let alone = layer.forward(x.slice(1..<2), training: true)
    #expect(alone.data == y[item: 1].data)
  }

  /// No running statistics: training and evaluation give the same output.
  @Test func trainingAndEvaluationAgree() {
    var rng = RNG(seed: 53)
    let layer = randomLayer(groups: 2, channels: 4, rng: &rng)
    let x = Tensor.normal([2, 4, 3, 3], using: &rng)
    #expect(layer.forward(x, training: true) == layer.forward(x, training: false))
    #expect(layer.buffers.isEmpty)
  }

  @Test func names() {
    let layer = GroupNorm(groups: 2, channels: 4)
    #expect(layer.parameters.map(\.name) == ["weight", "bias"])
    #expect(layer.weight.value.data == [1, 1, 1, 1] && layer.bias.value.data == [0, 0, 0, 0])
    #expect(layer.epsilon == 1e-5)
  }

  func expectStop(_ message: String, _ stderr: [UInt8]?, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = String(decoding: stderr ?? [], as: UTF8.self)
    #expect(text.contains(message), "expected \"\(message)\" in: \(text)", sourceLocation: sourceLocation)
  }

  @Test func misuseStopsWithAMessage() async {
    let backwardFirst = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = GroupNorm(groups: 2, channels: 4).backward(Tensor(zeros: [1, 4, 2, 2]))
    }
    expectStop("GroupNorm: backward called before forward", backwardFirst?.standardErrorContent)
    let wrongChannels = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = GroupNorm(groups: 2, channels: 4).forward(Tensor(zeros: [1, 6, 2, 2]), training: true)
    }
    expectStop("GroupNorm: input has 6 channels, the layer expects 4 (input shape [1, 6, 2, 2])",
               wrongChannels?.standardErrorContent)
    let indivisible = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = GroupNorm(groups: 3, channels: 4)
    }
    expectStop("GroupNorm: 4 channels cannot be split into 3 equal groups", indivisible?.standardErrorContent)
  }
}
