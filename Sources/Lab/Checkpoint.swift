import Core
import Foundation
import NN

/// Everything a training run needs to continue exactly where it stopped, in one
/// safetensors file that Python's `safetensors` library opens unchanged.
///
/// Tensors (all F32):
///
///     <model>.<parameter or buffer>          e.g.  vae.encoder.0.weight, vae.0.running_mean
///     optimizer.<name>.<state>               e.g.  optimizer.adam.m.vae.encoder.0.weight
///
/// `__metadata__` (strings): `format`, `lesson`, `seed`, `step` (optimizer steps
/// done), `epoch`, `setting.<key>` for the settings that shape the run
/// (batch size, architecture, ...), `rng.<name>` (a generator's full state, in
/// hex), `optimizer.<name>.step` and `.lr`, and anything a lesson adds with
/// `metadata`.
///
/// A run that loads a checkpoint written at step k and continues gives the same
/// weights and losses, bit for bit, as one that never stopped: the weights, the
/// optimizer's moments and step count, and every random generator's state are
/// all here, and batches are a function of (seed, epoch).
public struct Checkpoint {
  /// The value of `__metadata__["format"]` that marks a GenLab checkpoint.
  public static let format = "genlab-checkpoint-1"

  public var lesson: String
  public var seed: UInt64
  /// Optimizer steps done so far.
  public var step: Int
  /// Epochs completed so far (for epoch-counting lessons; 0 otherwise).
  public var epoch: Int
  /// Settings that shape the run, by key (`batch_size`, `arch`, ...).
  public var settings: [String: String] = [:]
  /// Further metadata a lesson wants to keep.
  public var metadata: [String: String] = [:]
  /// Where it was read from (nil for one being built); errors name this file.
  public private(set) var path: String?

  /// The run folder the checkpoint was read from (nil for one being built).
  public var folder: String? { path.map { ($0 as NSString).deletingLastPathComponent } }

  private var names: [String] = []
  private var table: [String: Tensor] = [:]
  private var rngStates: [String: String] = [:]
  private var optimizerInfo: [String: (step: Int, learningRate: Float)] = [:]

  /// An empty checkpoint for `lesson` at `step`.
  public init(lesson: String, seed: UInt64, step: Int, epoch: Int = 0) {
    self.lesson = lesson
    self.seed = seed
    self.step = step
    self.epoch = epoch
  }

  /// The tensor names, in the order they are written.
  public var tensorNames: [String] { names }

  /// The tensor called `name`, if present.
  public func tensor(_ name: String) -> Tensor? { table[name] }

  // MARK: Building

  /// Adds a tensor under `name` (replacing one of the same name).
  public mutating func add(_ tensor: Tensor, as name: String) {
    if table[name] == nil { names.append(name) }
    table[name] = tensor
  }

  /// Adds every parameter and buffer of `model` as `<prefix>.<name>`.
  public mutating func add(_ model: any Trainable, as prefix: String) {
    for (name, parameter) in model.parameters { add(parameter.value, as: "\(prefix).\(name)") }
    for (name, buffer) in model.buffers { add(buffer.value, as: "\(prefix).\(name)") }
  }

  /// Adds an optimizer's state tensors as `optimizer.<name>.<state>`, and its step
  /// count and learning rate as metadata.
  public mutating func add(_ optimizer: any Optimizer, as name: String) {
    for (stateName, tensor) in optimizer.state { add(tensor, as: "optimizer.\(name).\(stateName)") }
    optimizerInfo[name] = (optimizer.stepCount, optimizer.learningRate)
  }

  /// Adds a random generator's full state as `rng.<name>`.
  public mutating func add(_ rng: RNG, as name: String) {
    rngStates[name] = Self.encode(rng)
  }

  // MARK: Writing and reading

  /// Writes the checkpoint to `path` atomically (temporary file, fsync, rename):
  /// an interruption leaves the previous file at `path` intact.
  public func write(to path: String) throws {
    var meta = metadata
    meta["format"] = Self.format
    meta["lesson"] = lesson
    meta["seed"] = String(seed)
    meta["step"] = String(step)
    meta["epoch"] = String(epoch)
    for (key, value) in settings { meta["setting.\(key)"] = value }
    for (name, state) in rngStates { meta["rng.\(name)"] = state }
    for (name, info) in optimizerInfo {
      meta["optimizer.\(name).step"] = String(info.step)
      meta["optimizer.\(name).lr"] = String(info.learningRate.bitPattern, radix: 16)
    }
    try SafeTensors.write(names.map { (name: $0, tensor: table[$0]!) }, metadata: meta, to: path)
  }

