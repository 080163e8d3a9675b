import Core
import DiffusionNoising
import GANLoss
@testable import Models
import NN
import TestSupport
import Testing

/// Lesson 06's GAN and lesson 08's denoiser on points of the plane: their steps on either
/// twin, the same numbers for the same seed, and that they learn.
@Suite struct PointGANTests {
  func gan(_ implementation: Implementation, objective: GeneratorObjective = .nonSaturating) -> PointGAN {
    var rng = RNG(seed: 3, stream: 1)
    return PointGAN(latent: 2, hidden: 16, objective: objective, generatorLearningRate: 1e-3,
                    discriminatorLearningRate: 1e-3, implementation: implementation, rng: &rng)
  }

  /// Points of one Gaussian blob around (1, −0.5), σ 0.1.
  func blob(_ count: Int, seed: UInt64) -> Tensor {
    var rng = RNG(seed: seed)
    let noise = Tensor.normal([count, 2], using: &rng)
    let centre: [Float] = [1, -0.5]
    return Tensor(shape: [count, 2], data: (0..<(2 * count)).map { centre[$0 % 2] + 0.1 * noise.data[$0] })
  }

  @Test(arguments: [GeneratorObjective.nonSaturating, .saturating])
  func theReferenceAndTheOptimizedTwinTakeTheSameSteps(objective: GeneratorObjective) {
    let reference = gan(.reference, objective: objective), optimized = gan(.optimized, objective: objective)
    var noiseA = RNG(seed: 9), noiseB = RNG(seed: 9)
    for step in 0..<3 {
      let real = blob(32, seed: UInt64(step))
      let a = reference.step(real: real, noise: &noiseA), b = optimized.step(real: real, noise: &noiseB)
      expectClose([Float(a.discriminatorLoss), Float(a.generatorLoss), Float(a.realScore), Float(a.fakeScore)],
                  [Float(b.discriminatorLoss), Float(b.generatorLoss), Float(b.realScore), Float(b.fakeScore)],
                  Tolerance(atol: 1e-5, rtol: 1e-4), "step \(step)")
    }
    for ((name, p), (_, q)) in zip(reference.generator.parameters + reference.discriminator.parameters,
                                   optimized.generator.parameters + optimized.discriminator.parameters) {
      expectClose(p.value, q.value, Tolerance(atol: 1e-5, rtol: 1e-4), name)
    }
  }

  @Test func theSameSeedGivesTheSameNumbers() {
    let a = gan(.optimized), b = gan(.optimized)
    var noiseA = RNG(seed: 4), noiseB = RNG(seed: 4)
    for step in 0..<5 {
      let real = blob(64, seed: UInt64(step))
      let ra = a.step(real: real, noise: &noiseA), rb = b.step(real: real, noise: &noiseB)
      #expect(ra.discriminatorLoss == rb.discriminatorLoss && ra.generatorLoss == rb.generatorLoss)
      #expect(ra.discriminatorLoss.isFinite && ra.generatorLoss.isFinite)
    }
    #expect(a.generator.parameters.map { $0.parameter.value.data } == b.generator.parameters.map { $0.parameter.value.data })
  }

  @Test func theGeneratorMovesItsPointsOntoTheData() {
    let model = gan(.optimized)
    var noise = RNG(seed: 5), fixed = RNG(seed: 6)
    let codes = Tensor.normal([500, 2], using: &fixed)
    func distanceToData() -> Float {
      let points = model.generate(codes).data
      var x: Float = 0, y: Float = 0
      for n in 0..<500 {
        x += points[2 * n] / 500
        y += points[2 * n + 1] / 500
      }
      let dx = x - 1, dy = y + 0.5
      return (dx * dx + dy * dy).squareRoot()
    }
    let before = distanceToData()
    for step in 0..<400 { _ = model.step(real: blob(64, seed: UInt64(step)), noise: &noise) }
    let after = distanceToData()
    // The untrained generator's points sit near the origin, ≈ 1.1 from the blob.
    #expect(before > 0.8, "untrained: mean generated point \(before) from the data")
    #expect(after < 0.3 * before, "after 400 steps the mean generated point is still \(after) from the data (was \(before))")
  }
}

@Suite struct PointDenoiserTests {
  func denoiser(seed: UInt64 = 2) -> PointDenoiser {
    var rng = RNG(seed: seed, stream: 1)
    return PointDenoiser(schedule: .scaledLinear(steps: 100), hidden: 32, embedding: 8, learningRate: 2e-3, rng: &rng)
  }

  /// (x_0, t, ε) for a batch: points of a Gaussian blob, t uniform in 1…T.
  func batch(_ count: Int, seed: UInt64) -> (clean: Tensor, timesteps: [Int], noise: Tensor) {
    var rng = RNG(seed: seed)
    let spread = Tensor.normal([count, 2], using: &rng)
    let centre: [Float] = [0.8, -0.4]
    let clean = Tensor(shape: [count, 2], data: (0..<(2 * count)).map { centre[$0 % 2] + 0.2 * spread.data[$0] })
    let timesteps = (0..<count).map { _ in 1 + rng.int(below: 100) }
    return (clean, timesteps, Tensor.normal([count, 2], using: &rng))
  }

  /// The loss of ε̂ on a fixed batch, without a step.
  func loss(_ model: PointDenoiser, _ batch: (clean: Tensor, timesteps: [Int], noise: Tensor)) -> Double {
    let noisy = DiffusionNoising.noised(batch.clean, timesteps: batch.timesteps, noise: batch.noise, schedule: model.schedule)
    return Losses.meanSquaredError(model.predictNoise(noisy, timesteps: batch.timesteps), batch.noise).value
  }

  @Test func aStepReturnsTheLossOfItsBatchBeforeTheUpdate() {
    let model = denoiser()
    let first = batch(64, seed: 1)
    let before = loss(model, first)
    #expect(abs(model.step(clean: first.clean, timesteps: first.timesteps, noise: first.noise) - before) < 1e-6)
    #expect(model.predictNoise(first.clean, timesteps: first.timesteps).shape == [64, 2])
  }

  @Test func itLearnsToPredictTheNoise() {
    let model = denoiser(), held = batch(1024, seed: 999)
    let before = loss(model, held)
    for step in 0..<300 {
      let b = batch(128, seed: UInt64(step))
      _ = model.step(clean: b.clean, timesteps: b.timesteps, noise: b.noise)
    }
    let after = loss(model, held)
    // Predicting ε̂ = 0 scores 1; a blob this narrow leaves most of ε readable from x_t.
    #expect(after < 0.5 * before && after < 0.5, "held-out loss \(before) → \(after) after 300 steps")
  }

  @Test func theSameSeedGivesTheSameWeights() {
    let a = denoiser(), b = denoiser()
    for step in 0..<5 {
      let x = batch(32, seed: UInt64(step))
      #expect(a.step(clean: x.clean, timesteps: x.timesteps, noise: x.noise)
              == b.step(clean: x.clean, timesteps: x.timesteps, noise: x.noise))
    }
    #expect(a.network.parameters.map { $0.parameter.value.data } == b.network.parameters.map { $0.parameter.value.data })
  }
}
