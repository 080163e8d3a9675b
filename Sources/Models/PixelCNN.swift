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
/// order, and for each pixel image 0, 1, …, N−1; x_ij = 1 if u < σ(logit)):
/// - `sampleReference` runs the whole network on the whole image for each of the S² pixels;
/// - `sample` keeps every layer's input and computes only position (i, j) of each layer
///   per pixel (the activations at (i, j) depend only on pixels before (i, j), so once
///   computed they never change): S² single-position steps cost about one full forward.
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

  /// `count` samples [count, 1, S, S] in {0, 1}, pixel by pixel in raster order, by the
  /// textbook: before each of the S² pixels, the whole network runs on the whole image
  /// (later pixels still 0; the masks make them irrelevant) and the logit at (i, j) is used.
  /// S² full forwards. The reference twin of `sample`; same draws, same pixels.
  public func sampleReference(_ count: Int, rng: inout RNG) -> Tensor {
    let size = imageSize
    var images = Tensor(zeros: [count, 1, size, size])
    for i in 0..<size {
      for j in 0..<size {
        let scores = logits(images, training: false)
        for n in 0..<count {
          let index = (n * size + i) * size + j
          images.data[index] = Self.draw(logit: scores.data[index], uniform: rng.uniform())
        }
      }
    }
    return images
  }

  /// `count` samples [count, 1, S, S] in {0, 1}, pixel by pixel in raster order: the same
  /// pixels as `sampleReference` for the same `rng`, with about S² times less work.
  ///
  /// It keeps the input of every convolution l, the image (l = 0) and the ReLU of each
  /// hidden layer's output. At pixel (i, j) each convolution computes its output at (i, j)
  /// only, from the k×k window of its input there (`output(patch:)`), and writes it, after
  /// ReLU, into the next input at (i, j). Everything that window reads is final: rows above i
  /// were computed at earlier pixels, row i left of j too, (i, j) itself just now by the
  /// previous layer, and the taps right of j in row i and below it are masked. So every value
  /// is the one the full forward computes, by the same GEMM sums.
  ///
  /// The kept inputs are stored position-major, input[l][(h·S + w)·N·C + n·C + c], so that
  /// one window is k² contiguous blocks of N·C numbers (image-major [N, C, S, S] would make
  /// it N·C·k scattered cache lines out of a tensor far larger than the cache).
  public func sample(_ count: Int, rng: inout RNG) -> Tensor {
    let size = imageSize, positions = size * size
    let outputs: [(inputChannels: Int, kernelSize: Int, output: (Tensor) -> Tensor)] =
      maskedConvolutions.map { convolution in
        (convolution.weight.value.shape[1], convolution.weight.value.shape[2], { convolution.output(patch: $0) })
      } + head.map { convolution in
        (convolution.weight.value.shape[1], convolution.weight.value.shape[2], { convolution.output(patch: $0) })
      }
    var inputs = outputs.map { [Float](repeating: 0, count: positions * count * $0.inputChannels) }
    var patch: [Float] = []
    for i in 0..<size {
      for j in 0..<size {
        for (l, layer) in outputs.enumerated() {
          let (channels, kernelSize) = (layer.inputChannels, layer.kernelSize)
          let block = count * channels, radius = kernelSize / 2, taps = kernelSize * kernelSize
          // patch[n, c, p, q] = input[l] at (i + p − r, j + q − r), image n, channel c (0 outside the image).
          patch = [Float](repeating: 0, count: block * taps)
          inputs[l].withUnsafeBufferPointer { input in
            patch.withUnsafeMutableBufferPointer { patch in
              for p in 0..<kernelSize where (0..<size).contains(i + p - radius) {
                for q in 0..<kernelSize where (0..<size).contains(j + q - radius) {
                  let source = input.baseAddress! + ((i + p - radius) * size + j + q - radius) * block
                  let tap = p * kernelSize + q
                  for k in 0..<block { patch[k * taps + tap] = source[k] }
                }
              }
            }
          }
          let y = layer.output(Tensor(shape: [count, channels, kernelSize, kernelSize], data: patch))   // [N, C_out]
          if l == outputs.count - 1 {
            for n in 0..<count {
              inputs[0][(i * size + j) * count + n] = Self.draw(logit: y.data[n], uniform: rng.uniform())
            }
          } else {
            // y is [N, C_out], n-major: exactly the block of position (i, j) in input[l + 1].
            y.withUnsafeBufferPointer { y in
              inputs[l + 1].withUnsafeMutableBufferPointer { next in
                let target = next.baseAddress! + (i * size + j) * y.count
                for k in 0..<y.count { target[k] = max(y[k], 0) }
              }
            }
          }
        }
      }
    }
    // input[0] is [S·S, N]; the samples are [N, 1, S, S].
    var images = [Float](repeating: 0, count: count * positions)
    for position in 0..<positions {
      for n in 0..<count { images[n * positions + position] = inputs[0][position * count + n] }
    }
    return Tensor(shape: [count, 1, size, size], data: images)
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
