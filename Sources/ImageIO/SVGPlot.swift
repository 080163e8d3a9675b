#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The pieces `LinePlot` and `ScatterPlot` share: the colour palette, tick positions and
// labels, the data → pixel map, compact numbers, XML escaping, and the frame (grid,
// ticks, title, axis labels, legend). No Foundation, so numbers are formatted by hand.

/// Tableau 10, the colours of a series or class in order (index modulo 10). Designed to
/// be told apart, also by most colour-blind readers, and to print well on white.
public let plotPalette: [String] = [
  "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
  "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC",
]

/// Where ticks go on an axis, and how their labels read.
public enum PlotTicks {
  /// "Nice" ticks covering `low…high`: multiples of a step 1, 2 or 5 × 10ᵉ, chosen so
  /// there are about `count` intervals; the first tick is ≤ `low`, the last ≥ `high`.
  /// A degenerate range (low == high) is widened to ±10 % (±1 around 0); a non-finite
  /// one becomes 0…1. `step` is the distance between ticks (for `label(_:step:)`).
  public static func linear(_ low: Double, _ high: Double, count: Int = 6) -> (values: [Double], step: Double) {
    var (low, high) = (min(low, high), max(low, high))
    if !low.isFinite || !high.isFinite { (low, high) = (0, 1) }
    if high - low <= Swift.abs(high) * 1e-12 {
      let pad = low == 0 ? 1 : Swift.abs(low) * 0.1
      (low, high) = (low - pad, high + pad)
    }
    let raw = (high - low) / Double(Swift.max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
    let first = floor(low / step + 1e-9), last = ceil(high / step - 1e-9)
    let values = stride(from: first, through: last, by: 1).map { $0 * step }
    return (values, step)
  }

  /// `linear(low, high, count:)` with the largest count ≤ 6 whose labels fit side by side
  /// (with 12 px between them) along an axis about `length` pixels long, so the x labels of
  /// a narrow plot do not run into each other.
  static func linearFitting(_ low: Double, _ high: Double, length: Double, fontSize: Double) -> (values: [Double], step: Double) {
    for count in stride(from: 6, to: 1, by: -1) {
      let ticks = linear(low, high, count: count)
      let widest = ticks.values.map { textWidth(label($0, step: ticks.step), fontSize: fontSize) }.max() ?? 0
      if length / Double(Swift.max(ticks.values.count - 1, 1)) >= widest + 12 { return ticks }
    }
    return linear(low, high, count: 1)
  }

  /// Powers of ten covering `low…high` (both > 0): 10^⌊log₁₀ low⌋ … 10^⌈log₁₀ high⌉,
  /// every decade, or every 2nd, 3rd … decade when there would be more than `count` + 1.
  /// A range inside one power of ten (low == high == 10ᵏ) becomes 10ᵏ⁻¹ … 10ᵏ⁺¹;
  /// non-positive or non-finite bounds give 1 … 10.
  public static func logarithmic(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
    var (low, high) = (min(low, high), max(low, high))
    if !(low > 0) || !high.isFinite { (low, high) = (1, 10) }
    var first = Int(floor(log10(low) + 1e-9)), last = Int(ceil(log10(high) - 1e-9))
    if first == last { (first, last) = (first - 1, last + 1) }
    let every = Swift.max(1, (last - first + count - 1) / Swift.max(count, 1))
    first = Int(floor(Double(first) / Double(every))) * every
    last = Int(ceil(Double(last) / Double(every))) * every
    return stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
  }

  /// The label of tick `value` on an axis whose ticks are `step` apart: as many decimals as
  /// the step needs ("0.25" with step 0.05, "3" with step 1), and scientific notation
  /// ("1.5e-5", "2e6") for very small steps or very large values. A log axis passes
  /// step 0: powers of ten read 0.001 … 1000 in full and "1e-4", "1e5" beyond.
  public static func label(_ value: Double, step: Double) -> String {
    guard value.isFinite else { return String(describing: value) }
    if value == 0 { return "0" }
    if step == 0 {  // a power of ten on a log axis
      let exponent = Int(log10(Swift.abs(value)).rounded())
      if (-3...3).contains(exponent) { return fixed(value, decimals: Swift.max(0, -exponent)) }
      return (value < 0 ? "-" : "") + "1e\(exponent)"
    }
    let stepExponent = Int(floor(log10(Swift.abs(step)) + 1e-9))
    if Swift.abs(value) >= 1e6 || stepExponent < -4 {
      let exponent = Int(floor(log10(Swift.abs(value)) + 1e-9))
      let mantissa = fixed(value / pow(10, Double(exponent)), decimals: Swift.max(0, exponent - stepExponent))
      return mantissa.trimmingTrailingZeros() + "e\(exponent)"
    }
    return fixed(value, decimals: Swift.max(0, -stepExponent))
  }

  /// `value` with exactly `decimals` digits after the point, e.g. fixed(0.30000000000000004, 1) = "0.3".
  static func fixed(_ value: Double, decimals: Int) -> String {
    let scale = pow(10, Double(decimals))
    let scaled = (Swift.abs(value) * scale).rounded()
    guard scaled < 9e15 else { return String(describing: value) }
    if scaled == 0 { return "0" }  // not "0.0" or "-0.00" for floating-point noise around zero
    let digits = String(Int64(scaled))
    let sign = value < 0 ? "-" : ""
    guard decimals > 0 else { return sign + digits }
    let padded = String(repeating: "0", count: Swift.max(0, decimals + 1 - digits.count)) + digits
    return sign + padded.dropLast(decimals) + "." + padded.suffix(decimals)
  }
}

extension String {
  /// "1.50" → "1.5", "2.00" → "2"; strings without a point are unchanged.
  fileprivate func trimmingTrailingZeros() -> String {
    guard contains(".") else { return self }
    var text = Substring(self)
    while text.hasSuffix("0") { text = text.dropLast() }
    if text.hasSuffix(".") { text = text.dropLast() }
    return String(text)
  }
}

/// The map from data values on one axis to pixels: linear, or linear in log₁₀ of the value.
/// pixel(v) = pixels.start + (v − domain.lower) / (domain.upper − domain.lower) · (pixels.end − pixels.start),
/// with log₁₀ v and log₁₀ of the bounds on a log axis. `pixels` may run backwards (a y axis
/// runs up the screen, so its start is the bottom of the plot area).
public struct PlotScale: Sendable, Equatable {
  public var domain: ClosedRange<Double>
  public var pixels: (start: Double, end: Double)
  public var isLogarithmic: Bool

