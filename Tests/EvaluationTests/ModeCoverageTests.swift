import Core
@testable import Evaluation
import Testing

/// Lesson 06's coverage metric on hand-placed points: which mode each point lands on, and
/// when a mode counts as covered.
@Suite struct ModeCoverageTests {
  let centres: [(x: Float, y: Float)] = [(0, 0), (1, 0), (0, 1), (1, 1)]

  @Test func pointsLandOnTheirNearestModeWithin6σAndAreHighQualityWithin3σ() {
    // σ = 0.02: 3σ = 0.06, 6σ = 0.12. Near (0,0): 0.05 (high quality), 0.1 (lands), 0.2 (neither).
    let points = Tensor(shape: [5, 2], data: [0.05, 0, 0, 0.1, 0.2, 0, 1, 1.01, 0.5, 0.5])
    let coverage = ModeCoverage(points: points, centres: centres, std: 0.02)
    #expect(coverage.landed == [2, 0, 0, 1])
    #expect(coverage.highQuality == 2)
    #expect(coverage.highQualityShare == 0.4)
  }

  @Test func aModeIsCoveredWhenAQuarterOfItsFairShareLandsOnIt() {
    // 400 points, 4 modes: the fair share is 100, a quarter of it 25.
    var data: [Float] = []
    for (mode, count) in [(0, 25), (1, 24), (2, 200), (3, 151)] {
      for _ in 0..<count { data += [centres[mode].x, centres[mode].y] }
    }
    let coverage = ModeCoverage(points: Tensor(shape: [400, 2], data: data), centres: centres, std: 0.05)
    #expect(coverage.needed == 25)
    #expect(coverage.modesCovered == 3)   // mode 1's 24 points are one short
  }
}
