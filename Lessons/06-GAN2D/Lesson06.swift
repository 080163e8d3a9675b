// Lesson 06 — A GAN on 2-D data, and mode collapse.
//
// A generator G turns noise z ~ N(0, I) into points of the plane; a discriminator D
// tells real points from generated ones; each trains against the other. On a mixture of
// 8 Gaussians on a ring we can see everything: where G puts its points, what D believes
// about every point of the plane, and how many of the 8 modes G covers. The lesson trains
// a working GAN and, beside it, one that collapses, and draws both.
// Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson06: LessonCommand {
  static let lessonName = "lesson06-gan2d"
  static let abstract = "A GAN on 8 Gaussians (or a 5×5 grid): the game, D's decision surface, mode coverage and mode collapse."
  static let discussion = """
    Defaults: --steps 4000, --batch-size 512, --lr 5e-4 (Adam, β1 0.5, both players, falling linearly to 0), \
    --every 250 (steps between snapshots and checkpoints). Trains the working GAN (non-saturating loss) and a \
    contrasting one (--contrast, default: a generator learning 10× faster) in lockstep.
    """

  @OptionGroup var options: LessonOptions

  @Option(help: "The data: ring (8 Gaussians, radius 2, σ 0.02) or grid (5×5 Gaussians, spacing 1, σ 0.05).")
  var dataset: Dataset = .ring

  @Option(help: "The second GAN, trained beside the working one: saturating (G minimises log(1 − D(G(z)))) or fast-generator (G's learning rate 10× D's).")
  var contrast: Contrast = .fastGenerator

  @Option(parsing: .unconditional, help: "Dimensions of the noise z.")
  var latent: Int = 2

  @Option(parsing: .unconditional, help: "Width of the hidden layers of G and D.")
  var hidden: Int = 128

  static let defaultSteps = 4000, defaultBatchSize = 512, defaultEvery = 250
  static let defaultLearningRate: Float = 5e-4

  mutating func validate() throws {
    if latent < 1 || latent > 64 { throw ValidationError("--latent must be in 1…64, got \(latent)") }
    if hidden < 1 || hidden > 4096 { throw ValidationError("--hidden must be in 1…4096, got \(hidden)") }
  }

  mutating func run() throws {
    // These matrices (512×2 · 2×128, 1024×128 · 128×128) are too small for a second thread
    // to pay for its start-up: one thread is faster here unless --threads says otherwise.
    // (The numbers are the same for any thread count.)
    if options.threads == nil { Parallel.threadCount = 1 }
    var settings = try RunSettings(lesson: Self.lessonName, options: &options, counting: .steps)
    try settings.declare(&dataset, flag: "--dataset", shown: { $0.title })
    try settings.declare(&contrast, flag: "--contrast")
    try settings.declare(&latent, flag: "--latent", label: "latent (z dims)")
    try settings.declare(&hidden, flag: "--hidden")
    let steps = try settings.steps(options, default: Self.defaultSteps)
    let batchSize = try settings.batchSize(options, default: Self.defaultBatchSize)
    let learningRate = try settings.learningRate(options, default: Self.defaultLearningRate, label: "lr (Adam, β1 0.5)")
    let every = try settings.every(options, default: Self.defaultEvery)

    Console.section("1. Data: \(dataset.title)")
    let run = try TrainingRun(settings, title: "Lesson 06 — A GAN on 2-D data, and mode collapse", options: options,
                              dataset: dataset.title)
    let modes = dataset.modes
    print("real points are drawn fresh every step: batch s comes from its own seed (seed, s), so resuming is exact")
    print("coverage: a generated point is high quality when it lies within 3σ = \(Format.number(3 * modes.std)) of its "
          + "nearest mode centre;")
    print("a mode is covered when at least 1/(4·\(modes.centres.count)) of the \(Format.count(Trainer.evaluationCount)) "
          + "generated points (a quarter of its fair share) lie within 6σ = \(Format.number(6 * modes.std)) of its centre")

    checkLossTwins(seed: options.seed, run: run)
    let lab = Trainer(dataset: dataset, setups: Setting.pair(contrast: contrast, learningRate: learningRate), seed: options.seed,
                      latent: latent, hidden: hidden, batchSize: batchSize, steps: steps, implementation: options.impl)
    let snapshots = try trainBoth(lab, every: every, run: run)
    coverage(lab, run: run)
    try drawPictures(lab, snapshots, every: every, run: run)
    try run.finish()
  }

  /// Both GANs trained in lockstep: every `Trainer.evaluationInterval` steps measured on the fixed
  /// evaluation batches, every `every` steps a snapshot of each and a checkpoint. Returns the snapshots.
  func trainBoth(_ lab: Trainer, every: Int, run: TrainingRun) throws -> [Snapshots] {
    Console.section("3. Two GANs, trained in lockstep on the same real batches, from the same initial weights")
    let (sizes, steps) = (lab.gans[0].parameterCount, lab.steps)
    print("G: z ∈ R^\(latent) → \(hidden) → \(hidden) → 2 (ReLU), \(Format.count(sizes.generator)) parameters;  "
          + "D: 2 → \(hidden) → \(hidden) → 1 (LeakyReLU 0.2), \(Format.count(sizes.discriminator)) parameters")
    for setup in lab.setups {
      print("  \(setup.name): \(setup.title); Adam β1 0.5, lr G \(Format.number(setup.generatorLearningRate)), "
            + "D \(Format.number(setup.discriminatorLearningRate))")
    }
    print("\(steps) steps of batch \(lab.batchSize); every \(Trainer.evaluationInterval) steps both are measured on "
          + "fixed evaluation batches, every \(every) a snapshot and a checkpoint; a step trains both GANs")
    for (index, setup) in lab.setups.enumerated() {
      run.keep(lab.gans[index].generator, as: "\(setup.name).generator")
      run.keep(lab.gans[index].discriminator, as: "\(setup.name).discriminator")
      run.keep(lab.gans[index].generatorOptimizer, as: "\(setup.name).generator")
      run.keep(lab.gans[index].discriminatorOptimizer, as: "\(setup.name).discriminator")
      run.keep(lab.noise[index], as: setup.name)
    }
    try run.restore()
    lab.carryOver(try run.carryOverMetrics())
    let snapshots = lab.setups.map { setup in Snapshots(run.folder) { String(format: "snapshot-%@-%05d.png", setup.name, $0) } }
    for series in snapshots { try series.carryOver(from: run.resumed) }
    var loop = run.loop(label: "training both GANs", total: steps)
    loop.beforeStep = lab.scheduleLearningRates
    loop.every(Trainer.evaluationInterval, name: "record", atStart: true) { step, _ in
      try run.metrics.log(step: step, lab.record(step: step))
    }
    loop.every(every, name: "snapshot", atStart: true) { step, _ in
      for (index, series) in snapshots.enumerated() { try series.add(lab.panel(index), at: step) }
    }
    try run.train(&loop, checkpointEvery: every) { step in lab.step(step) }
    return snapshots
  }

  /// How many of the modes each GAN covers at the end, its high-quality share and what D says,
  /// on `Trainer.evaluationCount` generated points: mode collapse, in numbers.
  func coverage(_ lab: Trainer, run: TrainingRun) {
    Console.section("4. Coverage after \(lab.steps) steps (\(Format.count(Trainer.evaluationCount)) generated points each)")
    let modes = dataset.modes
    for (index, setup) in lab.setups.enumerated() {
      let coverage = ModeCoverage(points: lab.generated(index), centres: modes.centres, std: modes.std)
      let evaluation = lab.evaluate(index)
      let landed = coverage.landed.map(String.init).joined(separator: " ")
      print("\(setup.name) (\(setup.title)):")
      print("  modes covered \(coverage.modesCovered)/\(modes.centres.count), high-quality share "
            + "\(percent(coverage.highQualityShare)), D(x) on real \(Format.number(Float(evaluation.probabilityReal))), "
            + "D(G(z)) \(Format.number(Float(evaluation.probabilityFake)))")
      print("  points within 6σ of each mode (covered at ≥ \(coverage.needed)): " + landed)
      run.report.metrics += [("\(setup.name): modes covered", "\(coverage.modesCovered) of \(modes.centres.count)"),
                             ("\(setup.name): high-quality share", percent(coverage.highQualityShare)),
                             ("\(setup.name): points within 6σ of each mode", landed)]
    }
  }

  /// Both GANs over training (`snapshots.png`, `training.gif`) and at the end (`final.png`),
  /// with D(x) as the background; the curves of coverage, quality, losses and D's outputs.
  func drawPictures(_ lab: Trainer, _ snapshots: [Snapshots], every: Int, run: TrainingRun) throws {
    Console.section("5. Pictures")
    let (file, steps) = (run.folder.file, lab.steps)
    let shown = try lab.writeStrip(snapshots, to: file("snapshots.png"))
    try lab.writeFinal(to: file("final.png"))
    let animated = try lab.writeAnimation(snapshots, to: file("training.gif"))
    try lab.writeCurves(coverageTo: file("coverage.svg"), qualityTo: file("high-quality.svg"),
                        lossesTo: file("losses.svg"), probabilitiesTo: file("d-outputs.svg"))
    let steps0 = shown.map(String.init).joined(separator: ", ")
    print("wrote snapshots.png (top row working, bottom row \(lab.setups[1].name); steps \(steps0)),")
    print("final.png (both at the end, large), training.gif (both side by side, one frame every \(every) steps),")
    print("coverage.svg, high-quality.svg, losses.svg, d-outputs.svg; every snapshot as snapshot-<setting>-<step>.png")
    let legend = "Background: D(x) in five bands: orange D < 0.2 (D says fake), peach 0.2–0.4, white 0.4–0.6 (D cannot tell), "
      + "pale blue 0.6–0.8, light blue > 0.8 (D says real). "
      + "Dark dots: real points; red dots: generated points G(z); green rings: the mode centres."
    run.report.addFigure("snapshots.png", caption: "Top row: the working GAN (\(lab.setups[0].title)); bottom row: "
                     + "\(lab.setups[1].title). Columns: steps \(steps0). " + legend)
    run.report.addFigure("final.png", caption: "After \(steps) steps: working (left) and \(lab.setups[1].name) (right). " + legend)
    if animated {
      run.report.addFigure("training.gif", caption: "Training, one frame every \(every) steps: working (left), "
                           + "\(lab.setups[1].name) (right).")
    }
    run.report.addFigure("coverage.svg", caption: "Modes covered over training (a mode is covered when at least a quarter "
                     + "of its fair share of the 2,500 generated points lies within 6σ of its centre).")
    run.report.addFigure("high-quality.svg", caption: "Share of the 2,500 generated points within 3σ of some mode centre.")
    run.report.addFigure("losses.svg", caption: "The discriminator's loss and the non-saturating generator loss −log D(G(z)), "
                     + "on the fixed evaluation batches, for both GANs.")
    run.report.addFigure("d-outputs.svg", caption: "Mean D(x) on real points and mean D(G(z)) on generated points. At the "
                     + "game's equilibrium both are ½.")
  }
}

