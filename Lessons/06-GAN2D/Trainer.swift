import Foundation
import GenLab

/// What the lesson measures about one GAN at one step, on fixed evaluation batches
/// (the same 2,500 z and 2,500 real points every time, so the curves do not jitter
/// with the batch).
struct GANMeasures {
  var discriminatorLoss: Double
  var generatorLoss: Double       // the non-saturating −log D(G(z)), whatever the setting trains with
  var probabilityReal: Double     // mean D(x) over real points
  var probabilityFake: Double     // mean D(G(z))
  var modesCovered: Int
  var highQualityShare: Double
}

struct Record {
  var step: Int
  var evaluations: [GANMeasures]   // one per setting
}

/// The working GAN and the collapsing one, trained in lockstep — step s of one, then step s
/// of the other, on the same real batch — and what the lesson measures and draws of them.
/// One round of the game is `PointGAN.step` in Sources/Models/PointGAN.swift: read it. (The
/// loop, checkpoints and resuming are Lab's `TrainingRun`.)
final class Trainer {
  let dataset: Dataset
  let setups: [Setting]
  let seed: UInt64
  let latent: Int
  let batchSize: Int
  let steps: Int
  let gans: [PointGAN]
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
    gans = setups.map { setup in
      var rng = RNG(seed: seed, stream: 1)
      return PointGAN(latent: latent, hidden: hidden, objective: setup.objective,
                      generatorLearningRate: setup.generatorLearningRate,
                      discriminatorLearningRate: setup.discriminatorLearningRate, implementation: implementation,
                      rng: &rng)
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
      gans[index].generatorOptimizer.learningRate = setups[index].generatorLearningRate * scale
      gans[index].discriminatorOptimizer.learningRate = setups[index].discriminatorLearningRate * scale
    }
  }

  // MARK: The training step

  /// Step `step` of both GANs on the same real batch; their losses, for the guard and the progress line.
  func step(_ step: Int) -> TrainingLoop.Values {
    let real = realBatch(step: step)
    return gans.indices.flatMap { index -> TrainingLoop.Values in
      let result = gans[index].step(real: real, noise: &noise[index].rng)
      return [("\(setups[index].name) D loss", result.discriminatorLoss),
              ("\(setups[index].name) G loss", result.generatorLoss)]
    }
  }

  // MARK: What it measures

  /// The generated points of the fixed evaluation noise, [2500, 2].
  func generated(_ index: Int) -> Tensor { gans[index].generate(evaluationNoise) }

  func evaluate(_ index: Int) -> GANMeasures {
    let gan = gans[index]
    let points = generated(index)
    let modes = dataset.modes
    let coverage = ModeCoverage(points: points, centres: modes.centres, std: modes.std)
    let realLogits = gan.discriminator.forward(evaluationReal, training: false)
    let fakeLogits = gan.discriminator.forward(points, training: false)
    let dLoss = GANLoss.discriminatorLoss(realLogits: realLogits, fakeLogits: fakeLogits)
    let gLoss = GANLoss.generatorLoss(fakeLogits: fakeLogits, objective: .nonSaturating)
    return GANMeasures(discriminatorLoss: dLoss.value, generatorLoss: gLoss.value, probabilityReal: GANLoss.meanProbability(realLogits),
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

  /// A resumed run starts with the earlier run's curves (when its folder has them).
  func carryOver(_ entries: [MetricsLog.Entry]) {
    for entry in entries {
      let evaluations = setups.map { setup -> GANMeasures in
        func value(_ key: String) -> Double { entry.values["\(setup.name)_\(key)"] ?? .nan }
        return GANMeasures(discriminatorLoss: value("d_loss"), generatorLoss: value("g_loss"),
                          probabilityReal: value("d_real"), probabilityFake: value("d_fake"),
                          modesCovered: value("modes").isFinite ? Int(value("modes")) : 0,
                          highQualityShare: value("high_quality"))
      }
      history.append(Record(step: entry.step, evaluations: evaluations))
    }
  }
}
