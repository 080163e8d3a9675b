import ExerciseChecker
import ExerciseSupport
import Foundation
import GANLoss
import Testing

/// A submission where only exercise 06 is written: both losses, or only the discriminator's.
func submission06(discriminator: @escaping @Sendable (Tensor, Tensor) throws -> (value: Double, real: Tensor, fake: Tensor),
                  generator: (@Sendable (Tensor) throws -> (value: Double, fake: Tensor))? = nil) -> Submission {
  var submission = Submission.unimplemented
  submission.discriminatorLoss = discriminator
  if let generator { submission.generatorLoss = generator }
  return submission
}

/// The mistakes a student's GAN losses can have (the checker must recognise each one by its hint).
enum GANLossMistake: String, Sendable, CaseIterable {
  case none, naive, sum, pooledMean, valueSign, gradientSign, fakeTargetSwapped, targetsSwapped
  case saturating, discriminatorTerm, gradientTwice
}

/// One item's term of a binary cross-entropy against `target` (1: "real", 0: "fake") and
/// its derivative: stably from the logit, or naively through D = σ(l) in Float.
func studentTerm(_ logit: Float, target: Int, naive: Bool) -> (loss: Double, gradient: Double) {
  if naive {
    let d = 1 / (1 + exp(-logit))
    return target == 1 ? (Double(-log(d)), Double(-1 / d * d * (1 - d)))
                       : (Double(-log(1 - d)), Double(1 / (1 - d) * d * (1 - d)))
  }
  let l = Double(logit)
  let softplus = { (x: Double) in max(x, 0) + log1p(exp(-abs(x))) }
  let sigmoid = l >= 0 ? 1 / (1 + exp(-l)) : exp(l) / (1 + exp(l))
  return target == 1 ? (softplus(-l), sigmoid - 1) : (softplus(l), sigmoid)
}

/// Sums `studentTerm` over `logits`, scaled by `scale`: (scale·Σ loss, scale·gradient).
func studentHalf(_ logits: Tensor, target: Int, scale: Double, gradientFactor: Double, naive: Bool)
  -> (value: Double, gradient: Tensor) {
  var sum = 0.0
  var gradient = [Float](repeating: 0, count: logits.count)
  for i in 0..<logits.count {
    let term = studentTerm(logits.data[i], target: target, naive: naive)
    sum += term.loss
    gradient[i] = Float(gradientFactor * scale * term.gradient)
  }
  return (scale * sum, Tensor(shape: logits.shape, data: gradient))
}

func studentDiscriminatorLoss(_ real: Tensor, _ fake: Tensor, _ mistake: GANLossMistake = .none)
  -> (value: Double, real: Tensor, fake: Tensor) {
  let (realCount, fakeCount) = (Double(real.count), Double(fake.count))
  let (realScale, fakeScale) = switch mistake {
  case .sum: (1.0, 1.0)
  case .pooledMean: (1 / (realCount + fakeCount), 1 / (realCount + fakeCount))
  default: (1 / realCount, 1 / fakeCount)
  }
  let realTarget = mistake == .targetsSwapped ? 0 : 1
  let fakeTarget = mistake == .targetsSwapped || mistake == .fakeTargetSwapped ? 1 : 0
  let gradientFactor = mistake == .gradientSign || mistake == .valueSign ? -1.0 : mistake == .gradientTwice ? 2 : 1
  let realHalf = studentHalf(real, target: realTarget, scale: realScale, gradientFactor: gradientFactor,
                             naive: mistake == .naive)
  let fakeHalf = studentHalf(fake, target: fakeTarget, scale: fakeScale, gradientFactor: gradientFactor,
                             naive: mistake == .naive)
  return ((mistake == .valueSign ? -1 : 1) * (realHalf.value + fakeHalf.value), realHalf.gradient, fakeHalf.gradient)
}

func studentGeneratorLoss(_ fake: Tensor, _ mistake: GANLossMistake = .none) -> (value: Double, fake: Tensor) {
  let scale = mistake == .sum ? 1 : 1 / Double(fake.count)
  let gradientFactor = mistake == .gradientSign || mistake == .valueSign ? -1.0 : mistake == .gradientTwice ? 2 : 1
  switch mistake {
  case .saturating:
    // (1/N) Σ log(1 − σ(l)): the negative of the "fake" term.
    let half = studentHalf(fake, target: 0, scale: scale, gradientFactor: -1, naive: false)
    return (-half.value, half.gradient)
  case .discriminatorTerm:
    let half = studentHalf(fake, target: 0, scale: scale, gradientFactor: 1, naive: false)
    return (half.value, half.gradient)
  default:
    let half = studentHalf(fake, target: 1, scale: scale, gradientFactor: gradientFactor, naive: mistake == .naive)
    return ((mistake == .valueSign ? -1 : 1) * half.value, half.gradient)
  }
}

