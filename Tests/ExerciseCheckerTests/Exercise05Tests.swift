@testable import ExerciseChecker
import ExerciseSupport
import Foundation
import Reparameterization
import Testing

/// A submission where only exercise 05 is written, by `student`.
func submission05(_ student: Student05) -> Submission {
  var submission = Submission.unimplemented
  submission.reparameterize = { mean, logVariance, epsilon in student.reparameterize(mean, logVariance, epsilon) }
  submission.gaussianKL = { mean, logVariance in student.kl(mean, logVariance) }
  submission.reparameterizationBackward = { dz, epsilon, mean, logVariance, klScale in
    student.backward(dz, epsilon, mean, logVariance, klScale)
  }
  return submission
}

/// A student's loops for exercise 05, with one of the mistakes students make switched on
/// (the checker must recognise each one by its hint).
struct Student05: Sendable {
  enum Mistake: String, CaseIterable, Sendable {
    // z
    case forgottenHalf, logVarianceAsSigma, noMean
    // KL
    case klSign, klNoHalf, klAveraged, klSigmaForVariance, klNoOne, klWholeBatch, klPerElement
    // gradients
    case gradientWithoutHalf, gradientEpsilonOnly, gradientWithoutFactor, gradientForgottenHalf,
         gradientKLSign, gradientNoKL, gradientNoScale, gradientKLNoHalf, gradientKLNoOne, gradientKLSigma
  }

  var mistake: Mistake?

  func reparameterize(_ mean: Tensor, _ logVariance: Tensor, _ epsilon: Tensor) -> Tensor {
    Tensor(shape: mean.shape, data: (0..<mean.count).map { i in
      let logVar = logVariance.data[i]
      let sigma = mistake == .forgottenHalf ? exp(logVar) : mistake == .logVarianceAsSigma ? logVar : exp(0.5 * logVar)
      return (mistake == .noMean ? 0 : mean.data[i]) + sigma * epsilon.data[i]
    })
  }

  func kl(_ mean: Tensor, _ logVariance: Tensor) -> [Double] {
    let (n, d) = (mean.shape[0], mean.shape[1])
    var terms = [[Double]](repeating: [], count: n)
    for row in 0..<n {
      for column in 0..<d {
        let mu = Double(mean.data[row * d + column]), logVar = Double(logVariance.data[row * d + column])
        let variance = mistake == .klSigmaForVariance ? exp(0.5 * logVar) : exp(logVar)
        let one: Double = mistake == .klNoOne ? 0 : 1
        let half = mistake == .klNoHalf ? 1.0 : 0.5
        terms[row].append((mistake == .klSign ? half : -half) * (one + logVar - mu * mu - variance))
      }
    }
    switch mistake {
    case .klAveraged: return terms.map { $0.reduce(0, +) / Double(d) }
    case .klWholeBatch: return [terms.joined().reduce(0, +)]
    case .klPerElement: return Array(terms.joined())
    default: return terms.map { $0.reduce(0, +) }
    }
  }

  func backward(_ dz: Tensor, _ epsilon: Tensor, _ mean: Tensor, _ logVariance: Tensor,
                _ klScale: Float) -> (mean: Tensor, logVariance: Tensor) {
    var dMean = [Float](repeating: 0, count: mean.count), dLogVariance = dMean
    let weight: Float = mistake == .gradientNoKL ? 0 : mistake == .gradientNoScale ? 1 : klScale
    let sign: Float = mistake == .gradientKLSign ? -1 : 1
    let half: Float = mistake == .gradientKLNoHalf ? 1 : 0.5
    for i in 0..<mean.count {
      let logVar = logVariance.data[i]
      let sigma = mistake == .gradientForgottenHalf ? exp(logVar) : exp(0.5 * logVar)
      let variance = mistake == .gradientKLSigma ? sigma : sigma * sigma
      let decoder: Float
      switch mistake {
      case .gradientWithoutHalf: decoder = sigma * epsilon.data[i]
      case .gradientEpsilonOnly: decoder = epsilon.data[i]
      case .gradientWithoutFactor: decoder = 1
      default: decoder = 0.5 * sigma * epsilon.data[i]
      }
      dMean[i] = dz.data[i] + weight * sign * 2 * half * mean.data[i]
      dLogVariance[i] = dz.data[i] * decoder + weight * sign * half * (variance - (mistake == .gradientKLNoOne ? 0 : 1))
    }
    return (Tensor(shape: mean.shape, data: dMean), Tensor(shape: mean.shape, data: dLogVariance))
  }
}

