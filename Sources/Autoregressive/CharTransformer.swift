import Core
import NN

/// A tiny GPT over characters: token and position embeddings, `layers` pre-norm blocks of
/// causal self-attention and an MLP, a final LayerNorm and a linear head that gives, at
/// every position t, logits for the character at t + 1.
///
///     x_0 = E_token[c_t] + E_position[t]
///     x ← x + Attention(LN₁(x))          (each block; position t sees 0…t only)
///     x ← x + MLP(LN₂(x))                 MLP: Linear D → 4D, GELU, Linear 4D → D
///     logits_t = LN_f(x_t) · W_head + b_head
///
/// Forward and backward are written out; the residual additions send the gradient down
/// both paths (dx += the branch's input gradient).
public final class CharTransformer: Trainable {
  public struct Configuration: Sendable, Equatable {
    /// V, the number of distinct characters.
    public var vocabulary: Int
    /// L, the longest context (positions 0 ..< L have embeddings).
    public var context: Int
    /// D, the width of every position's vector.
    public var width: Int
    public var heads: Int
    public var layers: Int

    public init(vocabulary: Int, context: Int, width: Int = 64, heads: Int = 4, layers: Int = 2) {
      self.vocabulary = vocabulary
      self.context = context
      self.width = width
      self.heads = heads
      self.layers = layers
    }
  }

  /// One pre-norm transformer block.
  public final class Block: Trainable {
    public let attentionNorm: LayerNorm
    public let attention: CausalSelfAttention
    public let mlpNorm: LayerNorm
    public let mlp: Sequential

    init(width: Int, heads: Int, implementation: Implementation, rng: inout RNG) {
      attentionNorm = LayerNorm(features: width)
      attention = CausalSelfAttention(width: width, heads: heads, implementation: implementation, rng: &rng)
      mlpNorm = LayerNorm(features: width)
      mlp = Sequential(Linear(inputSize: width, outputSize: 4 * width, implementation: implementation, rng: &rng),
                       GELU(),
                       Linear(inputSize: 4 * width, outputSize: width, implementation: implementation, rng: &rng))
    }

    /// x [B, T, D] → x + Attention(LN₁(x)), then + MLP(LN₂(·)).
    func forward(_ x: Tensor, training: Bool) -> Tensor {
      let (b, t, d) = (x.shape[0], x.shape[1], x.shape[2])
      let afterAttention = x + attention.forward(attentionNorm.forward(x, training: training), training: training)
      let branch = mlp.forward(mlpNorm.forward(afterAttention, training: training).reshaped([b * t, d]),
                               training: training)
      return afterAttention + branch.reshaped([b, t, d])
    }

    func backward(_ outputGradient: Tensor) -> Tensor {
      let (b, t, d) = (outputGradient.shape[0], outputGradient.shape[1], outputGradient.shape[2])
      let throughMLP = mlp.backward(outputGradient.reshaped([b * t, d])).reshaped([b, t, d])
      let dAfterAttention = outputGradient + mlpNorm.backward(throughMLP)
      return dAfterAttention + attentionNorm.backward(attention.backward(dAfterAttention))
    }

    public var parameters: [(name: String, parameter: Parameter)] {
      prefixedParameters([("ln1", attentionNorm), ("attention", attention), ("ln2", mlpNorm), ("mlp", mlp)])
    }
  }

  public let configuration: Configuration
  public let tokenEmbedding: Embedding
  public let positionEmbedding: Embedding
  public let blocks: [Block]
  public let finalNorm: LayerNorm
  public let head: Linear
  private var shape: (batch: Int, length: Int) = (0, 0)

  public init(_ configuration: Configuration, implementation: Implementation = .optimized, rng: inout RNG) {
    let c = configuration
    precondition(c.vocabulary >= 2 && c.context >= 1 && c.layers >= 0,
                 "CharTransformer: needs vocabulary ≥ 2, context ≥ 1, layers ≥ 0, got \(c)")
    self.configuration = c
    tokenEmbedding = Embedding(count: c.vocabulary, dimension: c.width, std: 0.02, rng: &rng)
    positionEmbedding = Embedding(count: c.context, dimension: c.width, std: 0.02, rng: &rng)
    blocks = (0..<c.layers).map { _ in Block(width: c.width, heads: c.heads, implementation: implementation, rng: &rng) }
    finalNorm = LayerNorm(features: c.width)
    head = Linear(inputSize: c.width, outputSize: c.vocabulary, implementation: implementation, rng: &rng)
  }

  /// Logits [B·T, V] for B sequences of T tokens each (row n·T + t predicts token t + 1 of sequence n).
  public func forward(_ sequences: [[Int]], training: Bool) -> Tensor {
    let b = sequences.count, t = sequences.first?.count ?? 0
    precondition(b >= 1 && t >= 1 && sequences.allSatisfy { $0.count == t },
                 "CharTransformer.forward: needs B ≥ 1 sequences of one length T ≥ 1, got lengths \(sequences.map(\.count))")
    precondition(t <= configuration.context,
                 "CharTransformer.forward: sequences of \(t) tokens, the context is \(configuration.context)")
    let d = configuration.width
    shape = (b, t)
    let positions = (0..<b).flatMap { _ in 0..<t }
    var x = (tokenEmbedding.forward(sequences.flatMap { $0 }) + positionEmbedding.forward(positions)).reshaped([b, t, d])
    for block in blocks { x = block.forward(x, training: training) }
    return head.forward(finalNorm.forward(x, training: training).reshaped([b * t, d]), training: training)
  }

  /// Backpropagates dL/dlogits [B·T, V] of the most recent forward into every parameter.
  public func backward(_ logitsGradient: Tensor) {
    let (b, t) = shape
    let d = configuration.width
    precondition(logitsGradient.shape == [b * t, configuration.vocabulary],
                 "CharTransformer.backward: gradient of shape \(logitsGradient.shape), the logits were [\(b * t), \(configuration.vocabulary)]")
    var dx = finalNorm.backward(head.backward(logitsGradient).reshaped([b, t, d]))
    for block in blocks.reversed() { dx = block.backward(dx) }
    let flat = dx.reshaped([b * t, d])
    tokenEmbedding.backward(flat)
    positionEmbedding.backward(flat)
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    var parts: [(String, any Trainable)] = [("token_embedding", tokenEmbedding), ("position_embedding", positionEmbedding)]
    parts += blocks.enumerated().map { ("blocks.\($0.offset)", $0.element) }
    parts += [("final_norm", finalNorm), ("head", head)]
    return prefixedParameters(parts)
  }
}
