import Core

/// A scatter plot as a standalone SVG: N points (x, y) as small translucent dots, coloured by
/// an optional integer class with a legend of class names (e.g. a 2-D latent space of
/// Fashion-MNIST coloured by the 10 classes), or all in one colour.
///
/// ```swift
/// let plot = ScatterPlot(latents, classes: labels, classNames: FashionMNIST.classNames,
///                        title: "Latent space", equalAspect: true)
/// try plot.write(to: "runs/001/latents.svg")
/// ```
///
/// - Class c is drawn in `plotPalette[c % 10]`; the legend lists the classes that occur, in
///   order, named `classNames[c]` (or "class c" when there is no such name).
/// - `equalAspect` makes one unit the same number of pixels on both axes (a circle in the
///   data is a circle on screen), widening the shorter range around its centre.
/// - Points with a NaN or ±∞ coordinate are skipped. 10,000 points make a file of about
///   400 KB: coordinates are written to 0.1 px.
public struct ScatterPlot: Sendable {
  public var points: [(x: Double, y: Double)]
  /// One class per point (same count as `points`), or nil for one colour.
  public var classes: [Int]?
  public var classNames: [String]
  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var width: Int
  public var height: Int
  public var equalAspect: Bool
  /// Radius of a dot in pixels, and its opacity (overlapping dots show density).
  public var radius: Double = 2
  public var opacity: Double = 0.6

  public init(points: [(x: Double, y: Double)], classes: [Int]? = nil, classNames: [String] = [],
              title: String = "", xLabel: String = "", yLabel: String = "",
              width: Int = 600, height: Int = 480, equalAspect: Bool = false) {
    precondition(width > 0 && height > 0, "ScatterPlot: width and height must be positive, got \(width)×\(height)")
    if let classes {
      precondition(classes.count == points.count, "ScatterPlot: \(points.count) points but \(classes.count) classes")
      precondition(classes.allSatisfy { $0 >= 0 }, "ScatterPlot: classes must be ≥ 0")
    }
    self.points = points
    self.classes = classes
    self.classNames = classNames
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.width = width
    self.height = height
    self.equalAspect = equalAspect
  }

  /// Points from an N×2 tensor: row i is (x, y) of point i.
  public init(_ points: Tensor, classes: [Int]? = nil, classNames: [String] = [],
              title: String = "", xLabel: String = "", yLabel: String = "",
              width: Int = 600, height: Int = 480, equalAspect: Bool = false) {
    precondition(points.rank == 2 && points.shape[1] == 2, "ScatterPlot: points must be N×2, got \(points.shape)")
    let data = points.data
    self.init(points: (0..<points.shape[0]).map { (Double(data[2 * $0]), Double(data[2 * $0 + 1])) },
              classes: classes, classNames: classNames, title: title, xLabel: xLabel, yLabel: yLabel,
              width: width, height: height, equalAspect: equalAspect)
  }

  /// The classes that occur, in increasing order (empty without classes).
  func presentClasses() -> [Int] {
    guard let classes else { return [] }
    return Array(Set(classes)).sorted()
  }

  func name(ofClass c: Int) -> String {
    c < classNames.count ? classNames[c] : "class \(c)"
  }

