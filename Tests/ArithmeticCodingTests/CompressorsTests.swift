@testable import ArithmeticCoding
import Foundation
import Testing
import TestSupport

/// The bundled word list (every 4th word of Debian's wamerican), as text.
private func bundledWordList() throws -> [String] {
  let text = try String(contentsOfFile: repositoryRoot + "/Datasets/words/words.txt", encoding: .utf8)
  return text.split(separator: "\n").map(String.init)
}

/// Bytes that no compressor can shrink much: a 64-bit LCG's top bytes.
private func noise(_ count: Int) -> [UInt8] {
  var state: UInt64 = 0x2545_F491_4F6C_DD1D
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return UInt8(truncatingIfNeeded: state >> 56)
  }
}

/// A fixed Fisher–Yates shuffle driven by the same LCG (the order only needs to be
/// fixed and unsorted).
private func shuffle(_ words: [String]) -> [String] {
  var order = words
  var state: UInt64 = 42
  for i in stride(from: order.count - 1, to: 0, by: -1) {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
  }
  return order
}

@Suite struct CompressorsTests {
  @Test(arguments: Compressor.all)
  func repetitiveInputCompressesFarBelowItsSize(compressor: Compressor) throws {
    let repetitive = Array(String(repeating: "the cat sat on the mat\n", count: 5_000).utf8)   // 115,000 bytes
    let size = try compressor.compressedSize(repetitive)
    #expect(size > 0)
    #expect(size < repetitive.count / 100, "\(compressor): \(size) bytes for \(repetitive.count)")
  }

  @Test(arguments: Compressor.all)
  func emptyInputStillHasAHeader(compressor: Compressor) throws {
    // Measured with the programs themselves (`printf '' | gzip -9 -c | wc -c` → 20:
    // 10 bytes of header, an empty final block (2), CRC-32 and length (8); bzip2 14; xz 32).
    let expected = ["gzip": 20, "bzip2": 14, "xz": 32][compressor.program]
    #expect(try compressor.compressedSize([UInt8]()) == expected)
  }

  @Test func largeIncompressibleInputDoesNotDeadlock() throws {
    // 3 MB in and about 3 MB out: far more than a pipe's 64 KiB buffer in both directions.
    let bytes = noise(3_000_000)
    let size = try Compressor.gzip.compressedSize(bytes)
    #expect(size > bytes.count && size < bytes.count + bytes.count / 100)
  }

  @Test func aMissingProgramIsNamedWithItsPackage() throws {
    let missing = Compressor(program: "genlab-no-such-compressor", arguments: ["-9", "-c"], debianPackage: "genlab-imaginary")
    do {
      _ = try missing.compressedSize(Array("hello".utf8))
      Issue.record("a program that does not exist ran")
    } catch let error as CompressorError {
      guard case .programNotFound(let program, let package, let searched) = error else {
        Issue.record("wrong error: \(error)"); return
      }
      #expect(program == "genlab-no-such-compressor" && package == "genlab-imaginary" && !searched.isEmpty)
      #expect(error.description.hasPrefix("genlab-no-such-compressor: program not found"))
      #expect(error.description.contains("sudo apt-get install genlab-imaginary"))
    }
    #expect(throws: CompressorError.programNotFound(program: "/no/such/xz", debianPackage: "xz-utils",
                                                    searched: ["/no/such/xz"])) {
      try Compressor(program: "/no/such/xz", arguments: ["-c"], debianPackage: "xz-utils").compressedSize([1, 2, 3])
    }
  }

  @Test func aNonZeroExitIsAnErrorWithTheProgramsMessage() throws {
    // gzip -d on bytes that are not gzip: "gzip: stdin: not in gzip format", status 1.
    let decompress = Compressor(program: "gzip", arguments: ["-d", "-c"], debianPackage: "gzip")
    do {
      _ = try decompress.compressedSize(Array("plain text, not gzip\n".utf8))
      Issue.record("gzip -d accepted plain text")
    } catch let error as CompressorError {
      guard case .failed(let command, let status, let signalled, let stderr) = error else {
        Issue.record("wrong error: \(error)"); return
      }
      #expect(command == "gzip -d" && status == 1 && !signalled)
      #expect(stderr.contains("not in gzip format"))
      #expect(error.description.hasPrefix("gzip -d exited with status 1: "))
    }
  }

  @Test(arguments: Compressor.all)
  func knowingTheTrainingTextNeverCostsMore(compressor: Compressor) throws {
    let words = try bundledWordList()
    #expect(words.count == 26_084)
    // Shuffled, 10 % held out, as in lesson 10. Not a law for gzip: it looks only 32 KiB
    // back, so it gains little from the training text, and on an alphabetical held-out
    // list (every 10th word) it paid 12,056 bytes given the rest against 11,928 alone.
    let shuffled = shuffle(words)
    let heldOut = Array(shuffled[..<(words.count / 10)])
    let train = Array(shuffled[(words.count / 10)...])
    let heldOutText = heldOut.joined(separator: "\n") + "\n"
    let trainText = train.joined(separator: "\n") + "\n"
    let alone = try compressor.compressedSize(heldOutText)
    let given = try compressor.conditionalSize(of: heldOutText, given: trainText)
    #expect(given > 0)
    #expect(given <= alone, "\(compressor): \(given) bytes given the training text, \(alone) alone")
    #expect(alone < heldOutText.utf8.count * 6 / 10)    // shuffled words: under 4.8 bits per character
  }

  @Test func bitsPerCharacter() {
    #expect(Compressor.bitsPerCharacter(bytes: 100, characters: 800) == 1)
    #expect(Compressor.bitsPerCharacter(bytes: 3, characters: 8) == 3)
    #expect(Compressor.xzExtreme.description == "xz -9e")
    #expect(Compressor.all.map(\.description) == ["gzip -9", "bzip2 -9", "xz -9", "xz -9e"])
  }
}
