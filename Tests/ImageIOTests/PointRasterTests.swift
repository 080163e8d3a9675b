import Core
import ImageIO
import Testing

@Suite("PointRaster")
struct PointRasterTests {
  /// The colour of pixel (row, column) of an RGB image.
  static func colour(_ image: Image, row: Int, column: Int) -> RGBColour {
    let p = image.pixel(row: row, column: column)
    return RGBColour(red: p[0], green: p[1], blue: p[2])
  }

  @Test("pixel centres, worked by hand: x to the right, y up", arguments: [(4, 2), (5, 3), (1, 1)])
  func centres(width: Int, height: Int) {
    // A width×height picture of [−1, 1] × [0, 2]: a pixel is 2/width wide and 2/height tall.
    let raster = PointRaster(width: width, height: height, xRange: -1...1, yRange: 0...2)
    let topLeft = raster.centre(row: 0, column: 0)
    #expect(abs(topLeft.x - (-1 + 1 / Float(width))) < 1e-6)
    #expect(abs(topLeft.y - (2 - 1 / Float(height))) < 1e-6)
    let bottomRight = raster.centre(row: height - 1, column: width - 1)
    #expect(abs(bottomRight.x - (1 - 1 / Float(width))) < 1e-6)
    #expect(abs(bottomRight.y - 1 / Float(height)) < 1e-6)
    // pixelPosition inverts centre: the centre of (r, c) lies at (c + ½, r + ½).
    for row in 0..<height {
      for column in 0..<width {
        let (x, y) = raster.centre(row: row, column: column)
        let position = raster.pixelPosition(x: x, y: y)
        #expect(abs(position.column - (Float(column) + 0.5)) < 1e-5)
        #expect(abs(position.row - (Float(row) + 0.5)) < 1e-5)
      }
    }
    let centres = raster.pixelCentres
    #expect(centres.shape == [width * height, 2])
    #expect(centres[width * height - 1, 0] == bottomRight.x && centres[width * height - 1, 1] == bottomRight.y)
  }

  @Test("heat map: the ends of the range take the end colours, the middle the middle colour, NaN the first")
  func heatMap() {
    var raster = PointRaster(width: 5, height: 1, xRange: 0...5, yRange: 0...1)
    let colours = [RGBColour(red: 0, green: 0, blue: 0), RGBColour(red: 200, green: 100, blue: 0),
                   RGBColour(red: 200, green: 200, blue: 200)]
    // values −3 (clamped), 0, 1 (middle of 0…2), 1.5 (half way from the 2nd to the 3rd colour), 9 (clamped)
    raster.fill(heatMap: [-3, 0, 1, 1.5, 9], colours: colours, range: 0...2)
    #expect(Self.colour(raster.image, row: 0, column: 0) == colours[0])
    #expect(Self.colour(raster.image, row: 0, column: 1) == colours[0])
    #expect(Self.colour(raster.image, row: 0, column: 2) == colours[1])
    #expect(Self.colour(raster.image, row: 0, column: 3) == RGBColour(red: 200, green: 150, blue: 100))
    #expect(Self.colour(raster.image, row: 0, column: 4) == colours[2])
    raster.fill(heatMap: { x, _ in x < 1 ? .nan : 2 }, colours: colours, range: 0...2)
    #expect(Self.colour(raster.image, row: 0, column: 0) == colours[0])
    #expect(Self.colour(raster.image, row: 0, column: 4) == colours[2])
  }

  @Test("a point is a disc of the given radius around where it falls", arguments: [Float(0.4), 1, 1.5, 3])
  func disc(radius: Float) {
    // 21×21 pixels of [−10.5, 10.5]²: the point (0, 0) falls on the centre of pixel (10, 10).
    var raster = PointRaster(width: 21, height: 21, xRange: -10.5...10.5, yRange: -10.5...10.5)
    let red = RGBColour(red: 255, green: 0, blue: 0)
    raster.plot(points: Tensor(shape: [1, 2], data: [0, 0]), colour: red, radius: radius)
    var expected = 0, drawn = 0
    for row in 0..<21 {
      for column in 0..<21 {
        let d = Float((row - 10) * (row - 10) + (column - 10) * (column - 10)).squareRoot()
        let inside = d <= radius || (row == 10 && column == 10)
        let isRed = Self.colour(raster.image, row: row, column: column) == red
        #expect(isRed == inside, "pixel (\(row), \(column)) at distance \(d), radius \(radius)")
        expected += inside ? 1 : 0
        drawn += isRed ? 1 : 0
      }
    }
    #expect(drawn == expected)
  }

  @Test("y points up; points outside the picture, NaN and ∞ are skipped; opacity blends")
  func placementAndBlending() {
    var raster = PointRaster(width: 10, height: 10, xRange: 0...10, yRange: 0...10)
    let blue = RGBColour(red: 0, green: 0, blue: 255)
    // (0.5, 9.5) is the centre of the top-left pixel; the others are off the picture or not finite.
    raster.plot(points: Tensor(shape: [4, 2], data: [0.5, 9.5, -5, 5, .nan, 1, 20, .infinity]),
                colour: blue, radius: 0.2)
    #expect(Self.colour(raster.image, row: 0, column: 0) == blue)
    #expect(raster.image.pixels.filter { $0 != 255 }.count == 2)   // only that pixel's red and green changed
    raster.plot(x: 5.5, y: 5.5, colour: .black, radius: 0.2, opacity: 0.5)
    #expect(Self.colour(raster.image, row: 4, column: 5) == RGBColour(red: 128, green: 128, blue: 128))
  }

  @Test("hex colours and mixing")
  func colours() {
    #expect(RGBColour(hex: "#4E79A7") == RGBColour(red: 0x4E, green: 0x79, blue: 0xA7))
    #expect(RGBColour(hex: "F28E2B") == RGBColour(red: 0xF2, green: 0x8E, blue: 0x2B))
    let grey = RGBColour.black.mixed(with: .white, by: 0.25)
    #expect(grey == RGBColour(red: 64, green: 64, blue: 64))   // 0.25 · 255 = 63.75 → 64
    #expect(RGBColour.black.mixed(with: .white, by: 7) == .white)
  }

  @Test("tiling: sizes by hand, pictures copied in place, gray made RGB")
  func tiling() {
    let a = PointRaster(width: 3, height: 2, xRange: 0...1, yRange: 0...1, background: .black).image
    let b = Image(width: 4, height: 5, format: .gray, repeating: 100)
    // row 1: a and b → 2 + 3 + 2 + 4 + 2 = 13 wide, max(2, 5) = 5 tall; row 2: a → 7 wide, 2 tall
    let tiled = PointRaster.tile([[a, b], [a]], padding: 2, background: .white)
    #expect(tiled.width == 13 && tiled.height == 2 + 5 + 2 + 2 + 2)
    #expect(tiled.format == .rgb)
    #expect(Self.colour(tiled, row: 2, column: 2) == .black)
    #expect(Self.colour(tiled, row: 2, column: 7) == RGBColour(red: 100, green: 100, blue: 100))
    #expect(Self.colour(tiled, row: 9, column: 4) == .black)
    #expect(Self.colour(tiled, row: 0, column: 0) == .white)
    #expect(Self.colour(tiled, row: 9, column: 12) == .white)
  }
}
