import Core

/// An 8-bit sRGB colour, for `PointRaster`.
public struct RGBColour: Equatable, Sendable {
  public var red: UInt8
  public var green: UInt8
  public var blue: UInt8

  public init(red: UInt8, green: UInt8, blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// From "#RRGGBB" (the form of `plotPalette`). Precondition: six hex digits after "#".
  public init(hex: String) {
    let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
    guard digits.count == 6, let value = UInt32(digits, radix: 16) else {
      preconditionFailure("RGBColour(hex:): \"\(hex)\" is not #RRGGBB")
    }
    self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
  }

  public static let white = RGBColour(red: 255, green: 255, blue: 255)
  public static let black = RGBColour(red: 0, green: 0, blue: 0)

  /// (1 − t)·self + t·other per channel, rounded; t is clamped to [0, 1].
  public func mixed(with other: RGBColour, by t: Float) -> RGBColour {
    let t = t.isNaN ? 0 : Swift.min(Swift.max(t, 0), 1)
    func channel(_ a: UInt8, _ b: UInt8) -> UInt8 {
      UInt8((Float(a) + t * (Float(b) - Float(a))).rounded())
    }
    return RGBColour(red: channel(red, other.red), green: channel(green, other.green), blue: channel(blue, other.blue))
  }
}

/// Points and heat maps of the plane drawn straight into an RGB `Image` (a raster),
/// for pictures that must be PNG or GIF frames (`ScatterPlot` writes SVG).
///
/// The picture shows the rectangle `xRange × yRange`, x to the right and y **up**:
/// pixel (row r, column c) has its centre at
///
///     x = x₀ + (c + ½)·(x₁ − x₀)/width,   y = y₁ − (r + ½)·(y₁ − y₀)/height
///
/// ```swift
/// var raster = PointRaster(width: 200, height: 200, xRange: -2.5...2.5, yRange: -2.5...2.5)
/// raster.fill(heatMap: { x, y in exp(-(x * x + y * y)) })        // white → blue, values in 0…1
/// raster.plot(points: samples, colour: RGBColour(hex: plotPalette[1]), radius: 1.5)
/// try PNG.write(raster.image, to: "points.png")
/// ```
public struct PointRaster: Sendable {
  public let width: Int
  public let height: Int
  public let xRange: ClosedRange<Float>
  public let yRange: ClosedRange<Float>
  /// The picture so far (`.rgb`).
  public private(set) var image: Image

  /// A `width`×`height` picture of `xRange × yRange`, filled with `background`.
  public init(width: Int, height: Int, xRange: ClosedRange<Float>, yRange: ClosedRange<Float>,
              background: RGBColour = .white) {
    precondition(width > 0 && height > 0, "PointRaster: size \(width)×\(height) must be positive")
    precondition(xRange.upperBound > xRange.lowerBound && yRange.upperBound > yRange.lowerBound,
                 "PointRaster: empty range \(xRange) × \(yRange)")
    self.width = width
    self.height = height
    self.xRange = xRange
    self.yRange = yRange
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in 0..<(width * height) {
      pixels[3 * i] = background.red
      pixels[3 * i + 1] = background.green
      pixels[3 * i + 2] = background.blue
    }
    image = Image(width: width, height: height, format: .rgb, pixels: pixels)
  }

  // MARK: Coordinates

