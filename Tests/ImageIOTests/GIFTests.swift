import Core
import Foundation
import ImageIO
import Testing

// Every GIF here is read back by the decoder in GIFDecoder.swift, written from the
// GIF89a specification and sharing no code with the encoder.
//
// Checked once by an outside decoder (Pillow 13.0.0, by hand on 2026-11-25; these tests
// do not need Python): GIF.write wrote (a) five 128×96 gray noise frames
// (randomImage seeds 1000…1004, delays 10, 20, 30, 40, 50 — each frame needs over
// 12,000 codes, so the table resets several times), (b) three 40×30 RGB noise frames
// (seeds 2000…2002, delay 25), (c) one 1×1 frame of 77 with loop: false. Pillow's
// `Image.open` found 5, 3 and 1 frames, `info["loop"]` 0, 0 and absent, durations
// 100…500 ms and 250 ms; `convert("L")` gave every gray byte exactly, `convert("RGB")`
// gave every pixel its nearest cube colour (worst channel errors 25, 21, 25), and the
// 1×1 frame read 77.

/// Gray frames of random bytes, one seed per frame.
func grayNoiseFrames(width: Int, height: Int, count: Int, seed: UInt64) -> [Image] {
  (0..<count).map { randomImage(width: width, height: height, format: .gray, seed: seed + UInt64($0)) }
}

/// The colour cube from the documentation, typed out rather than computed by `GIF`.
let redBlueLevels: [Int] = [0, 51, 102, 153, 204, 255]
let greenLevels: [Int] = [0, 43, 85, 128, 170, 213, 255]
let cubeColours: [[Int]] = redBlueLevels.flatMap { r in greenLevels.flatMap { g in redBlueLevels.map { b in [r, g, b] } } }

func squaredDistance(_ a: [Int], _ b: some Collection<UInt8>) -> Int {
  zip(a, b).reduce(0) { $0 + ($1.0 - Int($1.1)) * ($1.0 - Int($1.1)) }
}

/// The sizes of the gray round trip: a single pixel, odd and non-square, one row, one column.
let gifSizes: [(width: Int, height: Int)] = [(1, 1), (3, 7), (7, 3), (1, 13), (13, 1), (64, 48)]

@Suite("GIF")
struct GIFTests {
  @Test("gray frames read back byte for byte", arguments: gifSizes.indices)
  func grayRoundTrip(sizeIndex: Int) throws {
    let (width, height) = gifSizes[sizeIndex]
    let frames = grayNoiseFrames(width: width, height: height, count: 3, seed: 10 * UInt64(sizeIndex))
    let bytes = try GIF.encode(frames: frames, delay: 7)
    #expect(bytes.starts(with: Array("GIF89a".utf8)))
    #expect(bytes.last == 0x3B)
    let gif = try decodeGIF(bytes)
    #expect(gif.version == "GIF89a")
    #expect(gif.width == width && gif.height == height)
    #expect(gif.globalPalette == (0...255).flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
    #expect(gif.loopCount == 0)
    #expect(gif.frames.count == 3)
    for (number, frame) in gif.frames.enumerated() {
      #expect(frame.left == 0 && frame.top == 0 && frame.width == width && frame.height == height)
      #expect(frame.delay == 7 && frame.transparentIndex == nil && frame.minimumCodeSize == 8)
      #expect(frame.indices == frames[number].pixels, "\(width)×\(height), frame \(number)")
    }
  }

  @Test("28×28 sample grids, upscaled, read back exactly")
  func sampleGrids() throws {
    var rng = RNG(seed: 5)
    let frames = (0..<6).map { _ in
      let samples = Tensor(shape: [16, 1, 28, 28], data: (0..<(16 * 28 * 28)).map { _ in rng.uniform() })
      return Image(grid: samples, columns: 4, range: .zeroToOne, padding: 2, scale: 2)
    }
    #expect(frames[0].width == 4 * 56 + 5 * 2 && frames[0].format == .gray)
    let gif = try decodeGIF(GIF.encode(frames: frames, delay: 50))
    #expect(gif.frames.map(\.indices) == frames.map(\.pixels))
  }

  @Test("20 frames with their own delays; loop flag on and off")
  func manyFramesAndDelays() throws {
    let frames = grayNoiseFrames(width: 9, height: 5, count: 20, seed: 77)
    let delays = (0..<20).map { $0 * 37 % 101 }  // 0, 37, 74, 10, … all different
    let looping = try decodeGIF(GIF.encode(frames: frames, delays: delays, loop: true))
    #expect(looping.loopCount == 0)
    #expect(looping.frames.compactMap(\.delay) == delays)
    #expect(looping.frames.map(\.indices) == frames.map(\.pixels))
    let once = try decodeGIF(GIF.encode(frames: frames, delays: delays, loop: false))
    #expect(once.loopCount == nil)
    #expect(once.frames.map(\.indices) == frames.map(\.pixels))
    #expect(try GIF.encode(frames: frames, delay: 65535, loop: false).count > 0)
    #expect(try decodeGIF(GIF.encode(frames: frames, delay: 3)).frames.allSatisfy { $0.delay == 3 })
  }

