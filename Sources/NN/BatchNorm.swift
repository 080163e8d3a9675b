import Core

/// Batch normalisation (Ioffe & Szegedy 2015), PyTorch's `BatchNorm1d` / `BatchNorm2d`.
/// Each channel c is normalised over the batch (and, for images, every pixel), then
/// scaled and shifted by trained γ and β:
///
///     μ_c  = (1/m) Σ x            σ²_c = (1/m) Σ (x − μ_c)²         (m = N·H·W values per channel)
///     x̂    = (x − μ_c) / √(σ²_c + ε)
///     y    = γ_c · x̂ + β_c
///
/// Shapes: x and y are [N, C] (1-d) or [N, C, H, W] (2-d); γ (`weight`), β (`bias`),
/// the running mean and the running variance are [C].
///
/// - Training (`training: true`) normalises with the batch's μ and *biased* σ², and
///   updates the running statistics with the *unbiased* variance, as PyTorch does:
///   running_mean ← (1 − momentum)·running_mean + momentum·μ,
///   running_var  ← (1 − momentum)·running_var  + momentum·σ²·m/(m − 1).
/// - Evaluation (`training: false`) uses the running statistics instead, so an image's
///   output does not depend on the rest of its batch.
///
/// Backward after a training forward is the standard closed form (μ and σ² depend on x):
///
///     dβ_c += Σ dy             dγ_c += Σ dy · x̂
///     dx    = γ_c / (m·√(σ²_c + ε)) · (m·dy − Σ dy − x̂ · Σ dy·x̂)
///
/// After an evaluation forward the statistics are constants and dx = γ_c·dy / √(running_var_c + ε).
/// Sums over a channel run in Float lanes within an image's plane, in Double across planes.
public final class BatchNorm: Layer {
  public let features: Int
  public let momentum: Float
  public let epsilon: Float
  /// γ, ones.
  public let weight: Parameter
  /// β, zeros.
  public let bias: Parameter
  /// The running mean, zeros at first.
  public let runningMean: Buffer
  /// The running (unbiased) variance, ones at first.
  public let runningVariance: Buffer

  /// What backward needs: x̂, 1/√(σ² + ε) per channel, and whether the forward trained.
  private var normalized: Tensor?
  private var inverseDeviation: [Float] = []
  private var trainingForward = true

