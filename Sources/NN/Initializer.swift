import Core

/// How a layer's weight and bias are drawn before training.
///
/// `fanIn` is the number of inputs that feed one output (`in` for Linear,
/// `in·k·k` for Conv2d), `fanOut` the number of outputs one input feeds.
///
/// | case | weight | bias |
/// | --- | --- | --- |
/// | `pytorchDefault` | U(−1/√fanIn, 1/√fanIn) | U(−1/√fanIn, 1/√fanIn) |
/// | `xavierUniform` | U(±√(6/(fanIn+fanOut))) | 0 |
/// | `xavierNormal` | 𝒩(0, 2/(fanIn+fanOut)) | 0 |
/// | `kaimingUniform` | U(±√(6/fanIn)) | 0 |
/// | `kaimingNormal` | 𝒩(0, 2/fanIn) | 0 |
/// | `normal(std:)` | 𝒩(0, std²) | 0 |
/// | `zeros` | 0 | 0 |
///
/// `pytorchDefault` is what `nn.Linear` and `nn.Conv2d` do when constructed:
/// `kaiming_uniform_(w, a=√5)`, whose bound gain·√(3/fanIn) with gain √(2/(1+a²)) = √(1/3)
/// is 1/√fanIn. Glorot (Xavier) keeps the variance of activations and gradients
/// equal across a tanh/linear layer; He (Kaiming) doubles it to make up for ReLU
/// zeroing half its inputs. DCGAN draws every conv weight from 𝒩(0, 0.02²).
public enum Initializer: Sendable, Equatable {
  case pytorchDefault
  case xavierUniform, xavierNormal
  case kaimingUniform, kaimingNormal
  case normal(std: Float)
  /// Everything 0: a last layer whose first output should be 0 (a diffusion U-Net's ε̂).
  case zeros

  /// A weight tensor of `shape` drawn as the table above says.
  public func weight(shape: [Int], fanIn: Int, fanOut: Int, rng: inout RNG) -> Tensor {
    precondition(fanIn >= 1 && fanOut >= 1,
                 "Initializer.weight: fanIn \(fanIn) and fanOut \(fanOut) must be ≥ 1 (shape \(shape))")
    switch self {
    case .pytorchDefault:
      return Self.uniform(shape, bound: 1 / Float(fanIn).squareRoot(), rng: &rng)
    case .xavierUniform:
      return Self.uniform(shape, bound: (6 / Float(fanIn + fanOut)).squareRoot(), rng: &rng)
    case .xavierNormal:
      return Tensor.normal(shape, std: (2 / Float(fanIn + fanOut)).squareRoot(), using: &rng)
    case .kaimingUniform:
      return Self.uniform(shape, bound: (6 / Float(fanIn)).squareRoot(), rng: &rng)
    case .kaimingNormal:
      return Tensor.normal(shape, std: (2 / Float(fanIn)).squareRoot(), using: &rng)
    case let .normal(std):
      return Tensor.normal(shape, std: std, using: &rng)
    case .zeros:
      return Tensor(zeros: shape)
    }
  }

  /// A bias of `count` elements: U(±1/√fanIn) for `pytorchDefault`, zeros otherwise.
  public func bias(count: Int, fanIn: Int, rng: inout RNG) -> Tensor {
    switch self {
    case .pytorchDefault:
      precondition(fanIn >= 1, "Initializer.bias: fanIn \(fanIn) must be ≥ 1")
      return Self.uniform([count], bound: 1 / Float(fanIn).squareRoot(), rng: &rng)
    case .xavierUniform, .xavierNormal, .kaimingUniform, .kaimingNormal, .normal, .zeros:
      return Tensor(zeros: [count])
    }
  }

  /// U(−bound, bound): 2·bound·u − bound with u ~ U[0, 1).
  private static func uniform(_ shape: [Int], bound: Float, rng: inout RNG) -> Tensor {
    Tensor.uniform(shape, in: -bound..<bound, using: &rng)
  }
}
