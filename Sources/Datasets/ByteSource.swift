#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Reads a file front to back, inflating it on the way when it is gzip.
///
/// Gzip is recognised by its first two bytes, 1f 8b (RFC 1952), not by the name, so a
/// plain file called `.gz` or a gzip file without the suffix both read correctly.
/// zlib's `gzread` checks the CRC-32 and length in the gzip trailer when it reaches
/// the end of the stream; `drainToEnd()` reads that far so a damaged file is caught.
final class ByteSource {
  let path: String
  let isGzip: Bool
  private var file: UnsafeMutablePointer<FILE>?
  private var gz: gzFile?

  init(path: String) throws {
    self.path = path
    var info = stat()
    if stat(path, &info) != 0 {
      let code = errno
      if code == ENOENT || code == ENOTDIR { throw DatasetError.fileNotFound(path: path) }
      throw DatasetError.unreadable(path: path, reason: String(cString: strerror(code)))
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw DatasetError.unreadable(path: path, reason: "it is a folder, not a file")
    }
    guard let handle = fopen(path, "rb") else {
      throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    var magic: (UInt8, UInt8) = (0, 0)
    let got = withUnsafeMutableBytes(of: &magic) { fread($0.baseAddress, 1, 2, handle) }
    isGzip = got == 2 && magic == (0x1f, 0x8b)
    if isGzip {
      fclose(handle)
      guard let stream = gzopen(path, "rb") else {
        throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
      }
      gzbuffer(stream, 1 << 17)
      gz = stream
    } else {
      rewind(handle)
      file = handle
    }
  }

  deinit {
    if let file { fclose(file) }
    if let gz { gzclose(gz) }
  }

  /// Fills `buffer` from the file and returns how many bytes it read: fewer than
  /// `buffer.count` only at the end of the file. Throws on an I/O error or a damaged
  /// gzip stream (including one cut short).
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    var total = 0
    while total < buffer.count {
      let want = min(buffer.count - total, 1 << 30)
      let got: Int
      if let gz {
        let result = gzread(gz, base + total, UInt32(want))
        if result < 0 { throw DatasetError.corruptGzip(path: path, detail: gzipMessage()) }
        got = Int(result)
      } else if let file {
        got = fread(base + total, 1, want, file)
        if got < want && ferror(file) != 0 {
          throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
      } else {
        got = 0
      }
      if got == 0 { break }
      total += got
    }
    if total < buffer.count, let gz {
      // A short read is the end of the data. zlib says Z_BUF_ERROR when the input
      // ended in the middle of a gzip stream (the file was cut short).
      var code: Int32 = Z_OK
      _ = gzerror(gz, &code)
      if code == Z_BUF_ERROR {
        throw DatasetError.corruptGzip(path: path, detail: "the compressed stream ends early; the file is cut short")
      }
      if code != Z_OK { throw DatasetError.corruptGzip(path: path, detail: gzipMessage()) }
    }
    return total
  }

  /// Reads the rest of the file and returns how many bytes there were.
  func drainToEnd() throws -> Int {
    var scratch = [UInt8](repeating: 0, count: 1 << 16)
    var total = 0
    while true {
      let got = try scratch.withUnsafeMutableBytes { try read(into: $0) }
      total += got
      if got < scratch.count { return total }
    }
  }

  private func gzipMessage() -> String {
    guard let gz else { return "unknown error" }
    var code: Int32 = Z_OK
    guard let message = gzerror(gz, &code) else { return "zlib error \(code)" }
    var text = String(cString: message)
    if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }  // zlib prefixes the path
    return text.isEmpty ? "zlib error \(code)" : text
  }
}
