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

/// The working GAN and the collapsing one, trained in lockstep — step s of one, then step s
/// of the other, on the same real batch — and what the lesson measures and draws of them.
/// The training step itself is `step(_:real:)`: read it. (The loop, checkpoints and resuming
/// are Lab's `TrainingRun`.)
final class Trainer {
  let dataset: Dataset
  let setups: [Setting]
  let seed: UInt64
  let latent: Int
  let batchSize: Int
  let steps: Int
  let gans: [GAN]
  let generatorOptimizers: [Adam]
  let discriminatorOptimizers: [Adam]
  let noise: [RandomStream]
  let evaluationNoise: Tensor        // [2500, latent]
  let evaluationReal: Tensor         // [2500, 2]
  private(set) var history: [Record] = []
  static let evaluationInterval = 50
  static let evaluationCount = 2500

  init(dataset: Dataset, setups: [Setting], seed: UInt64, latent: Int, hidden: Int, batchSize: Int, steps: Int,
       implementation: Implementation) {
    (self.dataset, self.setups, self.seed, self.latent, self.batchSize, self.steps) =
      (dataset, setups, seed, latent, batchSize, steps)
    // Both GANs start from the same weights (one stream, the same draws): only their
    // objective or learning rates differ.
    gans = setups.map { _ in
      var rng = RNG(seed: seed, stream: 1)
      return GAN(latent: latent, hidden: hidden, implementation: implementation, rng: &rng)
    }
    // Adam with β1 = 0.5, as Radford et al. (DCGAN) suggest for GANs: less momentum, so
    // each player reacts to the other's latest move rather than to its average.
    generatorOptimizers = zip(gans, setups).map {
      Adam(parameters: $0.generator.parameters, learningRate: $1.generatorLearningRate, beta1: 0.5)
    }
    discriminatorOptimizers = zip(gans, setups).map {
      Adam(parameters: $0.discriminator.parameters, learningRate: $1.discriminatorLearningRate, beta1: 0.5)
    }
    noise = setups.map { _ in RandomStream(seed: seed, stream: 2) }   // the same z for both, step by step
    var fixed = RNG(seed: seed, stream: 3)
    evaluationNoise = Tensor.normal([Self.evaluationCount, latent], using: &fixed)
    evaluationReal = dataset.sample(count: Self.evaluationCount, seed: seed &+ 0x5EED)
  }

  /// The real batch of step `step`: drawn from its own seed, so any step's batch can be
  /// made again without replaying the steps before it (that is what makes resuming exact).
  func realBatch(step: Int) -> Tensor {
    var seeds = StepBatches.seeds(seed: seed, step: step)
    return dataset.sample(count: batchSize, seed: seeds.next())
  }

  /// The learning rates fall linearly to 0 over the run, so the game calms down at the end and
  /// the last picture is not one moment of an oscillation (a function of the step alone:
  /// resuming gives the same rates).
  func scheduleLearningRates(step: Int) {
    let scale = 1 - Float(step - 1) / Float(steps)
    for index in gans.indices {
      generatorOptimizers[index].learningRate = setups[index].generatorLearningRate * scale
      discriminatorOptimizers[index].learningRate = setups[index].discriminatorLearningRate * scale
    }
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
    let z = Tensor.normal([batch, latent], using: &noise[index].rng)
    let fake = gan.generator.forward(z, training: true)                            // x̃ = G(z), [B, 2]

    // 1. The discriminator.
    let both = Tensor(shape: [2 * batch, 2], data: real.data + fake.data)
    let logits = gan.discriminator.forward(both, training: true)                   // [2B, 1]
    let realLogits = logits.slice(0..<batch), fakeLogits = logits.slice(batch..<(2 * batch))
    let reference = gan.implementation == .reference
    let dLoss = reference ? GANLoss.discriminatorLossReference(realLogits: realLogits, fakeLogits: fakeLogits)
                          : GANLoss.discriminatorLoss(realLogits: realLogits, fakeLogits: fakeLogits)
    discriminatorOptimizers[index].zeroGradients()
    _ = gan.discriminator.backward(Tensor(shape: [2 * batch, 1], data: dLoss.realGradient.data + dLoss.fakeGradient.data))
    discriminatorOptimizers[index].step()

    // 2. The generator, through the updated discriminator.
    let judged = gan.discriminator.forward(fake, training: true)                   // [B, 1]
    let gLoss = reference ? GANLoss.generatorLossReference(fakeLogits: judged, objective: setups[index].objective)
                          : GANLoss.generatorLoss(fakeLogits: judged, objective: setups[index].objective)
    generatorOptimizers[index].zeroGradients()
    let pointGradient = gan.discriminator.backward(gLoss.fakeGradient)             // dL_G/dx̃ (D's own gradients are
    _ = gan.generator.backward(pointGradient)                                      //  zeroed before its next step)
    generatorOptimizers[index].step()

    return (dLoss, gLoss, GANLoss.meanProbability(realLogits), GANLoss.meanProbability(fakeLogits))
  }

