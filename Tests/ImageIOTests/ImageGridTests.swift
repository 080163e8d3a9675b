import Core
import ImageIO
import Testing

/// Grid sizes worked out by hand from width = columns·W·scale + (columns + 1)·padding,
/// height = rows·H·scale + (rows + 1)·padding, rows = ⌈N / columns⌉.
struct GridCase: Sendable, CustomTestStringConvertible {
  var count, columns, height, width, padding, scale: Int
  var expectedWidth, expectedHeight: Int
  var testDescription: String {
    "N \(count), columns \(columns), \(height)×\(width), padding \(padding), scale \(scale)"
  }
}

let gridCases: [GridCase] = [
  // 64 images of 28×28 in 8 columns: 8·28 + 9·2 = 242 both ways
  GridCase(count: 64, columns: 8, height: 28, width: 28, padding: 2, scale: 1, expectedWidth: 242, expectedHeight: 242),
  // 10 in 4 columns → 3 rows, 2 blank cells: 4·5 + 5·1 = 25 wide, 3·3 + 4·1 = 13 high
  GridCase(count: 10, columns: 4, height: 3, width: 5, padding: 1, scale: 1, expectedWidth: 25, expectedHeight: 13),
  // one image, no padding, scale 3: just the upscaled image
  GridCase(count: 1, columns: 1, height: 7, width: 3, padding: 0, scale: 3, expectedWidth: 9, expectedHeight: 21),
  // 3 images in 5 columns → one row with 2 blank cells: 5·2·2 + 6·3 = 38, 1·4·2 + 2·3 = 14
  GridCase(count: 3, columns: 5, height: 4, width: 2, padding: 3, scale: 2, expectedWidth: 38, expectedHeight: 14),
  // 7 images in 1 column: 1·6 + 2·2 = 10 wide, 7·1 + 8·2 = 23 high
  GridCase(count: 7, columns: 1, height: 1, width: 6, padding: 2, scale: 1, expectedWidth: 10, expectedHeight: 23),
]

@Suite("Image grids")
struct ImageGridTests {
  /// Image n is filled with the constant byte 10 + 3n, so every cell can be told apart.
  static func constantImages(count: Int, channels: Int = 1, height: Int, width: Int) -> Tensor {
    var images = Tensor(zeros: [count, channels, height, width])
    let perImage = channels * height * width
    for n in 0..<count {
      for i in 0..<perImage { images.data[n * perImage + i] = Float(10 + 3 * n) / 255 }
    }
    return images
  }

  @Test("size, cell contents, padding and blank cells", arguments: gridCases)
  func geometry(_ grid: GridCase) {
    let images = Self.constantImages(count: grid.count, height: grid.height, width: grid.width)
    let background: UInt8 = 7
    let image = Image(grid: images, columns: grid.columns, padding: grid.padding, scale: grid.scale, background: background)
    #expect(image.width == grid.expectedWidth && image.height == grid.expectedHeight && image.format == .gray)

    let layout = GridLayout(count: grid.count, columns: grid.columns, cellWidth: grid.width * grid.scale,
                            cellHeight: grid.height * grid.scale, padding: grid.padding)
    #expect(layout.width == grid.expectedWidth && layout.height == grid.expectedHeight)
    // Every pixel: inside cell n < N it is 10 + 3n, everywhere else (padding, blank cells) background.
    var expected = [UInt8](repeating: background, count: image.width * image.height)
    for cell in 0..<(layout.rows * layout.columns) where cell < grid.count {
      let (top, left) = layout.origin(of: cell)
      for y in top..<(top + layout.cellHeight) {
        for x in left..<(left + layout.cellWidth) { expected[y * image.width + x] = UInt8(10 + 3 * cell) }
      }
    }
    #expect(image.pixels == expected)
    // and a few positions worked out by hand
    #expect(image[row: 0, column: 0] == (grid.padding > 0 ? background : 10))
    #expect(image[row: grid.padding, column: grid.padding] == 10)
    #expect(layout.origin(of: 0) == (grid.padding, grid.padding))
  }

