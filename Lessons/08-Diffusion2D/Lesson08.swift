// Lesson 08 — Diffusion on 2-D data.
//
// The forward process adds Gaussian noise to the data step by step until nothing but
// noise is left; a network learns to predict the noise in a noisy point; the reverse
// process starts from pure noise and removes the predicted noise step by step until
// points of the data appear. On a swiss roll everything can be seen: the roll dissolving
// into a Gaussian, the points flowing back onto it, and how much worse (or not) DDIM's
// 10 steps are than DDPM's 1,000. Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson08: LessonCommand {
  static let lessonName = "lesson08-diffusion2d"
  static let abstract = "Diffusion on a swiss roll (or 8 Gaussians): the forward process, ε-prediction, DDPM's reverse process, DDIM's shortcut."
  static let discussion = """
    Defaults: --steps 16000, --batch-size 512, --lr 2e-3 (Adam, falling linearly to 0), --every 1000 (steps between \
    snapshots and checkpoints), --num-samples 2000 (points each sampler generates, scored against as many held-out \
    points), T = 1000 with DDPM's linear schedule.
    """

  @OptionGroup var options: LessonOptions

  @Option(help: "The data: swiss-roll or eight-gaussians (radius 2, σ 0.02).")
  var dataset: Dataset = .swissRoll

  @Option(help: "The noise schedule β_t: linear (DDPM, 1e-4 to 0.02) or cosine (improved DDPM).")
  var schedule: NoiseSchedule.Kind = .linear

  @Option(parsing: .unconditional, help: "T, the number of noising steps (and of DDPM's sampling steps); the linear schedule's β range is scaled by 1000/T.")
  var timesteps: Int = 1000

  @Option(parsing: .unconditional, help: "Width of the three hidden layers.")
  var hidden: Int = 128

  @Option(parsing: .unconditional, help: "Dimensions of the sinusoidal time embedding (even).")
  var embedding: Int = 32

  @Option(parsing: .upToNextOption, help: "DDIM's step counts to compare with DDPM (each ≤ T).")
  var ddimSteps: [Int] = [100, 50, 20, 10]

  static let defaultSteps = 16000, defaultBatchSize = 512, defaultEvery = 1000, defaultSampleCount = 2000
  static let defaultLearningRate: Float = 2e-3
  /// Every sampler clips its guess x̂_0 = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t to ±3 in the network's coordinates
  /// (the data lies within ±2.2), as DDPM's code clips images to [−1, 1]. Near t = T, √ᾱ_t is tiny
  /// (cosine schedule: ᾱ_T = 2.4e-9) and divides any error of ε̂ into a point far off the plane; DDIM
  /// then carries it along. With the linear schedule it changes D² in the third digit; without it,
  /// DDIM on the cosine schedule scores 70–680× the floor. Set it to nil to see.
  static let clip: ClosedRange<Float>? = -3...3

  mutating func validate() throws {
    // Below 50 the scaled linear schedule's β_T = 0.02·1000/T would pass 0.4 (at T = 20 it is 1: x_T forgets x_(T−1) outright).
    if timesteps < 50 || timesteps > 10_000 { throw ValidationError("--timesteps must be in 50…10000, got \(timesteps)") }
    if hidden < 1 || hidden > 4096 { throw ValidationError("--hidden must be in 1…4096, got \(hidden)") }
    if embedding < 2 || embedding > 1024 || embedding % 2 != 0 {
      throw ValidationError("--embedding must be even and in 2…1024, got \(embedding)")
    }
    if ddimSteps.isEmpty { throw ValidationError("--ddim-steps needs at least one step count") }
  }

  mutating func run() throws {
    // The training matrices (512×34 · 34×128, 512×128 · 128×128) are too small for a second
    // thread to pay for its start-up: one thread trains faster (1.4 ms a step against 2.4 ms
    // with two on Zen 4). Sampling 2,000 points at once gains from a second core only on an
    // otherwise idle machine (DDPM 1.3 s against 2.1 s), and loses when another process holds
    // a core (3.8 s): one thread throughout, unless --threads says otherwise. (The numbers are
    // the same for any thread count.)
    if options.threads == nil { Parallel.threadCount = 1 }
    var settings = try RunSettings(lesson: Self.lessonName, options: &options, counting: .steps)
    try settings.declare(&dataset, flag: "--dataset", shown: { $0.title })
    try settings.declare(&schedule, flag: "--schedule")
    try settings.declare(&timesteps, flag: "--timesteps", label: "T (--timesteps)")
    try settings.declare(&hidden, flag: "--hidden", label: "hidden (three layers)")
    try settings.declare(&embedding, flag: "--embedding", label: "embedding (sinusoidal)")
    let steps = try settings.steps(options, default: Self.defaultSteps)
    let batchSize = try settings.batchSize(options, default: Self.defaultBatchSize)
    let learningRate = try settings.learningRate(options, default: Self.defaultLearningRate,
                                                 label: "lr (Adam, falling linearly to 0)")
    let every = try settings.every(options, default: Self.defaultEvery)
    // T may come from the checkpoint, so DDIM's step counts are checked here: given ones must
    // lie in 1…T; of the defaults, those above T are dropped (T itself is then the largest).
    if LessonOptions.isGiven("--ddim-steps") {
      if let bad = ddimSteps.first(where: { $0 < 1 || $0 > timesteps }) {
        throw ValidationError("--ddim-steps: \(bad) is not in 1…\(timesteps) (T)")
      }
    } else if ddimSteps.contains(where: { $0 > timesteps }) {
      ddimSteps = [timesteps] + ddimSteps.filter { $0 < timesteps }
    }
    let sampleCount = options.numSamples(lessonDefault: Self.defaultSampleCount)
    settings.show("num-samples", String(sampleCount))
    settings.show("DDIM steps", ddimSteps.map(String.init).joined(separator: ", "))
    // The linear schedule's β range (DDPM's 1e-4 … 0.02, made for T = 1000) is scaled by
    // 1000/T, as improved-diffusion does, so that ᾱ_T stays ≈ 4e-5 for any T: x_T is noise.
    let noiseSchedule = schedule == .linear ? NoiseSchedule.scaledLinear(steps: timesteps) : .cosine(steps: timesteps)

    Console.section("1. Data: \(dataset.title)")
    let run = try TrainingRun(settings, title: "Lesson 08 — Diffusion on 2-D data", options: options,
                              dataset: dataset.title + "; \(Format.count(sampleCount)) + \(Format.count(sampleCount)) held-out points")
    print("training points are drawn fresh every step (batch s from its own seed (seed, s), so resuming is exact);")
    print("the network sees x / \(Format.number(dataset.scale)) (the root mean square of a coordinate), so data and noise "
          + "have the same scale")
    let heldOut = dataset.heldOut(count: sampleCount, seed: options.seed &+ 0x4E1D)
    print("held out: \(Format.count(sampleCount)) points to score samples against, never trained on "
          + "(and 5 more pairs of sets to measure the floor)")
    print("schedule: \(schedule.rawValue), T = \(timesteps): β_1 = \(sci(noiseSchedule.beta(1))), "
          + "β_T = \(sci(noiseSchedule.beta(timesteps))), ᾱ_T = \(sci(noiseSchedule.alphaBar(timesteps))) "
          + "(what is left of the data at t = T: √ᾱ_T = \(sci(noiseSchedule.alphaBar(timesteps).squareRoot())))")

    let lab = Trainer(dataset: dataset, schedule: noiseSchedule, hidden: hidden, embedding: embedding, seed: options.seed,
                      batchSize: batchSize, learningRate: learningRate, steps: steps, implementation: options.impl)
    checkNoisingTwins(dataset: dataset, schedule: noiseSchedule, seed: options.seed, trainingBatch: lab.batch(step: 1), run: run)
    let snapshots = try train(lab, every: every, run: run)
    let (samplers, trajectory) = try sample(lab, heldOut: heldOut, run: run)
    try drawPictures(lab, snapshots, samplers, trajectory: trajectory, heldOut: heldOut, run: run)
    try run.finish()
  }

  /// Trains ε̂(x_t, t) (`Trainer.step`): every `Trainer.evaluationInterval` steps the loss on a fixed
  /// batch, every `every` steps a DDIM snapshot, its energy distance and a checkpoint. Returns the snapshots.
  func train(_ lab: Trainer, every: Int, run: TrainingRun) throws -> Snapshots {
    Console.section("3. Training the noise predictor ε̂(x_t, t)")
    print("network: [x_t, emb(t)] (2 + \(embedding)) → \(hidden) → \(hidden) → \(hidden) → 2 (ReLU), "
          + "\(Format.count(lab.denoiser.network.parameterCount)) parameters; emb(t) is sinusoidal, \(embedding) dims")
    print("loss: mean ‖ε − ε̂(√ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, t)‖² with t ~ Uniform{1…\(timesteps)}, ε ~ 𝒩(0, I)")
    print("\(lab.steps) steps of batch \(lab.batchSize), Adam lr \(Format.number(lab.learningRate)) falling linearly to 0; "
          + "every \(Trainer.evaluationInterval) steps the loss on a fixed batch, every \(every) a snapshot "
          + "(DDIM-\(Trainer.snapshotSamplerSteps), \(Format.count(Trainer.snapshotCount)) points), its energy distance, "
          + "and a checkpoint")
    run.keep(lab.denoiser.network, as: "denoiser")
    run.keep(lab.denoiser.optimizer, as: "denoiser")
    try run.restore()
    lab.carryOver(try run.carryOverMetrics())
    let snapshots = Snapshots(run.folder) { String(format: "snapshot-%05d.png", $0) }
    try snapshots.carryOver(from: run.resumed)
    var loop = run.loop(label: "training", total: lab.steps)
    loop.beforeStep = lab.scheduleLearningRate
    loop.every(every, name: "snapshot", atStart: true) { step, _ in try snapshots.add(lab.snapshotPanel(step: step), at: step) }
    loop.every(Trainer.evaluationInterval, every, name: "record", atStart: true) { step, window in
      try run.metrics.log(step: step, lab.record(step: step, trainLoss: window.mean("loss")))
    }
    try run.train(&loop, checkpointEvery: every) { step in [("loss", lab.step(step))] }
    if let last = lab.history.last {
      print("final loss: fixed evaluation batch \(Format.number(Float(last.evaluationLoss))) per coordinate "
            + "(1 would be predicting ε̂ = 0; the data's own randomness keeps it well above 0)")
      run.report.metrics.append(("final evaluation loss (per coordinate)", Format.number(Float(last.evaluationLoss))))
    }
    return snapshots
  }

  /// DDPM with T steps and DDIM with each `--ddim-steps` from the same x_T, timed; the energy distance
  /// D² of each to the held-out points beside the floor (two held-out sets); the samples written.
  /// Returns the samplers, DDPM first, and DDPM's x_t (network coordinates) at the t the pictures show.
  func sample(_ lab: Trainer, heldOut: (points: Tensor, positions: [Float]),
              run: TrainingRun) throws -> (samplers: [Sampler], trajectory: [Int: Tensor]) {
    Console.section("4. Sampling: DDPM with T = \(timesteps) steps, DDIM with \(ddimSteps.map(String.init).joined(separator: ", "))")
    let (seed, scale, sampleCount, noiseSchedule) = (options.seed, dataset.scale, heldOut.points.shape[0], lab.schedule)
    let predict: NoisePredictor = { noisy, timesteps in lab.denoiser.predictNoise(noisy, timesteps: timesteps) }
    print("every sampler starts from the same x_T (\(Format.count(sampleCount)) points) and clips its guess x̂_0 to "
          + "±\(String(format: "%g", Self.clip?.upperBound ?? .infinity)) (network coordinates; the data lies within ±2.2)")
    // Every sampler starts from the same x_T (the same stream, its first draws), and is timed.
    func timed(_ name: String, _ calls: Int, _ draw: (inout RNG) -> Tensor) -> Sampler {
      var rng = RNG(seed: seed, stream: 20)
      let start = Timing.now()
      let points = draw(&rng) * scale
      return (name, calls, Timing.now() - start, points)
    }
    let (stripTimes, frameTimes) = pictureTimes(noiseSchedule)
    var trajectory: [Int: Tensor] = [:]
    let samplers = [timed("DDPM", timesteps) { rng in
      DiffusionNoising.sampleDDPM(shape: [sampleCount, 2], schedule: noiseSchedule, clip: Self.clip, rng: &rng,
                                  observe: { t, x in if frameTimes.contains(t) || stripTimes.contains(t) { trajectory[t] = x } },
                                  predictNoise: predict)
    }] + ddimSteps.map { count in
      timed("DDIM", count) { rng in
        DiffusionNoising.sampleDDIM(shape: [sampleCount, 2], steps: count, schedule: noiseSchedule, clip: Self.clip, rng: &rng,
                                    predictNoise: predict)
      }
    }
    // The floor: what two samples of the data itself score, over 5 pairs of fresh held-out sets.
    let floors = (0..<5).map { k in
      SampleDistance.energyDistance(dataset.heldOut(count: sampleCount, seed: seed &+ 0x4E20 &+ UInt64(2 * k)).points,
                                    dataset.heldOut(count: sampleCount, seed: seed &+ 0x4E21 &+ UInt64(2 * k)).points)
    }
    let floor = floors.reduce(0, +) / Double(floors.count)
    print("energy distance D² = 2·E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖ between \(Format.count(sampleCount)) generated and "
          + "\(Format.count(sampleCount)) held-out points (data units, all pairs; 0 only for equal distributions):")
    print("  sampler    steps (network calls)        time         D²   D² / floor")
    for sampler in samplers {
      let distance = SampleDistance.energyDistance(sampler.points, heldOut.points)
      print("  " + sampler.name.padding(toLength: 7, withPad: " ", startingAt: 0) + String(sampler.calls).leftPadded(25)
            + Format.duration(sampler.seconds).leftPadded(12) + sci(distance).leftPadded(11)
            + String(format: "%.1f", distance / floor).leftPadded(13))
      run.report.metrics.append(("D²: \(sampler.name), \(sampler.calls) steps (\(Format.duration(sampler.seconds)))",
                             String(format: "%.2e (%.1f× the floor)", distance, distance / floor)))
    }
    let pairs = floors.map { sci($0) }.joined(separator: ", ")
    print("  floor: two held-out sets (mean of 5 pairs)  " + sci(floor).leftPadded(11) + "1".leftPadded(13)
          + "   (the 5 pairs: \(pairs))")
    print("with \(Format.count(sampleCount)) points a D² within the floor's range (\(sci(floors.min()!)) … "
          + "\(sci(floors.max()!))) cannot be told from held-out data; --num-samples 5000 narrows it")
    run.report.metrics.append(("D²: two held-out sets (the floor, mean of 5 pairs)", "\(sci(floor)) (\(pairs))"))
    if let nonFinite = samplers.first(where: { !$0.points.isFinite }) {
      print("warning: \(nonFinite.name) with \(nonFinite.calls) steps produced non-finite points")
    }

    var samples: [(name: String, tensor: Tensor)] = [("samples", samplers[0].points)]
    for sampler in samplers.dropFirst() { samples.append(("ddim_\(sampler.calls)", sampler.points)) }
    samples.append(("held_out", heldOut.points))
    try SafeTensors.write(samples, metadata: ["lesson": Self.lessonName, "seed": String(seed), "layout": "N×2",
                                              "coordinates": "data", "samples": "DDPM, T = \(timesteps)"],
                          to: run.folder.file(RunFolder.samplesFile))
    return (samplers, trajectory)
  }
}

