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
struct Lesson09: LessonCommand {
  static let lessonName = "lesson09-diffusionimages"
  static let abstract = "A tiny U-Net learns to remove noise from Fashion-MNIST images; DDPM and DDIM sampling; the forward and reverse processes."
  static let discussion = """
    Defaults: --steps \(defaultSteps), --batch-size \(defaultBatchSize), --lr \(defaultLearningRate) (Adam; samples \
    use the weights' moving average, decay 0.999), --min-snr 5 (the loss weighting), --every \(defaultEvery) (steps \
    between snapshots and checkpoints), --num-samples 1000 (drawn with DDIM, --ddim-steps network calls each, \
    --eta 1). The README's section 6 measures each choice.
    """

  @OptionGroup var options: LessonOptions

  @Option(help: "The noise schedule: linear (DDPM: β from 10⁻⁴ to 0.02) or cosine (improved DDPM).")
  var schedule: NoiseSchedule.Kind = .linear

  @Option(parsing: .unconditional, help: "T, the number of noising steps (and of DDPM's sampling steps); the linear schedule's β range is scaled by 1000/T.")
  var timesteps: Int = 1000

  @Option(parsing: .unconditional, help: "Channels of the U-Net at 28×28 (twice as many at 14×14 and 7×7); a multiple of 8.")
  var channels: Int = defaultChannels

  @Option(parsing: .unconditional, help: "Steps over which the learning rate warms up linearly (0: none).")
  var warmup: Int = 0

  @Option(parsing: .unconditional, help: "Largest global gradient norm; larger gradients are scaled down (0: no clipping).")
  var clipNorm: Float = 0

  @Option(parsing: .unconditional, help: "Min-SNR-γ loss weighting: image i's error weighted by min(SNR_t, γ)/SNR_t (0: all 1).")
  var minSnr: Float = 5

  @Option(parsing: .unconditional, help: "Decay of the weights' moving average that sampling uses.")
  var averageDecay: Float = 0.999

  @Option(parsing: .unconditional, help: "DDIM's noise η for the samples: 0 deterministic, 1 DDPM-like (fresh noise at every step).")
  var eta: Double = 1

  @Option(parsing: .unconditional, help: "Network calls of the DDIM sampler (≤ T); the lesson also shows DDIM with 10.")
  var ddimSteps: Int = 50

  static let defaultSteps = 1800, defaultBatchSize = 32, defaultEvery = 200, defaultChannels = 32
  static let defaultLearningRate: Float = 1e-3
  /// Images in the DDPM/DDIM comparison grids and in the training snapshots.
  static let gridCount = 32, snapshotCount = 16, snapshotSteps = 20

  mutating func validate() throws {
    // Below 50 the scaled linear schedule's β_T = 0.02·1000/T would pass 0.4.
    if timesteps < 50 || timesteps > 10_000 { throw ValidationError("--timesteps must be in 50…10000, got \(timesteps)") }
    if channels < 8 || channels > 256 || channels % 8 != 0 {
      throw ValidationError("--channels must be a multiple of 8 in 8…256 (GroupNorm uses 8 groups), got \(channels)")
    }
    if warmup < 0 { throw ValidationError("--warmup must be ≥ 0 steps, got \(warmup)") }
    if !(clipNorm >= 0) || !clipNorm.isFinite { throw ValidationError("--clip-norm must be ≥ 0 (0: off), got \(clipNorm)") }
    if !(minSnr >= 0) || !minSnr.isFinite { throw ValidationError("--min-snr must be ≥ 0 (0: off), got \(minSnr)") }
    if !(averageDecay >= 0 && averageDecay < 1) { throw ValidationError("--average-decay must be in [0, 1), got \(averageDecay)") }
    if !(eta >= 0 && eta <= 1) { throw ValidationError("--eta must be in 0…1, got \(eta)") }
    if ddimSteps < 1 || ddimSteps > timesteps {
      throw ValidationError("--ddim-steps must be in 1…--timesteps (\(timesteps)), got \(ddimSteps)")
    }
  }

