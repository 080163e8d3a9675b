import Foundation
import GenLab

/// What the lesson measures about one GAN at one step, on fixed evaluation batches
/// (the same 2,500 z and 2,500 real points every time, so the curves do not jitter
/// with the batch).
struct Evaluation {
  var discriminatorLoss: Double
  var generatorLoss: Double       // the non-saturating −log D(G(z)), whatever the setting trains with
  var probabilityReal: Double     // mean D(x) over real points
  var probabilityFake: Double     // mean D(G(z))
  var modesCovered: Int
  var highQualityShare: Double
}

struct Record {
  var step: Int
  var evaluations: [Evaluation]   // one per setting
}

/// Trains the working GAN and the collapsing one in lockstep — step s of one, then
/// step s of the other, on the same real batch — with evaluations, snapshots,
/// checkpoints and resumption. The training step itself is `step(_:_:)`: read it.
final class Trainer {
  let settings: TrainingSettings
  let setups: [Setting]
  let run: RunFolder
  let metrics: MetricsLog
  let resume: Checkpoint?
  let gans: [GAN]
  private let generatorOptimizers: [Adam]
  private let discriminatorOptimizers: [Adam]
  private var noise: [RNG]
  let evaluationNoise: Tensor        // [2500, latent]
  let evaluationReal: Tensor         // [2500, 2]
  private(set) var history: [Record] = []
  /// Snapshot pictures: frames[i] for setting i, one per snapshot step.
  private(set) var frames: [[Image]]
  private(set) var frameSteps: [Int] = []
  private(set) var stepTimes: [Double] = []
  /// The step after which Ctrl-C stopped training (its checkpoint is written), or nil.
  private(set) var interruptedAfter: Int?
  static let evaluationInterval = 50
  static let evaluationCount = 2500

  init(settings: TrainingSettings, run: RunFolder, metrics: MetricsLog, resume: Checkpoint?) {
    self.settings = settings
    self.setups = settings.settings
    self.run = run
    self.metrics = metrics
    self.resume = resume
    // Both GANs start from the same weights (one stream, the same draws): only their
    // objective or learning rates differ.
    gans = setups.map { _ in
      var rng = RNG(seed: settings.seed, stream: 1)
      return GAN(latent: settings.latent, hidden: settings.hidden, implementation: settings.implementation, rng: &rng)
    }
    // Adam with β1 = 0.5, as Radford et al. (DCGAN) suggest for GANs: less momentum, so
    // each player reacts to the other's latest move rather than to its average.
    generatorOptimizers = zip(gans, setups).map {
      Adam(parameters: $0.generator.parameters, learningRate: $1.generatorLearningRate, beta1: 0.5)
    }
    discriminatorOptimizers = zip(gans, setups).map {
      Adam(parameters: $0.discriminator.parameters, learningRate: $1.discriminatorLearningRate, beta1: 0.5)
    }
    noise = setups.map { _ in RNG(seed: settings.seed, stream: 2) }   // the same z for both, step by step
    var fixed = RNG(seed: settings.seed, stream: 3)
    evaluationNoise = Tensor.normal([Self.evaluationCount, settings.latent], using: &fixed)
    evaluationReal = settings.dataset.sample(count: Self.evaluationCount, seed: settings.seed &+ 0x5EED)
    frames = setups.map { _ in [] }
  }

  /// The real batch of step `step`: drawn from its own seed, so any step's batch can be
  /// made again without replaying the steps before it (that is what makes resuming exact).
  func realBatch(step: Int) -> Tensor {
    var mix = SplitMix64(state: settings.seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(step))
    return settings.dataset.sample(count: settings.batchSize, seed: mix.next())
  }

  // MARK: The training step

