import Core
@testable import Datasets
import Foundation
import Testing
import TestSupport

/// The bundled word list in this checkout.
let bundledWords = repositoryRoot + "/Datasets/words/words.txt"

/// A made-up list with a capital, an apostrophe and letters outside ASCII.
let sampleWords = ["Aachen", "aardvark's", "bee", "cat", "dog", "émigré", "Ångström", "zoo", "yak", "x"]

@Suite struct WordListSplitTests {
  let list = WordList(words: (0..<1_000).map { "w\($0)" }, source: .explicit("made up"))

  @Test(arguments: [(0.1, 0.05), (0.0, 0.0), (0.25, 0.5), (1.0, 0.0), (0.1, 1.0)])
  func splitsAreDisjointAndCoverTheList(testFraction: Double, validationFraction: Double) {
    let split = list.split(seed: 7, testFraction: testFraction, validationFraction: validationFraction)
    let testCount = Int((1_000 * testFraction).rounded())
    #expect(split.test.count == testCount)
    #expect(split.validation.count == Int((Double(1_000 - testCount) * validationFraction).rounded()))
    let all = split.train + split.validation + split.test
    #expect(all.count == list.count)
    #expect(Set(all) == Set(list.words))              // the words are distinct, so: no overlap, nothing lost
    #expect(Set(split.train).isDisjoint(with: split.test))
    #expect(Set(split.validation).isDisjoint(with: split.test))
    #expect(Set(split.train).isDisjoint(with: split.validation))
  }

  @Test func defaultsHoldOutTenPercentThenFivePercentOfTheRest() {
    let split = list.split(seed: 0)
    #expect(split.test.count == 100)
    #expect(split.validation.count == 45)
    #expect(split.train.count == 855)
  }

  @Test func sameSeedSameSplitDifferentSeedDifferentSplit() {
    #expect(list.split(seed: 3) == list.split(seed: 3))
    #expect(list.split(seed: 3).test != list.split(seed: 4).test)
    #expect(list.shuffled(seed: 0) != list.words)
    #expect(list.shuffled(seed: 0).sorted() == list.words.sorted())
  }

  @Test func testWordsDoNotDependOnTheValidationFraction() {
    #expect(list.split(seed: 5, validationFraction: 0).test == list.split(seed: 5, validationFraction: 0.3).test)
  }

  @Test func shuffleIsFisherYatesWithTheLessonRNG() {
    // The oracle: the same walk written out with RNG.permutation (Fisher–Yates from the
    // back with int(below: i + 1)), applied to indices.
    var rng = RNG(seed: 11)
    let order = rng.permutation(list.count)
    #expect(list.shuffled(seed: 11) == order.map { list.words[$0] })
  }

  @Test func textFormEndsEveryWordWithANewline() {
    #expect(WordSplit.text(["cat", "dog"]) == "cat\ndog\n")
    #expect(WordSplit.text([]) == "")
    let split = WordList(words: sampleWords, source: .explicit("x")).split(seed: 1, testFraction: 0.3)
    #expect(split.testText.split(separator: "\n").map(String.init) == split.test)
    #expect(split.trainText.hasSuffix("\n"))
  }
}

@Suite struct CharacterVocabularyTests {
  @Test func sortedUniqueSymbolsWithNewlineFirst() {
    let vocabulary = CharacterVocabulary(words: ["cab", "Ab'"])
    #expect(vocabulary.symbols == ["\n", "'", "A", "a", "b", "c"])
    #expect(vocabulary.count == 6)
    #expect(vocabulary.encode("cab\n") == [5, 3, 4, 0])
    #expect(vocabulary.description == "⏎'Aabc")
  }

  @Test func roundTripKeepsCapitalsApostrophesAndAccents() {
    let list = WordList(words: sampleWords, source: .explicit("x"))
    let vocabulary = list.vocabulary
    let text = WordSplit.text(sampleWords)
    let tokens = vocabulary.encode(text)
    #expect(tokens.count == text.unicodeScalars.count)
    #expect(tokens.allSatisfy { (0..<vocabulary.count).contains($0) })
    #expect(vocabulary.decode(tokens) == text)
    for symbol in ["'", "A", "Å", "é", "\n"] as [Unicode.Scalar] {
      #expect(vocabulary.id(of: symbol) != nil, "\(symbol) kept")
    }
    #expect(vocabulary.unknownSymbols(in: "cat?!") == ["?", "!"])
  }
}

@Suite struct WordListFileTests {
  @Test func readsLinesWithoutLineEndsOrEmptyLines() throws {
    let temp = try TempFolder("words")
    let path = try temp.write("w.txt", Array("\u{FEFF}cat\r\ndog\n\nÅngström\nzoo".utf8))
    #expect(try WordList.read(path: path) == ["cat", "dog", "Ångström", "zoo"])
  }

