// The count-based baselines a learned model has to beat: how often each symbol occurs
// (unigram), and how often it follows each other symbol (bigram), with add-α smoothing so
// no symbol is impossible. Both are NextSymbolModels: they give the probabilities of the
// next symbol after a context, and a FrequencyTable for the coder (cached, one per context).
import Foundation

/// A model that predicts step by step: the distribution of the next symbol in 0..<alphabetSize
/// given the symbols before it. The coder asks `frequencyTable(after:)`; a trained network
/// conforms by returning its softmax.
public protocol NextSymbolModel {
  /// n: symbols are 0..<n.
  var alphabetSize: Int { get }
  /// p(· | context) [alphabetSize], summing to 1. `context` is every symbol before the next
  /// one (empty at the start).
  func probabilities(after context: ArraySlice<Int>) -> [Double]
  /// p(symbol | context). Default: from `probabilities(after:)`.
  func probability(of symbol: Int, after context: ArraySlice<Int>) -> Double
  /// The coder's table for the next symbol. Default: `FrequencyTable(probabilities:)` with T = 2¹⁶.
  func frequencyTable(after context: ArraySlice<Int>) -> FrequencyTable
}

extension NextSymbolModel {
  public func probability(of symbol: Int, after context: ArraySlice<Int>) -> Double {
    probabilities(after: context)[symbol]
  }

  public func frequencyTable(after context: ArraySlice<Int>) -> FrequencyTable {
    FrequencyTable(probabilities: probabilities(after: context))
  }

  /// The model's cross-entropy on `symbols`, in bits per symbol (what an ideal coder would
  /// spend, before the table's rounding):
  ///
  ///     (1/N) Σ_i −log₂ p(s_i | s_<i)
  ///
  /// Each symbol is predicted from the symbols of `symbols` before it (the first from an
  /// empty context). 0 for an empty sequence.
  public func bitsPerSymbol(of symbols: [Int]) -> Double {
    guard !symbols.isEmpty else { return 0 }
    var bits = 0.0
    for i in symbols.indices {
      precondition(symbols[i] >= 0 && symbols[i] < alphabetSize,
                   "bitsPerSymbol: symbol \(symbols[i]) at \(i) is outside 0..<\(alphabetSize)")
      bits -= log2(probability(of: symbols[i], after: symbols[..<i]))
    }
    return bits / Double(symbols.count)
  }
}

/// Counts c_s of each symbol in the training sequence, with add-α smoothing (α = 1 is
/// Laplace's rule of succession):
///
///     p(s) = (c_s + α) / (N + α·n),   N = Σ c_s, n = alphabetSize.
///
/// The context is ignored.
public struct UnigramModel: NextSymbolModel, Sendable {
  public let alphabetSize: Int
  public let alpha: Double
  /// c_s [alphabetSize].
  public let counts: [Int]
  /// N = Σ c_s.
  public let total: Int
  let table: FrequencyTable

  /// Trains on `training` (symbols in 0..<alphabetSize); α > 0.
  public init(training: [Int], alphabetSize: Int, alpha: Double = 1) {
    precondition(alphabetSize >= 1, "UnigramModel: alphabetSize is \(alphabetSize); it must be ≥ 1")
    precondition(alpha > 0 && alpha.isFinite, "UnigramModel: α is \(alpha); it must be > 0 (else unseen symbols get p = 0)")
    var counts = [Int](repeating: 0, count: alphabetSize)
    for (i, s) in training.enumerated() {
      precondition(s >= 0 && s < alphabetSize, "UnigramModel: training symbol \(s) at \(i) is outside 0..<\(alphabetSize)")
      counts[s] += 1
    }
    self.alphabetSize = alphabetSize
    self.alpha = alpha
    self.counts = counts
    self.total = training.count
    self.table = FrequencyTable(probabilities: Self.smoothed(counts[...], alpha: alpha))
  }

  /// (c_s + α) / (Σc + α·n) for each s of one row of counts.
  static func smoothed(_ counts: ArraySlice<Int>, alpha: Double) -> [Double] {
    let denominator = Double(counts.reduce(0, +)) + alpha * Double(counts.count)
    return counts.map { (Double($0) + alpha) / denominator }
  }

  public func probabilities(after context: ArraySlice<Int>) -> [Double] {
    Self.smoothed(counts[...], alpha: alpha)
  }

  public func probability(of symbol: Int, after context: ArraySlice<Int>) -> Double {
    (Double(counts[symbol]) + alpha) / (Double(total) + alpha * Double(alphabetSize))
  }

  public func frequencyTable(after context: ArraySlice<Int>) -> FrequencyTable { table }
}

/// Counts c[a, b] of symbol b right after symbol a in the training sequence, add-α smoothed
/// per row:
///
///     p(b | a) = (c[a, b] + α) / (c[a, ·] + α·n),   c[a, ·] = Σ_b c[a, b].
///
/// Only the last symbol of the context matters; with an empty context (the first symbol)
/// the model falls back to the add-α unigram of the same training data.
public struct BigramModel: NextSymbolModel, Sendable {
  public let alphabetSize: Int
  public let alpha: Double
  /// c[a, b] at a·n + b, [alphabetSize·alphabetSize].
  public let counts: [Int]
  /// c[a, ·] [alphabetSize].
  public let rowTotals: [Int]
  /// The model for the first symbol.
  public let unigram: UnigramModel
  let tables: [FrequencyTable]

  /// Trains on `training` (symbols in 0..<alphabetSize, read as one sequence); α > 0.
  public init(training: [Int], alphabetSize: Int, alpha: Double = 1) {
    unigram = UnigramModel(training: training, alphabetSize: alphabetSize, alpha: alpha)
    let n = alphabetSize
    var counts = [Int](repeating: 0, count: n * n)
    var rowTotals = [Int](repeating: 0, count: n)
    for i in training.indices.dropFirst() {
      counts[training[i - 1] * n + training[i]] += 1
      rowTotals[training[i - 1]] += 1
    }
    self.alphabetSize = n
    self.alpha = alpha
    self.counts = counts
    self.rowTotals = rowTotals
    tables = (0..<n).map { a in
      FrequencyTable(probabilities: UnigramModel.smoothed(counts[(a * n)..<(a * n + n)], alpha: alpha))
    }
  }

  public func probabilities(after context: ArraySlice<Int>) -> [Double] {
    guard let a = context.last else { return unigram.probabilities(after: context) }
    return UnigramModel.smoothed(counts[(a * alphabetSize)..<(a * alphabetSize + alphabetSize)], alpha: alpha)
  }

  public func probability(of symbol: Int, after context: ArraySlice<Int>) -> Double {
    guard let a = context.last else { return unigram.probability(of: symbol, after: context) }
    return (Double(counts[a * alphabetSize + symbol]) + alpha) / (Double(rowTotals[a]) + alpha * Double(alphabetSize))
  }

  public func frequencyTable(after context: ArraySlice<Int>) -> FrequencyTable {
    guard let a = context.last else { return unigram.table }
    return tables[a]
  }
}
