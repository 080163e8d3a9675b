import Core
import Foundation
import NN
import Reparameterization

/// Lesson 05's autoencoder and variational autoencoder (Kingma & Welling 2014) on
/// 28×28 images, moved here so the capstone (lesson 11) can train it again.
///
/// An encoder and a decoder. A plain autoencoder's encoder outputs the code itself
/// ([N, D]); a VAE's outputs μ and logσ² side by side ([N, 2D]), q(z|x) = N(μ, diag σ²).
/// The decoder turns a code into 784 logits, one Bernoulli per pixel:
/// p(x_j = 1 | z) = σ(logit_j). With the prior p(z) = N(0, I) the training loss is the
/// negative ELBO, in nats per image:
///
///     −ELBO(x) = −E_q[log p(x | z)] + KL(q(z|x) ‖ N(0, I))  ≥  −log p(x)
///
/// Targets may be binarized (a proper likelihood of 0/1 pixels) or gray values in [0, 1]
/// (the cross-entropy most tutorials use). Parameters are named `encoder.…` and
/// `decoder.…`, as lesson 05's checkpoints store them.
public final class VariationalAutoencoder: Trainable {
  public enum Architecture: String, CaseIterable, Sendable {
    /// 784 → 400 → code ; code → 400 → 784, as in Kingma & Welling's MNIST experiments.
    case mlp
    /// 1×28×28 → 32×14×14 → 64×7×7 → code ; code → 64×7×7 → 32×14×14 → 1×28×28
    /// (convolutions and transposed convolutions, kernel 4, stride 2, padding 1).
    case conv
  }

  public let encoder: Sequential
  public let decoder: Sequential
  public let architecture: Architecture
  /// The size D of the code z.
  public let latent: Int
  /// false: a plain autoencoder (the code is the encoder's output, no KL, no sampling).
  public let variational: Bool
  /// Which twin the training step's reparameterization uses (the layers take theirs at init).
  public let implementation: Implementation

  /// Evaluation runs the networks on at most this many images at a time.
  static let evaluationChunk = 500

