import Core
import DiffusionNoising
import NN

/// A tiny U-Net that predicts the noise ε in a noisy 28×28 image x_t, given t — the
/// denoiser of lesson 09, built from the conv and transposed-conv twins:
///
///     t ─ sinusoid(64) ─ Linear ─ SiLU ─ Linear ─ SiLU ─ e ∈ R¹²⁸ (one per image)
///
///     x_t 1×28×28 ─ conv 3×3 ─ C×28×28 ─ block ─────────────────────────────┐ skip
///                                 │ conv 4×4 stride 2                        │
///                               2C×14×14 ─ block ─────────────────────┐ skip │
///                                 │ conv 4×4 stride 2                  │      │
///                               2C×7×7 ─ block (the middle)           │      │
///                                 │ conv-transpose 4×4 stride 2        │      │
///                               2C×14×14 ─ concatenate ─ 4C ─ block ─ 2C     │
///                                 │ conv-transpose 4×4 stride 2               │
///                                C×28×28 ─ concatenate ─ 2C ─ block ─ C ─ conv 3×3 ─ ε̂ 1×28×28
///
/// Every block is conv 3×3 → + Linear(e) per channel → GroupNorm → SiLU → conv 3×3 →
/// GroupNorm → SiLU: the time embedding enters every block, so each resolution knows how
/// much noise to expect. The skips carry the fine detail the downsampling path lost.
/// The last conv starts at zero (the first prediction is ε̂ = 0, a loss of 1 per pixel),
/// as in DDPM's code.
///
/// `UNet` is `Trainable` (named parameters for Adam and checkpoints) but not a `Layer`:
/// its forward takes two inputs, x_t and t. Backward returns nothing — nobody needs dL/dx_t.
public final class UNet: Trainable {
  /// C, the channels at 28×28 (2C below). A multiple of `groups`.
  public let baseChannels: Int
  public let timeEmbeddingSize: Int
  public let implementation: Implementation

  let time: Sequential
  let input: Conv2d
  let down1: UNetBlock
  let downsample1: Conv2d
  let down2: UNetBlock
  let downsample2: Conv2d
  let middle: UNetBlock
  let upsample2: ConvTranspose2d
  let up2: UNetBlock
  let upsample1: ConvTranspose2d
  let up1: UNetBlock
  let output: Conv2d

  private var batch = 0

  public init(baseChannels: Int = 32, groups: Int = 8, timeEmbeddingSize: Int = 64,
              implementation: Implementation = .optimized, rng: inout RNG) {
    precondition(baseChannels >= groups && baseChannels % groups == 0,
                 "UNet: baseChannels (\(baseChannels)) must be a positive multiple of groups (\(groups))")
    precondition(timeEmbeddingSize >= 2 && timeEmbeddingSize % 2 == 0,
                 "UNet: timeEmbeddingSize must be even and ≥ 2, got \(timeEmbeddingSize)")
    self.baseChannels = baseChannels
    self.timeEmbeddingSize = timeEmbeddingSize
    self.implementation = implementation
    let c = baseChannels, e = 2 * timeEmbeddingSize
    let first = Linear(inputSize: timeEmbeddingSize, outputSize: e, implementation: implementation, rng: &rng)
    first.computesInputGradient = false   // the sinusoid of t has nothing to train before it
    time = Sequential(first, SiLU(), Linear(inputSize: e, outputSize: e, implementation: implementation, rng: &rng), SiLU())
    func conv(_ i: Int, _ o: Int, kernel: Int, stride: Int = 1, padding: Int) -> Conv2d {
      Conv2d(inputChannels: i, outputChannels: o, kernelSize: kernel, stride: stride, padding: padding,
             implementation: implementation, rng: &rng)
    }
    input = conv(1, c, kernel: 3, padding: 1)
    down1 = UNetBlock(c, c, embedding: e, groups: groups, implementation: implementation, rng: &rng)
    downsample1 = conv(c, 2 * c, kernel: 4, stride: 2, padding: 1)
    down2 = UNetBlock(2 * c, 2 * c, embedding: e, groups: groups, implementation: implementation, rng: &rng)
    downsample2 = conv(2 * c, 2 * c, kernel: 4, stride: 2, padding: 1)
    middle = UNetBlock(2 * c, 2 * c, embedding: e, groups: groups, implementation: implementation, rng: &rng)
    upsample2 = ConvTranspose2d(inputChannels: 2 * c, outputChannels: 2 * c, kernelSize: 4, stride: 2, padding: 1,
                                implementation: implementation, rng: &rng)
    up2 = UNetBlock(4 * c, 2 * c, embedding: e, groups: groups, implementation: implementation, rng: &rng)
    upsample1 = ConvTranspose2d(inputChannels: 2 * c, outputChannels: c, kernelSize: 4, stride: 2, padding: 1,
                                implementation: implementation, rng: &rng)
    up1 = UNetBlock(2 * c, c, embedding: e, groups: groups, implementation: implementation, rng: &rng)
    output = Conv2d(inputChannels: c, outputChannels: 1, kernelSize: 3, padding: 1,
                    implementation: implementation, initializer: .zeros, rng: &rng)
  }

