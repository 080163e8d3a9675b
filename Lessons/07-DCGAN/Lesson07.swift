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
struct Lesson07: ParsableCommand {
  static let lessonName = "lesson07-dcgan"
  static let configuration = CommandConfiguration(
    commandName: lessonName,
    abstract: "DCGAN on Fashion-MNIST: transposed convolutions learn to draw clothes; the training animation.",
    discussion: """
      Defaults: --steps 3000, --batch-size 64, --lr 2e-4 (Adam, β₁ 0.5, both networks), --every 100 (steps \
      between snapshots and checkpoints), --num-samples 1000. Each run writes runs/lesson07-dcgan/<time>/ \
      with index.html.
      """)

  @OptionGroup var options: LessonOptions

  @Option(help: "The generator's loss: nonSaturating (−log D(G(z)), the default) or saturating (log(1 − D(G(z))), the original minimax form).")
  var objective: GeneratorObjective = .nonSaturating

  @Flag(help: "One-sided label smoothing: the discriminator's target for real images is 0.9 instead of 1.")
  var labelSmoothing = false

  static let defaultSteps = 3000, defaultBatchSize = 64, defaultEvery = 100
  static let defaultLearningRate: Float = 2e-4

  mutating func run() throws {
    try options.rejectEpochs(lesson: Self.lessonName)
    options.apply()
    let started = Timing.now()
    let startDate = Date()

    var resume: Checkpoint?
    if let path = options.resume {
      let checkpoint = try Checkpoint.read(path: path, lesson: Self.lessonName)
      try adopt(checkpoint)
      resume = checkpoint
    }
    let steps = try Checkpoint.setting(options.steps, "steps", from: resume, default: Self.defaultSteps)
    let batchSize = try Checkpoint.setting(options.batchSize, "batch_size", from: resume, default: Self.defaultBatchSize)
    let every = try Checkpoint.setting(options.every, "every", from: resume, default: Self.defaultEvery)
    let learningRate = options.lr ?? Self.defaultLearningRate
    let seed = options.seed
    if let resume {
      try resume.requireSetting("batch_size", equals: String(batchSize), flag: "--batch-size")
      if steps < resume.step {
        throw ValidationError("--steps \(steps) is less than the \(resume.step) steps the checkpoint has done")
      }
    }

    Console.section("1. Data: Fashion-MNIST, scaled to [−1, 1] (the range of the generator's tanh)")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let images = data.train.images.map { 2 * $0 - 1 }
    let count = images.shape[0]
    guard count >= batchSize else {
      throw ValidationError("--batch-size \(batchSize) is larger than the \(count) training images")
    }
    let run = try RunFolder.create(lesson: Self.lessonName, root: options.out)
    let metrics = try MetricsLog(run: run, start: startDate)

    Console.section("2. The two networks")
    var initRNG = RNG(seed: seed, stream: 1)
    let gan = DCGAN(implementation: options.impl, learningRate: learningRate, rng: &initRNG)
    gan.objective = objective
    gan.realTarget = labelSmoothing ? 0.9 : 1
    print("generator:     z ∈ R^100 → Linear → 128×7×7 → BN, ReLU → ConvT 4/2/1 → 64×14×14 → BN, ReLU → ConvT 4/2/1 → 1×28×28 → tanh")
    print("               \(Format.count(gan.generator.parameterCount)) parameters")
    print("discriminator: 1×28×28 → Conv 4/2/1 → 64×14×14 → LeakyReLU → Conv 4/2/1 → 128×7×7 → BN, LeakyReLU → Linear → logit")
    print("               \(Format.count(gan.discriminator.parameterCount)) parameters")
    print("init N(0, 0.02²); Adam lr \(learningRate), β₁ 0.5; batch \(batchSize); generator loss \(objective.rawValue)"
          + (labelSmoothing ? "; real target 0.9 (label smoothing)" : "") + "; twins: \(options.impl.rawValue)")

    var codeRNG = RNG(seed: seed, stream: 2)
    let fixedCodes = Tensor.normal([64, DCGAN.latentSize], using: &codeRNG)
    var noise = RNG(seed: seed, stream: 3)
    var history = History()
    var startStep = 0
    if let resume {
      try resume.restore(gan.generator, as: "generator")
      try resume.restore(gan.discriminator, as: "discriminator")
      try resume.restore(gan.generatorOptimizer, as: "generator")
      try resume.restore(gan.discriminatorOptimizer, as: "discriminator")
      noise = try resume.rng("noise")
      startStep = resume.step
      try history.carryOver(from: resume, into: metrics, run: run)
      print("resuming from \(options.resume!) after step \(startStep) of \(steps)")
    }

    Console.section("3. Training: D on a real and a fake batch, then G through D")
    var report = RunReport(run: run, title: "Lesson 07 — DCGAN on Fashion-MNIST", seed: seed, started: startDate)
    report.dataset = data.description
    /// Both networks, both Adam states and the noise generator: all a resumed run needs.
    func writeCheckpoint(step: Int, epoch: Int) throws {
      var checkpoint = Checkpoint(lesson: Self.lessonName, seed: seed, step: step, epoch: epoch)
      checkpoint.settings = ["steps": String(steps), "batch_size": String(batchSize), "every": String(every),
                             "objective": objective.rawValue, "label_smoothing": String(labelSmoothing),
                             "seed": String(seed)]
      checkpoint.add(gan.generator, as: "generator")
      checkpoint.add(gan.discriminator, as: "discriminator")
      checkpoint.add(gan.generatorOptimizer, as: "generator")
      checkpoint.add(gan.discriminatorOptimizer, as: "discriminator")
      checkpoint.add(noise, as: "noise")
      try checkpoint.write(to: run.file(RunFolder.checkpointFile))
    }
    let stepsPerEpoch = count / batchSize
    let progress = Progress(total: steps - startStep, label: "DCGAN")
    var window = Window()
    var stepTimes: [Double] = []
    var batches: Batches?
    for step in (startStep + 1)...max(startStep + 1, steps) where step <= steps {
      let epoch = (step - 1) / stepsPerEpoch
      if batches?.epoch != epoch {
        batches = Batches(itemCount: count, batchSize: batchSize, seed: seed, epoch: epoch, dropLast: true)
      }
      let real = images.gather(batches![(step - 1) % stepsPerEpoch])
      let t0 = Timing.now()
      let result = gan.step(real: real, noise: &noise)
      stepTimes.append(Timing.now() - t0)
      try TrainingGuard.check(step: step, losses: [("the discriminator loss", result.discriminatorLoss),
                                                   ("the generator loss", result.generatorLoss)],
                              parameters: prefixedParameters([("generator", gan.generator),
                                                              ("discriminator", gan.discriminator)]))
      window.add(result)
      progress.update(step - startStep, ["D": Float(result.discriminatorLoss), "G": Float(result.generatorLoss),
                                         "D(x)": Float(result.realScore), "D(G(z))": Float(result.fakeScore)])
      if step % every == 0 || step == steps {
        let mean = window.mean()
        window = Window()
        history.points.append((step, mean))
        try metrics.log(step: step, epoch: epoch + 1,
                        ["d_loss": mean.discriminatorLoss, "g_loss": mean.generatorLoss,
                         "d_real": mean.realScore, "d_fake": mean.fakeScore])
        let frame = Image(grid: gan.generate(fixedCodes), columns: 8, range: .minusOneToOne, scale: 2)
        history.frames.append(frame)
        try PNG.write(frame, to: run.file(String(format: "dcgan-step-%05d.png", step)))
        try writeCheckpoint(step: step, epoch: epoch)
      }
      try report.stopIfInterrupted(step: step, steps: steps, started: started, progress: progress,
                                   checkpointWritten: step % every == 0 || step == steps,
                                   checkpoint: run.file(RunFolder.checkpointFile)) {
        try writeCheckpoint(step: step, epoch: epoch)
      }
    }
    progress.finish()
    report.settings = [("seed", String(seed)), ("steps", String(steps)), ("batch-size", String(batchSize)),
                       ("lr (Adam, β₁ 0.5)", String(learningRate)), ("every", "\(every) steps"),
                       ("objective", objective.rawValue), ("label smoothing", labelSmoothing ? "0.9" : "off"),
                       ("impl", options.impl.rawValue), ("threads", String(Parallel.threadCount)),
                       ("num-samples", String(options.numSamples))]
    if let path = options.resume { report.settings.append(("resumed from", path)) }
    if !stepTimes.isEmpty {
      stepTimes.sort()
      let median = stepTimes[stepTimes.count / 2]
      print("training step: \(Format.duration(median)) median (batch \(batchSize), D real + fake, then G; "
            + "\(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s"))")
      report.metrics.append(("training step (median)", Format.duration(median)))
    }
    if let last = history.points.last?.values {
      print("last \(every) steps: D loss \(fixed(last.discriminatorLoss)), G loss \(fixed(last.generatorLoss)), "
            + "D(x) \(fixed(last.realScore)), D(G(z)) \(fixed(last.fakeScore))")
      report.metrics += [("D loss (mean of the last \(every) steps)", fixed(last.discriminatorLoss)),
                         ("G loss", fixed(last.generatorLoss)), ("D(x) on real images", fixed(last.realScore)),
                         ("D(G(z)) on generated images", fixed(last.fakeScore))]
    }

