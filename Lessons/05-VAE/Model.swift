import Foundation
import GenLab

/// The three models the lesson trains, in this order.
enum Phase: String, CaseIterable {
  case autoencoder, vae, map

  /// Each phase draws its noise from its own random stream.
  var stream: UInt64 {
    switch self {
    case .autoencoder: return 10
    case .vae: return 11
    case .map: return 12
    }
  }

  var title: String {
    switch self {
    case .autoencoder: return "autoencoder"
    case .vae: return "VAE"
    case .map: return "2-D VAE"
    }
  }
}

/// An encoder and a decoder. A plain autoencoder's encoder outputs the code itself
/// ([N, D]); a VAE's outputs μ and logσ² side by side ([N, 2D]). The decoder turns a
/// code into 784 logits, one Bernoulli per pixel: p(x_j = 1 | z) = σ(logit_j).
final class AutoEncoder {
  let encoder: Sequential
  let decoder: Sequential
  let latent: Int
  let variational: Bool
  /// The MLP reads images as rows of 784 pixels; the conv encoder as 1×28×28.
  let flatInput: Bool

  init(arch: Architecture, latent: Int, variational: Bool, implementation: Implementation, rng: inout RNG) {
    self.latent = latent
    self.variational = variational
    let codeSize = variational ? 2 * latent : latent
    switch arch {
    case .mlp:
      // 784 → 400 → code ; code → 400 → 784, as in Kingma & Welling's MNIST experiments.
      let first = Linear(inputSize: 784, outputSize: 400, implementation: implementation, rng: &rng)
      first.computesInputGradient = false   // dL/d(pixels) is never used: skip that product
      encoder = Sequential(
        first, ReLU(),
        Linear(inputSize: 400, outputSize: codeSize, implementation: implementation, rng: &rng))
      flatInput = true
      decoder = Sequential(
        Linear(inputSize: latent, outputSize: 400, implementation: implementation, rng: &rng), ReLU(),
        Linear(inputSize: 400, outputSize: 784, implementation: implementation, rng: &rng))
    case .conv:
      // 1×28×28 → 32×14×14 → 64×7×7 → code ; code → 64×7×7 → 32×14×14 → 1×28×28 (k4 s2 p1, the conv twins).
      encoder = Sequential(
        Conv2d(inputChannels: 1, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1,
               implementation: implementation, rng: &rng), ReLU(),
        Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1,
               implementation: implementation, rng: &rng), ReLU(),
        Flatten(),
        Linear(inputSize: 64 * 7 * 7, outputSize: codeSize, implementation: implementation, rng: &rng))
      flatInput = false
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

  var parameters: [(name: String, parameter: Parameter)] {
    encoder.parameters.map { ("encoder.\($0.name)", $0.parameter) }
      + decoder.parameters.map { ("decoder.\($0.name)", $0.parameter) }
  }

  var parameterCount: Int { encoder.parameterCount + decoder.parameterCount }

  /// Images [N,1,28,28] as the encoder reads them.
  func encoderInput(_ images: Tensor) -> Tensor {
    flatInput ? images.reshaped([images.shape[0], 784]) : images
  }

  /// The code of `images` [N,1,28,28] at evaluation: μ and logσ² for a VAE, the
  /// code (as `mean`) and nil for an autoencoder.
  func encode(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor?) {
    var means: [Tensor] = [], logVariances: [Tensor] = []
    for range in chunks(images.shape[0], size: 500) {
      let code = encoder.forward(encoderInput(images.slice(range)), training: false)
      if variational {
        let (mean, logVariance) = splitColumns(code, at: latent)
        means.append(mean); logVariances.append(logVariance)
      } else {
        means.append(code)
      }
    }
    return (concatRows(means), variational ? concatRows(logVariances) : nil)
  }

  /// The decoder's logits [N, 784] for codes [N, D].
  func decodeLogits(_ codes: Tensor) -> Tensor {
    concatRows(chunks(codes.shape[0], size: 500).map { decoder.forward(codes.slice($0), training: false) })
  }

  /// The decoder's mean image σ(logits), [N, 1, 28, 28] in [0, 1].
  func decodeMean(_ codes: Tensor) -> Tensor {
    Sigmoid().forward(decodeLogits(codes), training: false).reshaped([codes.shape[0], 1, 28, 28])
  }
}

// MARK: - Small tensor helpers

/// Ranges of at most `size` covering 0..<count.
func chunks(_ count: Int, size: Int) -> [Range<Int>] {
  stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
}

/// Rows stacked: [N₁, …] + [N₂, …] → [N₁ + N₂, …].
func concatRows(_ parts: [Tensor]) -> Tensor {
  guard let first = parts.first else { return Tensor(zeros: [0]) }
  if parts.count == 1 { return first }
  var data: [Float] = []
  data.reserveCapacity(parts.reduce(0) { $0 + $1.count })
  for part in parts { data += part.data }
  return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + Array(first.shape.dropFirst()), data: data)
}

/// [N, 2D] → ([N, D], [N, D]): the first D columns (μ) and the rest (logσ²).
func splitColumns(_ x: Tensor, at d: Int) -> (Tensor, Tensor) {
  precondition(x.rank == 2 && x.shape[1] == 2 * d, "splitColumns: expected \(2 * d) columns, got shape \(x.shape)")
  return (x.columns(0..<d), x.columns(d..<(2 * d)))
}

/// Each row repeated `times` times: row i·times + s is row i.
func repeatRows(_ x: Tensor, _ times: Int) -> Tensor {
  let n = x.shape[0], width = x.count / max(n, 1)
  var out = [Float](); out.reserveCapacity(x.count * times)
  for i in 0..<n {
    let row = x.data[(i * width)..<((i + 1) * width)]
    for _ in 0..<times { out += row }
  }
  return Tensor(shape: [n * times] + Array(x.shape.dropFirst()), data: out)
}


/// log p(x | logits) of each row under independent Bernoullis, in nats:
/// Σ_j [y_j·log σ(l_j) + (1 − y_j)·log(1 − σ(l_j))] = −Σ_j [max(l,0) − l·y + log(1 + e^(−|l|))].
/// With gray targets y ∈ [0, 1] this is the (negative) cross-entropy most tutorials use.
func bernoulliLogLikelihood(logits: Tensor, targets: Tensor) -> [Double] {
  let n = logits.shape[0], width = logits.count / n
  precondition(targets.count == logits.count, "bernoulliLogLikelihood: logits \(logits.shape) vs targets \(targets.shape)")
  return (0..<n).map { i in
    var total = 0.0
    for j in (i * width)..<((i + 1) * width) {
      let l = Double(logits.data[j]), y = Double(targets.data[j])
      total -= max(l, 0) - l * y + log1p(exp(-abs(l)))
    }
    return total
  }
}
