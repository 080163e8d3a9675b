import Core
import DiffusionNoising
import Foundation
import TestSupport
import Testing

private func schedule(_ kind: NoiseSchedule.Kind, steps: Int = 1000) -> NoiseSchedule {
  kind == .linear ? .linear(steps: steps) : .cosine(steps: steps)
}

/// The two-sample Kolmogorov–Smirnov statistic D = sup_x |F_a(x) − F_b(x)| of two
/// empirical distribution functions (ties advance both samples together).
func kolmogorovSmirnov(_ a: [Double], _ b: [Double]) -> Double {
  let a = a.sorted(), b = b.sorted()
  var i = 0, j = 0, d = 0.0
  while i < a.count && j < b.count {
    let x = min(a[i], b[j])
    while i < a.count && a[i] == x { i += 1 }
    while j < b.count && b[j] == x { j += 1 }
    d = max(d, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
  }
  return d
}

private func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
  let mean = values.reduce(0, +) / Double(values.count)
  let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
  return (mean, variance)
}

@Suite struct NoisingTwinTests {
  /// The twins give the same distribution. Each item is the same x_0 = (−1, 0.5, 2), so
  /// every column holds n = 1 500 independent draws of x_t for one x_0 value; the
  /// reference chain and the closed form use different generators (independent samples).
  ///
  /// Per column, with v = 1 − ᾱ_t, for each twin:
  ///   |mean − √ᾱ_t·x_0| ≤ 5·√(v/n)               (5 standard errors of a mean)
  ///   |variance − v|    ≤ 5·v·√(2/(n − 1))       (5 standard errors of a normal sample's variance)
  /// between the twins:
  ///   |mean_ref − mean_cf| ≤ 5·√(2v/n),  |var_ref − var_cf| ≤ 5·v·√(4/(n − 1))
  /// and the two-sample KS test does not reject at α = 0.001:
  ///   D ≤ c(α)·√((n + m)/(n·m)),  c(α) = √(−½·ln(α/2)) = 1.9495.
  /// The chain's ε (its equivalent closed-form noise) must itself look 𝒩(0, 1), and the
  /// closed form applied to it must land on the chain's x_t.
  @Test(arguments: NoiseSchedule.Kind.allCases, [1, 10, 100, 500, 1000])
  func twinsGiveTheSameDistribution(_ kind: NoiseSchedule.Kind, _ t: Int) {
    let schedule = schedule(kind)
    let draws = 1_500
    let start: [Float] = [-1, 0.5, 2]
    let x0 = Tensor(shape: [draws, 3], data: (0..<draws).flatMap { _ in start })
    let timesteps = [Int](repeating: t, count: draws)
    var referenceRNG = RNG(seed: 11, stream: UInt64(t)), rng = RNG(seed: 12, stream: UInt64(t))
    let reference = DiffusionNoising.noiseReference(x0, timesteps: timesteps, schedule: schedule, rng: &referenceRNG)
    let closedForm = DiffusionNoising.noise(x0, timesteps: timesteps, schedule: schedule, rng: &rng)

    let alphaBar = schedule.alphaBar(t), v = 1 - alphaBar
    let n = Double(draws)
    let c = (-0.5 * log(0.001 / 2)).squareRoot()
    let criticalD = c * ((n + n) / (n * n)).squareRoot()
    let context = "\(kind), t = \(t)"
    for j in 0..<3 {
      let columnReference = (0..<draws).map { Double(reference.noisy.data[$0 * 3 + j]) }
      let columnClosedForm = (0..<draws).map { Double(closedForm.noisy.data[$0 * 3 + j]) }
      let expectedMean = alphaBar.squareRoot() * Double(start[j])
      let meanBand = 5 * (v / n).squareRoot(), varianceBand = 5 * v * (2 / (n - 1)).squareRoot()
      for (name, column) in [("chain", columnReference), ("closed form", columnClosedForm)] {
        let (mean, variance) = meanAndVariance(column)
        #expect(abs(mean - expectedMean) <= meanBand,
                "\(context), x_0 = \(start[j]), \(name): mean \(mean), √ᾱ·x_0 = \(expectedMean), band ±\(meanBand)")
        #expect(abs(variance - v) <= varianceBand,
                "\(context), x_0 = \(start[j]), \(name): variance \(variance), 1 − ᾱ = \(v), band ±\(varianceBand)")
      }
      let (meanR, varianceR) = meanAndVariance(columnReference)
      let (meanC, varianceC) = meanAndVariance(columnClosedForm)
      #expect(abs(meanR - meanC) <= 5 * (2 * v / n).squareRoot(),
              "\(context), x_0 = \(start[j]): chain mean \(meanR) vs closed form \(meanC)")
      #expect(abs(varianceR - varianceC) <= 5 * v * (4 / (n - 1)).squareRoot(),
              "\(context), x_0 = \(start[j]): chain variance \(varianceR) vs closed form \(varianceC)")
      let d = kolmogorovSmirnov(columnReference, columnClosedForm)
      #expect(d <= criticalD, "\(context), x_0 = \(start[j]): KS D = \(d) > critical \(criticalD) (α = 0.001)")

      // The chain's equivalent ε is a standard normal sample.
      let (meanE, varianceE) = meanAndVariance((0..<draws).map { Double(reference.noise.data[$0 * 3 + j]) })
      #expect(abs(meanE) <= 5 / n.squareRoot() && abs(varianceE - 1) <= 5 * (2 / (n - 1)).squareRoot(),
              "\(context), x_0 = \(start[j]): the chain's ε has mean \(meanE), variance \(varianceE)")
    }
    // The closed form with the chain's ε reproduces the chain's x_t (Float rounding only).
    let again = DiffusionNoising.noised(x0, timesteps: timesteps, noise: reference.noise, schedule: schedule)
    expectClose(again, reference.noisy, Tolerance(atol: 1e-5, rtol: 1e-5), "noised(x_0, ε_chain) vs chain, \(context)")
  }

  /// T = 3, β = 0.1, 0.2, 0.3 (ᾱ = 0.9, 0.72, 0.504), x_0 = (1, −2), ε = (0.5, −1), one item per t:
  ///   t = 0: (1, −2)
  ///   t = 1: √0.9 = 0.9486833,  √0.1 = 0.3162278: (0.9486833 + 0.1581139, −1.8973666 − 0.3162278) = (1.1067972, −2.2135944)
  ///   t = 2: √0.72 = 0.8485281, √0.28 = 0.5291503: (1.1131033, −2.2262065)
  ///   t = 3: √0.504 = 0.7099296, √0.496 = 0.7042727: (1.0620659, −2.1241318)
  @Test func closedFormByHand() {
    let schedule = NoiseSchedule.linear(steps: 3, betaStart: 0.1, betaEnd: 0.3)
    let x0 = Tensor(shape: [4, 2], data: [1, -2, 1, -2, 1, -2, 1, -2])
    let noise = Tensor(shape: [4, 2], data: [0.5, -1, 0.5, -1, 0.5, -1, 0.5, -1])
    let noisy = DiffusionNoising.noised(x0, timesteps: [0, 1, 2, 3], noise: noise, schedule: schedule)
    let expected: [Float] = [1, -2, 1.1067972, -2.2135944, 1.1131033, -2.2262065, 1.0620659, -2.1241318]
    expectClose(noisy.data, expected, Tolerance(atol: 1e-6, rtol: 1e-6), "closed form, T = 3")
    #expect(noisy.data[0...1] == [1, -2], "t = 0 must return x_0 exactly")

    // `noise` draws ε with rng.normal() in element order, then does the same arithmetic.
    var rng = RNG(seed: 5), copy = RNG(seed: 5)
    let drawn = DiffusionNoising.noise(x0, timesteps: [0, 1, 2, 3], schedule: schedule, rng: &rng)
    #expect(drawn.noise.data == (0..<8).map { _ in copy.normal() })
    #expect(drawn.noisy == DiffusionNoising.noised(x0, timesteps: [0, 1, 2, 3], noise: drawn.noise, schedule: schedule))
    #expect(rng == copy)
  }

  /// The chain step by step, for T = 3 and x_0 = (1, −2) at t = 3, with the draws taken from
  /// the same seed in the documented order (step by step, element by element):
  ///   x_1 = √0.9·x_0 + √0.1·ε_1,  x_2 = √0.8·x_1 + √0.2·ε_2,  x_3 = √0.7·x_2 + √0.3·ε_3
  /// and its ε = (x_3 − √0.504·x_0)/√0.496. A second item at t = 0 stays x_0 with ε = 0.
  @Test func chainByHand() {
    let schedule = NoiseSchedule.linear(steps: 3, betaStart: 0.1, betaEnd: 0.3)
    let x0 = Tensor(shape: [2, 2], data: [1, -2, 3, 4])
    var rng = RNG(seed: 9), copy = RNG(seed: 9)
    let (noisy, noise) = DiffusionNoising.noiseReference(x0, timesteps: [3, 0], schedule: schedule, rng: &rng)
    var x: [Double] = [1, -2]
    for beta in [0.1, 0.2, 0.3] {
      for j in 0..<2 { x[j] = (1 - beta).squareRoot() * x[j] + beta.squareRoot() * Double(copy.normal()) }
    }
    let epsilon = (0..<2).map { (x[$0] - 0.504.squareRoot() * [1.0, -2][$0]) / 0.496.squareRoot() }
    expectClose(noisy.data, [Float(x[0]), Float(x[1]), 3, 4], Tolerance(atol: 1e-6, rtol: 1e-6), "chain x_t")
    expectClose(noise.data, [Float(epsilon[0]), Float(epsilon[1]), 0, 0], Tolerance(atol: 1e-6, rtol: 1e-6), "chain ε")
    #expect(rng == copy, "the chain must draw exactly t·(elements) normals")
  }

  /// Mixed timesteps in one batch, odd item sizes: each item gets its own ᾱ.
  @Test(arguments: [[1, 1], [3, 5], [4, 1, 3, 3]])
  func batchedTimestepsUseEachItemsAlphaBar(_ shape: [Int]) {
    let schedule = NoiseSchedule.cosine(steps: 50)
    var rng = RNG(seed: 21)
    let x0 = Tensor.normal(shape, using: &rng), noise = Tensor.normal(shape, using: &rng)
    let timesteps = (0..<shape[0]).map { ($0 * 17) % 51 }
    let noisy = DiffusionNoising.noised(x0, timesteps: timesteps, noise: noise, schedule: schedule)
    let itemSize = x0.count / shape[0]
    let expected = (0..<x0.count).map { i -> Float in
      let alphaBar = schedule.alphaBar(timesteps[i / itemSize])
      return Float(alphaBar.squareRoot() * Double(x0.data[i]) + (1 - alphaBar).squareRoot() * Double(noise.data[i]))
    }
    #expect(noisy.shape == shape)
    expectClose(noisy.data, expected, .float32, "shape \(shape), timesteps \(timesteps)")
  }

  /// Same seed, same output; a different seed, a different output.
  @Test func deterministic() {
    let schedule = NoiseSchedule.linear(steps: 100)
    let x0 = Tensor(shape: [3, 4], data: (0..<12).map { Float($0) / 6 - 1 })
    let timesteps = [1, 50, 100]
    func run(_ seed: UInt64) -> [Tensor] {
      var a = RNG(seed: seed), b = RNG(seed: seed)
      let reference = DiffusionNoising.noiseReference(x0, timesteps: timesteps, schedule: schedule, rng: &a)
      let closedForm = DiffusionNoising.noise(x0, timesteps: timesteps, schedule: schedule, rng: &b)
      return [reference.noisy, reference.noise, closedForm.noisy, closedForm.noise]
    }
    #expect(run(4) == run(4))
    #expect(zip(run(4), run(5)).allSatisfy { $0 != $1 })
  }
}
