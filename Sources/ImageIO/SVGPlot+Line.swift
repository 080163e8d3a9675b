/// A line plot as a standalone SVG: several named series of (x, y) points, e.g. training
/// and validation loss against the step, each in its own colour from `plotPalette`, with
/// nice ticks, grid lines, axis labels and a legend to the right of the plot.
///
/// ```swift
/// var plot = LinePlot(title: "Loss", xLabel: "step", yLabel: "loss", logY: true)
/// plot.add("train", x: steps, y: trainLoss)
/// plot.add("validation", x: steps, y: validationLoss)
/// try plot.write(to: "runs/001/loss.svg")
/// ```
///
/// - NaN and ±∞ points are skipped: the line stops and starts again after them (a gap).
/// - With `logY`, points with y ≤ 0 have no place on the axis and are skipped the same way
///   (a gap, never a clamp that would draw a false value); the axis covers the positive ones.
/// - An isolated point (a series of one point, or one finite point between gaps) is drawn
///   as a dot. An empty series still gets its legend entry. A constant series or a single
///   point gets an axis widened around its value (no division by zero).
public struct LinePlot: Sendable {
  /// One named line.
  public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]

    public init(name: String, points: [(x: Double, y: Double)]) {
      self.name = name
      self.points = points
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  /// Size of the picture in pixels (the SVG's width, height and viewBox).
  public var width: Int
  public var height: Int
  /// A logarithmic y axis with ticks at powers of ten (for losses that fall over decades).
  public var logY: Bool
  public var series: [Series]

  public init(title: String = "", xLabel: String = "", yLabel: String = "",
              width: Int = 640, height: Int = 400, logY: Bool = false, series: [Series] = []) {
    precondition(width > 0 && height > 0, "LinePlot: width and height must be positive, got \(width)×\(height)")
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.width = width
    self.height = height
    self.logY = logY
    self.series = series
  }

  /// Adds a series of (x, y) points.
  public mutating func add(_ name: String, points: [(x: Double, y: Double)]) {
    series.append(Series(name: name, points: points))
  }

  /// Adds a series with points (x[i], y[i]).
  public mutating func add<X: BinaryFloatingPoint, Y: BinaryFloatingPoint>(_ name: String, x: [X], y: [Y]) {
    precondition(x.count == y.count, "LinePlot.add(\(name)): \(x.count) x values but \(y.count) y values")
    add(name, points: zip(x, y).map { (Double($0), Double($1)) })
  }

  /// Adds a series with points (i, y[i]), i = 0, 1, 2 … (e.g. a loss per step).
  public mutating func add<Y: BinaryFloatingPoint>(_ name: String, y: [Y]) {
    add(name, points: y.enumerated().map { (Double($0.offset), Double($0.element)) })
  }

  /// Whether a point is drawn: both coordinates finite, and y > 0 on a log axis.
  func isDrawn(_ point: (x: Double, y: Double)) -> Bool {
    point.x.isFinite && point.y.isFinite && (!logY || point.y > 0)
  }

  /// The axes for the current data: nice ticks covering every drawn point.
  func axes() -> (x: PlotAxis, y: PlotAxis, frame: PlotFrame) {
    let drawn = series.flatMap { $0.points.filter(isDrawn) }
    let xs = drawn.map(\.x), ys = drawn.map(\.y)
    let yAxisTicks: [(value: Double, label: String)]
    if logY {
      yAxisTicks = PlotTicks.logarithmic(ys.min() ?? 1, ys.max() ?? 10).map { ($0, PlotTicks.label($0, step: 0)) }
    } else {
      let yTicks = PlotTicks.linear(ys.min() ?? 0, ys.max() ?? 1)
      yAxisTicks = yTicks.values.map { ($0, PlotTicks.label($0, step: yTicks.step)) }
    }
    let legend = series.enumerated().map { LegendEntry(name: $0.element.name, color: plotPalette[$0.offset % plotPalette.count]) }
    let frame = PlotFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                          legend: legend, legendSwatchIsLine: true, yTickLabels: yAxisTicks.map(\.label))
    // The frame depends on the y labels only; the x ticks then fit the plot area's width.
    let xTicks = PlotTicks.linearFitting(xs.min() ?? 0, xs.max() ?? 1, length: frame.xPixels.end - frame.xPixels.start,
                                         fontSize: PlotFrame.fontSize)
    let xAxisTicks: [(value: Double, label: String)] = xTicks.values.map { ($0, PlotTicks.label($0, step: xTicks.step)) }
    let xScale = PlotScale(domain: xAxisTicks.first!.value...xAxisTicks.last!.value,
                           pixels: frame.xPixels)
    let yScale = PlotScale(domain: yAxisTicks.first!.value...yAxisTicks.last!.value,
                           pixels: frame.yPixels, isLogarithmic: logY)
    // On a log axis with a tick every decade, light lines at 2, 3 … 9 × 10ᵏ show the scale.
    var minor: [Double] = []
    if logY && yAxisTicks.count >= 2 && yAxisTicks[1].value / yAxisTicks[0].value < 11 {
      minor = yAxisTicks.dropLast().flatMap { decade in (2...9).map { Double($0) * decade.value } }
    }
    return (PlotAxis(scale: xScale, ticks: xAxisTicks),
            PlotAxis(scale: yScale, ticks: yAxisTicks, minorTicks: minor), frame)
  }

  /// The maps from data to pixels this plot uses (x left → right, y bottom → top).
  public func scales() -> (x: PlotScale, y: PlotScale) {
    let (x, y, _) = axes()
    return (x.scale, y.scale)
  }

  /// The whole picture as SVG text.
  public func svg() -> String {
    let (x, y, frame) = axes()
    var svg = frame.opening(x: x, y: y)
    for (index, line) in series.enumerated() {
      let color = plotPalette[index % plotPalette.count]
      var path = "", dots = ""
      var run: [(Double, Double)] = []
      func endRun() {
        if run.count == 1 {
          dots += "<circle cx=\"\(svgNumber(run[0].0))\" cy=\"\(svgNumber(run[0].1))\" r=\"2.5\"/>"
        } else if run.count > 1 {
          path += "M" + run.map { "\(svgNumber($0.0)) \(svgNumber($0.1))" }.joined(separator: "L")
        }
        run.removeAll()
      }
      for point in line.points {
        if isDrawn(point) { run.append((x.scale.pixel(point.x), y.scale.pixel(point.y))) } else { endRun() }
      }
      endRun()
      svg += "<g class=\"series\" data-name=\"\(xmlEscaped(line.name))\">"
      if !path.isEmpty {
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>"
      }
      if !dots.isEmpty { svg += "<g fill=\"\(color)\">\(dots)</g>" }
      svg += "</g>\n"
    }
    return svg + frame.closing()
  }

  /// Writes `svg()` to `path` atomically (a temporary file, then a rename). Throws
  /// `ImageIOError.cannotWrite` naming the path, e.g. when its folder does not exist.
  public func write(to path: String) throws {
    try writeFileAtomically(Array(svg().utf8), to: path)
  }
}
