import Core
import Foundation
import NN

/// PixelCNN (van den Oord, Kalchbrenner & Kavukcuoglu, 2016, "Pixel Recurrent Neural
/// Networks") for binarized images: an exact likelihood by the chain rule in raster order,
///
///     log p(x) = Σ_{i,j} log p(x_ij | x_<ij),     p(x_ij = 1 | x_<ij) = σ(logit_ij(x))
///
/// where every logit comes out of ONE forward pass of a stack of masked convolutions,
/// each of which only looks at pixels before (i, j) (see `MaskedConv2d`):
///
///     1×S×S → mask-A conv 7×7 → C×S×S → layers × [ReLU → mask-B conv 3×3 → C×S×S]
///           → ReLU → conv 1×1 → C×S×S → ReLU → conv 1×1 → 1×S×S   (logits)
///
/// S = `imageSize` (28 by default). Mask A reaches 3 rows up, each mask-B layer one more,
/// so a logit sees a causal window 3 + `layers` rows high. Training is one forward over the
/// whole image with the true pixels as inputs (teacher forcing); the loss is the binary
/// cross-entropy with logits summed over the S² pixels — exactly −log p(x) in nats.
///
/// Sampling is sequential: pixel (i, j) needs the pixels before it. Two twins draw the same
/// pixels from the same `RNG` (one uniform per pixel per image: pixel by pixel in raster
/// order, and for each pixel image 0, 1, …, N−1; x_ij = 1 if u < σ(logit), `draw`):
/// - `sampleReference` (PixelCNN+Reference.swift) runs the whole network on the whole image
///   for each of the S² pixels;
/// - `sample` (PixelCNN+Cached.swift) keeps every layer's input and computes only position
///   (i, j) of each layer per pixel (the activations at (i, j) depend only on pixels before
///   (i, j), so once computed they never change): S² single-position steps cost about one
///   full forward.
public final class PixelCNN: Trainable {
  /// Height and width of the images (28 for Fashion-MNIST).
  public let imageSize: Int
  public let channels: Int
  public let layers: Int
  /// The whole network as one `Layer`: what `logits`, `step` and the reference sampler run.
  public let network: Sequential
  /// The mask-A 7×7 convolution, then the `layers` mask-B 3×3 ones.
  public let maskedConvolutions: [MaskedConv2d]
  /// The two 1×1 convolutions of the output head.
  public let head: [Conv2d]

  /// Builds the network with PyTorch's default initialisation. `implementation` picks the
  /// conv twins (direct loops or im2col + GEMM) for every layer and both samplers.
  public init(channels: Int = 32, layers: Int = 5, imageSize: Int = 28,
              implementation: Implementation = .optimized, rng: inout RNG) {
    precondition(channels >= 1 && layers >= 0 && imageSize >= 1,
                 "PixelCNN: needs channels ≥ 1, layers ≥ 0 and imageSize ≥ 1, got \(channels), \(layers), \(imageSize)")
    self.imageSize = imageSize
    self.channels = channels
    self.layers = layers
    var masked = [MaskedConv2d(.a, inputChannels: 1, outputChannels: channels, kernelSize: 7,
                               implementation: implementation, rng: &rng)]
    for _ in 0..<layers {
      masked.append(MaskedConv2d(.b, inputChannels: channels, outputChannels: channels, kernelSize: 3,
                                 implementation: implementation, rng: &rng))
    }
    maskedConvolutions = masked
    head = [Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 1, implementation: implementation, rng: &rng),
            Conv2d(inputChannels: channels, outputChannels: 1, kernelSize: 1, implementation: implementation, rng: &rng)]
    var stack: [any Layer] = [masked[0]]
    for convolution in masked.dropFirst() { stack += [ReLU(), convolution] }
    stack += [ReLU(), head[0], ReLU(), head[1]]
    network = Sequential(stack)
  }

  /// Which conv twin every layer runs.
  public var implementation: Implementation {
    get { head[0].implementation }
    set {
      for convolution in maskedConvolutions { convolution.implementation = newValue }
      for convolution in head { convolution.implementation = newValue }
    }
  }

  /// Logits [N, 1, S, S] of p(x_ij = 1 | pixels before ij in raster order) for binary
  /// images [N, 1, S, S] (values 0/1). Logit (i, j) does not depend on x_ij or later pixels.
  public func logits(_ images: Tensor, training: Bool) -> Tensor {
    precondition(images.rank == 4 && Array(images.shape.dropFirst()) == [1, imageSize, imageSize],
                 "PixelCNN: needs images [N, 1, \(imageSize), \(imageSize)], got \(images.shape)")
    return network.forward(images, training: training)
  }

  /// One optimizer step on the exact negative log-likelihood of a batch [B, 1, S, S] of
  /// 0/1 images, L = (1/B) Σ_n Σ_ij BCE(logit_nij, x_nij); returns L, in nats per image.
  public func step(_ images: Tensor, optimizer: any Optimizer) -> Double {
    Self.checkBinary(images, "PixelCNN.step")
    optimizer.zeroGradients()
    let loss = Losses.binaryCrossEntropyWithLogits(logits(images, training: true), images, reduction: .batchMean)
    _ = network.backward(loss.gradient)
    optimizer.step()
    return loss.value
  }

  /// The exact −log p(x) of each image in nats, Σ_ij BCE(logit_ij, x_ij) over the S² pixels,
  /// for 0/1 images [N, 1, S, S], in batches of 500. ln 2 nats = 1 bit.
  public func negativeLogLikelihood(_ images: Tensor) -> [Double] {
    Self.checkBinary(images, "PixelCNN.negativeLogLikelihood")
    var result: [Double] = []
    let count = images.shape[0]
    result.reserveCapacity(count)
    for first in stride(from: 0, to: count, by: 500) {
      let batch = images.slice(first..<min(first + 500, count))
      result += Losses.bernoulliLogLikelihood(logits: logits(batch, training: false), targets: batch).map { -$0 }
    }
    return result
  }

  /// x_ij = 1 if u < σ(logit), else 0: the one Bernoulli draw both samplers make.
  @inline(__always)
  static func draw(logit: Float, uniform: Float) -> Float {
    uniform < 1 / (1 + Foundation.exp(-logit)) ? 1 : 0
  }

  public var parameters: [(name: String, parameter: Parameter)] { network.parameters }

  static func checkBinary(_ images: Tensor, _ name: String) {
    images.withUnsafeBufferPointer { x in
      for k in 0..<x.count where x[k] != 0 && x[k] != 1 {
        preconditionFailure("\(name): images must be binarized (0 or 1), element \(k) of \(images.shape) is \(x[k])")
      }
    }
  }
}
