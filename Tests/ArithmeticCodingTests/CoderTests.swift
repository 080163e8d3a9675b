import ArithmeticCoding
import Core
import Foundation
import Testing

/// Encodes `symbols`, symbol i with `tables[i % tables.count]`.
func encode(_ symbols: [Int], _ tables: [FrequencyTable]) -> [UInt8] {
  var encoder = ArithmeticEncoder()
  for (i, s) in symbols.enumerated() { encoder.encode(s, with: tables[i % tables.count]) }
  return encoder.finish()
}

/// Decodes `count` symbols with the same table schedule; `nil` if `finish()` rejects the stream.
func decode(_ bytes: [UInt8], count: Int, _ tables: [FrequencyTable]) -> (symbols: [Int], error: ArithmeticDecoder.StreamError?) {
  var decoder = ArithmeticDecoder(bytes)
  let symbols = (0..<count).map { decoder.decode(with: tables[$0 % tables.count]) }
  do {
    try decoder.finish()
    return (symbols, nil)
  } catch {
    return (symbols, error as? ArithmeticDecoder.StreamError)
  }
}

/// Σ −log₂ q_s under the tables, and the bound on the stream's bits from ArithmeticEncoder.swift:
///   bits ≤ Σ −log₂ q_s + 1 + Σ −log₂(1 − T/(2³⁰·f_s)), then up to 7 to fill the last byte.
func idealAndBound(_ symbols: [Int], _ tables: [FrequencyTable]) -> (ideal: Double, maxBytes: Int) {
  var ideal = 0.0, floorLoss = 0.0
  for (i, s) in symbols.enumerated() {
    let table = tables[i % tables.count]
    ideal += table.codeLength(s)
    floorLoss += -log2(1 - Double(table.total) / (Double(1 << 30) * Double(table.frequency(s))))
  }
  return (ideal, Int(((ideal + 1 + floorLoss) / 8).rounded(.up)))
}

@Suite struct CoderByHandTests {
  /// Two symbols of frequency 1 each (p = ½): every symbol halves the interval and sends
  /// exactly its own bit (E1 for 0, E2 for 1), and the interval is back to [0, 2³²−1], so
  /// the termination point is 0 and adds nothing. 10110001 = 0xB1; all zeros = no bytes.
  @Test func fairCoinSendsTheSymbolsAsBits() {
    let coin = [FrequencyTable(frequencies: [1, 1])]
    #expect(encode([1, 0, 1, 1, 0, 0, 0, 1], coin) == [0xB1])
    #expect(encode([1, 0, 1, 1, 0, 0, 0, 1, 1], coin) == [0xB1, 0x80])
    #expect(encode([0, 0, 0, 0, 0, 0, 0, 0, 0], coin) == [])
    #expect(decode([0xB1, 0x80], count: 9, coin).symbols == [1, 0, 1, 1, 0, 0, 0, 1, 1])
    #expect(decode([], count: 9, coin).symbols == [Int](repeating: 0, count: 9))
  }

  /// Frequencies (1, 2, 1), T = 4, by hand.
  ///  [1]: the interval becomes [2³⁰, 3·2³⁰ − 1] — it straddles ½ inside [¼, ¾): E3, one
  ///       pending bit, back to the full interval. finish: termination point 0, first bit 0,
  ///       then the pending bit 1 → 01 → 0x40.  [1, 1]: two pending → 011 → 0x60.
  ///  [2]: [3·2³⁰, 2³²−1] → E2 sends 1, [2³¹, 2³²−1] → E2 sends 1, full interval → 11 → 0xC0.
  ///  [0, 1]: [0, 2³⁰−1] → E1 0, E1 0; then one pending; finish 0 then 1 → 0001 → 0x10.
  @Test func pendingBitsByHand() {
    let table = [FrequencyTable(frequencies: [1, 2, 1])]
    #expect(encode([1], table) == [0x40])
    #expect(encode([1, 1], table) == [0x60])
    #expect(encode([2], table) == [0xC0])
    #expect(encode([0, 1], table) == [0x10])
    for symbols in [[1], [1, 1], [2], [0, 1]] {
      let bytes = encode(symbols, table)
      let decoded = decode(bytes, count: symbols.count, table)
      #expect(decoded.symbols == symbols && decoded.error == nil)
    }
  }

