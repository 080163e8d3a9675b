import Foundation

/// How an exercise came out.
public enum ExerciseStatus: String, Codable, Sendable {
  case passed
  case failed
  case notImplemented = "not implemented"
  /// The student's code stopped the program (index out of range, overflow, …).
  case crashed
  case timedOut = "timed out"
}

/// One case: a named input (its shapes and settings) and whether the answer matched.
public struct CaseResult: Codable, Sendable, Equatable {
  public var name: String
  public var passed: Bool
}

/// The first failure of an exercise: where the answer is wrong and what is probably behind it.
public struct Failure: Codable, Sendable, Equatable {
  /// The case (its shapes and settings).
  public var caseName: String
  /// Which output: "y", "dx", "dW", "loss", …
  public var what: String
  /// The sentence that says what is wrong, e.g. "shape [2, 4, 3, 3], expected [2, 4, 4, 4]".
  public var message: String
  /// The output's shape (what it should be), the worst element's index and both values, when shapes agree.
  public var shape: [Int]?
  public var index: [Int]?
  public var expected: Float?
  public var got: Float?
  /// The common mistake that gives this answer, or general advice.
  public var hint: String
}

/// Seconds for one call on the timing case: the student's code, the reference twin, the optimized twin.
public struct Timing: Codable, Sendable, Equatable {
  public var caseName: String
  public var yours: Double
  public var reference: Double
  public var optimized: Double?
}

/// Everything the checker says about one exercise (also what `--json` writes).
public struct ExerciseReport: Codable, Sendable, Equatable {
  public var id: String
  public var title: String
  public var status: ExerciseStatus
  public var cases: [CaseResult] = []
  public var failure: Failure?
  public var timing: Timing?
  /// For "not implemented", "crashed", "timed out": what happened, in a sentence.
  public var note: String?

  public init(id: String, title: String, status: ExerciseStatus) {
    self.id = id
    self.title = title
    self.status = status
  }

  public var passed: Bool { status == .passed }
}

extension ExerciseReport {
  /// The console text: the cases with ✔/✘, the first failure with its hint, or the timings.
  public func rendered(folder: String, lesson: String) -> String {
    var lines = ["\(id) \(title) (\(lesson)) — Exercises/\(folder)"]
    for item in cases { lines.append("  \(item.passed ? "✔" : "✘") \(item.name)") }
    switch status {
    case .notImplemented:
      lines.append("  … not implemented yet: the stub in Exercises/\(folder) still throws NotImplemented. "
                   + "Write the function, then run the checker again.")
    case .crashed, .timedOut:
      lines.append("  ✘ \(status.rawValue): \(note ?? "")")
    case .failed:
      if let failure {
        let what = failure.index != nil && failure.shape != nil
          ? "\(failure.what) (shape \(failure.shape!))" : failure.what
        lines.append("  first failure, case \(failure.caseName), \(what): \(failure.message)")
        if let index = failure.index, let expected = failure.expected, let got = failure.got {
          lines.append("    worst element at \(index): expected \(expected), got \(got)")
        }
        lines.append("  hint: \(failure.hint)")
      }
      if let note { lines.append("  \(note)") }
    case .passed:
      lines.append("  passed: \(cases.count) case\(cases.count == 1 ? "" : "s")")
      if let timing {
        var line = "  time on \(timing.caseName): yours \(Self.duration(timing.yours)) · reference twin "
          + Self.duration(timing.reference)
        if let optimized = timing.optimized { line += " · optimized twin \(Self.duration(optimized))" }
        lines.append(line)
      }
    }
    return lines.joined(separator: "\n")
  }

  static func duration(_ seconds: Double) -> String {
    if seconds < 1e-3 { return String(format: "%.1f µs", seconds * 1e6) }
    if seconds < 1 { return String(format: "%.2f ms", seconds * 1e3) }
    return String(format: "%.2f s", seconds)
  }
}
