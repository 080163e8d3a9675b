import Core
import Foundation
import Models
import NN
import Testing
import TestSupport

/// Lesson 05's autoencoder and VAE as the capstone uses them. The networks are the
/// lesson's (784 pixels in, fixed widths), so the tests keep batches small.
@Suite struct VAETests {
  /// Binarized random images [n, 1, 28, 28]: a blob of "on" pixels whose place depends
  /// on the image, so there is something for the code to carry.
  static func images(_ n: Int, seed: UInt64) -> Tensor {
    var rng = RNG(seed: seed)
    let noise = Tensor.uniform([n, 1, 28, 28], using: &rng)
    var out = Tensor(zeros: [n, 1, 28, 28])
    for i in 0..<n {
      let (row, column) = (6 + (i * 5) % 16, 6 + (i * 11) % 16)
      for r in 0..<28 {
        for c in 0..<28 {
          let inside = abs(r - row) <= 4 && abs(c - column) <= 4
          out.data[i * 784 + r * 28 + c] = (inside ? noise.data[i * 784 + r * 28 + c] < 0.9
                                                   : noise.data[i * 784 + r * 28 + c] < 0.05) ? 1 : 0
        }
      }
    }
    return out
  }

  /// The names lesson 05's checkpoints use (read from a checkpoint it wrote, minus the
  /// phase prefix "vae."), so old checkpoints still load, and the counts by hand.
  @Test(arguments: VariationalAutoencoder.Architecture.allCases)
  func parameterNamesAndCount(architecture: VariationalAutoencoder.Architecture) {
    var rng = RNG(seed: 1)
    let model = VariationalAutoencoder(architecture: architecture, latent: 20, rng: &rng)
    let names = model.parameters.map(\.name)
    switch architecture {
    case .mlp:
      #expect(names == ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
                        "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"])
      #expect(model.parameterCount == (784 * 400 + 400) + (400 * 40 + 40) + (20 * 400 + 400) + (400 * 784 + 784))
    case .conv:
      #expect(names == ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
                        "encoder.5.weight", "encoder.5.bias",
                        "decoder.0.weight", "decoder.0.bias", "decoder.3.weight", "decoder.3.bias",
                        "decoder.5.weight", "decoder.5.bias"])
      #expect(model.parameterCount == (32 * 16 + 32) + (64 * 32 * 16 + 64) + (3136 * 40 + 40)
              + (20 * 3136 + 3136) + (64 * 32 * 16 + 32) + (32 * 16 + 1))
    }
    #expect(model.parameterCount == model.parameters.reduce(0) { $0 + $1.parameter.value.count })
    let autoencoder = VariationalAutoencoder(architecture: architecture, latent: 20, variational: false, rng: &rng)
    #expect(autoencoder.parameterCount == model.parameterCount - (architecture == .mlp ? 400 * 20 + 20 : 3136 * 20 + 20))
  }

  struct ShapeCase: CustomTestStringConvertible, Sendable {
    var architecture: VariationalAutoencoder.Architecture
    var latent: Int
    var variational: Bool
    var count: Int
    var testDescription: String { "\(architecture) latent \(latent) \(variational ? "VAE" : "AE") N \(count)" }
  }

  @Test(arguments: [ShapeCase(architecture: .mlp, latent: 20, variational: true, count: 3),
                    ShapeCase(architecture: .mlp, latent: 2, variational: false, count: 1),
                    ShapeCase(architecture: .conv, latent: 3, variational: true, count: 2)])
  func shapes(_ c: ShapeCase) {
    var rng = RNG(seed: 2)
    let model = VariationalAutoencoder(architecture: c.architecture, latent: c.latent, variational: c.variational, rng: &rng)
    let x = Self.images(c.count, seed: 3)
    let (mean, logVariance) = model.encode(x)
    #expect(mean.shape == [c.count, c.latent])
    #expect(logVariance?.shape == (c.variational ? [c.count, c.latent] : nil))
    #expect(model.decodeLogits(mean).shape == [c.count, 784])
    let decoded = model.decodeMean(mean)
    #expect(decoded.shape == [c.count, 1, 28, 28])
    #expect(decoded.min() >= 0 && decoded.max() <= 1)
    #expect(model.sampleMeans(4, rng: &rng).shape == [4, 1, 28, 28])
    if c.variational {
      #expect(model.importanceWeightedBound(x, samples: 3, rng: &rng).count == c.count)
    }
  }

  /// bernoulliLogLikelihood against log σ(l) and log(1 − σ(l)) written out, on a few
  /// logits including large ones (where the naive form would lose digits), gray targets too.
  @Test func bernoulliLogLikelihoodByHand() {
    let logits: [Float] = [0, 2, -3, 30, -30, 0.5]
    let targets: [Float] = [1, 0, 0, 1, 0, 0.25]
    var expected = 0.0
    for (l, y) in zip(logits.map(Double.init), targets.map(Double.init)) {
      let logP = -log1p(exp(-l)), logNotP = -l - log1p(exp(-l))    // log σ(l), log(1 − σ(l))
      expected += y * logP + (1 - y) * logNotP
    }
    let got = Losses.bernoulliLogLikelihood(
      logits: Tensor(shape: [1, 6], data: logits), targets: Tensor(shape: [1, 6], data: targets))
    #expect(got.count == 1)
    #expect(abs(got[0] - expected) <= 1e-12 * abs(expected) + 1e-12, "\(got[0]) vs \(expected)")
  }

  /// A few Adam steps on one small batch lower the loss, the returned loss is its two
  /// terms' sum, and the autoencoder's KL is 0. (The reference twin takes the same steps:
  /// `twinsTakeTheSameSteps`.)
  @Test(arguments: [(Implementation.optimized, true), (.optimized, false)])
  func stepLowersTheLoss(implementation: Implementation, variational: Bool) {
    var rng = RNG(seed: 4)
    let model = VariationalAutoencoder(latent: 4, variational: variational, implementation: implementation, rng: &rng)
    let optimizer = Adam(parameters: model.parameters, learningRate: 1e-3)
    let x = Self.images(8, seed: 5)
    var noise = RNG(seed: 6)
    var losses: [Double] = []
    for _ in 0..<12 {
      let (loss, reconstruction, kl) = model.step(x, optimizer: optimizer, rng: &noise)
      #expect(loss.isFinite && abs(loss - (reconstruction + kl)) <= 1e-9 * abs(loss))
      #expect(variational ? kl >= 0 : kl == 0)
      losses.append(loss)
    }
    #expect(losses.last! < 0.8 * losses.first!, "losses \(losses)")
  }

  /// The reference and the closed-form twins of the step give the same losses and the
  /// same weights after a few steps (same initialisation, same ε stream).
  @Test func twinsTakeTheSameSteps() {
    var a = RNG(seed: 7), b = RNG(seed: 7)
    let reference = VariationalAutoencoder(latent: 4, implementation: .reference, rng: &a)
    let optimized = VariationalAutoencoder(latent: 4, implementation: .optimized, rng: &b)
    let referenceAdam = Adam(parameters: reference.parameters), optimizedAdam = Adam(parameters: optimized.parameters)
    let x = Self.images(4, seed: 8)
    var noiseA = RNG(seed: 9), noiseB = RNG(seed: 9)
    for _ in 0..<3 {
      let r = reference.step(x, optimizer: referenceAdam, rng: &noiseA)
      let o = optimized.step(x, optimizer: optimizedAdam, rng: &noiseB)
      #expect(abs(r.loss - o.loss) <= 1e-3 * abs(r.loss), "reference \(r.loss), optimized \(o.loss)")
    }
    for (p, q) in zip(reference.parameters, optimized.parameters) {
      expectClose(q.parameter.value, p.parameter.value, Tolerance(atol: 1e-4, rtol: 1e-3), p.name)
    }
  }

  /// evaluate's total is reconstruction + KL; for the autoencoder the reconstruction is
  /// −log p(x | code) from decodeLogits and bernoulliLogLikelihood, averaged; the VAE's
  /// KL is the closed form averaged over the images (it does not depend on the draws).
  @Test func evaluateIsTheNegativeELBO() {
    var rng = RNG(seed: 10)
    let vae = VariationalAutoencoder(latent: 5, rng: &rng)
    let autoencoder = VariationalAutoencoder(latent: 5, variational: false, rng: &rng)
    let x = Self.images(6, seed: 11)
    var noise = RNG(seed: 12)
    let value = vae.evaluate(x, rng: &noise)
    #expect(abs(value.total - (value.reconstruction + value.kl)) <= 1e-9 * value.total)
    let (mean, logVariance) = vae.encode(x)
    var kl = 0.0
    for i in 0..<(6 * 5) {
      let m = Double(mean.data[i]), v = Double(logVariance!.data[i])
      kl += 0.5 * (m * m + exp(v) - 1 - v)     // KL(N(m, e^v) ‖ N(0, 1)), one dimension
    }
    #expect(abs(value.kl - kl / 6) <= 1e-6 * kl / 6 + 1e-9, "\(value.kl) vs \(kl / 6)")

    var unused = RNG(seed: 13)
    let before = unused
    let plain = autoencoder.evaluate(x, rng: &unused)
    #expect(unused == before, "the autoencoder's evaluation draws nothing")
    let codes = autoencoder.encode(x).mean
    let expected = -Losses.bernoulliLogLikelihood(
      logits: autoencoder.decodeLogits(codes), targets: x.reshaped([6, 784])).reduce(0, +) / 6
    #expect(plain.kl == 0 && plain.total == plain.reconstruction)
    #expect(abs(plain.reconstruction - expected) <= 1e-9 * expected, "\(plain.reconstruction) vs \(expected)")
  }

  /// A closed case: with q(z|x) = N(0, I) (encoder weights and biases zero) and a decoder
  /// that ignores z (last layer's weights zero, biases b), every importance weight is
  /// p(x|z)·p(z)/q(z|x) = p(x) = Π_j σ(b_j)ˣʲ(1 − σ(b_j))¹⁻ˣʲ, so −IWAE_k = −log p(x) for
  /// every k, and it equals evaluate's −ELBO (KL = 0). Then with a q(z|x) that is not the
  /// prior, the mean gap over many draws is the KL for k = 1 and shrinks with k.
  @Test func importanceWeightedBoundInAClosedCase() {
    var rng = RNG(seed: 14)
    let model = VariationalAutoencoder(latent: 3, rng: &rng)
    for (name, parameter) in model.parameters where name.hasPrefix("encoder.") || name == "decoder.2.weight" {
      parameter.value = Tensor(zeros: parameter.value.shape)
    }
    let bias = Tensor.uniform([784], in: -3..<3, using: &rng)
    model.parameters.first { $0.name == "decoder.2.bias" }!.parameter.value = bias
    let x = Self.images(3, seed: 15)
    var logP = [Double](repeating: 0, count: 3)
    for i in 0..<3 {
      for j in 0..<784 {
        let b = Double(bias.data[j]), on = 1 / (1 + exp(-b))
        logP[i] += x.data[i * 784 + j] == 1 ? log(on) : log(1 - on)
      }
    }
    for k in [1, 5, 50] {
      let bounds = model.importanceWeightedBound(x, samples: k, rng: &rng)
      for i in 0..<3 {
        #expect(abs(bounds[i] + logP[i]) <= 1e-4 * abs(logP[i]), "k = \(k), image \(i): \(bounds[i]) vs \(-logP[i])")
      }
    }
    let elbo = model.evaluate(x, rng: &rng)
    let mean = -logP.reduce(0, +) / 3
    #expect(elbo.kl == 0 && abs(elbo.total - mean) <= 1e-4 * mean, "\(elbo.total) vs \(mean)")

    // Now q(z|x) = N(μ, σ²) with μ = 0.5, logσ² = −1 in each of the 3 dimensions (the
    // encoder's last bias): log w = log p(x) + log p(z) − log q(z|x), so
    // E[−IWAE_1] = −log p(x) + KL(q ‖ p), KL = ½ Σ_j (μ² + σ² − 1 − logσ²), and a draw of
    // log q − log p has variance Σ_j [μ²σ² + ½(σ² − 1)²] (z = μ + σε). The bound tightens
    // towards −log p(x) as k grows.
    let (m, v) = (0.5, -1.0)
    model.parameters.first { $0.name == "encoder.2.bias" }!.parameter.value =
      Tensor(shape: [6], data: [Float](repeating: Float(m), count: 3) + [Float](repeating: Float(v), count: 3))
    let kl = 1.5 * (m * m + exp(v) - 1 - v)
    #expect(abs(model.evaluate(x, rng: &rng).kl - kl) <= 1e-5)
    let repeats = 100
    let many = Tensor.concatenatingRows(Array(repeating: x, count: repeats))       // image i at rows i, i + 3, …
    let gaps = model.importanceWeightedBound(many, samples: 1, rng: &rng).enumerated().map { $1 + logP[$0 % 3] }
    let gap = gaps.reduce(0, +) / Double(gaps.count)
    let standardError = (3 * (m * m * exp(v) + 0.5 * (exp(v) - 1) * (exp(v) - 1)) / Double(gaps.count)).squareRoot()
    #expect(abs(gap - kl) <= 5 * standardError, "E[−IWAE_1] + log p(x) = \(gap), KL = \(kl), ±\(5 * standardError)")
    let tighter = model.importanceWeightedBound(many.slice(0..<30), samples: 20, rng: &rng)
      .enumerated().map { $1 + logP[$0 % 3] }.reduce(0, +) / 30
    #expect(tighter >= -1e-3 && tighter < gap - 5 * standardError, "−IWAE_20 + log p(x) = \(tighter), k = 1: \(gap)")
  }

  /// E[−IWAE_1] = −ELBO: over many draws on a few images, the mean of −IWAE_1 and the
  /// mean of evaluate's one-sample −ELBO agree within five standard errors; and the bound
  /// tightens with k on average: mean −IWAE_1 ≥ −IWAE_4 ≥ −IWAE_16 (the same draws, the
  /// first k of them for each k; Burda et al.'s theorem 1 is about expectations: over 64
  /// rows the gaps are many standard errors wide).
  @Test func importanceWeightedBoundAgreesWithTheELBOAndTightens() {
    var rng = RNG(seed: 16)
    let model = VariationalAutoencoder(latent: 4, rng: &rng)
    // A few steps so that z matters to the decoder and q(z|x) is not the prior.
    let optimizer = Adam(parameters: model.parameters, learningRate: 3e-3)
    let x = Self.images(8, seed: 17)
    var noise = RNG(seed: 18)
    for _ in 0..<8 { _ = model.step(x, optimizer: optimizer, rng: &noise) }

    let repeats = 16
    let many = Tensor.concatenatingRows(Array(repeating: x, count: repeats))    // 128 rows
    let iwae = model.importanceWeightedBound(many, samples: 1, rng: &noise)
    var evaluations: [Double] = []
    for _ in 0..<repeats { evaluations.append(model.evaluate(x, rng: &noise).total) }   // each a mean over the 8
    let iwaeMean = iwae.reduce(0, +) / Double(iwae.count)
    let elboMean = evaluations.reduce(0, +) / Double(repeats)
    // Standard errors: IWAE_1 per row varies with z only (the image set is the same), so
    // its per-image spread across the repeats; evaluate's per-repeat means likewise.
    var iwaeVariance = 0.0
    for i in 0..<8 {
      let values = (0..<repeats).map { iwae[$0 * 8 + i] }
      let m = values.reduce(0, +) / Double(repeats)
      iwaeVariance += values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(repeats - 1)
    }
    let iwaeError = (iwaeVariance / 64 / Double(repeats)).squareRoot()          // of the mean over 8 images
    let elboSpread = evaluations.reduce(0) { $0 + ($1 - elboMean) * ($1 - elboMean) } / Double(repeats - 1)
    let elboError = (elboSpread / Double(repeats)).squareRoot()
    let allowed = 5 * (iwaeError * iwaeError + elboError * elboError).squareRoot()
    #expect(abs(iwaeMean - elboMean) <= allowed,
            "mean −IWAE_1 \(iwaeMean), mean −ELBO \(elboMean), allowed ±\(allowed)")

    let some = many.slice(0..<(8 * 8))                                           // 8 repeats: 64 rows
    let bounds = model.importanceWeightedBounds(some, samples: [1, 4, 16], rng: &noise)
    let means = bounds.map { $0.reduce(0, +) / Double($0.count) }
    #expect(means[0] >= means[1] && means[1] >= means[2], "−IWAE_k for k = 1, 4, 16: \(means)")
    #expect(means[0] - means[2] > 0.05, "the bound should tighten visibly with k: \(means)")
  }
}
