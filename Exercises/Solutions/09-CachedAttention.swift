// Solution 09 — one KV-cached attention step: append, then attend head by head.
import ExerciseSupport
import Foundation

public func cachedAttention(query: [Float], key: [Float], value: [Float], cache: AttentionCache,
                            heads: Int) throws -> (output: [Float], cache: AttentionCache) {
  var cache = cache
  cache.keys += key
  cache.values += value
  cache.count += 1
  let width = query.count, size = width / heads
  let scale = 1 / Float(size).squareRoot()
  var output = [Float](repeating: 0, count: width)
  for h in 0..<heads {
    let base = h * size
    // score_j = q_h · k_{j,h} / √(D/heads) for every position j, the new one included
    var scores = [Float](repeating: 0, count: cache.count)
    for j in 0..<cache.count {
      var dot: Float = 0
      for d in 0..<size { dot += query[base + d] * cache.keys[j * width + base + d] }
      scores[j] = dot * scale
    }
    // softmax, with the largest score subtracted so exp never overflows
    let largest = scores.max()!
    var total: Float = 0
    for j in scores.indices {
      scores[j] = exp(scores[j] - largest)
      total += scores[j]
    }
    // out_h = Σ_j a_j · v_{j,h}
    for j in 0..<cache.count {
      let weight = scores[j] / total
      for d in 0..<size { output[base + d] += weight * cache.values[j * width + base + d] }
    }
  }
  return (output, cache)
}
