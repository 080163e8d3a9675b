#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes with the C library, shared by every module that
/// reads or writes files (PNG, GIF, SVG, safetensors). Failures carry the system's own
/// reason ("Permission denied"); each module turns them into its own typed error,
/// which names the file.
public enum Files {
  /// Why a read or write failed, in plain English, without the path (the caller's
  /// error adds it).
  public enum Failure: Error, Equatable, Sendable {
    case notFound
    case cannotRead(reason: String)
    case cannotWrite(reason: String)
  }

  /// All bytes of the file at `path`.
  public static func read(_ path: String) throws(Failure) -> [UInt8] {
    guard let file = fopen(path, "rb") else {
      let code = errno
      if code == ENOENT { throw .notFound }
      throw .cannotRead(reason: systemReason(code))
    }
    defer { fclose(file) }
    var bytes = [UInt8]()
    var block = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = block.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      bytes.append(contentsOf: block[0..<count])
      if count < block.count {
        if ferror(file) != 0 {  // e.g. EISDIR: fopen opens a folder, fread fails
          let code = errno
          throw .cannotRead(reason: code == EISDIR ? "it is a folder, not a file" : systemReason(code))
        }
        return bytes
      }
    }
  }

  /// Writes `bytes` to a new temporary file next to `path`, flushes it to the disk,
  /// then renames it over `path`: readers see the old file or the new one, never half,
  /// and an interrupted write leaves the old file as it was. A missing folder is an
  /// error, not created. `failAfterBytes` makes the write fail after that many bytes
  /// (a test hook for "the machine died mid-write").
  public static func writeAtomically(_ bytes: [UInt8], to path: String,
                                     failAfterBytes: Int? = nil) throws(Failure) {
    guard !path.isEmpty else { throw .cannotWrite(reason: "the path is empty") }
    let folder = path.lastIndex(of: "/").map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
    var status = stat()
    guard stat(folder, &status) == 0 else {
      let code = errno
      throw .cannotWrite(reason: code == ENOENT
        ? "the folder '\(folder)' does not exist (create it first)"
        : "cannot use the folder '\(folder)': \(systemReason(code))")
    }
    guard status.st_mode & S_IFMT == S_IFDIR else {
      throw .cannotWrite(reason: "'\(folder)' is a file, not a folder")
    }

    var template = Array((path + ".partial-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else {
      throw .cannotWrite(reason: "cannot create a file in the folder '\(folder)': \(systemReason(errno))")
    }
    let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    var failure: String?
    _ = fchmod(descriptor, 0o644)  // mkstemp creates 0600; outputs should be readable by all
    let limit = min(failAfterBytes ?? bytes.count, bytes.count)
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < limit {
        let count = write(descriptor, buffer.baseAddress! + offset, limit - offset)
        if count < 0 {
          if errno == EINTR { continue }
          failure = systemReason(errno)
          return
        }
        offset += count
      }
    }
    if failure == nil, let failAfterBytes { failure = "simulated failure after \(failAfterBytes) bytes" }
    if failure == nil, fsync(descriptor) != 0 { failure = systemReason(errno) }
    if close(descriptor) != 0, failure == nil { failure = systemReason(errno) }
    if failure == nil, rename(temporary, path) != 0 {
      let code = errno
      failure = code == EISDIR ? "a folder of that name is in the way" : systemReason(code)
    }
    if let failure {
      unlink(temporary)
      throw .cannotWrite(reason: failure)
    }
    // Make the rename itself durable; a failure here leaves a complete file, so it is ignored.
    let folderDescriptor = open(folder, O_RDONLY)
    if folderDescriptor >= 0 {
      _ = fsync(folderDescriptor)
      _ = close(folderDescriptor)
    }
  }

  /// The C library's text for an `errno` value, e.g. "Permission denied".
  public static func systemReason(_ code: Int32) -> String {
    String(cString: strerror(code))
  }
}
