// Lesson 09 — Diffusion on images.
//
// Noise a clothing image a little at a time and after T steps nothing of it is left.
// A network that can say, for any noisy image and any t, what noise was added can run
// the process backwards: start from pure noise and remove a little at a time until a
// garment appears. The lesson trains a tiny U-Net to predict that noise on
// Fashion-MNIST, then samples with DDPM (T steps) and DDIM (far fewer), and draws the
// forward and reverse processes. The network and its training step are in
// Sources/Models/UNet.swift and Diffusion.swift; the noising twins and the samplers in
// Sources/DiffusionNoising. Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

extension NoiseSchedule.Kind: ExpressibleByArgument {}

@main
struct Lesson09: ParsableCommand {
  static let lessonName = "lesson09-diffusionimages"
  static let configuration = CommandConfiguration(
    commandName: lessonName,
    abstract: "A tiny U-Net learns to remove noise from Fashion-MNIST images; DDPM and DDIM sampling; the forward and reverse processes.",
    discussion: """
      Defaults: --steps \(defaultSteps), --batch-size \(defaultBatchSize), --lr \(defaultLearningRate) (Adam; samples \
      use the weights' moving average, decay 0.999), --every \(defaultEvery) (steps between snapshots and \
      checkpoints), --num-samples \(defaultSampleCount) for this lesson (DDIM, --ddim-steps each). \
      Each run writes runs/\(lessonName)/<time>/ with index.html.
      """)

  @OptionGroup var options: LessonOptions

  @Option(help: "The noise schedule: linear (DDPM: β from 10⁻⁴ to 0.02) or cosine (improved DDPM).")
  var schedule: NoiseSchedule.Kind = .linear

  @Option(parsing: .unconditional, help: "T, the number of noising steps (and of DDPM's sampling steps); the linear schedule's β range is scaled by 1000/T.")
  var timesteps: Int = 1000

  @Option(parsing: .unconditional, help: "Channels of the U-Net at 28×28 (twice as many at 14×14 and 7×7); a multiple of 8.")
  var channels: Int = defaultChannels

  @Option(parsing: .unconditional, help: "Network calls of the DDIM sampler (≤ T); the lesson also shows DDIM with 10.")
  var ddimSteps: Int = 50

  static let defaultSteps = 1600, defaultBatchSize = 64, defaultEvery = 200, defaultChannels = 32
  static let defaultLearningRate: Float = 1e-3
  static let defaultSampleCount = 256
  /// Images in the DDPM/DDIM comparison grids and in the training snapshots.
  static let gridCount = 32, snapshotCount = 16, snapshotSteps = 20

  mutating func validate() throws {
    // Below 50 the scaled linear schedule's β_T = 0.02·1000/T would pass 0.4.
    if timesteps < 50 || timesteps > 10_000 { throw ValidationError("--timesteps must be in 50…10000, got \(timesteps)") }
    if channels < 8 || channels > 256 || channels % 8 != 0 {
      throw ValidationError("--channels must be a multiple of 8 in 8…256 (GroupNorm uses 8 groups), got \(channels)")
    }
    if ddimSteps < 1 || ddimSteps > timesteps {
      throw ValidationError("--ddim-steps must be in 1…--timesteps (\(timesteps)), got \(ddimSteps)")
    }
  }

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
    let learningRate = try Checkpoint.setting(options.lr, "lr", from: resume, default: Self.defaultLearningRate)
    let sampleCount = options.numSamples(lessonDefault: Self.defaultSampleCount)
    let seed = options.seed
    if let resume {
      try resume.requireSetting("batch_size", equals: String(batchSize), flag: "--batch-size")
      try resume.requireSetting("lr", equals: String(learningRate), flag: "--lr")
      if steps < resume.step {
        throw ValidationError("--steps \(steps) is less than the \(resume.step) steps the checkpoint has done")
      }
    }

