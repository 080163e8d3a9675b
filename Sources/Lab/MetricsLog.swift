#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Core
import Foundation

/// A run's metrics as JSON Lines: `<run>/metrics.jsonl`, one object per line,
///
///     {"step":120,"epoch":3,"wall_time":4.25,"loss":0.3172,"nll":null}
///
/// `step` always, `epoch` only when given, `wall_time` in seconds since the run began,
/// then the named values in the order given. Numbers are Swift's shortest round-trip
/// form (`0.1`, `1e-05`, `3.0`), the same on every machine and in every locale.
/// JSON has no NaN or infinity, so a NaN or ±∞ value is written as `null`
/// (pandas reads it back as NaN). The file is opened once, in append mode, and each
/// line is flushed as soon as it is written, so a crash loses at most the line being written.
public final class MetricsLog {
  /// The names the line itself uses; a value cannot take them.
  public static let reservedNames: Set<String> = ["step", "epoch", "wall_time"]

  /// The file written, e.g. `runs/lesson01-images/2026-11-25_18-30-05/metrics.jsonl`.
  public let path: String
  private let start: Date
  private var file: UnsafeMutablePointer<FILE>?

  /// Opens `<run>/metrics.jsonl`; `start` is when the run began (wall times count from it).
  public convenience init(run: RunFolder, start: Date = Date()) throws(RunReportError) {
    try self.init(path: run.file("metrics.jsonl"), start: start)
  }

  /// Opens `path` for appending.
  public init(path: String, start: Date = Date()) throws(RunReportError) {
    self.path = path
    self.start = start
    guard let file = fopen(path, "a") else {
      throw .cannotWrite(path: path, reason: Files.systemReason(errno))
    }
    self.file = file
  }

  deinit { close() }

  /// Appends one line: `step`, `epoch` (if any), the wall time (`now` − start), then `values`.
  public func log(step: Int, epoch: Int? = nil, _ values: KeyValuePairs<String, Double>,
                  now: Date = Date()) throws(RunReportError) {
    guard let file else { throw .cannotWrite(path: path, reason: "the log was closed") }
    let line = Self.line(step: step, epoch: epoch, wallTime: now.timeIntervalSince(start), values) + "\n"
    let bytes = Array(line.utf8)
    let written = fwrite(bytes, 1, bytes.count, file)
    if written != bytes.count || fflush(file) != 0 {
      throw .cannotWrite(path: path, reason: Files.systemReason(errno))
    }
  }

  /// Closes the file (idempotent); later `log` calls throw.
  /// One line of a metrics log read back: its step, its numeric fields (null → NaN),
  /// and the line itself.
  public struct Entry: Sendable {
    public var step: Int
    public var values: [String: Double]
    public var line: String
  }

  /// Reads the metrics log at `path` (for a resumed run, which carries the earlier
  /// run's lines over). Lines that are not JSON objects with a `step` are an error
  /// naming the file and the line number.
  public static func read(path: String) throws -> [Entry] {
    let text: String
    do {
      text = String(decoding: try Files.read(path), as: UTF8.self)
    } catch let .cannotRead(reason), let .cannotWrite(reason) {
      throw RunReportError.cannotRead(path: path, reason: reason)
    }
    var entries: [Entry] = []
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let step = (object["step"] as? NSNumber)?.intValue else {
        throw RunReportError.cannotRead(path: path, reason: "line \(number + 1) is not a metrics record with a step")
      }
      var values: [String: Double] = [:]
      for (key, value) in object {
        if let number = value as? NSNumber { values[key] = number.doubleValue }
        else if value is NSNull { values[key] = .nan }
      }
      entries.append(Entry(step: step, values: values, line: String(line)))
    }
    return entries
  }

  /// For a resumed run: appends the lines of the earlier run's `metrics.jsonl` (beside
  /// the checkpoint) up to and including the checkpoint's step, and returns them so the
  /// lesson can rebuild its curves. No earlier log: a note, and nothing.
  @discardableResult
  public func carryOver(from checkpoint: Checkpoint) throws -> [Entry] {
    guard let folder = checkpoint.folder,
          case let path = (folder as NSString).appendingPathComponent("metrics.jsonl"),
          FileManager.default.fileExists(atPath: path) else {
      print("(no metrics.jsonl beside the checkpoint: the curves start where the run resumes)")
      return []
    }
    let entries = try Self.read(path: path).filter { $0.step <= checkpoint.step }
    try append(entries)
    return entries
  }

  /// Appends lines read from an earlier log unchanged (a resumed run's history).
  public func append(_ entries: [Entry]) throws(RunReportError) {
    guard let file else { throw .cannotWrite(path: path, reason: "the log was closed") }
    for entry in entries {
      let bytes = Array((entry.line + "\n").utf8)
      if fwrite(bytes, 1, bytes.count, file) != bytes.count {
        throw .cannotWrite(path: path, reason: Files.systemReason(errno))
      }
    }
    if fflush(file) != 0 { throw .cannotWrite(path: path, reason: Files.systemReason(errno)) }
  }

  public func close() {
    if let file { fclose(file) }
    file = nil
  }

  /// One JSON object, without the newline.
  static func line(step: Int, epoch: Int?, wallTime: Double, _ values: KeyValuePairs<String, Double>) -> String {
    var fields = ["\"step\":\(step)"]
    if let epoch { fields.append("\"epoch\":\(epoch)") }
    fields.append("\"wall_time\":\(number(wallTime))")
    for (name, value) in values {
      precondition(!reservedNames.contains(name), "MetricsLog: '\(name)' is reserved for the line itself; choose another name")
      fields.append("\(JSONText.string(name)):\(number(value))")
    }
    return "{" + fields.joined(separator: ",") + "}"
  }

  /// A JSON number in Swift's shortest round-trip form, or `null` for NaN and ±∞.
  public static func number(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
  }
}
