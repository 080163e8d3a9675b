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

/// The noise predictor (`PointDenoiser`, with its optimizer) and what the lesson records while
/// it trains. (The loop, checkpoints and resuming are Lab's `TrainingRun`.)
final class Trainer {
  let dataset: Dataset
  let schedule: NoiseSchedule
  let seed: UInt64
  let batchSize: Int
  let learningRate: Float
  let steps: Int
  let denoiser: PointDenoiser
  /// 4,096 fixed (x_0, t, ε) for the evaluation loss.
  let evaluation: (clean: Tensor, timesteps: [Int], noise: Tensor)
  /// Held-out points (data coordinates) the snapshots are drawn on and scored against.
  let snapshotReference: (points: Tensor, positions: [Float])
  private(set) var history: [Record] = []
  /// The last snapshot's samples and its step (the record of that step scores them).
  private var snapshot: (step: Int, samples: Tensor)?
  static let evaluationInterval = 50
  static let evaluationCount = 4096
  /// Snapshots: DDIM with this many steps from the same 1,000 noise points every time.
  static let snapshotSamplerSteps = 50
  static let snapshotCount = 1000

  init(dataset: Dataset, schedule: NoiseSchedule, hidden: Int, embedding: Int, seed: UInt64, batchSize: Int,
       learningRate: Float, steps: Int, implementation: Implementation) {
    (self.dataset, self.schedule, self.seed, self.batchSize, self.learningRate, self.steps) =
      (dataset, schedule, seed, batchSize, learningRate, steps)
    var rng = RNG(seed: seed, stream: 1)
    denoiser = PointDenoiser(schedule: schedule, hidden: hidden, embedding: embedding, learningRate: learningRate,
                             implementation: implementation, rng: &rng)
    var fixed = RNG(seed: seed, stream: 3)
    let clean = dataset.sample(count: Self.evaluationCount, seed: seed &+ 0xE7A1) / dataset.scale
    let timesteps = (0..<Self.evaluationCount).map { _ in 1 + fixed.int(below: schedule.steps) }
    evaluation = (clean, timesteps, Tensor.normal([Self.evaluationCount, 2], using: &fixed))
    snapshotReference = dataset.heldOut(count: Self.snapshotCount, seed: seed &+ 0x5AA9)
  }

  /// The batch of step `step`: clean points x_0 (network coordinates), a timestep
  /// t ~ Uniform{1, …, T} and a noise ε ~ 𝒩(0, I) for each, all drawn from the step's own
  /// seed, so any step's batch can be made again without replaying the steps before it
  /// (that is what makes resuming exact).
  func batch(step: Int) -> (clean: Tensor, timesteps: [Int], noise: Tensor) {
    var seeds = StepBatches.seeds(seed: seed, step: step)
    let clean = dataset.sample(count: batchSize, seed: seeds.next()) / dataset.scale
    var rng = RNG(seed: seeds.next())
    let timesteps = (0..<batchSize).map { _ in 1 + rng.int(below: schedule.steps) }
    return (clean, timesteps, Tensor.normal([batchSize, 2], using: &rng))
  }

  /// The learning rate falls linearly to 0 over the run (a function of the step alone:
  /// resuming gives the same rates), so the last steps fine-tune instead of jitter.
  func scheduleLearningRate(step: Int) {
    denoiser.optimizer.learningRate = learningRate * (1 - Float(step - 1) / Float(steps))
  }

  // MARK: The training step

  /// One step of ε-prediction on step `step`'s batch: `PointDenoiser.step` in
  /// Sources/Models/PointDenoiser.swift (read it). Returns the loss.
  func step(_ step: Int) -> Double {
    let batch = self.batch(step: step)
    return denoiser.step(clean: batch.clean, timesteps: batch.timesteps, noise: batch.noise)
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

  // MARK: What it records and draws

  /// DDIM samples from the same noise every time (DDIM is deterministic given x_T), in data coordinates.
  func snapshotSamples() -> Tensor {
    var rng = RNG(seed: seed, stream: 5)
    let samples = DiffusionNoising.sampleDDIM(shape: [Self.snapshotCount, 2], steps: Self.snapshotSamplerSteps,
                                              schedule: schedule, clip: Lesson08.clip, rng: &rng,
                                              predictNoise: denoiser.predictNoise)
    return samples * dataset.scale
  }

  /// The snapshot of step `step`: samples drawn over the held-out points, kept for the record of the same step.
  func snapshotPanel(step: Int) -> Image {
    let samples = snapshotSamples()
    snapshot = (step, samples)
    return Pictures.panel(samples, hues: dataset.hues(of: samples, reference: snapshotReference),
                          background: snapshotReference.points, range: Pictures.sampleRange)
  }

  /// The losses, and at a snapshot step the energy distance of its samples to the held-out points.
  func record(step: Int, trainLoss: Double) -> KeyValuePairs<String, Double> {
    let evaluationLoss = self.evaluationLoss().mean
    let energy = snapshot.flatMap { $0.step == step ? SampleDistance.energyDistance($0.samples, snapshotReference.points) : nil }
    history.append(Record(step: step, trainLoss: trainLoss, evaluationLoss: evaluationLoss, energyDistance: energy))
    if let energy { return ["train_loss": trainLoss, "eval_loss": evaluationLoss, "energy_distance": energy] }
    return ["train_loss": trainLoss, "eval_loss": evaluationLoss]
  }

  /// A resumed run starts with the earlier run's curves (when its folder has them).
  func carryOver(_ entries: [MetricsLog.Entry]) {
    for entry in entries {
      history.append(Record(step: entry.step, trainLoss: entry.values["train_loss"] ?? .nan,
                            evaluationLoss: entry.values["eval_loss"] ?? .nan,
                            energyDistance: entry.values["energy_distance"]))
    }
  }
}