  /// Where the point (x, y) falls, in pixels: column from the left edge, row from the
  /// top edge (fractional; the centre of pixel (r, c) is at (c + ½, r + ½)).
  public func pixelPosition(x: Float, y: Float) -> (column: Float, row: Float) {
    let column = (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Float(width)
    let row = (yRange.upperBound - y) / (yRange.upperBound - yRange.lowerBound) * Float(height)
    return (column, row)
  }

  /// The centre of pixel (row, column) in plane coordinates.
  public func centre(row: Int, column: Int) -> (x: Float, y: Float) {
    let x = xRange.lowerBound + (Float(column) + 0.5) * (xRange.upperBound - xRange.lowerBound) / Float(width)
    let y = yRange.upperBound - (Float(row) + 0.5) * (yRange.upperBound - yRange.lowerBound) / Float(height)
    return (x, y)
  }

  /// Every pixel centre as a tensor [height·width, 2], rows top to bottom, pixels left to
  /// right: evaluate a model on this batch and pass the result to `fill(heatMap:…)`.
  public var pixelCentres: Tensor {
    var values = [Float](repeating: 0, count: width * height * 2)
    for row in 0..<height {
      for column in 0..<width {
        let (x, y) = centre(row: row, column: column)
        values[2 * (row * width + column)] = x
        values[2 * (row * width + column) + 1] = y
      }
    }
    return Tensor(shape: [width * height, 2], data: values)
  }

  // MARK: Heat maps

  /// Colours every pixel by the value at its centre: v ∈ `range` is mapped to
  /// t = (v − low)/(high − low) ∈ [0, 1] (clamped) and then piecewise linearly through
  /// `colours` (t = 0 the first, t = 1 the last; at least two). NaN draws the first colour.
  /// `values` holds height·width numbers in the order of `pixelCentres`.
  public mutating func fill(heatMap values: [Float], colours: [RGBColour] = PointRaster.blues,
                            range: ClosedRange<Float> = 0...1) {
    precondition(values.count == width * height,
                 "PointRaster.fill: \(values.count) values for a \(width)×\(height) picture (want \(width * height))")
    precondition(colours.count >= 2, "PointRaster.fill: needs at least two colours, got \(colours.count)")
    let span = range.upperBound - range.lowerBound
    let segments = Float(colours.count - 1)
    for (i, value) in values.enumerated() {
      var t = span > 0 ? (value - range.lowerBound) / span : 0
      if t.isNaN { t = 0 }
      t = Swift.min(Swift.max(t, 0), 1) * segments
      let segment = Swift.min(Int(t), colours.count - 2)
      let colour = colours[segment].mixed(with: colours[segment + 1], by: t - Float(segment))
      image.pixels[3 * i] = colour.red
      image.pixels[3 * i + 1] = colour.green
      image.pixels[3 * i + 2] = colour.blue
    }
  }

  /// The same for a function f(x, y), evaluated at every pixel centre.
  public mutating func fill(heatMap function: (Float, Float) -> Float, colours: [RGBColour] = PointRaster.blues,
                            range: ClosedRange<Float> = 0...1) {
    var values = [Float](repeating: 0, count: width * height)
    for row in 0..<height {
      for column in 0..<width {
        let (x, y) = centre(row: row, column: column)
        values[row * width + column] = function(x, y)
      }
    }
    fill(heatMap: values, colours: colours, range: range)
  }

  /// White to a light steel blue: a quiet background that points stand out on.
  public static let blues = [RGBColour.white, RGBColour(hex: "#9ECAE1")]

  /// A diverging map for values in [0, 1] around ½: light orange (0) — white (½) — light blue (1).
  public static let orangeWhiteBlue = [RGBColour(hex: "#F4B183"), .white, RGBColour(hex: "#9DC3E6")]

  // MARK: Points

  /// Draws each row (x, y) of `points` [N, 2] as a filled disc of `radius` pixels
  /// (every pixel whose centre lies within `radius` of the point's position; a radius
  /// below ½ still draws the pixel the point falls in), blended over what is there
  /// with `opacity`. Points outside the picture are skipped; later points cover earlier ones.
  public mutating func plot(points: Tensor, colour: RGBColour, radius: Float = 1.5, opacity: Float = 1) {
    precondition(points.rank == 2 && points.shape[1] == 2, "PointRaster.plot: points must be [N, 2], got \(points.shape)")
    let data = points.data
    for n in 0..<points.shape[0] {
      plot(x: data[2 * n], y: data[2 * n + 1], colour: colour, radius: radius, opacity: opacity)
    }
  }

  /// One point: a disc of `radius` pixels, or with `ring: true` only its outline (one
  /// pixel wide), e.g. to mark where a mode's centre is.
  public mutating func plot(x: Float, y: Float, colour: RGBColour, radius: Float = 1.5, opacity: Float = 1,
                            ring: Bool = false) {
    guard x.isFinite && y.isFinite else { return }
    let (column, row) = pixelPosition(x: x, y: y)
    let reach = Int(radius.rounded(.up)) + 1
    let centreColumn = Int(column.rounded(.down)), centreRow = Int(row.rounded(.down))
    for r in (centreRow - reach)...(centreRow + reach) where r >= 0 && r < height {
      for c in (centreColumn - reach)...(centreColumn + reach) where c >= 0 && c < width {
        let dx = Float(c) + 0.5 - column, dy = Float(r) + 0.5 - row
        let distance = (dx * dx + dy * dy).squareRoot()
        let inside = ring ? abs(distance - radius) <= 0.5
                          : (distance <= radius || (r == centreRow && c == centreColumn))
        guard inside else { continue }
        let i = 3 * (r * width + c)
        let old = RGBColour(red: image.pixels[i], green: image.pixels[i + 1], blue: image.pixels[i + 2])
        let new = old.mixed(with: colour, by: opacity)
        image.pixels[i] = new.red
        image.pixels[i + 1] = new.green
        image.pixels[i + 2] = new.blue
      }
    }
  }

  /// A one-pixel frame around the picture, e.g. to separate panels in a strip.
  public mutating func drawBorder(colour: RGBColour) {
    for c in 0..<width {
      set(row: 0, column: c, colour)
      set(row: height - 1, column: c, colour)
    }
    for r in 0..<height {
      set(row: r, column: 0, colour)
      set(row: r, column: width - 1, colour)
    }
  }

  private mutating func set(row: Int, column: Int, _ colour: RGBColour) {
    let i = 3 * (row * width + column)
    image.pixels[i] = colour.red
    image.pixels[i + 1] = colour.green
    image.pixels[i + 2] = colour.blue
  }

  // MARK: Panels

  /// RGB pictures laid out in rows, `padding` pixels of `background` around and between
  /// them; rows may have different lengths (the picture is as wide as the widest row),
  /// and each row is as tall as its tallest picture. Gray pictures are turned into RGB.
  public static func tile(_ rows: [[Image]], padding: Int = 4, background: RGBColour = .white) -> Image {
    precondition(padding >= 0, "PointRaster.tile: padding \(padding) must be ≥ 0")
    let rowHeights = rows.map { $0.map(\.height).max() ?? 0 }
    let rowWidths = rows.map { $0.reduce(0) { $0 + $1.width } + padding * ($0.count + 1) }
    let width = rowWidths.max() ?? padding
    let height = rowHeights.reduce(0, +) + padding * (rows.count + 1)
    var canvas = PointRaster(width: Swift.max(width, 1), height: Swift.max(height, 1), xRange: 0...1, yRange: 0...1,
                             background: background)
    var top = padding
    for (row, pictures) in rows.enumerated() {
      var left = padding
      for picture in pictures {
        for y in 0..<picture.height {
          for x in 0..<picture.width {
            let pixel = picture.pixel(row: y, column: x)
            let colour = pixel.count >= 3 ? RGBColour(red: pixel[0], green: pixel[1], blue: pixel[2])
                                           : RGBColour(red: pixel[0], green: pixel[0], blue: pixel[0])
            canvas.set(row: top + y, column: left + x, colour)
          }
        }
        left += picture.width + padding
      }
      top += rowHeights[row] + padding
    }
    return canvas.image
  }
}
