// Lesson 07 — DCGAN on Fashion-MNIST.
//
// A generator turns 100 random numbers into a 28×28 image through two transposed
// convolutions ("deconv", lesson 04); a discriminator tells its images from real ones
// (the game of lesson 06). Trained against each other, the generator learns to draw
// clothes. The lesson saves a sample grid from the same 100-number codes every few
// steps and turns them into the training-evolution animation, then draws latent
// interpolations and the curves of the game. The network and its training step are in
// Sources/Models/DCGAN.swift. Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

extension GeneratorObjective: ExpressibleByArgument {}

@main
struct Lesson07: LessonCommand {
  static let lessonName = "lesson07-dcgan"
  static let abstract = "DCGAN on Fashion-MNIST: transposed convolutions learn to draw clothes; the training animation."
  static let discussion = """
    Defaults: --steps 6000, --batch-size 64, --lr 2e-4 (Adam, β₁ 0.5, both networks), --every 100 (steps \
    between snapshots and checkpoints), --num-samples 1000.
    """

  @OptionGroup var options: LessonOptions

  @Option(help: "The generator's loss: nonSaturating (−log D(G(z)), the default) or saturating (log(1 − D(G(z))), the original minimax form).")
  var objective: GeneratorObjective = .nonSaturating

  @Flag(help: "One-sided label smoothing: the discriminator's target for real images is 0.9 instead of 1.")
  var labelSmoothing = false

  static let defaultSteps = 6000, defaultBatchSize = 64, defaultEvery = 100
  static let defaultLearningRate: Float = 2e-4

  mutating func run() throws {
    var settings = try RunSettings(lesson: Self.lessonName, options: &options, counting: .steps)
    try settings.declare(&objective, flag: "--objective")
    try settings.declare(&labelSmoothing, flag: "--label-smoothing", label: "label smoothing",
                         shown: { $0 ? "real target 0.9" : "off" })
    let steps = try settings.steps(options, default: Self.defaultSteps)
    let batchSize = try settings.batchSize(options, default: Self.defaultBatchSize)
    let learningRate = try settings.learningRate(options, default: Self.defaultLearningRate, label: "lr (Adam, β₁ 0.5)")
    let every = try settings.every(options, default: Self.defaultEvery)
    settings.show("num-samples", String(options.numSamples))

    Console.section("1. Data: Fashion-MNIST, scaled to [−1, 1] (the range of the generator's tanh)")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let images = data.train.images.map { 2 * $0 - 1 }
    guard images.shape[0] >= batchSize else {
      throw ValidationError("--batch-size \(batchSize) is larger than the \(images.shape[0]) training images")
    }
    let run = try TrainingRun(settings, title: "Lesson 07 — DCGAN on Fashion-MNIST", options: options,
                              dataset: data.description)

    let gan = twoNetworks(learningRate: learningRate, batchSize: batchSize)
    let trained = try train(gan, images, steps: steps, batchSize: batchSize, every: every, run: run)
    var pictureRNG = RNG(seed: options.seed, stream: 4)
    try drawSamples(gan, trained, steps: steps, every: every, rng: &pictureRNG, run: run)
    // Last, because it runs BatchNorm in training mode (which moves its running statistics).
    whereTheTimeGoes(gan, images: images, batchSize: batchSize, rng: &pictureRNG, run: run)
    try run.finish()
  }

  /// Builds the generator and the discriminator, printed layer by layer with their parameter counts.
  func twoNetworks(learningRate: Float, batchSize: Int) -> DCGAN {
    Console.section("2. The two networks")
    var initRNG = RNG(seed: options.seed, stream: 1)
    let gan = DCGAN(implementation: options.impl, learningRate: learningRate, rng: &initRNG)
    gan.objective = objective
    gan.realTarget = labelSmoothing ? 0.9 : 1
    print("generator:     z ∈ R^100 → Linear → 128×7×7 → BN, ReLU → ConvT 4/2/1 → 64×14×14 → BN, ReLU → ConvT 4/2/1 → 1×28×28 → tanh")
    print("               \(Format.count(gan.generator.parameterCount)) parameters")
    print("discriminator: 1×28×28 → Conv 4/2/1 → 64×14×14 → LeakyReLU → Conv 4/2/1 → 128×7×7 → BN, LeakyReLU → Linear → logit")
    print("               \(Format.count(gan.discriminator.parameterCount)) parameters")
    print("init N(0, 0.02²); Adam lr \(learningRate), β₁ 0.5; batch \(batchSize); generator loss \(objective.rawValue)"
          + (labelSmoothing ? "; real target 0.9 (label smoothing)" : "") + "; twins: \(options.impl.rawValue)")
    return gan
  }