  /// Step `step` of both GANs on the same real batch; their losses, for the guard and the progress line.
  func step(_ step: Int) -> TrainingLoop.Values {
    let real = realBatch(step: step)
    return gans.indices.flatMap { index -> TrainingLoop.Values in
      let result = self.step(index, real: real)
      return [("\(setups[index].name) D loss", result.discriminator.value),
              ("\(setups[index].name) G loss", result.generator.value)]
    }
  }

  // MARK: What it measures

  /// The generated points of the fixed evaluation noise, [2500, 2].
  func generated(_ index: Int) -> Tensor {
    gans[index].generator.forward(evaluationNoise, training: false)
  }

  func evaluate(_ index: Int) -> Evaluation {
    let gan = gans[index]
    let points = generated(index)
    let modes = dataset.modes
    let coverage = Coverage(points: points, centres: modes.centres, std: modes.std)
    let realLogits = gan.discriminator.forward(evaluationReal, training: false)
    let fakeLogits = gan.discriminator.forward(points, training: false)
    let dLoss = GANLoss.discriminatorLoss(realLogits: realLogits, fakeLogits: fakeLogits)
    let gLoss = GANLoss.generatorLoss(fakeLogits: fakeLogits, objective: .nonSaturating)
    return Evaluation(discriminatorLoss: dLoss.value, generatorLoss: gLoss.value, probabilityReal: GANLoss.meanProbability(realLogits),
                      probabilityFake: GANLoss.meanProbability(fakeLogits), modesCovered: coverage.modesCovered,
                      highQualityShare: coverage.highQualityShare)
  }

  /// Both GANs measured on the fixed evaluation batches: the metrics line of step `step`.
  func record(step: Int) -> KeyValuePairs<String, Double> {
    let evaluations = gans.indices.map(evaluate)
    history.append(Record(step: step, evaluations: evaluations))
    let (w, c) = (evaluations[0], evaluations[1])
    return [
      "working_d_loss": w.discriminatorLoss, "working_g_loss": w.generatorLoss,
      "working_d_real": w.probabilityReal, "working_d_fake": w.probabilityFake,
      "working_modes": Double(w.modesCovered), "working_high_quality": w.highQualityShare,
      "collapsing_d_loss": c.discriminatorLoss, "collapsing_g_loss": c.generatorLoss,
      "collapsing_d_real": c.probabilityReal, "collapsing_d_fake": c.probabilityFake,
      "collapsing_modes": Double(c.modesCovered), "collapsing_high_quality": c.highQualityShare,
    ]
  }

  static func snapshotName(_ setting: String, step: Int) -> String {
    String(format: "snapshot-%@-%05d.png", setting, step)
  }

  /// A resumed run starts with the earlier run's curves (when its folder has them).
  func carryOver(_ entries: [MetricsLog.Entry]) {
    for entry in entries {
      let evaluations = setups.map { setup -> Evaluation in
        func value(_ key: String) -> Double { entry.values["\(setup.name)_\(key)"] ?? .nan }
        return Evaluation(discriminatorLoss: value("d_loss"), generatorLoss: value("g_loss"),
                          probabilityReal: value("d_real"), probabilityFake: value("d_fake"),
                          modesCovered: value("modes").isFinite ? Int(value("modes")) : 0,
                          highQualityShare: value("high_quality"))
      }
      history.append(Record(step: entry.step, evaluations: evaluations))
    }
  }
}
