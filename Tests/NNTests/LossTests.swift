import Core
import Foundation
import NN
import TestSupport
import Testing

@Suite struct LossTests {
  /// dLoss/dInput by central differences of the loss's own value, one element at a time.
  func numericGradient(_ input: Tensor, step h: Float = 1e-2, _ loss: (Tensor) -> Double) -> Tensor {
    var gradient = Tensor(zeros: input.shape)
    for i in 0..<input.count {
      var plus = input, minus = input
      plus.data[i] += h
      minus.data[i] -= h
      gradient.data[i] = Float((loss(plus) - loss(minus)) / Double(2 * h))
    }
    return gradient
  }

  static let reductions: [Reduction] = [.mean, .sum, .batchMean]

  @Test(arguments: reductions)
  func meanSquaredErrorGradient(reduction: Reduction) {
    var rng = RNG(seed: 21)
    let prediction = Tensor.normal([3, 5], using: &rng), target = Tensor.normal([3, 5], using: &rng)
    let loss = Losses.meanSquaredError(prediction, target, reduction: reduction)
    expectClose(loss.gradient, numericGradient(prediction) {
      Losses.meanSquaredError($0, target, reduction: reduction).value
    }, finiteDifference)
  }

  @Test(arguments: reductions)
  func binaryCrossEntropyGradient(reduction: Reduction) {
    var rng = RNG(seed: 22)
    let logits = Tensor.normal([4, 6], std: 3, using: &rng)
    let targets = Tensor.uniform([4, 6], using: &rng)
    let loss = Losses.binaryCrossEntropyWithLogits(logits, targets, reduction: reduction)
    expectClose(loss.gradient, numericGradient(logits) {
      Losses.binaryCrossEntropyWithLogits($0, targets, reduction: reduction).value
    }, finiteDifference)
  }

  @Test(arguments: reductions)
  func softmaxCrossEntropyGradient(reduction: Reduction) {
    var rng = RNG(seed: 23)
    let logits = Tensor.normal([5, 4], std: 2, using: &rng)
    let labels = [3, 0, 1, 1, 2]
    let loss = Losses.softmaxCrossEntropy(logits, labels: labels, reduction: reduction)
    expectClose(loss.gradient, numericGradient(logits) {
      Losses.softmaxCrossEntropy($0, labels: labels, reduction: reduction).value
    }, finiteDifference)
  }

  @Test func reductionsScaleTheSum() {
    let prediction = Tensor(shape: [2, 3], data: [0.5, -1, 2, 1.5, 0, -0.25])
    let target = Tensor(shape: [2, 3], data: [1, 1, 1, 0, 0.5, 0.5])
    // jnp.sum((p - t)**2) = 8.3125, jnp.mean(...) = 1.3854166666666665 (jax, float64).
    let sum = Losses.meanSquaredError(prediction, target, reduction: .sum)
    #expect(abs(sum.value - 8.3125) < 1e-6)
    #expect(abs(Losses.meanSquaredError(prediction, target).value - 1.3854166666666665) < 1e-6)
    #expect(abs(Losses.meanSquaredError(prediction, target, reduction: .batchMean).value - 8.3125 / 2) < 1e-6)
    #expect(sum.gradient.data == [-1, -4, 2, 3, -1, -1.5])
  }

