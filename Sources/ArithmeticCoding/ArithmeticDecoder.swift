// The decoder mirrors the encoder (ArithmeticEncoder.swift) step for step. Besides low and
// high it holds `value`, the 32 bits of the stream that the current interval is read from.
// To decode, it finds which symbol's share of [low, high] holds `value`:
//
//     target = ⌊((value − low + 1)·T − 1) / range⌋   (0 ≤ target < T)
//     s      = the symbol with C_s ≤ target < C_{s+1}
//
// then narrows and renormalises exactly as the encoder did, shifting the next stream bit
// into `value` at every doubling (and subtracting ½ or ¼ from it when the encoder did).
// Bytes past the end of the stream read as zeros — the encoder drops trailing zeros.
//
// Every byte string decodes to *some* symbols, so nothing is wrong until the end. There
// `finish()` checks that the stream is exactly what ArithmeticEncoder writes for the
// symbols decoded: `value` must hold the encoder's termination point (ArithmeticEncoder.
// terminationValue, recomputed from low and high) and no bit may be set after it. Since that output is unique, a stream that was cut short, extended, changed, or read
// with a different model or symbol count either decodes to other symbols or fails here.

/// Reads symbols back from a stream written by `ArithmeticEncoder`, given the same tables
/// in the same order.
///
///     var decoder = ArithmeticDecoder(bytes)
///     let symbol = decoder.decode(with: table)     // as many times as symbols were encoded
///     try decoder.finish()                         // optional check of the stream's end
public struct ArithmeticDecoder: Sendable {
  /// Why a stream is not one that ArithmeticEncoder writes for the symbols decoded from it.
  public enum StreamError: Error, Equatable, CustomStringConvertible {
    /// The stream ends with zero bytes; the encoder never writes them.
    case trailingZeroBytes(count: Int, streamBytes: Int)
    /// Bits are set after the point where the decoded symbols end.
    case extraBits(afterBit: Int, streamBytes: Int)
    /// The last bits do not end the final interval the way the encoder does.
    case wrongTermination(symbols: Int, streamBytes: Int)

    public var description: String {
      switch self {
      case let .trailingZeroBytes(count, streamBytes):
        return "arithmetic-coded stream of \(streamBytes) bytes ends with \(count) zero byte(s), which ArithmeticEncoder never writes (were bytes appended?)"
      case let .extraBits(afterBit, streamBytes):
        return "arithmetic-coded stream of \(streamBytes) bytes has set bits after bit \(afterBit), where the decoded symbols end (extra data, or the wrong symbol count or model)"
      case let .wrongTermination(symbols, streamBytes):
        return "arithmetic-coded stream of \(streamBytes) bytes does not end the way ArithmeticEncoder ends \(symbols) symbols (cut short or changed, or the wrong symbol count or model)"
      }
    }
  }

  let bytes: [UInt8]
  /// The next stream bit to read into `value`.
  var bitPosition = 0
  var low: UInt64 = 0
  var high: UInt64 = ArithmeticEncoder.top
  var value: UInt64 = 0

  /// Symbols decoded so far.
  public private(set) var symbolCount = 0

  public init(_ bytes: [UInt8]) {
    self.bytes = bytes
    for _ in 0..<32 { value = value << 1 | nextBit() }
  }

  /// Stream bit `bitPosition`, most significant bit of each byte first; 0 past the end.
  mutating func nextBit() -> UInt64 {
    let index = bitPosition >> 3
    let bit = index < bytes.count ? UInt64(bytes[index] >> (7 - UInt8(bitPosition & 7))) & 1 : 0
    bitPosition += 1
    return bit
  }

  /// The next symbol, decoded with the table the encoder used for it.
  public mutating func decode(with table: FrequencyTable) -> Int {
    let range = high - low + 1
    let total = UInt64(table.total)
    let target = ((value - low + 1) * total - 1) / range
    let symbol = table.symbol(containing: target)
    high = low + range * UInt64(table.cumulative[symbol + 1]) / total - 1
    low = low + range * UInt64(table.cumulative[symbol]) / total
    symbolCount += 1
    while true {
      if high < ArithmeticEncoder.half {
        // E1: nothing to subtract
      } else if low >= ArithmeticEncoder.half {
        low -= ArithmeticEncoder.half
        high -= ArithmeticEncoder.half
        value -= ArithmeticEncoder.half
      } else if low >= ArithmeticEncoder.quarter && high < ArithmeticEncoder.half + ArithmeticEncoder.quarter {
        low -= ArithmeticEncoder.quarter
        high -= ArithmeticEncoder.quarter
        value -= ArithmeticEncoder.quarter
      } else {
        break
      }
      low = 2 * low
      high = 2 * high + 1
      value = 2 * value + nextBit()
    }
    return symbol
  }

  /// Checks that the stream is exactly what ArithmeticEncoder writes for the symbols decoded
  /// so far; throws `StreamError` naming what is wrong.
  public func finish() throws {
    if let last = bytes.lastIndex(where: { $0 != 0 }), last < bytes.count - 1 {
      throw StreamError.trailingZeroBytes(count: bytes.count - 1 - last, streamBytes: bytes.count)
    } else if !bytes.isEmpty && bytes.allSatisfy({ $0 == 0 }) {
      throw StreamError.trailingZeroBytes(count: bytes.count, streamBytes: bytes.count)
    }
    // The encoder's stream ends with the termination point v; its trailing zero bits (the
    // low bits of `value`, which are raw stream bits) and everything after them must be 0.
    let v = ArithmeticEncoder.terminationValue(low: low, high: high)
    let zeroBits = v == 0 ? 32 : v.trailingZeroBitCount
    let lowMask: UInt64 = zeroBits >= 32 ? ArithmeticEncoder.top : (1 << UInt64(zeroBits)) - 1
    let end = bitPosition - min(zeroBits, 31)               // the bit after the encoder's last set bit
    if value & ~lowMask != v {
      throw StreamError.wrongTermination(symbols: symbolCount, streamBytes: bytes.count)
    }
    let firstUnread = bitPosition >> 3
    var extra = value & lowMask != 0
    if firstUnread < bytes.count {
      let offset = bitPosition & 7
      let unreadBits: UInt8 = offset == 0 ? 0xFF : UInt8(0xFF >> offset)
      extra = extra || bytes[firstUnread] & unreadBits != 0 || bytes[(firstUnread + 1)...].contains { $0 != 0 }
    }
    if extra {
      throw StreamError.extraBits(afterBit: max(end, 0), streamBytes: bytes.count)
    }
  }
}
