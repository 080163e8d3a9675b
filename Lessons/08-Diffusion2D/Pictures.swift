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

extension Lesson08 {
  /// Section 5: the forward and reverse processes as strips and an animation, every sampler side by
  /// side (`samplers.png`), the snapshots over training and the curves.
  func drawPictures(_ lab: Trainer, _ snapshots: Snapshots, _ samplers: [Sampler], trajectory: [Int: Tensor],
                    heldOut: (points: Tensor, positions: [Float]), run: TrainingRun) throws {
    Console.section("5. Pictures")
    let (seed, scale, sampleCount, file) = (options.seed, dataset.scale, heldOut.points.shape[0], run.folder.file)
    let (noiseSchedule, (stripTimes, frameTimes)) = (lab.schedule, pictureTimes(lab.schedule))
    let processRange = Pictures.processRange(dataset)
    let finalHues = dataset.hues(of: samplers[0].points, reference: heldOut)
    // The forward process: each held-out point keeps one ε, so it can be followed from panel to panel.
    var forwardRNG = RNG(seed: seed, stream: 21)
    let epsilon = Tensor.normal([sampleCount, 2], using: &forwardRNG)
    let heldOutHues = dataset.hues(of: heldOut.points, reference: heldOut)
    let forwardTimes = stripTimes.reversed()
    let forwardPanels = forwardTimes.map { t -> Image in
      let noisy = DiffusionNoising.noised(heldOut.points / scale, timesteps: [Int](repeating: t, count: sampleCount),
                                          noise: epsilon, schedule: noiseSchedule) * scale
      return Pictures.panel(noisy, hues: heldOutHues, range: processRange)
    }
    try PNG.write(Pictures.strip(forwardPanels), to: file("forward.png"))
    // The reverse process: DDPM's x_t, each point coloured by where it ends up.
    func reverse(_ t: Int, side: Int = Pictures.side) -> Image {
      Pictures.panel(trajectory[t]! * scale, hues: finalHues, background: heldOut.points, range: processRange, side: side)
    }
    try PNG.write(Pictures.strip(stripTimes.map { reverse($0) }), to: file("reverse.png"))
    let frames = frameTimes.sorted(by: >).map { reverse($0, side: 320) }
    try GIF.write(frames: frames, delays: [100] + [Int](repeating: 8, count: frames.count - 2) + [300], to: file("reverse.gif"))
    let comparison = [Pictures.panel(heldOut.points, hues: heldOutHues, range: Pictures.sampleRange, side: 240)]
      + samplers.map { sampler in
        Pictures.panel(sampler.points, hues: dataset.hues(of: sampler.points, reference: heldOut),
                       background: heldOut.points, range: Pictures.sampleRange, side: 240)
      }
    try PNG.write(Pictures.strip(comparison), to: file("samplers.png"))
    let snapshotSteps = try lab.writeSnapshots(snapshots, to: file("training.png"))
    try lab.writeLossCurve(to: file("loss.svg"))
    let trainingFloor = SampleDistance.energyDistance(
      dataset.heldOut(count: Trainer.snapshotCount, seed: seed &+ 0x4E1F).points, lab.snapshotReference.points)
    try lab.writeQualityCurve(to: file("energy-distance.svg"), floor: trainingFloor)
    try lab.writeLossByTimestep(to: file("loss-by-t.svg"))

    let times = forwardTimes.map(String.init).joined(separator: ", ")
    let reverseTimes = stripTimes.map(String.init).joined(separator: ", ")
    let shownSnapshots = snapshotSteps.map(String.init).joined(separator: ", ")
    print("wrote forward.png (t = \(times)), reverse.png (DDPM, t = \(reverseTimes)), reverse.gif (\(frames.count) frames),")
    print("samplers.png (held out, DDPM, " + ddimSteps.map { "DDIM \($0)" }.joined(separator: ", ")
          + "), training.png (steps \(shownSnapshots)), loss.svg, energy-distance.svg, loss-by-t.svg,")
    print("samples.safetensors (the generated points, data coordinates) and every snapshot as snapshot-<step>.png")

    let colours = dataset == .swissRoll
      ? "Colour: where along the roll a point lies (blue at the inner end, red at the outer)"
      : "Colour: the angle round the ring (blue at 0°, through green, yellow and orange, to red at 360°, turned by 22.5°)"
    run.report.addFigure("forward.png", caption: "The forward process on \(Format.count(sampleCount)) held-out points, "
                     + "x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, at t = \(times) (left to right): where √(1 − ᾱ_t), the noise's share of x_t, has grown to 0, 0.1, …, 0.9, and T. Each point keeps its ε, so it "
                     + "can be followed from panel to panel. \(colours), fixed before the noise.")
    run.report.addFigure("reverse.png", caption: "The reverse process, DDPM from x_T ~ 𝒩(0, I) at t = \(reverseTimes). "
                     + "\(colours) at the end (t = 0): the colours show where each noise point goes. Grey: held-out data.")
    run.report.addFigure("reverse.gif", caption: "The same DDPM run as an animation, \(frames.count) frames at the t where "
                     + "√(1 − ᾱ_t), the noise's share of x_t, has fallen by 0.02 from the last: the points flow back onto the data.")
    let captions = samplers.map { "\($0.name) \($0.calls) steps: \(Format.duration($0.seconds))" }
    run.report.addFigure("samplers.png", caption: "Left to right: \(Format.count(sampleCount)) held-out points; then, from "
                     + "the same x_T, " + captions.joined(separator: "; ") + " (wall time, \(Format.threads(Parallel.threadCount))). Grey behind the samples: the held-out points.")
    run.report.addFigure("training.png", caption: "DDIM-\(Trainer.snapshotSamplerSteps) samples from the same noise over "
                     + "training, steps \(shownSnapshots), over held-out points in grey. At step 0 the untrained network's "
                     + "points land far outside the picture.")
    run.report.addFigure("loss.svg", caption: "The ε-prediction loss per coordinate: training batches and a fixed batch.")
    run.report.addFigure("energy-distance.svg", caption: "Energy distance of the snapshot samples to held-out points "
                     + "(\(Format.count(Trainer.snapshotCount)) each) over training, and the floor of two held-out sets.")
    run.report.addFigure("loss-by-t.svg", caption: "The trained network's loss by timestep: large at small t, where ε is "
                     + "a tiny part of x_t and must be told apart from the data's own spread; small at large t, where "
                     + "x_t is almost all ε.")
    run.report.addLink(RunFolder.samplesFile, text: "the samples (safetensors, N×2 in data coordinates: samples (DDPM), "
                       + "ddim_<steps>, held_out)")
  }
}