  /// Frequencies (1, 2), T = 3, by hand. [1]: low = ⌊2³²/3⌋ = 1 431 655 765, high = 2³²−1;
  /// no renormalisation; the number with the most trailing zeros in it is 2³¹ → 1 → 0x80.
  /// [1, 1]: range 2 863 311 531, low += ⌊range/3⌋ = 954 437 177 → 2 386 092 942 ≥ 2³¹:
  /// E2 sends 1, [477 218 588, 2³²−1]; termination 2³¹ → 11 → 0xC0.
  @Test func terminationPointByHand() {
    let table = [FrequencyTable(frequencies: [1, 2])]
    #expect(encode([1], table) == [0x80])
    #expect(encode([1, 1], table) == [0xC0])
    #expect(decode([0xC0], count: 2, table).symbols == [1, 1])
  }

  /// No symbols: no bytes, and the decoder accepts the empty stream.
  @Test func emptyInput() {
    var encoder = ArithmeticEncoder()
    #expect(encoder.finish() == [])
    let decoder = ArithmeticDecoder([])
    #expect(throws: Never.self) { try decoder.finish() }
  }

  /// A one-symbol alphabet costs nothing; a single symbol of a large alphabet costs about
  /// its code length.
  @Test func singleSymbol() {
    let only = [FrequencyTable(frequencies: [1])]
    #expect(encode([0, 0, 0], only) == [])
    #expect(decode([], count: 3, only).symbols == [0, 0, 0])
    let bytes256 = [FrequencyTable(frequencies: [Int](repeating: 1, count: 256))]
    for s in [0, 1, 77, 128, 255] {
      let bytes = encode([s], bytes256)
      #expect(bytes.count <= 1, "symbol \(s) of 256 equal ones took \(bytes.count) bytes")
      let decoded = decode(bytes, count: 1, bytes256)
      #expect(decoded.symbols == [s] && decoded.error == nil)
    }
  }
}

/// The random cases: which tables, and how the symbols are drawn.
enum TableCase: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case coin              // frequencies (1, 1)
  case small             // 5 symbols, random
  case letters           // 27 symbols, random, T = 2¹⁶
  case skewed            // 2 symbols, one with 99.99 % of the mass
  case skewed256         // 256 symbols, one with 99.99 %, the others share 0.01 % (frequency 1)
  case bytes             // 256 symbols, random
  case minimum           // 256 symbols, T = 256: every frequency is 1
  case nearMinimum       // 200 symbols, T = 210: almost all frequencies 1
  case maxTotal          // 1000 symbols, T = 2²⁴, random with exact zeros
  case changing          // a different random table (and alphabet size) at every step
  var testDescription: String { rawValue }

  func tables(using rng: inout RNG) -> [FrequencyTable] {
    func table(_ n: Int, total: Int = FrequencyTable.defaultTotal, trial: Int) -> FrequencyTable {
      FrequencyTable(probabilities: randomProbabilities(n, trial: trial, using: &rng), total: total)
    }
    switch self {
    case .coin: return [FrequencyTable(frequencies: [1, 1])]
    case .small: return [table(5, trial: 0)]
    case .letters: return [table(27, trial: 0)]
    case .skewed: return [FrequencyTable(probabilities: [0.9999, 0.0001] as [Double])]
    case .skewed256: return [FrequencyTable(probabilities: [0.9999] + [Double](repeating: 0.0001 / 255, count: 255))]
    case .bytes: return [table(256, trial: 0)]
    case .minimum: return [table(256, total: 256, trial: 0)]
    case .nearMinimum: return [table(200, total: 210, trial: 0)]
    case .maxTotal: return [table(1000, total: FrequencyTable.maxTotal, trial: 2)]
    case .changing:
      return (0..<64).map { i in
        let n = [2, 3, 27, 256, 1000][i % 5]
        return table(n, total: i % 3 == 0 ? FrequencyTable.maxTotal : FrequencyTable.defaultTotal, trial: i)
      }
    }
  }
}

