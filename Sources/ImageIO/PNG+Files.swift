#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Whole-file reads and atomic writes with the C library (no Foundation), so every
// failure maps to an `ImageIOError` with the system's own reason ("Permission denied").

/// All bytes of the file at `path`.
func readWholeFile(_ path: String) throws -> [UInt8] {
  guard let file = fopen(path, "rb") else {
    let code = errno
    if code == ENOENT { throw ImageIOError.fileNotFound(path: path) }
    throw ImageIOError.cannotRead(path: path, reason: systemReason(code))
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
        throw ImageIOError.cannotRead(path: path, reason: code == EISDIR ? "it is a folder, not a file" : systemReason(code))
      }
      return bytes
    }
  }
}

/// Writes `bytes` to a new temporary file next to `path`, then renames it to `path`
/// (atomic on POSIX file systems: readers see the old file or the new one, never half).
/// A missing folder is an error, not created.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
  guard !path.isEmpty else { throw ImageIOError.cannotWrite(path: path, reason: "the path is empty") }
  let folder = path.lastIndex(of: "/").map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
  var status = stat()
  guard stat(folder, &status) == 0 else {
    let code = errno
    throw ImageIOError.cannotWrite(path: path, reason: code == ENOENT
      ? "the folder '\(folder)' does not exist (create it first)"
      : "cannot use the folder '\(folder)': \(systemReason(code))")
  }
  guard status.st_mode & S_IFMT == S_IFDIR else {
    throw ImageIOError.cannotWrite(path: path, reason: "'\(folder)' is a file, not a folder")
  }

  var template = Array((path + ".partial-XXXXXX").utf8CString)
  let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
  guard descriptor >= 0 else {
    throw ImageIOError.cannotWrite(path: path, reason: "cannot create a file in the folder '\(folder)': \(systemReason(errno))")
  }
  let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  var failure: String?
  _ = fchmod(descriptor, 0o644)  // mkstemp creates 0600; a picture should be readable by all
  bytes.withUnsafeBytes { buffer in
    var offset = 0
    while offset < buffer.count {
      let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      if count < 0 {
        if errno == EINTR { continue }
        failure = systemReason(errno)
        return
      }
      offset += count
    }
  }
  if close(descriptor) != 0, failure == nil { failure = systemReason(errno) }
  if failure == nil, rename(temporary, path) != 0 {
    let code = errno
    failure = code == EISDIR ? "a folder of that name is in the way" : systemReason(code)
  }
  if let failure {
    unlink(temporary)
    throw ImageIOError.cannotWrite(path: path, reason: failure)
  }
}

/// The C library's text for an `errno` value, e.g. "Permission denied".
func systemReason(_ code: Int32) -> String {
  String(cString: strerror(code))
}
