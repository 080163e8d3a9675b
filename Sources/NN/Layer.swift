import Core

/// A trained tensor and the gradient of the loss with respect to it.
///
/// Layers own their parameters; optimizers and checkpoints reach them by name
/// through `Layer.parameters`, and because `Parameter` is a class, an optimizer's
/// update is seen by the layer at once.
public final class Parameter {
  /// The current value θ.
  public var value: Tensor
  /// dL/dθ, accumulated by `backward` (+=) until `zeroGradient()`.
  public var gradient: Tensor

  public init(_ value: Tensor) {
    self.value = value
    self.gradient = Tensor(zeros: value.shape)
  }

  /// Sets the gradient to zero (keeping its storage).
  public func zeroGradient() {
    gradient.withUnsafeMutableBufferPointer { buffer in
      buffer.update(repeating: 0)
    }
  }
}

/// State that a layer keeps but does not train, such as BatchNorm's running
/// mean and variance. It is saved in checkpoints next to the parameters.
public final class Buffer {
  public var value: Tensor
  public init(_ value: Tensor) { self.value = value }
}

/// A layer with its backward pass written out, as in a textbook (no autodiff).
///
/// - `forward(_:training:)` computes y = f(x; θ) and keeps what backward needs
///   (its input, a mask, normalised values, ...). `training` switches layers that
///   behave differently at evaluation time (BatchNorm).
/// - `backward(_:)` takes dL/dy for the most recent forward, **adds** dL/dθ to
///   each parameter's gradient, and returns dL/dx. Call it once per forward.
/// - `parameters` and `buffers` list the layer's tensors by name, in a fixed
///   order, with PyTorch's names (`weight`, `bias`, `running_mean`, ...), so an
///   optimizer can walk them and a checkpoint can store them.
///
/// The first axis of every input is the batch.
public protocol Layer: Trainable {
  func forward(_ input: Tensor, training: Bool) -> Tensor
  func backward(_ outputGradient: Tensor) -> Tensor
}

/// Anything that holds named parameters and buffers: every `Layer`, and networks
/// whose forward takes more than one tensor (a diffusion U-Net takes x_t and t).
/// Optimizers walk `parameters`; checkpoints store and restore both lists by name.
public protocol Trainable: AnyObject {
  var parameters: [(name: String, parameter: Parameter)] { get }
  var buffers: [(name: String, buffer: Buffer)] { get }
}

extension Trainable {
  public var parameters: [(name: String, parameter: Parameter)] { [] }
  public var buffers: [(name: String, buffer: Buffer)] { [] }

  /// Zeroes every parameter's gradient (PyTorch's `zero_grad`).
  public func zeroGradients() {
    for (_, parameter) in parameters { parameter.zeroGradient() }
  }

  /// The number of trained numbers in the layer.
  public var parameterCount: Int {
    parameters.reduce(0) { $0 + $1.parameter.value.count }
  }
}

/// The parameters of a network's parts, each name prefixed with its part's name, as
/// PyTorch names a module's children: `down1.conv1.weight`, `blocks.0.ln1.bias`.
public func prefixedParameters(_ parts: [(String, any Trainable)]) -> [(name: String, parameter: Parameter)] {
  parts.flatMap { prefix, part in part.parameters.map { (name: "\(prefix).\($0.name)", parameter: $0.parameter) } }
}

/// `prefixedParameters` for buffers.
public func prefixedBuffers(_ parts: [(String, any Trainable)]) -> [(name: String, buffer: Buffer)] {
  parts.flatMap { prefix, part in part.buffers.map { (name: "\(prefix).\($0.name)", buffer: $0.buffer) } }
}

/// Layers applied one after another: y = f_k(… f_2(f_1(x))). Backward runs them
/// in reverse, each turning dL/d(its output) into dL/d(its input) — the chain rule.
///
/// Names are prefixed with the layer's position, as in PyTorch: `0.weight`, `2.bias`.
public final class Sequential: Layer {
  public private(set) var layers: [any Layer]

  public init(_ layers: [any Layer]) {
    self.layers = layers
  }

  public convenience init(_ layers: any Layer...) {
    self.init(layers)
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    var x = input
    for layer in layers { x = layer.forward(x, training: training) }
    return x
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    var gradient = outputGradient
    for layer in layers.reversed() { gradient = layer.backward(gradient) }
    return gradient
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    prefixedParameters(layers.enumerated().map { (String($0.offset), $0.element) })
  }

  public var buffers: [(name: String, buffer: Buffer)] {
    prefixedBuffers(layers.enumerated().map { (String($0.offset), $0.element) })
  }

}
