import Core

/// Group normalisation (Wu & He 2018), PyTorch's `GroupNorm`. The C channels are split
/// into G groups of C/G consecutive channels; each image's group is normalised on its
/// own (over its channels and every pixel), then every channel is scaled and shifted by
/// trained γ and β:
///
///     μ_ng  = (1/m) Σ x             σ²_ng = (1/m) Σ (x − μ_ng)²       (m = (C/G)·H·W values of item n, group g)
///     x̂     = (x − μ_ng) / √(σ²_ng + ε)
///     y     = γ_c · x̂ + β_c
///
/// Shapes: x and y are [N, C, H, W] or [N, C] (then H·W = 1); γ (`weight`) and β (`bias`)
/// are [C]; C must be a multiple of G. G = 1 is layer normalisation over (C, H, W),
/// G = C is instance normalisation.
///
/// Unlike `BatchNorm` the statistics never mix items, so an image's output does not
/// depend on the rest of its batch, and training and evaluation are the same (there are
/// no running statistics; `training` is ignored).
///
/// Backward is BatchNorm's closed form, per (item, group) instead of per channel, with
/// g = dy·γ_c as the gradient reaching x̂ (γ varies inside a group, so it stays inside the sums):
///
///     dβ_c += Σ_n Σ_hw dy            dγ_c += Σ_n Σ_hw dy · x̂
///     dx    = 1/(m·√(σ²_ng + ε)) · (m·g − Σ g − x̂ · Σ g·x̂)      (sums over item n's group g)
///
/// A group is one contiguous block of m floats, so each (item, group) is done in one visit
/// while the block sits in cache: sums first, then the elementwise loop. Sums over a
/// channel's plane run in 16 Float lanes (`BatchNorm.sum` and friends), in Double across
/// the planes of a group and, for dγ and dβ, across the batch.
public final class GroupNorm: Layer {
  public let groups: Int
  public let channels: Int
  public let epsilon: Float
  /// γ, ones.
  public let weight: Parameter
  /// β, zeros.
  public let bias: Parameter

  /// What backward needs: x̂, and 1/√(σ² + ε) per (item, group), at index n·G + g.
  /// x̂'s storage is reused by the next forward of the same shape.
  private var normalized: Tensor?
  private var inverseDeviation: [Float] = []