  /// The axes for the current data: nice ticks covering every finite point, widened for an
  /// equal aspect if asked.
  func axes() -> (x: PlotAxis, y: PlotAxis, frame: PlotFrame) {
    let drawn = points.filter { $0.x.isFinite && $0.y.isFinite }
    let yTicks = PlotTicks.linear(drawn.map(\.y).min() ?? 0, drawn.map(\.y).max() ?? 1)
    let legend = presentClasses().map { LegendEntry(name: name(ofClass: $0), color: plotPalette[$0 % plotPalette.count]) }
    var yAxis = Self.axis(yTicks.values, step: yTicks.step)
    var frame = PlotFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                          legend: legend, legendSwatchIsLine: false, yTickLabels: yAxis.map(\.label))
    // The frame depends on the y labels only; the x ticks then fit the plot area's width.
    let xTicks = PlotTicks.linearFitting(drawn.map(\.x).min() ?? 0, drawn.map(\.x).max() ?? 1,
                                         length: frame.xPixels.end - frame.xPixels.start, fontSize: PlotFrame.fontSize)
    var xAxis = Self.axis(xTicks.values, step: xTicks.step)
    let xCover = xTicks.values.first!...xTicks.values.last!, yCover = yTicks.values.first!...yTicks.values.last!
    var (xDomain, yDomain) = (xCover, yCover)
    if equalAspect {
      // Twice: widening y can add tick labels that are wider, which moves the plot area.
      for _ in 0..<2 {
        (xDomain, yDomain) = Self.equalAspectDomains(xCover, yCover, frame: frame)
        xAxis = Self.ticks(inside: xDomain, length: frame.xPixels.end - frame.xPixels.start)
        yAxis = Self.ticks(inside: yDomain)
        frame = PlotFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                          legend: legend, legendSwatchIsLine: false, yTickLabels: yAxis.map(\.label))
      }
      (xDomain, yDomain) = Self.equalAspectDomains(xCover, yCover, frame: frame)
    }
    let xScale = PlotScale(domain: xDomain, pixels: frame.xPixels)
    let yScale = PlotScale(domain: yDomain, pixels: frame.yPixels)
    return (PlotAxis(scale: xScale, ticks: xAxis), PlotAxis(scale: yScale, ticks: yAxis), frame)
  }

  /// The domains widened around their centres so both axes have the same units per pixel:
  /// u = max(Δx / width, Δy / height), then Δx' = u · width and Δy' = u · height.
  static func equalAspectDomains(_ x: ClosedRange<Double>, _ y: ClosedRange<Double>,
                                 frame: PlotFrame) -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
    let areaWidth = frame.xPixels.end - frame.xPixels.start, areaHeight = frame.yPixels.start - frame.yPixels.end
    let unitsPerPixel = max((x.upperBound - x.lowerBound) / areaWidth, (y.upperBound - y.lowerBound) / areaHeight)
    let xCentre = (x.lowerBound + x.upperBound) / 2, yCentre = (y.lowerBound + y.upperBound) / 2
    let xHalf = unitsPerPixel * areaWidth / 2, yHalf = unitsPerPixel * areaHeight / 2
    return ((xCentre - xHalf)...(xCentre + xHalf), (yCentre - yHalf)...(yCentre + yHalf))
  }

  static func axis(_ values: [Double], step: Double) -> [(value: Double, label: String)] {
    values.map { ($0, PlotTicks.label($0, step: step)) }
  }

  /// Nice ticks that lie inside `domain` (the domain is fixed, the ticks do not widen it).
  /// With a `length` in pixels, no more ticks than their labels have room for.
  static func ticks(inside domain: ClosedRange<Double>, length: Double? = nil) -> [(value: Double, label: String)] {
    let (low, high) = (domain.lowerBound, domain.upperBound)
    let ticks = length.map { PlotTicks.linearFitting(low, high, length: $0, fontSize: PlotFrame.fontSize) }
      ?? PlotTicks.linear(low, high)
    let slack = (high - low) * 1e-9
    return axis(ticks.values.filter { $0 >= low - slack && $0 <= high + slack }, step: ticks.step)
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
    let groups: [(color: String, name: String, indices: [Int])]
    if let classes {
      var byClass: [Int: [Int]] = [:]
      for (index, c) in classes.enumerated() { byClass[c, default: []].append(index) }
      groups = presentClasses().map { (plotPalette[$0 % plotPalette.count], name(ofClass: $0), byClass[$0]!) }
    } else {
      groups = [(plotPalette[0], "points", Array(points.indices))]
    }
    let r = svgNumber(radius)
    for group in groups {
      svg += "<g class=\"points\" data-name=\"\(xmlEscaped(group.name))\" fill=\"\(group.color)\" fill-opacity=\"\(svgNumber(opacity))\">\n"
      for index in group.indices {
        let point = points[index]
        guard point.x.isFinite && point.y.isFinite else { continue }
        svg += "<circle cx=\"\(svgNumber(x.scale.pixel(point.x)))\" cy=\"\(svgNumber(y.scale.pixel(point.y)))\" r=\"\(r)\"/>\n"
      }
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
