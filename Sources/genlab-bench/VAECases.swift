import GenLab

/// Lesson 05's training step (`Models.VariationalAutoencoder.step`), for the speed
/// comparison with the JAX peer (`bench/peers/vae_jax.py`): an MLP VAE 784-400-20-400-784
/// at batch 128 — encoder forward, reparameterization, decoder forward, Bernoulli loss
/// from logits, the closed-form KL, backward through all of it, one Adam update.
/// FLOPs: forward 2·B·Σ in·out, backward the weight gradients (same again) and the
/// input gradients of every layer but the first.
func vaeCases() -> [BenchCase] {
  [vaeStepCase()]
}

private final class VAEStep {
  let model: VariationalAutoencoder, optimizer: Adam
  let images: Tensor
  var noise = RNG(seed: 3)

  init(implementation: Implementation, batch: Int) {
    var rng = RNG(seed: 1)
    model = VariationalAutoencoder(architecture: .mlp, latent: 20, implementation: implementation, rng: &rng)
    optimizer = Adam(parameters: model.parameters)
    images = Tensor.uniform([batch, 1, 28, 28], using: &rng)
  }

  func step() {
    _ = model.step(images, optimizer: optimizer, rng: &noise)
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