  /// The game, `steps` times (`DCGAN.step`): every `every` steps the window's means to the metrics and
  /// the curves, and 64 fixed codes decoded into a snapshot. Returns the curves, snapshots and codes.
  func train(_ gan: DCGAN, _ images: Tensor, steps: Int, batchSize: Int, every: Int,
             run: TrainingRun) throws -> (history: History, frames: Snapshots, fixedCodes: Tensor) {
    Console.section("3. Training: D on a real and a fake batch, then G through D")
    var codeRNG = RNG(seed: options.seed, stream: 2)
    let fixedCodes = Tensor.normal([64, DCGAN.latentSize], using: &codeRNG)
    let noise = RandomStream(seed: options.seed, stream: 3)
    run.keep(gan.generator, as: "generator")
    run.keep(gan.discriminator, as: "discriminator")
    run.keep(gan.generatorOptimizer, as: "generator")
    run.keep(gan.discriminatorOptimizer, as: "discriminator")
    run.keep(noise, as: "noise")
    try run.restore()
    var history = History(try run.carryOverMetrics())
    let frames = Snapshots(run.folder) { String(format: "dcgan-step-%05d.png", $0) }
    try frames.carryOver(from: run.resumed)
    var batches = StepBatches(itemCount: images.shape[0], batchSize: batchSize, seed: options.seed)
    var loop = run.loop(label: "DCGAN", total: steps)
    loop.every(every, name: "record") { step, window in
      let mean = History.Point(step: step, window: window)
      history.points.append(mean)
      try run.metrics.log(step: step, epoch: batches.epoch(step: step) + 1,
                          ["d_loss": mean.discriminatorLoss, "g_loss": mean.generatorLoss,
                           "d_real": mean.realScore, "d_fake": mean.fakeScore])
      try frames.add(Image(grid: gan.generate(fixedCodes), columns: 8, range: .minusOneToOne, scale: 2), at: step)
    }
    try run.train(&loop, checkpointEvery: every, epoch: { batches.epoch(step: $0) }) { step in
      let result = gan.step(real: images.gather(batches.indices(step: step)), noise: &noise.rng)
      return [("D loss", result.discriminatorLoss), ("G loss", result.generatorLoss),
              ("D(x)", result.realScore), ("D(G(z))", result.fakeScore)]
    }
    if let last = history.points.last {
      print("last \(every) steps: D loss \(Format.fixed(last.discriminatorLoss)), G loss \(Format.fixed(last.generatorLoss)), "
            + "D(x) \(Format.fixed(last.realScore)), D(G(z)) \(Format.fixed(last.fakeScore))")
      run.report.metrics += [("D loss (mean of the last \(every) steps)", Format.fixed(last.discriminatorLoss)),
                             ("G loss", Format.fixed(last.generatorLoss)), ("D(x) on real images", Format.fixed(last.realScore)),
                             ("D(G(z)) on generated images", Format.fixed(last.fakeScore))]
    }
    return (history, frames, fixedCodes)
  }

  /// The fixed codes after training (`samples.png`), straight lines between random codes
  /// (`interpolation.png`), `--num-samples` samples, the training animation and the curves of the game.
  func drawSamples(_ gan: DCGAN, _ trained: (history: History, frames: Snapshots, fixedCodes: Tensor), steps: Int,
                   every: Int, rng: inout RNG, run: TrainingRun) throws {
    Console.section("4. What the generator draws")
    let (file, sampleCount) = (run.folder.file, options.numSamples)
    try PNG.writeGrid(gan.generate(trained.fixedCodes), columns: 8, range: .minusOneToOne, scale: 2,
                      to: file("samples.png"))
    run.report.addFigure("samples.png", caption: "64 samples from the fixed codes after \(steps) steps.")
    if try trained.frames.writeAnimation("training.gif", delay: 25) {
      run.report.addFigure("training.gif", caption: "Training: the same 64 codes decoded every \(every) steps.")
    }
    try PNG.writeGrid(interpolations(gan, rows: 8, columns: 10, rng: &rng), columns: 10, range: .minusOneToOne,
                      scale: 2, to: file("interpolation.png"))
    run.report.addFigure("interpolation.png", caption: "Each row decodes the straight line between two random codes z₁ → z₂.")
    try run.writeSamples(generateSamples(gan, count: sampleCount, rng: &rng),
                         model: "DCGAN generator (eval mode), images mapped from [−1, 1] to [0, 1]")
    try trained.history.writeCurves(losses: file("losses.svg"), scores: file("scores.svg"))
    print("wrote samples.png (the 64 fixed codes after training), training.gif (the same codes every \(every) steps),")
    print("interpolation.png (straight lines between two random codes, a row each), losses.svg, scores.svg,")
    print("and \(RunFolder.samplesFile) (\(Format.count(sampleCount)) samples in [0, 1])")
    run.report.addFigure("losses.svg", caption: "Discriminator and generator losses (means over \(every)-step windows).")
    run.report.addFigure("scores.svg", caption: "D(x) on real and D(G(z)) on generated batches: the game in balance sits "
                         + "between the two extremes; D(x) → 1 with D(G(z)) → 0 means D is winning.")
  }

