// What both sampling twins (Sampling+Reference.swift, Sampling+KVCache.swift) share: the rule
// that draws the next token from the logits, and the check of their arguments.
import Core
import Foundation

extension Autoregressive {
  /// How the next token is drawn from a model's logits ℓ over the V tokens.
  public struct SamplingRule: Sendable, Equatable {
    /// τ: p_i ∝ exp(ℓ_i / τ). τ → 0 is greedy (always the most likely token), τ = 1 the
    /// model's own distribution, τ > 1 flatter. 0 means greedy.
    public var temperature: Float
    /// Only the k most likely tokens may be drawn (nil: all). Ties keep the lower index.
    public var topK: Int?

    public init(temperature: Float = 1, topK: Int? = nil) {
      precondition(temperature >= 0, "SamplingRule: temperature must be ≥ 0, got \(temperature)")
      precondition(topK.map { $0 >= 1 } ?? true, "SamplingRule: topK must be ≥ 1, got \(topK!)")
      self.temperature = temperature
      self.topK = topK
    }

    public static let greedy = SamplingRule(temperature: 0)
  }

  /// The probabilities the rule gives to each token (in Double, summing to 1).
  public static func probabilities(_ logits: [Float], rule: SamplingRule) -> [Double] {
    precondition(!logits.isEmpty, "Autoregressive.probabilities: no logits")
    let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
    var allowed = Array(order.prefix(rule.topK ?? logits.count))
    if rule.temperature == 0 { allowed = [order[0]] }
    let tau = Double(max(rule.temperature, 1e-6))
    let largest = Double(logits[allowed[0]])
    var p = [Double](repeating: 0, count: logits.count)
    var total = 0.0
    for i in allowed {
      p[i] = Foundation.exp((Double(logits[i]) - largest) / tau)
      total += p[i]
    }
    return p.map { $0 / total }
  }

  /// Draws a token: one uniform u from `rng`, then the first token whose cumulative
  /// probability (in index order) exceeds u. Greedy rules draw nothing.
  public static func sample(_ logits: [Float], rule: SamplingRule, rng: inout RNG) -> Int {
    let p = probabilities(logits, rule: rule)
    if rule.temperature == 0 { return p.firstIndex(of: 1) ?? 0 }
    let u = rng.uniformDouble()
    var cumulative = 0.0
    var last = 0
    for (i, pi) in p.enumerated() where pi > 0 {
      cumulative += pi
      last = i
      if u < cumulative { return i }
    }
    return last
  }

  /// Checks the arguments both generation twins take: a prompt of at least one token, and
  /// room in the model's context for it and `count` new tokens. `function` names the caller.
  static func checkGeneration(_ function: String, _ model: CharTransformer, prompt: [Int], count: Int) {
    precondition(!prompt.isEmpty, "Autoregressive.\(function): the prompt needs at least one token (e.g. a newline)")
    precondition(count >= 0 && prompt.count + count <= model.configuration.context,
                 "Autoregressive.\(function): prompt of \(prompt.count) + \(count) new tokens exceeds the context "
                 + "of \(model.configuration.context)")
  }
}
