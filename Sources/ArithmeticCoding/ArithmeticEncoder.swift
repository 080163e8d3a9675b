// The coder: integer arithmetic coding with 32-bit low/high and the pending-bits (E3) rule
// of Witten, Neal & Cleary, "Arithmetic coding for data compression", CACM 30(6), 1987.
//
// Intervals. The message so far is an interval [low, high] of the integers 0 … 2³²−1 (read
// as the binary fractions 0.low … 0.high, with high standing for high + 0.111…). Coding a
// symbol s with cumulative counts C_s, C_{s+1} and total T keeps its share of the interval:
//
//     range = high − low + 1
//     high  = low + ⌊range·C_{s+1}/T⌋ − 1
//     low   = low + ⌊range·C_s/T⌋
//
// so the width shrinks by q_s = f_s/T (up to the floor). The products are taken in UInt64
// (range ≤ 2³², T ≤ 2²⁴).
//
// Renormalisation. As soon as the interval lies in one half, the first bit of every number
// in it is known, so it is sent and the interval is doubled:
//
//     E1: high < ½     → send 0, [low, high] ← [2·low, 2·high + 1]
//     E2: low ≥ ½      → send 1, [low, high] ← [2·(low − ½), 2·(high − ½) + 1]
//
// The E3 rule. An interval that straddles ½ but lies inside [¼, ¾) can shrink forever
// without settling its first bit. Then it is doubled around ½, [low, high] ←
// [2·(low − ¼), 2·(high − ¼) + 1], and a *pending* bit is counted: the next bit sent, b, is
// followed by `pending` copies of its opposite (0111… = just under ½, 1000… = just over).
// After renormalisation the interval always holds ½ and is wider than ¼ (2³⁰), which is
// why any T ≤ 2³⁰ keeps every f_s ≥ 1 symbol codable (we allow T ≤ 2²⁴ to keep the
// floor's loss below 0.023 bits per symbol).
//
// Termination. `finish` picks, among the integers in [low, high], the one v with the most
// trailing zero bits, sends its first bit, the pending bits, and the rest of v, then drops
// every trailing zero byte: the decoder reads missing bytes as zeros, so they carry nothing.
// Its length: if the final interval has width W (as a fraction of [0, 1)), its R = W·2^m
// integers at the current scale 2^m hold a multiple of 2^⌊log₂ R⌋, so the stream needs at
// most ⌈−log₂ W⌉ ≤ −log₂ W + 1 bits, then up to 7 more to fill the last byte. And W ≥
// Π q_s·(1 − T/(2³⁰·f_s)), because the two floors above take less than one integer from a
// share of range·f_s/T > 2³⁰·f_s/T integers. So
//
//     bits ≤ Σ −log₂ q_s + 1 + Σ −log₂(1 − T/(2³⁰·f_s)) + 7
//
// (the middle sum is < 0.0001 bits per symbol at T = 2¹⁶).
//
// The empty message — and any message whose interval still holds 0 — costs zero bytes.
// The stream does not record its length: the caller stores the symbol count.

/// Writes symbols, each with the frequency table the model gives for it, to a byte stream.
///
///     var encoder = ArithmeticEncoder()
///     for s in symbols { encoder.encode(s, with: table) }
///     let bytes = encoder.finish()
public struct ArithmeticEncoder: Sendable {
  static let half: UInt64 = 1 << 31
  static let quarter: UInt64 = 1 << 30
  static let top: UInt64 = (1 << 32) - 1

  var low: UInt64 = 0
  var high: UInt64 = ArithmeticEncoder.top
  /// E3 doublings whose bit is not known yet.
  var pending = 0
  var bytes: [UInt8] = []
  var partialByte: UInt8 = 0
  var partialBits = 0
  var finished = false

  /// Symbols encoded so far.
  public private(set) var symbolCount = 0

  public init() {}

  /// Narrows the interval to `symbol`'s share [C_s, C_{s+1}) / T of it and sends the bits
  /// that became certain. `symbol` must lie in 0..<table.symbolCount.
  public mutating func encode(_ symbol: Int, with table: FrequencyTable) {
    precondition(!finished, "ArithmeticEncoder.encode: the encoder has already finished")
    precondition(symbol >= 0 && symbol < table.symbolCount,
                 "ArithmeticEncoder.encode: symbol \(symbol) is outside the table's 0..<\(table.symbolCount)")
    let range = high - low + 1
    let total = UInt64(table.total)
    high = low + range * UInt64(table.cumulative[symbol + 1]) / total - 1
    low = low + range * UInt64(table.cumulative[symbol]) / total
    symbolCount += 1
    while true {
      if high < Self.half {                                   // E1: first bit 0
        send(0)
      } else if low >= Self.half {                            // E2: first bit 1
        send(1)
        low -= Self.half
        high -= Self.half
      } else if low >= Self.quarter && high < Self.half + Self.quarter {   // E3: straddles ½
        pending += 1
        low -= Self.quarter
        high -= Self.quarter
      } else {
        break
      }
      low = 2 * low
      high = 2 * high + 1
    }
  }

  /// Ends the stream: sends the shortest tail that names a number in the final interval,
  /// then returns all bytes (no trailing zero byte). The encoder cannot be used afterwards.
  public mutating func finish() -> [UInt8] {
    precondition(!finished, "ArithmeticEncoder.finish: called twice")
    finished = true
    let v = Self.terminationValue(low: low, high: high)
    send(UInt8(v >> 31))                                      // first bit and the pending bits
    for bit in stride(from: 30, through: 0, by: -1) {
      appendBit(UInt8((v >> UInt64(bit)) & 1))
    }
    while partialBits != 0 { appendBit(0) }
    while bytes.last == 0 { bytes.removeLast() }
    return bytes
  }

  /// The integer in [low, high] with the most trailing zero bits (0 when low = 0). The
  /// decoder recomputes it to check a stream's end.
  static func terminationValue(low: UInt64, high: UInt64) -> UInt64 {
    var shift: UInt64 = 32
    while true {
      let step: UInt64 = 1 << shift
      let v = (low + step - 1) / step * step                  // the first multiple of 2^shift ≥ low
      if v <= high { return v }
      shift -= 1
    }
  }

  /// Sends a known bit followed by the pending bits (its opposite).
  mutating func send(_ bit: UInt8) {
    appendBit(bit)
    while pending > 0 {
      appendBit(1 - bit)
      pending -= 1
    }
  }

  mutating func appendBit(_ bit: UInt8) {
    partialByte = partialByte << 1 | bit
    partialBits += 1
    if partialBits == 8 {
      bytes.append(partialByte)
      partialByte = 0
      partialBits = 0
    }
  }
}
