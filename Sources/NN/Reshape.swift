import Core

/// Views each item of the batch with a new shape: [N, …] → [N] + itemShape.
/// The elements and their order do not change, so backward is the reverse view:
///
///     forward:   y = reshape(x, [N] + itemShape)
///     backward:  dx = reshape(dy, shape of x)
///
/// The decoder of a convolutional VAE uses `Reshape([64, 7, 7])` after its Linear.
/// One entry of `itemShape` may be −1: it is inferred from the others.
public final class Reshape: Layer {
  public let itemShape: [Int]
  private var inputShape: [Int]?

  public init(_ itemShape: [Int]) {
    precondition(itemShape.filter { $0 == -1 }.count <= 1 && itemShape.allSatisfy { $0 >= 1 || $0 == -1 },
                 "Reshape: item shape \(itemShape) may hold sizes ≥ 1 and at most one −1")
    self.itemShape = itemShape
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    precondition(input.rank >= 1, "Reshape: input must have a batch axis, got a scalar")
    let itemCount = input.shape.dropFirst().reduce(1, *)
    let known = itemShape.filter { $0 != -1 }.reduce(1, *)
    precondition(itemShape.contains(-1) ? itemCount % known == 0 : itemCount == known,
                 "Reshape: input items of \(itemCount) elements (input shape \(input.shape)) "
                 + "cannot be seen as \(itemShape)")
    inputShape = input.shape
    return input.reshaped([input.shape[0]] + itemShape.map { $0 == -1 ? itemCount / known : $0 })
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    guard let inputShape else { preconditionFailure("Reshape: backward called before forward") }
    precondition(outputGradient.count == inputShape.reduce(1, *) && outputGradient.shape.first == inputShape.first,
                 "Reshape: output gradient has shape \(outputGradient.shape), which does not fit the input \(inputShape)")
    return outputGradient.reshaped(inputShape)
  }
}

/// Flattens each item of the batch: [N, d₁, d₂, …] → [N, d₁·d₂·…], what sits
/// between a convolutional encoder and its Linear head. Backward reshapes back.
public final class Flatten: Layer {
  private let reshape = Reshape([-1])

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    precondition(input.rank >= 1, "Flatten: input must have a batch axis, got a scalar")
    return reshape.forward(input, training: training)
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    reshape.backward(outputGradient)
  }
}