    Console.section("1. Data: Fashion-MNIST, scaled to [−1, 1]")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let images = data.train.images.map { 2 * $0 - 1 }
    let testImages = data.test.images.map { 2 * $0 - 1 }
    let count = images.shape[0]
    guard count >= batchSize else {
      throw ValidationError("--batch-size \(batchSize) is larger than the \(count) training images")
    }
    let noiseSchedule = schedule == .linear ? NoiseSchedule.scaledLinear(steps: timesteps) : .cosine(steps: timesteps)
    let T = timesteps
    let run = try RunFolder.create(lesson: Self.lessonName, root: options.out)
    let metrics = try MetricsLog(run: run, start: startDate)
    var report = RunReport(run: run, title: "Lesson 09 — Diffusion on images", seed: seed, started: startDate)
    report.dataset = data.description

    // 2. The forward process and its two twins --------------------------------------
    Console.section("2. The forward process: t single steps (the reference) vs one jump (the closed form)")
    print("\(schedule.rawValue) schedule, T = \(T): β₁ = \(sci(noiseSchedule.beta(1))), β_T = \(sci(noiseSchedule.beta(T))); "
          + "ᾱ_t at t = T/4, T/2, 3T/4, T: "
          + [T / 4, T / 2, 3 * T / 4, T].map { sci(noiseSchedule.alphaBar($0)) }.joined(separator: ", "))
    var twinRNG = RNG(seed: seed, stream: 5)
    report.metrics += compareNoisingTwins(testImages, schedule: noiseSchedule, rng: &twinRNG)
    let strip = noisingStrip(testImages.slice(0..<6), schedule: noiseSchedule, rng: &twinRNG)
    try PNG.writeGrid(strip, columns: 5, range: .minusOneToOne, scale: 2, to: run.file("forward-process.png"))