  mutating func run() throws {
    var settings = try RunSettings(lesson: Self.lessonName, options: &options, counting: .steps)
    try settings.declare(&schedule, flag: "--schedule")
    try settings.declare(&timesteps, flag: "--timesteps", label: "T (--timesteps)")
    try settings.declare(&channels, flag: "--channels")
    try settings.declare(&warmup, flag: "--warmup")
    try settings.declare(&clipNorm, flag: "--clip-norm")
    try settings.declare(&minSnr, flag: "--min-snr")
    try settings.declare(&averageDecay, flag: "--average-decay")
    let steps = try settings.steps(options, default: Self.defaultSteps)
    let batchSize = try settings.batchSize(options, default: Self.defaultBatchSize)
    let learningRate = try settings.learningRate(options, default: Self.defaultLearningRate, label: "lr (Adam)")
    let every = try settings.every(options, default: Self.defaultEvery)
    guard ddimSteps <= timesteps else {
      throw ValidationError("--ddim-steps must be in 1…--timesteps (\(timesteps), the checkpoint's), got \(ddimSteps)")
    }
    settings.show("ddim-steps", String(ddimSteps))
    settings.show("eta", String(eta))
    settings.show("num-samples", String(options.numSamples))

    Console.section("1. Data: Fashion-MNIST, scaled to [−1, 1]")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let images = data.train.images.map { 2 * $0 - 1 }
    let testImages = data.test.images.map { 2 * $0 - 1 }
    guard images.shape[0] >= batchSize else {
      throw ValidationError("--batch-size \(batchSize) is larger than the \(images.shape[0]) training images")
    }
    let noiseSchedule = schedule == .linear ? NoiseSchedule.scaledLinear(steps: timesteps) : .cosine(steps: timesteps)
    let run = try TrainingRun(settings, title: "Lesson 09 — Diffusion on images", options: options,
                              dataset: data.description)

    var twinRNG = RNG(seed: options.seed, stream: 5)
    try forwardProcess(testImages, schedule: noiseSchedule, rng: &twinRNG, run: run)
    let (model, history, frames) = try train(images, testImages, schedule: noiseSchedule, steps: steps,
                                             batchSize: batchSize, learningRate: learningRate, every: every, run: run)
    let byLevel = lossByNoiseLevel(model, testImages, rng: &twinRNG)
    let sampleFiles = try sample(model, run: run)
    try drawTraining(history, frames, byLevel, sampleFiles: sampleFiles, every: every, run: run)
    try run.finish()
  }

  /// The schedule's β and ᾱ_t, the two noising twins compared (`compareNoisingTwins`), and six
  /// held-out images noised to t = 0, T/4, T/2, 3T/4, T, in rows (`forward-process.png`).
  func forwardProcess(_ testImages: Tensor, schedule noiseSchedule: NoiseSchedule, rng twinRNG: inout RNG,
                      run: TrainingRun) throws {
    Console.section("2. The forward process: t single steps (the reference) vs one jump (the closed form)")
    let T = timesteps
    print("\(schedule.rawValue) schedule, T = \(T): β₁ = \(sci(noiseSchedule.beta(1))), β_T = \(sci(noiseSchedule.beta(T))); "
          + "ᾱ_t at t = T/4, T/2, 3T/4, T: "
          + [T / 4, T / 2, 3 * T / 4, T].map { sci(noiseSchedule.alphaBar($0)) }.joined(separator: ", "))
    run.report.metrics += compareNoisingTwins(testImages, schedule: noiseSchedule, rng: &twinRNG)
    let levels = [0, T / 4, T / 2, 3 * T / 4, T]
    let items = (0..<6).flatMap { [Int](repeating: $0, count: levels.count) }, timesteps = (0..<6).flatMap { _ in levels }
    let strip = DiffusionNoising.noise(testImages.slice(0..<6).gather(items), timesteps: timesteps, schedule: noiseSchedule,
                                       rng: &twinRNG).noisy
    try PNG.writeGrid(strip, columns: 5, range: .minusOneToOne, scale: 2, to: run.folder.file("forward-process.png"))
    run.report.addFigure("forward-process.png", caption: "The forward process on six held-out images: columns t = 0, T/4, "
                         + "T/2, 3T/4, T (closed form). By T nothing of the image is left.")
  }

