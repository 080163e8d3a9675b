import Core
import Foundation
@testable import Lab
import NN
import Testing

/// Weights kept between runs: used only with the settings they were trained with, trained
/// again (and replaced) otherwise, and a damaged file costs one training, not the run.
@Suite struct ModelCacheTests {
  func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("genlab-cache-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  func model(seed: UInt64) -> Sequential {
    var rng = RNG(seed: seed)
    return Sequential(Linear(inputSize: 3, outputSize: 2, rng: &rng))
  }

  /// Loads or "trains" (sets every weight to `value`) a model under `settings`; returns what
  /// the model holds after, whether it came from the cache, and how often `train` ran.
  func run(_ cache: ModelCache, settings: [String: String], value: Float) throws -> (weights: [Float], cached: Bool, trained: Int) {
    let network = model(seed: 1)
    var trained = 0
    let result = try cache.trainOrLoad("net", settings: settings, keep: [("net", network)], seed: 0, steps: 5) {
      trained += 1
      for (_, parameter) in network.parameters { parameter.value = parameter.value.map { _ in value } }
    }
    return (network.parameters[0].parameter.value.data, result.cached, trained)
  }

  @Test func weightsAreReusedOnlyWithTheSettingsTheyWereTrainedWith() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let cache = ModelCache(folder: folder + "/cache", lesson: "tiny", retrain: false)
    try cache.prepare()
    let first = try run(cache, settings: ["steps": "5"], value: 2)
    #expect(!first.cached && first.trained == 1 && first.weights.allSatisfy { $0 == 2 })
    let again = try run(cache, settings: ["steps": "5"], value: 3)
    #expect(again.cached && again.trained == 0 && again.weights.allSatisfy { $0 == 2 })
    let changed = try run(cache, settings: ["steps": "6"], value: 4)
    #expect(!changed.cached && changed.trained == 1 && changed.weights.allSatisfy { $0 == 4 })
    #expect(try Checkpoint.read(path: cache.path("net")).settings == ["steps": "6"])
    let forced = try run(ModelCache(folder: cache.folder, lesson: "tiny", retrain: true), settings: ["steps": "6"], value: 5)
    #expect(!forced.cached && forced.weights.allSatisfy { $0 == 5 })
  }

  @Test func aDamagedFileIsTrainedAgainAndReplaced() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let cache = ModelCache(folder: folder, lesson: "tiny", retrain: false)
    _ = try run(cache, settings: [:], value: 2)
    let bytes = try Files.read(cache.path("net"))
    try Files.writeAtomically(Array(bytes.prefix(40)), to: cache.path("net"))
    let after = try run(cache, settings: [:], value: 7)
    #expect(!after.cached && after.weights.allSatisfy { $0 == 7 })
    #expect(try run(cache, settings: [:], value: 8).cached)
  }

  @Test func aCacheFolderThatIsAFileIsNamed() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let file = folder + "/not-a-folder"
    try Files.writeAtomically([1, 2, 3], to: file)
    #expect(throws: CacheError("the weights cache \(file) is a file, not a folder")) {
      try ModelCache(folder: file, lesson: "tiny", retrain: false).prepare()
    }
  }
}
