import GenLab

/// Lesson 05's training step, for the speed comparison with the JAX peer
/// (`bench/peers/vae_jax.py`): an MLP VAE 784-400-20-400-784 at batch 128 — encoder
/// forward, reparameterization, decoder forward, Bernoulli loss from logits, the
/// closed-form KL, backward through all of it, one Adam update. The step is written
/// out as in `Lessons/05-VAE/Trainer.swift` (the lesson cannot be imported).
/// FLOPs: forward 2·B·Σ in·out, backward the weight gradients (same again) and the
/// input gradients of every layer but the first.
func vaeCases() -> [BenchCase] {
  [vaeStepCase()]
}

private final class VAEStep {
  let encoder: Sequential, decoder: Sequential, optimizer: Adam
  let images: Tensor
  var noise = RNG(seed: 3)
  let implementation: Implementation

  init(implementation: Implementation, batch: Int) {
    self.implementation = implementation
    var rng = RNG(seed: 1)
    let first = Linear(inputSize: 784, outputSize: 400, implementation: implementation, rng: &rng)
    first.computesInputGradient = false
    encoder = Sequential(first, ReLU(), Linear(inputSize: 400, outputSize: 40, implementation: implementation, rng: &rng))
    decoder = Sequential(Linear(inputSize: 20, outputSize: 400, implementation: implementation, rng: &rng), ReLU(),
                         Linear(inputSize: 400, outputSize: 784, implementation: implementation, rng: &rng))
    optimizer = Adam(parameters: encoder.parameters.map { ("encoder.\($0.name)", $0.parameter) }
                       + decoder.parameters.map { ("decoder.\($0.name)", $0.parameter) })
    images = Tensor.uniform([batch, 784], using: &rng)
  }

  func step() {
    let batch = images.shape[0]
    optimizer.zeroGradients()
    let statistics = encoder.forward(images, training: true)
    let mean = statistics.columns(0..<20), logVariance = statistics.columns(20..<40)
    let (z, epsilon) = implementation == .reference
      ? Reparameterization.sampleReference(mean: mean, logVariance: logVariance, rng: &noise)
      : Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &noise)
    let logits = decoder.forward(z, training: true)
    let reconstruction = Losses.binaryCrossEntropyWithLogits(logits, images, reduction: .batchMean)
    _ = Reparameterization.klDivergence(mean: mean, logVariance: logVariance)
    let zGradient = decoder.backward(reconstruction.gradient)
    let gradients = implementation == .reference
      ? Reparameterization.backwardReference(zGradient: zGradient, epsilon: epsilon, mean: mean,
                                             logVariance: logVariance, klScale: 1 / Float(batch))
      : Reparameterization.backward(zGradient: zGradient, epsilon: epsilon, mean: mean,
                                    logVariance: logVariance, klScale: 1 / Float(batch))
    let joined = Tensor.concatenatingColumns([gradients.mean, gradients.logVariance])
    _ = encoder.backward(joined)
    optimizer.step()
  }
}

private func vaeStepCase() -> BenchCase {
  let batch = 128
  let layers = [(784, 400), (400, 40), (20, 400), (400, 784)]
  let forward = 2 * Double(batch) * Double(layers.reduce(0) { $0 + $1.0 * $1.1 })
  let flops = 3 * forward - 2 * Double(batch * 784 * 400)
  let reference = VAEStep(implementation: .reference, batch: batch)
  let optimized = VAEStep(implementation: .optimized, batch: batch)
  return BenchCase(op: "vae_step", shape: "MLP 784-400-20 B\(batch)", flops: flops, group: "vae",
                   reference: { reference.step() }, optimized: { optimized.step() })
}
