import Core
import Foundation

/// A list of words, one per line, in UTF-8 — the data of "prediction is compression"
/// (lesson 10): a character model learns to predict the next letter of a word, and its
/// bits per character are compared with those of gzip, bzip2 and xz.
///
/// `load` looks for the file in order and takes the first place that has it:
///
/// 1. `explicitPath` (a lesson's `--words FILE`) — if given and wrong, an error;
/// 2. the file in the environment variable `GENLAB_WORDS` — if set and wrong, an error;
/// 3. `/usr/share/dict/words` (Debian's `wamerican`: 104,334 words, 985 KB);
/// 4. the copy bundled in `Datasets/words/words.txt` (every 4th word of `wamerican`,
///    26,084 words, 246 KB; license in `Datasets/words/LICENSE`).
///
/// Words are kept exactly as the file gives them: capitals ("Aachen"), apostrophes
/// ("aardvark's") and letters outside ASCII ("Ångström", "émigré") stay, so the
/// character vocabulary holds them too (70 symbols for the Debian list, newline
/// included). Only line ends are removed: "\n", or "\r\n" for files from Windows;
/// empty lines are skipped; a leading byte-order mark is dropped. Duplicates are kept.
public struct WordList: Sendable, CustomStringConvertible {
  /// Where a word list was found, in lookup order.
  public enum Source: Sendable, Equatable, CustomStringConvertible {
    /// A file given on the command line.
    case explicit(String)
    /// A file named by the `GENLAB_WORDS` environment variable.
    case environment(String)
    /// The system's list (`/usr/share/dict/words`, Debian's `wamerican`).
    case system(String)
    /// The subset bundled in the repository's `Datasets/words/`.
    case bundled(String)

    /// The file.
    public var path: String {
      switch self {
      case .explicit(let path), .environment(let path), .system(let path), .bundled(let path): return path
      }
    }

    public var description: String {
      switch self {
      case .explicit(let path): return "\(path) (given)"
      case .environment(let path): return "\(path) (\(WordList.environmentVariable))"
      case .system(let path): return "\(path) (system word list)"
      case .bundled(let path): return "\(path) (bundled subset)"
      }
    }
  }

  /// The words, in file order.
  public var words: [String]
  /// Where they came from.
  public var source: Source

  public init(words: [String], source: Source) {
    self.words = words
    self.source = source
  }

  /// Number of words.
  public var count: Int { words.count }

  /// Where Debian's `wamerican` (and most Unix systems) put the word list.
  public static let systemPath = "/usr/share/dict/words"
  /// The name of the environment variable that points at a word list.
  public static let environmentVariable = "GENLAB_WORDS"

  /// The bundled subset: `<repo>/Datasets/words/words.txt`, the repository found from
  /// this source file's compile-time path (…/Sources/Datasets/WordList.swift), or else
  /// `Datasets/words/words.txt` under the current directory. If neither exists, the first.
  public static var bundledPath: String {
    Bundled.path("words/words.txt", exists: isFile)
  }