  @Test func missingFileIsNamed() throws {
    let temp = try TempFolder("words")
    let path = temp.path + "/no-such-words.txt"
    #expect(throws: DatasetError.fileNotFound(path: path)) { try WordList.read(path: path) }
    #expect(throws: DatasetError.fileNotFound(path: path)) {
      try WordList.locate(explicitPath: path, environment: [:], systemPath: bundledWords, bundledPath: bundledWords)
    }
    #expect(throws: DatasetError.fileNotFound(path: path)) {
      try WordList.locate(environment: ["GENLAB_WORDS": path], systemPath: bundledWords, bundledPath: bundledWords)
    }
  }

  @Test func aFolderIsNamed() throws {
    let temp = try TempFolder("words")
    let folder = try temp.folder("words")
    #expect(throws: DatasetError.unreadable(path: folder, reason: "a folder, not a word list file")) {
      try WordList.read(path: folder)
    }
    do {
      _ = try WordList.locate(explicitPath: folder, environment: [:])
      Issue.record("a folder was accepted")
    } catch let error as DatasetError {
      #expect(error.description.hasPrefix(folder + ": cannot be read"))
      #expect(error.description.contains("not a folder"))
    }
  }

  @Test(arguments: [
    // (bytes, offset of the bad sequence, its line)
    (Array("cat\ndog\n".utf8) + [0xFF] + Array("\n".utf8), 8, 3),        // never a UTF-8 byte
    (Array("caf".utf8) + [0xE9] + Array("\nzoo\n".utf8), 3, 1),          // Latin-1 é
    (Array("ok\n".utf8) + [0xC3], 3, 2),                                 // cut short at the end
    (Array("a\nb\nc\n".utf8) + [0xC0, 0xAF], 6, 4),                      // overlong "/"
    (Array("x".utf8) + [0xED, 0xA0, 0x80], 1, 1),                        // a UTF-16 surrogate
  ] as [([UInt8], Int, Int)])
  func invalidUTF8NamesTheByteOffset(bytes: [UInt8], offset: Int, line: Int) throws {
    let temp = try TempFolder("words")
    let path = try temp.write("latin1.txt", bytes)
    #expect(throws: DatasetError.invalidUTF8(path: path, offset: offset, line: line, byte: bytes[offset])) {
      try WordList.read(path: path)
    }
    let message = DatasetError.invalidUTF8(path: path, offset: offset, line: line, byte: bytes[offset]).description
    #expect(message.hasPrefix(path + ": not valid UTF-8: the bytes at offset \(offset) (line \(line))"))
  }

  @Test func validMultiByteLettersPass() {
    let text = "Ångström\nréveillé\n€\n𝔸\n"
    #expect(WordList.firstInvalidUTF8(Array(text.utf8)) == nil)
  }

  @Test(arguments: [[], Array("\n\n\r\n".utf8)] as [[UInt8]])
  func emptyListIsNamed(bytes: [UInt8]) throws {
    let temp = try TempFolder("words")
    let path = try temp.write("empty.txt", bytes)
    #expect(throws: DatasetError.emptyWordList(path: path)) { try WordList.read(path: path) }
  }

  @Test func lookupOrderIsExplicitEnvironmentSystemBundled() throws {
    let temp = try TempFolder("words")
    let explicit = try temp.write("explicit.txt", Array("a\n".utf8))
    let environment = try temp.write("environment.txt", Array("b\n".utf8))
    let system = try temp.write("system.txt", Array("c\n".utf8))
    let bundled = try temp.write("bundled.txt", Array("d\n".utf8))
    let missing = temp.path + "/missing.txt"
    let env = ["GENLAB_WORDS": environment]
    #expect(try WordList.locate(explicitPath: explicit, environment: env, systemPath: system, bundledPath: bundled)
            == .explicit(explicit))
    #expect(try WordList.locate(environment: env, systemPath: system, bundledPath: bundled) == .environment(environment))
    #expect(try WordList.locate(environment: [:], systemPath: system, bundledPath: bundled) == .system(system))
    #expect(try WordList.locate(explicitPath: "", environment: ["GENLAB_WORDS": ""], systemPath: missing,
                                bundledPath: bundled) == .bundled(bundled))
    #expect(try WordList.load(environment: [:], systemPath: missing, bundledPath: bundled).words == ["d"])
    do {
      _ = try WordList.locate(environment: [:], systemPath: missing, bundledPath: missing)
      Issue.record("found a word list where there is none")
    } catch let error as DatasetError {
      guard case .noDataFound(let dataset, let tried, _) = error else { throw error }
      #expect(dataset == "word list" && tried.contains(missing))
    }
  }

  @Test func bundledCopyLoads() throws {
    #expect(WordList.bundledPath == bundledWords)
    let list = try WordList.load(environment: [:], systemPath: repositoryRoot + "/no-system-list",
                                 bundledPath: WordList.bundledPath)
    #expect(list.source == .bundled(bundledWords))
    // Every 4th line of wamerican 2020.12.07-2 (see Datasets/words/README.md).
    #expect(list.count == 26_084)
    #expect(list.words.first == "A")
    #expect(list.words.contains { $0.unicodeScalars.contains { $0.value > 127 } })   // e.g. accented letters
    #expect(list.words.contains { $0.contains("'") })
    let vocabulary = list.vocabulary
    #expect(vocabulary.decode(vocabulary.encode(WordSplit.text(list.words))) == WordSplit.text(list.words))
    #expect(Set(list.words).count == list.count)
  }
}