  public init(domain: ClosedRange<Double>, pixels: (start: Double, end: Double), isLogarithmic: Bool = false) {
    precondition(!isLogarithmic || domain.lowerBound > 0, "PlotScale: a log axis needs a positive domain, got \(domain)")
    self.domain = domain
    self.pixels = pixels
    self.isLogarithmic = isLogarithmic
  }

  /// The pixel coordinate of `value`; a zero-width domain maps everything to the middle.
  public func pixel(_ value: Double) -> Double {
    let (v, low, high) = isLogarithmic
      ? (log10(value), log10(domain.lowerBound), log10(domain.upperBound))
      : (value, domain.lowerBound, domain.upperBound)
    guard high > low else { return (pixels.start + pixels.end) / 2 }
    return pixels.start + (v - low) / (high - low) * (pixels.end - pixels.start)
  }

  public static func == (a: PlotScale, b: PlotScale) -> Bool {
    a.domain == b.domain && a.pixels == b.pixels && a.isLogarithmic == b.isLogarithmic
  }
}

// MARK: - Writing SVG

/// A pixel coordinate rounded to 0.1 px, written as briefly as possible: "12", "12.5", "-0.3".
func svgNumber(_ value: Double) -> String {
  guard value.isFinite else { return "0" }
  let tenths = Int64((value * 10).rounded())
  let sign = tenths < 0 ? "-" : ""
  let magnitude = tenths.magnitude
  return magnitude % 10 == 0 ? sign + String(magnitude / 10) : sign + "\(magnitude / 10).\(magnitude % 10)"
}

/// Text made safe for XML content and attribute values: & < > " ' become entities, and
/// control characters XML forbids (all below U+0020 except tab, newline, return) become spaces.
func xmlEscaped(_ text: String) -> String {
  var result = ""
  result.reserveCapacity(text.utf8.count)
  for scalar in text.unicodeScalars {
    switch scalar {
    case "&": result += "&amp;"
    case "<": result += "&lt;"
    case ">": result += "&gt;"
    case "\"": result += "&quot;"
    case "'": result += "&apos;"
    case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
    default: result.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF ? " " : scalar)
    }
  }
  return result
}