    // 3. Training ------------------------------------------------------------------
    Console.section("3. Training: predict the noise ε in x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε for a random t per image")
    var initRNG = RNG(seed: seed, stream: 1)
    let model = DenoisingDiffusion(schedule: noiseSchedule, baseChannels: channels, learningRate: learningRate,
                                   implementation: options.impl, rng: &initRNG)
    print("U-Net: 1×28×28 → \(channels)×28×28 → \(2 * channels)×14×14 → \(2 * channels)×7×7 → back up with skips; "
          + "t enters every block; \(Format.count(model.parameterCount)) parameters")
    print("Adam lr \(learningRate); batch \(batchSize); \(steps) steps; twins: \(options.impl.rawValue); "
          + "\(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s")")
    var fixedRNG = RNG(seed: seed, stream: 2)
    let snapshotNoise = Tensor.normal([Self.snapshotCount, 1, 28, 28], using: &fixedRNG)
    let evaluation = EvaluationBatch(testImages, count: 256, schedule: noiseSchedule, rng: &fixedRNG)
    var noise = RNG(seed: seed, stream: 3)
    var history = History()
    var startStep = 0
    if let resume {
      try resume.restore(model.network, as: "unet")
      try resume.restore(model.average, as: "average")
      try resume.restore(model.optimizer, as: "unet")
      model.average.restoreUpdates(resume.settings["average_updates"].flatMap(Int.init) ?? 0)
      noise = try resume.rng("noise")
      startStep = resume.step
      try history.carryOver(from: resume, into: metrics, run: run)
      print("resuming from \(options.resume!) after step \(startStep) of \(steps)")
    }
    /// The U-Net, its weight average, Adam and the noise generator: all a resumed run needs.
    func writeCheckpoint(step: Int, epoch: Int) throws {
      var checkpoint = Checkpoint(lesson: Self.lessonName, seed: seed, step: step, epoch: epoch)
      checkpoint.settings = ["steps": String(steps), "batch_size": String(batchSize), "every": String(every),
                             "lr": String(learningRate), "schedule": schedule.rawValue, "timesteps": String(T),
                             "channels": String(channels), "seed": String(seed),
                             "average_updates": String(model.average.updates)]
      checkpoint.add(model.network, as: "unet")
      checkpoint.add(model.average, as: "average")
      checkpoint.add(model.optimizer, as: "unet")
      checkpoint.add(noise, as: "noise")
      try checkpoint.write(to: run.file(RunFolder.checkpointFile))
    }
    let stepsPerEpoch = count / batchSize
    let progress = Progress(total: steps - startStep, label: "U-Net")
    var windowLoss = 0.0, windowCount = 0
    var stepTimes: [Double] = []
    var batches: Batches?
    for step in (startStep + 1)...max(startStep + 1, steps) where step <= steps {
      let epoch = (step - 1) / stepsPerEpoch
      if batches?.epoch != epoch {
        batches = Batches(itemCount: count, batchSize: batchSize, seed: seed, epoch: epoch, dropLast: true)
      }
      let clean = images.gather(batches![(step - 1) % stepsPerEpoch])
      let t0 = Timing.now()
      let result = model.step(clean, rng: &noise)
      stepTimes.append(Timing.now() - t0)
      try TrainingGuard.check(step: step, losses: [("the ε-prediction loss", result.loss)],
                              parameters: model.network.parameters)
      windowLoss += result.loss
      windowCount += 1
      progress.update(step - startStep, ["loss": Float(result.loss)])
      if step % every == 0 || step == steps {
        let trainLoss = windowLoss / Double(windowCount)
        windowLoss = 0
        windowCount = 0
        let testLoss = evaluation.loss(model)
        history.points.append((step, trainLoss, testLoss))
        try metrics.log(step: step, epoch: epoch + 1, ["loss": trainLoss, "test_loss": testLoss])
        let frame = Image(grid: snapshot(model, noise: snapshotNoise), columns: 8, range: .minusOneToOne, scale: 2)
        history.frames.append(frame)
        try PNG.write(frame, to: run.file(String(format: "snapshot-%05d.png", step)))
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
                       ("lr (Adam)", String(learningRate)), ("every", "\(every) steps"),
                       ("schedule", "\(schedule.rawValue), T = \(T)"), ("channels", String(channels)),
                       ("ddim-steps", String(ddimSteps)), ("impl", options.impl.rawValue),
                       ("threads", String(Parallel.threadCount)), ("num-samples", String(sampleCount))]
    if let path = options.resume { report.settings.append(("resumed from", path)) }
    report.metrics.append(("parameters", Format.count(model.parameterCount)))
    if !stepTimes.isEmpty {
      stepTimes.sort()
      let median = stepTimes[stepTimes.count / 2]
      print("training step: \(Format.duration(median)) median (batch \(batchSize), forward + backward + Adam)")
      report.metrics.append(("training step (median)", Format.duration(median)))
    }
    if let last = history.points.last {
      print("ε-prediction loss: last \(every) steps \(fixed(last.train)); held-out batch \(fixed(last.test)) "
            + "(the untrained network, ε̂ = 0, scores 1)")
      report.metrics += [("loss, mean of the last \(every) steps", fixed(last.train)),
                         ("loss, 256 held-out images (fixed t and ε)", fixed(last.test))]
    }

    // 4. Which noise levels are hard ----------------------------------------------
    Console.section("4. The loss by noise level (256 held-out images at each t)")
    let byLevel = lossByLevel(model, images: testImages, schedule: noiseSchedule, rng: &twinRNG)
    for (t, loss) in byLevel { print("  t = \(String(t).leftPadded(5)): \(fixed(loss))") }
    print("small t: the noise is a faint speckle on a clear image, and telling which speckle is noise is hard;")
    print("large t: x_t is almost all noise, so ε ≈ x_t is an easy guess — what is hard there is the image")

    // 5. Sampling -----------------------------------------------------------------
    Console.section("5. Sampling: DDPM (\(T) steps) vs DDIM (\(ddimSteps) and 10 steps) from the same x_T")
    var sampleRNG = RNG(seed: seed, stream: 4)
    let start = Tensor.normal([Self.gridCount, 1, 28, 28], using: &sampleRNG)
    let recorder = ReverseRecorder(T: T)
    var ddpmRNG = RNG(seed: seed, stream: 6)
    let (ddpmImages, ddpmTime) = timed {
      ddpm(from: start, model: model, rng: &ddpmRNG, observe: recorder.observe)
    }
    print("DDPM, \(T) network calls: \(Format.duration(ddpmTime)) for \(Self.gridCount) images")
    var samplers = [("DDPM, \(T) steps", "samples-ddpm.png", ddpmImages, ddpmTime)]
    for count in [ddimSteps, min(10, T)] where !samplers.contains(where: { $0.1 == "samples-ddim\(count).png" }) {
      let (images, time) = timed { ddim(from: start, steps: count, model: model) }
      print("DDIM, \(count) network calls: \(Format.duration(time)) (\(String(format: "%.0f", ddpmTime / time))× faster than DDPM)")
      samplers.append(("DDIM, \(count) steps", "samples-ddim\(count).png", images, time))
    }
    for (name, file, images, time) in samplers {
      try PNG.writeGrid(images, columns: 8, range: .minusOneToOne, scale: 2, to: run.file(file))
      report.metrics.append(("\(name): time for \(Self.gridCount) images", Format.duration(time)))
    }
    try PNG.writeGrid(recorder.strip(rows: 8), columns: recorder.stripTimes.count, range: .minusOneToOne, scale: 2,
                      to: run.file("denoising.png"))
    try GIF.write(frames: recorder.frames, delays: recorder.delays, to: run.file("denoising.gif"))
    var samplesRNG = RNG(seed: seed, stream: 8)
    let samples = drawSamples(model, count: sampleCount, steps: ddimSteps, rng: &samplesRNG)
    try run.writeSamples(samples, model: "DDPM U-Net (weight average), DDIM \(ddimSteps) steps, images mapped from "
                         + "[−1, 1] to [0, 1]", seed: seed)

    Console.section("6. Pictures")
    var delays = [Int](repeating: 40, count: history.frames.count)
    if !delays.isEmpty { delays[delays.count - 1] = 300 }
    if !history.frames.isEmpty { try GIF.write(frames: history.frames, delays: delays, to: run.file("training.gif")) }
    try history.writeCurve(to: run.file("loss.svg"))
    try writeLevelCurve(byLevel, to: run.file("loss-by-t.svg"))
    print("wrote forward-process.png, denoising.png and denoising.gif (the reverse process), samples-ddpm.png, "
          + samplers.dropFirst().map(\.1).joined(separator: ", ") + ",")
    print("training.gif (\(Self.snapshotCount) fixed x_T, DDIM \(Self.snapshotSteps) steps, every \(every) training steps), "
          + "loss.svg, loss-by-t.svg, and \(RunFolder.samplesFile) (\(Format.count(sampleCount)) samples in [0, 1])")

    report.addFigure("forward-process.png", caption: "The forward process on six held-out images: columns t = 0, T/4, "
                     + "T/2, 3T/4, T (closed form). By T nothing of the image is left.")
    report.addFigure("denoising.png", caption: "The reverse process (DDPM): each row is one sample, x_T on the left, "
                     + "then t = " + recorder.stripTimes.dropFirst().map(String.init).joined(separator: ", ") + ".")
    report.addFigure("denoising.gif", caption: "The reverse process for all \(Self.gridCount) samples, every "
                     + "\(recorder.interval) steps.")
    for (name, file, _, time) in samplers {
      report.addFigure(file, caption: "\(name): \(Self.gridCount) samples from the same x_T in \(Format.duration(time)).")
    }
    report.addFigure("training.gif", caption: "Training: the same \(Self.snapshotCount) x_T sampled with DDIM "
                     + "(\(Self.snapshotSteps) steps) every \(every) steps.")
    report.addFigure("loss.svg", caption: "The ε-prediction loss: training (mean over \(every)-step windows) and 256 "
                     + "held-out images with fixed t and ε.")
    report.addFigure("loss-by-t.svg", caption: "The loss at each noise level t, on held-out images.")
    report.addLink("metrics.jsonl", text: "the metrics, one JSON object per line")
    try run.keepCheckpoint(resumedFrom: options.resume)
    report.addLink(RunFolder.checkpointFile, text: "the checkpoint (U-Net, its weight average, Adam, the noise generator)")
    report.addLink(RunFolder.samplesFile, text: "\(Format.count(sampleCount)) samples (safetensors, tensor 'samples', "
                   + "N×1×28×28 in [0, 1])")
    metrics.close()
    try report.finish(started: started)
  }

  /// Settings that shape the run come from the checkpoint unless a flag is given;
  /// a flag that contradicts it is an error.
  mutating func adopt(_ checkpoint: Checkpoint) throws {
    try checkpoint.adopt("seed", flag: "--seed", into: &options.seed)
    try checkpoint.adopt("schedule", flag: "--schedule", into: &schedule)
    try checkpoint.adopt("timesteps", flag: "--timesteps", into: &timesteps)
    try checkpoint.adopt("channels", flag: "--channels", into: &channels)
  }
}
