import Core
import Foundation
import ImageIO
import Testing

/// Image sizes with the awkward ones: a single pixel, odd and non-square, one row, one column.
let roundTripSizes: [(width: Int, height: Int)] = [(1, 1), (3, 7), (7, 3), (28, 28), (1, 13), (13, 1), (64, 48)]

@Suite("PNG round trips")
struct PNGRoundTripTests {
  @Test("file round trip keeps every byte", arguments: PixelFormat.allCases, roundTripSizes.indices)
  func fileRoundTrip(format: PixelFormat, sizeIndex: Int) throws {
    let (width, height) = roundTripSizes[sizeIndex]
    let image = randomImage(width: width, height: height, format: format, seed: UInt64(sizeIndex))
    let back = try withTemporaryFolder { folder in
      let path = folder + "/image.png"
      try PNG.write(image, to: path)
      return try PNG.read(file: path)
    }
    #expect(back.width == width && back.height == height && back.format == format)
    #expect(back.pixels == image.pixels, "\(width)×\(height) \(format)")
  }

  @Test("memory round trip keeps every byte", arguments: PixelFormat.allCases, roundTripSizes.indices)
  func memoryRoundTrip(format: PixelFormat, sizeIndex: Int) throws {
    let (width, height) = roundTripSizes[sizeIndex]
    let image = randomImage(width: width, height: height, format: format, seed: 100 + UInt64(sizeIndex))
    let bytes = try PNG.encode(image)
    #expect(bytes.starts(with: PNG.signature))
    #expect(try PNG.read(data: bytes) == image, "\(width)×\(height) \(format)")
  }

  @Test("the file holds exactly the encoded bytes, and encoding is deterministic")
  func fileEqualsEncoding() throws {
    let image = randomImage(width: 5, height: 4, format: .rgb, seed: 7)
    let encoded = try PNG.encode(image)
    #expect(try PNG.encode(image) == encoded)
    let onDisk = try withTemporaryFolder { folder in
      let path = folder + "/a.png"
      try PNG.write(image, to: path)
      return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    #expect(onDisk == encoded)
  }

  @Test("writing replaces an existing file and leaves no temporary file behind")
  func overwrite() throws {
    try withTemporaryFolder { folder in
      let path = folder + "/sample.png"
      let first = randomImage(width: 8, height: 8, format: .gray, seed: 1)
      let second = randomImage(width: 3, height: 5, format: .rgba, seed: 2)
      try PNG.write(first, to: path)
      try PNG.write(second, to: path)
      #expect(try PNG.read(file: path) == second)
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["sample.png"])
      let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
      #expect(permissions == 0o644)
    }
  }

  @Test("a relative path in the current folder works")
  func relativePath() throws {
    try withTemporaryFolder { folder in
      let previous = FileManager.default.currentDirectoryPath
      #expect(FileManager.default.changeCurrentDirectoryPath(folder))
      defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
      let image = randomImage(width: 2, height: 2, format: .gray, seed: 3)
      try PNG.write(image, to: "relative.png")
      #expect(try PNG.read(file: folder + "/relative.png") == image)
    }
  }
}

/// PNGs written by `handMadePNG` (from the specification, without libpng), with the
/// pixels libpng must return worked out by hand from the PNG rules.
@Suite("Reading PNG colour types")
struct PNGColourTypeTests {
  @Test("8-bit gray")
  func gray8() throws {
    let png = handMadePNG(width: 3, height: 2, bitDepth: 8, colorType: 0, rows: [[0, 1, 2], [127, 128, 255]])
    #expect(try PNG.read(data: png) == Image(width: 3, height: 2, format: .gray, pixels: [0, 1, 2, 127, 128, 255]))
  }

