import Foundation

/// Where one lesson run leaves its pictures: `runs/<lesson>/<timestamp>/`.
///
/// The timestamp is local time to the second (`2026-11-25_18-30-05`); a second run
/// in the same second gets `-2`, `-3`, … so nothing is ever overwritten.
public struct RunFolder: Sendable {
  /// The run's folder, e.g. `runs/lesson01-images/2026-11-25_18-30-05`.
  public let path: String
  /// The lesson's name, e.g. `lesson01-images`.
  public let lesson: String

  /// Creates a fresh folder for a run of `lesson` under `root` (default `runs`).
  public static func create(lesson: String, root: String = "runs", date: Date = Date()) throws -> RunFolder {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd_HH-mm-ss"
    let stamp = formatter.string(from: date)
    let parent = (root as NSString).appendingPathComponent(lesson)
    let manager = FileManager.default
    // A file where a folder of the path should be: say which (Foundation's message is a code).
    var prefix = ""
    for component in (parent as NSString).pathComponents {
      prefix = prefix.isEmpty ? component : (prefix as NSString).appendingPathComponent(component)
      var isFolder: ObjCBool = false
      if manager.fileExists(atPath: prefix, isDirectory: &isFolder), !isFolder.boolValue {
        throw LabError.cannotCreateFolder(path: parent, reason: "\(prefix) is a file, not a folder")
      }
    }
    do {
      try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
    } catch {
      throw LabError.cannotCreateFolder(path: parent, reason: Self.reason(error))
    }
    for attempt in 1...1000 {
      let name = attempt == 1 ? stamp : "\(stamp)-\(attempt)"
      let path = (parent as NSString).appendingPathComponent(name)
      // mkdir fails if the folder exists: the atomic way to claim a fresh name.
      if mkdir(path, 0o755) == 0 { return RunFolder(path: path, lesson: lesson) }
      let code = errno
      if code != EEXIST {
        throw LabError.cannotCreateFolder(path: path, reason: String(cString: strerror(code)))
      }
    }
    throw LabError.cannotCreateFolder(path: parent, reason: "1000 runs already started in the second \(stamp)")
  }

  /// The path of a file inside the run folder.
  public func file(_ name: String) -> String {
    (path as NSString).appendingPathComponent(name)
  }

  static func reason(_ error: Error) -> String {
    (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
  }
}

/// Errors of the lesson machinery: each names the path or value at fault.
public enum LabError: Error, CustomStringConvertible, Equatable {
  case cannotCreateFolder(path: String, reason: String)
  /// Training produced a NaN or an infinity: `origin` says where it appeared first
  /// (a parameter's gradient or weights, or the loss itself — see `TrainingGuard`).
  case nonFiniteLoss(step: Int, name: String, value: Float, origin: String)
  case cannotCopyFile(from: String, to: String, reason: String)

  public var description: String {
    switch self {
    case let .cannotCreateFolder(path, reason):
      return "cannot create the run folder \(path): \(reason) (choose another place with --out DIR)"
    case let .cannotCopyFile(from, to, reason):
      return "cannot copy \(from) to \(to): \(reason)"
    case let .nonFiniteLoss(step, name, value, origin):
      return "training stopped at step \(step): \(name) is \(value); the first non-finite number is in \(origin). "
        + "Usual causes: a learning rate that is too high (try --lr ten times smaller) or the log of zero (add a "
        + "small ε or use the logits form). The checkpoint of the last good step is kept."
    }
  }
}