  /// Reads the checkpoint at `path`, checking that it is a GenLab checkpoint and,
  /// if `lesson` is given, that it was written by that lesson.
  public static func read(path: String, lesson expectedLesson: String? = nil) throws -> Checkpoint {
    let (tensors, meta) = try SafeTensors.read(path: path)
    guard meta["format"] == format else {
      throw CheckpointError.notACheckpoint(
        path: path, reason: meta["format"].map { "its format is '\($0)', not '\(format)'" }
          ?? "it has no GenLab metadata (a plain safetensors file such as samples.safetensors?)")
    }
    func required(_ key: String) throws -> String {
      guard let value = meta[key] else { throw CheckpointError.missingMetadata(path: path, key: key) }
      return value
    }
    func integer(_ key: String) throws -> Int {
      let text = try required(key)
      guard let value = Int(text), value >= 0 else {
        throw CheckpointError.invalidMetadata(path: path, key: key, value: text)
      }
      return value
    }
    let lesson = try required("lesson")
    if let expectedLesson, lesson != expectedLesson {
      throw CheckpointError.wrongLesson(path: path, expected: expectedLesson, found: lesson)
    }
    let seedText = try required("seed")
    guard let seed = UInt64(seedText) else {
      throw CheckpointError.invalidMetadata(path: path, key: "seed", value: seedText)
    }
    var checkpoint = Checkpoint(lesson: lesson, seed: seed, step: try integer("step"), epoch: try integer("epoch"))
    checkpoint.path = path
    checkpoint.names = tensors.keys.sorted()
    checkpoint.table = tensors
    let known: Set<String> = ["format", "lesson", "seed", "step", "epoch"]
    for (key, value) in meta where !known.contains(key) {
      if key.hasPrefix("setting.") {
        checkpoint.settings[String(key.dropFirst("setting.".count))] = value
      } else if key.hasPrefix("rng.") {
        checkpoint.rngStates[String(key.dropFirst("rng.".count))] = value
      } else if key.hasPrefix("optimizer."), key.hasSuffix(".step") || key.hasSuffix(".lr") {
        continue  // read on demand by `restore(_:as:)`, where the name is known
      } else {
        checkpoint.metadata[key] = value
      }
    }
    checkpoint.rawMetadata = meta
    return checkpoint
  }

  private var rawMetadata: [String: String] = [:]

  private var fileName: String { path ?? "checkpoint" }

  // MARK: Restoring

  /// Copies `<prefix>.<name>` into each of `model`'s parameters and buffers.
  /// Every one must be present with the right shape, and the checkpoint must hold
  /// no other `<prefix>.` tensors (that would mean a different architecture).
  public func restore(_ model: any Trainable, as prefix: String) throws {
    var expected = Set<String>()
    for (name, parameter) in model.parameters {
      let key = "\(prefix).\(name)"
      expected.insert(key)
      parameter.value = try lookup(key, shape: parameter.value.shape)
    }
    for (name, buffer) in model.buffers {
      let key = "\(prefix).\(name)"
      expected.insert(key)
      buffer.value = try lookup(key, shape: buffer.value.shape)
    }
    let extra = names.filter { $0.hasPrefix(prefix + ".") && !expected.contains($0) }
    if !extra.isEmpty {
      throw CheckpointError.unexpectedTensors(path: fileName, names: extra)
    }
  }

