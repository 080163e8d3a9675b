import Core
import DiffusionNoising
@testable import Models
import NN
import TestSupport
import Testing

@Suite struct UNetTests {
  /// A small U-Net (C = 8, 4 groups) whose zero-initialised last conv is made random,
  /// so that every parameter has a gradient.
  private func smallNetwork(_ implementation: Implementation = .optimized, seed: UInt64 = 5) -> UNet {
    var rng = RNG(seed: seed)
    let network = UNet(baseChannels: 8, groups: 4, timeEmbeddingSize: 8, implementation: implementation, rng: &rng)
    network.output.weight.value = Tensor.normal(network.output.weight.value.shape, std: 0.3, using: &rng)
    return network
  }

  @Test func shapesAndNames() {
    let network = smallNetwork()
    var rng = RNG(seed: 1)
    let x = Tensor.normal([3, 1, 28, 28], using: &rng)
    #expect(network.forward(x, timesteps: [1, 500, 1000], training: false).shape == [3, 1, 28, 28])
    let names = network.parameters.map(\.name)
    #expect(Set(names).count == names.count, "parameter names must be unique")
    #expect(names.contains("down1.conv1.weight") && names.contains("up1.time.bias") && names.contains("output.weight"))
    // 12 parts: the time MLP (2 Linear), input conv, 5 blocks (conv, projection, 2 GroupNorm, conv: 10 tensors each),
    // 2 downsampling convs, 2 transposed convs, output conv — each with weight and bias.
    #expect(names.count == 4 + 2 + 5 * 10 + 4 + 4 + 2)
  }

  /// Backward against central differences along a random direction V through each part's
  /// parameters (the time MLP, every conv, every block): Σ (dL/dθ)·V must equal
  /// (L(θ + hV) − L(θ − hV)) / 2h. Two forwards per part check the skips and the time path
  /// too. (The twins' gradients are compared element by element in `twinsAgree`.)
  @Test func backwardMatchesDirectionalDerivatives() {
    let network = smallNetwork()
    var rng = RNG(seed: 2)
    let x = Tensor.normal([2, 1, 28, 28], using: &rng)
    let timesteps = [3, 700]
    let weights = Tensor.normal([2, 1, 28, 28], using: &rng)
    network.zeroGradients()
    _ = network.forward(x, timesteps: timesteps, training: true)
    network.backward(weights)
    func loss() -> Double { weightedSum(network.forward(x, timesteps: timesteps, training: true), weights) }
    // A small step: at h = 1e-2 a conv's weights move by ≈ 10 % and GroupNorm's curvature
    // shows (the difference is then off by up to 100 %); L is summed in Double, so the float32
    // rounding of the outputs costs ≈ 1e-5 in L, ≈ 5e-3 in the quotient.
    let h: Float = 1e-3
    let parts = Dictionary(grouping: network.parameters) { String($0.name.prefix { $0 != "." }) }
    #expect(parts.count == 12)
    var plus = 0.0, minus = 0.0
    for (part, parameters) in parts.sorted(by: { $0.key < $1.key }) {
      let directions = parameters.map { Tensor.normal($0.parameter.value.shape, using: &rng) }
      let analytic = zip(parameters, directions).reduce(0.0) { $0 + weightedSum($1.0.parameter.gradient, $1.1) }
      let originals = parameters.map(\.parameter.value)
      for sign: Float in [1, -1] {
        for ((_, parameter), (original, direction)) in zip(parameters, zip(originals, directions)) {
          parameter.value = original + sign * h * direction
        }
        if sign == 1 { plus = loss() } else { minus = loss() }
      }
      for ((_, parameter), original) in zip(parameters, originals) { parameter.value = original }
      let numeric = (plus - minus) / Double(2 * h)
      #expect(abs(analytic - numeric) <= 1e-2 + 3e-2 * abs(numeric),
              "\(part): backward gives \(analytic), central difference \(numeric)")
    }
  }

  @Test func twinsAgree() {
    let fast = smallNetwork(.optimized), slow = smallNetwork(.reference)
    var rng = RNG(seed: 3)
    let x = Tensor.normal([2, 1, 28, 28], using: &rng)
    let yFast = fast.forward(x, timesteps: [10, 900], training: true)
    let ySlow = slow.forward(x, timesteps: [10, 900], training: true)
    expectClose(yFast, ySlow, Tolerance(atol: 1e-4, rtol: 1e-4), "U-Net forward, im2col vs direct loops")
    let dy = Tensor.normal(yFast.shape, using: &rng)
    fast.backward(dy)
    slow.backward(dy)
    for ((name, a), (_, b)) in zip(fast.parameters, slow.parameters) {
      expectClose(a.gradient, b.gradient, Tolerance(atol: 1e-3, rtol: 1e-3), "U-Net dL/d\(name), twins")
    }
  }
}