  @Test("random noise fills the code table: 12-bit codes, clear codes, full sub-blocks")
  func noiseResetsTheTable() throws {
    // 128×128 noise: almost every pixel costs a code, so the 16,384 pixels need
    // over 12,000 codes and the 4096-entry table fills at least twice.
    let frames = grayNoiseFrames(width: 128, height: 128, count: 2, seed: 900)
    let gif = try decodeGIF(GIF.encode(frames: frames))
    for (number, frame) in gif.frames.enumerated() {
      #expect(frame.indices == frames[number].pixels)
      #expect(frame.widestCode == 12)
      #expect(frame.clearCodes >= 3, "clear codes: \(frame.clearCodes)")
      #expect(frame.subBlockLengths.allSatisfy { (1...255).contains($0) })
      #expect(frame.subBlockLengths.dropLast().allSatisfy { $0 == 255 })
    }
  }

  @Test("every stream length around the code-width changes and the first reset reads back")
  func everyLength() throws {
    // One row of n noise pixels: the code width grows 9 → 10 bits after about 254 codes
    // and the full table (4096) forces a clear after about 3,840; with every n in
    // 1 … 600 and 3700 … 4200, each happens at every place, also right at the end code.
    let noise = randomImage(width: 4200, height: 1, format: .gray, seed: 31).pixels
    let longest = try decodeGIF(GIF.encode(frames: [Image(width: 4200, height: 1, format: .gray, pixels: noise)]))
    #expect(longest.frames[0].clearCodes == 2, "the sweep must cross a table reset")
    let shortest = try decodeGIF(GIF.encode(frames: [Image(width: 3700, height: 1, format: .gray, pixels: Array(noise[0..<3700]))]))
    #expect(shortest.frames[0].clearCodes == 1, "the sweep must start before the table reset")
    for length in Array(1...600) + Array(3700...4200) {
      let frame = Image(width: length, height: 1, format: .gray, pixels: Array(noise[0..<length]))
      let gif = try decodeGIF(GIF.encode(frames: [frame]))
      guard gif.frames.first?.indices == frame.pixels else {
        Issue.record("length \(length) does not read back")
        return
      }
    }
  }

  @Test("a constant frame compresses to little and reads back")
  func constantFrame() throws {
    let frame = Image(width: 200, height: 200, format: .gray, repeating: 173)
    let bytes = try GIF.encode(frames: [frame, frame])
    let gif = try decodeGIF(bytes)
    #expect(gif.frames.map(\.indices) == [frame.pixels, frame.pixels])
    // Runs of one value grow by one pixel per code: 40,000 pixels need about 280 codes.
    #expect(bytes.count < 768 + 2 * 600, "\(bytes.count) bytes")
  }

  @Test("RGB frames: the documented palette, each pixel its nearest palette colour")
  func rgbNearestColour() throws {
    let frames = (0..<3).map { randomImage(width: 31, height: 17, format: .rgb, seed: 400 + UInt64($0)) }
    let gif = try decodeGIF(GIF.encode(frames: frames))
    #expect(gif.globalPalette == cubeColours.flatMap { $0.map(UInt8.init) } + [UInt8](repeating: 0, count: 12))
    var worst = [0, 0, 0]
    for (number, frame) in gif.frames.enumerated() {
      #expect(frame.transparentIndex == nil && frame.indices.allSatisfy { $0 < 252 })
      let colours = gif.rgb(of: frame)
      for pixel in 0..<(31 * 17) {
        let original = frames[number].pixels[3 * pixel..<(3 * pixel + 3)]
        let chosen = colours[3 * pixel..<(3 * pixel + 3)].map(Int.init)
        let best = cubeColours.map { squaredDistance($0, original) }.min()!
        guard squaredDistance(chosen, original) == best else {
          Issue.record("frame \(number) pixel \(pixel): \(Array(original)) → \(chosen), a nearer colour is \(best) away")
          return
        }
        for c in 0..<3 { worst[c] = max(worst[c], abs(chosen[c] - Int(original[original.startIndex + c]))) }
      }
    }
    // Half the widest gap between levels: 51/2 for red and blue, 43/2 for green.
    #expect(worst[0] <= 25 && worst[1] <= 21 && worst[2] <= 25, "worst channel errors \(worst)")
    #expect(worst[0] >= 20, "random pixels should come near the bound: \(worst)")
  }

