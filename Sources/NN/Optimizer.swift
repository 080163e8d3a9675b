import Core

/// Something that updates parameters from their gradients: θ ← update(θ, dL/dθ).
///
/// An optimizer is built over a list of named parameters (a layer's
/// `parameters`) and keeps per-parameter state (momentum, moments) under the same
/// names, so a checkpoint can store it and a resumed run continues exactly.
public protocol Optimizer: AnyObject {
  /// The parameters it updates, by name.
  var parameters: [(name: String, parameter: Parameter)] { get }
  /// The step size. Lessons may change it between steps (schedules).
  var learningRate: Float { get set }
  /// How many updates have been made (Adam's t).
  var stepCount: Int { get set }
  /// One update of every parameter from its current gradient. Does not zero
  /// the gradients: call `zeroGradients()` before the next backward.
  func step()
  /// The optimizer's state as named tensors, e.g. `m.0.weight`, `v.0.weight`
  /// for Adam. Together with `stepCount` this is everything a resumed run needs.
  var state: [(name: String, tensor: Tensor)] { get }
  /// Restores `state` (names and shapes must match; the message names the first
  /// tensor that does not).
  func loadState(_ tensors: [String: Tensor]) throws(OptimizerStateError)
}

extension Optimizer {
  /// Zeroes the gradients of every parameter this optimizer updates.
  public func zeroGradients() {
    for (_, parameter) in parameters { parameter.zeroGradient() }
  }
}

/// Why optimizer state could not be restored.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
  case missing(name: String)
  case shapeMismatch(name: String, expected: [Int], found: [Int])

  public var description: String {
    switch self {
    case let .missing(name):
      return "optimizer state \(name) is missing"
    case let .shapeMismatch(name, expected, found):
      return "optimizer state \(name) has shape \(found), the parameter needs \(expected)"
    }
  }
}