  /// ε̂(x_t, t): x_t is [N, 1, 28, 28], `timesteps` one t per image; the result has x_t's shape.
  /// `training: true` keeps what `backward` needs.
  public func forward(_ noisy: Tensor, timesteps: [Int], training: Bool) -> Tensor {
    precondition(noisy.rank == 4 && Array(noisy.shape.dropFirst()) == [1, 28, 28],
                 "UNet.forward: x_t must be [N, 1, 28, 28], got shape \(noisy.shape)")
    precondition(timesteps.count == noisy.shape[0],
                 "UNet.forward: \(timesteps.count) timesteps for \(noisy.shape[0]) images")
    batch = noisy.shape[0]
    let e = time.forward(DiffusionNoising.timeEmbedding(timesteps, dimension: timeEmbeddingSize), training: training)
    let h0 = input.forward(noisy, training: training)
    let skip1 = down1.forward(h0, embedding: e, training: training)
    let skip2 = down2.forward(downsample1.forward(skip1, training: training), embedding: e, training: training)
    let m = middle.forward(downsample2.forward(skip2, training: training), embedding: e, training: training)
    let u2 = up2.forward(Tensor.concatenatingChannels([upsample2.forward(m, training: training), skip2]),
                         embedding: e, training: training)
    let u1 = up1.forward(Tensor.concatenatingChannels([upsample1.forward(u2, training: training), skip1]),
                         embedding: e, training: training)
    return output.forward(u1, training: training)
  }

  /// Backpropagates dL/dε̂ through the most recent training forward, adding every
  /// parameter's gradient. Each skip's gradient is the sum of its two uses.
  public func backward(_ outputGradient: Tensor) {
    let c = baseChannels
    var embedding = Tensor(zeros: [batch, 2 * timeEmbeddingSize])
    let du1 = up1.backward(output.backward(outputGradient), embedding: &embedding)
    let dskip1Later = du1.channels(c..<(2 * c))
    let du2 = up2.backward(upsample1.backward(du1.channels(0..<c)), embedding: &embedding)
    let dskip2Later = du2.channels((2 * c)..<(4 * c))
    let dm = middle.backward(upsample2.backward(du2.channels(0..<(2 * c))), embedding: &embedding)
    let dskip2 = downsample2.backward(dm) + dskip2Later
    let dskip1 = downsample1.backward(down2.backward(dskip2, embedding: &embedding)) + dskip1Later
    _ = input.backward(down1.backward(dskip1, embedding: &embedding))
    _ = time.backward(embedding)
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    let parts: [(String, any Trainable)] = [
      ("time", time), ("input", input), ("down1", down1), ("downsample1", downsample1), ("down2", down2),
      ("downsample2", downsample2), ("middle", middle), ("upsample2", upsample2), ("up2", up2),
      ("upsample1", upsample1), ("up1", up1), ("output", output),
    ]
    return prefixedParameters(parts)
  }
}