/// 1.23e-04.
func sci(_ value: Double) -> String { String(format: "%.2e", value) }

/// A sampler's name, its network calls, its wall time and its points (data coordinates).
typealias Sampler = (name: String, calls: Int, seconds: Double, points: Tensor)

/// For each level of the noise's share √(1 − ᾱ_t) of x_t, the first t that reaches it
/// (0 for level 0, T when no t reaches it), without repeats, ascending.
func noiseTimes(_ levels: [Double], schedule: NoiseSchedule) -> [Int] {
  Set(levels.map { level in
    level <= 0 ? 0 : ((1...schedule.steps).first { (1 - schedule.alphaBar($0)).squareRoot() >= level } ?? schedule.steps)
  }).sorted()
}

/// The t the pictures show: the strips where the noise's share √(1 − ᾱ_t) of x_t has grown to 0,
/// 0.1, …, 0.9, and T (T first); the GIF where it has grown by steps of 0.02: even steps of what
/// can be seen, whatever the schedule.
func pictureTimes(_ schedule: NoiseSchedule) -> (strip: [Int], frames: Set<Int>) {
  (Array(noiseTimes((0...10).map { Double($0) / 10 }, schedule: schedule).reversed()),
   Set(noiseTimes((0...50).map { Double($0) / 50 }, schedule: schedule)))
}

