import ArgumentParser
import ExerciseSupport
import Foundation

/// The checker's flags: `genlab-check 01`, `genlab-check 01 03`, `genlab-check --all`.
public struct CheckOptions: ParsableArguments {
  @Argument(help: "Exercises to check: numbers (01, 3) or folder names (01-NaiveConvolution).")
  public var exercises: [String] = []

  @Flag(help: "Check every exercise.")
  public var all = false

  @Option(help: ArgumentHelp("Also write the results as JSON to this file (for collecting a class's results).",
                             valueName: "file"))
  public var json: String?

  @Option(parsing: .unconditional, help: "Seconds an exercise may take before it is stopped (an endless loop).")
  public var timeout: Double = 300

  @Flag(help: "Run the student's code inside the checker's process (faster to debug; a crash then stops the checker).")
  public var inProcess = false

  @Option(help: .hidden)
  public var child: String?

  public init() {}

  public mutating func validate() throws {
    if child != nil { return }
    if all && !exercises.isEmpty { throw ValidationError("give exercise numbers or --all, not both") }
    if !all && exercises.isEmpty {
      throw ValidationError("name an exercise (e.g. `genlab-check 01`) or use --all; the exercises are:\n"
                            + Catalog.all.map { "  \($0.id)  \($0.title) (\($0.lesson))" }.joined(separator: "\n"))
    }
    for name in exercises where Catalog.find(name) == nil {
      throw ValidationError("no exercise '\(name)'; the exercises are "
                            + Catalog.all.map(\.id).joined(separator: ", ") + " (or their folder names)")
    }
    if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
    if let json {
      // Checked before the exercises run, so a long run does not fail at its very end.
      let folder = (json as NSString).deletingLastPathComponent
      var isFolder: ObjCBool = false
      if !FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isFolder) || !isFolder.boolValue {
        throw ValidationError("--json \(json): the folder '\(folder)' does not exist (create it first)")
      }
    }
  }
}

/// The command around the flags, so usage and errors say `genlab-check`.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "genlab-check",
    abstract: "Grades the exercise functions against GenLab's reference twins.",
    discussion: "Each exercise runs in a child process, so a crash in the code under test is reported, not fatal. "
      + "Exit status 0 when every checked exercise passed, 1 otherwise.")
  @OptionGroup var options: CheckOptions
}

/// The whole program behind `genlab-check` (the student's functions) and
/// `genlab-check-solutions` (the teacher's): parse the flags, check each exercise in a
/// child process (so a crash in the student's code is reported, not fatal), print, write
/// JSON, exit 0 only when every checked exercise passed.
public func runChecker(submission: Submission, tool: String, arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
  let options: CheckOptions
  do {
    options = try CheckCommand.parse(arguments).options
  } catch {
    CheckCommand.exit(withError: error)
  }
  if let id = options.child, let exercise = Catalog.find(id) {
    // The child: run one exercise, announce each case, print the report as one line.
    let report = Checker.run(exercise, submission: submission) { name in
      print(ChildProtocol.casePrefix + name)
      fflush(stdout)
    }
    print(ChildProtocol.reportPrefix + ChildProtocol.encode(report))
    fflush(stdout)
    exit(0)
  }
  let selected = options.all ? Catalog.all : options.exercises.compactMap(Catalog.find)
  var reports: [ExerciseReport] = []
  for exercise in selected {
    let report = options.inProcess
      ? Checker.run(exercise, submission: submission)
      : ChildProtocol.runInChild(exercise, timeout: options.timeout)
    print(report.rendered(folder: exercise.folder, lesson: exercise.lesson))
    print("")
    fflush(stdout)
    reports.append(report)
  }
  let passed = reports.filter(\.passed).count
  print("\(tool): \(passed) of \(reports.count) exercise\(reports.count == 1 ? "" : "s") passed"
        + (reports.count > passed ? " (" + reports.filter { !$0.passed }.map { "\($0.id) \($0.status.rawValue)" }
          .joined(separator: ", ") + ")" : ""))
  if let path = options.json {
    do {
      try ChildProtocol.writeJSON(reports, tool: tool, to: path)
      print("results written to \(path)")
    } catch {
      FileHandle.standardError.write(Data("\(tool): cannot write the results to \(path): \(error)\n".utf8))
      exit(2)
    }
  }
  exit(passed == reports.count ? 0 : 1)
}

/// How the checker talks to the child process that runs the student's code.
enum ChildProtocol {
  static let casePrefix = "@@genlab-check case "
  static let reportPrefix = "@@genlab-check report "

