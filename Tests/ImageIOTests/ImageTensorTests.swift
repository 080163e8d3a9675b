import Core
import ImageIO
import Testing

@Suite("Tensor ↔ Image")
struct ImageTensorTests {
  @Test("Tensor(image:) then Image(tensor:) gives back every byte", arguments: PixelFormat.allCases)
  func roundTrip(format: PixelFormat) {
    let image = randomImage(width: 7, height: 3, format: format, seed: 9)
    let tensor = Tensor(image: image)
    #expect(tensor.shape == [format.channels, 3, 7])
    #expect(tensor.data.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(Image(tensor: tensor) == image)
    // The same through [−1, 1]: x ↦ 2x − 1 and back.
    #expect(Image(tensor: tensor * 2 - 1, range: .minusOneToOne) == image)
  }

  /// Planar C×H×W becomes interleaved: pixel (y, x) holds tensor[0, y, x], tensor[1, y, x], tensor[2, y, x].
  @Test("channels are interleaved and rows go top to bottom")
  func layout() {
    // tensor[c, y, x] = (100·c + 10·y + x) / 255, so byte = 100c + 10y + x.
    var tensor = Tensor(zeros: [3, 2, 4])
    for c in 0..<3 { for y in 0..<2 { for x in 0..<4 { tensor[c, y, x] = Float(100 * c + 10 * y + x) / 255 } } }
    let image = Image(tensor: tensor)
    #expect(image.width == 4 && image.height == 2 && image.format == .rgb)
    #expect(image.pixel(row: 0, column: 0) == [0, 100, 200])
    #expect(image.pixel(row: 1, column: 3) == [13, 113, 213])
    #expect(image.pixels.prefix(6) == [0, 100, 200, 1, 101, 201])
    #expect(image[row: 1, column: 2, channel: 1] == 112)
    // and back: Tensor(image:) undoes the interleaving
    #expect(Tensor(image: image) == tensor)
  }

  @Test("an H×W tensor becomes gray; C = 1 and 4 give gray and RGBA")
  func shapes() {
    #expect(Image(tensor: Tensor(zeros: [5, 3])).format == .gray)
    #expect(Image(tensor: Tensor(zeros: [5, 3])).width == 3)
    #expect(Image(tensor: Tensor(zeros: [1, 5, 3])).format == .gray)
    #expect(Image(tensor: Tensor(zeros: [4, 5, 3])).format == .rgba)
  }

  /// Worked by hand: byte = round(255 · clamp(v, 0, 1)); 0.5 · 255 = 127.5 rounds away from zero
  /// to 128; 0.2 · 255 = 51; 1/255 · 255 = 1; NaN draws as 0.
  @Test("[0, 1] values are clamped and rounded")
  func zeroToOne() {
    let values: [Float] = [0, 0.5, 1, -0.2, 1.3, .nan, 0.2, 1.0 / 255, .infinity, -.infinity]
    let image = Image(tensor: Tensor(shape: [1, values.count], data: values), range: .zeroToOne)
    #expect(image.pixels == [0, 128, 255, 0, 255, 0, 51, 1, 255, 0])
  }

  /// Worked by hand: byte = round(255 · clamp((v + 1) / 2, 0, 1)): −1 → 0, 0 → 127.5 → 128,
  /// 1 → 255, −3 → 0, 2 → 255, 0.5 → 191.25 → 191, −0.5 → 63.75 → 64.
  @Test("[−1, 1] values map to 0…255, clamped")
  func minusOneToOne() {
    let values: [Float] = [-1, 0, 1, -3, 2, 0.5, -0.5]
    let image = Image(tensor: Tensor(shape: [1, values.count], data: values), range: .minusOneToOne)
    #expect(image.pixels == [0, 128, 255, 0, 255, 191, 64])
  }

  /// Worked by hand: min 2, max 6: byte = round(255 · (v − 2) / 4): 2 → 0, 3 → 63.75 → 64,
  /// 4 → 127.5 → 128, 6 → 255. Infinities are ignored for min/max, then clamped.
  @Test("normalize stretches min…max to 0…255")
  func normalize() {
    let values: [Float] = [2, 3, 4, 6, .infinity, -.infinity, .nan]
    let image = Image(tensor: Tensor(shape: [1, values.count], data: values), range: .normalize)
    #expect(image.pixels == [0, 64, 128, 255, 255, 0, 0])
    // a constant tensor is all black, not a division by zero
    #expect(Image(tensor: Tensor(shape: [2, 2], repeating: 5), range: .normalize).pixels == [0, 0, 0, 0])
    // normalize is invariant to scaling and shifting the values
    let tensor = Tensor(shape: [3, 3], data: (0..<9).map { Float($0 * $0) })
    #expect(Image(tensor: tensor * 7 - 100, range: .normalize) == Image(tensor: tensor, range: .normalize))
  }

  @Test("Tensor(image:) divides by 255")
  func tensorValues() {
    let image = Image(width: 3, height: 1, format: .gray, pixels: [0, 51, 255])
    #expect(Tensor(image: image) == Tensor(shape: [1, 1, 3], data: [0, 0.2, 1]))
  }

  @Test("upscaled(by:) repeats each pixel in a factor × factor block", arguments: [1, 2, 3])
  func upscale(factor: Int) {
    let image = randomImage(width: 3, height: 2, format: .rgb, seed: 5)
    let big = image.upscaled(by: factor)
    #expect(big.width == 3 * factor && big.height == 2 * factor && big.format == .rgb)
    for y in 0..<big.height {
      for x in 0..<big.width {
        #expect(big.pixel(row: y, column: x) == image.pixel(row: y / factor, column: x / factor))
      }
    }
  }

  @Test("PNG.write(tensor:) writes the tensor's picture, upscaled")
  func writeTensor() throws {
    let tensor = Tensor(shape: [2, 3], data: [-1, 0, 1, 2, 3, 4])
    let back = try withTemporaryFolder { folder in
      try PNG.write(tensor: tensor, range: .normalize, scale: 2, to: folder + "/mean.png")
      return try PNG.read(file: folder + "/mean.png")
    }
    #expect(back == Image(tensor: tensor, range: .normalize).upscaled(by: 2))
    #expect(back.width == 6 && back.height == 4 && back.format == .gray)
    #expect(back[row: 0, column: 0] == 0 && back[row: 3, column: 5] == 255)
  }
}
