import Core
import Foundation
import ImageIO
import Testing

/// Runs `body` with a new, empty folder under the system's temporary directory and
/// removes the folder (and all in it) afterwards.
func withTemporaryFolder<R>(_ body: (String) throws -> R) throws -> R {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("genlab-imageio-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
  defer { try? FileManager.default.removeItem(atPath: folder) }
  return try body(folder)
}

/// An image of uniformly random bytes from `RNG(seed:)`.
func randomImage(width: Int, height: Int, format: PixelFormat, seed: UInt64) -> Image {
  var rng = RNG(seed: seed)
  let pixels = (0..<(width * height * format.channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
  return Image(width: width, height: height, format: format, pixels: pixels)
}

/// Runs `body`, expects it to throw an `ImageIOError`, and returns that error
/// (or nil, after recording an issue).
func imageIOError(sourceLocation: SourceLocation = #_sourceLocation,
                  _ body: () throws -> Void) -> ImageIOError? {
  do {
    try body()
    Issue.record("expected an ImageIOError, nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as ImageIOError {
    return error
  } catch {
    Issue.record("expected an ImageIOError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

// MARK: A PNG writer written from the specification, independent of libpng

/// CRC-32 as PNG chunks use it (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected).
func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

/// Adler-32, the checksum that ends a zlib stream (RFC 1950).
func adler32(_ bytes: [UInt8]) -> UInt32 {
  var a: UInt32 = 1, b: UInt32 = 0
  for byte in bytes {
    a = (a + UInt32(byte)) % 65521
    b = (b + a) % 65521
  }
  return b << 16 | a
}

func bigEndian(_ value: UInt32) -> [UInt8] {
  [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

/// One chunk: length, type, data, CRC of type + data.
func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
  let typeBytes = Array(type.utf8)
  return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
}

/// A PNG made by hand from the specification (RFC 2083): IHDR, the `extra` chunks
/// (e.g. PLTE, tRNS), one IDAT holding a zlib stream of *stored* (uncompressed)
/// deflate blocks, IEND. `rows` are the packed scanlines without the filter byte;
/// each gets filter type 0 (None). So the expected pixels are known without libpng.
func handMadePNG(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8,
                 rows: [[UInt8]], extra: [(String, [UInt8])] = []) -> [UInt8] {
  let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    + [bitDepth, colorType, 0, 0, 0]  // compression 0, filter 0, no interlace
  let raw: [UInt8] = rows.flatMap { [0] + $0 }
  var zlib: [UInt8] = [0x78, 0x01]  // deflate, 32 KiB window; (0x78·256 + 0x01) mod 31 == 0
  var start = 0
  repeat {
    let end = min(start + 65535, raw.count)
    let length = UInt16(end - start)
    zlib += [UInt8(end == raw.count ? 1 : 0),  // BFINAL, BTYPE 00 = stored
             UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
    zlib += raw[start..<end]
    start = end
  } while start < raw.count
  zlib += bigEndian(adler32(raw))
  var file = PNG.signature + chunk("IHDR", header)
  for (type, data) in extra { file += chunk(type, data) }
  return file + chunk("IDAT", zlib) + chunk("IEND", [])
}

/// The byte offset of the first chunk of `type` in a PNG (its length field).
func chunkOffset(_ type: String, in png: [UInt8]) -> Int? {
  var offset = 8
  while offset + 8 <= png.count {
    let length = png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
    if String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self) == type { return offset }
    offset += length + 12
  }
  return nil
}
