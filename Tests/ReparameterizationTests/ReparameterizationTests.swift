import Core
import Foundation
import Reparameterization
import Testing
import TestSupport

/// A seeded encoder output: μ ~ 𝒩(0, 1), logσ² uniform in [−3, 2) (σ from 0.22 to 2.7).
private func encoderOutput(_ shape: [Int], seed: UInt64) -> (mean: Tensor, logVariance: Tensor) {
  var rng = RNG(seed: seed)
  let mean = Tensor.normal(shape, using: &rng)
  let logVariance = Tensor.uniform(shape, in: -3..<2, using: &rng)
  return (mean, logVariance)
}

/// Twin shapes [N, D], including a single item, a single latent dimension and odd sizes.
private let shapes: [[Int]] = [[1, 1], [1, 7], [5, 1], [3, 2], [16, 20], [33, 5]]

@Suite struct ReparameterizationSampleTests {
  @Test(arguments: shapes)
  func twinsGiveIdenticalSamples(_ shape: [Int]) {
    let (mean, logVariance) = encoderOutput(shape, seed: 1)
    var referenceRNG = RNG(seed: 42), rng = RNG(seed: 42)
    let reference = Reparameterization.sampleReference(mean: mean, logVariance: logVariance, rng: &referenceRNG)
    let optimized = Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &rng)
    #expect(optimized.epsilon == reference.epsilon, "ε differs for shape \(shape)")
    #expect(optimized.z == reference.z, "z differs for shape \(shape)")
    #expect(rng == referenceRNG, "the twins left the generator in different states")
    #expect(optimized.z.shape == shape && optimized.epsilon.shape == shape)
  }

  @Test func sampleIsMeanPlusSigmaTimesEpsilon() {
    // σ = exp(½·logσ²), not exp(logσ²): logσ² = ln 4 must give σ = 2.
    let mean = Tensor(shape: [1, 3], data: [1, -2, 0.5])
    let logVariance = Tensor(shape: [1, 3], data: [Float(log(4.0)), 0, Float(log(0.25))])
    var rng = RNG(seed: 3)
    let (z, epsilon) = Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &rng)
    var again = RNG(seed: 3)
    let drawn = (0..<3).map { _ in again.normal() }
    #expect(epsilon.data == drawn)
    let expected = [1 + 2 * drawn[0], -2 + 1 * drawn[1], 0.5 + 0.5 * drawn[2]]
    expectClose(z.data, expected, Tolerance(atol: 1e-6, rtol: 1e-6))
  }

  /// Many draws of one fixed μ, σ: the sample mean lies within 4 standard errors σ/√n of μ
  /// and the sample variance within 4·σ²·√(2/(n−1)) of σ² (a normal sample's variance has
  /// that standard deviation).
  @Test(arguments: [false, true])
  func samplesHaveTheRightMeanAndVariance(_ useReference: Bool) {
    let draws = 4000
    let mu: [Float] = [0, 1.5, -3], logVar: [Float] = [0, Float(log(4.0)), -2]
    let mean = Tensor(shape: [draws, 3], data: (0..<draws).flatMap { _ in mu })
    let logVariance = Tensor(shape: [draws, 3], data: (0..<draws).flatMap { _ in logVar })
    var rng = RNG(seed: 2024)
    let z = useReference
      ? Reparameterization.sampleReference(mean: mean, logVariance: logVariance, rng: &rng).z
      : Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &rng).z
    for j in 0..<3 {
      let column = (0..<draws).map { Double(z.data[$0 * 3 + j]) }
      let sampleMean = column.reduce(0, +) / Double(draws)
      let sampleVariance = column.map { ($0 - sampleMean) * ($0 - sampleMean) }.reduce(0, +) / Double(draws - 1)
      let variance = exp(Double(logVar[j]))
      let meanBand = 4 * variance.squareRoot() / Double(draws).squareRoot()
      let varianceBand = 4 * variance * (2 / Double(draws - 1)).squareRoot()
      #expect(abs(sampleMean - Double(mu[j])) <= meanBand,
              "dim \(j): sample mean \(sampleMean), μ \(mu[j]), band ±\(meanBand)")
      #expect(abs(sampleVariance - variance) <= varianceBand,
              "dim \(j): sample variance \(sampleVariance), σ² \(variance), band ±\(varianceBand)")
    }
  }
}