    Console.section("4. What the generator draws")
    try PNG.writeGrid(gan.generate(fixedCodes), columns: 8, range: .minusOneToOne, scale: 2, to: run.file("samples.png"))
    var pictureRNG = RNG(seed: seed, stream: 4)
    try PNG.writeGrid(interpolations(gan, rows: 8, columns: 10, rng: &pictureRNG), columns: 10, range: .minusOneToOne,
                      scale: 2, to: run.file("interpolation.png"))
    let samples = generateSamples(gan, count: options.numSamples, rng: &pictureRNG)
    try run.writeSamples(samples, model: "DCGAN generator (eval mode), images mapped from [−1, 1] to [0, 1]", seed: seed)
    var delays = [Int](repeating: 25, count: history.frames.count)
    if !delays.isEmpty { delays[delays.count - 1] = 300 }
    if !history.frames.isEmpty { try GIF.write(frames: history.frames, delays: delays, to: run.file("training.gif")) }
    try history.writeCurves(losses: run.file("losses.svg"), scores: run.file("scores.svg"))
    print("wrote samples.png (the 64 fixed codes after training), training.gif (the same codes every \(every) steps),")
    print("interpolation.png (straight lines between two random codes, a row each), losses.svg, scores.svg,")
    print("and \(RunFolder.samplesFile) (\(Format.count(options.numSamples)) samples in [0, 1])")

