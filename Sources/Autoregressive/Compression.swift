import ArithmeticCoding
import Core
import Foundation

// Prediction is compression: the character model as a compressor.
//
// A text longer than the model's context L is predicted through windows that start at a
// separator (the newline between words), so every character is predicted from up to L
// characters before it, and the first of them is always a word boundary — the shape of
// the windows the model is trained on. The rule only looks back, so a decoder, which
// knows only what it has decoded, makes the same cuts:
//
//     sequence = [separator] + text;  s = 0;  for i = 1, 2, …:
//       if i − s > L:  s ← the last separator p with s < p < i   (else p = i − 1)
//       predict sequence[i] from sequence[s ..< i]
//
// `crossEntropy` scores a text under this rule with batched forwards (what training and
// the loss curves use); `Predictor` gives the same probabilities one position at a time
// with a key/value cache, which is what an arithmetic coder needs (encoder and decoder
// call the same code, so they see bit-identical tables).
extension Autoregressive {
  /// One window of the rule above: the model reads `sequence[start ..< start + L]` and the
  /// predictions of `predicted` (indices into the sequence) are scored from it.
  public struct Window: Sendable, Equatable {
    public var start: Int
    public var predicted: Range<Int>

    public init(start: Int, predicted: Range<Int>) {
      self.start = start
      self.predicted = predicted
    }
  }

  /// The windows that cover `sequence[1...]` (every index predicted exactly once) under
  /// the look-back rule with context `context`.
  public static func windows(_ sequence: [Int], context: Int, separator: Int) -> [Window] {
    precondition(context >= 1, "Autoregressive.windows: the context must be ≥ 1, got \(context)")
    guard sequence.count >= 2 else { return [] }
    var windows: [Window] = []
    var start = 0, first = 1
    while first < sequence.count {
      let end = min(start + context + 1, sequence.count)   // i − start ≤ context for i < end
      windows.append(Window(start: start, predicted: first..<end))
      guard end < sequence.count else { break }
      start = nextStart(sequence, after: start, before: end, separator: separator)
      first = end
    }
    return windows
  }

  /// The new window start when index `i` no longer fits: the last separator in
  /// (start, i), or i − 1 when a word is longer than the context.
  static func nextStart(_ sequence: [Int], after start: Int, before i: Int, separator: Int) -> Int {
    var p = i - 1
    while p > start && sequence[p] != separator { p -= 1 }
    return p > start ? p : i - 1
  }

  /// Σ −ln p(sequence[i] | window) over i = 1 ..< count, from batched forwards of up to
  /// `batchSize` windows (a short last window is padded with separators; causality keeps
  /// the padding from reaching the scored positions). Returns the total in nats and the
  /// number of predicted characters.
  public static func crossEntropy(_ model: CharTransformer, sequence: [Int], separator: Int,
                                  batchSize: Int = 32) -> (nats: Double, count: Int) {
    let context = model.configuration.context, v = model.configuration.vocabulary
    let all = windows(sequence, context: context, separator: separator)
    var total = 0.0, count = 0
    for first in stride(from: 0, to: all.count, by: batchSize) {
      let group = all[first..<min(first + batchSize, all.count)]
      let length = min(context, group.map { $0.predicted.upperBound - $0.start - 1 }.max()!)
      let inputs = group.map { window in
        (0..<length).map { window.start + $0 < sequence.count ? sequence[window.start + $0] : separator }
      }
      let logits = model.forward(inputs, training: false)
      logits.withUnsafeBufferPointer { l in
        for (row, window) in group.enumerated() {
          for i in window.predicted {
            let offset = (row * length + (i - window.start - 1)) * v
            total -= logSoftmax(l, offset: offset, count: v, at: sequence[i])
            count += 1
          }
        }
      }
    }
    return (total, count)
  }

  /// ln softmax(ℓ)_target for ℓ = logits[offset ..< offset + count], in Double.
  static func logSoftmax(_ logits: UnsafeBufferPointer<Float>, offset: Int, count: Int, at target: Int) -> Double {
    var largest = -Float.infinity
    for j in 0..<count { largest = max(largest, logits[offset + j]) }
    var sum = 0.0
    for j in 0..<count { sum += Foundation.exp(Double(logits[offset + j] - largest)) }
    return Double(logits[offset + target] - largest) - Foundation.log(sum)
  }

  /// The model as a `NextSymbolModel` for `ArithmeticCoding`: p(next | the text so far),
  /// where the text is preceded by one separator (the model's start symbol) and cut into
  /// windows by the look-back rule. Keeps a key/value cache, so calls in order (context
  /// lengths 0, 1, 2, …, as the coder makes them) cost one position each; any other call
  /// replays the rule from the start (right, but slow).
  public final class Predictor: NextSymbolModel {
    public let model: CharTransformer
    public let separator: Int
    public var alphabetSize: Int { model.configuration.vocabulary }
    private var cache: KeyValueCache
    /// The window start s (a sequence index) and how many sequence tokens the cache holds from s.
    private var start = 0
    private var sequence: [Int] = []
    private var logits: [Float] = []
    /// Positions run through the model so far (including window rebuilds).
    public private(set) var positionsRun = 0

    public init(model: CharTransformer, separator: Int) {
      precondition(separator >= 0 && separator < model.configuration.vocabulary,
                   "Autoregressive.Predictor: separator \(separator) is outside 0..<\(model.configuration.vocabulary)")
      self.model = model
      self.separator = separator
      cache = KeyValueCache(layers: model.blocks.count)
    }

    public func probabilities(after context: ArraySlice<Int>) -> [Double] {
      advance(to: context)
      var largest = -Float.infinity
      for value in logits { largest = max(largest, value) }
      var p = logits.map { Foundation.exp(Double($0 - largest)) }
      let total = p.reduce(0, +)
      for j in p.indices { p[j] /= total }
      return p
    }

    /// Brings the cache to sequence = [separator] + context, whose next index is predicted.
    private func advance(to context: ArraySlice<Int>) {
      guard !context.isEmpty && context.count == sequence.count && cacheMatches(context) else {
        replay(context)
        return
      }
      sequence.append(context.last!)
      let i = sequence.count
      if i - start > model.configuration.context {
        start = nextStart(sequence, after: start, before: i, separator: separator)
        rebuild()
      } else {
        run(sequence[i - 1])
      }
    }

    /// Whether `context` (one symbol longer than the text seen so far) agrees with what the
    /// cache was built from, sequence[start ..< count] — at most L symbols to compare.
    private func cacheMatches(_ context: ArraySlice<Int>) -> Bool {
      let base = context.startIndex - 1   // sequence index j is context[base + j]
      for j in max(start, 1)..<sequence.count where sequence[j] != context[base + j] { return false }
      return true
    }

    private func replay(_ context: ArraySlice<Int>) {
      sequence = [separator] + context
      let i = sequence.count
      start = 0
      // Replay the look-back rule's cuts up to i.
      var s = 0
      for j in 1...i where j - s > model.configuration.context {
        s = nextStart(sequence, after: s, before: j, separator: separator)
      }
      start = s
      rebuild()
    }

    /// Empties the cache and runs sequence[start ..< count].
    private func rebuild() {
      cache = KeyValueCache(layers: model.blocks.count)
      for index in start..<sequence.count { run(sequence[index]) }
    }

    private func run(_ token: Int) {
      logits = Autoregressive.step(model, token: token, cache: &cache)
      positionsRun += 1
    }
  }
}
