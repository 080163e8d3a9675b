import Core
import Foundation
import NN

/// Trained weights kept between runs, one safetensors checkpoint per model in a folder
/// (lesson 11: `<out>/cache/lesson11-capstone/`, by default `runs/cache/lesson11-capstone/`). A file is
/// used only when it was trained with exactly the settings this run asks for (the
/// settings are stored in the file); otherwise the model is trained again and the file
/// replaced. A file that cannot be read is reported by name and trained again. Each file
/// also keeps the seconds its training took, so the table can show the training time of
/// a model loaded from the cache.
public struct ModelCache {
  public let folder: String
  /// The lesson whose models these are (the checkpoints' lesson).
  public let lesson: String
  /// `--retrain`: train every model again, whatever the cache holds.
  public let retrain: Bool

  public init(folder: String, lesson: String, retrain: Bool) {
    self.folder = folder
    self.lesson = lesson
    self.retrain = retrain
  }

  /// Makes sure the folder exists and can be written, before hours of training depend on it.
  public func prepare() throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
      guard isFolder.boolValue else { throw CacheError("the weights cache \(folder) is a file, not a folder") }
      guard FileManager.default.isWritableFile(atPath: folder) else {
        throw CacheError("the weights cache folder \(folder) is not writable")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw CacheError("cannot create the weights cache folder \(folder): \((error as NSError).localizedDescription)")
    }
  }

  public func path(_ name: String) -> String { (folder as NSString).appendingPathComponent("\(name).safetensors") }

  /// The cached checkpoint of `name` if it exists and was trained with `settings`; nil otherwise (and why, printed).
  public func load(_ name: String, settings: [String: String]) -> Checkpoint? {
    let file = path(name)
    guard FileManager.default.fileExists(atPath: file) else {
      print("\(name): no cached weights at \(file): training")
      return nil
    }
    if retrain {
      print("\(name): --retrain: training again (replacing \(file))")
      return nil
    }
    let checkpoint: Checkpoint
    do {
      checkpoint = try Checkpoint.read(path: file, lesson: lesson)
    } catch {
      print("\(name): the cached file cannot be used (\(error)): training again")
      return nil
    }
    let differences = settings.keys.sorted().filter { checkpoint.settings[$0] != settings[$0] }
    guard differences.isEmpty else {
      let what = differences.map { "\($0) \(checkpoint.settings[$0] ?? "—") → \(settings[$0]!)" }.joined(separator: ", ")
      print("\(name): the cached weights were trained with other settings (\(what)): training again")
      return nil
    }
    print("\(name): loaded from \(file) (trained in \(Format.duration(checkpoint.trainSeconds)))")
    return checkpoint
  }

  /// Writes `checkpoint` for `name` (atomically, as every checkpoint is written).
  public func store(_ name: String, _ checkpoint: Checkpoint) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try checkpoint.write(to: path(name))
    print("\(name): weights cached in \(path(name))")
  }

  /// The weights of the `keep` models from the cache when they were trained with `settings`;
  /// otherwise `train()` trains them (and returns after its last step), and they are cached
  /// with `settings`, `steps` and the seconds training took. Returns those seconds (the
  /// cached ones when loaded) and whether the weights came from the cache. A cached file that
  /// does not fit the models is named and trained again.
  public func trainOrLoad(_ name: String, settings: [String: String], keep: [(String, any Trainable)],
                          seed: UInt64, steps: Int, train: () throws -> Void) throws -> (seconds: Double, cached: Bool) {
    if let checkpoint = load(name, settings: settings) {
      do {
        for (prefix, model) in keep { try checkpoint.restore(model, as: prefix) }
        return (checkpoint.trainSeconds, true)
      } catch {
        print("\(name): the cached file does not fit the model (\(error)): training again")
      }
    }
    let started = Timing.now()
    try train()
    let seconds = Timing.now() - started
    var checkpoint = Checkpoint(lesson: lesson, seed: seed, step: steps)
    checkpoint.settings = settings
    checkpoint.metadata["train_seconds"] = String(seconds)
    for (prefix, model) in keep { checkpoint.add(model, as: prefix) }
    try store(name, checkpoint)
    print("\(name): trained in \(Format.duration(seconds))")
    return (seconds, false)
  }
}

extension Checkpoint {
  /// The seconds the cached model's training took (0 if the file does not say).
  public var trainSeconds: Double { metadata["train_seconds"].flatMap(Double.init) ?? 0 }
}

/// Why the weights cache cannot be used: its folder is a file, cannot be created or is not writable.
public struct CacheError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ description: String) { self.description = description }
}
