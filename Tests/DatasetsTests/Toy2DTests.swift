import Core
import Datasets
import Foundation
import Testing

@Suite struct Toy2DTests {
  @Test(arguments: ToySet.allCases, [0, 1, 257])
  func shapeDeterminismAndRange(_ set: ToySet, count: Int) {
    let points = set.sample(count: count, seed: 11)
    #expect(points.shape == [count, 2])
    #expect(points == set.sample(count: count, seed: 11))
    #expect(points.data.allSatisfy { $0.isFinite && abs($0) < 3 }, "\(set): a point outside [−3, 3]²")
    if count > 1 {
      #expect(points != set.sample(count: count, seed: 12))
      // The first k points do not depend on how many are drawn.
      #expect(set.sample(count: 1, seed: 11) == points.slice(0..<1))
    }
  }

  /// Each point lies within 5σ (per axis) of its own centre and that centre is its
  /// nearest; each of the K modes holds N/K points within 5 binomial standard deviations;
  /// the standardised residuals have mean ≈ 0 and variance ≈ 1.
  @Test(arguments: ["8gaussians", "grid"])
  func mixturesHaveTheirModes(_ name: String) {
    let count = 20_000
    let (sample, centres, std): (Toy2D.Labeled, [(x: Float, y: Float)], Float) =
      name == "grid" ? (Toy2D.grid(count: count, seed: 5), Toy2D.gridCentres(), 0.05)
                     : (Toy2D.eightGaussians(count: count, seed: 5), Toy2D.eightGaussianCentres(), 0.02)
    #expect(sample.points.shape == [count, 2])
    var perMode = [Int](repeating: 0, count: centres.count)
    var sum = 0.0, sumSquares = 0.0
    var farPoints = 0, misassigned = 0
    for n in 0..<count {
      let (x, y, k) = (sample.points[n, 0], sample.points[n, 1], sample.labels[n])
      perMode[k] += 1
      let dx = (x - centres[k].x) / std, dy = (y - centres[k].y) / std
      if abs(dx) > 5 || abs(dy) > 5 { farPoints += 1 }
      let nearest = centres.indices.min { a, b in
        hypot(x - centres[a].x, y - centres[a].y) < hypot(x - centres[b].x, y - centres[b].y)
      }
      if nearest != k { misassigned += 1 }
      sum += Double(dx + dy)
      sumSquares += Double(dx * dx + dy * dy)
    }
    #expect(farPoints == 0)
    #expect(misassigned == 0)
    let p = 1 / Double(centres.count)
    let band = 5 * (Double(count) * p * (1 - p)).squareRoot()
    #expect(perMode.allSatisfy { abs(Double($0) - Double(count) * p) < band }, "modes \(perMode)")
    let draws = Double(2 * count)
    #expect(abs(sum / draws) < 5 / draws.squareRoot())
    #expect(abs(sumSquares / draws - 1) < 5 * 2.0.squareRoot() / draws.squareRoot())
  }

  @Test func eightGaussianCentresAreOnTheCircle() {
    let centres = Toy2D.eightGaussianCentres()
    #expect(centres.count == 8)
    #expect(abs(centres[0].x - 2) < 1e-6 && abs(centres[0].y) < 1e-6)
    #expect(abs(centres[2].x) < 1e-6 && abs(centres[2].y - 2) < 1e-6)
    #expect(centres.allSatisfy { abs(hypot($0.x, $0.y) - 2) < 1e-5 })
    let grid = Toy2D.gridCentres()
    #expect(grid.count == 25 && grid[0] == (-2, -2) && grid[24] == (2, 2) && grid[7] == (-1, 0))
  }

  /// Undo the shift and scale; each point is within 5σ of its moon's half circle.
  @Test func twoMoonsLieOnTheirMoons() {
    let count = 10_000
    let moons = Toy2D.twoMoons(count: count, seed: 3)
    var perMoon = [0, 0]
    var worst: Float = 0
    for n in 0..<count {
      var x = moons.points[n, 0] / 1.5 + 0.5, y = moons.points[n, 1] / 1.5 + 0.25
      let moon = moons.labels[n]
      perMoon[moon] += 1
      if moon == 1 { x = 1 - x; y = 0.5 - y }      // moon 1 mapped onto moon 0
      // Distance to the upper unit half circle (or its end points).
      let distance = y >= 0 ? abs(hypot(x, y) - 1) : min(hypot(x - 1, y), hypot(x + 1, y))
      worst = max(worst, distance)
    }
    #expect(worst < 5 * 0.1 * Float(2).squareRoot(), "worst distance \(worst)")
    #expect(abs(perMoon[0] - count / 2) < 250, "\(perMoon)")   // 5σ of Binomial(10000, ½) = 250
  }

  @Test func swissRollFollowsItsSpiral() {
    let count = 5_000
    let (points, position) = Toy2D.swissRoll(count: count, seed: 4)
    #expect(points.shape == [count, 2] && position.count == count)
    for n in 0..<count {
      let t = position[n]
      #expect(t >= 1.5 * .pi && t < 4.5 * .pi)
      let dx = points[n, 0] - t * cos(t) / 6.5, dy = points[n, 1] - t * sin(t) / 6.5
      if abs(dx) > 5 * 0.05 || abs(dy) > 5 * 0.05 {
        Issue.record("point \(n) is (\(dx), \(dy)) off the spiral at t = \(t)")
        break
      }
    }
  }

  @Test func namesRoundTrip() {
    #expect(ToySet(rawValue: "moons") == .twoMoons)
    #expect(ToySet.allCases.map(\.rawValue) == ["8gaussians", "grid", "moons", "swissroll"])
  }
}
