import Core
import DiffusionNoising
import TestSupport
import Testing

/// A noise predictor that knows the answer: for one known x_0 it returns the ε with
/// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε, computed in Double (the best any network could do).
private func oracle(_ x0: Tensor, _ schedule: NoiseSchedule) -> NoisePredictor {
  { noisy, timesteps in
    let itemSize = noisy.count / timesteps.count
    let epsilon = (0..<noisy.count).map { i -> Float in
      let alphaBar = schedule.alphaBar(timesteps[i / itemSize])
      return Float((Double(noisy.data[i]) - alphaBar.squareRoot() * Double(x0.data[i])) / (1 - alphaBar).squareRoot())
    }
    return Tensor(shape: noisy.shape, data: epsilon)
  }
}

/// x_0 in [−1, 1] (image range) and ε, seeded.
private func dataAndNoise(_ shape: [Int], seed: UInt64) -> (x0: Tensor, noise: Tensor) {
  var rng = RNG(seed: seed)
  return (Tensor.uniform(shape, in: -1..<1, using: &rng), Tensor.normal(shape, using: &rng))
}

/// Float rounding of x_t (~1e-7 of |x_t| ≤ a few) is amplified by 1/√ᾱ_t when solving for x̂_0.
private func recoveryTolerance(_ schedule: NoiseSchedule, _ t: Int) -> Tolerance {
  Tolerance(atol: Float(2e-6 / schedule.alphaBar(t).squareRoot()), rtol: 1e-5)
}

@Suite struct DDIMTests {
  /// With the true ε, one DDIM step from t to 0 returns x_0 up to Float rounding.
  @Test(arguments: NoiseSchedule.Kind.allCases, [1, 10, 100, 500, 999, 1000])
  func oneStepToZeroRecoversData(_ kind: NoiseSchedule.Kind, _ t: Int) {
    let schedule = kind == .linear ? NoiseSchedule.linear(steps: 1000) : NoiseSchedule.cosine(steps: 1000)
    let (x0, noise) = dataAndNoise([3, 2, 5], seed: 1)
    let timesteps = [Int](repeating: t, count: 3)
    let noisy = DiffusionNoising.noised(x0, timesteps: timesteps, noise: noise, schedule: schedule)
    let recovered = DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: t, to: 0, schedule: schedule)
    expectClose(recovered, x0, recoveryTolerance(schedule, t), "\(kind), t = \(t) → 0")
  }

  /// With the true ε, a DDIM step from t to s lands on √ᾱ_s·x_0 + √(1−ᾱ_s)·ε (the same ε),
  /// so a chain of steps along ddimTimesteps walks back to x_0.
  @Test(arguments: [10, 50, 1000])
  func chainWithTrueNoiseReturnsData(_ count: Int) {
    let schedule = NoiseSchedule.linear(steps: 1000)
    let (x0, noise) = dataAndNoise([2, 1, 4, 4], seed: 2)
    let start = 1000
    var x = DiffusionNoising.noised(x0, timesteps: [start, start], noise: noise, schedule: schedule)
    let steps = DiffusionNoising.ddimTimesteps(count: count, schedule: schedule)
    for (i, t) in steps.enumerated() {
      let previous = i + 1 < steps.count ? steps[i + 1] : 0
      x = DiffusionNoising.ddimStep(x, predictedNoise: noise, from: t, to: previous, schedule: schedule)
      if previous > 0 {
        let onTheRay = DiffusionNoising.noised(x0, timesteps: [previous, previous], noise: noise, schedule: schedule)
        expectClose(x, onTheRay, recoveryTolerance(schedule, start), "\(count) steps, at t = \(previous)")
      }
    }
    expectClose(x, x0, recoveryTolerance(schedule, start), "\(count) DDIM steps from t = \(start)")
  }

  /// sampleDDIM: x_T drawn from rng first (the only draws), observe sees (T, x_T), then each
  /// step's t down to (0, x_0), and with the oracle predictor the result is x_0.
  @Test func samplerWithOracleReturnsDataAndObservesInOrder() {
    let schedule = NoiseSchedule.linear(steps: 1000)
    let (x0, _) = dataAndNoise([2, 3, 3], seed: 3)
    var rng = RNG(seed: 7), copy = RNG(seed: 7)
    var seen: [(Int, Tensor)] = []
    let sample = DiffusionNoising.sampleDDIM(shape: [2, 3, 3], steps: 4, schedule: schedule, rng: &rng,
                                             observe: { seen.append(($0, $1)) }, predictNoise: oracle(x0, schedule))
    #expect(seen.map(\.0) == [1000, 750, 500, 250, 0])
    #expect(seen.first?.1 == Tensor.normal([2, 3, 3], using: &copy), "x_T must be the first draws of rng")
    #expect(rng == copy, "DDIM draws nothing after x_T")
    #expect(seen.last?.1 == sample)
    expectClose(sample, x0, recoveryTolerance(schedule, 1000), "sampleDDIM with the oracle")
  }

  /// A clip range that clips nothing changes nothing; one that does clips x̂_0.
  @Test func clipping() {
    let schedule = NoiseSchedule.cosine(steps: 100)
    let (x0, noise) = dataAndNoise([4, 6], seed: 4)
    let noisy = DiffusionNoising.noised(x0, timesteps: [60, 60, 60, 60], noise: noise, schedule: schedule)
    let plain = DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: 60, to: 20, schedule: schedule)
    let wide = DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: 60, to: 20, schedule: schedule, clip: -10...10)
    #expect(plain == wide)
    let narrow = DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: 60, to: 0, schedule: schedule, clip: -0.5...0.5)
    expectClose(narrow, x0.map { min(max($0, -0.5), 0.5) }, recoveryTolerance(schedule, 60), "clipped x̂_0")
  }
}

