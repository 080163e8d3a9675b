import Core
import TransposedConvolution

/// A 2-D transposed convolution layer, PyTorch's `nn.ConvTranspose2d` (square kernel,
/// same stride, padding and output padding on both axes), wrapping
/// `TransposedConvolution.forward` / `backward`. It upsamples: k4 s2 p1 doubles H and W.
///
///     forward:   y[n,o, i·s−pad+p, j·s−pad+q] += x[n,c,i,j] · w[c,o,p,q]  (for every n,c,i,j,o,p,q)
///                y[n,o,·,·] += b[o]
///     backward:  dL/dw[c,o,p,q] += Σ_n Σ_i Σ_j x[n,c,i,j] · dy[n,o, i·s−pad+p, j·s−pad+q]
///                dL/db[o]       += Σ_n Σ_row Σ_column dy[n,o,row,column]
///                dL/dx[n,c,i,j]  = Σ_o Σ_p Σ_q w[c,o,p,q] · dy[n,o, i·s−pad+p, j·s−pad+q]
///
/// (terms whose output position falls outside y are dropped). Shapes: x [N, in, H, W],
/// w [in, out, k, k] (PyTorch's layout), b [out], y and dy [N, out, OH, OW] with
/// OH = (H − 1)·s − 2·pad + k + outputPadding. Like PyTorch, the initialiser's fanIn is
/// computed from the weight's dimension 1: fanIn = out·k·k, fanOut = in·k·k.
public final class ConvTranspose2d: Layer {
  public let weight: Parameter
  public let bias: Parameter?
  public var implementation: Implementation
  public let transposedConvolution: TransposedConvolutionParameters
  private var input: Tensor?

  public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
              outputPadding: Int = 0, bias: Bool = true, implementation: Implementation = .optimized,
              initializer: Initializer = .pytorchDefault, rng: inout RNG) {
    precondition(inputChannels >= 1 && outputChannels >= 1 && kernelSize >= 1,
                 "ConvTranspose2d: channels and kernel size must be ≥ 1, got \(inputChannels) → \(outputChannels), "
                 + "kernel \(kernelSize)")
    let fanIn = outputChannels * kernelSize * kernelSize
    weight = Parameter(initializer.weight(shape: [inputChannels, outputChannels, kernelSize, kernelSize],
                                          fanIn: fanIn, fanOut: inputChannels * kernelSize * kernelSize, rng: &rng))
    self.bias = bias ? Parameter(initializer.bias(count: outputChannels, fanIn: fanIn, rng: &rng)) : nil
    self.implementation = implementation
    transposedConvolution = TransposedConvolutionParameters(stride: stride, padding: padding,
                                                            outputPadding: outputPadding)
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let channels = weight.value.shape[0]
    precondition(input.rank == 4 && input.shape[1] == channels,
                 "ConvTranspose2d: input has \(input.rank == 4 ? "\(input.shape[1]) channels" : "rank \(input.rank)"), "
                 + "the layer expects \(channels) (input shape \(input.shape), want [N, \(channels), H, W])")
    self.input = input
    switch implementation {
    case .reference:
      return TransposedConvolution.forwardReference(input, weight.value, bias?.value, transposedConvolution)
    case .optimized:
      return TransposedConvolution.forward(input, weight.value, bias?.value, transposedConvolution)
    }
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    guard let input else { preconditionFailure("ConvTranspose2d: backward called before forward") }
    let gradients = switch implementation {
    case .reference:
      TransposedConvolution.backwardReference(input, weight.value, outputGradient, transposedConvolution,
                                              hasBias: bias != nil)
    case .optimized:
      TransposedConvolution.backward(input, weight.value, outputGradient, transposedConvolution,
                                     hasBias: bias != nil)
    }
    weight.accumulateGradient(gradients.weight)
    if let bias, let biasGradient = gradients.bias { bias.accumulateGradient(biasGradient) }
    return gradients.input
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    if let bias { return [("weight", weight), ("bias", bias)] }
    return [("weight", weight)]
  }
}
