import Core
// File access for this module: Core's `Files`, with failures turned into `ImageIOError`s
// that name the file.

/// All bytes of the file at `path`.
func readWholeFile(_ path: String) throws -> [UInt8] {
  do {
    return try Files.read(path)
  } catch .notFound {
    throw ImageIOError.fileNotFound(path: path)
  } catch let .cannotRead(reason), let .cannotWrite(reason) {
    throw ImageIOError.cannotRead(path: path, reason: reason)
  }
}

/// Writes `bytes` to `path` atomically (see `Files.writeAtomically`).
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
  do {
    try Files.writeAtomically(bytes, to: path)
  } catch .notFound {
    throw ImageIOError.cannotWrite(path: path, reason: "not found")
  } catch let .cannotRead(reason), let .cannotWrite(reason) {
    throw ImageIOError.cannotWrite(path: path, reason: reason)
  }
}
