// Lesson 10's data, and what the model is measured against: the count models (unigram,
// bigram) and the compressors everyone has (gzip, bzip2, xz), on the same held-out words.
import Foundation
import GenLab

/// The split word list as token sequences. Each sequence starts with one newline — the
/// model's start symbol, read but never predicted — followed by the words, each ended by
/// a newline: "⏎cat⏎dog⏎". A text of n characters is n predictions.
struct WordData {
  let vocabulary: CharacterVocabulary
  let newline: Int
  let train: [Int]
  let validation: [Int]
  let test: [Int]
  let trainText: String
  let testText: String
  let trainBytes: Int
  /// Window starts for training: every newline of `train` with a whole window after it.
  let windowStarts: [Int]
  let splitLine: String
  let summary: String

  init(list: WordList, split: WordSplit, context: Int) throws {
    vocabulary = list.vocabulary
    newline = vocabulary.id(of: "\n")!
    trainText = split.trainText
    testText = split.testText
    train = [newline] + vocabulary.encode(trainText)
    validation = [newline] + vocabulary.encode(split.validationText)
    test = [newline] + vocabulary.encode(testText)
    trainBytes = trainText.utf8.count
    guard split.validation.count > 0 && split.test.count > 0 else {
      throw LessonError("the word list \(list.source.path) has \(list.count) words: too few to hold out "
                            + "validation and test words (at least 40 are needed)")
    }
    let last = train.count - context - 1
    let tokens = train, separator = newline
    windowStarts = tokens.indices.filter { $0 <= last && tokens[$0] == separator }
    guard !windowStarts.isEmpty else {
      throw LessonError("the training text (\(train.count - 1) characters) is shorter than one window of "
                            + "--context \(context) + 1 characters")
    }
    splitLine = "\(Format.count(split.train.count)) training words (\(Format.count(train.count - 1)) characters), "
      + "\(Format.count(split.validation.count)) validation (\(Format.count(validation.count - 1))), "
      + "\(Format.count(split.test.count)) test (\(Format.count(test.count - 1)))"
    summary = splitLine + "\n\(vocabulary.count) distinct characters (⏎ = newline, the end of a word): \(vocabulary)"
  }
}

/// The unigram and bigram models fitted on the training words, and gzip, bzip2, xz on the
/// held-out words — alone, and given the training text.
struct Baselines {
  let unigramBits: Double
  let bigramBits: Double
  /// Compressed sizes in bytes: of the held-out text alone, of the training text, and of
  /// the training text followed by the held-out text. nil: the program is missing.
  var aloneSize: [Compressor: Int] = [:]
  var trainSize: [Compressor: Int] = [:]
  var bothSize: [Compressor: Int] = [:]
  var missing: [Compressor: String] = [:]
  let characters: Int

  init(data: WordData, split: WordSplit) {
    let trainSymbols = Array(data.train.dropFirst()), testSymbols = Array(data.test.dropFirst())
    characters = testSymbols.count
    unigramBits = UnigramModel(training: trainSymbols, alphabetSize: data.vocabulary.count)
      .bitsPerSymbol(of: testSymbols)
    // The bigram predicts the first held-out character after a newline, like the model.
    let bigram = BigramModel(training: trainSymbols, alphabetSize: data.vocabulary.count)
    var bits = 0.0
    for i in 1..<data.test.count { bits -= log2(bigram.probability(of: data.test[i], after: data.test[(i - 1)..<i])) }
    bigramBits = bits / Double(characters)
    let test = Array(data.testText.utf8), train = Array(data.trainText.utf8)
    for compressor in Compressor.all {
      do {
        aloneSize[compressor] = try compressor.compressedSize(test)
        trainSize[compressor] = try compressor.compressedSize(train)
        bothSize[compressor] = try compressor.compressedSize(train + test)
      } catch {
        missing[compressor] = "\(error)"
      }
    }
  }

  func bits(_ bytes: Int?) -> Double? { bytes.map { Compressor.bitsPerCharacter(bytes: $0, characters: characters) } }
  func aloneBits(_ c: Compressor) -> Double? { bits(aloneSize[c]) }
  func givenBits(_ c: Compressor) -> Double? {
    guard let both = bothSize[c], let train = trainSize[c] else { return nil }
    return bits(both - train)
  }

  func printTable() {
    print("on the \(Format.count(characters)) held-out characters (bits per character; \"given training\" = "
          + "size(train + held-out) − size(train), since the model has seen the training words):")
    print("  unigram (character frequencies of the training words)   \(Format.fixed(unigramBits))")
    print("  bigram (which character follows which)                   \(Format.fixed(bigramBits))")
    for compressor in Compressor.all {
      let name = compressor.description.padding(toLength: 10, withPad: " ", startingAt: 0)
      if let reason = missing[compressor] {
        print("  \(name) not run: \(reason)")
      } else {
        print("  \(name) alone \(Format.fixed(aloneBits(compressor)!)), given training \(Format.fixed(givenBits(compressor)!))")
      }
    }
  }

  /// Section 6's comparison: bits per held-out character of every compressor, of the count
  /// models and of the transformer with its coder, printed with the ranking and put in the report.
  func showComparison(model: ModelCompression, parameters: Int, in run: TrainingRun) {
    var rows: [[String]] = []
    func cell(_ value: Double?) -> String { value.map { Format.fixed($0) } ?? "—" }
    for compressor in Compressor.all {
      if let reason = missing[compressor] {
        rows.append([compressor.description, "not run", "not run", reason])
      } else {
        rows.append([compressor.description, cell(aloneBits(compressor)), cell(givenBits(compressor)),
                     "\(Format.bytes(aloneSize[compressor]!)) alone"])
      }
    }
    rows.append(["unigram counts", "—", Format.fixed(unigramBits), "ideal code length (no coder)"])
    rows.append(["bigram counts", "—", Format.fixed(bigramBits), "ideal code length (no coder)"])
    let weightBits = Double(parameters * 32) / Double(characters)
    rows.append(["transformer + arithmetic coder", Format.fixed(model.fileBits + weightBits), Format.fixed(model.fileBits),
                 "\(Format.bytes(model.fileBytes)) file; alone = the file plus the float32 weights"])
    var ranking: [(String, Double)] = [("transformer", model.fileBits), ("bigram", bigramBits)]
    for compressor in Compressor.all { if let b = givenBits(compressor) { ranking.append((compressor.description, b)) } }
    print("\nbits per held-out character:")
    print("  " + ["method", "alone", "given training"].enumerated()
      .map { $0.element.padding(toLength: $0.offset == 0 ? 32 : 16, withPad: " ", startingAt: 0) }.joined())
    for row in rows {
      print("  " + row[0].padding(toLength: 32, withPad: " ", startingAt: 0) + row[1].padding(toLength: 16, withPad: " ", startingAt: 0)
            + row[2])
    }
    print("given the training text, from best to worst: "
          + ranking.sorted { $0.1 < $1.1 }.map { "\($0.0) \(Format.fixed($0.1, digits: 2))" }.joined(separator: " < "))
    run.report.addTable("Held-out words: bits per character", header: ["method", "alone", "given the training text", "notes"],
                        rows: rows,
                        note: "Bits per held-out character (8 × bytes ÷ characters). A compressor that has seen the training "
                          + "words is charged size(train + held-out) − size(train). The transformer has seen them too — it is "
                          + "the decompressor's side information, so its 'alone' column adds the weights (32 bits each) to the file.")
  }
}