  /// Each layer's forward and backward time on one batch of `batchSize` (random codes for G,
  /// real images for D), printed; the heavy ones as report rows.
  func whereTheTimeGoes(_ gan: DCGAN, images: Tensor, batchSize: Int, rng: inout RNG, run: TrainingRun) {
    Console.section("5. Where the time of a step goes (one batch of \(batchSize), layer by layer)")
    let generatorRows = LayerProfile.measure(gan.generator, input: Tensor.normal([batchSize, DCGAN.latentSize], using: &rng))
    let discriminatorRows = LayerProfile.measure(gan.discriminator, input: images.slice(0..<batchSize))
    print("generator (once per step, forward + backward):")
    print(LayerProfile.table(generatorRows))
    print("discriminator (three times per step: real, fake, and the generator's pass):")
    print(LayerProfile.table(discriminatorRows))
    let heavy = (generatorRows + discriminatorRows).max { $0.forward + $0.backward < $1.forward + $1.backward }!
    print("the 64↔128-channel layers (ConvT 128→64 in G, Conv 64→128 in D) carry most of the work; "
          + "heaviest: \(heavy.layer)")
    let labelled = generatorRows.map { ("G", $0) } + discriminatorRows.map { ("D", $0) }
    run.report.metrics += labelled.filter { $0.1.forward + $0.1.backward > 0.05 * (heavy.forward + heavy.backward) }
      .map { network, row in
        ("time, \(network) layer \(row.layer) (forward / backward)",
         "\(Format.duration(row.forward)) / \(Format.duration(row.backward))")
      }
  }
}


/// The curves of the game: the step results averaged over each window of `--every` steps.
struct History {
  struct Point {
    var step: Int
    var discriminatorLoss, generatorLoss, realScore, fakeScore: Double

    init(step: Int, window: TrainingLoop.Window) {
      self.step = step
      (discriminatorLoss, generatorLoss) = (window.mean("D loss"), window.mean("G loss"))
      (realScore, fakeScore) = (window.mean("D(x)"), window.mean("D(G(z))"))
    }

    /// A line of an earlier run's metrics.jsonl.
    init?(_ entry: MetricsLog.Entry) {
      guard let d = entry.values["d_loss"], let g = entry.values["g_loss"], let real = entry.values["d_real"],
            let fake = entry.values["d_fake"] else { return nil }
      (step, discriminatorLoss, generatorLoss, realScore, fakeScore) = (entry.step, d, g, real, fake)
    }
  }

  var points: [Point] = []

  init(_ entries: [MetricsLog.Entry]) { points = entries.compactMap(Point.init) }

  func writeCurves(losses: String, scores: String) throws {
    let steps = points.map { Double($0.step) }
    var lossPlot = LinePlot(title: "The game: losses", xLabel: "step", yLabel: "nats")
    lossPlot.add("discriminator  −[log D(x) + log(1 − D(G(z)))]", x: steps, y: points.map(\.discriminatorLoss))
    lossPlot.add("generator", x: steps, y: points.map(\.generatorLoss))
    try lossPlot.write(to: losses)
    var scorePlot = LinePlot(title: "The discriminator's verdicts", xLabel: "step", yLabel: "mean D(·)")
    scorePlot.add("D(x), real images", x: steps, y: points.map(\.realScore))
    scorePlot.add("D(G(z)), generated images", x: steps, y: points.map(\.fakeScore))
    try scorePlot.write(to: scores)
  }
}

/// Rows of `columns` images along straight lines z₁ → z₂ between random codes.
func interpolations(_ gan: DCGAN, rows: Int, columns: Int, rng: inout RNG) -> Tensor {
  let d = DCGAN.latentSize
  var codes: [Float] = []
  for _ in 0..<rows {
    let a = Tensor.normal([d], using: &rng), b = Tensor.normal([d], using: &rng)
    for c in 0..<columns {
      let t = Float(c) / Float(columns - 1)
      for j in 0..<d { codes.append((1 - t) * a.data[j] + t * b.data[j]) }
    }
  }
  return gan.generate(Tensor(shape: [rows * columns, d], data: codes))
}

/// `count` samples from z ~ N(0, I), mapped from [−1, 1] to [0, 1].
func generateSamples(_ gan: DCGAN, count: Int, rng: inout RNG) -> Tensor {
  Tensor.inChunks(count, of: 500) { gan.generate(Tensor.normal([$0, DCGAN.latentSize], using: &rng)).fromMinusOneToOne() }
}
