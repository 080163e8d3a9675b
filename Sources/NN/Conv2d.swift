import Convolution
import Core

/// A 2-D convolution layer, PyTorch's `nn.Conv2d` (square kernel, same stride and
/// padding on both axes), wrapping `Convolution.forward` / `backward`:
///
///     forward:   y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s+p−pad, j·s+q−pad]
///     backward:  dL/dw[o,c,p,q] += Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c, i·s+p−pad, j·s+q−pad]
///                dL/db[o]       += Σ_n Σ_i Σ_j dy[n,o,i,j]
///                dL/dx[n,c,h,w]  = Σ w[o,c,p,q] · dy[n,o,i,j] over every (o,p,q,i,j) that read x[n,c,h,w]
///
/// Shapes: x [N, in, H, W], w [out, in, k, k], b [out], y and dy [N, out, OH, OW] with
/// OH = ⌊(H + 2·pad − k)/s⌋ + 1. fanIn = in·k·k and fanOut = out·k·k for the initialiser.
/// `implementation` picks the twin: `.reference` (direct loops) or `.optimized` (im2col + GEMM).
public final class Conv2d: Layer {
  public let weight: Parameter
  public let bias: Parameter?
  public var implementation: Implementation
  public let convolution: ConvolutionParameters
  private var input: Tensor?
  /// The optimized twin's im2col matrix of `input`, kept from a training forward so
  /// backward need not build it again.
  private var columns: [Float]?

  public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
              bias: Bool = true, implementation: Implementation = .optimized,
              initializer: Initializer = .pytorchDefault, rng: inout RNG) {
    precondition(inputChannels >= 1 && outputChannels >= 1 && kernelSize >= 1,
                 "Conv2d: channels and kernel size must be ≥ 1, got \(inputChannels) → \(outputChannels), kernel \(kernelSize)")
    let fanIn = inputChannels * kernelSize * kernelSize
    weight = Parameter(initializer.weight(shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                                          fanIn: fanIn, fanOut: outputChannels * kernelSize * kernelSize, rng: &rng))
    self.bias = bias ? Parameter(initializer.bias(count: outputChannels, fanIn: fanIn, rng: &rng)) : nil
    self.implementation = implementation
    convolution = ConvolutionParameters(stride: stride, padding: padding)
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let channels = weight.value.shape[1]
    precondition(input.rank == 4 && input.shape[1] == channels,
                 "Conv2d: input has \(input.rank == 4 ? "\(input.shape[1]) channels" : "rank \(input.rank)"), "
                 + "the layer expects \(channels) (input shape \(input.shape), want [N, \(channels), H, W])")
    self.input = input
    columns = nil
    if training && implementation == .optimized {
      let (output, columns) = Convolution.forwardKeepingColumns(input, weight.value, bias?.value, convolution)
      self.columns = columns
      return output
    }
    return Convolution.forward(input, weight.value, bias?.value, convolution, implementation: implementation)
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    guard let input else { preconditionFailure("Conv2d: backward called before forward") }
    let gradients = implementation == .optimized
      ? Convolution.backward(input, weight.value, outputGradient, convolution, hasBias: bias != nil, columns: columns)
      : Convolution.backward(input, weight.value, outputGradient, convolution,
                             hasBias: bias != nil, implementation: implementation)
    weight.accumulateGradient(gradients.weight)
    if let bias, let biasGradient = gradients.bias { bias.accumulateGradient(biasGradient) }
    return gradients.input
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    if let bias { return [("weight", weight), ("bias", bias)] }
    return [("weight", weight)]
  }
}

extension Parameter {
  /// gradient += delta, in one loop over the gradient's own buffer.
  func accumulateGradient(_ delta: Tensor) {
    precondition(delta.shape == gradient.shape,
                 "Parameter: gradient of shape \(delta.shape) added to one of shape \(gradient.shape)")
    delta.withUnsafeBufferPointer { d in
      gradient.withUnsafeMutableBufferPointer { g in
        for i in 0..<g.count { g[i] += d[i] }
      }
    }
  }
}
