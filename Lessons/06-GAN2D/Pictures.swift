import Foundation
import GenLab

/// The colours of every picture: D(x) in five bands, from light orange (D < 0.2: D says
/// "fake") through white (0.4…0.6: it cannot tell) to light blue (D > 0.8: "real"); real
/// points dark, generated red. Bands rather than a smooth ramp read like contour lines and
/// are colours of the GIF's fixed palette, so the animation shows exactly what the PNGs show.
enum Palette {
  static let realPoints = RGBColour(hex: "#1F2D3D")
  static let generatedPoints = RGBColour(hex: "#E15759")
  static let modeMarks = RGBColour(hex: "#59A14F")
  static let heatMap = [RGBColour(red: 255, green: 213, blue: 153), RGBColour(red: 255, green: 213, blue: 204), .white,
                        RGBColour(red: 204, green: 213, blue: 255), RGBColour(red: 153, green: 213, blue: 255)]
  /// D(x) ∈ [0, 1] → the band k/4, k = ⌊5·D⌋ (D = 1 in the top band).
  static func band(_ probability: Float) -> Float { min((5 * probability).rounded(.down), 4) / 4 }
  static let side = 200                        // pixels per panel
  static let range: ClosedRange<Float> = -2.6...2.6
  static let pointsDrawn = 600                 // of each kind, per panel
}

extension Trainer {
  /// GAN `index` now: D(x) over the plane as the background, 600 real points (dark),
  /// 600 generated points G(z) (red), the fixed evaluation noise, so the same z every time.
  func panel(_ index: Int, side: Int = Palette.side) -> Image {
    var raster = PointRaster(width: side, height: side, xRange: Palette.range, yRange: Palette.range)
    let scale = Float(side) / Float(Palette.side)
    raster.fill(heatMap: gans[index].probabilityReal(raster.pixelCentres).map(Palette.band), colours: Palette.heatMap,
                range: 0...1)
    for centre in dataset.modes.centres {
      raster.plot(x: centre.x, y: centre.y, colour: Palette.modeMarks, radius: 6 * scale, ring: true)
    }
    raster.plot(points: evaluationReal.slice(0..<Palette.pointsDrawn), colour: Palette.realPoints, radius: scale)
    raster.plot(points: generated(index).slice(0..<Palette.pointsDrawn), colour: Palette.generatedPoints,
                radius: 1.2 * scale, opacity: 0.8)
    raster.drawBorder(colour: RGBColour(hex: "#BAB0AC"))
    return raster.image
  }

  /// The snapshot steps both GANs have a picture of (all of them, unless a run was killed between the two).
  func snapshotSteps(_ snapshots: [Snapshots]) -> [Int] {
    snapshots.dropFirst().reduce(snapshots[0].steps) { steps, other in steps.filter(other.steps.contains) }
  }

  /// One row per setting (working on top), one column per chosen snapshot (up to `columns`,
  /// evenly spaced, always with the first and the last). Returns the steps shown.
  func writeStrip(_ snapshots: [Snapshots], to path: String, columns: Int = 6) throws -> [Int] {
    let steps = snapshotSteps(snapshots)
    let chosen = steps.count <= columns ? steps
      : (0..<columns).map { steps[Int((Double($0) * Double(steps.count - 1) / Double(columns - 1)).rounded())] }
    let rows = snapshots.map { series in chosen.map { series.frames[series.steps.firstIndex(of: $0)!] } }
    try PNG.write(PointRaster.tile(rows, padding: 6), to: path)
    return chosen
  }

  /// The training as an animation: both GANs side by side, one frame per snapshot. False
  /// (and nothing written) when there is no snapshot.
  func writeAnimation(_ snapshots: [Snapshots], to path: String) throws -> Bool {
    let steps = snapshotSteps(snapshots)
    guard !steps.isEmpty else { return false }
    let images = steps.map { step in
      PointRaster.tile([snapshots.map { $0.frames[$0.steps.firstIndex(of: step)!] }], padding: 6)
    }
    var delays = [Int](repeating: 40, count: images.count)
    delays[delays.count - 1] = 300   // linger on the end
    try GIF.write(frames: images, delays: delays, to: path)
    return true
  }

  /// The final panel of each setting, large, side by side.
  func writeFinal(to path: String) throws {
    try PNG.write(PointRaster.tile([setups.indices.map { panel($0, side: 2 * Palette.side) }], padding: 8), to: path)
  }

  func writeCurves(coverageTo coveragePath: String, qualityTo qualityPath: String, lossesTo lossesPath: String,
                   probabilitiesTo probabilitiesPath: String) throws {
    let steps = history.map { Double($0.step) }
    func series(_ index: Int, _ value: (GANMeasures) -> Double) -> [Double] { history.map { value($0.evaluations[index]) } }
    let modeCount = dataset.modes.centres.count

    var coverage = LinePlot(title: "Modes covered (of \(modeCount)): ≥ a quarter of the fair share of points within 6σ",
                            xLabel: "step", yLabel: "modes")
    var quality = LinePlot(title: "High-quality share: generated points within 3σ of a mode centre", xLabel: "step",
                           yLabel: "share of 2,500 points")
    var losses = LinePlot(title: "Losses on the fixed evaluation batch (log 4 ≈ 1.39 and log 2 ≈ 0.69 at the equilibrium)",
                          xLabel: "step", yLabel: "nats")
    var probabilities = LinePlot(title: "What D says: mean D(x) on real points and D(G(z)) on generated ones",
                                 xLabel: "step", yLabel: "probability 'real'")
    for (index, setup) in setups.enumerated() {
      coverage.add(setup.name, x: steps, y: series(index) { Double($0.modesCovered) })
      quality.add(setup.name, x: steps, y: series(index) { $0.highQualityShare })
      losses.add("\(setup.name): D loss", x: steps, y: series(index) { $0.discriminatorLoss })
      losses.add("\(setup.name): G loss −log D(G(z))", x: steps, y: series(index) { $0.generatorLoss })
      probabilities.add("\(setup.name): D(x), real", x: steps, y: series(index) { $0.probabilityReal })
      probabilities.add("\(setup.name): D(G(z)), generated", x: steps, y: series(index) { $0.probabilityFake })
    }
    try coverage.write(to: coveragePath)
    try quality.write(to: qualityPath)
    try losses.write(to: lossesPath)
    try probabilities.write(to: probabilitiesPath)
  }
}