  /// Layers are initialised from `rng` in order: encoder, then decoder.
  public init(architecture: Architecture = .mlp, latent: Int = 20, variational: Bool = true,
              implementation: Implementation = .optimized, rng: inout RNG) {
    precondition(latent >= 1, "VariationalAutoencoder: latent must be at least 1, got \(latent)")
    self.architecture = architecture
    self.latent = latent
    self.variational = variational
    self.implementation = implementation
    let codeSize = variational ? 2 * latent : latent
    switch architecture {
    case .mlp:
      let first = Linear(inputSize: 784, outputSize: 400, implementation: implementation, rng: &rng)
      first.computesInputGradient = false   // dL/d(pixels) is never used: skip that product
      encoder = Sequential(
        first, ReLU(),
        Linear(inputSize: 400, outputSize: codeSize, implementation: implementation, rng: &rng))
      decoder = Sequential(
        Linear(inputSize: latent, outputSize: 400, implementation: implementation, rng: &rng), ReLU(),
        Linear(inputSize: 400, outputSize: 784, implementation: implementation, rng: &rng))
    case .conv:
      encoder = Sequential(
        Conv2d(inputChannels: 1, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1,
               implementation: implementation, rng: &rng), ReLU(),
        Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1,
               implementation: implementation, rng: &rng), ReLU(),
        Flatten(),
        Linear(inputSize: 64 * 7 * 7, outputSize: codeSize, implementation: implementation, rng: &rng))
      decoder = Sequential(
        Linear(inputSize: latent, outputSize: 64 * 7 * 7, implementation: implementation, rng: &rng), ReLU(),
        Reshape([64, 7, 7]),
        ConvTranspose2d(inputChannels: 64, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1,
                        implementation: implementation, rng: &rng), ReLU(),
        ConvTranspose2d(inputChannels: 32, outputChannels: 1, kernelSize: 4, stride: 2, padding: 1,
                        implementation: implementation, rng: &rng),
        Flatten())
    }
  }

  /// `encoder.<layer>.<name>` then `decoder.<layer>.<name>`.
  public var parameters: [(name: String, parameter: Parameter)] {
    prefixedParameters([("encoder", encoder), ("decoder", decoder)])
  }

  public var parameterCount: Int { encoder.parameterCount + decoder.parameterCount }

  /// Images [N,1,28,28] as the encoder reads them: rows of 784 pixels for the MLP,
  /// unchanged for the conv encoder.
  public func encoderInput(_ images: Tensor) -> Tensor {
    precondition(images.count == images.shape[0] * 784,
                 "VariationalAutoencoder: needs images [N, 1, 28, 28], got \(images.shape)")
    return architecture == .mlp ? images.reshaped([images.shape[0], 784]) : images.reshaped([images.shape[0], 1, 28, 28])
  }

  // MARK: The training step

  /// One step of gradient descent on a batch `images` [B,1,28,28] with targets in [0, 1];
  /// returns the loss and its two terms (KL = 0 for the plain autoencoder), in nats per
  /// image, averaged over the batch. `rng` draws ε (nothing for the plain autoencoder).
  ///
  ///     loss = (1/B) Σ_n [ −log p(x_n | z_n) + KL(q(z|x_n) ‖ N(0, I)) ],  z_n = μ_n + σ_n·ε_n
  ///
  /// Backward in the reverse order of forward: decoder, then the reparameterization
  /// (which adds the KL's own gradient to μ and logσ²), then the encoder.
  public func step(_ images: Tensor, optimizer: any Optimizer, rng: inout RNG)
    -> (loss: Double, reconstruction: Double, kl: Double) {
    let batch = images.shape[0]
    let targets = images.reshaped([batch, 784])
    optimizer.zeroGradients()
    guard variational else {
      let code = encoder.forward(encoderInput(images), training: true)
      let logits = decoder.forward(code, training: true)
      let reconstruction = Losses.binaryCrossEntropyWithLogits(logits, targets, reduction: .batchMean)
      _ = encoder.backward(decoder.backward(reconstruction.gradient))
      optimizer.step()
      return (reconstruction.value, reconstruction.value, 0)
    }
    let statistics = encoder.forward(encoderInput(images), training: true)              // [B, 2D]
    let (mean, logVariance) = splitStatistics(statistics)
    let (z, epsilon) = implementation == .reference
      ? Reparameterization.sampleReference(mean: mean, logVariance: logVariance, rng: &rng)
      : Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &rng)
    let logits = decoder.forward(z, training: true)                                    // [B, 784]
    // Summed over the 784 pixels, averaged over the batch (.batchMean): nats per image.
    let reconstruction = Losses.binaryCrossEntropyWithLogits(logits, targets, reduction: .batchMean)
    let kl = Reparameterization.klDivergence(mean: mean, logVariance: logVariance).reduce(0, +) / Double(batch)

    let zGradient = decoder.backward(reconstruction.gradient)
    let gradients = implementation == .reference
      ? Reparameterization.backwardReference(zGradient: zGradient, epsilon: epsilon, mean: mean,
                                             logVariance: logVariance, klScale: 1 / Float(batch))
      : Reparameterization.backward(zGradient: zGradient, epsilon: epsilon, mean: mean,
                                    logVariance: logVariance, klScale: 1 / Float(batch))
    _ = encoder.backward(Tensor.concatenatingColumns([gradients.mean, gradients.logVariance]))
    optimizer.step()
    return (reconstruction.value + kl, reconstruction.value, kl)
  }

  // MARK: Evaluation

  /// The negative ELBO in nats per image over `images` [N,1,28,28], and its two terms,
  /// in evaluation mode, with one z = μ + σ·ε per image (ε from `rng`, the closed-form
  /// sampler whatever the twin): a single-sample estimate, as lesson 05 reports it.
  /// For the plain autoencoder: the reconstruction loss of its code, KL = 0, no draws.
  /// Summed in Double, 500 images at a time.
  public func evaluate(_ images: Tensor, rng: inout RNG) -> (total: Double, reconstruction: Double, kl: Double) {
    var reconstruction = 0.0, kl = 0.0
    for range in chunks(images.shape[0], size: Self.evaluationChunk) {
      let x = images.slice(range)
      let code = encoder.forward(encoderInput(x), training: false)
      let z: Tensor
      if variational {
        let (mean, logVariance) = splitStatistics(code)
        z = Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &rng).z
        kl += Reparameterization.klDivergence(mean: mean, logVariance: logVariance).reduce(0, +)
      } else {
        z = code
      }
      let logits = decoder.forward(z, training: false)
      reconstruction -= Losses.bernoulliLogLikelihood(logits: logits, targets: x.reshaped([x.shape[0], 784]))
        .reduce(0, +)
    }
    let n = Double(images.shape[0])
    return ((reconstruction + kl) / n, reconstruction / n, kl / n)
  }

  /// −IWAE_k for each image of `images` [N,1,28,28], in nats (Burda, Grosse & Salakhutdinov 2015):
  ///
  ///     −log p(x) ≤ −IWAE_k(x) = −log (1/k) Σ_s p(x|z_s)·p(z_s) / q(z_s|x),   z_s ~ q(z|x)
  ///
  /// With k = 1 its expectation is the negative ELBO; the bound tightens as k grows.
  /// The returned values are one draw of this random bound (ε from `rng`). Needs a VAE.
  public func importanceWeightedBound(_ images: Tensor, samples k: Int, rng: inout RNG) -> [Double] {
    importanceWeightedBounds(images, samples: [k], rng: &rng)[0]
  }

  /// −IWAE_k per image for each k of `ks` at once, from the same draws: max(ks) samples
  /// z_s per image, the first k of them for each k (so the bounds of one image are
  /// comparable across k). Result [index of k in ks][image].
  public func importanceWeightedBounds(_ images: Tensor, samples ks: [Int], rng: inout RNG) -> [[Double]] {
    precondition(variational, "importanceWeightedBound: needs a VAE (variational: true), this is a plain autoencoder")
    precondition(!ks.isEmpty && ks.allSatisfy { $0 >= 1 }, "importanceWeightedBound: k must be at least 1, got \(ks)")
    let k = ks.max()!, d = latent
    let logTwoPi = log(2 * Double.pi)
    var bounds = [[Double]](repeating: [], count: ks.count)
    let perChunk = Swift.max(1, 4000 / k)
    for range in chunks(images.shape[0], size: perChunk) {
      let x = images.slice(range)
      let n = x.shape[0]
      let (mean, logVariance) = encode(x)
      let (z, epsilon) = Reparameterization.sample(mean: repeatRows(mean, k), logVariance: repeatRows(logVariance!, k),
                                                   rng: &rng)
      let logits = decodeLogits(z)
      let logLikelihood = Losses.bernoulliLogLikelihood(logits: logits, targets: repeatRows(x.reshaped([n, 784]), k))
      let logVarianceRows = repeatRows(logVariance!, k)
      for i in 0..<n {
        var logWeights = [Double](repeating: 0, count: k)
        for s in 0..<k {
          let row = i * k + s
          var logPrior = 0.0, logPosterior = 0.0
          for j in 0..<d {
            let zj = Double(z.data[row * d + j]), ej = Double(epsilon.data[row * d + j])
            logPrior -= 0.5 * (zj * zj + logTwoPi)                                                  // log N(z; 0, 1)
            logPosterior -= 0.5 * (ej * ej + logTwoPi + Double(logVarianceRows.data[row * d + j]))  // log N(z; μ, σ²)
          }
          logWeights[s] = logLikelihood[row] + logPrior - logPosterior
        }
        for (index, kk) in ks.enumerated() {
          let top = logWeights[0..<kk].max()!
          let sum = logWeights[0..<kk].reduce(0) { $0 + exp($1 - top) }
          bounds[index].append(-(top + log(sum) - log(Double(kk))))
        }
      }
    }
    return bounds
  }

  // MARK: Encoding and decoding

  /// The code of `images` [N,1,28,28] at evaluation: μ and logσ² [N, D] for a VAE, the
  /// code (as `mean`) and nil for an autoencoder. 500 images at a time.
  public func encode(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor?) {
    var means: [Tensor] = [], logVariances: [Tensor] = []
    for range in chunks(images.shape[0], size: Self.evaluationChunk) {
      let code = encoder.forward(encoderInput(images.slice(range)), training: false)
      if variational {
        let (mean, logVariance) = splitStatistics(code)
        means.append(mean); logVariances.append(logVariance)
      } else {
        means.append(code)
      }
    }
    return (Tensor.concatenatingRows(means), variational ? Tensor.concatenatingRows(logVariances) : nil)
  }

  /// The decoder's logits [N, 784] for codes [N, D]. 500 codes at a time.
  public func decodeLogits(_ codes: Tensor) -> Tensor {
    precondition(codes.rank == 2 && codes.shape[1] == latent,
                 "VariationalAutoencoder: codes must be [N, \(latent)], got \(codes.shape)")
    return Tensor.concatenatingRows(chunks(codes.shape[0], size: Self.evaluationChunk).map {
      decoder.forward(codes.slice($0), training: false)
    })
  }

  /// The decoder's mean image σ(logits), [N, 1, 28, 28] in [0, 1].
  public func decodeMean(_ codes: Tensor) -> Tensor {
    Sigmoid().forward(decodeLogits(codes), training: false).reshaped([codes.shape[0], 1, 28, 28])
  }

  /// `count` samples z ~ N(0, I) decoded to Bernoulli means, [count, 1, 28, 28] in [0, 1].
  public func sampleMeans(_ count: Int, rng: inout RNG) -> Tensor {
    decodeMean(Tensor.normal([count, latent], using: &rng))
  }

  /// [N, 2D] → (μ [N, D], logσ² [N, D]): the first D columns and the rest.
  func splitStatistics(_ statistics: Tensor) -> (mean: Tensor, logVariance: Tensor) {
    precondition(statistics.rank == 2 && statistics.shape[1] == 2 * latent,
                 "VariationalAutoencoder: expected \(2 * latent) columns (μ, logσ²), got shape \(statistics.shape)")
    return (statistics.columns(0..<latent), statistics.columns(latent..<(2 * latent)))
  }
}

/// Ranges of at most `size` covering 0..<count.
func chunks(_ count: Int, size: Int) -> [Range<Int>] {
  stride(from: 0, to: count, by: size).map { $0..<Swift.min($0 + size, count) }
}

/// Each row repeated `times` times: row i·times + s is row i.
func repeatRows(_ x: Tensor, _ times: Int) -> Tensor {
  let n = x.shape[0], width = x.count / Swift.max(n, 1)
  var out = [Float](); out.reserveCapacity(x.count * times)
  for i in 0..<n {
    let row = x.data[(i * width)..<((i + 1) * width)]
    for _ in 0..<times { out += row }
  }
  return Tensor(shape: [n * times] + Array(x.shape.dropFirst()), data: out)
}