  @Test("positions by hand: 10 images of 3×5 in 4 columns, padding 1")
  func handPositions() {
    let images = Self.constantImages(count: 10, height: 3, width: 5)
    let image = Image(grid: images, columns: 4, padding: 1, background: 200)
    // cell 5 = row 1, column 1: top = 1 + 1·(3 + 1) = 5, left = 1 + 1·(5 + 1) = 7
    #expect(image[row: 5, column: 7] == 25 && image[row: 7, column: 11] == 25)
    #expect(image[row: 4, column: 7] == 200 && image[row: 5, column: 6] == 200 && image[row: 5, column: 12] == 200)
    // cell 9 = row 2, column 1: top 9, left 7; cells 10 and 11 (row 2, columns 2 and 3) are blank
    #expect(image[row: 9, column: 7] == 37)
    #expect(image[row: 9, column: 13] == 200 && image[row: 11, column: 23] == 200)
  }

  @Test("scale: a single bright pixel becomes a scale × scale block in its cell", arguments: [1, 2, 4])
  func scaledPixel(scale: Int) {
    // two 3×4 images; image 1 has one white pixel at (row 2, column 1)
    var images = Tensor(zeros: [2, 1, 3, 4])
    images[1, 0, 2, 1] = 1
    let image = Image(grid: images, columns: 2, padding: 2, scale: scale, background: 128)
    let layout = GridLayout(count: 2, columns: 2, cellWidth: 4 * scale, cellHeight: 3 * scale, padding: 2)
    let (top, left) = layout.origin(of: 1)
    #expect(top == 2 && left == 2 + 4 * scale + 2)
    for y in 0..<layout.cellHeight {
      for x in 0..<layout.cellWidth {
        let bright = y / scale == 2 && x / scale == 1
        #expect(image[row: top + y, column: left + x] == (bright ? 255 : 0), "(\(y), \(x))")
      }
    }
  }

  @Test("RGB and RGBA grids keep the channels; padding alpha is opaque")
  func colourGrid() {
    var images = Tensor(zeros: [3, 4, 2, 2])
    for n in 0..<3 { for y in 0..<2 { for x in 0..<2 {
      images[n, 0, y, x] = 1; images[n, 1, y, x] = 0.2; images[n, 2, y, x] = 0; images[n, 3, y, x] = 0.5
    } } }
    let rgba = Image(grid: images, columns: 2, padding: 1, background: 30)
    #expect(rgba.format == .rgba && rgba.width == 7 && rgba.height == 7)
    #expect(rgba.pixel(row: 0, column: 0) == [30, 30, 30, 255])
    #expect(rgba.pixel(row: 1, column: 1) == [255, 51, 0, 128])
    #expect(rgba.pixel(row: 4, column: 4) == [30, 30, 30, 255])  // blank cell 3
    let rgb = Image(grid: images.gatherChannels(0..<3), columns: 3, padding: 0)
    #expect(rgb.format == .rgb && rgb.pixel(row: 1, column: 5) == [255, 51, 0])
  }

  @Test("normalize uses the min and max of the whole batch")
  func normalizeBatch() {
    let images = Tensor(shape: [2, 1, 1, 2], data: [0, 1, 2, 4])
    let image = Image(grid: images, columns: 2, range: .normalize, padding: 0)
    // min 0, max 4: 0 → 0, 1 → 63.75 → 64, 2 → 127.5 → 128, 4 → 255
    #expect(image.pixels == [0, 64, 128, 255])
  }

  @Test("[−1, 1] grid: −1 is black, 1 is white")
  func minusOneToOneGrid() {
    let images = Tensor(shape: [2, 1, 1, 1], data: [-1, 1])
    #expect(Image(grid: images, columns: 2, range: .minusOneToOne, padding: 0).pixels == [0, 255])
  }

  @Test("PNG.writeGrid writes the grid image")
  func writeGrid() throws {
    var rng = RNG(seed: 11)
    let images = Tensor.uniform([5, 1, 6, 4], using: &rng)
    let back = try withTemporaryFolder { folder in
      try PNG.writeGrid(images, columns: 3, padding: 1, scale: 2, to: folder + "/grid.png")
      return try PNG.read(file: folder + "/grid.png")
    }
    #expect(back == Image(grid: images, columns: 3, padding: 1, scale: 2))
    #expect(back.width == 3 * 8 + 4 && back.height == 2 * 12 + 3)
  }
}

private extension Tensor {
  /// Keeps channels `range` of an N×C×H×W tensor.
  func gatherChannels(_ range: Range<Int>) -> Tensor {
    let (n, h, w) = (shape[0], shape[2], shape[3])
    var out = Tensor(zeros: [n, range.count, h, w])
    for i in 0..<n { for (k, channel) in range.enumerated() { for y in 0..<h { for x in 0..<w {
      out[i, k, y, x] = self[i, channel, y, x]
    } } } }
    return out
  }
}