  /// Restores an optimizer's state, step count and learning rate.
  public func restore(_ optimizer: any Optimizer, as name: String) throws {
    let prefix = "optimizer.\(name)."
    var state: [String: Tensor] = [:]
    for key in names where key.hasPrefix(prefix) {
      state[String(key.dropFirst(prefix.count))] = table[key]
    }
    do {
      try optimizer.loadState(state)
    } catch {
      throw CheckpointError.optimizerState(path: fileName, problem: error.description)
    }
    let stepKey = "optimizer.\(name).step", rateKey = "optimizer.\(name).lr"
    guard let stepText = rawMetadata[stepKey] else {
      throw CheckpointError.missingMetadata(path: fileName, key: stepKey)
    }
    guard let step = Int(stepText), step >= 0 else {
      throw CheckpointError.invalidMetadata(path: fileName, key: stepKey, value: stepText)
    }
    guard let rateText = rawMetadata[rateKey] else {
      throw CheckpointError.missingMetadata(path: fileName, key: rateKey)
    }
    guard let bits = UInt32(rateText, radix: 16) else {
      throw CheckpointError.invalidMetadata(path: fileName, key: rateKey, value: rateText)
    }
    optimizer.stepCount = step
    optimizer.learningRate = Float(bitPattern: bits)
  }

  /// The random generator stored as `rng.<name>`.
  public func rng(_ name: String) throws -> RNG {
    let key = "rng.\(name)"
    guard let text = rngStates[name] else { throw CheckpointError.missingMetadata(path: fileName, key: key) }
    guard let rng = Self.decode(text) else {
      throw CheckpointError.invalidMetadata(path: fileName, key: key, value: text)
    }
    return rng
  }

  private func lookup(_ key: String, shape: [Int]) throws -> Tensor {
    guard let tensor = table[key] else { throw CheckpointError.missingTensor(path: fileName, name: key) }
    guard tensor.shape == shape else {
      throw CheckpointError.shapeMismatch(path: fileName, name: key, expected: shape, found: tensor.shape)
    }
    return tensor
  }

  // MARK: RNG state as text

  /// `s0,s1,s2,s3` in hex, then `,` and the cached second normal's bit pattern (or `-`).
  static func encode(_ rng: RNG) -> String {
    let (a, b, c, d) = rng.state
    let words = [a, b, c, d].map { String($0, radix: 16) }
    let spare = rng.spareNormal.map { String($0.bitPattern, radix: 16) } ?? "-"
    return (words + [spare]).joined(separator: ",")
  }

  static func decode(_ text: String) -> RNG? {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count == 5 else { return nil }
    let words = parts.prefix(4).compactMap { UInt64($0, radix: 16) }
    guard words.count == 4, words != [0, 0, 0, 0] else { return nil }
    var rng = RNG(seed: 0)
    rng.state = (words[0], words[1], words[2], words[3])
    if parts[4] == "-" {
      rng.spareNormal = nil
    } else {
      guard let bits = UInt32(parts[4], radix: 16) else { return nil }
      rng.spareNormal = Float(bitPattern: bits)
    }
    return rng
  }
}

/// Why a checkpoint could not be used; each case names the file.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  case notACheckpoint(path: String, reason: String)
  case wrongLesson(path: String, expected: String, found: String)
  case missingTensor(path: String, name: String)
  case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
  case unexpectedTensors(path: String, names: [String])
  case missingMetadata(path: String, key: String)
  case invalidMetadata(path: String, key: String, value: String)
  case optimizerState(path: String, problem: String)
  case settingMismatch(path: String, flag: String, checkpoint: String, given: String)

  public var description: String {
    switch self {
    case let .notACheckpoint(path, reason):
      return "\(path): not a GenLab checkpoint: \(reason)"
    case let .wrongLesson(path, expected, found):
      return "\(path): this checkpoint was written by \(found), not \(expected)"
    case let .missingTensor(path, name):
      return "\(path): the checkpoint has no tensor \(name) (was it written with another architecture?)"
    case let .shapeMismatch(path, name, expected, found):
      return "\(path): tensor \(name) has shape \(found), the model needs \(expected) (another architecture or size?)"
    case let .unexpectedTensors(path, names):
      let shown = names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", …" : "")
      return "\(path): the checkpoint holds \(names.count) tensor(s) this model does not have (\(shown)): another architecture?"
    case let .missingMetadata(path, key):
      return "\(path): the checkpoint's metadata has no '\(key)'"
    case let .invalidMetadata(path, key, value):
      return "\(path): the checkpoint's metadata '\(key)' has the unreadable value '\(value)'"
    case let .optimizerState(path, problem):
      return "\(path): \(problem)"
    case let .settingMismatch(path, flag, checkpoint, given):
      return "\(path): the checkpoint was made with \(flag) \(checkpoint), this run asks for \(given); "
        + "drop \(flag) to continue with the checkpoint's value"
    }
  }
}
