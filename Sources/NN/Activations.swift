import Core
import Foundation

// Elementwise activations. Each forward is one tight loop over the elements
// (which the compiler vectorises where the function allows it) and keeps what its
// backward needs: the input for ReLU and LeakyReLU, the output for Tanh and Sigmoid,
// whose derivatives are cheapest in terms of y. They take any shape.

/// The rectified linear unit.
///
///     forward:   y = max(x, 0)
///     backward:  dx = dy · [x > 0]      (the derivative at 0 is taken as 0, as PyTorch does)
public final class ReLU: Layer {
  private var input: Tensor?

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    self.input = input
    return Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = x[i] > 0 ? x[i] : 0 }
      }
    }
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let input = checkedInput(input, outputGradient, layer: "ReLU")
    return Tensor(filling: input.shape) { dx in
      input.withUnsafeBufferPointer { x in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<x.count { dx[i] = x[i] > 0 ? dy[i] : 0 }
        }
      }
    }
  }
}

/// ReLU with a small slope a for negative inputs (so they still pass a gradient).
///
///     forward:   y = x if x > 0, else a·x
///     backward:  dx = dy if x > 0, else a·dy
public final class LeakyReLU: Layer {
  public let negativeSlope: Float
  private var input: Tensor?

  /// a = `negativeSlope` (PyTorch's default 0.01; DCGAN's discriminator uses 0.2).
  public init(negativeSlope: Float = 0.01) {
    self.negativeSlope = negativeSlope
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    self.input = input
    let slope = negativeSlope
    return Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
      }
    }
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let input = checkedInput(input, outputGradient, layer: "LeakyReLU")
    let slope = negativeSlope
    return Tensor(filling: input.shape) { dx in
      input.withUnsafeBufferPointer { x in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<x.count { dx[i] = x[i] > 0 ? dy[i] : slope * dy[i] }
        }
      }
    }
  }
}

/// The hyperbolic tangent.
///
///     forward:   y = tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)
///     backward:  dx = dy · (1 − y²)
public final class Tanh: Layer {
  private var output: Tensor?

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let output = Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = tanh(x[i]) }
      }
    }
    self.output = output
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let output = checkedInput(output, outputGradient, layer: "Tanh")
    return Tensor(filling: output.shape) { dx in
      output.withUnsafeBufferPointer { y in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<y.count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        }
      }
    }
  }
}

/// The logistic sigmoid.
///
///     forward:   y = σ(x) = 1 / (1 + e⁻ˣ)
///     backward:  dx = dy · y · (1 − y)
///
/// For x → −∞, e⁻ˣ overflows to +∞ and y = 1/∞ = 0 exactly, so no guard is needed.
/// (For a sigmoid followed by binary cross-entropy, use
/// `Losses.binaryCrossEntropyWithLogits` on the logits instead: it is exact where
/// log σ(x) would round to log 0.)
public final class Sigmoid: Layer {
  private var output: Tensor?

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let output = Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = 1 / (1 + exp(-x[i])) }
      }
    }
    self.output = output
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let output = checkedInput(output, outputGradient, layer: "Sigmoid")
    return Tensor(filling: output.shape) { dx in
      output.withUnsafeBufferPointer { y in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<y.count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        }
      }
    }
  }
}

/// The tensor a backward needs from its forward, after checking that there was a
/// forward and that dL/dy has the forward output's shape (elementwise layers keep it).
func checkedInput(_ saved: Tensor?, _ outputGradient: Tensor, layer: String) -> Tensor {
  guard let saved else { preconditionFailure("\(layer): backward called before forward") }
  precondition(outputGradient.shape == saved.shape,
               "\(layer): output gradient has shape \(outputGradient.shape), the forward output was \(saved.shape)")
  return saved
}

extension Tensor {
  /// A tensor of `shape` whose elements `fill` writes, every one of them, into
  /// uninitialised memory (no zeroing pass first).
  @inline(__always)
  init(filling shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
    let count = shape.reduce(1, *)
    let elements = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      fill(buffer)
      initialized = count
    }
    self.init(shape: shape, data: elements)
  }
}
