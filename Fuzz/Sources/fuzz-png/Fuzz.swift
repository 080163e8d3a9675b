// The PNG reader (libpng underneath, our checks around it) on arbitrary bytes: it must
// return an image or throw, never crash, hang or read out of bounds.
import GenLab

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if let image = try? PNG.read(data: bytes, name: "fuzz.png") {
    // A decoded image must be as large as its header says.
    precondition(image.pixels.count == image.width * image.height * image.format.channels,
                 "PNG.read: \(image.width)×\(image.height) image with \(image.pixels.count) bytes")
  }
  return 0
}