/// A rough width of `text` in pixels at `fontSize` in a sans-serif font (0.6 em a character),
/// enough to leave room for tick labels and the legend.
func textWidth(_ text: String, fontSize: Double) -> Double {
  Double(text.count) * fontSize * 0.6
}

/// One axis as the frame draws it: the scale, and the ticks with their labels.
struct PlotAxis {
  var scale: PlotScale
  var ticks: [(value: Double, label: String)]
  /// Unlabelled grid lines, e.g. 2·10ᵏ … 9·10ᵏ between the decades of a log axis.
  var minorTicks: [Double] = []
}

/// One legend row: a colour swatch (a line or a dot) and a name.
struct LegendEntry {
  var name: String
  var color: String
}

/// Everything around the data: background, grid, axes, tick labels, title, axis labels, legend.
/// Computes the plot area from the text it has to fit, then the scales; the caller draws the
/// data inside `area` with `x.scale` and `y.scale`.
struct PlotFrame {
  static let fontSize = 12.0
  static let titleSize = 15.0

  var width: Double, height: Double
  var title: String, xLabel: String, yLabel: String
  var legend: [LegendEntry]
  var legendSwatchIsLine: Bool
  /// Plot area in pixels: left, top, right, bottom (the gray border).
  var left = 0.0, top = 0.0, right = 0.0, bottom = 0.0
  /// The data keeps this many pixels away from the border, so a point on the last tick
  /// (a loss curve's first value, say) is not drawn over the border.
  static let inset = 5.0
  /// Where the x axis's domain goes, left to right, and the y axis's, bottom to top.
  var xPixels: (start: Double, end: Double) { (left + Self.inset, right - Self.inset) }
  var yPixels: (start: Double, end: Double) { (bottom - Self.inset, top + Self.inset) }

  /// Lays out the plot area for y tick labels `yLabels` (their widths decide the left margin).
  init(width: Int, height: Int, title: String, xLabel: String, yLabel: String,
       legend: [LegendEntry], legendSwatchIsLine: Bool, yTickLabels: [String]) {
    self.width = Double(width)
    self.height = Double(height)
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.legend = legend
    self.legendSwatchIsLine = legendSwatchIsLine
    let widestTick = yTickLabels.map { textWidth($0, fontSize: Self.fontSize) }.max() ?? 0
    left = 10 + (yLabel.isEmpty ? 0 : Self.fontSize + 8) + widestTick + 8
    top = title.isEmpty ? 14 : Self.titleSize + 22
    bottom = self.height - (8 + Self.fontSize + 6 + (xLabel.isEmpty ? 0 : Self.fontSize + 10))
    let widestName = legend.map { textWidth($0.name, fontSize: Self.fontSize) }.max() ?? 0
    right = self.width - (legend.isEmpty ? 16 : 16 + 22 + widestName + 12)
    // A tiny canvas still gets a plot area of at least 10×10 px (the text may then overlap).
    right = Swift.max(right, left + 10)
    bottom = Swift.max(bottom, top + 10)
  }

