import Core

/// Layer normalisation (Ba, Kiros & Hinton 2016), PyTorch's `nn.LayerNorm(features)`:
/// every row of the last axis is normalised on its own, then scaled and shifted:
///
///     μ = (1/D) Σ_j x_j        σ² = (1/D) Σ_j (x_j − μ)²       (D = `features`)
///     x̂_j = (x_j − μ) / √(σ² + ε)
///     y_j = γ_j · x̂_j + β_j
///
/// Shapes: x and y are [..., D] (any leading axes: a transformer's [B, T, D]); γ
/// (`weight`, ones) and β (`bias`, zeros) are [D]. Training and evaluation are the same.
///
/// Backward per row, with g_j = dy_j·γ_j:
///
///     dβ_j += Σ_rows dy_j          dγ_j += Σ_rows dy_j · x̂_j
///     dx_j  = (1/√(σ² + ε)) · (g_j − mean(g) − x̂_j · mean(g·x̂))
public final class LayerNorm: Layer {
  public let features: Int
  public let epsilon: Float
  public let weight: Parameter
  public let bias: Parameter
  /// What backward needs: x̂ and 1/√(σ² + ε) per row.
  private var normalized: Tensor?
  private var inverseDeviation: [Float] = []

  public init(features: Int, epsilon: Float = 1e-5) {
    precondition(features >= 1, "LayerNorm: features must be ≥ 1, got \(features)")
    self.features = features
    self.epsilon = epsilon
    weight = Parameter(Tensor(shape: [features], repeating: 1))
    bias = Parameter(Tensor(zeros: [features]))
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    precondition(input.rank >= 1 && input.shape.last == features,
                 "LayerNorm: input's last axis must be \(features), got shape \(input.shape)")
    let d = features, rows = input.count / d
    var normalized = Tensor(zeros: input.shape)
    var output = Tensor(zeros: input.shape)
    var inverse = [Float](repeating: 0, count: rows)
    input.withUnsafeBufferPointer { x in
      normalized.withUnsafeMutableBufferPointer { xHat in
        output.withUnsafeMutableBufferPointer { y in
          weight.value.withUnsafeBufferPointer { gamma in
            bias.value.withUnsafeBufferPointer { beta in
              for r in 0..<rows {
                let start = r * d
                var sum = 0.0
                for j in start..<(start + d) { sum += Double(x[j]) }
                let mu = Float(sum / Double(d))
                var squares = 0.0
                for j in start..<(start + d) { let v = Double(x[j] - mu); squares += v * v }
                let scale = Float(1 / (squares / Double(d) + Double(epsilon)).squareRoot())
                inverse[r] = scale
                for j in 0..<d {
                  let v = (x[start + j] - mu) * scale
                  xHat[start + j] = v
                  y[start + j] = gamma[j] * v + beta[j]
                }
              }
            }
          }
        }
      }
    }
    self.normalized = normalized
    inverseDeviation = inverse
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let normalized = checkedInput(normalized, outputGradient, layer: "LayerNorm")
    let d = features, rows = normalized.count / d
    var inputGradient = Tensor(zeros: normalized.shape)
    var gammaGradient = [Double](repeating: 0, count: d), betaGradient = [Double](repeating: 0, count: d)
    normalized.withUnsafeBufferPointer { xHat in
      outputGradient.withUnsafeBufferPointer { dy in
        inputGradient.withUnsafeMutableBufferPointer { dx in
          weight.value.withUnsafeBufferPointer { gamma in
            for r in 0..<rows {
              let start = r * d
              var meanG = 0.0, meanGX = 0.0
              for j in 0..<d {
                let g = Double(dy[start + j] * gamma[j])
                meanG += g
                meanGX += g * Double(xHat[start + j])
                gammaGradient[j] += Double(dy[start + j] * xHat[start + j])
                betaGradient[j] += Double(dy[start + j])
              }
              let (a, b) = (Float(meanG / Double(d)), Float(meanGX / Double(d)))
              let scale = inverseDeviation[r]
              for j in 0..<d {
                dx[start + j] = scale * (dy[start + j] * gamma[j] - a - xHat[start + j] * b)
              }
            }
          }
        }
      }
    }
    weight.accumulateGradient(Tensor(shape: [d], data: gammaGradient.map(Float.init)))
    bias.accumulateGradient(Tensor(shape: [d], data: betaGradient.map(Float.init)))
    return inputGradient
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    [("weight", weight), ("bias", bias)]
  }
}
