import Core
import Evaluation
import Testing

/// Improved precision and recall (Kynkäänniemi et al. 2019) on sets whose answer can be
/// worked out by hand.
@Suite struct PrecisionRecallTests {
  /// Points on a line: real 0, 1, 2, 3 (k = 1: every ball has radius 1); generated
  /// 0.5, 2.5 and 10. Precision: 0.5 and 2.5 lie in real balls, 10 does not → 2/3.
  /// Generated radii with k = 1: 0.5 → 2 (to 2.5), 2.5 → 2, 10 → 7.5; real points within
  /// 2 of 0.5 or 2.5, or within 7.5 of 10: 0, 1, 2, 3 (2.5 + 2 = 4.5 ≥ 3) → recall 1.
  @Test func handWorkedExampleOnALine() {
    let real = Tensor(shape: [4, 1], data: [0, 1, 2, 3])
    let generated = Tensor(shape: [3, 1], data: [0.5, 2.5, 10])
    let (precision, recall) = SampleDistance.precisionRecall(real: real, generated: generated, k: 1)
    #expect(abs(precision - 2.0 / 3.0) < 1e-12)
    #expect(recall == 1)
  }

  /// A generator that draws only one of two well-separated clusters: precision 1 (all it
  /// draws is real-looking), recall ½ (it misses the other cluster).
  @Test func modeCollapseIsHighPrecisionLowRecall() {
    var rng = RNG(seed: 3)
    let clusterA = Tensor.normal([100, 4], using: &rng)
    let clusterB = Tensor.normal([100, 4], using: &rng).map { $0 + 50 }
    let real = Tensor(shape: [200, 4], data: clusterA.data + clusterB.data)
    let generated = Tensor.normal([100, 4], using: &rng)
    let (precision, recall) = SampleDistance.precisionRecall(real: real, generated: generated, k: 3)
    #expect(precision > 0.9)
    #expect(abs(recall - 0.5) < 0.06)
  }

  /// Two samples of the same distribution: both near 1; a shifted copy far away: both 0.
  @Test func sameDistributionIsNearOneAndDisjointIsZero() {
    var rng = RNG(seed: 4)
    let a = Tensor.normal([300, 3], using: &rng), b = Tensor.normal([300, 3], using: &rng)
    let same = SampleDistance.precisionRecall(real: a, generated: b, k: 3)
    #expect(same.precision > 0.85 && same.recall > 0.85)
    let far = SampleDistance.precisionRecall(real: a, generated: b.map { $0 + 100 }, k: 3)
    #expect(far.precision == 0 && far.recall == 0)
  }

  /// The same numbers whatever the thread count.
  @Test func threadCountDoesNotChangeTheResult() {
    var rng = RNG(seed: 5)
    let a = Tensor.normal([120, 8], using: &rng), b = Tensor.normal([90, 8], using: &rng)
    let saved = Parallel.threadCount
    defer { Parallel.threadCount = saved }
    Parallel.threadCount = 1
    let one = SampleDistance.precisionRecall(real: a, generated: b)
    Parallel.threadCount = 2
    let two = SampleDistance.precisionRecall(real: a, generated: b)
    #expect(one == two)
  }
}