  /// The SVG up to and including the grid and axes; data goes after it, then `closing()`.
  func opening(x: PlotAxis, y: PlotAxis) -> String {
    let font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
    var svg = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" \
      viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" \(font) font-size="\(svgNumber(Self.fontSize))">
      <rect width="100%" height="100%" fill="white"/>

      """
    if !title.isEmpty {
      svg += "<text x=\"\(svgNumber((left + right) / 2))\" y=\"\(svgNumber(Self.titleSize + 8))\" text-anchor=\"middle\" "
        + "font-size=\"\(svgNumber(Self.titleSize))\" font-weight=\"bold\">\(xmlEscaped(title))</text>\n"
    }
    // Grid lines at every tick, light gray, behind the data.
    svg += "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n"
    for tick in x.ticks {
      let px = svgNumber(x.scale.pixel(tick.value))
      svg += "<line x1=\"\(px)\" y1=\"\(svgNumber(top))\" x2=\"\(px)\" y2=\"\(svgNumber(bottom))\"/>\n"
    }
    for tick in y.ticks {
      let py = svgNumber(y.scale.pixel(tick.value))
      svg += "<line x1=\"\(svgNumber(left))\" y1=\"\(py)\" x2=\"\(svgNumber(right))\" y2=\"\(py)\"/>\n"
    }
    svg += "</g>\n"
    if !y.minorTicks.isEmpty {
      svg += "<g stroke=\"#f0f0f0\" stroke-width=\"1\">\n"
      for value in y.minorTicks {
        let py = svgNumber(y.scale.pixel(value))
        svg += "<line x1=\"\(svgNumber(left))\" y1=\"\(py)\" x2=\"\(svgNumber(right))\" y2=\"\(py)\"/>\n"
      }
      svg += "</g>\n"
    }
    // Tick labels: x below the plot area, y to its left.
    svg += "<g fill=\"#333\" text-anchor=\"middle\">\n"
    for tick in x.ticks {
      svg += "<text x=\"\(svgNumber(x.scale.pixel(tick.value)))\" y=\"\(svgNumber(bottom + 6 + Self.fontSize))\">"
        + "\(xmlEscaped(tick.label))</text>\n"
    }
    svg += "</g>\n<g fill=\"#333\" text-anchor=\"end\">\n"
    for tick in y.ticks {
      svg += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(y.scale.pixel(tick.value) + Self.fontSize * 0.35))\">"
        + "\(xmlEscaped(tick.label))</text>\n"
    }
    svg += "</g>\n"
    if !xLabel.isEmpty {
      svg += "<text x=\"\(svgNumber((left + right) / 2))\" y=\"\(svgNumber(height - 8))\" text-anchor=\"middle\">"
        + "\(xmlEscaped(xLabel))</text>\n"
    }
    if !yLabel.isEmpty {
      let cx = svgNumber(10 + Self.fontSize * 0.8), cy = svgNumber((top + bottom) / 2)
      svg += "<text x=\"\(cx)\" y=\"\(cy)\" text-anchor=\"middle\" transform=\"rotate(-90 \(cx) \(cy))\">"
        + "\(xmlEscaped(yLabel))</text>\n"
    }
    return svg
  }

  /// The border of the plot area (drawn over the data's edges), the legend, and `</svg>`.
  func closing() -> String {
    var svg = "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(right - left))\" "
      + "height=\"\(svgNumber(bottom - top))\" fill=\"none\" stroke=\"#666\" stroke-width=\"1\"/>\n"
    if !legend.isEmpty {
      let x = right + 16
      svg += "<g>\n"
      for (row, entry) in legend.enumerated() {
        let y = top + 8 + Double(row) * (Self.fontSize + 7)
        if legendSwatchIsLine {
          svg += "<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(x + 16))\" y2=\"\(svgNumber(y))\" "
            + "stroke=\"\(entry.color)\" stroke-width=\"2.5\"/>\n"
        } else {
          svg += "<circle cx=\"\(svgNumber(x + 8))\" cy=\"\(svgNumber(y))\" r=\"4.5\" fill=\"\(entry.color)\"/>\n"
        }
        svg += "<text x=\"\(svgNumber(x + 22))\" y=\"\(svgNumber(y + Self.fontSize * 0.35))\">\(xmlEscaped(entry.name))</text>\n"
      }
      svg += "</g>\n"
    }
    return svg + "</svg>\n"
  }
}