  @Test("RGB frames made of palette colours read back exactly")
  func rgbPaletteColoursExact() throws {
    let pixels = cubeColours.flatMap { $0.map(UInt8.init) }  // 252 pixels, one per colour
    let frame = Image(width: 12, height: 21, format: .rgb, pixels: pixels)
    let gif = try decodeGIF(GIF.encode(frames: [frame]))
    #expect(gif.rgb(of: gif.frames[0]) == pixels)
    #expect(gif.frames[0].indices == (0..<252).map(UInt8.init))
  }

  @Test("RGBA: alpha below 128 is the transparent index, the rest the nearest colour")
  func rgbaTransparency() throws {
    let frame = Image(width: 3, height: 1, format: .rgba, pixels: [
      255, 0, 0, 255,    // opaque red
      10, 200, 99, 127,  // transparent
      30, 40, 50, 128,   // opaque: 51, 43, 51 (index 42·1 + 6·1 + 1)
    ])
    let gif = try decodeGIF(GIF.encode(frames: [frame]))
    let decoded = gif.frames[0]
    #expect(decoded.transparentIndex == 255 && decoded.disposal == 2)
    #expect(decoded.indices == [42 * 5, 255, 49])
    let opaque = Image(width: 1, height: 1, format: .rgba, pixels: [0, 0, 0, 200])
    let opaqueFrame = try decodeGIF(GIF.encode(frames: [opaque])).frames[0]
    #expect(opaqueFrame.transparentIndex == nil && opaqueFrame.disposal == 1 && opaqueFrame.indices == [0])
  }

  @Test("bad frame lists throw invalidAnimation naming the frame")
  func errors() throws {
    let small = Image(width: 3, height: 3, format: .gray, repeating: 0)
    func reason(_ body: () throws -> Void) -> String {
      guard case .invalidAnimation(let reason) = imageIOError(body) else {
        Issue.record("expected invalidAnimation")
        return ""
      }
      return reason
    }
    #expect(reason { _ = try GIF.encode(frames: []) }.contains("no frames"))
    let size = reason { _ = try GIF.encode(frames: [small, small, Image(width: 3, height: 4, format: .gray, repeating: 0)]) }
    #expect(size.contains("frame 2 is 3×4 gray") && size.contains("frame 0 is 3×3 gray"), "\(size)")
    let format = reason { _ = try GIF.encode(frames: [small, Image(width: 3, height: 3, format: .rgb, repeating: 0)]) }
    #expect(format.contains("frame 1 is 3×3 rgb"), "\(format)")
    #expect(reason { _ = try GIF.encode(frames: [small, small], delays: [1]) }.contains("2 frames but 1 delays"))
    #expect(reason { _ = try GIF.encode(frames: [small, small], delays: [1, -1]) }.contains("frame 1 has delay -1"))
    #expect(reason { _ = try GIF.encode(frames: [small], delay: 65536) }.contains("delay 65536"))
    #expect(reason { _ = try GIF.encode(frames: [Image(width: 0, height: 5, format: .gray, pixels: [])]) }.contains("0×5"))
    #expect(reason { _ = try GIF.encode(frames: [Image(width: 65536, height: 1, format: .gray, repeating: 0)]) }.contains("65536×1"))
    let error = ImageIOError.invalidAnimation(reason: "no frames: an animation needs at least one")
    #expect(error.description == "cannot encode the animated GIF: no frames: an animation needs at least one")
    #expect(error.path == nil)
  }

  @Test("write: the file holds the encoded bytes; a missing folder throws cannotWrite")
  func writeFile() throws {
    let frames = grayNoiseFrames(width: 5, height: 4, count: 4, seed: 3)
    try withTemporaryFolder { folder in
      let path = folder + "/anim.gif"
      try GIF.write(frames: frames, delays: [1, 2, 3, 4], to: path)
      let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      #expect(onDisk == (try GIF.encode(frames: frames, delays: [1, 2, 3, 4])))
      #expect(onDisk.starts(with: Array("GIF89a".utf8)) && onDisk.last == 0x3B)
      try GIF.write(frames: frames, delay: 9, loop: false, to: path)  // replaces the file
      let again = try decodeGIF([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
      #expect(again.loopCount == nil && again.frames.map(\.delay) == [9, 9, 9, 9])
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["anim.gif"])

      let missing = folder + "/no-such-folder/anim.gif"
      let error = imageIOError { try GIF.write(frames: frames, to: missing) }
      guard case .cannotWrite(let errorPath, let why) = error else { Issue.record("got \(String(describing: error))"); return }
      #expect(errorPath == missing && why.contains("does not exist"))
    }
  }

  @Test("encoding is deterministic")
  func deterministic() throws {
    let frames = (0..<3).map { randomImage(width: 20, height: 11, format: .rgba, seed: 60 + UInt64($0)) }
    #expect(try GIF.encode(frames: frames, delay: 4) == GIF.encode(frames: frames, delay: 4))
  }
}
