// Autoregressive — the reference twin: generation as the chain rule p(x) = Π_t p(x_t | x_<t)
// reads, one token at a time, running the whole prefix through the model again at every
// step and keeping only the last position's logits. Its optimized twin is
// Sampling+KVCache.swift (each step runs only the new position, against cached keys and
// values); Tests/AutoregressiveTests/SamplingTests.swift proves them equal.
import Core

extension Autoregressive {
  /// The reference sampling twin: at every step run the **whole prefix** through the model
  /// again (a full forward of t positions, O(t²) attention work) and keep only the last
  /// position's logits. Simple and obviously right; generating n tokens costs Σ_t O(t) to
  /// O(t²) — quadratic or worse in n.
  ///
  /// Returns `count` new tokens after `prompt` (prompt + count ≤ the model's context).
  /// `observe(step, logits)` sees the logits each new token was drawn from.
  public static func generateReference(_ model: CharTransformer, prompt: [Int], count: Int, rule: SamplingRule,
                                       rng: inout RNG, observe: (Int, [Float]) -> Void = { _, _ in }) -> [Int] {
    checkGeneration("generateReference", model, prompt: prompt, count: count)
    var tokens = prompt
    var generated: [Int] = []
    for step in 0..<count {
      let logits = model.forward([tokens], training: false)
      let v = model.configuration.vocabulary
      let last = Array(logits.data[((tokens.count - 1) * v)..<(tokens.count * v)])
      observe(step, last)
      let next = sample(last, rule: rule, rng: &rng)
      tokens.append(next)
      generated.append(next)
    }
    return generated
  }
}
