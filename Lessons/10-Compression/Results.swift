// Lesson 10's results: cross-entropy on each split, sampled words, the model-driven
// compressor (a real file, decoded back), and the two sampling twins timed.
import Foundation
import GenLab

/// Cross-entropy of the trained model on training, validation and held-out words.
struct Scores {
  /// (name, characters, nats per character).
  let entries: [(String, Int, Double)]
  let vocabularySize: Int
  var testBits: Double { entries.last!.2 / log(2) }
  /// The training words scored: the first this many characters (enough for a stable number).
  static let trainSample = 100_000

  init(model: CharTransformer, data: WordData) {
    vocabularySize = data.vocabulary.count
    let trainPart = Array(data.train.prefix(Self.trainSample + 1))
    entries = [("training words (first \(Format.count(trainPart.count - 1)) characters)", trainPart),
               ("validation words", data.validation), ("held-out (test) words", data.test)].map { name, sequence in
      let score = Autoregressive.crossEntropy(model, sequence: sequence, separator: data.newline)
      return (name, score.count, score.nats / Double(score.count))
    }
  }

  /// Prints the scores, and puts them in the report: the held-out ones as results, all as a table.
  func show(in run: TrainingRun) {
    for (name, count, nats) in entries {
      print("  \(name.padding(toLength: 46, withPad: " ", startingAt: 0)) \(Format.fixed(nats)) nats = \(Format.fixed(nats / log(2))) bits "
            + "per character (\(Format.count(count)) characters)")
    }
    print("for scale: guessing uniformly among the \(vocabularySize) characters costs log₂ \(vocabularySize) = "
          + "\(Format.fixed(log2(Double(vocabularySize)))) bits each")
    run.report.metrics += [("held-out words: bits per character (cross-entropy)", Format.fixed(testBits)),
                           ("held-out words: nats per character", Format.fixed(entries.last!.2))]
    run.report.addTable("Cross-entropy of the trained model", header: ["text", "characters", "nats/char", "bits/char"],
                        rows: entries.map { [$0.0, Format.count($0.1), Format.fixed($0.2), Format.fixed($0.2 / log(2))] },
                        note: "Every character predicted from up to L characters before it, in windows that start at a "
                          + "newline (the rule the compressor of section 6 follows). bits = nats / ln 2.")
  }
}

/// Words sampled at each temperature, marked: in the training list, a held-out real word
/// (validation or test: the model never saw it), or new.
struct WordSamples {
  struct Row {
    var temperature: Float
    var words: [String]
    var newCount: Int
    var heldOutCount: Int
  }
  let rows: [Row]
  let train: Set<String>
  let heldOut: Set<String>

  init(model: CharTransformer, data: WordData, split: WordSplit, seed: UInt64) {
    let train = Set(split.train)
    let heldOut = Set(split.validation + split.test).subtracting(train)
    self.train = train
    self.heldOut = heldOut
    rows = Lesson10.temperatures.enumerated().map { k, temperature in
      var rng = RNG(seed: seed, stream: 10 + UInt64(k))
      let words = sampleWords(model, data: data, count: Lesson10.wordsPerTemperature,
                              rule: .init(temperature: temperature), rng: &rng)
      return Row(temperature: temperature, words: words,
                 newCount: words.filter { !train.contains($0) && !heldOut.contains($0) }.count,
                 heldOutCount: words.filter { heldOut.contains($0) }.count)
    }
  }

  func mark(_ word: String) -> String { train.contains(word) ? word : heldOut.contains(word) ? word + "†" : word + "*" }

  /// Prints the words, marked, puts them in the report as a table and writes them to `samples.txt`.
  func show(in run: TrainingRun) throws {
    print("* = not in the word list at all (new), † = a real word held out from training (never seen)")
    for row in rows {
      print("τ = \(row.temperature): \(row.newCount) new, \(row.heldOutCount) held-out of \(row.words.count)")
      print("  " + row.words.map(mark).joined(separator: " "))
    }
    print("low τ keeps to the most likely letters: common, often memorised words; high τ invents more, and misspells more")
    run.report.addTable("Sampled words", header: ["temperature", "words (* new, † a real word it never saw)", "new",
                                                  "held-out real words"],
                        rows: rows.map { row in
                          ["τ = \(row.temperature)", row.words.map(mark).joined(separator: " "),
                           "\(row.newCount) of \(row.words.count)", "\(row.heldOutCount)"]
                        },
                        note: "Each word is drawn one character at a time from a newline until the next newline "
                          + "(KV-cache sampling). Unmarked words are in the training list: memorised.")
    var text = "# Words sampled by lesson 10's model; * = new (not in the word list), † = a held-out real word.\n"
    for row in rows {
      text += "\n# temperature \(row.temperature): \(row.newCount) new, \(row.heldOutCount) held-out\n"
      text += row.words.map(mark).joined(separator: "\n") + "\n"
    }
    try Files.writeAtomically(Array(text.utf8), to: run.folder.file("samples.txt"))
  }
}

