// The GIF decoder the tests use to read back the lessons' animations
// (Tests/ImageIOTests/GIFDecoder.swift, linked here) on arbitrary bytes: frames or an
// error, never a crash or an endless loop.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? decodeGIF(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