  /// Trains the U-Net to predict ε (`DenoisingDiffusion.step`): every `every` steps the held-out loss of
  /// the weight average, a DDIM snapshot from fixed x_T and a checkpoint. Returns the model and both records.
  func train(_ images: Tensor, _ testImages: Tensor, schedule noiseSchedule: NoiseSchedule, steps: Int, batchSize: Int,
             learningRate: Float, every: Int, run: TrainingRun) throws -> (DenoisingDiffusion, History, Snapshots) {
    Console.section("3. Training: predict the noise ε in x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε for a random t per image")
    let seed = options.seed
    var initRNG = RNG(seed: seed, stream: 1)
    let recipe = DenoisingDiffusion.Recipe(warmupSteps: warmup, gradientClip: clipNorm > 0 ? clipNorm : nil,
                                           minSNR: minSnr > 0 ? minSnr : nil)
    let model = DenoisingDiffusion(schedule: noiseSchedule, baseChannels: channels, learningRate: learningRate,
                                   averageDecay: averageDecay, recipe: recipe, implementation: options.impl, rng: &initRNG)
    print("U-Net: 1×28×28 → \(channels)×28×28 → \(2 * channels)×14×14 → \(2 * channels)×7×7 → back up with skips; "
          + "t enters every block; \(Format.count(model.parameterCount)) parameters")
    print("Adam lr \(learningRate)" + (warmup > 0 ? " (warm-up \(warmup) steps)" : "") + "; batch \(batchSize); \(steps) steps; "
          + "loss " + (minSnr > 0 ? "weighted min(SNR, \(Format.fixed(Double(minSnr), digits: 1)))/SNR" : "unweighted")
          + (clipNorm > 0 ? "; gradients clipped to norm \(clipNorm)" : "")
          + "; twins: \(options.impl.rawValue); \(Format.threads(Parallel.threadCount))")
    var fixedRNG = RNG(seed: seed, stream: 2)
    let snapshotNoise = Tensor.normal([Self.snapshotCount, 1, 28, 28], using: &fixedRNG)
    let evaluation = EvaluationBatch(testImages, count: 256, schedule: noiseSchedule, rng: &fixedRNG)
    let noise = RandomStream(seed: seed, stream: 3)
    run.keep(model.network, as: "unet")
    run.keep(model.average, as: "average", guarded: false)
    run.keep(model.optimizer, as: "unet")
    run.keep(noise, as: "noise")
    run.keep("average.updates", save: { String(model.average.updates) }, restore: { text in
      guard let count = Int(text) else { throw ValidationError("average.updates is not a count: \(text)") }
      model.average.restoreUpdates(count)
    })
    try run.restore()
    var history = History(try run.carryOverMetrics())
    let frames = Snapshots(run.folder) { String(format: "snapshot-%05d.png", $0) }
    try frames.carryOver(from: run.resumed)
    var batches = StepBatches(itemCount: images.shape[0], batchSize: batchSize, seed: seed)
    var loop = run.loop(label: "U-Net", total: steps)
    loop.every(every, name: "record") { step, window in
      let point = (step: step, train: window.mean("loss"), test: evaluation.loss(model))
      history.points.append(point)
      try run.metrics.log(step: step, epoch: batches.epoch(step: step) + 1, ["loss": point.train, "test_loss": point.test])
      try frames.add(Image(grid: snapshot(model, noise: snapshotNoise), columns: 8, range: .minusOneToOne, scale: 2),
                     at: step)
    }
    try run.train(&loop, checkpointEvery: every, epoch: { batches.epoch(step: $0) }) { step in
      [("loss", model.step(images.gather(batches.indices(step: step)), rng: &noise.rng).loss)]
    }
    run.report.metrics.append(("parameters", Format.count(model.parameterCount)))
    if let last = history.points.last {
      print("ε-prediction loss: last \(every) steps \(Format.fixed(last.train)); held-out batch \(Format.fixed(last.test)) "
            + "(the untrained network, ε̂ = 0, scores 1)")
      run.report.metrics += [("loss, mean of the last \(every) steps", Format.fixed(last.train)),
                             ("loss, 256 held-out images (fixed t and ε)", Format.fixed(last.test))]
    }
    return (model, history, frames)
  }

  /// The held-out loss at a ladder of noise levels (256 images, all at the same t each time),
  /// printed and returned for the curve.
  func lossByNoiseLevel(_ model: DenoisingDiffusion, _ testImages: Tensor, rng: inout RNG) -> [(t: Int, loss: Double)] {
    Console.section("4. The loss by noise level (256 held-out images at each t)")
    let T = timesteps
    let levels = Array(Set([1, T / 100, T / 20, T / 10, T / 4, T / 2, 3 * T / 4, T].map { max(1, $0) })).sorted()
    let clean = testImages.slice(0..<min(256, testImages.shape[0]))
    let byLevel = levels.map { t in
      (t: t, loss: EvaluationBatch(clean, timesteps: [Int](repeating: t, count: clean.shape[0]), schedule: model.schedule,
                                   rng: &rng).loss(model))
    }
    for (t, loss) in byLevel { print("  t = \(String(t).leftPadded(5)): \(Format.fixed(loss))") }
    print("small t: the noise is a faint speckle on a clear image, and telling which speckle is noise is hard;")
    print("large t: x_t is almost all noise, so ε ≈ x_t is an easy guess — what is hard there is the image")
    return byLevel
  }