/// The held-out words compressed with the model and an arithmetic coder into a file, read
/// back, decoded with the model and compared byte for byte.
///
/// The file: one header line `genlab-ac 1 characters=N vocabulary=V\n`, then the coder's
/// bytes. The count is needed because the stream does not say where it ends; the decoder
/// also needs the model's weights (the checkpoint) — the same probabilities, bit for bit.
struct ModelCompression {
  static let fileName = "test.glac"
  let characters: Int
  let streamBytes: Int
  let fileBytes: Int
  let idealBits: Double
  let encodeTime: Double
  let decodeTime: Double
  let positionsRun: Int
  var streamBits: Double { 8 * Double(streamBytes) / Double(characters) }
  var fileBits: Double { 8 * Double(fileBytes) / Double(characters) }

  init(model: CharTransformer, data: WordData, run: RunFolder) throws {
    let symbols = Array(data.test.dropFirst())
    characters = symbols.count
    try Files.writeAtomically(Array(data.testText.utf8), to: run.file("test.txt"))
    let encoder = Autoregressive.Predictor(model: model, separator: data.newline)
    let ((stream, idealBits), encodeTime) = Timing.timed { ArithmeticCoding.encodeMeasuring(symbols, model: encoder) }
    self.idealBits = idealBits
    positionsRun = encoder.positionsRun
    let header = "genlab-ac 1 characters=\(symbols.count) vocabulary=\(data.vocabulary.count)\n"
    try Files.writeAtomically(Array(header.utf8) + stream, to: run.file(Self.fileName))
    streamBytes = stream.count
    fileBytes = header.utf8.count + stream.count
    self.encodeTime = encodeTime

    // Read the file back as a stranger would: only the file and the model.
    let path = run.file(Self.fileName)
    let (count, body) = try Self.read(path: path, vocabulary: data.vocabulary.count)
    let decoder = Autoregressive.Predictor(model: model, separator: data.newline)
    let (decoded, decodeTime) = try Timing.timed { try ArithmeticCoding.decode(body, count: count, model: decoder) }
    self.decodeTime = decodeTime
    let text = data.vocabulary.decode(decoded)
    try Files.writeAtomically(Array(text.utf8), to: run.file("test-decoded.txt"))
    guard Array(text.utf8) == Array(data.testText.utf8) else {
      let first = zip(decoded, symbols).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(decoded.count, symbols.count)
      throw LessonError("decoding \(path) did not give back the held-out text (first difference at character "
                        + "\(first)): the coder or the model is not deterministic")
    }
  }

  /// The header's count and the stream, checked: a file that is not ours, or is cut
  /// inside its header, is a named error.
  static func read(path: String, vocabulary: Int) throws -> (count: Int, stream: [UInt8]) {
    let bytes = try Files.read(path)
    guard let end = bytes.prefix(200).firstIndex(of: 0x0A) else {
      throw LessonError("\(path): no header line (expected 'genlab-ac 1 characters=N vocabulary=V')")
    }
    let fields = String(decoding: bytes[..<end], as: UTF8.self).split(separator: " ")
    guard fields.count == 4, fields[0] == "genlab-ac", fields[1] == "1",
          fields[2].hasPrefix("characters="), let count = Int(fields[2].dropFirst(11)), count >= 0,
          fields[3] == "vocabulary=\(vocabulary)" else {
      throw LessonError("\(path): the header '\(String(decoding: bytes[..<end], as: UTF8.self))' is not "
                            + "'genlab-ac 1 characters=N vocabulary=\(vocabulary)'")
    }
    return (count, Array(bytes[(end + 1)...]))
  }