  /// Values and gradient from optax (jax 64-bit mode):
  ///   l = [-3, -0.5, 0, 0.25, 2, 7.5]; y = [0, 1, 0.5, 0, 1, 0.2]
  ///   optax.sigmoid_binary_cross_entropy(l, y)                 → per element, and its .mean()
  ///   jax.grad(lambda l: optax.sigmoid_binary_cross_entropy(l, y).mean())(l)
  @Test func binaryCrossEntropyMatchesOptax() {
    let logits = Tensor(shape: [6], data: [-3, -0.5, 0, 0.25, 2, 7.5])
    let targets = Tensor(shape: [6], data: [0, 1, 0.5, 0, 1, 0.2])
    let loss = Losses.binaryCrossEntropyWithLogits(logits, targets)
    #expect(abs(loss.value - 1.444871979785162) < 1e-6)
    let perElement = Losses.binaryCrossEntropyWithLogits(logits, targets, reduction: .sum).value
    #expect(abs(perElement - [0.04858735157374206, 0.9740769841801067, 0.6931471805599453,
                              0.8259394198788437, 0.1269280110429725, 6.000552931475362].reduce(0, +)) < 1e-5)
    expectClose(loss.gradient.data, [0.007904312196261129, -0.10374322186697577, 0, 0.09369608348096634,
                                     -0.01986715367035292, 0.13324120356051275], Tolerance(atol: 1e-7, rtol: 1e-5))
  }

  /// The naive −[y log σ(l) + (1 − y) log(1 − σ(l))] takes log 0 = −∞ once σ(l)
  /// rounds to 0 or 1. The stable form is exact: for y = 0 the loss is
  /// max(l, 0) + log1p(e^(−|l|)) ≈ l for large l, and ≈ e^(−|l|) ≈ 0 for very negative l.
  @Test func binaryCrossEntropyIsStableForHugeLogits() {
    let logits = Tensor(shape: [8], data: [100, -100, 1e4, -1e4, 100, -100, 1e4, -1e4])
    let targets = Tensor(shape: [8], data: [0, 0, 0, 0, 1, 1, 1, 1])
    // Per element (sum): 100, e⁻¹⁰⁰, 1e4, 0, e⁻¹⁰⁰, 100, 0, 1e4.
    let loss = Losses.binaryCrossEntropyWithLogits(logits, targets, reduction: .sum)
    #expect(loss.value.isFinite)
    #expect(abs(loss.value - 20_200) < 1e-9 * 20_200)
    // σ(−100) = e⁻¹⁰⁰/(1 + e⁻¹⁰⁰) ≈ 3.7e-44, a Float subnormal; σ(±1e4) is 0 or 1 exactly.
    expectClose(loss.gradient.data, [1, 3.7e-44, 1, 0, 0, -1, 0, -1], Tolerance(atol: 1e-44, rtol: 0))
    // The naive formula overflows to ∞ here (log of an underflowed σ).
    let naive = logits.data.enumerated().map { i, l -> Float in
      let p = 1 / (1 + exp(-l))
      return -(targets.data[i] * log(p) + (1 - targets.data[i]) * log(1 - p))
    }
    #expect(naive.contains { !$0.isFinite })
  }

  /// From optax (jax 64-bit mode), logits L = [[1, 2, 3, -1], [0.5, -0.5, 0, 4], [-2, 1.5, 0.25, 0.75]]
  /// and labels [2, 0, 1]: optax.softmax_cross_entropy_with_integer_labels(L, labels).mean()
  /// and its jax.grad.
  @Test func softmaxCrossEntropyMatchesOptax() {
    let logits = Tensor(shape: [3, 4], data: [1, 2, 3, -1, 0.5, -0.5, 0, 4, -2, 1.5, 0.25, 0.75])
    let loss = Losses.softmaxCrossEntropy(logits, labels: [2, 0, 1])
    #expect(abs(loss.value - 1.5197747094818272) < 1e-6)
    expectClose(loss.gradient.data,
                [0.029648939099134766, 0.08059417238626691, -0.11425565905604818, 0.004012547570646484,
                 -0.32383391345053664, 0.0034946412779361356, 0.005761689408399985, 0.31457758276420045,
                 0.005626275999522382, -0.1470166607648063, 0.053380620425912385, 0.08800976433937148],
                Tolerance(atol: 1e-7, rtol: 1e-5))
  }

  /// Subtracting the row's maximum keeps e^(l − m) ≤ 1: logits of 1e4 would overflow e^l.
  /// Shifting every logit of a row by the same amount changes neither loss nor gradient.
  @Test func softmaxCrossEntropyWithHugeLogits() {
    let small = Tensor(shape: [2, 3], data: [1, 2, 3, 0.5, -1, 0])
    let huge = Tensor(shape: [2, 3], data: [10_001, 10_002, 10_003, -9_999.5, -10_001, -10_000])
    let expected = Losses.softmaxCrossEntropy(small, labels: [0, 2], reduction: .sum)
    let shifted = Losses.softmaxCrossEntropy(huge, labels: [0, 2], reduction: .sum)
    #expect(shifted.value.isFinite)
    #expect(abs(shifted.value - expected.value) < 2e-3)  // 1e4 in Float is exact to ~1e-3
    expectClose(shifted.gradient, expected.gradient, Tolerance(atol: 1e-3, rtol: 1e-3))
    // A confident right answer costs e^(−1e4) ≈ 0, a confident wrong one 1e4.
    let confident = Tensor(shape: [2, 2], data: [1e4, -1e4, 1e4, -1e4])
    let value = Losses.softmaxCrossEntropy(confident, labels: [0, 1], reduction: .sum)
    #expect(value.value == 2e4)
    #expect(value.gradient.data == [0, 0, 1, -1])
  }
}