  @Test("8-bit RGB and RGBA")
  func rgb8() throws {
    let rgb = handMadePNG(width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[255, 0, 0, 10, 20, 30]])
    #expect(try PNG.read(data: rgb) == Image(width: 2, height: 1, format: .rgb, pixels: [255, 0, 0, 10, 20, 30]))
    let rgba = handMadePNG(width: 2, height: 1, bitDepth: 8, colorType: 6, rows: [[255, 0, 0, 0, 10, 20, 30, 128]])
    #expect(try PNG.read(data: rgba) == Image(width: 2, height: 1, format: .rgba, pixels: [255, 0, 0, 0, 10, 20, 30, 128]))
  }

  /// 16-bit v ↦ round(v / 257): 0 → 0, 257·200 → 200, 0x8000 = 32768 → 127.50 → 128, 65535 → 255.
  @Test("16-bit gray becomes 8-bit by v / 257")
  func gray16() throws {
    let samples: [UInt16] = [0, 257 * 200, 0x8000, 65535]
    let row = samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    let png = handMadePNG(width: 4, height: 1, bitDepth: 16, colorType: 0, rows: [row])
    #expect(try PNG.read(data: png) == Image(width: 4, height: 1, format: .gray, pixels: [0, 200, 128, 255]))
  }

  @Test("16-bit RGBA becomes 8-bit RGBA")
  func rgba16() throws {
    let samples: [UInt16] = [65535, 257 * 17, 0, 65535]
    let row = samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    let png = handMadePNG(width: 1, height: 1, bitDepth: 16, colorType: 6, rows: [row])
    #expect(try PNG.read(data: png) == Image(width: 1, height: 1, format: .rgba, pixels: [255, 17, 0, 255]))
  }

  /// 1-bit gray: bits 1,0,1,1,0 of byte 0b1011_0000 → 255, 0, 255, 255, 0.
  @Test("1-bit gray is scaled to 0 and 255")
  func gray1() throws {
    let png = handMadePNG(width: 5, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1011_0000]])
    #expect(try PNG.read(data: png) == Image(width: 5, height: 1, format: .gray, pixels: [255, 0, 255, 255, 0]))
  }

  @Test("gray + alpha becomes RGBA with the gray copied to r, g, b")
  func grayAlpha() throws {
    let png = handMadePNG(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[200, 255, 50, 100]])
    #expect(try PNG.read(data: png) == Image(width: 2, height: 1, format: .rgba,
                                              pixels: [200, 200, 200, 255, 50, 50, 50, 100]))
  }

  @Test("palette becomes RGB; palette with tRNS becomes RGBA")
  func palette() throws {
    let palette: [UInt8] = [255, 0, 0, /**/ 0, 255, 0, /**/ 0, 0, 255]
    let rows: [[UInt8]] = [[2, 0], [1, 1]]  // 8-bit indices
    let opaque = handMadePNG(width: 2, height: 2, bitDepth: 8, colorType: 3, rows: rows, extra: [("PLTE", palette)])
    #expect(try PNG.read(data: opaque) == Image(width: 2, height: 2, format: .rgb,
                                                 pixels: [0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 255, 0]))
    let transparent = handMadePNG(width: 2, height: 2, bitDepth: 8, colorType: 3, rows: rows,
                                  extra: [("PLTE", palette), ("tRNS", [0, 128])])  // entry 2: opaque
    #expect(try PNG.read(data: transparent) == Image(width: 2, height: 2, format: .rgba,
                                                      pixels: [0, 0, 255, 255, 255, 0, 0, 0, 0, 255, 0, 128, 0, 255, 0, 128]))
  }
}

@Suite("Encoding invalid images")
struct PNGInvalidImageTests {
  @Test("an empty image or pixels of the wrong length throw invalidImage", arguments: [(0, 0), (0, 5), (5, 0)])
  func emptyImage(width: Int, height: Int) {
    let error = imageIOError { _ = try PNG.encode(Image(width: width, height: height, format: .gray, pixels: [])) }
    guard case .invalidImage = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(error!.description.contains("\(width)×\(height)"))
  }

  @Test("pixels of the wrong length throw invalidImage")
  func wrongLength() {
    var image = Image(width: 2, height: 2, format: .rgb, repeating: 0)
    image.pixels.removeLast()
    let error = imageIOError { _ = try PNG.encode(image) }
    guard case .invalidImage(let reason) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(reason.contains("12 bytes") && reason.contains("11"))
  }
}
