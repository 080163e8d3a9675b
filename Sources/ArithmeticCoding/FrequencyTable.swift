// A model speaks in probabilities; an integer coder needs integer frequencies f_s ≥ 1 with
// a fixed total T = Σ f_s. This file does the rounding, deterministically (the encoder and
// the decoder must build bit-identical tables from the same floats), so that no symbol
// gets frequency 0 (a symbol with f = 0 could not be coded at all).
//
// The rounding. With n symbols and p_s normalised to sum 1 (the sum taken in Double, in
// index order),
//
//     f_s = 1 + ⌊p_s·(T − n)⌋,   then the leftover R = T − Σ f_s (0 ≤ R < n) goes to the
//                                 symbol with the largest f (the first one on ties).
//
// Its cost. 1 + ⌊x⌋ > x, so q_s = f_s/T > p_s·(T − n)/T for every symbol, and the code
// length of any single symbol grows by less than
//
//     −log₂ q_s − (−log₂ p_s) < −log₂(1 − n/T)   ≈ n/(T·ln 2) bits.
//
// With T = 2¹⁶: 27 symbols → < 0.00059 bits, 256 symbols → < 0.0057 bits per symbol. A
// symbol the model calls impossible (p = 0) still gets f = 1, i.e. log₂ T = 16 bits.
import Foundation

/// Integer frequencies f_0 … f_{n−1} ≥ 1 with total T, stored as cumulative counts
/// C_s = Σ_{r<s} f_r (C_0 = 0, C_n = T); symbol s owns [C_s, C_{s+1}) of [0, T).
public struct FrequencyTable: Sendable, Equatable {
  /// The total that tables built from probabilities use unless told otherwise: 2¹⁶.
  public static let defaultTotal = 1 << 16
  /// The largest total the coder accepts: 2²⁴. The coder's interval is always wider than
  /// 2³⁰ (see ArithmeticEncoder.swift), so a frequency-1 symbol still gets ≥ 2⁶ integers,
  /// and the integer division costs a symbol of frequency f less than −log₂(1 − T/(2³⁰·f))
  /// bits (for f = 1: < 0.023 at T = 2²⁴, < 0.0001 at 2¹⁶).
  public static let maxTotal = 1 << 24

  /// C_0 … C_n: n + 1 entries, C_0 = 0, C_n = total.
  public let cumulative: [UInt32]

  /// The number of symbols n.
  public var symbolCount: Int { cumulative.count - 1 }
  /// T = Σ f_s.
  public var total: Int { Int(cumulative[cumulative.count - 1]) }
  /// f_s = C_{s+1} − C_s.
  public func frequency(_ symbol: Int) -> Int { Int(cumulative[symbol + 1] - cumulative[symbol]) }
  /// q_s = f_s / T, the probability the coder actually uses.
  public func probability(_ symbol: Int) -> Double { Double(frequency(symbol)) / Double(total) }
  /// −log₂ q_s: what coding `symbol` costs, in bits.
  public func codeLength(_ symbol: Int) -> Double { -log2(probability(symbol)) }

  /// Exact frequencies: `frequencies` [n], every entry ≥ 1, sum ≤ 2²⁴.
  public init(frequencies: [Int]) {
    precondition(!frequencies.isEmpty, "FrequencyTable(frequencies:): no symbols")
    var cumulative = [UInt32](repeating: 0, count: frequencies.count + 1)
    var sum = 0
    for (s, f) in frequencies.enumerated() {
      precondition(f >= 1, "FrequencyTable(frequencies:): symbol \(s) has frequency \(f); every symbol needs ≥ 1")
      sum += f
      precondition(sum <= Self.maxTotal,
                   "FrequencyTable(frequencies:): the \(frequencies.count) frequencies sum past 2²⁴ = \(Self.maxTotal)")
      cumulative[s + 1] = UInt32(sum)
    }
    self.cumulative = cumulative
  }

  /// Quantises probabilities (or any non-negative weights; they are normalised) [n] to
  /// frequencies with total `total` (n ≤ total ≤ 2²⁴):
  ///
  ///     f_s = 1 + ⌊p_s/Σp · (T − n)⌋,  leftover T − Σ f to the largest f (first on ties).
  ///
  /// Deterministic: the same weights give the same table on every machine. Every symbol's
  /// code length exceeds −log₂ p_s by less than −log₂(1 − n/T) bits.
  public init(probabilities: [Double], total: Int = FrequencyTable.defaultTotal) {
    let n = probabilities.count
    precondition(n >= 1, "FrequencyTable(probabilities:): no symbols")
    precondition(total >= n && total <= Self.maxTotal,
                 "FrequencyTable(probabilities:): total \(total) must lie in n … 2²⁴ = \(n) … \(Self.maxTotal)")
    var sum = 0.0
    for (s, p) in probabilities.enumerated() {
      precondition(p >= 0 && p.isFinite,
                   "FrequencyTable(probabilities:): probability of symbol \(s) is \(p); it must be finite and ≥ 0")
      sum += p
    }
    precondition(sum > 0 && sum.isFinite, "FrequencyTable(probabilities:): the \(n) probabilities sum to \(sum)")
    let spare = Double(total - n)           // the mass left after every symbol's 1
    var frequencies = [Int](repeating: 1, count: n)
    var assigned = 0
    var largest = 0
    for s in 0..<n {
      let share = min((probabilities[s] / sum * spare).rounded(.down), spare)
      frequencies[s] += Int(share)
      assigned += frequencies[s]
      if frequencies[s] > frequencies[largest] { largest = s }
    }
    // Σ⌊x_s⌋ ≤ Σ x_s = T − n up to rounding of 1e-16 relative, so the leftover is ≥ 0;
    // should rounding ever overshoot, take it back from the largest.
    frequencies[largest] += total - assigned
    precondition(frequencies[largest] >= 1, "FrequencyTable(probabilities:): rounding left symbol \(largest) empty")
    self.init(frequencies: frequencies)
  }

  /// The same from Float probabilities (each converted to Double exactly, so a Float model
  /// and its Double copy give the same table).
  public init(probabilities: [Float], total: Int = FrequencyTable.defaultTotal) {
    self.init(probabilities: probabilities.map(Double.init), total: total)
  }

  /// From counts c_s ≥ 0 [n]. Exact (f_s = c_s) when every count is ≥ 1 and Σ c ≤ 2²⁴;
  /// otherwise the counts are weights for `init(probabilities:total:)` with T = 2¹⁶
  /// (a zero count becomes frequency 1).
  public init(counts: [Int]) {
    precondition(!counts.isEmpty, "FrequencyTable(counts:): no symbols")
    precondition(counts.allSatisfy { $0 >= 0 }, "FrequencyTable(counts:): a count is negative: \(counts.filter { $0 < 0 }.prefix(3))")
    let sum = counts.reduce(0, +)
    if counts.allSatisfy({ $0 >= 1 }) && sum <= Self.maxTotal {
      self.init(frequencies: counts)
    } else if sum == 0 {
      self.init(frequencies: [Int](repeating: 1, count: counts.count))
    } else {
      self.init(probabilities: counts.map(Double.init), total: max(Self.defaultTotal, counts.count))
    }
  }

  /// The symbol s with C_s ≤ target < C_{s+1} (binary search), for 0 ≤ target < T.
  @inlinable
  public func symbol(containing target: UInt64) -> Int {
    var lo = 0, hi = cumulative.count - 1      // C_lo ≤ target < C_hi
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if UInt64(cumulative[mid]) <= target { lo = mid } else { hi = mid }
    }
    return lo
  }
}
