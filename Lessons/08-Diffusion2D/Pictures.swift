import Foundation
import GenLab

/// Every picture of the lesson: points of the plane coloured by where along the data they
/// lie (or, for generated points, where they end up), over the held-out data in light grey.
/// Fixed ranges, so panels and frames can be compared by eye.
enum Pictures {
  /// Blue → green → yellow → orange → red along the swiss roll (from its inner end) or
  /// round the ring (from angle 0). Stops are colours of the GIF's 6×7×6 cube or near them.
  static let hueStops = [RGBColour(hex: "#3366CC"), RGBColour(hex: "#33AA55"), RGBColour(hex: "#CCBB33"),
                         RGBColour(hex: "#EE7722"), RGBColour(hex: "#CC2233")]
  /// Light greys as the GIF's colour cube has them (it has no neutral greys), so PNG and GIF look alike.
  static let dataColour = RGBColour(red: 204, green: 212, blue: 204)
  static let borderColour = RGBColour(red: 153, green: 170, blue: 153)
  static let side = 160
  /// Samples and data (data coordinates): both sets lie within ±2.3.
  static let sampleRange: ClosedRange<Float> = -2.6...2.6

  /// The noising and denoising figures must also hold 𝒩(0, I) in network coordinates,
  /// i.e. 𝒩(0, scale²·I) in data coordinates: ±3.3 scales (all but ~0.1 % of the points).
  static func processRange(_ dataset: Dataset) -> ClosedRange<Float> {
    let reach = (3.3 * dataset.scale * 10).rounded(.up) / 10
    return -reach...reach
  }

  static func colour(_ hue: Float) -> RGBColour {
    let t = min(max(hue.isFinite ? hue : 0, 0), 1) * Float(hueStops.count - 1)
    let segment = min(Int(t), hueStops.count - 2)
    return hueStops[segment].mixed(with: hueStops[segment + 1], by: t - Float(segment))
  }

  /// Points [N, 2] (data coordinates) coloured by `hues`, over `background` points in light grey.
  static func panel(_ points: Tensor, hues: [Float], background: Tensor? = nil, range: ClosedRange<Float>,
                    side: Int = Pictures.side) -> Image {
    var raster = PointRaster(width: side, height: side, xRange: range, yRange: range)
    let scale = Float(side) / Float(Pictures.side)
    if let background { raster.plot(points: background, colour: dataColour, radius: 1.3 * scale) }
    let data = points.data
    for n in 0..<points.shape[0] {
      raster.plot(x: data[2 * n], y: data[2 * n + 1], colour: colour(hues[n]), radius: 1.1 * scale, opacity: 0.85)
    }
    raster.drawBorder(colour: borderColour)
    return raster.image
  }

  static func strip(_ panels: [Image]) -> Image { PointRaster.tile([panels], padding: 6) }

  /// Up to `columns` of `count` snapshots, evenly spaced, first and last included: their indices.
  static func chosen(count: Int, columns: Int) -> [Int] {
    guard count > columns else { return Array(0..<count) }
    return (0..<columns).map { Int((Double($0) * Double(count - 1) / Double(columns - 1)).rounded()) }
  }
}

extension Trainer {
  /// Snapshots over training, up to 8, in one row. Returns the steps shown.
  func writeSnapshots(_ snapshots: Snapshots, to path: String, columns: Int = 8) throws -> [Int] {
    let chosen = Pictures.chosen(count: snapshots.frames.count, columns: columns)
    try PNG.write(Pictures.strip(chosen.map { snapshots.frames[$0] }), to: path)
    return chosen.map { snapshots.steps[$0] }
  }

  /// The training loss (mean of the batches between records) and the fixed evaluation batch's loss.
  func writeLossCurve(to path: String) throws {
    var plot = LinePlot(title: "ε-prediction loss", xLabel: "step", yLabel: "loss per coordinate")
    // Step 0 (the untrained network, ≈ 1) is left out, so the scale shows the fall after it.
    let trained = history.filter { $0.trainLoss.isFinite }
    let evaluated = history.filter { $0.step > 0 }
    plot.add("training batches (mean over \(Self.evaluationInterval) steps)",
             x: trained.map { Double($0.step) }, y: trained.map(\.trainLoss))
    plot.add("fixed evaluation batch (\(Format.count(Self.evaluationCount)) points)",
             x: evaluated.map { Double($0.step) }, y: evaluated.map(\.evaluationLoss))
    try plot.write(to: path)
  }

  /// The energy distance of the snapshot samples to held-out points over training, with the floor.
  func writeQualityCurve(to path: String, floor: Double) throws {
    let scored = history.filter { $0.energyDistance != nil }
    var plot = LinePlot(title: "Energy distance to held-out points", xLabel: "step", yLabel: "D² (data units)", logY: true)
    plot.add("\(Format.count(Self.snapshotCount)) DDIM-\(Self.snapshotSamplerSteps) samples", x: scored.map { Double($0.step) }, y: scored.map { $0.energyDistance! })
    let steps = scored.map { Double($0.step) }
    plot.add("floor: two held-out sets", x: [steps.first ?? 0, steps.last ?? 0], y: [floor, floor])
    try plot.write(to: path)
  }

  /// The evaluation loss of the trained network by timestep, in bins of T/20.
  func writeLossByTimestep(to path: String) throws {
    let perItem = evaluationLoss().perItem
    let bins = 20, width = max(schedule.steps / bins, 1)
    var sums = [Double](repeating: 0, count: bins), counts = [Int](repeating: 0, count: bins)
    for (n, t) in evaluation.timesteps.enumerated() {
      let bin = min((t - 1) / width, bins - 1)
      sums[bin] += perItem[n]
      counts[bin] += 1
    }
    let used = (0..<bins).filter { counts[$0] > 0 }
    var plot = LinePlot(title: "The trained network's loss by timestep",
                        xLabel: "t (middle of a bin of \(width))", yLabel: "loss per coordinate")
    plot.add("fixed evaluation batch", x: used.map { Double($0 * width) + Double(width) / 2 },
             y: used.map { sums[$0] / Double(counts[$0]) })
    try plot.write(to: path)
  }
}