  /// Finds the word list (see the lookup order above) without reading it. Throws if
  /// `explicitPath` or `GENLAB_WORDS` is given but is missing or a folder, or if no
  /// place has a list.
  public static func locate(explicitPath: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            systemPath: String = WordList.systemPath,
                            bundledPath: String = WordList.bundledPath) throws -> Source {
    if let explicitPath, !explicitPath.isEmpty {
      try requireFile(explicitPath, origin: "the given path")
      return .explicit(explicitPath)
    }
    if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
      try requireFile(fromEnvironment, origin: environmentVariable)
      return .environment(fromEnvironment)
    }
    if isFile(systemPath) { return .system(systemPath) }
    if isFile(bundledPath) { return .bundled(bundledPath) }
    throw DatasetError.noDataFound(
      dataset: "word list",
      tried: ["path (not given)", "\(environmentVariable) (not set)", systemPath, bundledPath],
      hint: "Install one with `sudo apt-get install wamerican`, or name a file of one word per line "
        + "with \(environmentVariable)=FILE.")
  }

  /// Finds the word list (see `locate`) and reads it.
  public static func load(explicitPath: String? = nil,
                          environment: [String: String] = ProcessInfo.processInfo.environment,
                          systemPath: String = WordList.systemPath,
                          bundledPath: String = WordList.bundledPath) throws -> WordList {
    let source = try locate(explicitPath: explicitPath, environment: environment,
                            systemPath: systemPath, bundledPath: bundledPath)
    return try load(from: source)
  }

  /// Reads the file of `source`.
  public static func load(from source: Source) throws -> WordList {
    WordList(words: try read(path: source.path), source: source)
  }

  /// Reads a word list file: its lines, without line ends and without empty lines.
  /// Throws `fileNotFound`, `unreadable` (a folder, no permission), `invalidUTF8`
  /// (naming the byte offset and line) or `emptyWordList`, each naming `path`.
  public static func read(path: String) throws -> [String] {
    guard FileManager.default.fileExists(atPath: path) else { throw DatasetError.fileNotFound(path: path) }
    if isDirectory(path) {
      throw DatasetError.unreadable(path: path, reason: "a folder, not a word list file")
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
      throw DatasetError.unreadable(path: path, reason: reason)
    }
    return try parse([UInt8](data), path: path)
  }

  /// The words of a word list's bytes (see `read`); `path` is only for error messages.
  public static func parse(_ bytes: [UInt8], path: String) throws -> [String] {
    if let offset = firstInvalidUTF8(bytes) {
      let line = 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
      throw DatasetError.invalidUTF8(path: path, offset: offset, line: line, byte: bytes[offset])
    }
    let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0   // a UTF-8 byte-order mark
    var words: [String] = []
    for var line in bytes[start...].split(separator: 0x0A, omittingEmptySubsequences: true) {
      if line.last == 0x0D { line = line.dropLast() }
      if line.isEmpty { continue }
      words.append(String(decoding: line, as: UTF8.self))
    }
    if words.isEmpty { throw DatasetError.emptyWordList(path: path) }
    return words
  }

  /// The offset of the first byte that does not begin a well-formed UTF-8 sequence
  /// (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF),
  /// or nil if all of `bytes` is UTF-8.
  static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
    bytes.withUnsafeBufferPointer { buffer -> Int? in
      let count = buffer.count
      var i = 0
      while i < count {
        let lead = buffer[i]
        if lead < 0x80 { i += 1; continue }
        var continuation = 0
        var low: UInt8 = 0x80, high: UInt8 = 0xBF     // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: continuation = 1
        case 0xE0: continuation = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: continuation = 2
        case 0xED: continuation = 2; high = 0x9F
        case 0xF0: continuation = 3; low = 0x90
        case 0xF1...0xF3: continuation = 3
        case 0xF4: continuation = 3; high = 0x8F
        default: return i                                 // 80…C1, F5…FF never lead
        }
        guard i + continuation < count else { return i }  // cut short at the end
        for k in 1...continuation {
          let byte = buffer[i + k]
          let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
          if byte < lo || byte > hi { return i }
        }
        i += continuation + 1
      }
      return nil
    }
  }

  static func requireFile(_ path: String, origin: String) throws {
    if isDirectory(path) {
      throw DatasetError.unreadable(path: path, reason: "\(origin) must name a word list file, not a folder")
    }
    if !isFile(path) { throw DatasetError.fileNotFound(path: path) }
  }

  // MARK: - Shuffle and split

  /// The words in a random order fixed by `seed`: Fisher–Yates from the back,
  /// swapping word i with word `rng.int(below: i + 1)`, with `RNG(seed: seed)`.
  /// The same seed gives the same order on every machine.
  public func shuffled(seed: UInt64) -> [String] {
    var order = words
    var rng = RNG(seed: seed)
    var i = order.count - 1
    while i > 0 {
      order.swapAt(i, rng.int(below: i + 1))
      i -= 1
    }
    return order
  }

  /// The words shuffled by `seed` (see `shuffled`) and cut into three disjoint parts
  /// that together are the whole list:
  ///
  ///     test        = round(testFraction · N)                         words, the last ones
  ///     validation  = round(validationFraction · (N − test))          words, just before them
  ///     train       = the rest, the first ones
  ///
  /// Defaults: 10 % held out as test, 5 % of the remaining 90 % (4.5 % of all) as
  /// validation, 85.5 % for training. The test words depend only on (list, seed,
  /// testFraction), so changing `validationFraction` never moves a word into or out of test.
  public func split(seed: UInt64, testFraction: Double = 0.1, validationFraction: Double = 0.05) -> WordSplit {
    precondition((0...1).contains(testFraction), "WordList.split: testFraction \(testFraction) is not in [0, 1]")
    precondition((0...1).contains(validationFraction),
                 "WordList.split: validationFraction \(validationFraction) is not in [0, 1]")
    let order = shuffled(seed: seed)
    let total = order.count
    let testCount = Int((Double(total) * testFraction).rounded())
    let validationCount = Int((Double(total - testCount) * validationFraction).rounded())
    let trainCount = total - testCount - validationCount
    return WordSplit(train: Array(order[0..<trainCount]),
                     validation: Array(order[trainCount..<(trainCount + validationCount)]),
                     test: Array(order[(trainCount + validationCount)...]),
                     seed: seed)
  }

  /// The character vocabulary of the whole list (so every split encodes).
  public var vocabulary: CharacterVocabulary { CharacterVocabulary(words: words) }

  /// One line for the console, e.g. "word list /usr/share/dict/words (system word list):
  /// 104,334 words, 880,476 characters, 69 distinct + newline".
  public var description: String {
    let characters = words.reduce(0) { $0 + $1.unicodeScalars.count }
    var line = "word list \(source): \(grouped(count)) words, \(grouped(characters)) characters, "
      + "\(vocabulary.count - 1) distinct + newline"
    if case .bundled = source { line += " (for the full list: sudo apt-get install wamerican)" }
    return line
  }
}