/// DDIM with η > 0 (`ddimStep(…, eta:rng:)`).
@Suite struct StochasticDDIMTests {
  /// η = 1 and one step (t → t − 1) is DDPM's ancestral step with the posterior variance:
  /// the same mean (the identity √ᾱ_{t−1}·x̂_0 + √(1−ᾱ_{t−1}−β̃_t)·ε̂ = μ̃(x_t, x̂_0)), the same
  /// σ_t, the same z drawn in the same order. (With clipping they differ on purpose: DDPM's
  /// clipped step mixes x̂_0 with x_t, DDIM's with the predicted ε̂.)
  @Test(arguments: NoiseSchedule.Kind.allCases, [2, 37, 500, 1000])
  func etaOneOneStepIsDDPM(_ kind: NoiseSchedule.Kind, _ t: Int) {
    let schedule = kind == .linear ? NoiseSchedule.linear(steps: 1000) : NoiseSchedule.cosine(steps: 1000)
    let (x0, noise) = dataAndNoise([3, 2, 5], seed: 11)
    var rng = RNG(seed: 12)
    let predicted = Tensor.normal([3, 2, 5], using: &rng)   // an imperfect ε̂
    let noisy = DiffusionNoising.noised(x0, timesteps: [t, t, t], noise: noise, schedule: schedule)
    var ddimRNG = RNG(seed: 13), ddpmRNG = RNG(seed: 13)
    let ddim = DiffusionNoising.ddimStep(noisy, predictedNoise: predicted, from: t, to: t - 1, schedule: schedule,
                                         eta: 1, rng: &ddimRNG)
    let ddpm = DiffusionNoising.ddpmStep(noisy, predictedNoise: predicted, t: t, schedule: schedule, rng: &ddpmRNG)
    expectClose(ddim, ddpm, Tolerance(atol: 2e-5, rtol: 1e-4), "\(kind), t = \(t)")
    #expect(ddimRNG == ddpmRNG, "the same number of draws")
  }