@Suite struct Exercise06Tests {
  @Test func theLogitsTwinPassesWithTimings() {
    let report = check("06", submission06(discriminator: { real, fake in
      let loss = GANLoss.discriminatorLoss(realLogits: real, fakeLogits: fake)
      return (loss.value, loss.realGradient, loss.fakeGradient)
    }, generator: { fake in
      let loss = GANLoss.generatorLoss(fakeLogits: fake, objective: .nonSaturating)
      return (loss.value, loss.fakeGradient)
    }))
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 12 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && ($0.optimized ?? 0) > 0 } == true)
  }

  /// The reference twin goes through probabilities: right on moderate logits, inf or NaN on large ones.
  @Test func theProbabilitiesTwinFailsAtLargeLogitsWithTheNaiveHint() {
    let report = check("06", submission06(discriminator: { real, fake in
      let loss = GANLoss.discriminatorLossReference(realLogits: real, fakeLogits: fake)
      return (loss.value, loss.realGradient, loss.fakeGradient)
    }))
    #expect(report.cases.map(\.passed) == [true, true, true, false])
    #expect(report.failure?.hint.hasPrefix("your answer is not finite") == true, "\(report)")
  }

  @Test func aStudentsLoopsPass() {
    #expect(check("06", submission06(discriminator: { studentDiscriminatorLoss($0, $1) },
                                     generator: { studentGeneratorLoss($0) })).passed)
  }

  /// With only the discriminator written, its cases pass and the exercise is "not implemented".
  @Test func theDiscriminatorAloneIsNotImplementedYetAfterItsCases() {
    let report = check("06", submission06(discriminator: { studentDiscriminatorLoss($0, $1) }))
    #expect(report.status == .notImplemented)
    #expect(report.cases.count == 6 && report.cases.allSatisfy(\.passed))
  }

  /// Each plausible mistake of the discriminator's loss fails with its own hint.
  @Test(arguments: [
    (GANLossMistake.naive, "your answer is not finite"),
    (.sum, "the loss is a sum, not a mean: divide the real term"),
    (.pooledMean, "the two terms are averaged over N_real + N_fake"),
    (.valueSign, "the sign is wrong: the loss is the negative log-likelihood"),
    (.gradientSign, "the sign is wrong: the loss is the negative log-likelihood"),
    (.fakeTargetSwapped, "the fake term has the real items' target"),
    (.targetsSwapped, "the targets are swapped"),
  ])
  func aDiscriminatorMistakeFailsWithItsHint(mistake: GANLossMistake, hint: String) {
    let report = check("06", submission06(discriminator: { studentDiscriminatorLoss($0, $1, mistake) },
                                          generator: { studentGeneratorLoss($0) }))
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.failure?.caseName.hasPrefix("discriminator") == true)
    #expect(report.timing == nil)
    let text = report.rendered(folder: "06-GANLoss", lesson: "lesson 06")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// Each plausible mistake of the generator's loss fails with its own hint.
  @Test(arguments: [
    (GANLossMistake.naive, "your answer is not finite"),
    (.sum, "the loss is a sum, not a mean: divide by N"),
    (.valueSign, "the sign is wrong: L_G"),
    (.gradientSign, "the sign is wrong: L_G"),
    (.saturating, "this is the saturating generator loss"),
    (.discriminatorTerm, "this is the discriminator's fake term"),
  ])
  func aGeneratorMistakeFailsWithItsHint(mistake: GANLossMistake, hint: String) {
    let report = check("06", submission06(discriminator: { studentDiscriminatorLoss($0, $1) },
                                          generator: { studentGeneratorLoss($0, mistake) }))
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.failure?.caseName.hasPrefix("generator") == true)
    #expect(report.cases.prefix(6).allSatisfy { $0.passed })
  }

  /// A wrong gradient the checker has no name for is caught by the finite-difference check.
  @Test func theFiniteDifferenceCheckCatchesAWrongGradient() throws {
    for (discriminatorMistake, generatorMistake) in [(GANLossMistake.gradientTwice, GANLossMistake.none),
                                                     (.none, .gradientTwice)] {
      let report = check("06", submission06(discriminator: { studentDiscriminatorLoss($0, $1, discriminatorMistake) },
                                            generator: { studentGeneratorLoss($0, generatorMistake) }))
      let failure = try #require(report.failure)
      #expect(failure.message.hasPrefix("finite differences disagree"), "\(failure)")
      #expect(failure.what == (discriminatorMistake == .none ? "dL_G/dl_fake" : "dL_D/dl_real"))
      #expect(failure.hint.hasPrefix("compare with the README's gradients"))
      #expect(failure.index != nil && failure.expected.map { abs(2 * $0 - failure.got!) < 1e-6 } == true)
    }
  }
}
