/// Animated GIF (GIF89a) files: watch samples change over training, one frame per epoch.
///
/// A file written here is, byte by byte (numbers are little-endian 16-bit):
///
///     "GIF89a"                                    header, 6 bytes
///     width, height, 0xF7, 0, 0                   logical screen descriptor: a global
///                                                 colour table of 256 entries follows
///     256 × (r, g, b)                             global colour table, 768 bytes
///     21 FF 0B "NETSCAPE2.0" 03 01 0000 00        application extension: loop forever
///                                                 (only when `loop` is true)
///     per frame:
///       21 F9 04 flags delay transparent 00       graphic control extension: the delay
///                                                 in 1/100 s, disposal, transparency
///       2C 0000 0000 width height 00              image descriptor: the whole screen,
///                                                 no local colour table, not interlaced
///       08, sub-blocks…, 00                       LZW minimum code size 8, then the LZW
///                                                 codes in sub-blocks of ≤ 255 bytes
///     3B                                          trailer
///
/// **Colours.** A GIF frame holds palette indices, at most 256 colours for the whole file.
/// - `.gray` frames use the palette (v, v, v) at index v: exact, every byte reads back.
/// - `.rgb` and `.rgba` frames use a fixed 6×7×6 colour cube (`GIF.colourCube`): red and
///   blue levels i·51 (i = 0…5), green levels round(i·255/6) = 0, 43, 85, 128, 170, 213, 255;
///   index = 42·r + 6·g + b. Each channel goes to its nearest level, which on a cube is the
///   nearest palette colour; the error is at most 25 in red and blue and 21 in green. A
///   fixed palette keeps frames comparable (the same colour is the same index in every
///   frame) and needs no pass over all frames. `.rgba` pixels with alpha < 128 become the
///   transparent index 255; others lose their alpha.
public enum GIF {
  /// The 6-byte signature and version every file written here starts with: "GIF89a".
  public static let signature: [UInt8] = Array("GIF89a".utf8)

  /// The byte that ends every GIF file (the trailer, ';').
  public static let trailer: UInt8 = 0x3B

  /// Levels of the colour cube per channel: red 6, green 7, blue 6 (252 colours).
  public static let colourCubeLevels = (red: 6, green: 7, blue: 6)

  /// The palette index that `.rgba` pixels with alpha < 128 get (marked transparent).
  public static let transparentIndex: UInt8 = 255

  /// The 256-entry global colour table used for `format`, as 768 bytes r, g, b, r, g, b, …
  /// `.gray`: entry v is (v, v, v). `.rgb`/`.rgba`: the 6×7×6 cube at indices 0…251
  /// (index 42·r + 6·g + b, level value round(i·255 / (levels − 1))), then black.
  public static func palette(for format: PixelFormat) -> [UInt8] {
    switch format {
    case .gray:
      return (0...255).flatMap { value in [UInt8(value), UInt8(value), UInt8(value)] }
    case .rgb, .rgba:
      var table = [UInt8](repeating: 0, count: 768)
      let (reds, greens, blues) = colourCubeLevels
      for r in 0..<reds {
        for g in 0..<greens {
          for b in 0..<blues {
            let index = (r * greens + g) * blues + b
            table[3 * index] = level(r, of: reds)
            table[3 * index + 1] = level(g, of: greens)
            table[3 * index + 2] = level(b, of: blues)
          }
        }
      }
      return table
    }
  }

  // MARK: Encoding

  /// Encodes `frames` as an animated GIF, every frame shown for `delay` hundredths of a
  /// second (0…65535; browsers show 0 and 1 as about 10), and returns the file's bytes.
  /// With `loop` the animation repeats forever (NETSCAPE2.0 extension); without, it
  /// plays once.
  ///
  /// All frames must have the same width, height and format, at least 1×1 and at most
  /// 65535 pixels a side. Throws `invalidAnimation` naming the frame otherwise, or for
  /// an empty list.
  public static func encode(frames: [Image], delay: Int = 10, loop: Bool = true) throws -> [UInt8] {
    try encode(frames: frames, delays: Array(repeating: delay, count: frames.count), loop: loop)
  }

  /// Encodes `frames` with one delay per frame (`delays[i]` hundredths of a second for
  /// frame i). See `encode(frames:delay:loop:)`.
  public static func encode(frames: [Image], delays: [Int], loop: Bool = true) throws -> [UInt8] {
    try validate(frames: frames, delays: delays)
    let first = frames[0]
    let palette = palette(for: first.format)

    var file = signature
    appendWord(first.width, to: &file)
    appendWord(first.height, to: &file)
    // Global colour table present (0x80), colour resolution 8 bits (0x70), not sorted,
    // table size 2^(7+1) = 256 (0x07); background index 0; no aspect ratio.
    file += [0xF7, 0, 0]
    file += palette
    if loop {
      file += [0x21, 0xFF, 0x0B] + Array("NETSCAPE2.0".utf8) + [0x03, 0x01, 0x00, 0x00, 0x00]
    }
    for (frame, delay) in zip(frames, delays) {
      let (indices, transparent) = paletteIndices(of: frame)
      // Graphic control extension. Disposal 1 (leave the frame) for opaque frames;
      // 2 (restore to background) when some pixels are transparent, so the frame
      // before does not show through them. Bit 0: transparent index is valid.
      let disposal: UInt8 = transparent ? 2 : 1
      file += [0x21, 0xF9, 0x04, disposal << 2 | (transparent ? 1 : 0)]
      appendWord(delay, to: &file)
      file += [transparent ? transparentIndex : 0, 0x00]
      // Image descriptor: at (0, 0), the full size, no local table, not interlaced.
      file += [0x2C, 0, 0, 0, 0]
      appendWord(frame.width, to: &file)
      appendWord(frame.height, to: &file)
      file.append(0x00)
      let minimumCodeSize = 8
      file.append(UInt8(minimumCodeSize))
      file += subBlocks(lzwCompress(indices, minimumCodeSize: minimumCodeSize))
    }
    file.append(trailer)
    return file
  }