  public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
    precondition(features >= 1, "BatchNorm: features must be ≥ 1, got \(features)")
    self.features = features
    self.momentum = momentum
    self.epsilon = epsilon
    weight = Parameter(Tensor(shape: [features], repeating: 1))
    bias = Parameter(Tensor(zeros: [features]))
    runningMean = Buffer(Tensor(zeros: [features]))
    runningVariance = Buffer(Tensor(shape: [features], repeating: 1))
  }

  /// (N, C, H·W) of an input, after checking its rank and channel count.
  private func layout(_ shape: [Int]) -> (batch: Int, channels: Int, plane: Int) {
    precondition(shape.count == 2 || shape.count == 4,
                 "BatchNorm: input must be [N, C] or [N, C, H, W], got shape \(shape)")
    precondition(shape[1] == features,
                 "BatchNorm: input has \(shape[1]) channels, the layer expects \(features) (input shape \(shape))")
    return (shape[0], shape[1], shape.count == 4 ? shape[2] * shape[3] : 1)
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let (batch, channels, plane) = layout(input.shape)
    let m = batch * plane
    var mean = [Float](repeating: 0, count: channels)
    var inverseDeviation = [Float](repeating: 0, count: channels)
    input.withUnsafeBufferPointer { x in
      if training {
        precondition(m > 1, "BatchNorm: training needs more than one value per channel, got input shape \(input.shape)")
        for c in 0..<channels {
          var sum = 0.0
          for n in 0..<batch { sum += Double(Self.sum(x.baseAddress! + (n * channels + c) * plane, count: plane)) }
          let mu = sum / Double(m)
          var squares = 0.0
          for n in 0..<batch {
            squares += Double(Self.sumOfSquares(x.baseAddress! + (n * channels + c) * plane, count: plane,
                                                minus: Float(mu)))
          }
          let variance = squares / Double(m)
          mean[c] = Float(mu)
          inverseDeviation[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
          runningMean.value.data[c] = (1 - momentum) * runningMean.value.data[c] + momentum * Float(mu)
          runningVariance.value.data[c] = (1 - momentum) * runningVariance.value.data[c]
            + momentum * Float(squares / Double(m - 1))
        }
      } else {
        for c in 0..<channels {
          mean[c] = runningMean.value.data[c]
          inverseDeviation[c] = 1 / (runningVariance.value.data[c] + epsilon).squareRoot()
        }
      }
    }
    var normalized = Tensor(zeros: input.shape)
    var output = Tensor(zeros: input.shape)
    input.withUnsafeBufferPointer { x in
      normalized.withUnsafeMutableBufferPointer { xHat in
        output.withUnsafeMutableBufferPointer { y in
          for n in 0..<batch {
            for c in 0..<channels {
              let (mu, scale) = (mean[c], inverseDeviation[c])
              let (gamma, beta) = (weight.value.data[c], bias.value.data[c])
              let start = (n * channels + c) * plane
              for i in start..<(start + plane) {
                xHat[i] = (x[i] - mu) * scale
                y[i] = gamma * xHat[i] + beta
              }
            }
          }
        }
      }
    }
    self.normalized = normalized
    self.inverseDeviation = inverseDeviation
    trainingForward = training
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    guard let normalized else { preconditionFailure("BatchNorm: backward called before forward") }
    precondition(outputGradient.shape == normalized.shape,
                 "BatchNorm: output gradient has shape \(outputGradient.shape), the forward output was \(normalized.shape)")
    let (batch, channels, plane) = layout(normalized.shape)
    let m = Double(batch * plane)
    var inputGradient = Tensor(zeros: normalized.shape)
    outputGradient.withUnsafeBufferPointer { dy in
      normalized.withUnsafeBufferPointer { xHat in
        inputGradient.withUnsafeMutableBufferPointer { dx in
          for c in 0..<channels {
            var sumGradient = 0.0, sumGradientXHat = 0.0
            for n in 0..<batch {
              let start = (n * channels + c) * plane
              sumGradient += Double(Self.sum(dy.baseAddress! + start, count: plane))
              sumGradientXHat += Double(Self.sumOfProducts(dy.baseAddress! + start, xHat.baseAddress! + start,
                                                           count: plane))
            }
            bias.gradient.data[c] += Float(sumGradient)
            weight.gradient.data[c] += Float(sumGradientXHat)
            let gammaScale = weight.value.data[c] * inverseDeviation[c]
            let meanGradient = Float(sumGradient / m), meanGradientXHat = Float(sumGradientXHat / m)
            for n in 0..<batch {
              let start = (n * channels + c) * plane
              if trainingForward {
                for i in start..<(start + plane) {
                  dx[i] = gammaScale * (dy[i] - meanGradient - xHat[i] * meanGradientXHat)
                }
              } else {
                for i in start..<(start + plane) { dx[i] = gammaScale * dy[i] }
              }
            }
          }
        }
      }
    }
    return inputGradient
  }

  // Sums over one channel's plane (H·W contiguous values) in 16 Float lanes, so they
  // vectorise; the planes are then added in Double. A running Double sum per element
  // would be a chain of dependent additions, one every four cycles.

  /// Σ x[i], i < count.
  static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD16<Float>(repeating: 0)
    var i = 0
    while i + 16 <= count { lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self); i += 16 }
    var rest: Float = 0
    while i < count { rest += x[i]; i += 1 }
    return lanes.sum() + rest
  }

  /// Σ (x[i] − shift)², i < count.
  static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int, minus shift: Float) -> Float {
    var lanes = SIMD16<Float>(repeating: 0)
    var i = 0
    while i + 16 <= count {
      let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - shift
      lanes += d * d
      i += 16
    }
    var rest: Float = 0
    while i < count { rest += (x[i] - shift) * (x[i] - shift); i += 1 }
    return lanes.sum() + rest
  }

  /// Σ a[i]·b[i], i < count.
  static func sumOfProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD16<Float>(repeating: 0)
    var i = 0
    while i + 16 <= count {
      lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
      i += 16
    }
    var rest: Float = 0
    while i < count { rest += a[i] * b[i]; i += 1 }
    return lanes.sum() + rest
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    [("weight", weight), ("bias", bias)]
  }

  public var buffers: [(name: String, buffer: Buffer)] {
    [("running_mean", runningMean), ("running_var", runningVariance)]
  }
}