@Suite struct ReparameterizationKLTests {
  @Test func closedFormByHand() {
    // μ = 1, logσ² = 0:   −½(1 + 0 − 1 − 1)       = ½
    // μ = 0, logσ² = ln 4: −½(1 + ln 4 − 0 − 4)   = ½(4 − 1 − ln 4) = 0.80685282
    // item 3 holds both dimensions, so its KL is their sum (per-item sums over j).
    let mean = Tensor(shape: [3, 2], data: [1, 0, 0, 0, 1, 0])
    let lnFour = Float(log(4.0))
    let logVariance = Tensor(shape: [3, 2], data: [0, 0, 0, lnFour, 0, lnFour])
    let kl = Reparameterization.klDivergence(mean: mean, logVariance: logVariance)
    let stored = Double(lnFour)                        // ln 4 as the Float holds it
    let second = 0.5 * (exp(stored) - 1 - stored)
    #expect(kl.count == 3)
    #expect(abs(kl[0] - 0.5) < 1e-12)
    #expect(abs(kl[1] - second) < 1e-12 && abs(kl[1] - 0.80685282) < 1e-6)
    #expect(abs(kl[2] - (0.5 + second)) < 1e-12)
  }

  @Test func zeroExactlyAtThePrior() {
    // q = p: log q(z) − log p(z) = 0 for every draw, and the closed form is −½(1 + 0 − 0 − 1) = 0.
    let zeros = Tensor(zeros: [4, 6])
    #expect(Reparameterization.klDivergence(mean: zeros, logVariance: zeros) == [0, 0, 0, 0])
    var rng = RNG(seed: 5)
    #expect(Reparameterization.klDivergenceReference(mean: zeros, logVariance: zeros, samples: 10, rng: &rng)
            == [0, 0, 0, 0])
  }

  @Test func positiveAwayFromThePrior() {
    let (mean, logVariance) = encoderOutput([50, 4], seed: 9)
    #expect(Reparameterization.klDivergence(mean: mean, logVariance: logVariance).allSatisfy { $0 > 0 })
  }

  /// The Monte-Carlo KL converges to the closed form like 1/√S. The per-draw standard
  /// deviation sd_n of log q − log p is estimated from single-draw estimates; then at
  /// S = 100, 1 600 and 25 600 every item's error must lie within 4·sd_n/√S, and the
  /// root-mean-square error over the items must really shrink as S grows (not merely stay
  /// inside a band that shrinks).
  @Test func monteCarloConvergesToTheClosedForm() {
    let (mean, logVariance) = encoderOutput([8, 3], seed: 17)
    let exact = Reparameterization.klDivergence(mean: mean, logVariance: logVariance)

    var sdRNG = RNG(seed: 100)
    let singleDraws = (0..<2000).map { _ in
      Reparameterization.klDivergenceReference(mean: mean, logVariance: logVariance, samples: 1, rng: &sdRNG)
    }
    let sd = (0..<exact.count).map { n in
      let values = singleDraws.map { $0[n] }
      let average = values.reduce(0, +) / Double(values.count)
      return (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    }

    var rmsErrors = [Double]()
    for samples in [100, 1_600, 25_600] {
      var rng = RNG(seed: 200, stream: UInt64(samples))
      let estimate = Reparameterization.klDivergenceReference(mean: mean, logVariance: logVariance,
                                                              samples: samples, rng: &rng)
      var squaredErrors = 0.0
      for n in exact.indices {
        let error = abs(estimate[n] - exact[n])
        let band = 4 * sd[n] / Double(samples).squareRoot()
        #expect(error <= band, "item \(n), S = \(samples): Monte Carlo \(estimate[n]), exact \(exact[n]), |error| \(error) > band \(band)")
        squaredErrors += error * error
      }
      rmsErrors.append((squaredErrors / Double(exact.count)).squareRoot())
    }
    // 1/√S predicts 4× per step and 16× overall; with 8 items the RMS itself is noisy,
    // so ask for 2× per step and 8× overall.
    #expect(rmsErrors[1] < rmsErrors[0] / 2 && rmsErrors[2] < rmsErrors[1] / 2 && rmsErrors[2] < rmsErrors[0] / 8,
            "RMS error at S = 100, 1 600, 25 600: \(rmsErrors)")
  }
}

