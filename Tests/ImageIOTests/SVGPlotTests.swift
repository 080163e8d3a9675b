import Core
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ImageIO
import Testing

/// Parses `svg` with Foundation's XMLParser; records an issue naming the line and the parser's
/// message if it is not well-formed XML. Returns the root element's name, every element name,
/// and all text content (entities decoded), one string per text node.
@discardableResult
func parseSVG(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> (root: String?, elements: [String], texts: [String]) {
  final class Collector: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var texts: [String] = []
    var current = ""
    var rootAttributes: [String: String] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
      if elements.isEmpty { rootAttributes = attributes }
      elements.append(name)
      current = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
      if name == "text" { texts.append(current) }
      current = ""
    }
  }
  let parser = XMLParser(data: Data(svg.utf8))
  let collector = Collector()
  parser.delegate = collector
  if !parser.parse() {
    Issue.record("not well-formed XML at line \(parser.lineNumber): \(String(describing: parser.parserError))",
                 sourceLocation: sourceLocation)
  }
  if let root = collector.elements.first {
    #expect(root == "svg", sourceLocation: sourceLocation)
    #expect(collector.rootAttributes["viewBox"] != nil, "the root has a viewBox", sourceLocation: sourceLocation)
  }
  return (collector.elements.first, collector.elements, collector.texts)
}

/// The numbers in the `d` attribute of every `<path>`, one array per path.
func pathNumbers(in svg: String) -> [[Double]] {
  svg.components(separatedBy: "<path d=\"").dropFirst().map { rest in
    let d = rest.prefix { $0 != "\"" }
    return d.split(whereSeparator: { "ML ".contains($0) }).compactMap { Double($0) }
  }
}

/// The subpaths of every `<path>` (the text between one M and the next).
func subpaths(in svg: String) -> [[String]] {
  svg.components(separatedBy: "<path d=\"").dropFirst().map { rest in
    rest.prefix { $0 != "\"" }.split(separator: "M").map(String.init)
  }
}

func occurrences(of needle: String, in text: String) -> Int {
  text.components(separatedBy: needle).count - 1
}

/// A range and the ticks worked out by hand: the step is the smallest of 1, 2, 5 × 10ᵉ that
/// is ≥ (high − low)/6, and the ticks run from ⌊low/step⌋·step to ⌈high/step⌉·step.
struct TickCase: Sendable, CustomTestStringConvertible {
  var low, high: Double
  var expected: [Double]
  var testDescription: String { "\(low)…\(high)" }
}

let tickCases: [TickCase] = [
  TickCase(low: 0, high: 1, expected: [0, 0.2, 0.4, 0.6, 0.8, 1]),                  // 1/6 = 0.167 → 0.2
  TickCase(low: 0, high: 7.3, expected: [0, 2, 4, 6, 8]),                           // 7.3/6 = 1.22 → 2
  TickCase(low: -2.5, high: 2.5, expected: [-3, -2, -1, 0, 1, 2, 3]),               // 5/6 = 0.83 → 1
  TickCase(low: 0.0213, high: 2.31, expected: [0, 0.5, 1, 1.5, 2, 2.5]),            // 2.29/6 = 0.38 → 0.5
  TickCase(low: 0, high: 60000, expected: [0, 10000, 20000, 30000, 40000, 50000, 60000]),  // 10000 exactly
]

@Suite("SVG plots")
struct SVGPlotTests {
  // MARK: Ticks

  @Test("linear ticks are 1-2-5 steps that cover the range", arguments: tickCases)
  func linearTicks(_ c: TickCase) {
    let (values, step) = PlotTicks.linear(c.low, c.high)
    #expect(values.count == c.expected.count, "\(values)")
    for (value, expected) in zip(values, c.expected) {
      #expect(abs(value - expected) <= 1e-12 + 1e-9 * abs(expected), "got \(values), expected \(c.expected)")
    }
    #expect(values.first! <= c.low && values.last! >= c.high)
    let mantissa = step / pow(10, floor(log10(step)))
    #expect([1.0, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(step)")
  }