@Suite struct DenoisingDiffusionTests {
  @Test func weightAverageFollowsTheFormula() {
    var rng = RNG(seed: 4)
    let layer = Linear(inputSize: 2, outputSize: 1, rng: &rng)
    let average = WeightAverage(layer, decay: 0.9)
    let start = layer.weight.value
    layer.weight.value = start + 1
    average.update(from: layer)   // update 1: d = min(0.9, 2/11)
    let d: Float = 2.0 / 11.0
    expectClose(average.buffers[0].buffer.value, d * start + (1 - d) * (start + 1), Tolerance(atol: 1e-6, rtol: 1e-6),
                "θ̄ after one update")
    let trained = layer.weight.value
    let seen = average.swappedIn(layer) { layer.weight.value }
    #expect(seen == average.buffers[0].buffer.value, "inside swappedIn the layer holds the average")
    #expect(layer.weight.value == trained, "after swappedIn the trained weights are back")
  }

  @Test func stepIsDeterministicAndLossStartsNearOne() {
    // With the last conv at zero, ε̂ = 0 and the first loss is the mean of ε², ≈ 1.
    func run() -> [Double] {
      var rng = RNG(seed: 6)
      let model = DenoisingDiffusion(schedule: .linear(steps: 100), baseChannels: 8, rng: &rng)
      let x0 = Tensor.uniform([4, 1, 28, 28], in: -1..<1, using: &rng)
      return (0..<2).map { _ in model.step(x0, rng: &rng).loss }
    }
    let losses = run()
    #expect(abs(losses[0] - 1) < 0.1, "first loss \(losses[0]) should be ≈ E[ε²] = 1")
    #expect(run() == losses, "the same seed gives the same losses")
  }

  /// A C = 8 model and a batch, from one seed.
  private func smallModel(_ recipe: DenoisingDiffusion.Recipe, learningRate: Float = 1e-3)
    -> (DenoisingDiffusion, Tensor, RNG) {
    var rng = RNG(seed: 6)
    let model = DenoisingDiffusion(schedule: .linear(steps: 100), baseChannels: 8, learningRate: learningRate,
                                   recipe: recipe, rng: &rng)
    let x0 = Tensor.uniform([4, 1, 28, 28], in: -1..<1, using: &rng)
    return (model, x0, rng)
  }

  private func weights(_ model: DenoisingDiffusion) -> [Tensor] { model.network.parameters.map(\.parameter.value) }

  /// Min-SNR with γ above every SNR weights every image by SNR/SNR = 1: the plain step, bit for
  /// bit. A small γ changes the step (it turns the low-noise images down).
  @Test func minSNRWithAHugeGammaIsThePlainLoss() {
    func train(_ recipe: DenoisingDiffusion.Recipe) -> [Tensor] {
      let (model, x0, start) = smallModel(recipe)
      var rng = start
      for _ in 0..<3 { _ = model.step(x0, rng: &rng) }
      return weights(model)
    }
    let plain = train(.init())
    #expect(train(.init(minSNR: 1e30)) == plain)
    #expect(train(.init(minSNR: 1)) != plain)
  }

  /// The learning rate rises as lr·n/warmup over the first `warmupSteps` steps, then stays at lr.
  @Test func warmupRaisesTheLearningRateLinearly() {
    let (model, x0, start) = smallModel(.init(warmupSteps: 4), learningRate: 2e-3)
    var rng = start
    var rates: [Float] = []
    for _ in 0..<6 {
      _ = model.step(x0, rng: &rng)
      rates.append(model.optimizer.learningRate)
    }
    let expected: [Float] = [5e-4, 1e-3, 1.5e-3, 2e-3, 2e-3, 2e-3]
    #expect(zip(rates, expected).allSatisfy { abs($0 - $1) <= 1e-9 }, "learning rates \(rates)")
  }

  /// With clipping, the gradient the optimizer used has global norm exactly the limit when the
  /// raw norm was larger, and is untouched when it was smaller (the models start alike: one seed).
  @Test func clippingBoundsTheGlobalGradientNorm() {
    func normAfterOneStep(_ recipe: DenoisingDiffusion.Recipe) -> Double {
      let (model, x0, start) = smallModel(recipe)
      var rng = start
      _ = model.step(x0, rng: &rng)
      return model.network.parameters.reduce(0.0) { sum, p in
        p.parameter.gradient.data.reduce(sum) { $0 + Double($1) * Double($1) }
      }.squareRoot()
    }
    let raw = normAfterOneStep(.init())
    #expect(raw > 0)
    let limit = raw / 4
    #expect(abs(normAfterOneStep(.init(gradientClip: Float(limit))) - limit) <= 1e-4 * limit)
    #expect(normAfterOneStep(.init(gradientClip: Float(4 * raw))) == raw)
  }
}
