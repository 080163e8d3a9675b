import Core
import Evaluation
import Foundation
import Testing

@Suite struct SampleDistanceTests {
  /// Values made by numpy (float64), over all pairs, self-pairs included:
  ///
  ///     import numpy as np
  ///     def ed(a, b):
  ///         d = lambda u, v: np.sqrt(((u[:, None, :] - v[None, :, :])**2).sum(-1)).mean()
  ///         return 2 * d(a, b) - d(a, a) - d(b, b)
  ///     a = np.array([[0, 0], [1, 0], [0, 2]], dtype=np.float64)
  ///     b = np.array([[1, 1], [-1, 0.5]], dtype=np.float64)
  ///     print(repr(ed(a, b)))                                          # 0.7425827866079349
  ///     x = np.arange(12, dtype=np.float64).reshape(4, 3) / 7 - 0.5
  ///     y = np.cos(np.arange(15, dtype=np.float64)).reshape(5, 3)
  ///     print(repr(ed(x, y)))                                          # 0.6593238481549626
  @Test func matchesNumpy() {
    let a = Tensor(shape: [3, 2], data: [0, 0, 1, 0, 0, 2])
    let b = Tensor(shape: [2, 2], data: [1, 1, -1, 0.5])
    #expect(abs(SampleDistance.energyDistance(a, b) - 0.7425827866079349) < 1e-12)
    // x in Float: i/7 − 0.5 is rounded to Float first, so the tolerance is Float's.
    let x = Tensor(shape: [4, 3], data: (0..<12).map { Float(Double($0) / 7 - 0.5) })
    let y = Tensor(shape: [5, 3], data: (0..<15).map { Float(cos(Double($0))) })
    #expect(abs(SampleDistance.energyDistance(x, y) - 0.6593238481549626) < 1e-6)
  }

  /// Zero for a set against itself, symmetric, and invariant under a common shift.
  @Test(arguments: [(1, 1), (7, 3), (64, 2), (33, 5)])
  func properties(count: Int, dimension: Int) {
    var rng = RNG(seed: 8)
    let a = Tensor.normal([count, dimension], using: &rng)
    let b = Tensor.normal([count + 3, dimension], mean: 0.5, using: &rng)
    #expect(abs(SampleDistance.energyDistance(a, a)) < 1e-12)
    let ab = SampleDistance.energyDistance(a, b), ba = SampleDistance.energyDistance(b, a)
    #expect(abs(ab - ba) < 1e-12 && ab > 0)
    let shifted = SampleDistance.energyDistance(a + 3, b + 3)
    #expect(abs(shifted - ab) < 1e-5 * max(1, ab))
  }

  /// Two samples of one distribution sit near the floor (order 1/N: numpy gives 0.0028 on
  /// average over 50 pairs of 800 draws, at most 0.012); a shifted one is far above it.
  /// For 𝒩(0, 1) against 𝒩(1, 1) the population D² is 2·E|X − Y| − 2·E|X − X′| with
  /// X − Y ~ 𝒩(−1, 2) and X − X′ ~ 𝒩(0, 2): 2·(√2·√(2/π)·e^(−1/4) + 1 − 2Φ(−1/√2)) − 4/√π = 0.5418.
  @Test func separatesDistributions() {
    var rng = RNG(seed: 9)
    let count = 800
    let p = Tensor.normal([count, 1], using: &rng), q = Tensor.normal([count, 1], using: &rng)
    let r = Tensor.normal([count, 1], mean: 1, using: &rng)
    let same = SampleDistance.energyDistance(p, q), apart = SampleDistance.energyDistance(p, r)
    #expect(same < 0.02, "two samples of 𝒩(0, 1): D² = \(same)")
    #expect(abs(apart - 0.5418) < 0.08, "𝒩(0, 1) against 𝒩(1, 1): D² = \(apart), expected ≈ 0.5418")
  }
}
