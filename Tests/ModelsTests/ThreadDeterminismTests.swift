import Autoregressive
import Core
import DiffusionNoising
import GANLoss
import Models
import NN
import Reparameterization
import Testing

/// Every optimized twin and every model's training step gives bit-identical numbers on 1
/// and on 2 threads (the conv, transposed-conv, GEMM and Linear twins have their own
/// tests in their modules). Each check runs the same work from the same seed twice and
/// compares bit patterns. Parallel.threadCount is process-wide: one test at a time.
@Suite(.serialized) struct ThreadDeterminismTests {
  /// `body` on 1 thread and on 2, its results as bit patterns.
  func onOneAndTwoThreads(_ body: () -> [Tensor]) -> (one: [[UInt32]], two: [[UInt32]]) {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    var results: [[[UInt32]]] = []
    for threads in [1, 2] {
      Parallel.threadCount = threads
      results.append(body().map { $0.data.map(\.bitPattern) })
    }
    return (results[0], results[1])
  }

  func expectSame(_ name: String, _ body: () -> [Tensor]) {
    let (one, two) = onOneAndTwoThreads(body)
    for (index, (a, b)) in zip(one, two).enumerated() {
      #expect(a == b, "\(name): result \(index) differs between 1 and 2 threads")
    }
  }

  @Test func reparameterizationAndGANLossTwins() {
    var rng = RNG(seed: 1)
    let mean = Tensor.normal([64, 32], using: &rng), logVariance = Tensor.normal([64, 32], using: &rng)
    let dz = Tensor.normal([64, 32], using: &rng)
    let logits = Tensor.normal([256, 1], using: &rng) * 5
    expectSame("Reparameterization") {
      var draw = RNG(seed: 2)
      let (z, epsilon) = Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &draw)
      let kl = Reparameterization.klDivergence(mean: mean, logVariance: logVariance)
      let g = Reparameterization.backward(zGradient: dz, epsilon: epsilon, mean: mean, logVariance: logVariance, klScale: 0.1)
      return [z, Tensor(shape: [kl.count], data: kl.map(Float.init)), g.mean, g.logVariance]
    }
    expectSame("GANLoss") {
      let d = GANLoss.discriminatorLoss(realLogits: logits, fakeLogits: logits * -1)
      let g = GANLoss.generatorLoss(fakeLogits: logits, objective: .nonSaturating)
      return [Tensor(Float(d.value)), d.realGradient, d.fakeGradient, Tensor(Float(g.value)), g.fakeGradient]
    }
  }

  @Test func noisingTwinAndSamplers() {
    let schedule = NoiseSchedule.cosine(steps: 100)
    var rng = RNG(seed: 3)
    let x0 = Tensor.normal([16, 1, 28, 28], using: &rng)
    let timesteps = (0..<16).map { 1 + 6 * $0 }
    expectSame("DiffusionNoising") {
      var draw = RNG(seed: 4)
      let (noisy, noise) = DiffusionNoising.noise(x0, timesteps: timesteps, schedule: schedule, rng: &draw)
      let step = DiffusionNoising.ddpmStep(noisy, predictedNoise: noise, t: 50, schedule: schedule, rng: &draw)
      return [noisy, noise, step]
    }
  }

  @Test func attentionTransformerAndCachedSampling() {
    var rng = RNG(seed: 5)
    let model = CharTransformer(.init(vocabulary: 20, context: 48, width: 32, heads: 4, layers: 2), rng: &rng)
    let sequences = (0..<6).map { _ in (0..<48).map { _ in rng.int(below: 20) } }
    let dlogits = Tensor.normal([6 * 48, 20], using: &rng)
    expectSame("CharTransformer") {
      for (_, parameter) in model.parameters { parameter.zeroGradient() }
      let logits = model.forward(sequences, training: true)
      model.backward(dlogits)
      var draw = RNG(seed: 6)
      let text = Autoregressive.generate(model, prompt: [0], count: 40, rule: .init(temperature: 1), rng: &draw)
      return [logits, Tensor(shape: [text.count], data: text.map(Float.init))] + model.parameters.map(\.parameter.gradient)
    }
  }

  @Test func uNetDiffusionStepAndDCGANStep() {
    expectSame("DenoisingDiffusion.step") {
      var initRNG = RNG(seed: 7)
      let model = DenoisingDiffusion(schedule: .scaledLinear(steps: 50), baseChannels: 8, rng: &initRNG)
      var data = RNG(seed: 8)
      let clean = Tensor.normal([4, 1, 28, 28], using: &data)
      var noise = RNG(seed: 9)
      let loss = model.step(clean, rng: &noise).loss
      return [Tensor(Float(loss))] + model.network.parameters.map(\.parameter.value)
    }
    expectSame("DCGAN.step") {
      var initRNG = RNG(seed: 10)
      let gan = DCGAN(rng: &initRNG)
      var data = RNG(seed: 11)
      let real = Tensor.uniform([8, 1, 28, 28], in: -1..<1, using: &data)
      var noise = RNG(seed: 12)
      let result = gan.step(real: real, noise: &noise)
      return [Tensor(Float(result.discriminatorLoss)), Tensor(Float(result.generatorLoss))]
        + gan.generator.parameters.map(\.parameter.value) + gan.discriminator.parameters.map(\.parameter.value)
    }
  }
}
