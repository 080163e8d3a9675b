/// How the bytes of one pixel are laid out: 1, 3 or 4 interleaved 8-bit channels.
public enum PixelFormat: String, CaseIterable, Sendable, CustomStringConvertible {
  /// One channel: luminance, 0 = black, 255 = white.
  case gray
  /// Three channels: red, green, blue (sRGB).
  case rgb
  /// Four channels: red, green, blue, alpha (0 = transparent, 255 = opaque; not premultiplied).
  case rgba

  /// Bytes per pixel: 1, 3 or 4.
  public var channels: Int {
    switch self {
    case .gray: 1
    case .rgb: 3
    case .rgba: 4
    }
  }

  /// The format with `channels` channels (1, 3 or 4), or nil.
  public init?(channels: Int) {
    switch channels {
    case 1: self = .gray
    case 3: self = .rgb
    case 4: self = .rgba
    default: return nil
    }
  }

  public var description: String { rawValue }
}

/// An 8-bit image as it is stored in a PNG file: `height` rows of `width` pixels,
/// top row first, each pixel `format.channels` bytes, channels interleaved.
///
/// The byte of channel c of the pixel in row y, column x is
/// `pixels[(y · width + x) · channels + c]`; `pixels.count == height · width · channels`.
/// (A `Tensor` holds the same picture as C×H×W floats: see `Image(tensor:range:)`.)
public struct Image: Equatable, Sendable, CustomStringConvertible {
  /// Pixels per row (columns).
  public var width: Int
  /// Number of rows.
  public var height: Int
  /// The channels of each pixel.
  public var format: PixelFormat
  /// The bytes, row-major and interleaved: rows top to bottom, pixels left to right,
  /// channels in `format` order.
  public var pixels: [UInt8]

  /// An image with the given bytes (row-major, interleaved).
  /// Precondition: `pixels.count == height · width · format.channels`.
  public init(width: Int, height: Int, format: PixelFormat, pixels: [UInt8]) {
    precondition(width >= 0 && height >= 0, "Image: negative size \(width)×\(height)")
    precondition(pixels.count == width * height * format.channels,
                 "Image: \(width)×\(height) \(format) needs \(width * height * format.channels) bytes, got \(pixels.count)")
    self.width = width
    self.height = height
    self.format = format
    self.pixels = pixels
  }

  /// An image whose every byte is `value` (for `.rgba` the alpha is `value` too).
  public init(width: Int, height: Int, format: PixelFormat, repeating value: UInt8) {
    precondition(width >= 0 && height >= 0, "Image: negative size \(width)×\(height)")
    self.init(width: width, height: height, format: format,
              pixels: [UInt8](repeating: value, count: width * height * format.channels))
  }

  /// Bytes per row: `width · format.channels`.
  public var rowStride: Int { width * format.channels }

  /// The byte of channel `channel` of the pixel in row `row`, column `column`
  /// (row 0 is the top, column 0 the left edge).
  public subscript(row row: Int, column column: Int, channel channel: Int = 0) -> UInt8 {
    get { pixels[index(row: row, column: column, channel: channel)] }
    set { pixels[index(row: row, column: column, channel: channel)] = newValue }
  }

  /// All channels of the pixel in row `row`, column `column`.
  public func pixel(row: Int, column: Int) -> [UInt8] {
    let start = index(row: row, column: column, channel: 0)
    return Array(pixels[start..<(start + format.channels)])
  }

  private func index(row: Int, column: Int, channel: Int) -> Int {
    precondition(row >= 0 && row < height && column >= 0 && column < width,
                 "Image: pixel (row \(row), column \(column)) outside \(width)×\(height)")
    precondition(channel >= 0 && channel < format.channels,
                 "Image: channel \(channel) out of 0..<\(format.channels) for \(format)")
    return (row * width + column) * format.channels + channel
  }

  /// The image made `factor` times wider and taller by nearest-neighbour upscaling:
  /// out[y, x] = in[⌊y / factor⌋, ⌊x / factor⌋]. Each pixel becomes a factor×factor block,
  /// so a 28×28 digit stays sharp at 112×112.
  public func upscaled(by factor: Int) -> Image {
    precondition(factor >= 1, "Image.upscaled: factor \(factor) must be at least 1")
    if factor == 1 { return self }
    let channels = format.channels
    var out = Image(width: width * factor, height: height * factor, format: format, repeating: 0)
    for y in 0..<out.height {
      let sourceRow = (y / factor) * width
      for x in 0..<out.width {
        let source = (sourceRow + x / factor) * channels
        let target = (y * out.width + x) * channels
        for c in 0..<channels { out.pixels[target + c] = pixels[source + c] }
      }
    }
    return out
  }

  public var description: String { "Image(\(width)×\(height) \(format))" }
}
