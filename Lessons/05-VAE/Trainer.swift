import Foundation
import GenLab

/// Everything that shapes a run; stored in checkpoints so `--resume` continues the same run.
struct TrainingSettings {
  var arch: Architecture
  var latent: Int
  var binarize: Bool
  var epochs: Int
  var aeEpochs: Int
  var mapEpochs: Int
  var batchSize: Int
  var learningRate: Float
  var every: Int
  var seed: UInt64
  var implementation: Implementation

  func epochs(_ phase: Phase) -> Int {
    switch phase {
    case .autoencoder: return aeEpochs
    case .vae: return epochs
    case .map: return mapEpochs
    }
  }

  /// What the checkpoint keeps (and `Lesson05.adopt` reads back).
  var stored: [String: String] {
    ["arch": arch.rawValue, "latent": String(latent), "binarize": String(binarize), "epochs": String(epochs),
     "ae_epochs": String(aeEpochs), "map_epochs": String(mapEpochs), "batch_size": String(batchSize),
     "seed": String(seed)]
  }

  /// For the report.
  var table: [(key: String, value: String)] {
    [("seed", String(seed)), ("arch", arch.rawValue), ("latent", String(latent)),
     ("targets", binarize ? "binarized at 0.5" : "gray values in [0, 1]"),
     ("epochs (VAE)", String(epochs)), ("ae-epochs", String(aeEpochs)), ("map-epochs", String(mapEpochs)),
     ("batch-size", String(batchSize)), ("lr (Adam)", Format.number(learningRate)), ("every", "\(every) epoch(s)"),
     ("impl", implementation.rawValue)]
  }
}

/// Negative ELBO in nats per image, and its two terms.
struct Evaluation {
  var total: Double
  var reconstruction: Double
  var kl: Double
}

/// One epoch's numbers, for the curves.
struct EpochRecord {
  var phase: Phase
  var epoch: Int
  var trainLoss: Double
  var test: Evaluation
}

/// Trains the lesson's models one phase after another, with snapshots, checkpoints,
/// metrics and resumption. The training step itself is `VariationalAutoencoder.step` in
/// Sources/Models/VAE.swift: read it.
final class Trainer {
  let settings: TrainingSettings
  let run: RunFolder
  let metrics: MetricsLog
  let train: Tensor
  let test: Tensor
  let resume: Checkpoint?
  private(set) var models: [Phase: VariationalAutoencoder] = [:]
  private(set) var history: [EpochRecord] = []
  private(set) var frames: [Image] = []
  private(set) var stepTime: [Phase: Double] = [:]
  /// (step, total steps) after which Ctrl-C stopped training, at the end of an epoch (its
  /// checkpoint is written), or nil.
  private(set) var interruptedAfter: (step: Int, steps: Int)?
  private let fixedCodes: Tensor
  let stepsPerEpoch: Int

  init(settings: TrainingSettings, run: RunFolder, metrics: MetricsLog, train: Tensor, test: Tensor,
       resume: Checkpoint?) {
    self.settings = settings
    self.run = run
    self.metrics = metrics
    self.train = train
    self.test = test
    self.resume = resume
    // Every model is initialised from one stream in a fixed order, resumed or not.
    var rng = RNG(seed: settings.seed, stream: 1)
    models[.autoencoder] = VariationalAutoencoder(architecture: settings.arch, latent: settings.latent, variational: false,
                                                  implementation: settings.implementation, rng: &rng)
    models[.vae] = VariationalAutoencoder(architecture: settings.arch, latent: settings.latent, variational: true,
                                          implementation: settings.implementation, rng: &rng)
    models[.map] = VariationalAutoencoder(architecture: settings.arch, latent: 2, variational: true,
                                          implementation: settings.implementation, rng: &rng)
    var codes = RNG(seed: settings.seed, stream: 2)
    fixedCodes = Tensor.normal([64, settings.latent], using: &codes)
    stepsPerEpoch = Batches(itemCount: train.shape[0], batchSize: settings.batchSize, seed: 0).count
  }

  /// The global step at the start of `epoch` of `phase` (phases follow each other).
  func globalStep(_ phase: Phase, epoch: Int) -> Int {
    let before = Phase.allCases.prefix { $0 != phase }.reduce(0) { $0 + settings.epochs($1) }
    return (before + epoch) * stepsPerEpoch
  }

  // MARK: Phases, epochs, checkpoints

