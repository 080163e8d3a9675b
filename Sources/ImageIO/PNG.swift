import CPNG

/// PNG files, read and written through libpng's simplified API (`png_image_*`).
///
/// Reading keeps the file's own colour type, 8 bits per channel:
///
/// | in the file                          | `Image.format` |
/// | ------------------------------------ | -------------- |
/// | gray, 1–16 bits                      | `.gray`        |
/// | gray + alpha, or gray with tRNS      | `.rgba` (gray copied to r, g, b) |
/// | RGB, or palette without transparency | `.rgb`         |
/// | RGBA, or palette/RGB with tRNS       | `.rgba`        |
///
/// 16-bit samples become 8-bit by v₈ = round(v₁₆ / 257) (a 16-bit file without gamma
/// information is taken to be sRGB, as most tools do); 1-, 2- and 4-bit gray is scaled
/// to 0…255. Colours come out in sRGB: a file with another gamma is converted.
///
/// Writing produces an 8-bit, non-interlaced PNG of the image's own format, which
/// reads back byte for byte. Nothing here crashes on bad input: every failure throws
/// an `ImageIOError` that names the file.
public enum PNG {
  /// The largest decoded image `read` accepts, in bytes (1 GiB). A header that asks
  /// for more is treated as damaged (`ImageIOError.tooLarge`) instead of allocating it.
  public static let maximumBytes = 1 << 30

  /// The 8 bytes every PNG starts with: `\x89 P N G \r \n \x1A \n`.
  public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  // MARK: Reading

  /// Reads the PNG file at `path` (see `PNG` for the formats it returns).
  ///
  /// Throws `fileNotFound`, `cannotRead`, `notPNG`, `truncated`, `corrupt` or `tooLarge`.
  public static func read(file path: String) throws -> Image {
    let bytes = try readWholeFile(path)
    return try read(data: bytes, name: path)
  }

  /// Decodes a whole PNG file held in memory. `name` is used in error messages only.
  ///
  /// Checks, in order: the 8-byte signature (`notPNG`), that the chunk list runs to
  /// the closing IEND chunk (`truncated`), then lets libpng decode the pixels, which
  /// checks each chunk's CRC and the compressed data (`corrupt`).
  public static func read(data: [UInt8], name: String = "<memory>") throws -> Image {
    try checkSignature(data, name: name)
    try checkChunksComplete(data, name: name)
    return try decode(data, name: name)
  }

