/// What went wrong reading or writing an image file. Every description names the
/// file (or `<memory>` for bytes in memory) and says what is wrong in plain words,
/// e.g. `grid.png: truncated or corrupt PNG: libpng says 'IDAT: CRC error'`.
public enum ImageIOError: Error, Equatable, Sendable, CustomStringConvertible {
  /// No file at `path`.
  case fileNotFound(path: String)
  /// The file exists but could not be read (a folder, no permission, an I/O error).
  case cannotRead(path: String, reason: String)
  /// The bytes do not start with the 8-byte PNG signature; `detail` shows what they start with.
  case notPNG(path: String, detail: String)
  /// The file stops before the PNG's closing IEND chunk; `detail` says where.
  case truncated(path: String, detail: String)
  /// libpng rejected the data (bad CRC, bad compressed data, bad header …); `message` is libpng's.
  case corrupt(path: String, message: String)
  /// The header asks for more pixels than `PNG.maximumBytes` allows (a damaged or hostile header).
  case tooLarge(path: String, width: Int, height: Int)
  /// The file could not be written (missing folder, no permission, disk full …).
  case cannotWrite(path: String, reason: String)
  /// The image cannot be encoded (e.g. zero width, or `pixels` of the wrong length).
  case invalidImage(reason: String)
  /// The frames cannot be encoded as an animated GIF (no frames, frames of different
  /// sizes or formats, a delay out of range); `reason` names the frame.
  case invalidAnimation(reason: String)

  /// The file (or `<memory>` name) the error is about, if any.
  public var path: String? {
    switch self {
    case .fileNotFound(let path), .cannotRead(let path, _), .notPNG(let path, _),
         .truncated(let path, _), .corrupt(let path, _), .tooLarge(let path, _, _),
         .cannotWrite(let path, _):
      path
    case .invalidImage, .invalidAnimation:
      nil
    }
  }

  public var description: String {
    switch self {
    case .fileNotFound(let path):
      "\(path): file not found"
    case .cannotRead(let path, let reason):
      "\(path): cannot read the file: \(reason)"
    case .notPNG(let path, let detail):
      "\(path): not a PNG file (\(detail))"
    case .truncated(let path, let detail):
      "\(path): truncated PNG: \(detail)"
    case .corrupt(let path, let message):
      "\(path): truncated or corrupt PNG: libpng says '\(message)'"
    case .tooLarge(let path, let width, let height):
      "\(path): the PNG header says \(width)×\(height) pixels, more than the \(PNG.maximumBytes >> 20) MiB "
        + "this reader accepts; the header is probably damaged"
    case .cannotWrite(let path, let reason):
      "\(path): cannot write: \(reason)"
    case .invalidImage(let reason):
      "cannot encode the image as PNG: \(reason)"
    case .invalidAnimation(let reason):
      "cannot encode the animated GIF: \(reason)"
    }
  }
}