  /// Encodes `frames` (see `encode(frames:delay:loop:)`) and writes them to `path`,
  /// replacing any file there, through a temporary file renamed over `path` (like
  /// `PNG.write`). The folder must exist: a missing folder throws `cannotWrite`.
  public static func write(frames: [Image], delay: Int = 10, loop: Bool = true, to path: String) throws {
    try writeFileAtomically(encode(frames: frames, delay: delay, loop: loop), to: path)
  }

  /// Encodes `frames` with one delay per frame and writes them to `path` atomically.
  public static func write(frames: [Image], delays: [Int], loop: Bool = true, to path: String) throws {
    try writeFileAtomically(encode(frames: frames, delays: delays, loop: loop), to: path)
  }

  // MARK: Pieces

  /// Level i of n, spread evenly over 0…255 and rounded half up: round(i·255 / (n − 1)).
  static func level(_ i: Int, of levels: Int) -> UInt8 {
    UInt8((2 * i * 255 + (levels - 1)) / (2 * (levels - 1)))
  }

  /// For each byte value, the index of the nearest of `levels` levels (ties go down).
  static func nearestLevel(of levels: Int) -> [UInt8] {
    let values = (0..<levels).map { Int(level($0, of: levels)) }
    return (0...255).map { byte in
      var best = 0
      for i in 1..<levels where abs(values[i] - byte) < abs(values[best] - byte) { best = i }
      return UInt8(best)
    }
  }

  /// The frame as palette indices, and whether any pixel is transparent.
  static func paletteIndices(of frame: Image) -> (indices: [UInt8], transparent: Bool) {
    let channels = frame.format.channels
    switch frame.format {
    case .gray:
      return (frame.pixels, false)
    case .rgb, .rgba:
      let (reds, greens, blues) = colourCubeLevels
      let red = nearestLevel(of: reds), green = nearestLevel(of: greens), blue = nearestLevel(of: blues)
      var indices = [UInt8](repeating: 0, count: frame.width * frame.height)
      var transparent = false
      frame.pixels.withUnsafeBufferPointer { pixels in
        for pixel in indices.indices {
          let start = pixel * channels
          if channels == 4, pixels[start + 3] < 128 {
            indices[pixel] = transparentIndex
            transparent = true
            continue
          }
          let r = Int(red[Int(pixels[start])]), g = Int(green[Int(pixels[start + 1])])
          let b = Int(blue[Int(pixels[start + 2])])
          indices[pixel] = UInt8((r * greens + g) * blues + b)
        }
      }
      return (indices, transparent)
    }
  }

  private static func appendWord(_ value: Int, to bytes: inout [UInt8]) {
    bytes.append(UInt8(value & 0xFF))
    bytes.append(UInt8(value >> 8 & 0xFF))
  }

  private static func validate(frames: [Image], delays: [Int]) throws {
    guard let first = frames.first else {
      throw ImageIOError.invalidAnimation(reason: "no frames: an animation needs at least one")
    }
    guard delays.count == frames.count else {
      throw ImageIOError.invalidAnimation(reason: "\(frames.count) frames but \(delays.count) delays")
    }
    guard first.width > 0, first.height > 0, first.width <= 0xFFFF, first.height <= 0xFFFF else {
      throw ImageIOError.invalidAnimation(
        reason: "frame 0 is \(first.width)×\(first.height); a GIF needs 1 to 65535 pixels a side")
    }
    for (number, frame) in frames.enumerated() {
      guard frame.width == first.width, frame.height == first.height, frame.format == first.format else {
        throw ImageIOError.invalidAnimation(
          reason: "frame \(number) is \(frame.width)×\(frame.height) \(frame.format), frame 0 is "
            + "\(first.width)×\(first.height) \(first.format); all frames must match")
      }
      let expected = frame.width * frame.height * frame.format.channels
      guard frame.pixels.count == expected else {
        throw ImageIOError.invalidAnimation(
          reason: "frame \(number) (\(frame.width)×\(frame.height) \(frame.format)) needs \(expected) bytes, "
            + "`pixels` holds \(frame.pixels.count)")
      }
    }
    for (number, delay) in delays.enumerated() where !(0...0xFFFF).contains(delay) {
      throw ImageIOError.invalidAnimation(
        reason: "frame \(number) has delay \(delay); delays are 0 to 65535 hundredths of a second")
    }
  }
}
