import Datasets
import Foundation
import ImageIO
import Lab
import TestSupport
import Testing

/// The fuzzers' seeds (Fuzz/Corpus), every truncation of each, and any input a fuzzer once
/// crashed a reader with (Fuzz/Regressions): each reader must return a value or throw —
/// a crash here fails the whole test run. The seeds themselves are valid files and must read.
@Suite struct FuzzCorpusTests {
  static func files(_ folder: String) -> [String] {
    let path = repositoryRoot + "/Fuzz/" + folder
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.filter { !$0.hasSuffix(".md") }.sorted().map { path + "/" + $0 }
  }

  static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

  /// Writes `bytes` to a temporary file (the IDX reader takes a path), calls `body`, removes it.
  static func throughFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "genlab-fuzz-corpus-\(UUID().uuidString)"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
  }

  /// The IDX fuzzer's inputs start with a mode byte (see Fuzz/Sources/fuzz-idx).
  static func readIDX(_ input: [UInt8]) throws {
    guard let mode = input.first else { return }
    let body = Array(input.dropFirst())
    _ = try throughFile(body) { path in
      mode == 1 || mode == 3 ? try IDX.readLabels(path: path).count : try IDX.readImages(path: path).count
    }
  }

  static let readers: [(folder: String, read: ([UInt8]) throws -> Void)] = [
    ("png", { _ = try PNG.read(data: $0, name: "fuzz.png") }),
    ("idx", { try readIDX($0) }),
    ("safetensors", { _ = try SafeTensors.read(bytes: $0, name: "fuzz.safetensors") }),
    ("wordlist", { _ = try WordList.parse($0, path: "fuzz.txt") }),
  ]

  @Test func seedsReadAndEveryTruncationReadsOrThrows() throws {
    for (folder, read) in Self.readers {
      let seeds = Self.files("Corpus/" + folder)
      #expect(!seeds.isEmpty, "no seeds in Fuzz/Corpus/\(folder)")
      for seed in seeds {
        let bytes = try Self.bytes(seed)
        // Gzip-wrapped IDX seeds (modes 2, 3) are plain IDX for the reader here: skip the value check.
        let isWrappedIDX = folder == "idx" && (bytes.first == 2 || bytes.first == 3)
        if !isWrappedIDX { #expect(throws: Never.self, "\(seed) is a valid file") { try read(bytes) } }
        for length in 0..<bytes.count { _ = try? read(Array(bytes.prefix(length))) }
      }
    }
  }

  @Test func inputsThatOnceCrashedAReaderNoLongerDo() throws {
    for (folder, read) in Self.readers {
      for file in Self.files("Regressions/" + folder) { _ = try? read(try Self.bytes(file)) }
    }
  }
}
