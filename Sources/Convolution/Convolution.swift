import Core

/// 2-D convolution (strictly, cross-correlation, as in every deep-learning library) of
/// NCHW images, forward and backward, in two twins with the same signatures:
/// `forwardReference` / `backwardReference` (Convolution+Reference.swift, the direct loops
/// of the definition) and `forward` / `backward` (Convolution+Im2col.swift, im2col and one
/// GEMM over the whole batch).
///
///     y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s_h + p − pad_h, j·s_w + q − pad_w]
///
/// - `x` is N×C×H×W, `weight` is O×C×KH×KW, `bias` is [O] or nil, `y` is N×O×OH×OW with
///   OH = ⌊(H + 2·pad_h − KH) / s_h⌋ + 1 (likewise OW). Indices that fall into the padding
///   read 0.
/// - Backward takes dL/dy (`outputGradient`, N×O×OH×OW) and returns
///   dL/dx[n,c,h,w] = Σ w[o,c,p,q]·dy[n,o,i,j] over every (o,p,q,i,j) that read x[n,c,h,w],
///   dL/dw[o,c,p,q] = Σ_n Σ_i Σ_j dy[n,o,i,j]·x[n,c, i·s_h + p − pad_h, j·s_w + q − pad_w],
///   dL/db[o]       = Σ_n Σ_i Σ_j dy[n,o,i,j]   (nil unless `hasBias`).
/// - Wrong shapes are programmer errors: preconditions name the shapes.
public enum Convolution {}

extension Convolution {
  /// Runs the twin `implementation` names: `.reference` (direct loops) or `.optimized`
  /// (im2col + GEMM). Same results within float32 rounding.
  public static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ p: ConvolutionParameters,
                             implementation: Implementation) -> Tensor {
    switch implementation {
    case .reference: return forwardReference(x, weight, bias, p)
    case .optimized: return forward(x, weight, bias, p)
    }
  }

  /// Runs the backward twin `implementation` names; see `forward(_:_:_:_:implementation:)`.
  public static func backward(_ x: Tensor, _ weight: Tensor, _ outputGradient: Tensor,
                              _ p: ConvolutionParameters, hasBias: Bool,
                              implementation: Implementation) -> (input: Tensor, weight: Tensor, bias: Tensor?) {
    switch implementation {
    case .reference: return backwardReference(x, weight, outputGradient, p, hasBias: hasBias)
    case .optimized: return backward(x, weight, outputGradient, p, hasBias: hasBias)
    }
  }

  /// The output shape [N, O, OH, OW] of convolving `inputShape` (N×C×H×W) with
  /// `weightShape` (O×C×KH×KW), checking that the two fit together.
  public static func outputShape(input inputShape: [Int], weight weightShape: [Int],
                                 _ p: ConvolutionParameters) -> [Int] {
    let g = geometry("Convolution.outputShape", inputShape, weightShape, p)
    return [g.batch, weightShape[0], g.outputHeight, g.outputWidth]
  }

  /// The geometry of `x` convolved with `weight`, after checking ranks and channels.
  static func geometry(_ name: String, _ inputShape: [Int], _ weightShape: [Int],
                       _ p: ConvolutionParameters) -> ConvolutionGeometry {
    precondition(inputShape.count == 4,
                 "\(name): input must be N×C×H×W (rank 4), got shape \(inputShape)")
    precondition(weightShape.count == 4,
                 "\(name): weight must be O×C×KH×KW (rank 4), got shape \(weightShape)")
    precondition(inputShape[1] == weightShape[1],
                 "\(name): input \(inputShape) has \(inputShape[1]) channels, weight \(weightShape) expects \(weightShape[1])")
    precondition(weightShape[0] >= 1, "\(name): weight \(weightShape) has no output channels")
    return ConvolutionGeometry(batch: inputShape[0], channels: inputShape[1],
                               height: inputShape[2], width: inputShape[3],
                               kernelHeight: weightShape[2], kernelWidth: weightShape[3], parameters: p)
  }

  /// Checks a forward call's arguments and returns its geometry.
  static func checkForward(_ name: String, _ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                           _ p: ConvolutionParameters) -> ConvolutionGeometry {
    let g = geometry(name, x.shape, weight.shape, p)
    if let bias {
      precondition(bias.shape == [weight.shape[0]],
                   "\(name): bias has shape \(bias.shape), weight \(weight.shape) needs [\(weight.shape[0])]")
    }
    return g
  }

  /// Checks a backward call's arguments (dL/dy must have the forward output's shape)
  /// and returns its geometry.
  static func checkBackward(_ name: String, _ x: Tensor, _ weight: Tensor, _ outputGradient: Tensor,
                            _ p: ConvolutionParameters) -> ConvolutionGeometry {
    let g = geometry(name, x.shape, weight.shape, p)
    let expected = [g.batch, weight.shape[0], g.outputHeight, g.outputWidth]
    precondition(outputGradient.shape == expected,
                 "\(name): output gradient has shape \(outputGradient.shape), but input \(x.shape) "
                 + "convolved with weight \(weight.shape) (\(p)) gives \(expected)")
    return g
  }
}
