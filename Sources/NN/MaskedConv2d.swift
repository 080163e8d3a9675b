import Convolution
import Core

/// A convolution that cannot see the future: PixelCNN's masked convolution (van den Oord,
/// Kalchbrenner & Kavukcuoglu, 2016, "Pixel Recurrent Neural Networks", §3.4). Its kernel
/// is multiplied by a mask that zeroes every tap at or after the centre in raster order,
/// so output (i, j) reads only input pixels above row i, or in row i left of column j:
///
///     y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q (m ⊙ w)[o,c,p,q] · x[n,c, i+p−r, j+q−r]     r = k/2 (padding r, stride 1)
///     m[p,q] = 1  if p < r, or p = r and q < r      mask A (the first layer: the centre is the pixel being predicted)
///     m[p,q] = 1  if p < r, or p = r and q ≤ r      mask B (later layers: the centre holds features of earlier pixels only)
///
/// Mask A on the first layer and mask B after it keep the whole stack causal: output (i, j)
/// depends on the pixels before (i, j) in raster order and on nothing else. One image
/// channel, so there is no colour-channel masking (the paper's R → G → B split).
///
/// The conv twins are `Conv2d`'s (`implementation`). The mask is applied twice:
/// - forward first sets the masked weights to zero, in place (m ⊙ w is then just w), so the
///   optimizer, a checkpoint and a reader all see the kernel that is used;
/// - backward keeps the masked entries of dL/dw as they were: the masked taps get no
///   gradient, Adam's moments for them stay 0, and so do the weights.
public final class MaskedConv2d: Layer {
  /// Which taps the kernel keeps: `.a` excludes the centre, `.b` includes it.
  public enum Mask: String, Sendable, CaseIterable {
    case a = "A", b = "B"
  }

  public let mask: Mask
  /// The convolution (kernel k×k, padding k/2, stride 1) whose weight is masked.
  public let convolution: Conv2d
  /// m, shape [k, k]: 1 for the taps kept, 0 for the masked ones (the same for every o, c).
  public let kernelMask: Tensor

  public init(_ mask: Mask, inputChannels: Int, outputChannels: Int, kernelSize: Int, bias: Bool = true,
              implementation: Implementation = .optimized, initializer: Initializer = .pytorchDefault,
              rng: inout RNG) {
    precondition(kernelSize % 2 == 1, "MaskedConv2d: the kernel needs a centre, so an odd size; got \(kernelSize)")
    self.mask = mask
    convolution = Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                         stride: 1, padding: kernelSize / 2, bias: bias, implementation: implementation,
                         initializer: initializer, rng: &rng)
    kernelMask = Self.kernelMask(mask, kernelSize: kernelSize)
    applyMask()
  }

  /// m[p,q] = 1 for the taps before the centre in raster order (and the centre itself for mask B).
  public static func kernelMask(_ mask: Mask, kernelSize: Int) -> Tensor {
    let centre = kernelSize / 2
    var m = Tensor(zeros: [kernelSize, kernelSize])
    for p in 0..<kernelSize {
      for q in 0..<kernelSize where p < centre || (p == centre && (q < centre || (mask == .b && q == centre))) {
        m.data[p * kernelSize + q] = 1
      }
    }
    return m
  }

  public var implementation: Implementation {
    get { convolution.implementation }
    set { convolution.implementation = newValue }
  }

  public var weight: Parameter { convolution.weight }
  public var bias: Parameter? { convolution.bias }

  /// w ← m ⊙ w, in place. Forward calls it; so should anyone who reads the weight after
  /// changing it from outside (loading a checkpoint).
  public func applyMask() {
    let taps = kernelMask.count
    kernelMask.withUnsafeBufferPointer { m in
      convolution.weight.value.withUnsafeMutableBufferPointer { w in
        for i in 0..<w.count where m[i % taps] == 0 { w[i] = 0 }
      }
    }
  }

  /// y = conv(x; m ⊙ w, b). x [N, in, H, W] → y [N, out, H, W].
  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    applyMask()
    return convolution.forward(input, training: training)
  }

  /// dL/dw += m ⊙ (the convolution's dL/dw), dL/db += Σ dy, returns dL/dx.
  public func backward(_ outputGradient: Tensor) -> Tensor {
    let before = convolution.weight.gradient
    let inputGradient = convolution.backward(outputGradient)
    let taps = kernelMask.count
    kernelMask.withUnsafeBufferPointer { m in
      before.withUnsafeBufferPointer { old in
        convolution.weight.gradient.withUnsafeMutableBufferPointer { g in
          for i in 0..<g.count where m[i % taps] == 0 { g[i] = old[i] }
        }
      }
    }
    return inputGradient
  }

  /// The output at one position for every image, `Conv2d.output(row:column:of:)` with the mask applied.
  public func output(row: Int, column: Int, of input: Tensor) -> Tensor {
    applyMask()
    return convolution.output(row: row, column: column, of: input)
  }

  /// The output at the centre of a k×k patch, `Conv2d.output(patch:)` with the mask applied.
  public func output(patch: Tensor) -> Tensor {
    applyMask()
    return convolution.output(patch: patch)
  }

  public var parameters: [(name: String, parameter: Parameter)] { convolution.parameters }
}

