// Exercise 09 — one step of causal self-attention with a key/value cache, checked against
// the attention recomputed over the whole prefix (the reference twin's way) and timed
// against the cached twin's `Autoregressive.attend`.
import Autoregressive
import ExerciseSupport
import Foundation

extension Catalog {
  static let cachedAttention = Exercise(
    id: "09", folder: "09-CachedAttention", title: "One KV-cached attention step", lesson: "lesson 10"
  ) { submission, grader in
    for c in AttentionCase.all() {
      grader.begin(c.name)
      let (output, cache) = try submission.cachedAttention(c.query, c.key, c.value, c.cache, c.heads)
      let expected = c.recomputedLastRow()
      let expectedCache = AttentionCache(keys: c.cache.keys + c.key, values: c.cache.values + c.value,
                                         count: c.cache.count + 1)
      guard grader.expect("cache keys", Tensor(shape: [cache.keys.count], data: cache.keys),
                          equals: Tensor(shape: [expectedCache.keys.count], data: expectedCache.keys),
                          tolerance: .exact, otherwise: AttentionCase.cacheAdvice),
            grader.expect("cache values", Tensor(shape: [cache.values.count], data: cache.values),
                          equals: Tensor(shape: [expectedCache.values.count], data: expectedCache.values),
                          tolerance: .exact, otherwise: AttentionCase.cacheAdvice),
            grader.expect("cache count", [Double(cache.count)], equals: [Double(expectedCache.count)],
                          tolerance: .exact, otherwise: "the returned cache must count one more position")
      else { return }
      guard grader.expect("output", Tensor(shape: [output.count], data: output),
                          equals: Tensor(shape: [expected.count], data: expected),
                          mistakes: AttentionCase.mistakes(c), otherwise: AttentionCase.advice) else { return }
      grader.pass()
    }
    let t = AttentionCase.timing
    let keys = t.cache.keys + t.key, values = t.cache.values + t.value
    try grader.time(t.name, yours: { _ = try submission.cachedAttention(t.query, t.key, t.value, t.cache, t.heads) },
                    reference: { _ = t.recomputedLastRow() },
                    optimized: { _ = Autoregressive.attend(query: t.query, keys: keys, values: values,
                                                           positions: t.cache.count + 1, heads: t.heads) })
  }
}

/// A sequence of positions 0…t with queries, keys and values; the cache holds positions
/// 0…t−1 and the new position t comes in.
struct AttentionCase {
  var queries: [Float]   // (t + 1) × D: every position's query (the reference recomputes every row)
  var keys: [Float]
  var values: [Float]
  var width: Int
  var heads: Int
  /// Said in the case's name when the vectors are scaled up (scores of hundreds).
  var note = ""
  var positions: Int { keys.count / width }

  var cache: AttentionCache {
    let old = (positions - 1) * width
    return AttentionCache(keys: Array(keys[0..<old]), values: Array(values[0..<old]), count: positions - 1)
  }
  var query: [Float] { Array(queries[((positions - 1) * width)...]) }
  var key: [Float] { Array(keys[((positions - 1) * width)...]) }
  var value: [Float] { Array(values[((positions - 1) * width)...]) }

  var name: String {
    "D = \(width), \(heads) head\(heads == 1 ? "" : "s"), \(positions - 1) cached position\(positions == 2 ? "" : "s")"
      + note
  }

  static func make(width: Int, heads: Int, cached: Int, scale: Float = 1, seed: UInt64) -> AttentionCase {
    var inputs = CaseInputs(seed: seed)
    let count = (cached + 1) * width
    func draw() -> [Float] { inputs.normal([count]).data.map { $0 * scale } }
    return AttentionCase(queries: draw(), keys: draw(), values: draw(), width: width, heads: heads,
                         note: scale == 1 ? "" : ", vectors ×\(Int(scale)) (scores in the hundreds)")
  }

