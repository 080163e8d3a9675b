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
