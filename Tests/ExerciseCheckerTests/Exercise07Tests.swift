import DiffusionNoising
@testable import ExerciseChecker
import ExerciseSupport
import Foundation
import Testing

/// A submission where only exercise 07 is written, by `noised`.
func submission07(_ noised: @escaping @Sendable (Tensor, [Int], Tensor, Schedule) throws -> Tensor) -> Submission {
  var submission = Submission.unimplemented
  submission.noised = noised
  return submission
}

/// A student's loop for exercise 07, with one of the mistakes students make switched on
/// (the checker must recognise each one by its hint).
func studentNoised(_ x0: Tensor, timesteps: [Int], noise: Tensor, schedule: Schedule,
                   mistake: Exercise07Tests.Mistake? = nil) -> Tensor {
  let items = x0.shape[0], itemSize = x0.count / x0.shape[0]
  var values = [Float](repeating: 0, count: x0.count)
  for n in 0..<items {
    let t = mistake == .oneTimestep ? timesteps[0] : timesteps[n]
    var signal = schedule.alphaBars[t].squareRoot(), spread = (1 - schedule.alphaBars[t]).squareRoot()
    switch mistake {
    case .beta: (signal, spread) = (schedule.betas[t].squareRoot(), (1 - schedule.betas[t]).squareRoot())
    case .alpha: (signal, spread) = (schedule.alphas[t].squareRoot(), (1 - schedule.alphas[t]).squareRoot())
    case .noSquareRoots: (signal, spread) = (schedule.alphaBars[t], 1 - schedule.alphaBars[t])
    case .noiseVariance: spread = 1 - schedule.alphaBars[t]
    case .oneMinusSquareRoot: spread = 1 - signal
    case .swapped: (signal, spread) = (spread, signal)
    case .offByOne: (signal, spread) = (schedule.alphaBars[t - 1].squareRoot(), (1 - schedule.alphaBars[t - 1]).squareRoot())
    case .oneTimestep, nil: break
    }
    for i in (n * itemSize)..<((n + 1) * itemSize) {
      values[i] = Float(signal) * x0.data[i] + Float(spread) * noise.data[i]
    }
  }
  return Tensor(shape: x0.shape, data: values)
}

@Suite struct Exercise07Tests {
  enum Mistake: String, Sendable {
    case beta, alpha, noSquareRoots, noiseVariance, oneMinusSquareRoot, swapped, offByOne, oneTimestep
  }

  /// The library's schedule with the β's of the student's tables (the checker builds the
  /// tables from one of these three).
  static func librarySchedule(_ tables: Schedule) -> NoiseSchedule {
    let steps = tables.steps
    let candidates: [NoiseSchedule] = [.linear(steps: steps), .cosine(steps: steps)]
      + (steps >= 50 ? [.scaledLinear(steps: steps)] : [])
    return candidates.first { $0.betas == Array(tables.betas.dropFirst()) }!
  }

  @Test func theClosedFormTwinPassesWithTimings() {
    let report = check("07", submission07 { x0, timesteps, noise, tables in
      DiffusionNoising.noised(x0, timesteps: timesteps, noise: noise, schedule: Self.librarySchedule(tables))
    })
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 8 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && ($0.optimized ?? 0) > 0 } == true)
  }

  @Test func aStudentsLoopPasses() {
    let report = check("07", submission07 { studentNoised($0, timesteps: $1, noise: $2, schedule: $3) })
    #expect(report.passed, "\(report)")
  }

  /// The student's tables are the library's schedule: the same ᾱ_t, bit for bit, and the
  /// cases include t = 1, t = T and items at different t.
  @Test func theTablesAreTheLibrarysSchedule() {
    let cases = NoisingCase.all(seed: 0x07)
    for c in cases {
      #expect(Array(c.tables.alphaBars.dropFirst()) == c.schedule.alphaBars, "\(c.name)")
      #expect(Array(c.tables.posteriorVariances.dropFirst()) == c.schedule.posteriorVariances, "\(c.name)")
    }
    #expect(cases.contains { $0.timesteps.contains(1) } && cases.contains { $0.timesteps.contains($0.tables.steps) })
    #expect(cases.contains { $0.x0.rank == 2 } && cases.contains { $0.x0.rank == 4 })
  }

  /// Each plausible mistake fails, on the first case that can show it, with its own hint.
  @Test(arguments: [
    (Mistake.beta, "β vs ᾱ"),
    (.alpha, "α_t instead of ᾱ_t"),
    (.noSquareRoots, "the square roots are missing"),
    (.noiseVariance, "the noise's coefficient is √(1 − ᾱ_t), a standard deviation"),
    (.oneMinusSquareRoot, "the noise's coefficient is √(1 − ᾱ_t), not 1 − √ᾱ_t"),
    (.swapped, "√ᾱ_t and √(1 − ᾱ_t) are swapped"),
    (.offByOne, "off by one in the timestep"),
    (.oneTimestep, "one t for the whole batch"),
  ])
  func aMistakeFailsWithItsHint(mistake: Mistake, hint: String) {
    let report = check("07", submission07 {
      studentNoised($0, timesteps: $1, noise: $2, schedule: $3, mistake: mistake)
    })
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.timing == nil)
    let text = report.rendered(folder: "07-DiffusionNoising", lesson: "lesson 08")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// A wrong answer that is no known mistake gets the general advice and the worst element.
  @Test func anUnknownMistakeGetsTheAdvice() throws {
    let report = check("07", submission07 { x0, timesteps, noise, tables in
      let right = studentNoised(x0, timesteps: timesteps, noise: noise, schedule: tables)
      return Tensor(shape: right.shape, data: right.data.map { $0 + 0.01 })
    })
    let failure = try #require(report.failure)
    #expect(report.cases.map(\.passed) == [false])
    #expect(failure.hint == NoisingCase.advice && failure.index == [0, 0])
  }
}