  /// DDPM (T steps, the reverse process recorded) and DDIM (`--ddim-steps`, 10) from the same x_T, timed;
  /// their grids, the reverse process drawn, `--num-samples` samples. Returns the DDIM grids' file names.
  func sample(_ model: DenoisingDiffusion, run: TrainingRun) throws -> [String] {
    let (T, seed, file) = (timesteps, options.seed, run.folder.file)
    Console.section("5. Sampling: DDPM (\(T) steps) vs DDIM (\(ddimSteps) and 10 steps) from the same x_T")
    var sampleRNG = RNG(seed: seed, stream: 4)
    let start = Tensor.normal([Self.gridCount, 1, 28, 28], using: &sampleRNG)
    let recorder = ReverseRecorder(T: T)
    var ddpmRNG = RNG(seed: seed, stream: 6)
    let (ddpmImages, ddpmTime) = Timing.timed {
      ddpm(from: start, model: model, rng: &ddpmRNG, observe: recorder.observe)
    }
    print("DDPM, \(T) network calls: \(Format.duration(ddpmTime)) for \(Self.gridCount) images")
    var samplers = [("DDPM, \(T) steps", "samples-ddpm.png", ddpmImages, ddpmTime)]
    var etaRNG = RNG(seed: seed, stream: 9)
    for count in [ddimSteps, min(10, T)] where !samplers.contains(where: { $0.1 == "samples-ddim\(count).png" }) {
      let (images, time) = Timing.timed { ddim(from: start, steps: count, eta: eta, model: model, rng: &etaRNG) }
      print("DDIM, \(count) network calls: \(Format.duration(time)) (\(String(format: "%.0f", ddpmTime / time))× faster than DDPM)")
      samplers.append(("DDIM, \(count) steps", "samples-ddim\(count).png", images, time))
    }
    try PNG.writeGrid(recorder.strip(rows: 8), columns: recorder.stripTimes.count, range: .minusOneToOne, scale: 2,
                      to: file("denoising.png"))
    try GIF.write(frames: recorder.frames, delays: recorder.delays, to: file("denoising.gif"))
    run.report.addFigure("denoising.png", caption: "The reverse process (DDPM): each row is one sample, x_T on the left, "
                         + "then t = " + recorder.stripTimes.dropFirst().map(String.init).joined(separator: ", ") + ".")
    run.report.addFigure("denoising.gif", caption: "The reverse process for all \(Self.gridCount) samples, every "
                         + "\(recorder.interval) steps.")
    for (name, samplesFile, images, time) in samplers {
      try PNG.writeGrid(images, columns: 8, range: .minusOneToOne, scale: 2, to: file(samplesFile))
      run.report.metrics.append(("\(name): time for \(Self.gridCount) images", Format.duration(time)))
      run.report.addFigure(samplesFile, caption: "\(name): \(Self.gridCount) samples from the same x_T in \(Format.duration(time)).")
    }
    var samplesRNG = RNG(seed: seed, stream: 8)
    try run.writeSamples(drawSamples(model, count: options.numSamples, steps: ddimSteps, eta: eta, rng: &samplesRNG),
                         model: "DDPM U-Net (weight average), DDIM \(ddimSteps) steps, η \(eta), images mapped from [−1, 1] to [0, 1]")
    return samplers.dropFirst().map(\.1)
  }

  /// The training animation and the two loss curves (over training, and by noise level), and
  /// where every picture of the lesson is.
  func drawTraining(_ history: History, _ frames: Snapshots, _ byLevel: [(t: Int, loss: Double)], sampleFiles: [String],
                    every: Int, run: TrainingRun) throws {
    Console.section("6. Pictures")
    if try frames.writeAnimation("training.gif", delay: 40) {
      run.report.addFigure("training.gif", caption: "Training: the same \(Self.snapshotCount) x_T sampled with DDIM "
                           + "(\(Self.snapshotSteps) steps) every \(every) steps.")
    }
    try history.writeCurve(to: run.folder.file("loss.svg"))
    var plot = LinePlot(title: "Which noise levels are hard", xLabel: "t", yLabel: "ε-prediction loss (held out)", logY: true)
    plot.add("loss at t", x: byLevel.map { Double($0.t) }, y: byLevel.map(\.loss))
    try plot.write(to: run.folder.file("loss-by-t.svg"))
    print("wrote forward-process.png, denoising.png and denoising.gif (the reverse process), samples-ddpm.png, "
          + sampleFiles.joined(separator: ", ") + ",")
    print("training.gif (\(Self.snapshotCount) fixed x_T, DDIM \(Self.snapshotSteps) steps, every \(every) training steps), "
          + "loss.svg, loss-by-t.svg, and \(RunFolder.samplesFile) (\(Format.count(options.numSamples)) samples in [0, 1])")
    run.report.addFigure("loss.svg", caption: "The ε-prediction loss: training (mean over \(every)-step windows) and 256 "
                         + "held-out images with fixed t and ε.")
    run.report.addFigure("loss-by-t.svg", caption: "The loss at each noise level t, on held-out images.")
  }
}