/// Section 2: runs both twins of the forward process on the same data, compares their means
/// and variances with each other and with theory at a few t, and times each at t = T and on a
/// training batch.
func checkNoisingTwins(dataset: Dataset, schedule: NoiseSchedule, seed: UInt64,
                       trainingBatch: (clean: Tensor, timesteps: [Int], noise: Tensor), run: TrainingRun) {
  Console.section("2. The forward process: the t-step chain vs the closed form")
  let count = 10_000
  let clean = dataset.sample(count: count, seed: seed &+ 0x7717) / dataset.scale
  let T = schedule.steps
  func moments(_ x: Tensor) -> (mean: [Double], variance: [Double]) {
    var mean = [0.0, 0.0], square = [0.0, 0.0]
    for n in 0..<x.shape[0] {
      for k in 0..<2 { let v = Double(x.data[2 * n + k]); mean[k] += v; square[k] += v * v }
    }
    let n = Double(x.shape[0])
    return (mean.map { $0 / n }, (0..<2).map { square[$0] / n - (mean[$0] / n) * (mean[$0] / n) })
  }
  let data = moments(clean)
  print("\(Format.count(count)) data points (network coordinates) noised to x_t twice: by the chain of t single steps "
        + "x_s = √(1 − β_s)·x_(s−1) + √β_s·ε_s (reference)")
  print("and by the closed form x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (one jump). Theory: mean √ᾱ_t·E x_0, variance "
        + "ᾱ_t·Var x_0 + 1 − ᾱ_t. (x, y) coordinates:")
  print("      t       ᾱ_t   mean: chain        closed          theory       variance: chain    closed         theory")
  var worst = 0.0
  for t in Array(Set([1, T / 10, T / 4, T / 2, T])).sorted() where t >= 1 {
    var chainRNG = RNG(seed: seed, stream: 71), closedRNG = RNG(seed: seed, stream: 72)
    let timesteps = [Int](repeating: t, count: count)
    let chain = moments(DiffusionNoising.noiseReference(clean, timesteps: timesteps, schedule: schedule, rng: &chainRNG).noisy)
    let closed = moments(DiffusionNoising.noise(clean, timesteps: timesteps, schedule: schedule, rng: &closedRNG).noisy)
    let alphaBar = schedule.alphaBar(t)
    let theoryMean = data.mean.map { alphaBar.squareRoot() * $0 }
    let theoryVariance = data.variance.map { alphaBar * $0 + 1 - alphaBar }
    for k in 0..<2 {
      // Standard errors of a difference of two independent means / variances (Gaussian approximation).
      let meanError = ((chain.variance[k] + closed.variance[k]) / Double(count)).squareRoot()
      let varianceError = (2 * (chain.variance[k] * chain.variance[k] + closed.variance[k] * closed.variance[k])
                           / Double(count - 1)).squareRoot()
      worst = max(worst, abs(chain.mean[k] - closed.mean[k]) / meanError,
                  abs(chain.variance[k] - closed.variance[k]) / varianceError)
    }
    func pair(_ v: [Double]) -> String { String(format: "(%6.3f, %6.3f)", v[0], v[1]) }
    print(String(format: "  %5d  %8.5f   %@ %@ %@   %@ %@ %@", t, alphaBar, pair(chain.mean), pair(closed.mean),
                 pair(theoryMean), pair(chain.variance), pair(closed.variance), pair(theoryVariance)))
  }
  print(String(format: "chain vs closed form: the largest difference is %.1f standard errors (of 20 numbers; "
               + "beyond 4 would be a bug)", worst))

  let full = [Int](repeating: T, count: count)
  let chainTime = Timing.measure(warmup: 0, minRepeats: 2, minSeconds: 0) {
    var rng = RNG(seed: seed, stream: 73)
    _ = DiffusionNoising.noiseReference(clean, timesteps: full, schedule: schedule, rng: &rng)
  }.median
  let closedTime = Timing.measure {
    var rng = RNG(seed: seed, stream: 74)
    _ = DiffusionNoising.noise(clean, timesteps: full, schedule: schedule, rng: &rng)
  }.median
  print("time for \(Format.count(count)) points at t = T = \(T): chain \(Format.duration(chainTime)), closed form "
        + "\(Format.duration(closedTime)), speed-up \(String(format: "%.0f", chainTime / closedTime))×")
  let batchSize = trainingBatch.clean.shape[0]
  let batchChain = Timing.measure(warmup: 0, minRepeats: 3, minSeconds: 0) {
    var rng = RNG(seed: seed, stream: 75)
    _ = DiffusionNoising.noiseReference(trainingBatch.clean, timesteps: trainingBatch.timesteps, schedule: schedule, rng: &rng)
  }.median
  let batchClosed = Timing.measure {
    _ = DiffusionNoising.noised(trainingBatch.clean, timesteps: trainingBatch.timesteps, noise: trainingBatch.noise,
                                schedule: schedule)
  }.median
  print("a training batch (\(batchSize) points, t uniform in 1…\(T), on average \(T / 2) single steps each): chain "
        + "\(Format.duration(batchChain)), closed form \(Format.duration(batchClosed)) — the closed form makes any t "
        + "one step, so a training step costs the network's forward and backward, not t noising steps")
  run.report.metrics += [("noising twins: largest chain − closed difference", String(format: "%.1f standard errors", worst)),
                         ("noising at t = T (\(Format.count(count)) points): chain vs closed form",
                          String(format: "%@ vs %@ (%.0f×)", Format.duration(chainTime), Format.duration(closedTime), chainTime / closedTime)),
                         ("noising a training batch: chain vs closed form",
                          String(format: "%@ vs %@", Format.duration(batchChain), Format.duration(batchClosed)))]
}