  /// The first position (an empty cache), one head, heads of one number, a long cache, and
  /// scores of a few hundred (a softmax that does not subtract the largest score overflows).
  static func all() -> [AttentionCase] {
    [make(width: 8, heads: 2, cached: 0, seed: 0x91), make(width: 4, heads: 1, cached: 3, seed: 0x92),
     make(width: 16, heads: 4, cached: 5, seed: 0x93), make(width: 6, heads: 6, cached: 2, seed: 0x94),
     make(width: 12, heads: 3, cached: 1, seed: 0x95), make(width: 64, heads: 4, cached: 63, seed: 0x96),
     make(width: 8, heads: 2, cached: 4, scale: 20, seed: 0x97)]
  }

  static let timing = make(width: 64, heads: 4, cached: 255, seed: 0x98)

  static let cacheAdvice = "append the new key and value to the cache's arrays (after the cached positions) and "
    + "return that cache"
  static let advice = "for each head h: scores q_h·k_{j,h}/√(D/heads) over every position j including the new one, "
    + "a softmax over j (subtract the largest score before exp), then Σ_j a_j·v_{j,h} into the head's slice of the output"

  /// What the recompute twin does: causal attention for every row 0…t from all the queries,
  /// written as in the textbook; the new position's output is the last row.
  func recomputedLastRow() -> [Float] {
    var last: [Float] = []
    for row in 0..<positions {
      last = Self.attention(query: Array(queries[(row * width)..<((row + 1) * width)]), keys: keys, values: values,
                            positions: row + 1, width: width, heads: heads)
    }
    return last
  }

  /// One query's attention over `positions` key/value rows, with switches for the mistakes.
  static func attention(query: [Float], keys: [Float], values: [Float], positions: Int, width: Int, heads: Int,
                        scaleBy: Float? = nil, stable: Bool = true) -> [Float] {
    let size = width / heads
    let scale = scaleBy ?? 1 / Float(size).squareRoot()
    var output = [Float](repeating: 0, count: width)
    for h in 0..<heads {
      let base = h * size
      var scores = (0..<positions).map { j -> Float in
        var s: Float = 0
        for d in 0..<size { s += query[base + d] * keys[j * width + base + d] }
        return s * scale
      }
      let largest = stable ? scores.max()! : 0
      scores = scores.map { Foundation.exp($0 - largest) }
      let total = scores.reduce(0, +)
      for j in 0..<positions {
        for d in 0..<size { output[base + d] += scores[j] / total * values[j * width + base + d] }
      }
    }
    return output
  }

  static func mistakes(_ c: AttentionCase) -> [Mistake] {
    let n = c.positions, d = c.width
    func tensor(_ values: [Float]) -> Tensor { Tensor(shape: [values.count], data: values) }
    return [
      Mistake("the new position is missing from the attention: append its key and value first, then attend over "
              + "all positions 0…t (a position may attend to itself)") {
        // With an empty cache there is nothing to attend over: a student's loop then leaves the output 0.
        n == 1 ? Tensor(zeros: [d]) : tensor(attention(query: c.query, keys: c.cache.keys, values: c.cache.values,
                                                       positions: n - 1, width: d, heads: c.heads))
      },
      Mistake("the scale is 1/√(D/heads), the size of one head, not 1/√D") {
        c.heads == 1 ? nil : tensor(attention(query: c.query, keys: c.keys, values: c.values, positions: n, width: d,
                                              heads: c.heads, scaleBy: 1 / Float(d).squareRoot()))
      },
      Mistake("the scores are not scaled: divide q·k by √(D/heads)") {
        d / c.heads == 1 ? nil : tensor(attention(query: c.query, keys: c.keys, values: c.values, positions: n,
                                                  width: d, heads: c.heads, scaleBy: 1))
      },
      Mistake("the heads are mixed: each head attends on its own slice of D/heads numbers, with its own softmax") {
        c.heads == 1 ? nil : tensor(attention(query: c.query, keys: c.keys, values: c.values, positions: n, width: d,
                                              heads: 1, scaleBy: 1 / Float(d / c.heads).squareRoot()))
      },
      Mistake("the softmax overflows: subtract the largest score before exp (softmax does not change, exp stays ≤ 1)") {
        tensor(attention(query: c.query, keys: c.keys, values: c.values, positions: n, width: d, heads: c.heads,
                         stable: false))
      },
    ]
  }
}