  @Test("a constant or empty range still gets ticks around it, no division by zero",
        arguments: [(3.0, 3.0), (0, 0), (-0.693, -0.693), (Double.nan, 1), (1, Double.infinity)])
  func degenerateTicks(_ low: Double, _ high: Double) {
    let (values, step) = PlotTicks.linear(low, high)
    #expect(values.count >= 2 && values.count <= 12, "\(values)")
    #expect(step > 0 && step.isFinite)
    #expect(values.allSatisfy { $0.isFinite })
    if low.isFinite && high.isFinite { #expect(values.first! < low && values.last! > high) }
  }

  @Test("log ticks are powers of ten covering the range")
  func logTicks() {
    let decades = PlotTicks.logarithmic(1e-3, 1e2)
    #expect(decades.count == 6)
    for (value, expected) in zip(decades, [1e-3, 1e-2, 1e-1, 1, 10, 100]) {
      #expect(abs(value - expected) <= 1e-12 * expected, "\(decades)")
    }
    // Inside one decade: the two powers of ten around it.
    #expect(PlotTicks.logarithmic(0.3, 0.7) == [0.1, 1])
    // Exactly one power of ten: one decade either side.
    #expect(PlotTicks.logarithmic(10, 10) == [1, 10, 100])
    // 20 decades: every 4th, still covering, at most 7 ticks.
    let wide = PlotTicks.logarithmic(1e-10, 1e10)
    #expect(wide.count <= 7 && wide.first! <= 1e-10 && wide.last! >= 1e10, "\(wide)")
  }

  @Test("tick labels have the decimals the step needs, and no floating-point noise")
  func tickLabels() {
    #expect(PlotTicks.label(0.1 + 0.2, step: 0.1) == "0.3")
    #expect(PlotTicks.label(2.5, step: 0.5) == "2.5")
    #expect(PlotTicks.label(3, step: 1) == "3")
    #expect(PlotTicks.label(-2, step: 1) == "-2")
    #expect(PlotTicks.label(-1e-17, step: 0.2) == "0")
    #expect(PlotTicks.label(0.25, step: 0.05) == "0.25")
    #expect(PlotTicks.label(60000, step: 10000) == "60000")
    #expect(PlotTicks.label(2e6, step: 1e6) == "2e6")
    #expect(PlotTicks.label(1.5e-5, step: 5e-6) == "1.5e-5")
    #expect(PlotTicks.label(1e-3, step: 0) == "0.001")
    #expect(PlotTicks.label(100, step: 0) == "100")
    #expect(PlotTicks.label(1e5, step: 0) == "1e5")
    #expect(PlotTicks.label(1e-4, step: 0) == "1e-4")
  }

  // MARK: Data to pixels

  @Test("a known value maps to the pixel worked out by hand")
  func scaleByHand() {
    // 2.5 of 0…10 is a quarter of the way from 50 to 650: 50 + 600/4 = 200.
    #expect(PlotScale(domain: 0...10, pixels: (50, 650)).pixel(2.5) == 200)
    // y runs up: 0…1 onto 400 (bottom) … 100 (top); 0.75 → 400 − 0.75·300 = 175.
    #expect(PlotScale(domain: 0...1, pixels: (400, 100)).pixel(0.75) == 175)
    // log: 0.1 is 2 of the 5 decades from 1e-3 to 1e2: 400 − 2/5·400 = 240.
    let log = PlotScale(domain: 1e-3...1e2, pixels: (400, 0), isLogarithmic: true)
    #expect(abs(log.pixel(0.1) - 240) < 1e-9)
    #expect(abs(log.pixel(1e2) - 0) < 1e-9)
  }

  @Test("line points land where the plot's scales put them, and the corners on the plot area")
  func linePixels() {
    var plot = LinePlot(title: "Loss", xLabel: "step", yLabel: "loss", width: 640, height: 400)
    plot.add("train", points: [(0, 0), (4, 0.5), (10, 1)])
    let (x, y) = plot.scales()
    #expect(x.domain == 0...10 && y.domain == 0...1)
    // The plot area lies inside the picture, y runs up.
    #expect(x.pixels.start > 0 && x.pixels.end < 640 && x.pixels.start < x.pixels.end)
    #expect(y.pixels.start < 400 && y.pixels.end > 0 && y.pixels.start > y.pixels.end)
    let numbers = pathNumbers(in: plot.svg())
    #expect(numbers.count == 1)
    let expected = [x.pixels.start, y.pixels.start,  // (0, 0) is the bottom-left corner
                    x.pixel(4), (y.pixels.start + y.pixels.end) / 2,  // 0.5 is half way up
                    x.pixels.end, y.pixels.end]  // (10, 1) is the top-right corner
    #expect(numbers.first?.count == 6)
    for (got, want) in zip(numbers.first ?? [], expected) {
      #expect(abs(got - want) <= 0.05, "path \(numbers), expected \(expected)")
    }
  }

  @Test("x tick labels of a narrow plot do not run into each other", arguments: [300, 420, 640, 1200])
  func narrowTicks(width: Int) {
    var plot = LinePlot(width: width, height: 240)
    plot.add("a long series name", x: (0..<100).map { Double($0) * 1234.5 }, y: (0..<100).map { 1 / Double($0 + 1) })
    // The x labels are the first group of centred text: pairs of x position and label.
    let group = plot.svg().components(separatedBy: "<g fill=\"#333\" text-anchor=\"middle\">")[1]
      .components(separatedBy: "</g>")[0]
    let labels = group.components(separatedBy: "<text x=\"").dropFirst().map { item in
      (x: Double(item.prefix { $0 != "\"" })!, text: String(item.split(separator: ">")[1].prefix { $0 != "<" }))
    }
    #expect(labels.count >= 2)
    for (a, b) in zip(labels, labels.dropFirst()) {
      // 12 px font, at most 0.6 em a character: half of each label on either side of its centre.
      #expect(b.x - a.x >= 0.6 * 12 * Double(a.text.count + b.text.count) / 2 + 4, "\(labels)")
    }
  }

  // MARK: Gaps, empty and degenerate series

  @Test("NaN and infinite points are skipped, leaving a gap")
  func nanGap() {
    var plot = LinePlot()
    plot.add("loss", y: [1, .nan, 3, 4, .infinity, 6, 7, 8])
    let svg = plot.svg()
    parseSVG(svg)
    #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
    // Point 0 alone → a dot; 2–3 and 5–7 → two subpaths of 2 and 3 points.
    let parts = subpaths(in: svg)
    #expect(parts.count == 1 && parts.first?.count == 2, "\(parts)")
    #expect(parts.first?.map { occurrences(of: "L", in: $0) } == [1, 2])
    #expect(occurrences(of: "<circle", in: svg) == 1)
    #expect(plot.scales().y.domain == 0...8)  // NaN and ∞ do not stretch the axis
  }

  @Test("empty plots, empty series, one point and constant series make valid pictures")
  func degenerateSeries() {
    var plot = LinePlot(title: "nothing yet")
    parseSVG(plot.svg())
    plot.add("empty", y: [Double]())
    plot.add("one point", points: [(5, 0.25)])
    var svg = plot.svg()
    parseSVG(svg)
    #expect(occurrences(of: "<circle", in: svg) == 1 && pathNumbers(in: svg).isEmpty)
    plot.add("constant", y: [Float](repeating: 0.693, count: 50))
    plot.logY = true
    svg = plot.svg()
    parseSVG(svg)
    #expect(!svg.lowercased().contains("nan"))
    #expect(pathNumbers(in: svg).allSatisfy { $0.allSatisfy { $0.isFinite } && $0.count == 100 })
  }

  @Test("log y: points with y ≤ 0 are skipped (a gap, not clamped), the axis covers the positive ones")
  func logNonPositive() {
    var plot = LinePlot(logY: true)
    plot.add("loss", y: [10, 0, -1, 0.1, 0.01, 0.001])
    let svg = plot.svg()
    parseSVG(svg)
    let (_, y) = plot.scales()
    #expect(abs(y.domain.lowerBound - 1e-3) < 1e-15 && abs(y.domain.upperBound - 10) < 1e-12)
    #expect(subpaths(in: svg).first?.count == 1)  // 0.1 … 0.001 as one line
    #expect(occurrences(of: "<circle", in: svg) == 1)  // 10 alone before the gap
    // Light lines at 2…9 × 10ᵏ in each of the 4 decades 1e-3 … 10, none on a linear axis.
    let minor = svg.components(separatedBy: "<g stroke=\"#f0f0f0\"").dropFirst().first?.components(separatedBy: "</g>").first
    #expect(minor.map { occurrences(of: "<line", in: $0) } == 32)
    plot.logY = false
    #expect(!plot.svg().contains("#f0f0f0"))
    // Nothing positive at all: an empty 1…10 axis, no line.
    var allZero = LinePlot(logY: true)
    allZero.add("zero", y: [0.0, -1, 0])
    parseSVG(allZero.svg())
    #expect(allZero.scales().y.domain == 1...10 && pathNumbers(in: allZero.svg()).isEmpty)
  }

  // MARK: Text

  @Test("titles, labels and names are escaped and read back unchanged")
  func escaping() {
    var plot = LinePlot(title: "<&>", xLabel: "a \"quoted\" 'step'", yLabel: "x < y & z")
    plot.add("train <mse> & \"kl\"", y: [1, 2])
    let svg = plot.svg()
    #expect(svg.contains("&lt;&amp;&gt;"))
    let texts = parseSVG(svg).texts
    for text in ["<&>", "a \"quoted\" 'step'", "x < y & z", "train <mse> & \"kl\""] {
      #expect(texts.contains(text), "\(text) in \(texts)")
    }
  }

  @Test("the legend names every series, each in its own colour")
  func lineLegend() {
    var plot = LinePlot()
    let names = ["train", "validation", "test", "empty"]
    for (index, name) in names.enumerated() {
      plot.add(name, y: index == 3 ? [] : [Double(index), Double(index) + 1])
    }
    let svg = plot.svg()
    let texts = parseSVG(svg).texts
    for name in names { #expect(texts.contains(name), "\(name) in \(texts)") }
    for color in plotPalette.prefix(4) { #expect(svg.contains(color)) }
  }

  @Test("a standalone picture: namespace, viewBox, no script, no external references")
  func standalone() {
    var plot = LinePlot(width: 500, height: 300)
    plot.add("a", y: [1, 2, 3])
    let svg = plot.svg()
    #expect(svg.contains("xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("viewBox=\"0 0 500 300\""))
    #expect(!svg.contains("<script") && !svg.contains("href") && !svg.contains("url("))
  }

  // MARK: Scatter plots

  static let fashionNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

  @Test("10,000 points in 10 classes: valid, compact, a legend with every class name")
  func scatterManyPoints() {
    var rng = RNG(seed: 7)
    let points = Tensor.normal([10_000, 2], std: 3, using: &rng)
    let classes = (0..<10_000).map { $0 % 10 }
    let plot = ScatterPlot(points, classes: classes, classNames: Self.fashionNames, title: "Latent space")
    let svg = plot.svg()
    let (_, elements, texts) = parseSVG(svg)
    for name in Self.fashionNames { #expect(texts.contains(name), "\(name) in legend") }
    #expect(elements.filter { $0 == "circle" }.count == 10_000 + 10)  // the points and 10 legend dots
    #expect(svg.utf8.count < 450_000, "\(svg.utf8.count) bytes")
    for color in plotPalette { #expect(svg.contains(color)) }
  }

  @Test("tensor and array points give the same picture; NaN points are skipped; unnamed classes")
  func scatterInputs() {
    let tensor = Tensor(shape: [4, 2], data: [0, 0, 1, 2, .nan, 1, 3, -1])
    let array: [(x: Double, y: Double)] = [(0, 0), (1, 2), (.nan, 1), (3, -1)]
    let a = ScatterPlot(tensor, classes: [0, 1, 1, 12], classNames: ["zero"])
    let b = ScatterPlot(points: array, classes: [0, 1, 1, 12], classNames: ["zero"])
    #expect(a.svg() == b.svg())
    let texts = parseSVG(a.svg()).texts
    #expect(texts.contains("zero") && texts.contains("class 1") && texts.contains("class 12"))
    #expect(occurrences(of: "<circle", in: a.svg()) == 3 + 3)
    // One colour and no legend without classes.
    let plain = ScatterPlot(points: array)
    #expect(occurrences(of: "<circle", in: plain.svg()) == 3 && !plain.svg().contains(plotPalette[1]))
    parseSVG(ScatterPlot(points: []).svg())
    parseSVG(ScatterPlot(points: [(1, 1)]).svg())
  }

  @Test("equal aspect: one unit is the same number of pixels on both axes, all points inside")
  func equalAspect() {
    let ring = (0..<100).map { i -> (x: Double, y: Double) in
      let angle = Double(i) / 100 * 2 * .pi
      return (4 * cos(angle) + 10, sin(angle))  // 8 wide, 2 high
    }
    let plot = ScatterPlot(points: ring, width: 600, height: 480, equalAspect: true)
    let (x, y) = plot.scales()
    let xUnit = (x.pixels.end - x.pixels.start) / (x.domain.upperBound - x.domain.lowerBound)
    let yUnit = (y.pixels.start - y.pixels.end) / (y.domain.upperBound - y.domain.lowerBound)
    #expect(abs(xUnit - yUnit) < 1e-9 * xUnit, "x \(xUnit) px/unit, y \(yUnit) px/unit")
    #expect(ring.allSatisfy { x.domain.contains($0.x) && y.domain.contains($0.y) })
    parseSVG(plot.svg())
  }

  // MARK: Files

  @Test("write puts the SVG in the file; a missing folder throws cannotWrite naming the path")
  func writing() throws {
    var plot = LinePlot(title: "loss")
    plot.add("train", y: [3, 2, 1])
    try withTemporaryFolder { folder in
      let path = folder + "/loss.svg"
      try plot.write(to: path)
      #expect(try String(contentsOfFile: path, encoding: .utf8) == plot.svg())
      let missing = folder + "/no-such-folder/loss.svg"
      let error = imageIOError { try plot.write(to: missing) }
      guard case .cannotWrite(let errorPath, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
      #expect(errorPath == missing && reason.contains("does not exist"))
      #expect(error?.description.contains(missing) == true)
      let scatterError = imageIOError { try ScatterPlot(points: [(1, 2)]).write(to: missing) }
      #expect(scatterError?.path == missing)
    }
  }
}
