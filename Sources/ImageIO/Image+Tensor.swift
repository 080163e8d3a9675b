import Core

/// Which float values become black (0) and white (255) when a tensor becomes an image.
public enum ValueRange: Sendable, Equatable, CustomStringConvertible {
  /// byte = round(255 · clamp(v, 0, 1)): data scaled to [0, 1], e.g. `Tensor(image:)`, sigmoid outputs.
  case zeroToOne
  /// byte = round(255 · clamp((v + 1) / 2, 0, 1)): tanh outputs, GAN and diffusion samples.
  case minusOneToOne
  /// byte = round(255 · (v − min) / (max − min)) with min and max over all finite values
  /// being drawn (the whole batch for a grid): a grayscale heat map of anything, e.g. a
  /// weight matrix or a noise-prediction error. A constant tensor draws as all black.
  case normalize

  public var description: String {
    switch self {
    case .zeroToOne: "[0, 1]"
    case .minusOneToOne: "[-1, 1]"
    case .normalize: "[min, max]"
    }
  }
}

/// The map v ↦ byte of a `ValueRange`, with its low and high end resolved
/// (for `.normalize`, from the values themselves).
struct ByteMapping {
  /// The value drawn as 0.
  var low: Float
  /// 255 / (high − low), or 0 when high == low.
  var bytesPerUnit: Float

  init(_ range: ValueRange, values: [Float]) {
    let (low, high): (Float, Float)
    switch range {
    case .zeroToOne: (low, high) = (0, 1)
    case .minusOneToOne: (low, high) = (-1, 1)
    case .normalize:
      var lowest = Float.infinity, highest = -Float.infinity
      for v in values where v.isFinite {
        lowest = min(lowest, v)
        highest = max(highest, v)
      }
      (low, high) = lowest <= highest ? (lowest, highest) : (0, 0)  // no finite value: all black
    }
    self.low = low
    self.bytesPerUnit = high > low ? 255 / (high - low) : 0
  }

  /// round(clamp((v − low) · 255 / (high − low), 0, 255)); NaN draws as 0.
  @inline(__always)
  func byte(_ value: Float) -> UInt8 {
    let scaled = (value - low) * bytesPerUnit
    guard scaled > 0 else { return 0 }  // also NaN
    guard scaled < 255 else { return 255 }
    return UInt8(scaled.rounded())
  }
}

extension Image {
  /// The picture of one image tensor, C×H×W (C = 1 → `.gray`, 3 → `.rgb`, 4 → `.rgba`)
  /// or H×W (gray): pixels[(y·W + x)·C + c] = byte(tensor[c, y, x]), with byte() from
  /// `range` (values outside it are clamped, then rounded to the nearest byte).
  ///
  /// For one image of a batch N×C×H×W pass `batch[item: n]`; for many, `Image(grid:…)`.
  public init(tensor: Tensor, range: ValueRange = .zeroToOne) {
    let (channels, height, width): (Int, Int, Int)
    switch tensor.rank {
    case 2: (channels, height, width) = (1, tensor.shape[0], tensor.shape[1])
    case 3: (channels, height, width) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
    default:
      preconditionFailure("Image(tensor:): needs C×H×W or H×W, got shape \(tensor.shape)"
        + (tensor.rank == 4 ? " (for one image of a batch pass tensor[item: n]; for all, Image(grid:columns:))" : ""))
    }
    guard let format = PixelFormat(channels: channels) else {
      preconditionFailure("Image(tensor:): C×H×W needs C = 1, 3 or 4 channels, got shape \(tensor.shape)")
    }
    let mapping = ByteMapping(range, values: tensor.data)
    var pixels = [UInt8](repeating: 0, count: channels * height * width)
    tensor.withUnsafeBufferPointer { values in
      for c in 0..<channels {
        for y in 0..<height {
          for x in 0..<width {
            pixels[(y * width + x) * channels + c] = mapping.byte(values[(c * height + y) * width + x])
          }
        }
      }
    }
    self.init(width: width, height: height, format: format, pixels: pixels)
  }
}

extension Tensor {
  /// The image as a C×H×W tensor in [0, 1]: self[c, y, x] = pixels[(y·W + x)·C + c] / 255,
  /// C = `image.format.channels`. The inverse of `Image(tensor:range: .zeroToOne)`, exactly.
  public init(image: Image) {
    let channels = image.format.channels, height = image.height, width = image.width
    var data = [Float](repeating: 0, count: channels * height * width)
    for c in 0..<channels {
      for y in 0..<height {
        for x in 0..<width {
          data[(c * height + y) * width + x] = Float(image.pixels[(y * width + x) * channels + c]) / 255
        }
      }
    }
    self.init(shape: [channels, height, width], data: data)
  }
}
