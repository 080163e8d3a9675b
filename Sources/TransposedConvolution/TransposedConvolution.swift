import Convolution
import Core

/// The 2-D transposed convolution ("deconvolution", PyTorch's `ConvTranspose2d`), the
/// upsampling layer of a DCGAN generator, in two twins with the same signatures:
/// `forwardReference`/`backwardReference` (TransposedConvolution+Reference.swift, the
/// scatter definition in loops) and `forward`/`backward` (TransposedConvolution+GEMM.swift,
/// one matrix product and a col2im).
///
/// Shapes: input x N×C_in×H×W, weight w C_in×C_out×KH×KW, bias b C_out (or nil),
/// output y N×C_out×OH×OW with OH = (H − 1)·s − 2p + KH + op (see
/// `TransposedConvolutionParameters`). Every input pixel stamps its channel's kernels,
/// scaled by the pixel, onto the output, s pixels apart:
///
///     y[n,o,i·s−p+kp, j·s−p+kq] += x[n,c,i,j] · w[c,o,kp,kq]     for every n,c,i,j,o,kp,kq
///     y[n,o,·,·] += b[o]
///
/// (stamps falling outside the output are dropped). It is the adjoint (the transpose)
/// of the convolution with the same stride and padding whose weight is w read as
/// C_out→C_in: ⟨conv(u), v⟩ = ⟨u, convT(v)⟩. Hence its name.
public enum TransposedConvolution {}

/// The sizes of one transposed convolution, checked against each other.
struct TransposedConvolutionShape {
  var batch: Int, inputChannels: Int, height: Int, width: Int
  var outputChannels: Int, kernelHeight: Int, kernelWidth: Int
  var outputHeight: Int, outputWidth: Int
  var parameters: TransposedConvolutionParameters

  var inputShape: [Int] { [batch, inputChannels, height, width] }
  var weightShape: [Int] { [inputChannels, outputChannels, kernelHeight, kernelWidth] }
  var outputShape: [Int] { [batch, outputChannels, outputHeight, outputWidth] }

  /// The forward convolution this layer is the adjoint of: it reads the N×C_out×OH×OW
  /// output with a KH×KW kernel and the same stride and padding, and its own output is
  /// N×·×H×W. With op < s its output size ⌊(OH + 2p − KH)/s⌋ + 1 = H − 1 + ⌊op/s⌋ + 1 = H,
  /// so the output padding never changes it.
  var adjointConvolution: ConvolutionGeometry {
    let g = ConvolutionGeometry(batch: batch, channels: outputChannels, height: outputHeight, width: outputWidth,
                                kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                parameters: parameters.convolution)
    assert(g.outputHeight == height && g.outputWidth == width,
           "transposed convolution: the adjoint convolution maps \(outputHeight)×\(outputWidth) to "
           + "\(g.outputHeight)×\(g.outputWidth), not \(height)×\(width)")
    return g
  }

  /// Checks the input and weight (and bias) shapes; `name` is the caller, for the message.
  init(_ name: String, input: Tensor, weight: Tensor, _ parameters: TransposedConvolutionParameters) {
    precondition(input.rank == 4, "\(name): input must be N×C_in×H×W, got shape \(input.shape)")
    precondition(weight.rank == 4, "\(name): weight must be C_in×C_out×KH×KW, got shape \(weight.shape)")
    precondition(input.shape[1] == weight.shape[0],
                 "\(name): input \(input.shape) has \(input.shape[1]) channels, weight \(weight.shape) expects \(weight.shape[0])")
    precondition(input.shape.dropFirst().allSatisfy { $0 >= 1 } && weight.shape.allSatisfy { $0 >= 1 },
                 "\(name): empty input \(input.shape) or weight \(weight.shape)")
    batch = input.shape[0]; inputChannels = input.shape[1]; height = input.shape[2]; width = input.shape[3]
    outputChannels = weight.shape[1]; kernelHeight = weight.shape[2]; kernelWidth = weight.shape[3]
    self.parameters = parameters
    (outputHeight, outputWidth) = parameters.outputSize(height: height, width: width,
                                                        kernelHeight: kernelHeight, kernelWidth: kernelWidth)
  }

  /// Forward: input, weight and the bias (C_out, if any).
  init(_ name: String, input: Tensor, weight: Tensor, bias: Tensor?, _ parameters: TransposedConvolutionParameters) {
    self.init(name, input: input, weight: weight, parameters)
    if let bias {
      precondition(bias.shape == [outputChannels],
                   "\(name): bias has shape \(bias.shape), weight \(weight.shape) needs [\(outputChannels)]")
    }
  }

  /// Backward: input, weight and the output gradient (N×C_out×OH×OW).
  init(_ name: String, input: Tensor, weight: Tensor, outputGradient: Tensor,
       _ parameters: TransposedConvolutionParameters) {
    self.init(name, input: input, weight: weight, parameters)
    precondition(outputGradient.shape == outputShape,
                 "\(name): output gradient has shape \(outputGradient.shape), but input \(input.shape), weight "
                 + "\(weight.shape) and \(parameters) give an output of \(outputShape)")
  }
}