    // Last, because it runs BatchNorm in training mode (which moves its running statistics).
    Console.section("5. Where the time of a step goes (one batch of \(batchSize), layer by layer)")
    let profileCodes = Tensor.normal([batchSize, DCGAN.latentSize], using: &pictureRNG)
    let generatorRows = LayerProfile.measure(gan.generator, input: profileCodes)
    let discriminatorRows = LayerProfile.measure(gan.discriminator, input: images.slice(0..<batchSize))
    print("generator (once per step, forward + backward):")
    print(LayerProfile.table(generatorRows))
    print("discriminator (three times per step: real, fake, and the generator's pass):")
    print(LayerProfile.table(discriminatorRows))
    let heavy = (generatorRows + discriminatorRows).max { $0.forward + $0.backward < $1.forward + $1.backward }!
    print("the 64↔128-channel layers (ConvT 128→64 in G, Conv 64→128 in D) carry most of the work; "
          + "heaviest: \(heavy.layer)")
    let labelled = generatorRows.map { ("G", $0) } + discriminatorRows.map { ("D", $0) }
    for (network, row) in labelled where row.forward + row.backward > 0.05 * (heavy.forward + heavy.backward) {
      report.metrics.append(("time, \(network) layer \(row.layer) (forward / backward)",
                             "\(Format.duration(row.forward)) / \(Format.duration(row.backward))"))
    }