func percent(_ share: Double) -> String { String(format: "%.1f%%", 100 * share) }

/// Section 2: runs both twins of the GAN losses on the same random logits, prints the largest
/// difference and the time of each, and shows why the saturating objective stalls.
func checkLossTwins(seed: UInt64, run: TrainingRun) {
  Console.section("2. The GAN losses: the textbook twin vs the logits twin")
  var rng = RNG(seed: seed, stream: 70)
  let real = Tensor.uniform([4096, 1], in: -8..<8, using: &rng)
  let fake = Tensor.uniform([4096, 1], in: -8..<8, using: &rng)
  let reference = GANLoss.discriminatorLossReference(realLogits: real, fakeLogits: fake)
  let logits = GANLoss.discriminatorLoss(realLogits: real, fakeLogits: fake)
  var worst = max(reference.realGradient.maxAbsDifference(logits.realGradient),
                  reference.fakeGradient.maxAbsDifference(logits.fakeGradient))
  for objective in GeneratorObjective.allCases {
    worst = max(worst, GANLoss.generatorLossReference(fakeLogits: fake, objective: objective).fakeGradient
      .maxAbsDifference(GANLoss.generatorLoss(fakeLogits: fake, objective: objective).fakeGradient))
  }
  let valueError = abs(reference.value - logits.value)
  print("on 4,096 + 4,096 logits in [−8, 8]: loss values differ by \(String(format: "%.1e", valueError)), "
        + "gradients by at most \(String(format: "%.1e", worst))")
  let timeReference = Timing.measure { _ = GANLoss.discriminatorLossReference(realLogits: real, fakeLogits: fake) }
  let timeLogits = Timing.measure { _ = GANLoss.discriminatorLoss(realLogits: real, fakeLogits: fake) }
  print("D loss + gradients: reference \(Format.duration(timeReference.median)), logits \(Format.duration(timeLogits.median)), "
        + "speed-up \(String(format: "%.1f", timeReference.median / timeLogits.median))×")
  let far = Tensor(shape: [1, 1], data: [40])
  let broken = GANLoss.discriminatorLossReference(realLogits: far, fakeLogits: -far)
  print("a confident D (logit ±40): reference loss \(broken.value), logits twin \(GANLoss.discriminatorLoss(realLogits: far, fakeLogits: -far).value)")

  print("why the saturating generator stalls — dL_G/dl for one generated point that D rejects (l = logit of D(G(z))):")
  print("    l      D(G(z))    saturating log(1 − D)   non-saturating −log D")
  for l: Float in [-8, -4, -2, 0, 2] {
    let one = Tensor(shape: [1, 1], data: [l])
    let saturating = GANLoss.generatorLoss(fakeLogits: one, objective: .saturating).fakeGradient.data[0]
    let nonSaturating = GANLoss.generatorLoss(fakeLogits: one, objective: .nonSaturating).fakeGradient.data[0]
    print(String(format: "  %4.0f   %9.5f   %21.5f   %21.5f", l, 1 / (1 + exp(-l)), saturating, nonSaturating))
  }
  print("early in training D rejects G's points (l ≪ 0): the saturating gradient −D is nearly 0, the non-saturating −(1 − D) nearly −1")
  run.report.metrics += [("GAN loss twins: max gradient difference", String(format: "%.1e", worst)),
                         ("GAN loss twins: speed-up of the logits twin (D loss)",
                          String(format: "%.1f× (%@ vs %@)", timeReference.median / timeLogits.median,
                                 Format.duration(timeReference.median), Format.duration(timeLogits.median)))]
}
