import ArithmeticCoding
import Autoregressive
import Core
import Datasets
import Foundation
import TestSupport
import Testing

@Suite struct ContextWindowTests {
  /// Worked by hand: separator 0, context 4. "⏎ab⏎cde⏎f": indices 0…8.
  /// i = 1…4 from s = 0; i = 5 needs a cut: the last separator in (0, 5) is 3;
  /// i = 5…7 from s = 3; i = 8 is 8 − 3 = 5 > 4: the last separator in (3, 8) is 7.
  @Test func handWorkedCuts() {
    let sequence = [0, 1, 2, 0, 3, 4, 5, 0, 6]
    let windows = Autoregressive.windows(sequence, context: 4, separator: 0)
    #expect(windows == [.init(start: 0, predicted: 1..<5), .init(start: 3, predicted: 5..<8),
                        .init(start: 7, predicted: 8..<9)])
  }

  /// A word longer than the context is cut inside the word (the window starts one back).
  @Test func longWordIsCutInside() {
    let sequence = [0, 1, 2, 3, 4, 5, 6, 7]
    let windows = Autoregressive.windows(sequence, context: 3, separator: 0)
    #expect(windows == [.init(start: 0, predicted: 1..<4), .init(start: 3, predicted: 4..<7),
                        .init(start: 6, predicted: 7..<8)])
  }

  /// For random texts: every index 1… is predicted once, in order, from ≤ L symbols, and a
  /// window starts at a separator unless no separator was there to start at.
  @Test(arguments: [1, 2, 5, 16])
  func windowsCoverEveryIndexOnce(context: Int) {
    var rng = RNG(seed: UInt64(context))
    let sequence = [0] + (0..<500).map { _ in rng.int(below: 6) }
    let windows = Autoregressive.windows(sequence, context: context, separator: 0)
    #expect(windows.flatMap { Array($0.predicted) } == Array(1..<sequence.count))
    for (k, window) in windows.enumerated() {
      #expect(window.predicted.upperBound - window.start - 1 <= context, "window \(k) reads more than L symbols")
      #expect(window.start < window.predicted.lowerBound)
      if k > 0 {
        let previous = windows[k - 1]
        let separatorFound = (previous.start + 1..<window.predicted.lowerBound).contains { sequence[$0] == 0 }
        #expect(sequence[window.start] == 0 || !separatorFound, "window \(k) could have started at a separator")
      }
    }
  }
}

@Suite struct TransformerCompressionTests {
  static func model(seed: UInt64, vocabulary: Int, context: Int) -> CharTransformer {
    var rng = RNG(seed: seed)
    return CharTransformer(.init(vocabulary: vocabulary, context: context, width: 16, heads: 2, layers: 2), rng: &rng)
  }

  /// The predictor's step-by-step probabilities give the same cross-entropy as the batched
  /// windows (float rounding aside): the coder spends what the loss curve says.
  @Test(arguments: [(UInt64(1), 8), (2, 5)])
  func predictorAgreesWithBatchedCrossEntropy(seed: UInt64, context: Int) {
    let model = Self.model(seed: seed, vocabulary: 7, context: context)
    var rng = RNG(seed: seed &+ 10)
    // Words of 1…9 symbols (some longer than the context), separated by 0.
    var text: [Int] = []
    for _ in 0..<40 { text += (0..<(1 + rng.int(below: 9))).map { _ in 1 + rng.int(below: 6) } + [0] }
    let predictor = Autoregressive.Predictor(model: model, separator: 0)
    var nats = 0.0
    for i in text.indices { nats -= log(predictor.probabilities(after: text[..<i])[text[i]]) }
    let batched = Autoregressive.crossEntropy(model, sequence: [0] + text, separator: 0, batchSize: 3)
    #expect(batched.count == text.count)
    #expect(abs(batched.nats - nats) <= 1e-4 * nats, "batched \(batched.nats) vs step by step \(nats)")
  }

  /// A call out of order (the replay path) gives bit-identical probabilities to the calls in order.
  @Test func replayEqualsIncremental() {
    let model = Self.model(seed: 3, vocabulary: 5, context: 6)
    var rng = RNG(seed: 4)
    let text = (0..<30).map { _ in rng.int(below: 5) }
    let inOrder = Autoregressive.Predictor(model: model, separator: 0)
    var probabilities: [[Double]] = []
    for i in text.indices { probabilities.append(inOrder.probabilities(after: text[..<i])) }
    let jumping = Autoregressive.Predictor(model: model, separator: 0)
    for i in [17, 3, 29, 0, 12, 13] {
      #expect(jumping.probabilities(after: text[..<i]) == probabilities[i], "context length \(i)")
    }
    // A different text of the same length is not mistaken for the cached one.
    var other = text
    other[26] = (other[26] + 1) % 5
    #expect(jumping.probabilities(after: other[..<27]) != probabilities[27])
  }

  /// Encode then decode with the model: the same symbols, bit for bit, and a stream within
  /// 2 bits of Σ −log₂ q under the coder's quantised tables — on random strings.
  @Test(arguments: [(UInt64(5), 1), (6, 37), (7, 400)])
  func roundTripOnRandomStrings(seed: UInt64, length: Int) throws {
    let model = Self.model(seed: seed, vocabulary: 9, context: 12)
    var rng = RNG(seed: seed &* 31)
    let text = (0..<length).map { _ in rng.int(below: 9) }
    let bytes = ArithmeticCoding.encode(text, model: Autoregressive.Predictor(model: model, separator: 0))
    let decoded = try ArithmeticCoding.decode(bytes, count: text.count,
                                              model: Autoregressive.Predictor(model: model, separator: 0))
    #expect(decoded == text)
    let ideal = ArithmeticCoding.idealBits(text, model: Autoregressive.Predictor(model: model, separator: 0))
    #expect(Double(bytes.count * 8) <= ideal + 2 + 8, "\(bytes.count) bytes for \(ideal) ideal bits")
    // One pass can give both: the same bytes and the same ideal length.
    let measured = ArithmeticCoding.encodeMeasuring(text, model: Autoregressive.Predictor(model: model, separator: 0))
    #expect(measured.bytes == bytes && measured.idealBits == ideal)
  }

  /// The round trip on the start of the bundled word list (the text lesson 10 compresses),
  /// with the vocabulary of the whole list and a model whose context is shorter than some words.
  @Test func roundTripOnTheBundledWordList() throws {
    let list = try WordList.load(from: .bundled(WordList.bundledPath))
    let vocabulary = list.vocabulary
    let text = vocabulary.encode(WordSplit.text(Array(list.shuffled(seed: 0).prefix(150))))
    let newline = vocabulary.id(of: "\n")!
    let model = Self.model(seed: 8, vocabulary: vocabulary.count, context: 10)
    let bytes = ArithmeticCoding.encode(text, model: Autoregressive.Predictor(model: model, separator: newline))
    let decoded = try ArithmeticCoding.decode(bytes, count: text.count,
                                              model: Autoregressive.Predictor(model: model, separator: newline))
    #expect(vocabulary.decode(decoded) == vocabulary.decode(text))
    // A damaged stream does not come back as the text.
    var damaged = bytes
    damaged[damaged.count / 2] ^= 0x10
    let again = try? ArithmeticCoding.decode(damaged, count: text.count,
                                             model: Autoregressive.Predictor(model: model, separator: newline))
    #expect(again != text)
  }
}