extension Conv2d {
  /// y[n, ·, i, j] for every image n and one output position (i, j): [N, out].
  ///
  /// The k×k receptive field of (i, j) is copied out of x (zeros where it overhangs the
  /// padding) into a patch [N, in, k, k], and `output(patch:)` convolves it. An
  /// autoregressive sampler calls this to compute only the position that changed.
  public func output(row: Int, column: Int, of input: Tensor) -> Tensor {
    let (channels, kernelSize) = (weight.value.shape[1], weight.value.shape[2])
    precondition(input.rank == 4 && input.shape[1] == channels,
                 "Conv2d.output: input \(input.shape) does not have the layer's \(channels) channels")
    let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
    let (stride, padding) = (convolution.strideHeight, convolution.paddingHeight)
    let firstRow = row * stride - padding, firstColumn = column * stride - padding
    let patchSize = kernelSize * kernelSize
    let patch = Tensor(filling: [batch, channels, kernelSize, kernelSize]) { out in
      input.withUnsafeBufferPointer { x in
        for plane in 0..<(batch * channels) {
          let source = x.baseAddress! + plane * height * width
          let target = out.baseAddress! + plane * patchSize
          for p in 0..<kernelSize {
            let h = firstRow + p
            for q in 0..<kernelSize {
              let w = firstColumn + q
              target[p * kernelSize + q] = h >= 0 && h < height && w >= 0 && w < width ? source[h * width + w] : 0
            }
          }
        }
      }
    }
    return output(patch: patch)
  }

  /// The layer's output for one k×k patch of its input per image: patch [N, in, k, k] → [N, out],
  /// by the same twin as `forward`, unpadded.
  ///
  /// The im2col column of a patch holds the same numbers in the same order as the column of
  /// its centre position in the whole image, and the GEMM sums each output over the same K in
  /// the same blocks whatever the number of columns, so the result equals the full forward's
  /// output at that position bit for bit (at most a zero's sign differs).
  public func output(patch: Tensor) -> Tensor {
    let (outputChannels, channels, kernelSize) = (weight.value.shape[0], weight.value.shape[1], weight.value.shape[2])
    precondition(patch.rank == 4 && Array(patch.shape.dropFirst()) == [channels, kernelSize, kernelSize],
                 "Conv2d.output: patch \(patch.shape) is not [N, \(channels), \(kernelSize), \(kernelSize)]")
    let y = Convolution.forward(patch, weight.value, bias?.value, ConvolutionParameters(stride: 1, padding: 0),
                                implementation: implementation)
    return y.reshaped([patch.shape[0], outputChannels])
  }
}
