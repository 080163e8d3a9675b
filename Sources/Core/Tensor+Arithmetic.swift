/// Elementwise arithmetic and reductions. Shapes must match exactly (no broadcasting,
/// so a wrong shape is caught where it happens), except tensor ⊕ scalar.
extension Tensor {
  /// Applies `transform` to every element.
  @inlinable public func map(_ transform: (Float) -> Float) -> Tensor {
    Tensor(shape: shape, data: data.map(transform))
  }

  /// Combines two tensors of the same shape element by element.
  @inlinable public func zip(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
    precondition(shape == other.shape, "Tensor: shapes \(shape) and \(other.shape) differ")
    var out = self
    out.data.withUnsafeMutableBufferPointer { o in
      other.data.withUnsafeBufferPointer { b in
        for i in o.indices { o[i] = combine(o[i], b[i]) }
      }
    }
    return out
  }

  public static func + (a: Tensor, b: Tensor) -> Tensor { a.zip(b, +) }
  public static func - (a: Tensor, b: Tensor) -> Tensor { a.zip(b, -) }
  /// Elementwise (Hadamard) product.
  public static func * (a: Tensor, b: Tensor) -> Tensor { a.zip(b, *) }
  public static func / (a: Tensor, b: Tensor) -> Tensor { a.zip(b, /) }
  public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
  public static func - (a: Tensor, s: Float) -> Tensor { a.map { $0 - s } }
  public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
  public static func * (s: Float, a: Tensor) -> Tensor { a.map { s * $0 } }
  public static func / (a: Tensor, s: Float) -> Tensor { a.map { $0 / s } }
  public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }
  public static func += (a: inout Tensor, b: Tensor) { a = a + b }
  public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
  public static func *= (a: inout Tensor, s: Float) { a = a * s }

  /// Σ of all elements, accumulated in Double (in index order, so deterministic).
  public func sum() -> Float {
    var total = 0.0
    for v in data { total += Double(v) }
    return Float(total)
  }

  /// Arithmetic mean of all elements.
  public func mean() -> Float {
    precondition(count > 0, "Tensor.mean: empty tensor of shape \(shape)")
    return sum() / Float(count)
  }

  /// Smallest element.
  public func min() -> Float { data.min() ?? .nan }
  /// Largest element.
  public func max() -> Float { data.max() ?? .nan }

  /// Sum over the first axis: shape [N, rest…] → [rest…] (e.g. a batch sum).
  public func sumOverFirstAxis() -> Tensor {
    precondition(rank >= 1, "Tensor.sumOverFirstAxis: needs rank ≥ 1, got \(shape)")
    let itemShape = Array(shape.dropFirst())
    let itemSize = itemShape.reduce(1, *)
    var out = [Double](repeating: 0, count: itemSize)
    for n in 0..<shape[0] {
      for i in 0..<itemSize { out[i] += Double(data[n * itemSize + i]) }
    }
    return Tensor(shape: itemShape, data: out.map { Float($0) })
  }

  /// Mean over the first axis.
  public func meanOverFirstAxis() -> Tensor {
    sumOverFirstAxis() / Float(Swift.max(shape[0], 1))
  }

  /// Largest |a − b| over all elements (shapes must match).
  public func maxAbsDifference(_ other: Tensor) -> Float {
    precondition(shape == other.shape, "Tensor: shapes \(shape) and \(other.shape) differ")
    var worst: Float = 0
    for i in data.indices { worst = Swift.max(worst, abs(data[i] - other.data[i])) }
    return worst
  }

  /// 1 where the element is above `threshold`, 0 elsewhere: x_j ↦ [x_j > threshold].
  /// Images in [0, 1] become the 0/1 pixels a Bernoulli likelihood needs. (Fashion-MNIST's
  /// grey levels are k/255, none of them exactly 0.5, so `>` and `≥` agree on it.)
  public func binarized(threshold: Float = 0.5) -> Tensor { map { $0 > threshold ? 1 : 0 } }

  /// True when every element is finite (no NaN, no ±∞).
  public var isFinite: Bool { data.allSatisfy(\.isFinite) }
}