/// A word list cut into train, validation and test (see `WordList.split`).
public struct WordSplit: Sendable, Equatable {
  public var train: [String]
  public var validation: [String]
  public var test: [String]
  /// The seed of the shuffle.
  public var seed: UInt64

  public init(train: [String], validation: [String], test: [String], seed: UInt64) {
    self.train = train
    self.validation = validation
    self.test = test
    self.seed = seed
  }

  /// The text form of some words: each followed by "\n" ("cat\ndog\n"); "" for none.
  /// The newline is the model's end-of-word symbol, so it is counted as a character.
  public static func text(_ words: [String]) -> String {
    words.isEmpty ? "" : words.joined(separator: "\n") + "\n"
  }

  public var trainText: String { WordSplit.text(train) }
  public var validationText: String { WordSplit.text(validation) }
  public var testText: String { WordSplit.text(test) }
}

/// The characters of a text, sorted and numbered: token id k is the k-th smallest
/// Unicode scalar (code point) that occurs. Characters here are Unicode scalars, so one
/// token is one code point; every letter of the Debian list is one precomposed scalar
/// ("é" is U+00E9), so there a token is also one printed letter. The newline, the
/// end-of-word symbol, is always in the vocabulary (id 0: it sorts first).
public struct CharacterVocabulary: Sendable, Equatable, CustomStringConvertible {
  /// The symbols, sorted by code point; `symbols[id]` is the symbol of token `id`.
  public let symbols: [Unicode.Scalar]
  private let ids: [Unicode.Scalar: Int]

  /// The vocabulary of `words` joined by newlines.
  public init(words: [String]) {
    var seen: Set<Unicode.Scalar> = ["\n"]
    for word in words { seen.formUnion(word.unicodeScalars) }
    self.init(symbols: seen)
  }

  /// The vocabulary of a text (newline added if absent).
  public init(text: String) {
    var seen: Set<Unicode.Scalar> = ["\n"]
    seen.formUnion(text.unicodeScalars)
    self.init(symbols: seen)
  }

  private init(symbols seen: Set<Unicode.Scalar>) {
    symbols = seen.sorted { $0.value < $1.value }
    ids = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, $0) })
  }

  public static func == (a: CharacterVocabulary, b: CharacterVocabulary) -> Bool { a.symbols == b.symbols }

  /// Number of symbols (the model's output size).
  public var count: Int { symbols.count }

  /// The token id of `symbol`, or nil if it is not in the vocabulary.
  public func id(of symbol: Unicode.Scalar) -> Int? { ids[symbol] }

  /// The symbols of `text` that are not in the vocabulary, in order of first appearance.
  public func unknownSymbols(in text: String) -> [Unicode.Scalar] {
    var unknown: [Unicode.Scalar] = []
    for symbol in text.unicodeScalars where ids[symbol] == nil && !unknown.contains(symbol) {
      unknown.append(symbol)
    }
    return unknown
  }

  /// Token ids of `text`, one per Unicode scalar. Every symbol must be in the
  /// vocabulary (check user input with `unknownSymbols(in:)` first).
  public func encode(_ text: String) -> [Int] {
    text.unicodeScalars.map { symbol in
      guard let id = ids[symbol] else {
        preconditionFailure("CharacterVocabulary.encode: \"\(symbol)\" (U+\(String(symbol.value, radix: 16, uppercase: true))) is not in the vocabulary")
      }
      return id
    }
  }

  /// The text of token ids; each id must be in 0..<count.
  public func decode(_ tokens: [Int]) -> String {
    var scalars = String.UnicodeScalarView()
    for token in tokens {
      precondition(symbols.indices.contains(token), "CharacterVocabulary.decode: token \(token) is outside 0..<\(count)")
      scalars.append(symbols[token])
    }
    return String(scalars)
  }

  /// The symbols in order, newline shown as "⏎", e.g. "⏎'ABC…xyzÅáâ…ü".
  public var description: String {
    String(String.UnicodeScalarView(symbols.map { $0 == "\n" ? "⏎" : $0 }))
  }
}