@Suite struct ReparameterizationBackwardTests {
  @Test func backwardByHand() {
    // μ = 1, logσ² = 0 (σ = 1), ε = 0.5, dz = 2, klScale = 0.5:
    //   dμ = 2 + 0.5·1 = 2.5;   dlogσ² = 2·0.5·½·1 + 0.5·½(1 − 1) = 0.5
    // μ = 0, logσ² = ln 4 (σ = 2), ε = −1, dz = 3, klScale = 0.5:
    //   dμ = 3 + 0 = 3;         dlogσ² = 3·(−1)·½·2 + 0.5·½(4 − 1) = −3 + 0.75 = −2.25
    let mean = Tensor(shape: [2, 1], data: [1, 0])
    let logVariance = Tensor(shape: [2, 1], data: [0, Float(log(4.0))])
    let epsilon = Tensor(shape: [2, 1], data: [0.5, -1])
    let zGradient = Tensor(shape: [2, 1], data: [2, 3])
    for backward in [Reparameterization.backwardReference, Reparameterization.backward] {
      let (dMean, dLogVariance) = backward(zGradient, epsilon, mean, logVariance, 0.5)
      expectClose(dMean.data, [2.5, 3], Tolerance(atol: 1e-6, rtol: 1e-6), "dμ")
      expectClose(dLogVariance.data, [0.5, -2.25], Tolerance(atol: 1e-6, rtol: 1e-6), "dlogσ²")
    }
  }

  @Test(arguments: shapes)
  func twinsAgree(_ shape: [Int]) {
    let (mean, logVariance) = encoderOutput(shape, seed: 21)
    var rng = RNG(seed: 22)
    let epsilon = Tensor.normal(shape, using: &rng)
    let zGradient = Tensor.normal(shape, using: &rng)
    let klScale = 1 / Float(shape[0])
    let reference = Reparameterization.backwardReference(zGradient: zGradient, epsilon: epsilon, mean: mean,
                                                         logVariance: logVariance, klScale: klScale)
    let optimized = Reparameterization.backward(zGradient: zGradient, epsilon: epsilon, mean: mean,
                                                logVariance: logVariance, klScale: klScale)
    expectClose(optimized.mean, reference.mean, .float32, "dμ, shape \(shape)")
    expectClose(optimized.logVariance, reference.logVariance, .float32, "dlogσ², shape \(shape)")
  }

  /// Central differences of L(μ, logσ²) = Σ z·R + klScale·Σ_n KL_n in Double, with
  /// z = μ + exp(½·logσ²)·ε for a fixed ε and the closed-form KL.
  @Test(arguments: [[1, 1], [3, 4], [2, 7]])
  func gradientsMatchCentralDifferences(_ shape: [Int]) {
    let (mean, logVariance) = encoderOutput(shape, seed: 31)
    var rng = RNG(seed: 32)
    let epsilon = Tensor.normal(shape, using: &rng)
    let weights = Tensor.normal(shape, using: &rng)            // R = dL/dz of the decoder part
    let klScale: Float = 0.7
    let eps = epsilon.data.map(Double.init), r = weights.data.map(Double.init)

    func loss(_ mu: [Double], _ logVar: [Double]) -> Double {
      var total = 0.0
      for i in mu.indices {
        let z = mu[i] + exp(0.5 * logVar[i]) * eps[i]
        total += z * r[i]
        total += Double(klScale) * -0.5 * (1 + logVar[i] - mu[i] * mu[i] - exp(logVar[i]))
      }
      return total
    }
    let mu = mean.data.map(Double.init), logVar = logVariance.data.map(Double.init)
    let h = 1e-5
    var numericMean = [Float](), numericLogVariance = [Float]()
    for i in mu.indices {
      var plus = mu, minus = mu
      plus[i] += h; minus[i] -= h
      numericMean.append(Float((loss(plus, logVar) - loss(minus, logVar)) / (2 * h)))
      plus = logVar; minus = logVar
      plus[i] += h; minus[i] -= h
      numericLogVariance.append(Float((loss(mu, plus) - loss(mu, minus)) / (2 * h)))
    }
    let tolerance = Tolerance(atol: 1e-5, rtol: 1e-4)
    for (name, result) in [
      ("reference", Reparameterization.backwardReference(zGradient: weights, epsilon: epsilon, mean: mean,
                                                         logVariance: logVariance, klScale: klScale)),
      ("closed form", Reparameterization.backward(zGradient: weights, epsilon: epsilon, mean: mean,
                                                  logVariance: logVariance, klScale: klScale)),
    ] {
      expectClose(result.mean.data, numericMean, tolerance, "\(name) dμ, shape \(shape)")
      expectClose(result.logVariance.data, numericLogVariance, tolerance, "\(name) dlogσ², shape \(shape)")
    }
  }
}
