import ArithmeticCoding
import Core
import Foundation
import Testing

@Suite struct FrequencyTableTests {
  /// p = (0.5, 0.25, 0.25), T = 16, n = 3, by hand: T − n = 13, shares 6.5, 3.25, 3.25 →
  /// f = 1 + (6, 3, 3) = (7, 4, 4), Σ = 15, leftover 1 to the largest (symbol 0) → (8, 4, 4),
  /// cumulative (0, 8, 12, 16).
  @Test func smallTableByHand() {
    let table = FrequencyTable(probabilities: [0.5, 0.25, 0.25] as [Double], total: 16)
    #expect(table.cumulative == [0, 8, 12, 16])
    #expect(table.total == 16 && table.symbolCount == 3)
    #expect((0..<3).map(table.frequency) == [8, 4, 4])
    #expect(table.codeLength(0) == 1 && table.codeLength(1) == 2)
  }

  /// p = (0, 1, 0, 0), T = 8, by hand: shares 0, 4, 0, 0 → f = (1, 5, 1, 1), Σ = 8, no leftover.
  /// Symbols the model calls impossible stay codable (f = 1).
  @Test func zeroProbabilitiesGetFrequencyOne() {
    let table = FrequencyTable(probabilities: [0, 1, 0, 0] as [Double], total: 8)
    #expect(table.cumulative == [0, 1, 6, 7, 8])
    let big = FrequencyTable(probabilities: [Double](repeating: 0, count: 255) + [1])
    #expect((0..<255).allSatisfy { big.frequency($0) == 1 })
    #expect(big.frequency(255) == FrequencyTable.defaultTotal - 255)
  }

  /// Weights need not be normalised: (2, 1, 1) gives the same table as (0.5, 0.25, 0.25).
  @Test func weightsAreNormalised() {
    #expect(FrequencyTable(probabilities: [2, 1, 1] as [Double], total: 16).cumulative == [0, 8, 12, 16])
  }

  /// Every table sums to T, every symbol ≥ 1, and every symbol's code length exceeds the
  /// model's −log₂ p by less than −log₂(1 − n/T) (the bound in FrequencyTable.swift).
  @Test(arguments: [(2, 1 << 16), (27, 1 << 16), (256, 1 << 16), (256, 256), (256, 300), (1000, 1 << 24), (1, 1 << 16)])
  func quantisationBound(_ n: Int, _ total: Int) {
    var rng = RNG(seed: UInt64(n * 7919 + total))
    for trial in 0..<20 {
      let p = randomProbabilities(n, trial: trial, using: &rng)
      let table = FrequencyTable(probabilities: p, total: total)
      let sum = p.reduce(0, +)
      #expect(table.total == total && table.symbolCount == n)
      #expect((0..<n).allSatisfy { table.frequency($0) >= 1 }, "n \(n), T \(total), trial \(trial)")
      let bound = -log2(1 - Double(n) / Double(total)) + 1e-12
      var worst = (excess: -Double.infinity, symbol: 0)
      for s in 0..<n where p[s] > 0 {
        let excess = table.codeLength(s) - (-log2(p[s] / sum))
        if excess > worst.excess { worst = (excess, s) }
      }
      #expect(worst.excess < bound,
              "n \(n), T \(total), trial \(trial): symbol \(worst.symbol) costs \(worst.excess) bits more than −log₂ p, bound \(bound)")
    }
  }

  /// The encoder and the decoder build their tables separately: the same floats must give
  /// the same table, and a Float model gives the table of its exact Double copy.
  @Test func deterministic() {
    var rng = RNG(seed: 11)
    for trial in 0..<20 {
      let p = (0..<97).map { _ in Float(rng.uniform()) * (trial % 2 == 0 ? 1 : 1e-30) }
      let a = FrequencyTable(probabilities: p)
      let b = FrequencyTable(probabilities: p)
      let c = FrequencyTable(probabilities: p.map(Double.init))
      #expect(a == b && a == c)
    }
  }

  /// Counts that are all ≥ 1 and sum to ≤ 2²⁴ are used as they are; others are quantised
  /// to T = 2¹⁶ with every symbol ≥ 1.
  @Test func fromCounts() {
    #expect(FrequencyTable(counts: [3, 1, 4, 1, 5]).cumulative == [0, 3, 4, 8, 9, 14])
    let withZero = FrequencyTable(counts: [0, 3, 1])
    #expect(withZero.total == FrequencyTable.defaultTotal && withZero.frequency(0) == 1)
    // (0, 3, 1) → shares of 65533: 0, 49149.75, 16383.25 → 1, 49150, 16384, Σ 65535, leftover 1 to symbol 1.
    #expect(withZero.cumulative == [0, 1, 49152, 65536])
    let huge = FrequencyTable(counts: [1 << 30, 1, 1 << 29])
    #expect(huge.total == FrequencyTable.defaultTotal && huge.frequency(1) == 1)
    #expect(FrequencyTable(counts: [0, 0]).cumulative == [0, 1, 2])
  }

  /// symbol(containing:) agrees with a linear scan over every target of small tables.
  @Test func symbolLookupMatchesLinearScan() {
    for frequencies in [[1], [5], [1, 1], [3, 1, 4, 1, 5, 9, 2, 6], [1, 1, 1, 100, 1]] {
      let table = FrequencyTable(frequencies: frequencies)
      for target in 0..<table.total {
        let expected = (0..<frequencies.count).last { Int(table.cumulative[$0]) <= target }!
        #expect(table.symbol(containing: UInt64(target)) == expected, "\(frequencies), target \(target)")
      }
    }
  }
}

/// Seeded probability vectors of several shapes: trial % 4 = 0 flat-ish random, 1 one symbol
/// with 99.99 % of the mass, 2 many exact zeros, 3 a geometric fall-off over 40 decades.
func randomProbabilities(_ n: Int, trial: Int, using rng: inout RNG) -> [Double] {
  switch trial % 4 {
  case 0:
    return (0..<n).map { _ in Double(rng.uniform()) + 1e-9 }
  case 1:
    let big = Int(rng.next() % UInt64(n))
    return (0..<n).map { $0 == big ? 0.9999 : 0.0001 / Double(max(n - 1, 1)) }
  case 2:
    var p = (0..<n).map { _ in rng.uniform() < 0.7 ? 0 : Double(rng.uniform()) }
    p[Int(rng.next() % UInt64(n))] = 1
    return p
  default:
    return (0..<n).map { pow(0.5, Double($0 % 130)) }
  }
}
