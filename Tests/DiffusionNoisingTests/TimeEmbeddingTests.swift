import Core
import DiffusionNoising
import TestSupport
import Testing

@Suite struct TimeEmbeddingTests {
  /// dimension 4, maxPeriod 10 000: half = 2, ω_0 = 1, ω_1 = 10 000^(−1/2) = 0.01.
  ///   t = 0:   [sin 0, sin 0, cos 0, cos 0]          = [0, 0, 1, 1]
  ///   t = 1:   [sin 1, sin 0.01, cos 1, cos 0.01]    = [0.84147098, 0.00999983, 0.54030231, 0.99995000]
  ///   t = 100: [sin 100, sin 1, cos 100, cos 1]      = [−0.50636564, 0.84147098, 0.86231887, 0.54030231]
  @Test func byHandDimensionFour() {
    let e = DiffusionNoising.timeEmbedding([0, 1, 100], dimension: 4)
    #expect(e.shape == [3, 4])
    expectClose(e.data, [0, 0, 1, 1,
                         0.84147098, 0.00999983, 0.54030231, 0.99995000,
                         -0.50636564, 0.84147098, 0.86231887, 0.54030231], Tolerance(atol: 1e-7, rtol: 1e-6))
  }

  /// dimension 6, maxPeriod 64: ω_i = 64^(−i/3) = 1, 1/4, 1/16. t = 8 → angles 8, 2, 0.5:
  ///   [sin 8, sin 2, sin 0.5, cos 8, cos 2, cos 0.5]
  ///   = [0.98935825, 0.90929743, 0.47942554, −0.14550003, −0.41614684, 0.87758256]
  @Test func byHandCustomPeriod() {
    let e = DiffusionNoising.timeEmbedding([8], dimension: 6, maxPeriod: 64)
    #expect(e.shape == [1, 6])
    expectClose(e.data, [0.98935825, 0.90929743, 0.47942554, -0.14550003, -0.41614684, 0.87758256],
                Tolerance(atol: 1e-7, rtol: 1e-6))
  }

  /// Every row is (sin, cos) pairs: sin² + cos² = 1 per frequency, for large t too.
  @Test func pairsLieOnTheUnitCircle() {
    let dimension = 32
    let e = DiffusionNoising.timeEmbedding([0, 1, 7, 500, 999, 1000], dimension: dimension)
    for n in 0..<6 {
      for i in 0..<dimension / 2 {
        let s = e[n, i], c = e[n, dimension / 2 + i]
        #expect(abs(s * s + c * c - 1) < 1e-6, "row \(n), frequency \(i): sin² + cos² = \(s * s + c * c)")
      }
    }
  }
}

@Suite struct DDIMTimestepsTests {
  @Test func examples() {
    let thousand = NoiseSchedule.linear(steps: 1000)
    #expect(DiffusionNoising.ddimTimesteps(count: 4, schedule: thousand) == [1000, 750, 500, 250])
    #expect(DiffusionNoising.ddimTimesteps(count: 1, schedule: thousand) == [1000])
    #expect(DiffusionNoising.ddimTimesteps(count: 10, schedule: thousand)
            == [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100])
    // 10 − ⌊i·10/3⌋ with ⌊i·10/3⌋ = 0, 3, 6
    #expect(DiffusionNoising.ddimTimesteps(count: 3, schedule: .linear(steps: 10)) == [10, 7, 4])
    #expect(DiffusionNoising.ddimTimesteps(count: 5, schedule: .cosine(steps: 5)) == [5, 4, 3, 2, 1])
  }

  @Test(arguments: [1, 2, 3, 7, 50, 333, 999, 1000])
  func strictlyDescendingFromT(_ count: Int) {
    let steps = DiffusionNoising.ddimTimesteps(count: count, schedule: .linear(steps: 1000))
    #expect(steps.count == count && steps.first == 1000 && steps.last! >= 1)
    #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 > $1 }, "\(steps)")
  }
}
