import Foundation
import GenLab

/// Negative ELBO in nats per image, and its two terms.
struct ELBOTerms {
  var total: Double
  var reconstruction: Double
  var kl: Double
}

/// One epoch's numbers, for the curves.
struct EpochRecord {
  var phase: Phase
  var epoch: Int
  var trainLoss: Double
  var test: ELBOTerms
}

/// The three models the lesson trains, in this order.
enum Phase: String, CaseIterable {
  case autoencoder, vae, map

  /// Each phase draws its noise from its own random stream.
  var stream: UInt64 {
    switch self {
    case .autoencoder: return 10
    case .vae: return 11
    case .map: return 12
    }
  }

  var title: String {
    switch self {
    case .autoencoder: return "autoencoder"
    case .vae: return "VAE"
    case .map: return "2-D VAE"
    }
  }
}

// The autoencoder and the VAE themselves — layers, the training step, the negative ELBO,
// the importance-weighted bound — live in Sources/Models/VAE.swift
// (`VariationalAutoencoder`), so the capstone (lesson 11) can train them too. Read it
// beside this lesson.

/// The lesson's three models — the autoencoder, the VAE, the 2-D VAE drawn as a map — their
/// optimizers and random generators, trained one phase after another, and what the lesson
/// records of them. The training step itself is `VariationalAutoencoder.step` in
/// Sources/Models/VAE.swift: read it. (The loop, checkpoints and resuming are Lab's `TrainingRun`.)
final class Trainer {
  let seed: UInt64
  let batchSize: Int
  let train: Tensor
  let test: Tensor
  let models: [Phase: VariationalAutoencoder]
  let optimizers: [Phase: Adam]
  let noise: [Phase: RandomStream]
  /// The VAE's frames: the same 64 codes decoded after every epoch.
  let frames: Snapshots
  private(set) var history: [EpochRecord] = []
  private let fixedCodes: Tensor
  let stepsPerEpoch: Int

  init(arch: Architecture, latent: Int, seed: UInt64, batchSize: Int, learningRate: Float, implementation: Implementation,
       train: Tensor, test: Tensor, folder: RunFolder) {
    (self.seed, self.batchSize, self.train, self.test) = (seed, batchSize, train, test)
    // Every model is initialised from one stream in a fixed order, resumed or not.
    var rng = RNG(seed: seed, stream: 1)
    models = Dictionary(uniqueKeysWithValues: Phase.allCases.map { phase in
      (phase, VariationalAutoencoder(architecture: arch, latent: phase == .map ? 2 : latent,
                                     variational: phase != .autoencoder, implementation: implementation, rng: &rng))
    })
    optimizers = models.mapValues { Adam(parameters: $0.parameters, learningRate: learningRate) }
    noise = Dictionary(uniqueKeysWithValues: Phase.allCases.map { ($0, RandomStream(seed: seed, stream: $0.stream)) })
    var codes = RNG(seed: seed, stream: 2)
    fixedCodes = Tensor.normal([64, latent], using: &codes)
    stepsPerEpoch = Batches(itemCount: train.shape[0], batchSize: batchSize, seed: 0).count
    frames = Snapshots(folder) { String(format: "vae-epoch-%03d.png", $0) }
  }

  /// Every model, optimizer and generator, for the checkpoint.
  func keep(in run: TrainingRun) {
    for phase in Phase.allCases {
      run.keep(models[phase]!.encoder, as: "\(phase.rawValue).encoder")
      run.keep(models[phase]!.decoder, as: "\(phase.rawValue).decoder")
    }
    for phase in Phase.allCases { run.keep(optimizers[phase]!, as: phase.rawValue) }
    for phase in Phase.allCases { run.keep(noise[phase]!, as: phase.rawValue) }
  }

  /// The steps of `phase` a checkpoint has done (`steps.<phase>` in its metadata).
  static func stepsDone(_ phase: Phase, in checkpoint: Checkpoint?) -> Int {
    checkpoint?.metadata["steps.\(phase.rawValue)"].flatMap(Int.init) ?? 0
  }

  // MARK: A phase

