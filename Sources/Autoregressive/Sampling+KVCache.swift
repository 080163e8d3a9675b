// Autoregressive — the optimized twin: a KeyValueCache keeps every layer's keys and values,
// so each new token runs only its own position through the model (its q, k and v, attention
// over the cache, the MLP) — faster because a step costs O(layers·(D² + t·D)), linear in t,
// where recomputing the prefix costs a full forward of t positions. Same signatures as
// Sampling+Reference.swift; Tests/AutoregressiveTests/SamplingTests.swift proves them equal.
//
// Keeping them is exact: with causal attention, position t's key and value never change once
// computed.
import Core
import Foundation

extension Autoregressive {
  /// The keys and values every layer has computed so far, one row per position: what a
  /// new position's attention reads. Position t's key and value never change once
  /// computed (causal attention: later tokens do not affect them), so they can be kept.
  public struct KeyValueCache {
    /// keys[layer] and values[layer]: positions × D, row after row.
    var keys: [[Float]]
    var values: [[Float]]
    public internal(set) var count = 0

    public init(layers: Int) {
      keys = Array(repeating: [], count: layers)
      values = Array(repeating: [], count: layers)
    }
  }

  /// One position through the model with the cache: the token's embedding plus its
  /// position's, then in every block LN₁, q|k|v of this position only (its k and v are
  /// appended to the cache), attention of q over all cached keys and values, the output
  /// projection, the residual, LN₂ and the MLP; the final LayerNorm and the head.
  /// Work per position: O(layers · (D² + t·D)) — linear in t, not quadratic.
  public static func step(_ model: CharTransformer, token: Int, cache: inout KeyValueCache) -> [Float] {
    let c = model.configuration
    precondition(cache.count < c.context, "Autoregressive.step: the cache holds \(cache.count) positions, the context is \(c.context)")
    let position = cache.count
    let d = c.width
    var x = model.tokenEmbedding.forward([token]) + model.positionEmbedding.forward([position])
    for (layer, block) in model.blocks.enumerated() {
      let attention = block.attention
      let packed = attention.project.forward(block.attentionNorm.forward(x, training: false), training: false)
      let (q, k, v) = (Array(packed.data[0..<d]), Array(packed.data[d..<(2 * d)]), Array(packed.data[(2 * d)..<(3 * d)]))
      cache.keys[layer] += k
      cache.values[layer] += v
      let mixed = attend(query: q, keys: cache.keys[layer], values: cache.values[layer], positions: position + 1,
                         heads: attention.heads)
      x = x + attention.output.forward(Tensor(shape: [1, d], data: mixed), training: false)
      x = x + block.mlp.forward(block.mlpNorm.forward(x, training: false), training: false)
    }
    cache.count += 1
    return model.head.forward(model.finalNorm.forward(x, training: false), training: false).data
  }

  /// Attention of one query over `positions` cached keys and values, head by head, with
  /// the same arithmetic in the same order as `CausalSelfAttention.forward`'s row i.
  /// `keys` and `values` hold `positions` rows of D = `query.count` floats; returns D floats.
  public static func attend(query: [Float], keys: [Float], values: [Float], positions: Int, heads: Int) -> [Float] {
    let width = query.count, d = width / heads
    let scale = 1 / Float(d).squareRoot()
    var output = [Float](repeating: 0, count: width)
    var weights = [Float](repeating: 0, count: positions)
    query.withUnsafeBufferPointer { q in
      keys.withUnsafeBufferPointer { k in
        values.withUnsafeBufferPointer { v in
          output.withUnsafeMutableBufferPointer { o in
            weights.withUnsafeMutableBufferPointer { w in
              for h in 0..<heads {
                attendRow(query: q.baseAddress! + h * d, keys: k.baseAddress! + h * d, values: v.baseAddress! + h * d,
                          stride: width, positions: positions, size: d, scale: scale,
                          weights: w.baseAddress!, output: o.baseAddress! + h * d)
              }
            }
          }
        }
      }
    }
    return output
  }

  /// The cached sampling twin: the prompt goes through `step` once, token by token; each
  /// new token is one more `step`. Same signature and, for the same seed, the same tokens
  /// as `generateReference` (its logits equal the recomputed ones within float rounding).
  public static func generate(_ model: CharTransformer, prompt: [Int], count: Int, rule: SamplingRule,
                              rng: inout RNG, observe: (Int, [Float]) -> Void = { _, _ in }) -> [Int] {
    checkGeneration("generate", model, prompt: prompt, count: count)
    guard count > 0 else { return [] }
    var cache = KeyValueCache(layers: model.blocks.count)
    var logits: [Float] = []
    for token in prompt { logits = step(model, token: token, cache: &cache) }
    var generated: [Int] = []
    for index in 0..<count {
      observe(index, logits)
      let next = sample(logits, rule: rule, rng: &rng)
      generated.append(next)
      if index + 1 < count { logits = step(model, token: next, cache: &cache) }
    }
    return generated
  }
}
