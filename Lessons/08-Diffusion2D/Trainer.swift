import Foundation
import GenLab

/// The loss over training: the mean of the batches since the last record, and the loss on
/// a fixed evaluation batch (the same x_0, t and ε every time, so that curve does not
/// jitter with the batch). `energyDistance` only at snapshot steps.
struct Record {
  var step: Int
  var trainLoss: Double
  var evaluationLoss: Double
  var energyDistance: Double?
}

/// Trains the noise predictor with evaluations, snapshots, checkpoints and resumption.
/// The training step itself is `step(_:)`: read it.
final class Trainer {
  let settings: TrainingSettings
  let schedule: NoiseSchedule
  let run: RunFolder
  let metrics: MetricsLog
  let resume: Checkpoint?
  let denoiser: Denoiser
  private let optimizer: Adam
  /// 4,096 fixed (x_0, t, ε) for the evaluation loss.
  let evaluation: (clean: Tensor, timesteps: [Int], noise: Tensor)
  /// Held-out points (data coordinates) the snapshots are drawn on and scored against.
  let snapshotReference: (points: Tensor, positions: [Float])
  private(set) var history: [Record] = []
  private(set) var frames: [Image] = []
  private(set) var frameSteps: [Int] = []
  private(set) var stepTimes: [Double] = []
  /// The step after which Ctrl-C stopped training (its checkpoint is written), or nil.
  private(set) var interruptedAfter: Int?
  static let evaluationInterval = 50
  static let evaluationCount = 4096
  /// Snapshots: DDIM with this many steps from the same 1,000 noise points every time.
  static let snapshotSamplerSteps = 50
  static let snapshotCount = 1000

  init(settings: TrainingSettings, run: RunFolder, metrics: MetricsLog, resume: Checkpoint?) {
    self.settings = settings
    self.schedule = settings.schedule
    self.run = run
    self.metrics = metrics
    self.resume = resume
    var rng = RNG(seed: settings.seed, stream: 1)
    denoiser = Denoiser(timesteps: settings.timesteps, hidden: settings.hidden, embedding: settings.embedding,
                        implementation: settings.implementation, rng: &rng)
    optimizer = Adam(parameters: denoiser.network.parameters, learningRate: settings.learningRate)
    var fixed = RNG(seed: settings.seed, stream: 3)
    let clean = settings.dataset.sample(count: Self.evaluationCount, seed: settings.seed &+ 0xE7A1) / settings.dataset.scale
    let timesteps = (0..<Self.evaluationCount).map { _ in 1 + fixed.int(below: settings.timesteps) }
    evaluation = (clean, timesteps, Tensor.normal([Self.evaluationCount, 2], using: &fixed))
    snapshotReference = settings.dataset.heldOut(count: Self.snapshotCount, seed: settings.seed &+ 0x5AA9)
  }

  /// The batch of step `step`: clean points x_0 (network coordinates), a timestep
  /// t ~ Uniform{1, …, T} and a noise ε ~ 𝒩(0, I) for each, all drawn from the step's own
  /// seed, so any step's batch can be made again without replaying the steps before it
  /// (that is what makes resuming exact).
  func batch(step: Int) -> (clean: Tensor, timesteps: [Int], noise: Tensor) {
    var mix = SplitMix64(state: settings.seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(step))
    let clean = settings.dataset.sample(count: settings.batchSize, seed: mix.next()) / settings.dataset.scale
    var rng = RNG(seed: mix.next())
    let timesteps = (0..<settings.batchSize).map { _ in 1 + rng.int(below: settings.timesteps) }
    return (clean, timesteps, Tensor.normal([settings.batchSize, 2], using: &rng))
  }

  // MARK: The training step

  /// One step of ε-prediction (DDPM's "simple" loss):
  ///
  ///     x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε          (the closed form: one jump, whatever t is)
  ///     L   = mean ‖ε − ε̂_θ(x_t, t)‖²
  ///
  /// then backward through the MLP and one Adam step. Returns L.
  func step(_ batch: (clean: Tensor, timesteps: [Int], noise: Tensor)) -> Double {
    let noisy = DiffusionNoising.noised(batch.clean, timesteps: batch.timesteps, noise: batch.noise, schedule: schedule)
    let predicted = denoiser.network.forward(denoiser.input(noisy, timesteps: batch.timesteps), training: true)
    let loss = Losses.meanSquaredError(predicted, batch.noise)
    optimizer.zeroGradients()
    _ = denoiser.network.backward(loss.gradient)
    optimizer.step()
    return loss.value
  }

  /// The loss on the fixed evaluation batch, and per timestep (for the loss-by-t plot).
  func evaluationLoss() -> (mean: Double, perItem: [Double]) {
    let noisy = DiffusionNoising.noised(evaluation.clean, timesteps: evaluation.timesteps, noise: evaluation.noise,
                                        schedule: schedule)
    let predicted = denoiser.predictNoise(noisy, timesteps: evaluation.timesteps)
    let p = predicted.data, e = evaluation.noise.data
    let perItem = (0..<Self.evaluationCount).map { n -> Double in
      let dx = Double(p[2 * n] - e[2 * n]), dy = Double(p[2 * n + 1] - e[2 * n + 1])
      return (dx * dx + dy * dy) / 2
    }
    return (perItem.reduce(0, +) / Double(perItem.count), perItem)
  }