  /// Prints what the coder did beside the model's cross-entropy, and puts it in the report.
  func show(crossEntropyBits: Double, in run: TrainingRun) {
    print("encoded \(Format.count(characters)) characters in \(Format.duration(encodeTime)) "
          + "(\(Format.count(positionsRun)) positions through the model, \(Format.fixed(Double(positionsRun) / Double(characters), digits: 2)) per "
          + "character: windows are rebuilt from the last word boundary when the context is full)")
    print("wrote \(Self.fileName): \(Format.bytes(fileBytes)) (stream \(Format.count(streamBytes)) bytes + header); "
          + "decoded it again in \(Format.duration(decodeTime)): identical to test.txt, byte for byte")
    print("bits per character: file \(Format.fixed(fileBits)), stream \(Format.fixed(streamBits)), ideal under the coder's rounded "
          + "tables \(Format.fixed(idealBits / Double(characters))), the model's cross-entropy \(Format.fixed(crossEntropyBits))")
    run.report.metrics += [
      ("held-out words: the model's compressed file", "\(Format.bytes(fileBytes)), \(Format.fixed(fileBits)) bits per character"),
      ("arithmetic coding: encode / decode", "\(Format.duration(encodeTime)) / \(Format.duration(decodeTime)) "
       + "for \(Format.count(characters)) characters; decoded byte for byte"),
      ("ideal code length under the rounded tables", "\(Format.fixed(idealBits / Double(characters))) bits per character"),
    ]
  }
}

/// Time to generate n characters with each twin, on a model of the lesson's size but a
/// longer context (random weights: time does not depend on the values).
struct GenerationTiming {
  static let longContext = 512
  static let lengths = [16, 32, 64, 96, 128, 192, 256, 320, 384, 448, 511]
  let points: [(length: Int, recompute: Double, cached: Double)]
  let sameTokens: Bool

  static func measure(configuration: CharTransformer.Configuration, implementation: Implementation,
                      seed: UInt64) -> GenerationTiming {
    var c = configuration
    c.context = longContext
    var rng = RNG(seed: seed, stream: 20)
    let model = CharTransformer(c, implementation: implementation, rng: &rng)
    var points: [(Int, Double, Double)] = []
    var same = true
    for n in lengths {
      var a = RNG(seed: seed, stream: 21), b = RNG(seed: seed, stream: 21)
      let (slow, slowTime) = Timing.timed {
        Autoregressive.generateReference(model, prompt: [0], count: n, rule: .init(temperature: 1), rng: &a)
      }
      let (fast, fastTime) = Timing.timed {
        Autoregressive.generate(model, prompt: [0], count: n, rule: .init(temperature: 1), rng: &b)
      }
      same = same && slow == fast
      points.append((n, slowTime, fastTime))
      print("  \(String(n).leftPadded(4)) characters: recompute \(Format.duration(slowTime).leftPadded(9)), "
            + "cache \(Format.duration(fastTime).leftPadded(9))  (\(Format.fixed(slowTime / fastTime, digits: 1))×)")
    }
    return GenerationTiming(points: points, sameTokens: same)
  }

  /// Prints whether the twins agreed and how their times grow, and puts the times in the report as a table.
  func show(in run: TrainingRun) {
    print("the same characters from both twins for the same seed: \(sameTokens ? "yes" : "NO — a bug")")
    if let first = points.first, let last = points.last {
      let lengthRatio = Double(last.length) / Double(first.length)
      print("from \(first.length) to \(last.length) characters (×\(Format.fixed(lengthRatio, digits: 0))): recompute ×"
            + "\(Format.fixed(last.recompute / first.recompute, digits: 0)), cache ×\(Format.fixed(last.cached / first.cached, digits: 0)) — "
            + "quadratic against linear")
    }
    run.report.addTable("Generation time (a model of the same size with L = \(Self.longContext))",
                        header: ["characters", "recompute the prefix", "key/value cache", "ratio"],
                        rows: points.map { [String($0.length), Format.duration($0.recompute), Format.duration($0.cached),
                                            "\(Format.fixed($0.recompute / $0.cached, digits: 1))×"] },
                        note: "Random weights: the time does not depend on their values. Both twins drew the same "
                          + "characters for the same seed: \(sameTokens ? "yes" : "NO").")
  }

  func writePlot(to path: String) throws {
    var plot = LinePlot(title: "Generation time", xLabel: "characters generated", yLabel: "milliseconds")
    plot.add("recompute (reference)", x: points.map { Double($0.length) },
             y: points.map { $0.recompute * 1000 })
    plot.add("KV cache", x: points.map { Double($0.length) }, y: points.map { $0.cached * 1000 })
    try plot.write(to: path)
  }
}
