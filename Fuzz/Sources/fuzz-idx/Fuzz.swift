// The IDX reader (Fashion-MNIST's format), plain and gzip, on arbitrary bytes. The reader
// takes a path, so every input is written to a file in /dev/shm first. The first byte
// chooses the mode: 0 images, 1 labels, 2 images wrapped in a valid gzip container,
// 3 labels in gzip, anything else the raw bytes as an image file (gzip or not, as they
// come). It must return what the header promises or throw — never crash, hang, or
// allocate what the header claims when the file does not hold it.
import Foundation
import GenLab

let path = "/dev/shm/genlab-fuzz-idx-\(getpid())"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size >= 1 else { return 0 }
  let mode = data[0]
  var body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  if mode == 2 || mode == 3 { body = gzipStored(body) }
  FileManager.default.createFile(atPath: path, contents: Data(body))
  if mode == 1 || mode == 3 {
    _ = try? IDX.readLabels(path: path)
  } else if let images = try? IDX.readImages(path: path) {
    precondition(images.pixels.count == images.count * images.rows * images.cols,
                 "IDX.readImages: \(images.count)×\(images.rows)×\(images.cols) with \(images.pixels.count) bytes")
  }
  return 0
}

/// `bytes` as a gzip file (RFC 1952) whose deflate stream is stored blocks (RFC 1951 §3.2.4):
/// valid gzip around whatever the fuzzer made, so the reader's gzip path sees IDX content.
func gzipStored(_ bytes: [UInt8]) -> [UInt8] {
  var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
  var offset = 0
  repeat {
    let length = min(65_535, bytes.count - offset)
    let last: UInt8 = offset + length == bytes.count ? 1 : 0
    out += [last, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
    out += bytes[offset..<(offset + length)]
    offset += length
  } while offset < bytes.count
  let crc = crc32(bytes), count = UInt32(truncatingIfNeeded: bytes.count)
  for value in [crc, count] { out += (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }
  return out
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xffff_ffff
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
  }
  return ~crc
}
