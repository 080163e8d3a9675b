import Core

/// A lookup table of trained vectors, PyTorch's `nn.Embedding(count, dimension)`: token i
/// becomes row i of the weight E [count, dimension].
///
///     forward:   y[n, :] = E[token_n, :]
///     backward:  dE[token_n, :] += dy[n, :]     (a token seen twice gets both gradients)
///
/// Its input is integers, not a tensor, so it is `Trainable` but not a `Layer`. Weights
/// start from 𝒩(0, std²) (PyTorch: std 1; GPT-2: 0.02).
public final class Embedding: Trainable {
  public let count: Int
  public let dimension: Int
  public let weight: Parameter
  private var tokens: [Int]?

  public init(count: Int, dimension: Int, std: Float = 1, rng: inout RNG) {
    precondition(count >= 1 && dimension >= 1, "Embedding: count and dimension must be ≥ 1, got \(count), \(dimension)")
    self.count = count
    self.dimension = dimension
    weight = Parameter(Tensor.normal([count, dimension], std: std, using: &rng))
  }

  /// The rows of `tokens`, [tokens.count, dimension]. Keeps the tokens for backward.
  public func forward(_ tokens: [Int]) -> Tensor {
    let d = dimension
    var output = Tensor(zeros: [tokens.count, d])
    weight.value.withUnsafeBufferPointer { e in
      output.withUnsafeMutableBufferPointer { y in
        for (n, token) in tokens.enumerated() {
          precondition(token >= 0 && token < count, "Embedding: token \(token) at position \(n) is outside 0..<\(count)")
          for j in 0..<d { y[n * d + j] = e[token * d + j] }
        }
      }
    }
    self.tokens = tokens
    return output
  }

  /// Adds dy's rows into the rows of the tokens of the most recent forward.
  public func backward(_ outputGradient: Tensor) {
    guard let tokens else { preconditionFailure("Embedding: backward called before forward") }
    precondition(outputGradient.shape == [tokens.count, dimension],
                 "Embedding: output gradient has shape \(outputGradient.shape), the forward output was [\(tokens.count), \(dimension)]")
    let d = dimension
    outputGradient.withUnsafeBufferPointer { dy in
      weight.gradient.withUnsafeMutableBufferPointer { de in
        for (n, token) in tokens.enumerated() {
          for j in 0..<d { de[token * d + j] += dy[n * d + j] }
        }
      }
    }
  }

  public var parameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }
}