  /// η = 0 is the deterministic step, with no draws; the last step (to 0) draws nothing.
  @Test func etaZeroAndTheLastStepDrawNothing() {
    let schedule = NoiseSchedule.linear(steps: 1000)
    let (x0, noise) = dataAndNoise([2, 6], seed: 14)
    let noisy = DiffusionNoising.noised(x0, timesteps: [300, 300], noise: noise, schedule: schedule)
    var rng = RNG(seed: 15)
    let untouched = rng
    let zero = DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: 300, to: 100, schedule: schedule, eta: 0, rng: &rng)
    #expect(zero == DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: 300, to: 100, schedule: schedule))
    let last = DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: 300, to: 0, schedule: schedule, eta: 1, rng: &rng)
    expectClose(last, x0, recoveryTolerance(schedule, 300), "η = 1, last step: x̂_0")
    #expect(rng == untouched)
  }

  /// The added noise has the variance the formula gives: over many items, the spread of
  /// x_prev around the deterministic part is σ (η = 1 and η = 0.5, 300 → 100).
  @Test(arguments: [1.0, 0.5])
  func noiseHasTheStatedVariance(_ eta: Double) {
    let schedule = NoiseSchedule.linear(steps: 1000)
    let (x0, noise) = dataAndNoise([1, 20_000], seed: 16)   // one item of 20,000 values
    let noisy = DiffusionNoising.noised(x0, timesteps: [300], noise: noise, schedule: schedule)
    var rng = RNG(seed: 17)
    let x = DiffusionNoising.ddimStep(noisy, predictedNoise: noise, from: 300, to: 100, schedule: schedule, eta: eta, rng: &rng)
    let (a, p) = (schedule.alphaBar(300), schedule.alphaBar(100))
    let variance = eta * eta * (1 - p) / (1 - a) * (1 - a / p)
    let mean = (0..<x0.count).map { p.squareRoot() * Double(x0.data[$0]) + (1 - p - variance).squareRoot() * Double(noise.data[$0]) }
    let residual = (0..<x0.count).map { Double(x.data[$0]) - mean[$0] }
    let measured = residual.reduce(0) { $0 + $1 * $1 } / Double(residual.count)
    #expect(abs(measured / variance - 1) < 0.05, "variance \(measured), formula \(variance)")
  }
}

@Suite struct DDPMTests {
  /// At t = 1 there is no noise and the ε form is (x_1 − √β_1·ε)/√α_1 = x_0.
  @Test(arguments: NoiseSchedule.Kind.allCases, DiffusionNoising.ReverseVariance.allCases)
  func lastStepWithTrueNoiseRecoversData(_ kind: NoiseSchedule.Kind, _ variance: DiffusionNoising.ReverseVariance) {
    let schedule = kind == .linear ? NoiseSchedule.linear(steps: 1000) : NoiseSchedule.cosine(steps: 1000)
    let (x0, noise) = dataAndNoise([3, 7], seed: 5)
    let noisy = DiffusionNoising.noised(x0, timesteps: [1, 1, 1], noise: noise, schedule: schedule)
    var rng = RNG(seed: 1), copy = rng
    let recovered = DiffusionNoising.ddpmStep(noisy, predictedNoise: noise, t: 1, schedule: schedule,
                                              variance: variance, rng: &rng)
    expectClose(recovered, x0, Tolerance(atol: 1e-6, rtol: 1e-6), "\(kind), \(variance), t = 1")
    #expect(rng == copy, "no noise may be drawn at t = 1")
    // With clip the posterior mean at t = 1 is μ̃ = 1·x̂_0 + 0·x_1: the clipped data.
    let clipped = DiffusionNoising.ddpmStep(noisy, predictedNoise: noise, t: 1, schedule: schedule,
                                            clip: -0.25...0.25, rng: &rng)
    expectClose(clipped, x0.map { min(max($0, -0.25), 0.25) }, Tolerance(atol: 1e-6, rtol: 1e-6), "clipped, t = 1")
  }

