import Foundation
import GenLab

/// The lesson's figure, one self-contained SVG: every row's 64 samples with its name and
/// numbers, and below them sample quality (classifier FID) against the time to draw 64
/// images, on a log axis. The grids are PNGs embedded as data URIs, so the file shows
/// the same in a browser, in the run report and when copied elsewhere.
struct Figure {
  let results: [Measured]

  static let perRow = 5
  static let panelWidth = 256, panelHeight = 300
  static let plotHeight = 380

  func svg() throws -> String {
    let rows = (results.count + Self.perRow - 1) / Self.perRow
    let width = Self.perRow * Self.panelWidth + 20
    let height = rows * Self.panelHeight + Self.plotHeight + 60
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
      font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>

      """
    for (index, m) in results.enumerated() {
      let x = 10 + (index % Self.perRow) * Self.panelWidth, y = 10 + (index / Self.perRow) * Self.panelHeight
      let image = Image(grid: m.grid, columns: 8, padding: 1, scale: 1)
      let png = Data(try PNG.encode(image)).base64EncodedString()
      let size = image.width   // 233 px: 8 images of 28 and 9 lines of padding
      out += "<text x=\"\(x)\" y=\"\(y + 14)\" font-weight=\"bold\">\(escape(m.contender.name))</text>\n"
      out += "<image x=\"\(x)\" y=\"\(y + 22)\" width=\"\(size)\" height=\"\(size)\" style=\"image-rendering:pixelated\" "
        + "href=\"data:image/png;base64,\(png)\"/>\n"
      var line = "FID \(String(format: "%.1f", m.fid))"
      if let nll = m.negativeLogLikelihood {
        line += " · −log p \(m.contender.likelihood.isBound ? "≤ " : "")\(String(format: "%.0f", nll)) nats"
      }
      out += "<text x=\"\(x)\" y=\"\(y + size + 38)\">\(escape(line))</text>\n"
      let timing = m.sampleSeconds.map { "64 samples: \(Format.duration($0))" } ?? "real images"
      out += "<text x=\"\(x)\" y=\"\(y + size + 54)\" fill=\"#555\">\(escape(timing)) · \(m.contender.domain.rawValue)</text>\n"
    }
    out += tradeOffPlot(top: rows * Self.panelHeight + 30, width: width)
    out += "</svg>\n"
    return out
  }

  /// FID (linear) against seconds for 64 samples (log), one labelled dot per model; the
  /// data rows' FIDs as dashed floors, binarized models in orange and gray ones in blue.
  func tradeOffPlot(top: Int, width: Int) -> String {
    let models = results.filter { $0.sampleSeconds != nil }
    guard !models.isEmpty else { return "" }
    let left = 70.0, right = Double(width) - 200, plotTop = Double(top) + 30, bottom = Double(top + Self.plotHeight) - 40
    let times = models.map { log10(max($0.sampleSeconds!, 1e-6)) }
    let lowX = floor(times.min()!), highX = max(ceil(times.max()!), lowX + 1)
    let highY = (results.map(\.fid).max() ?? 1) * 1.1
    func px(_ t: Double) -> Double { left + (t - lowX) / (highX - lowX) * (right - left) }
    func py(_ fid: Double) -> Double { bottom - fid / highY * (bottom - plotTop) }
    let colour: [Domain: String] = [.binary: "#d95f02", .gray: "#1b6ca8"]
    var out = "<text x=\"\(left)\" y=\"\(top + 12)\" font-weight=\"bold\">Sample quality against sampling time "
      + "(lower FID is better; each model against real images of its own domain)</text>\n"
    out += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    out += "<line x1=\"\(left)\" y1=\"\(plotTop)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    for decade in Int(lowX)...Int(highX) {
      let x = px(Double(decade))
      out += "<line x1=\"\(x)\" y1=\"\(bottom)\" x2=\"\(x)\" y2=\"\(bottom + 5)\" stroke=\"black\"/>\n"
      out += "<text x=\"\(x)\" y=\"\(bottom + 18)\" text-anchor=\"middle\">\(escape(Format.duration(pow(10, Double(decade)))))</text>\n"
    }
    out += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 34)\" text-anchor=\"middle\">time to draw 64 samples (log scale)</text>\n"
    let (ticks, step) = PlotTicks.linear(0, highY, count: 5)
    for tick in ticks where tick <= highY {
      let y = py(tick)
      out += "<line x1=\"\(left - 5)\" y1=\"\(y)\" x2=\"\(left)\" y2=\"\(y)\" stroke=\"black\"/>\n"
      out += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(PlotTicks.label(tick, step: step))</text>\n"
    }
    out += "<text x=\"18\" y=\"\((plotTop + bottom) / 2)\" transform=\"rotate(-90 18 \((plotTop + bottom) / 2))\" "
      + "text-anchor=\"middle\">classifier FID</text>\n"
    var labelY = Double.infinity      // floor labels go upwards from the lowest, at least 14 px apart
    for floor in results.filter({ $0.sampleSeconds == nil }).sorted(by: { $0.fid < $1.fid }) {
      let y = py(floor.fid), c = colour[floor.contender.domain]!
      labelY = min(y + 4, labelY - 14)
      out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(right)\" y2=\"\(y)\" stroke=\"\(c)\" stroke-dasharray=\"5 4\"/>\n"
      out += "<text x=\"\(right + 6)\" y=\"\(labelY)\" fill=\"\(c)\">\(escape(floor.contender.name))</text>\n"
    }
    // Each label goes above-right of its dot, or below-right, above-left, below-left: the first
    // place whose box (about 7 px a character, 14 px high) overlaps no label placed before.
    var placed: [(x: Double, y: Double, width: Double)] = []
    for (m, t) in zip(models, times) {
      let (x, y) = (px(t), py(m.fid)), c = colour[m.contender.domain]!
      let width = 7 * Double(m.contender.name.count)
      let candidates = [(x + 8, y - 6), (x + 8, y + 16), (x - 8 - width, y - 6), (x - 8 - width, y + 16)]
      let free = candidates.first { (lx, ly) in
        !placed.contains { abs($0.y - ly) < 14 && lx < $0.x + $0.width && $0.x < lx + width }
      } ?? candidates[0]
      placed.append((free.0, free.1, width))
      out += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"5\" fill=\"\(c)\"/>\n"
      out += "<text x=\"\(free.0)\" y=\"\(free.1)\" fill=\"\(c)\">\(escape(m.contender.name))</text>\n"
    }
    return out
  }

  func write(to path: String) throws {
    try Files.writeAtomically(Array(try svg().utf8), to: path)
  }

  func escape(_ text: String) -> String { RunReport.escape(text) }
}

extension Likelihood {
  var isBound: Bool { if case .bound = self { return true } else { return false } }
}
