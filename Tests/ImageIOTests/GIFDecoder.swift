// A small GIF decoder written from the GIF89a specification, for the tests only:
// it shares no code with the encoder, so a round trip checks the encoder against an
// independent reading of the format. It is strict: anything unexpected throws.

struct GIFDecodingError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// One frame as stored: its graphic control extension and its palette indices.
struct DecodedGIFFrame {
  var left = 0, top = 0, width = 0, height = 0
  /// Delay in hundredths of a second (from the graphic control extension), nil if none.
  var delay: Int?
  var disposal = 0
  var transparentIndex: Int?
  var minimumCodeSize = 0
  /// Row-major palette indices, width · height of them.
  var indices: [UInt8] = []
  /// Lengths of the data sub-blocks that held the LZW codes.
  var subBlockLengths: [Int] = []
  /// How many clear codes the LZW stream held (1 = only the leading one).
  var clearCodes = 0
  /// The widest code read, in bits.
  var widestCode = 0
}

struct DecodedGIF {
  var version = ""
  var width = 0, height = 0
  /// The global colour table, 3 bytes per entry.
  var globalPalette: [UInt8] = []
  /// The NETSCAPE2.0 loop count (0 = forever), nil without the extension.
  var loopCount: Int?
  var frames: [DecodedGIFFrame] = []

  /// The frame's colours as r, g, b bytes, looked up in the global palette.
  func rgb(of frame: DecodedGIFFrame) -> [UInt8] {
    frame.indices.flatMap { index in globalPalette[3 * Int(index)..<(3 * Int(index) + 3)] }
  }
}

func decodeGIF(_ bytes: [UInt8]) throws -> DecodedGIF {
  var reader = ByteReader(bytes: bytes)
  var gif = DecodedGIF()
  gif.version = String(decoding: try reader.take(6), as: UTF8.self)
  guard gif.version == "GIF89a" || gif.version == "GIF87a" else { throw GIFDecodingError("bad signature \(gif.version)") }
  gif.width = try reader.word()
  gif.height = try reader.word()
  let flags = try reader.byte()
  _ = try reader.take(2)  // background index, aspect ratio
  if flags & 0x80 != 0 {
    gif.globalPalette = try reader.take(3 << (Int(flags & 7) + 1))
  }
  var pending = DecodedGIFFrame()
  while true {
    let introducer = try reader.byte()
    switch introducer {
    case 0x21:
      let label = try reader.byte()
      let blocks = try reader.subBlocks()
      switch label {
      case 0xF9:
        guard blocks.count == 1, blocks[0].count == 4 else { throw GIFDecodingError("graphic control extension of \(blocks.map(\.count))") }
        let block = blocks[0]
        pending.disposal = Int(block[0] >> 2 & 7)
        pending.delay = Int(block[1]) | Int(block[2]) << 8
        pending.transparentIndex = block[0] & 1 != 0 ? Int(block[3]) : nil
      case 0xFF:
        guard let first = blocks.first, first.count == 11 else { throw GIFDecodingError("application extension without its 11-byte id") }
        if String(decoding: first, as: UTF8.self) == "NETSCAPE2.0" {
          guard blocks.count == 2, blocks[1].count == 3, blocks[1][0] == 1 else { throw GIFDecodingError("bad NETSCAPE2.0 block") }
          gif.loopCount = Int(blocks[1][1]) | Int(blocks[1][2]) << 8
        }
      default:
        break  // comments, plain text: skipped
      }
    case 0x2C:
      var frame = pending
      pending = DecodedGIFFrame()
      frame.left = try reader.word()
      frame.top = try reader.word()
      frame.width = try reader.word()
      frame.height = try reader.word()
      let imageFlags = try reader.byte()
      guard imageFlags & 0x80 == 0, imageFlags & 0x40 == 0 else { throw GIFDecodingError("local tables and interlacing not supported here") }
      frame.minimumCodeSize = Int(try reader.byte())
      let blocks = try reader.subBlocks()
      frame.subBlockLengths = blocks.map(\.count)
      try lzwDecode(blocks.flatMap { $0 }, into: &frame)
      gif.frames.append(frame)
    case 0x3B:
      guard reader.offset == bytes.count else { throw GIFDecodingError("\(bytes.count - reader.offset) bytes after the trailer") }
      return gif
    default:
      throw GIFDecodingError("unexpected byte 0x\(String(introducer, radix: 16)) at \(reader.offset - 1)")
    }
  }
}