/// Symbols drawn from the table itself (what a good model sees), or uniformly (the worst
/// case: rare symbols as often as common ones).
enum Draw: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case fromTable, uniform
  var testDescription: String { rawValue }
}

func drawSymbols(_ count: Int, _ tables: [FrequencyTable], _ draw: Draw, using rng: inout RNG) -> [Int] {
  (0..<count).map { i in
    let table = tables[i % tables.count]
    let target = rng.next() % UInt64(draw == .uniform ? table.symbolCount : table.total)
    return draw == .uniform ? Int(target) : table.symbol(containing: target)
  }
}

@Suite struct CoderRoundTripTests {
  /// Random seeded tables and streams of several lengths: decoding gives back every symbol,
  /// the decoder accepts the stream, and the size is within the bound of
  /// ArithmeticEncoder.swift (Σ −log₂ q + 1 + floor losses, rounded up to bytes), which also
  /// meets the brief's looser "≤ 2 bytes + 1 % of the ideal".
  @Test(arguments: TableCase.allCases, Draw.allCases)
  func roundTripAndSize(_ tableCase: TableCase, _ draw: Draw) {
    var rng = RNG(seed: 2026, stream: UInt64(TableCase.allCases.firstIndex(of: tableCase)! * 2 + (draw == .uniform ? 1 : 0)))
    for length in [1, 2, 3, 10, 100, 1000, 20_000] {
      let tables = tableCase.tables(using: &rng)
      let symbols = drawSymbols(length, tables, draw, using: &rng)
      let bytes = encode(symbols, tables)
      let decoded = decode(bytes, count: length, tables)
      #expect(decoded.symbols == symbols, "\(tableCase), \(draw), \(length) symbols: round trip differs at \(firstDifference(decoded.symbols, symbols))")
      #expect(decoded.error == nil, "\(tableCase), \(draw), \(length) symbols: \(decoded.error.map(String.init(describing:)) ?? "")")
      let (ideal, maxBytes) = idealAndBound(symbols, tables)
      #expect(bytes.count <= maxBytes,
              "\(tableCase), \(draw), \(length) symbols: \(bytes.count) bytes, ideal \(ideal) bits, bound \(maxBytes) bytes")
      #expect(Double(bytes.count) <= 2 + 1.01 * ideal / 8,
              "\(tableCase), \(draw), \(length) symbols: \(bytes.count) bytes > 2 + 1 % over ideal \(ideal / 8) bytes")
      #expect(bytes.last != 0, "\(tableCase): the encoder wrote a trailing zero byte")
    }
  }

  /// Same symbols and tables, same bytes; and the tables rebuilt from the same floats give
  /// the same bytes.
  @Test func deterministic() {
    var rng = RNG(seed: 5)
    let probabilities = (0..<50).map { _ in (0..<27).map { _ in rng.uniform() } }
    let tables = probabilities.map { FrequencyTable(probabilities: $0) }
    let symbols = drawSymbols(5000, tables, .fromTable, using: &rng)
    let first = encode(symbols, tables)
    #expect(encode(symbols, tables) == first)
    #expect(encode(symbols, probabilities.map { FrequencyTable(probabilities: $0) }) == first)
    #expect(decode(first, count: symbols.count, tables).symbols == symbols)
  }

  /// Long runs of the likely symbol drive many E3 doublings (pending counts in the
  /// thousands: a symbol of p ≈ ½ centred on ½) and many E1/E2 runs of the skewed table.
  @Test func longPendingRuns() {
    let centred = [FrequencyTable(frequencies: [1, 1_000_000, 1])]
    let symbols = [Int](repeating: 1, count: 50_000) + [0, 2, 1, 0]
    let bytes = encode(symbols, centred)
    let decoded = decode(bytes, count: symbols.count, centred)
    #expect(decoded.symbols == symbols && decoded.error == nil)
    let (ideal, maxBytes) = idealAndBound(symbols, centred)
    #expect(bytes.count <= maxBytes, "\(bytes.count) bytes, ideal \(ideal) bits")
  }
}

