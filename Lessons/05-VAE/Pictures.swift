import Foundation
import GenLab

/// Test images and their reconstructions, interleaved by rows of 8: originals,
/// reconstructions, originals, reconstructions (four pairs).
func writeReconstructions(_ model: VariationalAutoencoder, _ images: Tensor, to path: String) throws {
  let originals = images.slice(0..<32)
  let reconstructions = model.decodeMean(model.encode(originals).mean)
  let rows = (0..<4).flatMap { r in [originals, reconstructions].map { $0.slice((8 * r)..<(8 * r + 8)) } }
  try PNG.writeGrid(Tensor.concatenatingRows(rows), columns: 8, scale: 2, to: path)
}

/// For each pair (a, b): image a, the decoder along the straight line from code(a)
/// to code(b) at 8 points, image b — a row of 10.
func writeInterpolations(_ model: VariationalAutoencoder, _ images: Tensor, pairs: [(Int, Int)], to path: String) throws {
  var rows: [Tensor] = []
  for (a, b) in pairs {
    let ends = model.encode(images.gather([a, b])).mean      // [2, D]
    let d = ends.shape[1]
    var codes = [Float]()
    for step in 0..<8 {
      let t = Float(step) / 7
      for j in 0..<d { codes.append((1 - t) * ends.data[j] + t * ends.data[d + j]) }
    }
    let decoded = model.decodeMean(Tensor(shape: [8, d], data: codes))
    rows += [images.gather([a]), decoded, images.gather([b])]
  }
  try PNG.writeGrid(Tensor.concatenatingRows(rows), columns: 10, scale: 2, to: path)
}

/// The decoder over a side×side grid of 2-D codes in [−range, range]²: z₁ grows to
/// the right, z₂ grows upwards (the first row is the top, z₂ = range).
func manifold(_ model: VariationalAutoencoder, side: Int, range: Float) -> Tensor {
  precondition(model.latent == 2, "manifold: needs a 2-D code, the model has \(model.latent)")
  var codes = [Float]()
  for row in 0..<side {
    for column in 0..<side {
      let z1 = -range + 2 * range * Float(column) / Float(side - 1)
      let z2 = range - 2 * range * Float(row) / Float(side - 1)
      codes += [z1, z2]
    }
  }
  return model.decodeMean(Tensor(shape: [side * side, 2], data: codes))
}

/// Section 3: the two twins on a batch of made-up (μ, logσ²): same z, same gradients;
/// the Monte-Carlo KL closing in on the closed form like 1/√S; then the times.
func checkReparameterizationTwins(latent: Int, seed: UInt64, run: TrainingRun) {
  Console.section("3. The reparameterization trick: z = μ + σ·ε, both twins")
  var rng = RNG(seed: seed, stream: 40)
  let mean = Tensor.normal([128, latent], using: &rng)
  let logVariance = Tensor.uniform([128, latent], in: -2..<1, using: &rng)
  let zGradient = Tensor.normal([128, latent], using: &rng)
  var a = RNG(seed: seed, stream: 41), b = a
  let reference = Reparameterization.sampleReference(mean: mean, logVariance: logVariance, rng: &a)
  let optimized = Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &b)
  let sampleDifference = reference.z.maxAbsDifference(optimized.z)
  let backwardReference = Reparameterization.backwardReference(
    zGradient: zGradient, epsilon: reference.epsilon, mean: mean, logVariance: logVariance, klScale: 1.0 / 128)
  let backward = Reparameterization.backward(
    zGradient: zGradient, epsilon: optimized.epsilon, mean: mean, logVariance: logVariance, klScale: 1.0 / 128)
  let gradientDifference = max(backwardReference.mean.maxAbsDifference(backward.mean),
                               backwardReference.logVariance.maxAbsDifference(backward.logVariance))
  print("z: max |reference − vectorized| = \(Format.number(sampleDifference)) (same ε stream, so the same z)")
  print("dL/dμ, dL/dlogσ²: max |reference − fused| = \(Format.number(gradientDifference))")
  precondition(sampleDifference <= 1e-6 && gradientDifference <= 1e-5,
               "the reparameterization twins disagree (z \(sampleDifference), gradients \(gradientDifference)): please report this bug")

  let few = mean.slice(0..<8), fewLogVariance = logVariance.slice(0..<8)
  let exact = Reparameterization.klDivergence(mean: few, logVariance: fewLogVariance).reduce(0, +) / 8
  print("KL of 8 codes, nats: closed form \(String(format: "%.4f", exact)); Monte Carlo with S samples:")
  var lines: [(key: String, value: String)] = [("reparameterization twins, max |Δz| / |Δgradient|",
                                                "\(Format.number(sampleDifference)) / \(Format.number(gradientDifference))")]
  for samples in [10, 1000, 100_000] {
    var mc = RNG(seed: seed, stream: 42)
    let estimate = Reparameterization.klDivergenceReference(mean: few, logVariance: fewLogVariance,
                                                            samples: samples, rng: &mc).reduce(0, +) / 8
    print("  S = \(samples)\(String(repeating: " ", count: max(1, 7 - String(samples).count)))\(String(format: "%.4f", estimate))"
          + "   error \(String(format: "%+.4f", estimate - exact))")
    lines.append(("KL, Monte Carlo S = \(samples) (closed form \(String(format: "%.4f", exact)))", String(format: "%.4f", estimate)))
  }
  print("(the error shrinks like 1/√S on average: a hundred times the samples, a tenth of the error)")

  var timingRNG = RNG(seed: seed, stream: 43)
  let referenceTime = Timing.measure(minRepeats: 5, minSeconds: 0.1) {
    let s = Reparameterization.sampleReference(mean: mean, logVariance: logVariance, rng: &timingRNG)
    _ = Reparameterization.backwardReference(zGradient: zGradient, epsilon: s.epsilon, mean: mean,
                                             logVariance: logVariance, klScale: 1.0 / 128)
  }.median
  let optimizedTime = Timing.measure(minRepeats: 5, minSeconds: 0.1) {
    let s = Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &timingRNG)
    _ = Reparameterization.backward(zGradient: zGradient, epsilon: s.epsilon, mean: mean,
                                    logVariance: logVariance, klScale: 1.0 / 128)
  }.median
  print("sample + backward, batch 128 × \(latent): reference \(Format.duration(referenceTime)), "
        + "closed form \(Format.duration(optimizedTime)) (\(Format.number(Float(referenceTime / optimizedTime)))×); "
        + "either is a sliver of a training step")
  lines.append(("sample + backward, reference / closed form", "\(Format.duration(referenceTime)) / \(Format.duration(optimizedTime))"))
  run.report.metrics += lines
}