  static func encode(_ report: ExerciseReport) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self)
  }

  /// Runs `genlab-check --child ID` (this same executable) and reads its report. The
  /// student's own prints pass through; a crash or a timeout becomes the report.
  static func runInChild(_ exercise: Exercise, timeout: Double) -> ExerciseReport {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = ["--child", exercise.id]
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    var report = ExerciseReport(id: exercise.id, title: exercise.title, status: .crashed)
    do {
      try process.run()
    } catch {
      report.note = "could not start the checker's child process: \(error)"
      return report
    }
    // Read the child's output and errors on other threads while this one watches the clock.
    let lines = LineCollector(output.fileHandleForReading), errorLines = LineCollector(errors.fileHandleForReading)
    let start = Date()
    var timedOut = false
    while process.isRunning {
      if Date().timeIntervalSince(start) > timeout {
        timedOut = true
        process.terminate()
        usleep(200_000)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        break
      }
      usleep(20_000)
    }
    process.waitUntilExit()
    lines.waitUntilFinished()
    errorLines.waitUntilFinished()
    var lastCase: String?
    var cases: [String] = []
    for line in lines.all {
      if line.hasPrefix(reportPrefix) {
        if let decoded = try? JSONDecoder().decode(ExerciseReport.self, from: Data(line.dropFirst(reportPrefix.count).utf8)) {
          forward(errorLines.all)   // what the code under test wrote to stderr
          return decoded
        }
      } else if line.hasPrefix(casePrefix) {
        lastCase = String(line.dropFirst(casePrefix.count))
        cases.append(lastCase!)
      } else {
        print(line)   // the student's own output
      }
    }
    report.cases = cases.dropLast().map { CaseResult(name: $0, passed: true) }
      + (lastCase.map { [CaseResult(name: $0, passed: false)] } ?? [])
    let during = lastCase.map { " during case \($0)" } ?? ""
    if timedOut {
      report.status = .timedOut
      report.note = "stopped after \(Int(timeout)) s\(during): an endless loop? (--timeout changes the limit)"
    } else {
      let how = process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)"
        : "exit status \(process.terminationStatus)"
      let (message, place) = crashSummary(errorLines.all)
      report.note = "your code stopped the program (\(how))\(during)"
        + (message.map { ": \($0)" } ?? "") + (place.map { ", at \($0)" } ?? "") + ". "
        + "Swift stops on an index out of range, an integer overflow or a force-unwrapped nil: check your index "
        + "arithmetic against the shapes. `--in-process` runs the code without a child process (for a debugger); "
        + "the full crash report is printed with GENLAB_CHECK_VERBOSE=1."
      if ProcessInfo.processInfo.environment["GENLAB_CHECK_VERBOSE"] == "1" {
        FileHandle.standardError.write(Data((errorLines.all.joined(separator: "\n") + "\n").utf8))
      }
    }
    if report.status == .timedOut { forward(errorLines.all) }
    return report
  }

  static func forward(_ lines: [String]) {
    for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
  }

  /// From a Swift crash report: the "Fatal error: …" message and the first frame in the
  /// student's files (`Exercises/…swift:line`).
  static func crashSummary(_ lines: [String]) -> (message: String?, place: String?) {
    let message = lines.first { $0.contains("Fatal error") }.map { line -> String in
      let text = line.components(separatedBy: "Fatal error: ").last ?? line
      return text.trimmingCharacters(in: .whitespaces)
    }
    let place = lines.lazy.compactMap { line -> String? in
      guard let range = line.range(of: "/Exercises/") ?? line.range(of: "Exercises/") else { return nil }
      let tail = line[range.lowerBound...].drop { $0 == "/" }
      return String(tail.prefix { $0 != " " })
    }.first
    return (message, place)
  }

  static func writeJSON(_ reports: [ExerciseReport], tool: String, to path: String) throws {
    struct Results: Encodable {
      var tool: String
      var date: String
      var user: String?
      var passed: Int
      var exercises: [ExerciseReport]
    }
    let formatter = ISO8601DateFormatter()
    let results = Results(tool: tool, date: formatter.string(from: Date()),
                          user: ProcessInfo.processInfo.environment["USER"],
                          passed: reports.filter(\.passed).count, exercises: reports)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try Files.writeAtomically(Array(try encoder.encode(results)), to: path)
  }
}

/// Bytes from a pipe, read to its end on a thread of their own and split into lines.
final class LineCollector: @unchecked Sendable {
  private let lock = NSCondition()
  private var buffer = Data()
  private var done = false

  init(_ handle: FileHandle) {
    Thread { [self] in
      while true {
        let data = handle.availableData
        if data.isEmpty { break }
        append(data)
      }
      finish()
    }.start()
  }

  func append(_ data: Data) {
    lock.lock()
    buffer.append(data)
    lock.unlock()
  }

  func finish() {
    lock.lock()
    done = true
    lock.broadcast()
    lock.unlock()
  }

  func waitUntilFinished() {
    lock.lock()
    while !done { lock.wait() }
    lock.unlock()
  }

  var all: [String] {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      .filter { !$0.isEmpty }
  }
}