@Suite struct DamagedStreamTests {
  /// Each stream is the only one the encoder writes for its symbols, so a damaged stream
  /// (cut short, extended, one bit flipped) never passes as the original: it decodes to
  /// other symbols or `finish()` throws. Missing bytes read as zeros: no crash, no over-read.
  @Test(arguments: [TableCase.letters, .bytes, .skewed, .changing])
  func damageIsNeverSilent(_ tableCase: TableCase) {
    var rng = RNG(seed: 77)
    var caught = 0, changed = 0
    for trial in 0..<30 {
      let tables = tableCase.tables(using: &rng)
      let symbols = drawSymbols(200 + trial, tables, .fromTable, using: &rng)
      let bytes = encode(symbols, tables)
      var damaged: [[UInt8]] = [bytes + [0], bytes + [1], bytes + [0x80, 0]]
      if !bytes.isEmpty {
        damaged.append(Array(bytes.dropLast()))
        var flipped = bytes
        let bit = Int(rng.next() % UInt64(bytes.count * 8))
        flipped[bit / 8] ^= 0x80 >> UInt8(bit % 8)
        damaged.append(flipped)
      }
      for stream in damaged where stream != bytes {
        let decoded = decode(stream, count: symbols.count, tables)
        #expect(decoded.symbols != symbols || decoded.error != nil,
                "\(tableCase), trial \(trial): a damaged stream of \(stream.count) bytes passed as the original")
        if decoded.error != nil { caught += 1 } else { changed += 1 }
      }
    }
    #expect(caught > 0, "\(tableCase): \(caught) damaged streams caught by finish(), \(changed) decoded to other symbols")
  }

  /// The errors name what is wrong.
  @Test func errorsAreSpecific() {
    let table = [FrequencyTable(frequencies: [1, 2, 1])]
    let bytes = encode([1, 1, 2, 0], table)
    #expect(decode(bytes + [0, 0], count: 4, table).error == .trailingZeroBytes(count: 2, streamBytes: bytes.count + 2))
    if case .extraBits = decode(bytes + [0xFF], count: 4, table).error {} else {
      Issue.record("an appended 0xFF byte should be reported as extra bits")
    }
    let error = decode(bytes + [0xFF], count: 4, table).error
    #expect(error.map(String.init(describing:))?.contains("set bits after bit") == true)
    // Fewer symbols than were encoded: the rest of the stream is extra.
    #expect(decode(encode([Int](repeating: 1, count: 40) + [2, 2, 0], table), count: 3, table).error != nil)
  }

  /// Decoding more symbols than the stream holds reads zeros past the end (no crash), and
  /// the extra symbols are those of the point where the stream ends.
  @Test func readingPastTheEndIsZeros() {
    let coin = [FrequencyTable(frequencies: [1, 1])]
    let decoded = decode([0xB1], count: 20, coin)
    #expect(decoded.symbols == [1, 0, 1, 1, 0, 0, 0, 1] + [Int](repeating: 0, count: 12))
    #expect(decoded.error == nil)
  }
}

func firstDifference(_ a: [Int], _ b: [Int]) -> String {
  if let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
    return "index \(i): \(a[i]) vs \(b[i])"
  }
  return a.count == b.count ? "nowhere" : "lengths \(a.count) vs \(b.count)"
}
