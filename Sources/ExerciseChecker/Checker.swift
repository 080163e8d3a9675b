import ExerciseSupport
import Foundation

/// The exercises in the order of the lessons. Each is defined in its own file,
/// `Exercise01.swift` … `Exercise09.swift`: its cases, the twins it is compared with, and
/// the common mistakes it recognises.
public enum Catalog {
  public static let all: [Exercise] = [naiveConvolution, im2col, convolutionBackward, transposedConvolution,
                                       reparameterization, ganLoss, diffusionNoising, ddpmStep, cachedAttention]

  /// The exercise called `name`: its number ("1", "01") or its folder ("01-NaiveConvolution").
  public static func find(_ name: String) -> Exercise? {
    all.first { $0.id == name || $0.folder == name || Int($0.id) == Int(name) }
  }
}

/// Thrown by an exercise whose checker is not written yet.
struct CheckerNotWritten: Error {}

public enum Checker {
  /// Runs one exercise in this process and says how it went. A stub that throws
  /// `NotImplemented` gives "not implemented"; any other error the student's code throws
  /// is a failure that names it.
  public static func run(_ exercise: Exercise, submission: Submission,
                         onCaseStart: @escaping (String) -> Void = { _ in }) -> ExerciseReport {
    var grader = Grader(onCaseStart: onCaseStart)
    var report = ExerciseReport(id: exercise.id, title: exercise.title, status: .passed)
    do {
      try exercise.check(submission, &grader)
      report.status = grader.failed ? .failed : .passed
    } catch is NotImplemented {
      report.status = .notImplemented
      report.note = "the stub still throws NotImplemented"
    } catch is CheckerNotWritten {
      report.status = .failed
      report.note = "the checker for this exercise is not written yet"
    } catch {
      report.status = .failed
      report.note = "your code threw \(error)"
    }
    report.cases = grader.cases
    report.failure = grader.failure
    report.timing = report.status == .passed ? grader.timing : nil
    return report
  }
}
