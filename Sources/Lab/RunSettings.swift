import ArgumentParser
import Foundation

/// The settings of a training run, each declared once — its flag, the key it is stored under
/// in checkpoints, the label the report shows and what a resumed run may do with it — so the
/// three places a setting used to be written (taken from the checkpoint, stored in it, shown
/// in the report) follow from one line:
///
///     var settings = try RunSettings(lesson: "lesson07-dcgan", options: options)   // reads --resume
///     try settings.declare(&objective, flag: "--objective")
///     let steps = try settings.steps(options, default: 3000)
///     let learningRate = try settings.learningRate(options, default: 2e-4, label: "lr (Adam, β₁ 0.5)")
///
/// The rules on `--resume` are the same in every lesson:
/// - a setting that defines the run (`.fixed`: the architecture, the data, the batch size, the
///   learning rate, the seed) is taken from the checkpoint when its flag is not typed, and a
///   typed value that differs is refused with a message naming the flag;
/// - a length (`.atLeast(done)`: `--steps`, `--epochs`) is the checkpoint's unless typed, and
///   may grow (or shrink down to what the checkpoint has done);
/// - a free setting (`--every`) is the checkpoint's unless typed, and may change.
public struct RunSettings {
  /// What a resumed run may do with a setting.
  public enum OnResume: Sendable, Equatable {
    /// It defines the run: a different value is refused.
    case fixed
    /// A length: any value from `done` up (the steps or epochs the checkpoint has done).
    case atLeast(Int)
    /// It may change freely.
    case free
  }

  /// One setting: how it is set, stored and shown.
  public struct Entry: Sendable, Equatable {
    /// The flag that sets it (`--latent`), or nil for a value the data defines.
    public var flag: String?
    /// The checkpoint key (`setting.<key>`), or nil for a value shown but not stored.
    public var key: String?
    /// The report's label, or nil for a value stored but not shown.
    public var label: String?
    /// The value as stored.
    public var value: String
    /// The value as the report shows it.
    public var shown: String
  }

  public let lesson: String
  /// The checkpoint of the run being resumed (`--resume`), nil for a fresh run.
  public let checkpoint: Checkpoint?
  public private(set) var entries: [Entry] = []
  let arguments: [String]

  /// What a lesson's training counts: `--steps` or `--epochs` (the other is refused).
  public enum Length: Sendable { case steps, epochs }

  /// The start of every training lesson: the other length flag refused, the shared options
  /// applied (threads, Ctrl-C; `LessonOptions.apply`), the `--resume` checkpoint read and
  /// `--seed` declared.
  public init(lesson: String, options: inout LessonOptions, counting length: Length,
              arguments: [String] = CommandLine.arguments) throws {
    switch length {
    case .steps: try options.rejectEpochs(lesson: lesson)
    case .epochs: try options.rejectSteps(lesson: lesson)
    }
    options.apply()
    try self.init(lesson: lesson, options: options, arguments: arguments)
    try seed(&options.seed)
  }

  /// Reads the `--resume` checkpoint, if any, and checks that `lesson` wrote it.
  public init(lesson: String, options: LessonOptions, arguments: [String] = CommandLine.arguments) throws {
    self.lesson = lesson
    self.arguments = arguments
    checkpoint = try options.resume.map { try Checkpoint.read(path: $0, lesson: lesson) }
  }

  /// For tests and lessons that resume by other means.
  public init(lesson: String, checkpoint: Checkpoint?, arguments: [String]) {
    self.lesson = lesson
    self.checkpoint = checkpoint
    self.arguments = arguments
  }

  /// The settings as a checkpoint stores them.
  public var stored: [String: String] {
    var stored: [String: String] = [:]
    for entry in entries { if let key = entry.key { stored[key] = entry.value } }
    return stored
  }

  /// The settings as the report shows them, in the order declared.
  public var table: [(key: String, value: String)] {
    entries.compactMap { entry in entry.label.map { ($0, entry.shown) } }
  }

  /// The key a flag is stored under: `--batch-size` → `batch_size`.
  public static func key(of flag: String) -> String {
    String(flag.drop { $0 == "-" }).replacingOccurrences(of: "-", with: "_")
  }

  // MARK: Declaring

  /// A lesson's own flag, whose default is the property's: on a resumed run the checkpoint's
  /// value replaces it unless the flag was typed (see the type's rules).
  public mutating func declare<T: LosslessStringConvertible>(
    _ value: inout T, flag: String, key: String? = nil, label: String? = nil,
    onResume: OnResume = .fixed, shown: ((T) -> String)? = nil) throws {
    let key = key ?? Self.key(of: flag)
    value = try resolve(typed: isTyped(flag) ? value : nil, current: value, flag: flag, key: key, onResume: onResume)
    add(flag: flag, key: key, label: label ?? String(flag.dropFirst(2)), value: String(describing: value),
        shown: shown?(value) ?? String(describing: value))
  }

