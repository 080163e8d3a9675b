import DiffusionNoising
@testable import ExerciseChecker
import ExerciseSupport
import Foundation
import Testing

/// A submission where only exercise 08 is written, by `step`.
func submission08(_ step: @escaping @Sendable (Tensor, Tensor, Int, Schedule, Tensor) throws -> Tensor) -> Submission {
  var submission = Submission.unimplemented
  submission.ddpmStep = step
  return submission
}

/// A student's loop for exercise 08 in Float, with one of the mistakes students make
/// switched on (the checker must recognise each one by its hint).
func studentDDPMStep(_ noisy: Tensor, _ predictedNoise: Tensor, _ t: Int, _ schedule: Schedule, _ z: Tensor,
                     mistake: Exercise08Tests.Mistake? = nil) -> Tensor {
  let beta = schedule.betas[t], alpha = schedule.alphas[t], alphaBar = schedule.alphaBars[t]
  var scale = 1 / alpha.squareRoot(), noiseWeight = beta / (1 - alphaBar).squareRoot()
  var deviation = schedule.posteriorVariances[t].squareRoot()
  switch mistake {
  case .noiseAtFirstStep, .betaVariance: deviation = beta.squareRoot()
  case .varianceAsDeviation: deviation = schedule.posteriorVariances[t]
  case .noNoise: deviation = 0
  case .swapped: (scale, noiseWeight) = (1 / alphaBar.squareRoot(), beta / (1 - alpha).squareRoot())
  case .noRootOnOneMinusAlphaBar: noiseWeight = beta / (1 - alphaBar)
  case .noiseSign: noiseWeight = -noiseWeight
  case .noRootOnAlpha: scale = 1 / alpha
  case .noiseTermNotScaled, nil: break
  }
  if t == 1 && mistake != .noiseAtFirstStep { deviation = 0 }
  let (s, w, d) = (Float(scale), Float(noiseWeight), Float(deviation))
  return Tensor(shape: noisy.shape, data: (0..<noisy.count).map { i in
    let (x, e) = (noisy.data[i], predictedNoise.data[i])
    let mean = mistake == .noiseTermNotScaled ? x * s - w * e : (x - w * e) * s
    return mean + d * z.data[i]
  })
}

@Suite struct Exercise08Tests {
  enum Mistake: String, Sendable {
    case noiseAtFirstStep, betaVariance, varianceAsDeviation, noNoise, swapped, noRootOnOneMinusAlphaBar, noiseSign,
         noRootOnAlpha, noiseTermNotScaled
  }

  /// The step in Double from the tables, by DDPM's ε form (or, with `posteriorMean`, by the
  /// posterior mean μ̃(x_t, x̂_0) with x̂_0 = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t, the same number).
  static func formula(_ noisy: Tensor, _ predictedNoise: Tensor, _ t: Int, _ schedule: Schedule, _ z: Tensor,
                      posteriorMean: Bool = false) -> Tensor {
    let beta = schedule.betas[t], alpha = schedule.alphas[t]
    let alphaBar = schedule.alphaBars[t], previous = schedule.alphaBars[t - 1]
    let deviation = t > 1 ? schedule.posteriorVariances[t].squareRoot() : 0
    return Tensor(shape: noisy.shape, data: (0..<noisy.count).map { i in
      let (x, e) = (Double(noisy.data[i]), Double(predictedNoise.data[i]))
      let mean: Double
      if posteriorMean {
        let x0 = (x - (1 - alphaBar).squareRoot() * e) / alphaBar.squareRoot()
        mean = previous.squareRoot() * beta / (1 - alphaBar) * x0 + alpha.squareRoot() * (1 - previous) / (1 - alphaBar) * x
      } else {
        mean = (x - beta / (1 - alphaBar).squareRoot() * e) / alpha.squareRoot()
      }
      return Float(mean + deviation * Double(z.data[i]))
    })
  }