/// One U-Net block with its time input:
///
///     h = conv₁(x) + W·e + b  (the embedding's projection added to every pixel of its channel)
///     y = SiLU(GN₂(conv₂(SiLU(GN₁(h)))))
///
/// Backward adds dL/de to `embedding` (the projection's input gradient): every block
/// reads the same e, so its gradient is the sum over blocks.
final class UNetBlock: Trainable {
  let conv1: Conv2d
  let project: Linear
  let rest: Sequential

  init(_ inputChannels: Int, _ outputChannels: Int, embedding: Int, groups: Int,
       implementation: Implementation, rng: inout RNG) {
    conv1 = Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1,
                   implementation: implementation, rng: &rng)
    project = Linear(inputSize: embedding, outputSize: outputChannels, implementation: implementation, rng: &rng)
    rest = Sequential(
      GroupNorm(groups: groups, channels: outputChannels), SiLU(),
      Conv2d(inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1,
             implementation: implementation, rng: &rng),
      GroupNorm(groups: groups, channels: outputChannels), SiLU())
  }

  func forward(_ x: Tensor, embedding: Tensor, training: Bool) -> Tensor {
    var h = conv1.forward(x, training: training)
    h.addPerChannel(project.forward(embedding, training: training))
    return rest.forward(h, training: training)
  }

  func backward(_ outputGradient: Tensor, embedding: inout Tensor) -> Tensor {
    let dh = rest.backward(outputGradient)
    embedding += project.backward(dh.sumPerChannel())
    return conv1.backward(dh)
  }

  var parameters: [(name: String, parameter: Parameter)] {
    prefixedParameters([("conv1", conv1), ("time", project), ("rest", rest)])
  }
}

extension Tensor {
  /// Images [N, C₁, H, W], [N, C₂, H, W], … stacked along the channels: [N, C₁ + C₂ + …, H, W].
  /// (An image's channels are contiguous, so this is `concatenatingColumns` of the flattened items.)
  static func concatenatingChannels(_ parts: [Tensor]) -> Tensor {
    let first = parts[0].shape
    precondition(parts.allSatisfy { $0.rank == 4 && $0.shape[0] == first[0] && $0.shape[2...] == first[2...] },
                 "concatenatingChannels: needs [N, C, H, W] tensors with the same N, H, W, got \(parts.map(\.shape))")
    let joined = Tensor.concatenatingColumns(parts.map { $0.reshaped([first[0], $0.count / Swift.max(first[0], 1)]) })
    return joined.reshaped([first[0], parts.reduce(0) { $0 + $1.shape[1] }, first[2], first[3]])
  }

  /// Channels `range` of images [N, C, H, W].
  func channels(_ range: Range<Int>) -> Tensor {
    let (n, h, w) = (shape[0], shape[2], shape[3])
    let plane = h * w
    return reshaped([n, count / Swift.max(n, 1)]).columns((range.lowerBound * plane)..<(range.upperBound * plane))
      .reshaped([n, range.count, h, w])
  }

  /// x[n, c, :, :] += v[n, c] for images [N, C, H, W] and v [N, C].
  mutating func addPerChannel(_ values: Tensor) {
    let (n, c) = (shape[0], shape[1])
    precondition(values.shape == [n, c], "addPerChannel: values \(values.shape) for images \(shape)")
    let plane = count / Swift.max(n * c, 1)
    values.withUnsafeBufferPointer { v in
      withUnsafeMutableBufferPointer { x in
        for i in 0..<(n * c) {
          let value = v[i]
          for j in (i * plane)..<((i + 1) * plane) { x[j] += value }
        }
      }
    }
  }

  /// Σ_{h,w} dy[n, c, h, w] for images [N, C, H, W]: [N, C] (the backward of `addPerChannel`).
  func sumPerChannel() -> Tensor {
    let (n, c) = (shape[0], shape[1])
    let plane = count / Swift.max(n * c, 1)
    var result = Tensor(zeros: [n, c])
    result.withUnsafeMutableBufferPointer { out in
      withUnsafeBufferPointer { x in
        for i in 0..<(n * c) {
          var sum: Float = 0
          for j in (i * plane)..<((i + 1) * plane) { sum += x[j] }
          out[i] = sum
        }
      }
    }
    return result
  }
}