  /// One step of the game for GAN `index` on the real batch `real` [B, 2]:
  ///
  /// 1. D step: x̃ = G(z), z ~ N(0, I); D sees the real and the generated points in one
  ///    batch [2B, 2] and descends L_D = −mean log D(x) − mean log(1 − D(x̃)).
  /// 2. G step: D (already updated) judges the same x̃ again; dL_G/dx̃ comes back through
  ///    D (its weights stay as they are: only G's optimizer steps) and then through G.
  ///    L_G = −mean log D(x̃) (non-saturating) or mean log(1 − D(x̃)) (saturating).
  func step(_ index: Int, real: Tensor) -> (discriminator: DiscriminatorLoss, generator: GeneratorLoss,
                                             probabilityReal: Double, probabilityFake: Double) {
    let gan = gans[index]
    let batch = real.shape[0]
    let z = Tensor.normal([batch, settings.latent], using: &noise[index])
    let fake = gan.generator.forward(z, training: true)                            // x̃ = G(z), [B, 2]

    // 1. The discriminator.
    let both = Tensor(shape: [2 * batch, 2], data: real.data + fake.data)
    let logits = gan.discriminator.forward(both, training: true)                   // [2B, 1]
    let realLogits = logits.slice(0..<batch), fakeLogits = logits.slice(batch..<(2 * batch))
    let dLoss = settings.implementation == .reference
      ? GANLoss.discriminatorLossReference(realLogits: realLogits, fakeLogits: fakeLogits)
      : GANLoss.discriminatorLoss(realLogits: realLogits, fakeLogits: fakeLogits)
    discriminatorOptimizers[index].zeroGradients()
    _ = gan.discriminator.backward(Tensor(shape: [2 * batch, 1], data: dLoss.realGradient.data + dLoss.fakeGradient.data))
    discriminatorOptimizers[index].step()

    // 2. The generator, through the updated discriminator.
    let judged = gan.discriminator.forward(fake, training: true)                   // [B, 1]
    let gLoss = settings.implementation == .reference
      ? GANLoss.generatorLossReference(fakeLogits: judged, objective: setups[index].objective)
      : GANLoss.generatorLoss(fakeLogits: judged, objective: setups[index].objective)
    generatorOptimizers[index].zeroGradients()
    let pointGradient = gan.discriminator.backward(gLoss.fakeGradient)             // dL_G/dx̃ (D's own gradients are
    _ = gan.generator.backward(pointGradient)                                      //  zeroed before its next step)
    generatorOptimizers[index].step()

    return (dLoss, gLoss, GANLoss.meanProbability(realLogits), GANLoss.meanProbability(fakeLogits))
  }

  // MARK: The loop, evaluations, snapshots, checkpoints

  func train() throws {
    var start = 0
    if let resume {
      start = resume.step
      for (index, setup) in setups.enumerated() {
        try resume.restore(gans[index].generator, as: "\(setup.name).generator")
        try resume.restore(gans[index].discriminator, as: "\(setup.name).discriminator")
        try resume.restore(generatorOptimizers[index], as: "\(setup.name).generator")
        try resume.restore(discriminatorOptimizers[index], as: "\(setup.name).discriminator")
        noise[index] = try resume.rng(setup.name)
      }
      print("continuing after step \(start) of \(settings.steps)")
    } else {
      try evaluateAndLog(step: 0)
      try snapshot(step: 0)
    }
    guard start < settings.steps else { return }

    let progress = Progress(total: settings.steps - start, label: "training both GANs")
    for step in (start + 1)...settings.steps {
      let real = realBatch(step: step)
      for index in gans.indices {
        // The learning rates fall linearly to 0 over the run, so the game calms down at the
        // end and the last picture is not one moment of an oscillation (a function of the
        // step alone: resuming gives the same rates).
        let scale = 1 - Float(step - 1) / Float(settings.steps)
        generatorOptimizers[index].learningRate = setups[index].generatorLearningRate * scale
        discriminatorOptimizers[index].learningRate = setups[index].discriminatorLearningRate * scale
        let t0 = Timing.now()
        let result = self.step(index, real: real)
        stepTimes.append(Timing.now() - t0)
        try TrainingGuard.check(
          step: step, losses: [("the \(setups[index].name) GAN's discriminator loss", result.discriminator.value),
                               ("the \(setups[index].name) GAN's generator loss", result.generator.value)],
          parameters: prefixedParameters([("generator", gans[index].generator), ("discriminator", gans[index].discriminator)]))
      }
      if step % Self.evaluationInterval == 0 || step == settings.steps { try evaluateAndLog(step: step) }
      if step % settings.every == 0 || step == settings.steps {
        try snapshot(step: step)
        try checkpoint(step: step)
      } else if Interrupt.requested {
        try checkpoint(step: step)
      }
      if Interrupt.requested {
        interruptedAfter = step
        break
      }
      let last = history.last!.evaluations
      progress.update(step - start, ["modes (working)": Float(last[0].modesCovered),
                                     "modes (collapsing)": Float(last[1].modesCovered)])
    }
    progress.finish()
  }

  /// The generated points of the fixed evaluation noise, [2500, 2].
  func generated(_ index: Int) -> Tensor {
    gans[index].generator.forward(evaluationNoise, training: false)
  }