  func train(_ phase: Phase) throws {
    let model = models[phase]!
    let epochs = settings.epochs(phase)
    let optimizer = Adam(parameters: model.parameters, learningRate: settings.learningRate)
    var rng = RNG(seed: settings.seed, stream: phase.stream)
    var startEpoch = 0
    if let resume, let resumed = resume.metadata["phase"].flatMap(Phase.init(rawValue:)) {
      let order = Phase.allCases
      if order.firstIndex(of: phase)! < order.firstIndex(of: resumed)! {
        try restore(phase, from: resume)
        print("\(phase.title): trained in the resumed run, restored from the checkpoint")
        return
      }
      if phase == resumed {
        try restore(phase, from: resume)
        try resume.restore(optimizer, as: phase.rawValue)
        rng = try resume.rng(phase.rawValue)
        startEpoch = resume.epoch
        print("\(phase.title): continuing after epoch \(startEpoch) of \(epochs)")
      }
    }
    guard startEpoch < epochs else { return }

    let progress = Progress(total: (epochs - startEpoch) * stepsPerEpoch, label: phase.title)
    var stepTimes: [Double] = []
    for epoch in startEpoch..<epochs {
      let batches = Batches(itemCount: train.shape[0], batchSize: settings.batchSize,
                            seed: settings.seed &+ phase.stream, epoch: epoch)
      var epochLoss = 0.0
      for (index, indices) in batches.enumerated() {
        let step = globalStep(phase, epoch: epoch) + index + 1
        let x = train.gather(indices)
        let t0 = Timing.now()
        let (loss, reconstruction, kl) = model.step(x, optimizer: optimizer, rng: &rng)
        stepTimes.append(Timing.now() - t0)
        try TrainingGuard.check(step: step, losses: [("the \(phase.title) loss (reconstruction \(reconstruction), "
                                                      + "KL \(kl))", loss)], parameters: model.parameters)
        epochLoss += loss
        if step % 50 == 0 {
          try metrics.log(step: step, epoch: epoch + 1, ["phase": Double(Phase.allCases.firstIndex(of: phase)!),
                                                           "loss": loss, "reconstruction": reconstruction, "kl": kl])
        }
        progress.update((epoch - startEpoch) * stepsPerEpoch + index + 1,
                        ["epoch": Float(epoch + 1), "loss": Float(loss)])
      }
      let test = evaluate(model, self.test)
      let record = EpochRecord(phase: phase, epoch: epoch + 1, trainLoss: epochLoss / Double(batches.count), test: test)
      history.append(record)
      try metrics.log(step: globalStep(phase, epoch: epoch + 1), epoch: epoch + 1,
                      ["phase": Double(Phase.allCases.firstIndex(of: phase)!), "train_loss": record.trainLoss,
                       "test_loss": test.total, "test_reconstruction": test.reconstruction, "test_kl": test.kl])
      if phase == .vae { try snapshot(model, epoch: epoch + 1) }
      if (epoch + 1) % settings.every == 0 || epoch + 1 == epochs || Interrupt.requested {
        try checkpoint(phase: phase, epoch: epoch + 1, optimizer: optimizer, rng: rng)
      }
      if Interrupt.requested {
        // Checkpoints are per epoch, so Ctrl-C takes effect at the end of the epoch.
        interruptedAfter = (globalStep(phase, epoch: epoch + 1),
                            globalStep(Phase.allCases.last!, epoch: settings.epochs(Phase.allCases.last!)))
        break
      }
    }
    progress.finish()
    stepTimes.sort()
    stepTime[phase] = stepTimes[stepTimes.count / 2]
  }

  private func restore(_ phase: Phase, from checkpoint: Checkpoint) throws {
    try checkpoint.restore(models[phase]!.encoder, as: "\(phase.rawValue).encoder")
    try checkpoint.restore(models[phase]!.decoder, as: "\(phase.rawValue).decoder")
  }

  /// Writes `checkpoint.safetensors` (atomically: an interrupted write keeps the old one).
  private func checkpoint(phase: Phase, epoch: Int, optimizer: Adam, rng: RNG) throws {
    var checkpoint = Checkpoint(lesson: Lesson05.lessonName, seed: settings.seed,
                                step: globalStep(phase, epoch: epoch), epoch: epoch)
    checkpoint.settings = settings.stored
    checkpoint.metadata["phase"] = phase.rawValue
    for other in Phase.allCases {
      checkpoint.add(models[other]!.encoder, as: "\(other.rawValue).encoder")
      checkpoint.add(models[other]!.decoder, as: "\(other.rawValue).decoder")
    }
    checkpoint.add(optimizer, as: phase.rawValue)
    checkpoint.add(rng, as: phase.rawValue)
    try checkpoint.write(to: run.file("checkpoint.safetensors"))
  }

  /// The fixed codes decoded: one frame of the training animation, also kept as a PNG.
  private func snapshot(_ model: VariationalAutoencoder, epoch: Int) throws {
    let image = Image(grid: model.decodeMean(fixedCodes), columns: 8, scale: 2)
    frames.append(image)
    try PNG.write(image, to: run.file(String(format: "vae-epoch-%03d.png", epoch)))
  }

  /// A resumed run starts with the earlier run's metrics, curves and frames.
  func carryOver() throws {
    guard let resume else { return }
    for entry in try metrics.carryOver(from: resume) {
      guard let test = entry.values["test_loss"], let phaseIndex = entry.values["phase"],
            let epoch = entry.values["epoch"], let train = entry.values["train_loss"] else { continue }
      let phase = Phase.allCases[Int(phaseIndex)]
      history.append(EpochRecord(phase: phase, epoch: Int(epoch), trainLoss: train,
                                 test: Evaluation(total: test, reconstruction: entry.values["test_reconstruction"] ?? .nan,
                                                  kl: entry.values["test_kl"] ?? .nan)))
      if phase == .vae {
        if let copy = try run.carryOver(String(format: "vae-epoch-%03d.png", Int(epoch)), from: resume) {
          frames.append(try PNG.read(file: copy))
        }
      }
    }
  }

  // MARK: Evaluation and pictures of training

  /// Negative ELBO (or the autoencoder's reconstruction loss) in nats per image over
  /// `images`, one ε per image from a fixed stream (the same for every call), in
  /// evaluation mode: `VariationalAutoencoder.evaluate`.
  func evaluate(_ model: VariationalAutoencoder, _ images: Tensor) -> Evaluation {
    var rng = RNG(seed: settings.seed, stream: 60)
    let value = model.evaluate(images, rng: &rng)
    return Evaluation(total: value.total, reconstruction: value.reconstruction, kl: value.kl)
  }

  func writeAnimation(to path: String) throws {
    guard !frames.isEmpty else { return }
    var delays = [Int](repeating: 50, count: frames.count)
    delays[delays.count - 1] = 300   // linger on the last frame
    try GIF.write(frames: frames, delays: delays, to: path)
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