  /// The checker's expected answer is the library's step; it is the equation with the z
  /// the student is given, so the student's z is the library's draw.
  @Test func theExpectedIsTheFormulaWithTheGivenZ() {
    for c in DDPMStepCase.all(seed: 0x08) + [DDPMStepCase.timing] {
      let formula = Self.formula(c.noisy, c.predictedNoise, c.t, c.tables, c.z)
      #expect(compare(formula.data, c.expected.data, shape: c.expected.shape, .float32).passed, "\(c.name)")
      #expect(Array(c.tables.posteriorVariances.dropFirst()) == c.schedule.posteriorVariances, "\(c.name)")
    }
  }

  /// The library's step, run with the generator the checker drew z from, passes (with timings).
  @Test func theLibrarysStepPassesWithTimings() {
    let cases = DDPMStepCase.all(seed: 0x08) + [DDPMStepCase.timing]
    let report = check("08", submission08 { noisy, predictedNoise, t, _, z in
      let c = cases.first { $0.t == t && $0.z.data == z.data && $0.noisy.data == noisy.data }!
      var rng = RNG(seed: c.seed)
      return DiffusionNoising.ddpmStep(noisy, predictedNoise: predictedNoise, t: t, schedule: c.schedule, rng: &rng)
    })
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 8 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && $0.optimized == nil } == true)
  }

  @Test func aStudentsLoopPasses() {
    #expect(check("08", submission08 { studentDDPMStep($0, $1, $2, $3, $4) }).passed)
  }

  /// The same step in Double, and by the posterior mean through x̂_0, passes too: the
  /// tolerance allows the rounding of another order of operations, also at t = T of the
  /// cosine schedule where 1/√α_T ≈ 32 magnifies it.
  @Test func otherRoundingsOfTheSameStepPass() {
    #expect(check("08", submission08 { Self.formula($0, $1, $2, $3, $4) }).passed)
    #expect(check("08", submission08 { Self.formula($0, $1, $2, $3, $4, posteriorMean: true) }).passed)
  }

  /// Each plausible mistake fails, on the first case that can show it, with its own hint.
  @Test(arguments: [
    (Mistake.noiseAtFirstStep, "no noise at t = 1"),
    (.betaVariance, "σ_t² = β̃_t, not β_t"),
    (.varianceAsDeviation, "σ_t is a standard deviation"),
    (.noNoise, "the noise is missing"),
    (.swapped, "α_t and ᾱ_t are swapped"),
    (.noRootOnOneMinusAlphaBar, "√ is missing on (1 − ᾱ_t)"),
    (.noiseSign, "the sign of the ε̂ term"),
    (.noRootOnAlpha, "√ is missing on α_t"),
    (.noiseTermNotScaled, "the ε̂ term must be divided by √α_t too"),
  ])
  func aMistakeFailsWithItsHint(mistake: Mistake, hint: String) {
    let report = check("08", submission08 { studentDDPMStep($0, $1, $2, $3, $4, mistake: mistake) })
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.timing == nil)
    let text = report.rendered(folder: "08-DDPMStep", lesson: "lesson 09")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// Any noise at t = 1 is recognised, whatever its size, where there is more than one
  /// element (the images at t = 1, the 7th case).
  @Test func anyNoiseAtTheLastStepIsRecognised() throws {
    let report = check("08", submission08 { noisy, predictedNoise, t, schedule, z in
      let step = studentDDPMStep(noisy, predictedNoise, t, schedule, z)
      guard t == 1 && z.count > 1 else { return step }
      return Tensor(shape: step.shape, data: zip(step.data, z.data).map { $0 + 0.3 * $1 })
    })
    let failure = try #require(report.failure)
    #expect(report.cases.map(\.passed) == [true, true, true, true, true, true, false])
    #expect(failure.hint.hasPrefix("no noise at t = 1"))
  }

  /// A wrong answer that is no known mistake gets the general advice and the worst element.
  @Test func anUnknownMistakeGetsTheAdvice() throws {
    let report = check("08", submission08 { noisy, predictedNoise, t, schedule, z in
      let step = studentDDPMStep(noisy, predictedNoise, t, schedule, z)
      return Tensor(shape: step.shape, data: step.data.map { $0 + 0.01 })
    })
    let failure = try #require(report.failure)
    #expect(report.cases.map(\.passed) == [false])
    #expect(failure.hint == DDPMStepCase.advice && failure.index == [0, 0])
  }
}