  /// Trains `phase` up to `epochs` epochs (from where the checkpoint left it): metrics every 50
  /// steps of the run, the test −ELBO after every epoch, the VAE's frame after every epoch, a
  /// checkpoint every `every` epochs and after the last.
  @discardableResult
  func train(_ phase: Phase, epochs: Int, every: Int, in run: TrainingRun) throws -> TrainingLoop.Summary {
    let model = models[phase]!, optimizer = optimizers[phase]!, noise = self.noise[phase]!
    let perEpoch = stepsPerEpoch, total = epochs * perEpoch
    let done = min(Self.stepsDone(phase, in: run.resumed), total)
    let phaseIndex = Double(Phase.allCases.firstIndex(of: phase)!)
    if done > 0 { print("\(phase.title): \(done == total ? "trained" : "continuing") after epoch \(done / perEpoch) of \(epochs)") }
    var loop = run.loop(label: phase.title, total: total, done: done)
    loop.parameters = prefixedParameters([("\(phase.rawValue).encoder", model.encoder), ("\(phase.rawValue).decoder", model.decoder)])
    loop.when({ _ in run.step % 50 == 0 }, name: "log", atEnd: false) { step, window in
      try run.metrics.log(step: run.step, epoch: (step - 1) / perEpoch + 1,
                          ["phase": phaseIndex, "loss": window.latest("loss"),
                           "reconstruction": window.latest("reconstruction"), "kl": window.latest("KL")])
    }
    loop.every(perEpoch, name: "epoch") { [self] step, window in
      let epoch = step / perEpoch
      let test = evaluate(model, self.test)
      let record = EpochRecord(phase: phase, epoch: epoch, trainLoss: window.mean("loss"), test: test)
      history.append(record)
      try run.metrics.log(step: run.step, epoch: epoch,
                          ["phase": phaseIndex, "train_loss": record.trainLoss, "test_loss": test.total,
                           "test_reconstruction": test.reconstruction, "test_kl": test.kl])
      if phase == .vae {
        try frames.add(Image(grid: model.decodeMean(fixedCodes), columns: 8, scale: 2), at: epoch)
      }
    }
    var batches: Batches?
    return try run.train(&loop, checkpointEvery: every * perEpoch, epoch: { $0 / perEpoch }) { [self] step in
      let epoch = (step - 1) / perEpoch
      if batches?.epoch != epoch {
        batches = Batches(itemCount: train.shape[0], batchSize: batchSize, seed: seed &+ phase.stream, epoch: epoch)
      }
      let x = train.gather(batches![(step - 1) % perEpoch])
      let (loss, reconstruction, kl) = model.step(x, optimizer: optimizer, rng: &noise.rng)
      run.metadata["steps.\(phase.rawValue)"] = String(step)
      return [("loss", loss), ("reconstruction", reconstruction), ("KL", kl)]
    }
  }

  /// A resumed run starts with the earlier run's curves and frames (when its folder has them).
  func carryOver(_ entries: [MetricsLog.Entry], from checkpoint: Checkpoint?) throws {
    for entry in entries {
      guard let test = entry.values["test_loss"], let phaseIndex = entry.values["phase"],
            let epoch = entry.values["epoch"], let train = entry.values["train_loss"] else { continue }
      history.append(EpochRecord(phase: Phase.allCases[Int(phaseIndex)], epoch: Int(epoch), trainLoss: train,
                                 test: ELBOTerms(total: test, reconstruction: entry.values["test_reconstruction"] ?? .nan,
                                                  kl: entry.values["test_kl"] ?? .nan)))
    }
    try frames.carryOver(from: checkpoint, through: Self.stepsDone(.vae, in: checkpoint) / stepsPerEpoch)
  }

  // MARK: ELBOTerms and pictures of training

  /// Negative ELBO (or the autoencoder's reconstruction loss) in nats per image over
  /// `images`, one ε per image from a fixed stream (the same for every call), in
  /// evaluation mode: `VariationalAutoencoder.evaluate`.
  func evaluate(_ model: VariationalAutoencoder, _ images: Tensor) -> ELBOTerms {
    var rng = RNG(seed: seed, stream: 60)
    let value = model.evaluate(images, rng: &rng)
    return ELBOTerms(total: value.total, reconstruction: value.reconstruction, kl: value.kl)
  }

  func writeCurves(to path: String, termsTo termsPath: String) throws {
    let vae = history.filter { $0.phase == .vae }
    var curves = LinePlot(title: "VAE: negative ELBO", xLabel: "epoch", yLabel: "nats per image")
    curves.add("train (mean over the epoch's batches)", x: vae.map { Double($0.epoch) }, y: vae.map(\.trainLoss))
    curves.add("test", x: vae.map { Double($0.epoch) }, y: vae.map(\.test.total))
    let ae = history.filter { $0.phase == .autoencoder }
    if !ae.isEmpty {
      curves.add("autoencoder, test reconstruction", x: ae.map { Double($0.epoch) }, y: ae.map(\.test.reconstruction))
    }
    try curves.write(to: path)
    var terms = LinePlot(title: "VAE: the two terms of the test negative ELBO", xLabel: "epoch",
                         yLabel: "nats per image", logY: true)
    terms.add("reconstruction  −E[log p(x|z)]", x: vae.map { Double($0.epoch) }, y: vae.map(\.test.reconstruction))
    terms.add("KL(q(z|x) ‖ p(z))", x: vae.map { Double($0.epoch) }, y: vae.map(\.test.kl))
    try terms.write(to: termsPath)
  }
}
