import GenLab

// Diffusion cases: the noising twins (`diffusionNoisingCases()`); the samplers and the
// lessons' training steps get their own functions here.

/// The forward-process twins on a Fashion-MNIST-sized batch x_0 [64, 1, 28, 28], every
/// item at the same t: the reference chain (`noiseReference`, t single steps, t normal
/// draws per element) against the closed form (`noise`, one draw and one multiply-add
/// per element). The speed-up grows like t; at t = 1000 the target is ≥ 100×. FLOPs
/// count the closed form's 3 per element (2 multiplies, 1 add; the normal draws are not
/// counted) — the chain does t times as many plus t times the draws.
func diffusionNoisingCases() -> [BenchCase] {
  let shape = [64, 1, 28, 28]
  var rng = RNG(seed: 1)
  let x0 = Tensor.uniform(shape, in: -1..<1, using: &rng)
  let schedule = NoiseSchedule.linear(steps: 1000)
  return [1000, 100].map { t in
    let timesteps = [Int](repeating: t, count: shape[0])
    var referenceRNG = RNG(seed: 2), optimizedRNG = RNG(seed: 2)
    return BenchCase(op: "noising", shape: "64×1×28×28 t=\(t)", flops: 3 * Double(x0.count),
                     group: "diffusion",
                     reference: { _ = DiffusionNoising.noiseReference(x0, timesteps: timesteps, schedule: schedule,
                                                                      rng: &referenceRNG) },
                     optimized: { _ = DiffusionNoising.noise(x0, timesteps: timesteps, schedule: schedule,
                                                             rng: &optimizedRNG) })
  }
}

/// Lesson 09's denoiser (`Models.UNet`, C = 32) at work: one training step
/// (`DenoisingDiffusion.step`: closed-form noising, U-Net forward and backward, Adam, the
/// weight average) on a batch of 64, and a sampling run (DDIM, 20 network calls, 16 images
/// — what each training snapshot costs). FLOPs count the convolutions' multiply-adds
/// (2 per), forward only for sampling and forward + backward (×3) for training. The
/// reference twin (direct-loop convolutions) is above the reference limit: it is skipped
/// unless `--reference-limit` is raised.
func denoiserCases() -> [BenchCase] {
  var rng = RNG(seed: 1)
  let schedule = NoiseSchedule.linear(steps: 1000)
  let reference = DenoisingDiffusion(schedule: schedule, implementation: .reference, rng: &rng)
  let optimized = DenoisingDiffusion(schedule: schedule, implementation: .optimized, rng: &rng)
  let clean = Tensor.uniform([64, 1, 28, 28], in: -1..<1, using: &rng)
  let start = Tensor.normal([16, 1, 28, 28], using: &rng)
  var referenceRNG = RNG(seed: 2), optimizedRNG = RNG(seed: 2)
  // Multiply-adds per image of each convolution: (in·k·k) × (out·H·W) at its output size.
  let c = optimized.network.baseChannels
  let convolutions: [(Int, Int)] = [
    (1 * 9, c * 784), (c * 9, c * 784), (c * 9, c * 784),                       // input, down1
    (c * 16, 2 * c * 196), (2 * c * 9, 2 * c * 196), (2 * c * 9, 2 * c * 196),  // downsample1, down2
    (2 * c * 16, 2 * c * 49), (2 * c * 9, 2 * c * 49), (2 * c * 9, 2 * c * 49), // downsample2, middle
    (2 * c * 16, 2 * c * 49),                                                      // upsample2 (per input pixel)
    (4 * c * 9, 2 * c * 196), (2 * c * 9, 2 * c * 196),                           // up2
    (2 * c * 16, c * 196),                                                         // upsample1 (per input pixel)
    (2 * c * 9, c * 784), (c * 9, c * 784), (c * 9, 1 * 784),                     // up1, output
  ]
  let forward = convolutions.reduce(0.0) { $0 + 2 * Double($1.0) * Double($1.1) }
  func sample(_ model: DenoisingDiffusion) {
    _ = DiffusionNoising.sampleDDIM(from: start, steps: 20, schedule: schedule, clip: -1...1) { x, t in
      model.predictNoise(x, t)
    }
  }
  return [
    BenchCase(op: "unet_step", shape: "C\(c) B64 28×28", flops: 64 * 3 * forward, group: "diffusion",
              reference: { _ = reference.step(clean, rng: &referenceRNG) },
              optimized: { _ = optimized.step(clean, rng: &optimizedRNG) }),
    BenchCase(op: "ddim_sample", shape: "20 steps, 16 images", flops: 20 * 16 * forward, group: "diffusion",
              reference: { sample(reference) }, optimized: { sample(optimized) }),
  ]
}