    report.addFigure("samples.png", caption: "64 samples from the fixed codes after \(steps) steps.")
    report.addFigure("training.gif", caption: "Training: the same 64 codes decoded every \(every) steps.")
    report.addFigure("interpolation.png", caption: "Each row decodes the straight line between two random codes z₁ → z₂.")
    report.addFigure("losses.svg", caption: "Discriminator and generator losses (means over \(every)-step windows).")
    report.addFigure("scores.svg", caption: "D(x) on real and D(G(z)) on generated batches: the game in balance sits "
                     + "between the two extremes; D(x) → 1 with D(G(z)) → 0 means D is winning.")
    report.addLink("metrics.jsonl", text: "the metrics, one JSON object per line")
    try run.keepCheckpoint(resumedFrom: options.resume)
    report.addLink(RunFolder.checkpointFile, text: "the checkpoint (both networks, both Adam states, the noise generator)")
    report.addLink(RunFolder.samplesFile, text: "\(Format.count(options.numSamples)) samples (safetensors, tensor 'samples', "
                   + "N×1×28×28 in [0, 1])")
    metrics.close()
    try report.finish(started: started)
  }

  /// Settings that shape the run come from the checkpoint unless a flag is given;
  /// a flag that contradicts it is an error.
  mutating func adopt(_ checkpoint: Checkpoint) throws {
    try checkpoint.adopt("seed", flag: "--seed", into: &options.seed)
    try checkpoint.adopt("objective", flag: "--objective", into: &objective)
    try checkpoint.adopt("label_smoothing", flag: "--label-smoothing", into: &labelSmoothing)
  }
}

func fixed(_ value: Double) -> String { String(format: "%.3f", value) }

/// Running means of the step results over a window of steps.
struct Window {
  var sum = DCGAN.StepResult(discriminatorLoss: 0, generatorLoss: 0, realScore: 0, fakeScore: 0)
  var count = 0
  mutating func add(_ r: DCGAN.StepResult) {
    sum.discriminatorLoss += r.discriminatorLoss; sum.generatorLoss += r.generatorLoss
    sum.realScore += r.realScore; sum.fakeScore += r.fakeScore
    count += 1
  }
  func mean() -> DCGAN.StepResult {
    let n = Double(max(count, 1))
    return DCGAN.StepResult(discriminatorLoss: sum.discriminatorLoss / n, generatorLoss: sum.generatorLoss / n,
                            realScore: sum.realScore / n, fakeScore: sum.fakeScore / n)
  }
}

/// The curves and animation frames, carried over from an earlier run on resume.
struct History {
  var points: [(step: Int, values: DCGAN.StepResult)] = []
  var frames: [Image] = []

  mutating func carryOver(from checkpoint: Checkpoint, into metrics: MetricsLog, run: RunFolder) throws {
    for entry in try metrics.carryOver(from: checkpoint) {
      guard let d = entry.values["d_loss"], let g = entry.values["g_loss"], let real = entry.values["d_real"],
            let fake = entry.values["d_fake"] else { continue }
      points.append((entry.step, DCGAN.StepResult(discriminatorLoss: d, generatorLoss: g, realScore: real, fakeScore: fake)))
      if let copy = try run.carryOver(String(format: "dcgan-step-%05d.png", entry.step), from: checkpoint) {
        frames.append(try PNG.read(file: copy))
      }
    }
  }

  func writeCurves(losses: String, scores: String) throws {
    let steps = points.map { Double($0.step) }
    var lossPlot = LinePlot(title: "The game: losses", xLabel: "step", yLabel: "nats")
    lossPlot.add("discriminator  −[log D(x) + log(1 − D(G(z)))]", x: steps, y: points.map(\.values.discriminatorLoss))
    lossPlot.add("generator", x: steps, y: points.map(\.values.generatorLoss))
    try lossPlot.write(to: losses)
    var scorePlot = LinePlot(title: "The discriminator's verdicts", xLabel: "step", yLabel: "mean D(·)")
    scorePlot.add("D(x), real images", x: steps, y: points.map(\.values.realScore))
    scorePlot.add("D(G(z)), generated images", x: steps, y: points.map(\.values.fakeScore))
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
  var parts: [Float] = []
  for start in stride(from: 0, to: count, by: 500) {
    let n = min(500, count - start)
    parts += gan.generate(Tensor.normal([n, DCGAN.latentSize], using: &rng)).data.map { min(max(($0 + 1) / 2, 0), 1) }
  }
  return Tensor(shape: [count, 1, 28, 28], data: parts)
}