/// LZW decoding as in the specification's Appendix F: codes read LSB first, the code
/// width grows when the next free code reaches 2^width (up to 12), the clear code resets.
private func lzwDecode(_ data: [UInt8], into frame: inout DecodedGIFFrame) throws {
  let minimumCodeSize = frame.minimumCodeSize
  guard (2...8).contains(minimumCodeSize) else { throw GIFDecodingError("minimum code size \(minimumCodeSize)") }
  let clearCode = 1 << minimumCodeSize, endCode = clearCode + 1
  var table: [[UInt8]] = []
  var codeSize = 0
  var previous: [UInt8]?
  func reset() {
    table = (0..<clearCode).map { [UInt8($0)] } + [[], []]
    codeSize = minimumCodeSize + 1
    previous = nil
  }
  reset()
  var bitOffset = 0
  var output: [UInt8] = []
  var sawEnd = false
  while bitOffset + codeSize <= data.count * 8 {
    var code = 0
    for bit in 0..<codeSize {
      let position = bitOffset + bit
      code |= Int(data[position >> 3] >> UInt8(position & 7) & 1) << bit
    }
    bitOffset += codeSize
    frame.widestCode = max(frame.widestCode, codeSize)
    if code == clearCode {
      frame.clearCodes += 1
      reset()
      continue
    }
    if code == endCode { sawEnd = true; break }
    guard frame.clearCodes > 0 else { throw GIFDecodingError("stream does not start with a clear code") }
    let entry: [UInt8]
    if code < table.count {
      entry = table[code]
      if let previous, table.count < 4096 { table.append(previous + [entry[0]]) }
    } else if code == table.count, let previous {
      entry = previous + [previous[0]]  // the KwKwK case
      if table.count < 4096 { table.append(entry) }
    } else {
      throw GIFDecodingError("code \(code) beyond the table (\(table.count) entries)")
    }
    output += entry
    previous = entry
    if table.count == 1 << codeSize, codeSize < 12 { codeSize += 1 }
  }
  guard sawEnd else { throw GIFDecodingError("no end-of-information code") }
  guard data.count - (bitOffset + 7) / 8 == 0 else { throw GIFDecodingError("\(data.count - (bitOffset + 7) / 8) bytes after the end code") }
  guard output.count == frame.width * frame.height else {
    throw GIFDecodingError("\(output.count) indices for a \(frame.width)×\(frame.height) frame")
  }
  frame.indices = output
}

private struct ByteReader {
  let bytes: [UInt8]
  var offset = 0

  mutating func byte() throws -> UInt8 {
    guard offset < bytes.count else { throw GIFDecodingError("file ends at \(offset)") }
    offset += 1
    return bytes[offset - 1]
  }

  mutating func word() throws -> Int {
    Int(try byte()) | Int(try byte()) << 8
  }

  mutating func take(_ count: Int) throws -> [UInt8] {
    guard offset + count <= bytes.count else { throw GIFDecodingError("file ends at \(bytes.count), wanted \(count) bytes at \(offset)") }
    offset += count
    return Array(bytes[(offset - count)..<offset])
  }

  /// Data sub-blocks up to the zero-length terminator.
  mutating func subBlocks() throws -> [[UInt8]] {
    var blocks: [[UInt8]] = []
    while true {
      let length = Int(try byte())
      if length == 0 { return blocks }
      blocks.append(try take(length))
    }
  }
}
