// Exercise 09 — one step of causal self-attention with a key/value cache: what makes
// generating text linear instead of quadratic. Read README.md beside this file.
// Check it with:  swift run genlab-check 09
import ExerciseSupport

/// The new position's query, key and value (D floats each, `heads` heads of D/heads
/// numbers side by side). Append key and value to the cache, then for each head h
/// attend over every cached position j (including the new one):
///
///     score_j = q_h · k_{j,h} / √(D/heads),   a = softmax(score),   out_h = Σ_j a_j · v_{j,h}
///
/// Returns the output (D floats, the heads side by side) and the cache with one more position.
public func cachedAttention(query: [Float], key: [Float], value: [Float], cache: AttentionCache,
                            heads: Int) throws -> (output: [Float], cache: AttentionCache) {
  throw NotImplemented("09")
}
