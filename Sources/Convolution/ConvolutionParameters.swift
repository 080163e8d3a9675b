import Core

/// Stride and zero padding of a 2-D convolution, per axis (height, width).
///
/// For an input of height H, kernel height KH, stride s and padding p, the output
/// height is  OH = ⌊(H + 2p − KH) / s⌋ + 1  (and likewise for the width).
public struct ConvolutionParameters: Hashable, Sendable, CustomStringConvertible {
  public var strideHeight: Int
  public var strideWidth: Int
  public var paddingHeight: Int
  public var paddingWidth: Int

  /// The same stride and padding on both axes.
  public init(stride: Int = 1, padding: Int = 0) {
    self.init(stride: (stride, stride), padding: (padding, padding))
  }

  /// Stride and padding as (height, width) pairs.
  public init(stride: (Int, Int), padding: (Int, Int)) {
    precondition(stride.0 >= 1 && stride.1 >= 1, "convolution: stride must be ≥ 1, got \(stride)")
    precondition(padding.0 >= 0 && padding.1 >= 0, "convolution: padding must be ≥ 0, got \(padding)")
    strideHeight = stride.0
    strideWidth = stride.1
    paddingHeight = padding.0
    paddingWidth = padding.1
  }

  /// The output size (OH, OW) for an input of `height`×`width` and a kernel of
  /// `kernelHeight`×`kernelWidth`. Precondition: the padded input holds the kernel.
  public func outputSize(height: Int, width: Int, kernelHeight: Int, kernelWidth: Int) -> (height: Int, width: Int) {
    let paddedHeight = height + 2 * paddingHeight, paddedWidth = width + 2 * paddingWidth
    precondition(paddedHeight >= kernelHeight && paddedWidth >= kernelWidth,
                 "convolution: a \(kernelHeight)×\(kernelWidth) kernel does not fit a \(height)×\(width) input padded by \(paddingHeight)×\(paddingWidth)")
    return ((paddedHeight - kernelHeight) / strideHeight + 1, (paddedWidth - kernelWidth) / strideWidth + 1)
  }

  public var description: String {
    strideHeight == strideWidth && paddingHeight == paddingWidth
      ? "stride \(strideHeight), padding \(paddingHeight)"
      : "stride \(strideHeight)×\(strideWidth), padding \(paddingHeight)×\(paddingWidth)"
  }
}

/// The sizes of one convolution: input N×C×H×W, kernel KH×KW, output N×·×OH×OW.
public struct ConvolutionGeometry: Hashable, Sendable {
  public var batch: Int, channels: Int, height: Int, width: Int
  public var kernelHeight: Int, kernelWidth: Int
  public var parameters: ConvolutionParameters
  public var outputHeight: Int, outputWidth: Int

  public init(batch: Int, channels: Int, height: Int, width: Int,
              kernelHeight: Int, kernelWidth: Int, parameters: ConvolutionParameters) {
    precondition(batch >= 0 && channels >= 1 && height >= 1 && width >= 1 && kernelHeight >= 1 && kernelWidth >= 1,
                 "convolution: bad sizes N \(batch), C \(channels), H×W \(height)×\(width), kernel \(kernelHeight)×\(kernelWidth)")
    self.batch = batch; self.channels = channels; self.height = height; self.width = width
    self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
    self.parameters = parameters
    (outputHeight, outputWidth) = parameters.outputSize(height: height, width: width,
                                                        kernelHeight: kernelHeight, kernelWidth: kernelWidth)
  }

  /// Rows of the im2col matrix: C·KH·KW.
  public var patchSize: Int { channels * kernelHeight * kernelWidth }
  /// Columns of the im2col matrix: N·OH·OW.
  public var patchCount: Int { batch * outputHeight * outputWidth }
}