  /// `declare` for a flag whose values are an enumeration's raw strings (`--arch mlp`).
  public mutating func declare<T: RawRepresentable>(
    _ value: inout T, flag: String, key: String? = nil, label: String? = nil,
    onResume: OnResume = .fixed, shown: ((T) -> String)? = nil) throws where T.RawValue == String {
    var raw = value.rawValue
    let key = key ?? Self.key(of: flag)
    raw = try resolve(typed: isTyped(flag) ? raw : nil, current: raw, flag: flag, key: key, onResume: onResume)
    guard let parsed = T(rawValue: raw) else {
      throw CheckpointError.invalidMetadata(path: checkpointName, key: "setting.\(key)", value: raw)
    }
    value = parsed
    add(flag: flag, key: key, label: label ?? String(flag.dropFirst(2)), value: raw, shown: shown?(value) ?? raw)
  }

  /// A shared training flag (`options.steps`, `options.lr`, …, nil when not typed): the typed
  /// value, else the checkpoint's, else `default`.
  public mutating func value<T: LosslessStringConvertible>(
    _ given: T?, flag: String, key: String? = nil, label: String? = nil, default value: T,
    onResume: OnResume = .fixed, shown: ((T) -> String)? = nil) throws -> T {
    let key = key ?? Self.key(of: flag)
    let resolved = try resolve(typed: given, current: value, flag: flag, key: key, onResume: onResume)
    add(flag: flag, key: key, label: label ?? String(flag.dropFirst(2)), value: String(describing: resolved),
        shown: shown?(resolved) ?? String(describing: resolved))
    return resolved
  }

  /// A value the data or another flag defines (the vocabulary of a word list, say): stored, and
  /// on a resumed run it must equal the checkpoint's, else the run is refused naming `flag`.
  public mutating func require(_ key: String, equals value: String, flag: String) throws {
    if let checkpoint, let stored = checkpoint.settings[key], stored != value {
      throw CheckpointError.settingMismatch(path: checkpointName, flag: flag, checkpoint: stored, given: value)
    }
    add(flag: nil, key: key, label: nil, value: value, shown: value)
  }

  /// A row of the report's settings that is not stored (threads, say).
  public mutating func show(_ label: String, _ shown: String) {
    add(flag: nil, key: nil, label: label, value: shown, shown: shown)
  }

  // MARK: The shared training flags

  /// `--seed`: it defines the run.
  public mutating func seed(_ seed: inout UInt64) throws {
    try declare(&seed, flag: "--seed")
  }

  /// `--steps`: the checkpoint's unless typed; may grow (not below the steps done).
  public mutating func steps(_ options: LessonOptions, default value: Int) throws -> Int {
    try self.value(options.steps, flag: "--steps", default: value, onResume: .atLeast(checkpoint?.step ?? 0))
  }

  /// `--epochs`, with `done` the epochs the checkpoint has done (may grow, not below them).
  public mutating func epochs(_ options: LessonOptions, default value: Int, done: Int? = nil,
                              label: String = "epochs") throws -> Int {
    try self.value(options.epochs, flag: "--epochs", label: label, default: value,
                   onResume: .atLeast(done ?? checkpoint?.epoch ?? 0))
  }

  /// `--batch-size`: it defines the run.
  public mutating func batchSize(_ options: LessonOptions, default value: Int, unit: String? = nil) throws -> Int {
    try self.value(options.batchSize, flag: "--batch-size", default: value,
                   shown: { count in unit.map { "\(count) \($0)" } ?? String(count) })
  }

  /// `--lr`: it defines the run (a resumed optimizer keeps its own rate, so another one typed
  /// would be shown in the report but not used).
  public mutating func learningRate(_ options: LessonOptions, default value: Float, label: String = "lr") throws -> Float {
    try self.value(options.lr, flag: "--lr", key: "lr", label: label, default: value)
  }

  /// `--every`: snapshots and checkpoints every n steps (or epochs); may change on resume.
  public mutating func every(_ options: LessonOptions, default value: Int, unit: String = "steps") throws -> Int {
    try self.value(options.every, flag: "--every", default: value, onResume: .free, shown: { "\($0) \(unit)" })
  }

  // MARK: The rules

  /// Whether `flag` was typed on the command line.
  public func isTyped(_ flag: String) -> Bool { LessonOptions.isGiven(flag, arguments: arguments) }

  private var checkpointName: String { checkpoint?.path ?? "checkpoint" }

  private func resolve<T: LosslessStringConvertible>(typed: T?, current: T, flag: String, key: String,
                                                    onResume: OnResume) throws -> T {
    guard let checkpoint, let stored = checkpoint.settings[key] else { return typed ?? current }
    guard let typed else {
      guard let parsed = T(stored) else {
        throw CheckpointError.invalidMetadata(path: checkpointName, key: "setting.\(key)", value: stored)
      }
      return parsed
    }
    let given = String(describing: typed)
    switch onResume {
    case .fixed where given != stored:
      throw CheckpointError.settingMismatch(path: checkpointName, flag: flag, checkpoint: stored, given: given)
    case let .atLeast(done):
      if let count = Int(given), count < done {
        throw ValidationError("\(flag) \(count) is less than the \(done) the checkpoint \(checkpointName) has done")
      }
    default: break
    }
    return typed
  }

  private mutating func add(flag: String?, key: String?, label: String?, value: String, shown: String) {
    precondition(!entries.contains { $0.key != nil && $0.key == key }, "RunSettings: the key \(key ?? "") is declared twice")
    entries.append(Entry(flag: flag, key: key, label: label, value: value, shown: shown))
  }
}
