import Convolution
import Core

/// Stride, zero padding and output padding of a 2-D transposed convolution, per axis
/// (height, width), in PyTorch's `ConvTranspose2d` convention.
///
/// For an input of height H, kernel height KH, stride s, padding p and output padding op,
/// the output height is  OH = (H − 1)·s − 2p + KH + op  (and likewise for the width).
/// k4 s2 p1 doubles H and W: (7 − 1)·2 − 2 + 4 = 14.
///
/// The padding p is the padding of the convolution this layer is the adjoint of: it
/// crops p rows and columns off every side of the full scatter. The output padding
/// adds op rows (columns) at the bottom (right): a stride-s convolution maps s different
/// input sizes to the same output size, and op picks which one to go back to
/// (so op < s, as PyTorch requires).
public struct TransposedConvolutionParameters: Hashable, Sendable, CustomStringConvertible {
  public var strideHeight: Int
  public var strideWidth: Int
  public var paddingHeight: Int
  public var paddingWidth: Int
  public var outputPaddingHeight: Int
  public var outputPaddingWidth: Int

  /// The same stride, padding and output padding on both axes.
  public init(stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) {
    self.init(stride: (stride, stride), padding: (padding, padding), outputPadding: (outputPadding, outputPadding))
  }

  /// Stride, padding and output padding as (height, width) pairs.
  public init(stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int) = (0, 0)) {
    precondition(stride.0 >= 1 && stride.1 >= 1, "transposed convolution: stride must be ≥ 1, got \(stride)")
    precondition(padding.0 >= 0 && padding.1 >= 0, "transposed convolution: padding must be ≥ 0, got \(padding)")
    precondition(outputPadding.0 >= 0 && outputPadding.1 >= 0,
                 "transposed convolution: output padding must be ≥ 0, got \(outputPadding)")
    precondition(outputPadding.0 < stride.0 && outputPadding.1 < stride.1,
                 "transposed convolution: output padding \(outputPadding) must be smaller than the stride \(stride)")
    strideHeight = stride.0
    strideWidth = stride.1
    paddingHeight = padding.0
    paddingWidth = padding.1
    outputPaddingHeight = outputPadding.0
    outputPaddingWidth = outputPadding.1
  }

  /// The output size (OH, OW) = ((H − 1)·s − 2p + KH + op, …) for an input of
  /// `height`×`width` and a kernel of `kernelHeight`×`kernelWidth`.
  /// Precondition: both are at least 1 (the padding does not crop everything away).
  public func outputSize(height: Int, width: Int, kernelHeight: Int, kernelWidth: Int) -> (height: Int, width: Int) {
    let outputHeight = (height - 1) * strideHeight - 2 * paddingHeight + kernelHeight + outputPaddingHeight
    let outputWidth = (width - 1) * strideWidth - 2 * paddingWidth + kernelWidth + outputPaddingWidth
    precondition(outputHeight >= 1 && outputWidth >= 1,
                 "transposed convolution: a \(height)×\(width) input with a \(kernelHeight)×\(kernelWidth) kernel "
                 + "and \(self) has an empty output (\(outputHeight)×\(outputWidth))")
    return (outputHeight, outputWidth)
  }

  /// The stride and padding of the convolution this layer is the adjoint of.
  public var convolution: ConvolutionParameters {
    ConvolutionParameters(stride: (strideHeight, strideWidth), padding: (paddingHeight, paddingWidth))
  }

  public var description: String {
    let square = strideHeight == strideWidth && paddingHeight == paddingWidth
      && outputPaddingHeight == outputPaddingWidth
    let text = square
      ? "stride \(strideHeight), padding \(paddingHeight)"
      : "stride \(strideHeight)×\(strideWidth), padding \(paddingHeight)×\(paddingWidth)"
    guard outputPaddingHeight != 0 || outputPaddingWidth != 0 else { return text }
    return text + (square ? ", output padding \(outputPaddingHeight)"
                          : ", output padding \(outputPaddingHeight)×\(outputPaddingWidth)")
  }
}
