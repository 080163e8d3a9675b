// LZW compression of a frame's palette indices, as the GIF89a specification
// (Appendix F) asks for it: variable-length codes packed least-significant bit
// first, a clear code, an end-of-information code, and the table reset at 4096.

extension GIF {
  /// The LZW stream of `indices` (each below 2^`minimumCodeSize`), not yet cut into
  /// sub-blocks.
  ///
  /// Codes 0 ..< 2^m are the single indices (m = `minimumCodeSize`), 2^m is the clear
  /// code, 2^m + 1 the end-of-information code; new strings get 2^m + 2, 2^m + 3, … up
  /// to 4095. Codes start m + 1 bits wide and grow by one bit as soon as the decoder's
  /// table (which lags the encoder's by one entry) needs the wider code, up to 12 bits.
  /// When the encoder's table is full (next code 4096) it writes a clear code and
  /// both sides start again with m + 1 bits. The stream is
  /// `clear, codes…, end-of-information`.
  static func lzwCompress(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
    precondition((2...8).contains(minimumCodeSize), "GIF LZW: minimum code size \(minimumCodeSize) outside 2...8")
    let clearCode = 1 << minimumCodeSize
    let endCode = clearCode + 1
    let maximumCodes = 4096

    var writer = BitWriter()
    var codeSize = minimumCodeSize + 1
    var nextCode = endCode + 1
    var table = StringTable()

    /// Writes `code` with the width the decoder will read it with: the decoder has
    /// one entry fewer than the encoder, so the width grows once nextCode − 1 reaches 2^codeSize.
    func emit(_ code: Int) {
      if nextCode - 1 == 1 << codeSize, codeSize < 12 { codeSize += 1 }
      writer.write(code, bits: codeSize)
    }

    emit(clearCode)
    guard var prefix = indices.first.map(Int.init) else {
      emit(endCode)
      return writer.finish()
    }
    for index in indices.dropFirst() {
      let symbol = Int(index)
      precondition(symbol < clearCode, "GIF LZW: index \(symbol) does not fit in \(minimumCodeSize) bits")
      if let code = table.code(prefix: prefix, symbol: symbol) {
        prefix = code
        continue
      }
      emit(prefix)
      table.insert(prefix: prefix, symbol: symbol, code: nextCode)
      nextCode += 1
      if nextCode == maximumCodes {
        emit(clearCode)  // 12 bits wide: the decoder's table is at 4095, its width is 12
        table.removeAll()
        codeSize = minimumCodeSize + 1
        nextCode = endCode + 1
      }
      prefix = symbol
    }
    emit(prefix)
    // The decoder adds one more entry on reading this last code before it reads the end
    // code, so the end code may need the wider width: `emit` accounts for it.
    nextCode += 1
    emit(endCode)
    return writer.finish()
  }

  /// `bytes` cut into data sub-blocks: a length byte (1…255) and that many bytes,
  /// repeated, then the block terminator 0.
  static func subBlocks(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(bytes.count + bytes.count / 255 + 2)
    var start = 0
    while start < bytes.count {
      let end = min(start + 255, bytes.count)
      out.append(UInt8(end - start))
      out.append(contentsOf: bytes[start..<end])
      start = end
    }
    out.append(0)
    return out
  }
}

/// Packs codes of varying width into bytes, least-significant bit first (GIF order).
private struct BitWriter {
  private(set) var bytes: [UInt8] = []
  private var buffer: UInt32 = 0
  private var count = 0

  mutating func write(_ code: Int, bits: Int) {
    buffer |= UInt32(code) << UInt32(count)
    count += bits
    while count >= 8 {
      bytes.append(UInt8(truncatingIfNeeded: buffer))
      buffer >>= 8
      count -= 8
    }
  }

  /// The bytes, with the last partial byte padded with zero bits.
  mutating func finish() -> [UInt8] {
    if count > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
    buffer = 0
    count = 0
    return bytes
  }
}

/// The encoder's string table: (prefix code, next symbol) → code, an open-addressing
/// hash table of 8192 slots (twice the 4096 codes, so probes stay short). Clearing it
/// touches 8192 slots, cheap next to the 3,800 codes written between clears.
private struct StringTable {
  private static let slotCount = 8192
  /// Key prefix · 256 + symbol + 1 (0 = empty slot), and the code stored there.
  private var keys = [Int32](repeating: 0, count: slotCount)
  private var codes = [Int16](repeating: 0, count: slotCount)

  private static func slot(_ key: Int32) -> Int {
    Int((UInt32(bitPattern: key) &* 2_654_435_761) >> 19)  // Fibonacci hashing to 13 bits
  }

  func code(prefix: Int, symbol: Int) -> Int? {
    let key = Int32(prefix << 8 | symbol) + 1
    var slot = Self.slot(key)
    while keys[slot] != 0 {
      if keys[slot] == key { return Int(codes[slot]) }
      slot = (slot + 1) & (Self.slotCount - 1)
    }
    return nil
  }

  mutating func insert(prefix: Int, symbol: Int, code: Int) {
    let key = Int32(prefix << 8 | symbol) + 1
    var slot = Self.slot(key)
    while keys[slot] != 0 { slot = (slot + 1) & (Self.slotCount - 1) }
    keys[slot] = key
    codes[slot] = Int16(code)
  }

  mutating func removeAll() {
    for slot in keys.indices { keys[slot] = 0 }
  }
}
