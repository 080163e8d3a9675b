import Core

/// Group normalisation (Wu & He 2018), PyTorch's `GroupNorm`. Being written.
public final class GroupNorm: Layer {
  public let groups: Int
  public let channels: Int
  public let epsilon: Float
  /// γ, ones.
  public let weight: Parameter
  /// β, zeros.
  public let bias: Parameter

  public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
    self.groups = groups
    self.channels = channels
    self.epsilon = epsilon
    weight = Parameter(Tensor(shape: [channels], repeating: 1))
    bias = Parameter(Tensor(zeros: [channels]))
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    fatalError("GroupNorm.forward: not implemented yet")
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    fatalError("GroupNorm.backward: not implemented yet")
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    [("weight", weight), ("bias", bias)]
  }
}

/// SiLU (swish): y = x·σ(x). Being written.
public final class SiLU: Layer {
  public init() {}
  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    fatalError("SiLU.forward: not implemented yet")
  }
  public func backward(_ outputGradient: Tensor) -> Tensor {
    fatalError("SiLU.backward: not implemented yet")
  }
}
