import Foundation
import Autoregressive
import Core
import TestSupport
import Testing

@Suite struct SamplingTwinTests {
  /// At every step the cached logits equal the recomputed ones (float rounding aside),
  /// for random models and prompts.
  @Test(arguments: [(1, 1, 8, 2, 3), (2, 2, 16, 4, 1), (3, 2, 12, 3, 5)])
  func cachedLogitsEqualRecomputedOnes(seed: UInt64, layers: Int, width: Int, heads: Int, promptLength: Int) {
    var rng = RNG(seed: seed)
    let model = CharTransformer(.init(vocabulary: 9, context: 24, width: width, heads: heads, layers: layers), rng: &rng)
    let prompt = (0..<promptLength).map { _ in rng.int(below: 9) }
    var recomputed: [[Float]] = [], cached: [[Float]] = []
    var a = RNG(seed: 7), b = RNG(seed: 7)
    let slow = Autoregressive.generateReference(model, prompt: prompt, count: 15, rule: .init(temperature: 1),
                                                rng: &a) { _, logits in recomputed.append(logits) }
    let fast = Autoregressive.generate(model, prompt: prompt, count: 15, rule: .init(temperature: 1),
                                       rng: &b) { _, logits in cached.append(logits) }
    #expect(slow == fast, "the same seed draws the same tokens from both twins")
    #expect(recomputed.count == 15 && cached.count == 15)
    for (step, (r, c)) in zip(recomputed, cached).enumerated() {
      expectClose(c, r, Tolerance(atol: 1e-5, rtol: 1e-4), "logits at step \(step)")
    }
  }

  @Test func greedyAndTopOneAreTheArgmax() {
    var rng = RNG(seed: 5)
    let model = CharTransformer(.init(vocabulary: 6, context: 12, width: 8, heads: 2, layers: 1), rng: &rng)
    var r1 = RNG(seed: 1), r2 = RNG(seed: 2)
    let greedy = Autoregressive.generate(model, prompt: [0], count: 8, rule: .greedy, rng: &r1)
    let topOne = Autoregressive.generate(model, prompt: [0], count: 8, rule: .init(temperature: 1, topK: 1), rng: &r2)
    #expect(greedy == topOne)
    var seen: [[Float]] = []
    var r3 = RNG(seed: 3)
    let again = Autoregressive.generateReference(model, prompt: [0], count: 8, rule: .greedy, rng: &r3) { seen.append($1) }
    #expect(again == greedy)
    for (logits, token) in zip(seen, greedy) { #expect(logits[token] == logits.max()) }
  }
}

@Suite struct SamplingRuleTests {
  let logits: [Float] = [2, 1, 0.5, -1, 0]

  /// Frequencies of 20,000 draws match softmax(ℓ/τ) within 5 standard errors for τ = 0.5, 1, 2.
  @Test(arguments: [Float(0.5), 1, 2])
  func temperatureScalesTheLogits(temperature: Float) {
    var rng = RNG(seed: 11)
    let n = 20_000
    var counts = [Int](repeating: 0, count: logits.count)
    for _ in 0..<n { counts[Autoregressive.sample(logits, rule: .init(temperature: temperature), rng: &rng)] += 1 }
    let exps = logits.map { Double(Foundation.exp($0 / temperature)) }
    for (i, e) in exps.enumerated() {
      let p = e / exps.reduce(0, +)
      let band = 5 * (p * (1 - p) / Double(n)).squareRoot()
      #expect(abs(Double(counts[i]) / Double(n) - p) <= band, "τ = \(temperature), token \(i)")
    }
  }

  /// Top-k draws only the k most likely tokens, in proportion to their probabilities.
  @Test func topKKeepsOnlyTheKMostLikely() {
    var rng = RNG(seed: 12)
    let n = 20_000
    var counts = [Int](repeating: 0, count: logits.count)
    for _ in 0..<n { counts[Autoregressive.sample(logits, rule: .init(temperature: 1, topK: 2), rng: &rng)] += 1 }
    #expect(counts[2] == 0 && counts[3] == 0 && counts[4] == 0)
    let p0 = 1 / (1 + Foundation.exp(-1.0))   // e² / (e² + e¹)
    #expect(abs(Double(counts[0]) / Double(n) - p0) <= 5 * (p0 * (1 - p0) / Double(n)).squareRoot())
  }
}