@Suite struct Exercise05Tests {
  @Test func theClosedFormTwinPassesWithTimings() {
    var submission = Submission.unimplemented
    // The twin's `sample` draws its own ε; given an ε, z is the one line it computes.
    submission.reparameterize = { mean, logVariance, epsilon in
      Tensor(shape: mean.shape, data: (0..<mean.count).map { i in
        mean.data[i] + exp(0.5 * logVariance.data[i]) * epsilon.data[i]
      })
    }
    submission.gaussianKL = { Reparameterization.klDivergence(mean: $0, logVariance: $1) }
    submission.reparameterizationBackward = {
      Reparameterization.backward(zGradient: $0, epsilon: $1, mean: $2, logVariance: $3, klScale: $4)
    }
    let report = check("05", submission)
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 8 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && ($0.optimized ?? 0) > 0 } == true)
  }

  @Test func aStudentsLoopsPass() {
    let report = check("05", submission05(Student05()))
    #expect(report.passed, "\(report)")
  }

  /// The expected z is the equation with the ε the student is given, and the loss of the
  /// finite-difference check draws that same ε again: both come from the library's twins
  /// run with one seeded generator.
  @Test func theCasesEpsilonIsTheOneTheLibraryDrew() {
    for c in ReparameterizationCase.all(seed: 0x05) {
      let z = Student05().reparameterize(c.mean, c.logVariance, c.epsilon)
      #expect(compare(z.data, c.z.data, shape: z.shape, .float32).passed, "\(c.name)")
      let kl = Reparameterization.klDivergence(mean: c.mean, logVariance: c.logVariance).reduce(0, +)
      let loss = dot(c.zGradient, c.z) + Double(c.klScale) * kl
      #expect(abs(c.loss(mean: c.mean, logVariance: c.logVariance) - loss) <= 1e-9 * (1 + abs(loss)), "\(c.name)")
    }
  }

  /// Each plausible mistake fails, on the first case that can show it, with its own hint.
  @Test(arguments: [
    (Student05.Mistake.forgottenHalf, "the forgotten ½: σ = exp(½·logσ²)"),
    (.logVarianceAsSigma, "logσ² is not σ"),
    (.noMean, "the mean is missing"),
    (.klSign, "the KL's sign"),
    (.klNoHalf, "the KL lost its ½"),
    (.klAveraged, "the KL is averaged over D"),
    (.klSigmaForVariance, "the σ² term is σ"),
    (.klNoOne, "the 1 is missing"),
    (.klWholeBatch, "one KL per row: return N values, each the sum over that row's D dimensions, not one number"),
    (.klPerElement, "one KL per row: return N values, each the sum over that row's D dimensions, not one per element"),
    (.gradientWithoutHalf, "dlogσ² is missing the ½:"),
    (.gradientEpsilonOnly, "dlogσ² is missing the ½·σ factor"),
    (.gradientWithoutFactor, "dlogσ² is missing the ½·σ·ε factor"),
    (.gradientForgottenHalf, "the forgotten ½ in the backward"),
    (.gradientKLSign, "the KL's sign in the gradient"),
    (.gradientNoKL, "the KL's gradient is missing"),
    (.gradientNoScale, "klScale is missing"),
    (.gradientKLNoHalf, "the KL's gradient lost its ½"),
    (.gradientKLNoOne, "the −1 is missing in dKL/dlogσ²"),
    (.gradientKLSigma, "the σ² term is σ: dKL/dlogσ²"),
  ])
  func aMistakeFailsWithItsHint(mistake: Student05.Mistake, hint: String) {
    let report = check("05", submission05(Student05(mistake: mistake)))
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.timing == nil)
    let text = report.rendered(folder: "05-Reparameterization", lesson: "lesson 05")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// A gradient the checker has no name for is still caught by the calculus: the finite
  /// differences of the loss disagree with it, and the failure names the worst element.
  @Test func finiteDifferencesCatchAWrongGradient() throws {
    var submission = submission05(Student05())
    submission.reparameterizationBackward = { dz, epsilon, mean, logVariance, klScale in
      let right = Student05().backward(dz, epsilon, mean, logVariance, klScale)
      return (Tensor(shape: right.mean.shape, data: right.mean.data.map { 1.1 * $0 }), right.logVariance)
    }
    let report = check("05", submission)
    let failure = try #require(report.failure)
    #expect(report.cases.map(\.passed) == [false])
    #expect(failure.what == "dL/dμ" && failure.message.hasPrefix("finite differences disagree"))
    #expect(failure.hint == ReparameterizationCase.meanGradientAdvice)
    #expect(failure.index == [0, 0] && failure.expected != nil && failure.got != nil)
  }

  /// A named mistake in a gradient is caught by the finite differences too, with its hint.
  @Test func finiteDifferencesNameTheMistake() throws {
    let report = check("05", submission05(Student05(mistake: .gradientWithoutHalf)))
    let failure = try #require(report.failure)
    #expect(failure.what == "dL/dlogσ²" && failure.message.hasPrefix("finite differences disagree"))
    #expect(failure.hint.hasPrefix("dlogσ² is missing the ½:"))
  }
}
