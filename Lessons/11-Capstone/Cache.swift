import Foundation
import GenLab

/// Trained weights kept between runs, one safetensors checkpoint per model in
/// `<out>/cache/lesson11-capstone/` (by default `runs/cache/lesson11-capstone/`). A file is
/// used only when it was trained with exactly the settings this run asks for (the
/// settings are stored in the file); otherwise the model is trained again and the file
/// replaced. A file that cannot be read is reported by name and trained again. Each file
/// also keeps the seconds its training took, so the table can show the training time of
/// a model loaded from the cache.
struct ModelCache {
  let folder: String
  /// `--retrain`: train every model again, whatever the cache holds.
  let retrain: Bool

  static let lesson = Lesson11.lessonName

  /// Makes sure the folder exists and can be written, before hours of training depend on it.
  func prepare() throws {
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

  func path(_ name: String) -> String { (folder as NSString).appendingPathComponent("\(name).safetensors") }

  /// The cached checkpoint of `name` if it exists and was trained with `settings`; nil otherwise (and why, printed).
  func load(_ name: String, settings: [String: String]) -> Checkpoint? {
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
      checkpoint = try Checkpoint.read(path: file, lesson: Self.lesson)
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
  func store(_ name: String, _ checkpoint: Checkpoint) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try checkpoint.write(to: path(name))
    print("\(name): weights cached in \(path(name))")
  }

  /// A checkpoint for `name` with its settings and training time, to fill with tensors.
  static func checkpoint(seed: UInt64, steps: Int, settings: [String: String], trainSeconds: Double) -> Checkpoint {
    var checkpoint = Checkpoint(lesson: lesson, seed: seed, step: steps)
    checkpoint.settings = settings
    checkpoint.metadata["train_seconds"] = String(trainSeconds)
    return checkpoint
  }
}

extension Checkpoint {
  /// The seconds the cached model's training took (0 if the file does not say).
  var trainSeconds: Double { metadata["train_seconds"].flatMap(Double.init) ?? 0 }
}

struct CacheError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