  /// For t > 1: x_{t−1} = (x_t − β_t/√(1−ᾱ_t)·ε̂)/√α_t + σ_t·z with z the next rng.normal()
  /// draws in element order and σ_t² = β̃_t or β_t; written out here in Double. With the
  /// true ε the mean is the posterior mean μ̃(x_t, x_0), and the clip form (nothing clipped)
  /// gives the same numbers.
  @Test(arguments: DiffusionNoising.ReverseVariance.allCases, [2, 37, 100])
  func stepIsMeanPlusSigmaZ(_ variance: DiffusionNoising.ReverseVariance, _ t: Int) {
    let schedule = NoiseSchedule.linear(steps: 100)
    let (x0, noise) = dataAndNoise([2, 5], seed: 6)
    let noisy = DiffusionNoising.noised(x0, timesteps: [t, t], noise: noise, schedule: schedule)
    var rng = RNG(seed: 8), copy = RNG(seed: 8), clipRNG = RNG(seed: 8)
    let step = DiffusionNoising.ddpmStep(noisy, predictedNoise: noise, t: t, schedule: schedule,
                                         variance: variance, rng: &rng)
    let (beta, alpha, alphaBar) = (schedule.beta(t), schedule.alpha(t), schedule.alphaBar(t))
    let previousAlphaBar = schedule.alphaBar(t - 1)
    let sigma = (variance == .posterior ? schedule.posteriorVariance(t) : beta).squareRoot()
    var expected = [Float](), posteriorMean = [Float](), stepMean = [Float]()
    for i in 0..<noisy.count {
      let x = Double(noisy.data[i]), e = Double(noise.data[i])
      let mean = (x - beta / (1 - alphaBar).squareRoot() * e) / alpha.squareRoot()
      stepMean.append(Float(mean))
      expected.append(Float(mean + sigma * Double(copy.normal())))
      posteriorMean.append(Float(previousAlphaBar.squareRoot() * beta / (1 - alphaBar) * Double(x0.data[i])
                                 + alpha.squareRoot() * (1 - previousAlphaBar) / (1 - alphaBar) * x))
    }
    expectClose(step.data, expected, Tolerance(atol: 1e-5, rtol: 1e-5), "\(variance), t = \(t)")
    expectClose(stepMean, posteriorMean, Tolerance(atol: 1e-5, rtol: 1e-5), "ε-form mean vs μ̃(x_t, x_0), t = \(t)")
    #expect(rng == copy, "one normal draw per element")
    let clipped = DiffusionNoising.ddpmStep(noisy, predictedNoise: noise, t: t, schedule: schedule,
                                            variance: variance, clip: -100...100, rng: &clipRNG)
    expectClose(clipped, step, Tolerance(atol: 1e-5, rtol: 1e-5), "clip form vs ε form, t = \(t)")
  }

  /// sampleDDPM: x_T from rng first, observe sees T, T−1, …, 0, and with the oracle
  /// predictor every step's mean is μ̃(x_t, x_0), so the last (noise-free) step gives x_0.
  @Test(arguments: DiffusionNoising.ReverseVariance.allCases)
  func samplerWithOracleReturnsDataAndObservesInOrder(_ variance: DiffusionNoising.ReverseVariance) {
    let schedule = NoiseSchedule.linear(steps: 20, betaStart: 1e-3, betaEnd: 0.2)
    let (x0, _) = dataAndNoise([3, 4], seed: 9)
    var rng = RNG(seed: 10), copy = RNG(seed: 10)
    var seen: [(Int, Tensor)] = []
    let sample = DiffusionNoising.sampleDDPM(shape: [3, 4], schedule: schedule, variance: variance, rng: &rng,
                                             observe: { seen.append(($0, $1)) }, predictNoise: oracle(x0, schedule))
    #expect(seen.map(\.0) == Array((0...20).reversed()))
    #expect(seen.first?.1 == Tensor.normal([3, 4], using: &copy), "x_T must be the first draws of rng")
    #expect(seen.last?.1 == sample)
    expectClose(sample, x0, Tolerance(atol: 1e-5, rtol: 1e-5), "sampleDDPM with the oracle, \(variance)")
  }
}

@Suite struct SamplerDeterminismTests {
  /// Same seed, same samples; another seed, other samples. The predictor is a fixed
  /// function of (x_t, t), as a trained network is.
  @Test func sameSeedSameSamples() {
    let schedule = NoiseSchedule.cosine(steps: 30)
    let predictor: NoisePredictor = { x, timesteps in
      x.map { 0.3 * $0 + 0.01 * Float(timesteps[0]) }
    }
    func run(_ seed: UInt64) -> (Tensor, Tensor) {
      var a = RNG(seed: seed), b = RNG(seed: seed)
      return (DiffusionNoising.sampleDDPM(shape: [2, 3], schedule: schedule, clip: -1...1, rng: &a, predictNoise: predictor),
              DiffusionNoising.sampleDDIM(shape: [2, 3], steps: 7, schedule: schedule, rng: &b, predictNoise: predictor))
    }
    let (ddpm, ddim) = run(3), (ddpmAgain, ddimAgain) = run(3), (ddpmOther, ddimOther) = run(4)
    #expect(ddpm == ddpmAgain && ddim == ddimAgain)
    #expect(ddpm != ddpmOther && ddim != ddimOther)
    #expect(ddpm.isFinite && ddim.isFinite)
  }
}