  private static func decode(_ data: [UInt8], name: String) throws -> Image {
    var control = png_image()  // all zero: opaque = NULL, as libpng requires
    control.version = UInt32(PNG_IMAGE_VERSION)
    defer { png_image_free(&control) }  // frees libpng's state on every path (a no-op after success)

    return try data.withUnsafeBytes { memory -> Image in
      guard png_image_begin_read_from_memory(&control, memory.baseAddress, memory.count) != 0 else {
        throw ImageIOError.corrupt(path: name, message: libpngMessage(control))
      }
      // A 16-bit file without gAMA/sRGB chunks is sRGB-encoded (libpng would assume linear).
      control.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)

      // Ask for the file's own layout, 8 bits per channel, no colour map. Gray + alpha
      // is read as two channels and widened to RGBA below.
      let hasAlpha = control.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
      let isColor = control.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
      let (requested, channels): (UInt32, Int) = switch (isColor, hasAlpha) {
      case (false, false): (genlab_png_format_gray, 1)
      case (false, true): (genlab_png_format_ga, 2)
      case (true, false): (genlab_png_format_rgb, 3)
      case (true, true): (genlab_png_format_rgba, 4)
      }
      control.format = requested

      let width = Int(control.width), height = Int(control.height)
      let (bytes, overflow) = width.multipliedReportingOverflow(by: height * channels)
      guard !overflow, bytes <= maximumBytes else {
        throw ImageIOError.tooLarge(path: name, width: width, height: height)
      }
      var buffer = [UInt8](repeating: 0, count: bytes)
      let finished = buffer.withUnsafeMutableBytes { pixels in
        // background nil: no compositing; row_stride 0: rows packed, top row first.
        png_image_finish_read(&control, nil, pixels.baseAddress, 0, nil)
      }
      guard finished != 0 else {
        throw ImageIOError.corrupt(path: name, message: libpngMessage(control))
      }
      if channels == 2 {
        return Image(width: width, height: height, format: .rgba, pixels: widenGrayAlpha(buffer))
      }
      return Image(width: width, height: height, format: PixelFormat(channels: channels)!, pixels: buffer)
    }
  }

  /// (g, a) pairs → (g, g, g, a).
  private static func widenGrayAlpha(_ grayAlpha: [UInt8]) -> [UInt8] {
    var rgba = [UInt8](repeating: 0, count: grayAlpha.count * 2)
    for pixel in 0..<(grayAlpha.count / 2) {
      let gray = grayAlpha[2 * pixel], alpha = grayAlpha[2 * pixel + 1]
      rgba[4 * pixel] = gray
      rgba[4 * pixel + 1] = gray
      rgba[4 * pixel + 2] = gray
      rgba[4 * pixel + 3] = alpha
    }
    return rgba
  }

  // MARK: Writing

  /// Encodes `image` as an 8-bit PNG (gray, RGB or RGBA as the image is) and returns
  /// the file's bytes. Throws `invalidImage` for an empty image, a size libpng refuses
  /// (over 1,000,000 pixels a side) or `pixels` of the wrong length.
  public static func encode(_ image: Image) throws -> [UInt8] {
    try validate(image)
    var control = png_image()
    control.version = UInt32(PNG_IMAGE_VERSION)
    control.width = UInt32(image.width)
    control.height = UInt32(image.height)
    control.format = switch image.format {
    case .gray: genlab_png_format_gray
    case .rgb: genlab_png_format_rgb
    case .rgba: genlab_png_format_rgba
    }
    defer { png_image_free(&control) }

    return try image.pixels.withUnsafeBytes { pixels -> [UInt8] in
      // First call: no buffer, libpng only reports the size; second call: write.
      // convert_to_8_bit 0 (already 8-bit), row_stride 0 (rows packed), no colour map.
      var size = 0
      guard png_image_write_to_memory(&control, nil, &size, 0, pixels.baseAddress, 0, nil) != 0 else {
        throw ImageIOError.invalidImage(reason: "libpng says '\(libpngMessage(control))'")
      }
      var file = [UInt8](repeating: 0, count: size)
      let written = file.withUnsafeMutableBytes { memory in
        png_image_write_to_memory(&control, memory.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
      }
      guard written != 0 else {
        throw ImageIOError.invalidImage(reason: "libpng says '\(libpngMessage(control))'")
      }
      file.removeLast(file.count - size)
      return file
    }
  }

  /// Encodes `image` (see `encode`) and writes it to `path`, replacing any file there.
  ///
  /// The folder must exist: a missing folder throws `cannotWrite` rather than being
  /// created, so a typo in a path does not scatter folders (callers create run folders).
  /// The bytes go to a temporary file in the same folder that is then renamed over
  /// `path`, so a viewer never sees a half-written picture.
  public static func write(_ image: Image, to path: String) throws {
    let bytes = try encode(image)
    try writeFileAtomically(bytes, to: path)
  }

  private static func validate(_ image: Image) throws {
    guard image.width > 0, image.height > 0 else {
      throw ImageIOError.invalidImage(reason: "a PNG needs at least 1×1 pixels, this image is \(image.width)×\(image.height)")
    }
    let limit = 1_000_000  // libpng's default user limit on width and height
    guard image.width <= limit, image.height <= limit else {
      throw ImageIOError.invalidImage(reason: "\(image.width)×\(image.height) is larger than libpng's limit of \(limit) pixels a side")
    }
    let expected = image.width * image.height * image.format.channels
    guard image.pixels.count == expected else {
      throw ImageIOError.invalidImage(reason: "a \(image.width)×\(image.height) \(image.format) image needs \(expected) bytes, `pixels` holds \(image.pixels.count)")
    }
  }

  // MARK: Checks before libpng, for plain-English errors

  /// Throws `notPNG` unless `data` starts with the PNG signature (or `truncated` if
  /// the data is a cut-off signature).
  private static func checkSignature(_ data: [UInt8], name: String) throws {
    if data.starts(with: signature) { return }
    if data.isEmpty {
      throw ImageIOError.notPNG(path: name, detail: "the file is empty")
    }
    if data.count < signature.count && signature.starts(with: data) {
      throw ImageIOError.truncated(path: name, detail: "the file ends after \(data.count) bytes, inside the 8-byte PNG signature")
    }
    let head = Array(data.prefix(8))
    let hex = head.map { hexByte($0) }.joined(separator: " ")
    let text = String(head.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
    var detail = "first bytes \(hex) \"\(text)\"; a PNG starts with 89 50 4E 47 0D 0A 1A 0A \".PNG....\""
    if let guess = guessFormat(head) { detail += "; this looks like \(guess)" }
    throw ImageIOError.notPNG(path: name, detail: detail)
  }

  private static func guessFormat(_ head: [UInt8]) -> String? {
    let known: [([UInt8], String)] = [
      ([0x1F, 0x8B], "a gzip file (decompress it first)"),
      ([0xFF, 0xD8, 0xFF], "a JPEG image"),
      ([0x47, 0x49, 0x46, 0x38], "a GIF image"),
      ([0x42, 0x4D], "a BMP image"),
      ([0x00, 0x00, 0x08, 0x03], "an IDX image file (MNIST format; read it with Datasets)"),
      ([0x00, 0x00, 0x08, 0x01], "an IDX label file (MNIST format; read it with Datasets)"),
    ]
    return known.first { head.starts(with: $0.0) }?.1
  }

  /// Walks the chunk list — each chunk is a 4-byte big-endian length, a 4-letter type,
  /// the data and a 4-byte CRC — and throws `truncated` if the data stops before the
  /// IEND chunk that closes every PNG. libpng alone would report a cut-off file with a
  /// bare "Read Error", or, when only IEND is missing, not at all. A chunk list that
  /// makes no sense (a length over 2³¹ − 1, a type that is not 4 letters) is left for
  /// libpng to report.
  private static func checkChunksComplete(_ data: [UInt8], name: String) throws {
    var offset = signature.count
    var previous = "8-byte signature"
    while true {
      let remaining = data.count - offset
      if remaining == 0 {
        throw ImageIOError.truncated(path: name, detail: "the file ends after \(data.count) bytes, right after the \(previous), "
          + "without the IEND chunk that closes a PNG (was it cut off while being written or copied?)")
      }
      if remaining < 8 {
        throw ImageIOError.truncated(path: name, detail: "the file ends after \(data.count) bytes, inside the header of the chunk after the \(previous)")
      }
      let length = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
      let typeBytes = data[(offset + 4)..<(offset + 8)]
      guard length <= 0x7FFF_FFFF, typeBytes.allSatisfy({ (0x41...0x5A).contains($0 & ~0x20) }) else { return }
      let type = String(decoding: typeBytes, as: UTF8.self)
      let needed = length + 12
      if remaining < needed {
        throw ImageIOError.truncated(path: name, detail: "the file ends after \(data.count) bytes, inside the \(type) chunk that starts at byte \(offset): "
          + "the chunk needs \(needed) bytes, only \(remaining) are left")
      }
      if type == "IEND" { return }
      previous = "\(type) chunk"
      offset += needed
    }
  }

  // MARK: Helpers

  /// libpng's error text, stored in the fixed 64-byte `message` field.
  private static func libpngMessage(_ control: png_image) -> String {
    let text = withUnsafeBytes(of: control.message) { bytes in
      String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
    return text.isEmpty ? "unknown error" : text
  }

  static func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
  }
}