  // MARK: The loop, evaluations, snapshots, checkpoints

  func train() throws {
    var start = 0
    if let resume {
      start = resume.step
      try resume.restore(denoiser.network, as: "denoiser")
      try resume.restore(optimizer, as: "denoiser")
      print("continuing after step \(start) of \(settings.steps)")
    } else {
      let samples = snapshotSamples()
      try record(step: 0, trainLoss: .nan, samples: samples)
      try snapshot(step: 0, samples: samples)
    }
    guard start < settings.steps else { return }

    let progress = Progress(total: settings.steps - start, label: "training")
    var sum = 0.0, count = 0
    for step in (start + 1)...settings.steps {
      // The learning rate falls linearly to 0 over the run (a function of the step alone:
      // resuming gives the same rates), so the last steps fine-tune instead of jitter.
      optimizer.learningRate = settings.learningRate * (1 - Float(step - 1) / Float(settings.steps))
      let batch = self.batch(step: step)
      let t0 = Timing.now()
      let loss = self.step(batch)
      stepTimes.append(Timing.now() - t0)
      try TrainingGuard.check(step: step, losses: [("the noise-prediction loss", loss)],
                              parameters: denoiser.network.parameters)
      sum += loss
      count += 1
      let snapshotting = step % settings.every == 0 || step == settings.steps
      let samples = snapshotting ? snapshotSamples() : nil
      if step % Self.evaluationInterval == 0 || snapshotting {
        try record(step: step, trainLoss: sum / Double(count), samples: samples)
        sum = 0
        count = 0
      }
      if let samples {
        try snapshot(step: step, samples: samples)
        try checkpoint(step: step)
      } else if Interrupt.requested {
        try checkpoint(step: step)
      }
      if Interrupt.requested {
        interruptedAfter = step
        break
      }
      let last = history.last!
      progress.update(step - start, ["loss": Float(last.trainLoss), "eval loss": Float(last.evaluationLoss)])
    }
    progress.finish()
  }

  /// DDIM samples from the same noise every time (DDIM is deterministic given x_T), in data coordinates.
  func snapshotSamples() -> Tensor {
    var rng = RNG(seed: settings.seed, stream: 5)
    let samples = DiffusionNoising.sampleDDIM(shape: [Self.snapshotCount, 2], steps: Self.snapshotSamplerSteps,
                                              schedule: schedule, clip: Lesson08.clip, rng: &rng,
                                              predictNoise: denoiser.predictNoise)
    return samples * settings.dataset.scale
  }

  /// Logs the losses, and with `samples` (a snapshot step) their energy distance to the held-out points.
  private func record(step: Int, trainLoss: Double, samples: Tensor?) throws {
    let evaluationLoss = self.evaluationLoss().mean
    let energy = samples.map { SampleDistance.energyDistance($0, snapshotReference.points) }
    history.append(Record(step: step, trainLoss: trainLoss, evaluationLoss: evaluationLoss, energyDistance: energy))
    if let energy {
      try metrics.log(step: step, ["train_loss": trainLoss, "eval_loss": evaluationLoss, "energy_distance": energy])
    } else {
      try metrics.log(step: step, ["train_loss": trainLoss, "eval_loss": evaluationLoss])
    }
  }

  static func snapshotName(step: Int) -> String { String(format: "snapshot-%05d.png", step) }

  private func snapshot(step: Int, samples: Tensor) throws {
    let image = Pictures.panel(samples, hues: settings.dataset.hues(of: samples, reference: snapshotReference),
                               background: snapshotReference.points, range: Pictures.sampleRange)
    frames.append(image)
    frameSteps.append(step)
    try PNG.write(image, to: run.file(Self.snapshotName(step: step)))
  }

  /// Writes `checkpoint.safetensors` (atomically: an interrupted write keeps the old one):
  /// the network and Adam's state. Batches and learning rates are functions of the step,
  /// so nothing else is needed.
  private func checkpoint(step: Int) throws {
    var checkpoint = Checkpoint(lesson: Lesson08.lessonName, seed: settings.seed, step: step)
    checkpoint.settings = settings.stored
    checkpoint.add(denoiser.network, as: "denoiser")
    checkpoint.add(optimizer, as: "denoiser")
    try checkpoint.write(to: run.file(RunFolder.checkpointFile))
  }

  /// A resumed run starts with the earlier run's metrics, curves and snapshots.
  func carryOver() throws {
    guard let resume else { return }
    for entry in try metrics.carryOver(from: resume) {
      history.append(Record(step: entry.step, trainLoss: entry.values["train_loss"] ?? .nan,
                            evaluationLoss: entry.values["eval_loss"] ?? .nan,
                            energyDistance: entry.values["energy_distance"]))
    }
    var snapshotSteps = [0] + Array(stride(from: settings.every, through: resume.step, by: settings.every))
    if resume.step % settings.every != 0 { snapshotSteps.append(resume.step) }   // a finished run's last step
    for step in snapshotSteps {
      guard let copy = try run.carryOver(Self.snapshotName(step: step), from: resume) else { continue }
      frames.append(try PNG.read(file: copy))
      frameSteps.append(step)
    }
  }
}