  public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
    precondition(groups >= 1 && channels >= 1,
                 "GroupNorm: groups and channels must be ≥ 1, got groups \(groups), channels \(channels)")
    precondition(channels % groups == 0,
                 "GroupNorm: \(channels) channels cannot be split into \(groups) equal groups")
    self.groups = groups
    self.channels = channels
    self.epsilon = epsilon
    weight = Parameter(Tensor(shape: [channels], repeating: 1))
    bias = Parameter(Tensor(zeros: [channels]))
  }

  /// (N, H·W) of an input, after checking its rank and channel count.
  private func layout(_ shape: [Int]) -> (batch: Int, plane: Int) {
    precondition(shape.count == 2 || shape.count == 4,
                 "GroupNorm: input must be [N, C] or [N, C, H, W], got shape \(shape)")
    precondition(shape[1] == channels,
                 "GroupNorm: input has \(shape[1]) channels, the layer expects \(channels) (input shape \(shape))")
    return (shape[0], shape.count == 4 ? shape[2] * shape[3] : 1)
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let (batch, plane) = layout(input.shape)
    let channelsPerGroup = channels / groups
    let m = Double(channelsPerGroup * plane)
    if normalized?.shape != input.shape { normalized = Tensor(zeros: input.shape) }
    var inverseDeviation = [Float](repeating: 0, count: batch * groups)
    let output = Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        normalized!.withUnsafeMutableBufferPointer { xHat in
          weight.value.withUnsafeBufferPointer { gamma in
            bias.value.withUnsafeBufferPointer { beta in
              for n in 0..<batch {
                for g in 0..<groups {
                  let firstChannel = g * channelsPerGroup
                  let groupStart = (n * channels + firstChannel) * plane
                  // μ, then σ² about μ (two passes: no cancellation when |μ| ≫ σ).
                  var sum = 0.0
                  for k in 0..<channelsPerGroup {
                    sum += Double(BatchNorm.sum(x.baseAddress! + groupStart + k * plane, count: plane))
                  }
                  let mu = Float(sum / m)
                  var squares = 0.0
                  for k in 0..<channelsPerGroup {
                    squares += Double(BatchNorm.sumOfSquares(x.baseAddress! + groupStart + k * plane,
                                                             count: plane, minus: mu))
                  }
                  let scale = Float(1 / (squares / m + Double(epsilon)).squareRoot())
                  inverseDeviation[n * groups + g] = scale
                  for k in 0..<channelsPerGroup {
                    let (gammaC, betaC) = (gamma[firstChannel + k], beta[firstChannel + k])
                    let start = groupStart + k * plane
                    for i in start..<(start + plane) {
                      xHat[i] = (x[i] - mu) * scale
                      y[i] = gammaC * xHat[i] + betaC
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    self.inverseDeviation = inverseDeviation
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    guard let normalized else { preconditionFailure("GroupNorm: backward called before forward") }
    precondition(outputGradient.shape == normalized.shape,
                 "GroupNorm: output gradient has shape \(outputGradient.shape), the forward output was \(normalized.shape)")
    let (batch, plane) = layout(normalized.shape)
    let channelsPerGroup = channels / groups
    let m = Double(channelsPerGroup * plane)
    // Σ dy and Σ dy·x̂ per channel over the whole batch, for dβ and dγ.
    var sumGradient = [Double](repeating: 0, count: channels)
    var sumGradientXHat = [Double](repeating: 0, count: channels)
    let inputGradient = Tensor(filling: normalized.shape) { dx in
      outputGradient.withUnsafeBufferPointer { dy in
        normalized.withUnsafeBufferPointer { xHat in
          weight.value.withUnsafeBufferPointer { gamma in
            for n in 0..<batch {
              for g in 0..<groups {
                let firstChannel = g * channelsPerGroup
                let groupStart = (n * channels + firstChannel) * plane
                // Σ g and Σ g·x̂ over the group, with g = dy·γ_c: γ_c times each plane's sums.
                var groupSum = 0.0, groupSumXHat = 0.0
                for k in 0..<channelsPerGroup {
                  let c = firstChannel + k, start = groupStart + k * plane
                  let planeSum = Double(BatchNorm.sum(dy.baseAddress! + start, count: plane))
                  let planeSumXHat = Double(BatchNorm.sumOfProducts(dy.baseAddress! + start,
                                                                    xHat.baseAddress! + start, count: plane))
                  sumGradient[c] += planeSum
                  sumGradientXHat[c] += planeSumXHat
                  groupSum += Double(gamma[c]) * planeSum
                  groupSumXHat += Double(gamma[c]) * planeSumXHat
                }
                // dx = s·(g − Σg/m − x̂·Σg·x̂/m), s = 1/√(σ² + ε), written as a·dy − b − x̂·d.
                let scale = inverseDeviation[n * groups + g]
                let meanTerm = scale * Float(groupSum / m), xHatTerm = scale * Float(groupSumXHat / m)
                for k in 0..<channelsPerGroup {
                  let gammaScale = gamma[firstChannel + k] * scale
                  let start = groupStart + k * plane
                  for i in start..<(start + plane) {
                    dx[i] = gammaScale * dy[i] - meanTerm - xHat[i] * xHatTerm
                  }
                }
              }
            }
          }
        }
      }
    }
    for c in 0..<channels {
      bias.gradient.data[c] += Float(sumGradient[c])
      weight.gradient.data[c] += Float(sumGradientXHat[c])
    }
    return inputGradient
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    [("weight", weight), ("bias", bias)]
  }
}