  func evaluate(_ index: Int) -> Evaluation {
    let gan = gans[index]
    let points = generated(index)
    let modes = settings.dataset.modes
    let coverage = Coverage(points: points, centres: modes.centres, std: modes.std)
    let realLogits = gan.discriminator.forward(evaluationReal, training: false)
    let fakeLogits = gan.discriminator.forward(points, training: false)
    let dLoss = GANLoss.discriminatorLoss(realLogits: realLogits, fakeLogits: fakeLogits)
    let gLoss = GANLoss.generatorLoss(fakeLogits: fakeLogits, objective: .nonSaturating)
    return Evaluation(discriminatorLoss: dLoss.value, generatorLoss: gLoss.value, probabilityReal: GANLoss.meanProbability(realLogits),
                      probabilityFake: GANLoss.meanProbability(fakeLogits), modesCovered: coverage.modesCovered,
                      highQualityShare: coverage.highQualityShare)
  }

  private func evaluateAndLog(step: Int) throws {
    let evaluations = gans.indices.map(evaluate)
    history.append(Record(step: step, evaluations: evaluations))
    let (w, c) = (evaluations[0], evaluations[1])
    try metrics.log(step: step, [
      "working_d_loss": w.discriminatorLoss, "working_g_loss": w.generatorLoss,
      "working_d_real": w.probabilityReal, "working_d_fake": w.probabilityFake,
      "working_modes": Double(w.modesCovered), "working_high_quality": w.highQualityShare,
      "collapsing_d_loss": c.discriminatorLoss, "collapsing_g_loss": c.generatorLoss,
      "collapsing_d_real": c.probabilityReal, "collapsing_d_fake": c.probabilityFake,
      "collapsing_modes": Double(c.modesCovered), "collapsing_high_quality": c.highQualityShare,
    ])
  }

  static func snapshotName(_ setting: String, step: Int) -> String {
    String(format: "snapshot-%@-%05d.png", setting, step)
  }

  private func snapshot(step: Int) throws {
    frameSteps.append(step)
    for index in gans.indices {
      let image = panel(index)
      frames[index].append(image)
      try PNG.write(image, to: run.file(Self.snapshotName(setups[index].name, step: step)))
    }
  }

  /// Writes `checkpoint.safetensors` (atomically: an interrupted write keeps the old one):
  /// both GANs, their four Adam states and their noise generators.
  private func checkpoint(step: Int) throws {
    var checkpoint = Checkpoint(lesson: Lesson06.lessonName, seed: settings.seed, step: step)
    checkpoint.settings = settings.stored
    for (index, setup) in setups.enumerated() {
      checkpoint.add(gans[index].generator, as: "\(setup.name).generator")
      checkpoint.add(gans[index].discriminator, as: "\(setup.name).discriminator")
      checkpoint.add(generatorOptimizers[index], as: "\(setup.name).generator")
      checkpoint.add(discriminatorOptimizers[index], as: "\(setup.name).discriminator")
      checkpoint.add(noise[index], as: setup.name)
    }
    try checkpoint.write(to: run.file("checkpoint.safetensors"))
  }

  /// A resumed run starts with the earlier run's metrics, curves and snapshots.
  func carryOver() throws {
    guard let resume else { return }
    for entry in try metrics.carryOver(from: resume) {
      let evaluations = setups.map { setup -> Evaluation in
        func value(_ key: String) -> Double { entry.values["\(setup.name)_\(key)"] ?? .nan }
        return Evaluation(discriminatorLoss: value("d_loss"), generatorLoss: value("g_loss"),
                          probabilityReal: value("d_real"), probabilityFake: value("d_fake"),
                          modesCovered: Int(value("modes")), highQualityShare: value("high_quality"))
      }
      history.append(Record(step: entry.step, evaluations: evaluations))
    }
    var snapshotSteps = [0] + Array(stride(from: settings.every, through: resume.step, by: settings.every))
    if resume.step % settings.every != 0 { snapshotSteps.append(resume.step) }   // a finished run's last step
    for step in snapshotSteps {
      var images: [Image] = []
      for setup in setups {
        guard let copy = try run.carryOver(Self.snapshotName(setup.name, step: step), from: resume) else { break }
        images.append(try PNG.read(file: copy))
      }
      guard images.count == setups.count else { continue }
      frameSteps.append(step)
      for index in images.indices { frames[index].append(images[index]) }
    }
  }
}
