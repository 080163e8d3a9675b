import GenLab

/// Lesson 07's training step (`Models.DCGAN.step`): the discriminator on a real and a
/// fake batch, then the generator through the discriminator, batch 64, with BatchNorm
/// and two Adam updates — the number the JAX peer (`bench/peers/dcgan_jax.py`) is
/// compared with. FLOPs count the convolution, transposed-convolution and linear
/// layers' multiply-adds (2 per): G forward + backward once (×3), D forward +
/// backward three times (×3 each).
func dcganCases() -> [BenchCase] {
  let batch = 64
  var rng = RNG(seed: 1)
  let reference = DCGAN(implementation: .reference, rng: &rng)
  let optimized = DCGAN(implementation: .optimized, rng: &rng)
  let real = Tensor.uniform([batch, 1, 28, 28], in: -1..<1, using: &rng)
  var noiseReference = RNG(seed: 2), noiseOptimized = RNG(seed: 2)
  let perImage = { (layers: [(Int, Int)]) in layers.reduce(0.0) { $0 + 2 * Double($1.0) * Double($1.1) } }
  // (multiply-adds per output element × output elements) per image, as (a, b) products.
  let generator = perImage([(100, 128 * 49), (64 * 16, 128 * 49), (16, 64 * 196)])
  let discriminator = perImage([(16, 64 * 196), (64 * 16, 128 * 49), (128 * 49, 1)])
  let flops = Double(batch) * 3 * (generator + 3 * discriminator)
  return [BenchCase(op: "dcgan_step", shape: "28×28 B\(batch)", flops: flops, group: "dcgan",
                    reference: { _ = reference.step(real: real, noise: &noiseReference) },
                    optimized: { _ = optimized.step(real: real, noise: &noiseOptimized) })]
}
