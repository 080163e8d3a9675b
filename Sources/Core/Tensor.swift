/// An n-dimensional array of `Float`: a shape and its elements, contiguous and
/// row-major (the last index moves fastest). Images are NCHW: batch, channel,
/// height, width.
///
/// `Tensor` is a value: copies share storage until one of them is written
/// (copy-on-write, like `Array`). Hot loops work on `data` through
/// `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`, which make no copy.
public struct Tensor: Equatable, Sendable, CustomStringConvertible {
  /// The size of each axis, outermost first. `[]` is a scalar with one element.
  public private(set) var shape: [Int]
  /// The elements in row-major order; `data.count == shape.reduce(1, *)`.
  ///
  /// Writes go to the storage in place (`_modify` yields it), so `t.data[i] = v`
  /// costs O(1); the element count is checked after each write.
  public var data: [Float] {
    get { storage }
    _modify {
      yield &storage
      precondition(storage.count == elementCount,
                   "Tensor: data of \(storage.count) elements does not fit shape \(shape)")
    }
    set {
      precondition(newValue.count == elementCount,
                   "Tensor: data of \(newValue.count) elements does not fit shape \(shape)")
      storage = newValue
    }
  }
  @usableFromInline var storage: [Float]
  @usableFromInline var elementCount: Int

  /// A tensor with the given shape and elements (row-major).
  public init(shape: [Int], data: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
    let count = shape.reduce(1, *)
    precondition(data.count == count,
                 "Tensor: shape \(shape) needs \(count) elements, got \(data.count)")
    self.shape = shape
    self.storage = data
    self.elementCount = count
  }

  /// A tensor of zeros.
  public init(zeros shape: [Int]) {
    self.init(shape: shape, repeating: 0)
  }

  /// A tensor whose every element is `value`.
  public init(shape: [Int], repeating value: Float) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
    self.shape = shape
    self.elementCount = shape.reduce(1, *)
    self.storage = [Float](repeating: value, count: elementCount)
  }

  /// A scalar (rank-0) tensor.
  public init(_ value: Float) {
    self.init(shape: [], data: [value])
  }

  /// A tensor of independent uniform draws from `range` (default [0, 1)).
  public static func uniform(_ shape: [Int], in range: Range<Float> = 0..<1,
                             using rng: inout RNG) -> Tensor {
    let width = range.upperBound - range.lowerBound
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, data: (0..<count).map { _ in range.lowerBound + width * rng.uniform() })
  }

  /// A tensor of independent normal draws 𝒩(mean, std²).
  public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                            using rng: inout RNG) -> Tensor {
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, data: (0..<count).map { _ in mean + std * rng.normal() })
  }

  /// Number of elements.
  @inlinable public var count: Int { elementCount }
  /// Number of axes.
  @inlinable public var rank: Int { shape.count }

  /// Row-major strides: how far apart in `data` consecutive indices of each axis are.
  public var strides: [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in shape.indices.reversed() {
      strides[axis] = step
      step *= shape[axis]
    }
    return strides
  }

  /// The position in `data` of the element at `indices` (bounds-checked).
  public func offset(_ indices: [Int]) -> Int {
    precondition(indices.count == shape.count,
                 "Tensor: \(indices.count) indices for a rank-\(shape.count) tensor of shape \(shape)")
    var offset = 0
    for axis in shape.indices {
      let i = indices[axis]
      precondition(i >= 0 && i < shape[axis],
                   "Tensor: index \(indices) out of range for shape \(shape)")
      offset = offset * shape[axis] + i
    }
    return offset
  }

  /// The element at `indices`, e.g. `x[n, c, i, j]`.
  public subscript(indices: Int...) -> Float {
    get { data[offset(indices)] }
    set { data[offset(indices)] = newValue }
  }

  /// The same elements seen with another shape. One axis may be `-1`: it is
  /// inferred from the others.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    var resolved = newShape
    if let unknown = newShape.firstIndex(of: -1) {
      let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
      precondition(known > 0 && count % known == 0,
                   "Tensor: cannot reshape \(shape) (\(count) elements) to \(newShape)")
      resolved[unknown] = count / known
    }
    precondition(resolved.reduce(1, *) == count,
                 "Tensor: cannot reshape \(shape) (\(count) elements) to \(newShape)")
    var copy = self
    copy.shape = resolved
    return copy
  }

  /// Items `range` along the first axis (e.g. a mini-batch of images).
  public func slice(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1, "Tensor.slice: a scalar has no first axis")
    precondition(range.lowerBound >= 0 && range.upperBound <= shape[0],
                 "Tensor.slice: \(range) out of 0..<\(shape[0]) for shape \(shape)")
    let itemSize = shape.dropFirst().reduce(1, *)
    var newShape = shape
    newShape[0] = range.count
    return Tensor(shape: newShape,
                  data: Array(data[(range.lowerBound * itemSize)..<(range.upperBound * itemSize)]))
  }

  /// Item `index` along the first axis, with that axis removed.
  public subscript(item index: Int) -> Tensor {
    let one = slice(index..<(index + 1))
    return one.reshaped(Array(shape.dropFirst()))
  }

  /// Gathers items `indices` along the first axis, in that order.
  public func gather(_ indices: [Int]) -> Tensor {
    precondition(rank >= 1, "Tensor.gather: a scalar has no first axis")
    let itemSize = shape.dropFirst().reduce(1, *)
    var out = [Float]()
    out.reserveCapacity(indices.count * itemSize)
    for index in indices {
      precondition(index >= 0 && index < shape[0],
                   "Tensor.gather: index \(index) out of 0..<\(shape[0])")
      out.append(contentsOf: data[(index * itemSize)..<((index + 1) * itemSize)])
    }
    var newShape = shape
    newShape[0] = indices.count
    return Tensor(shape: newShape, data: out)
  }

  /// Stacks tensors of equal shape along a new first axis.
  public static func stack(_ items: [Tensor]) -> Tensor {
    precondition(!items.isEmpty, "Tensor.stack: nothing to stack")
    let itemShape = items[0].shape
    var out = [Float]()
    out.reserveCapacity(items.count * items[0].count)
    for item in items {
      precondition(item.shape == itemShape,
                   "Tensor.stack: shape \(item.shape) differs from \(itemShape)")
      out.append(contentsOf: item.data)
    }
    return Tensor(shape: [items.count] + itemShape, data: out)
  }

  /// The transpose of a matrix (rank 2).
  public func transposed() -> Tensor {
    precondition(rank == 2, "Tensor.transposed: needs a matrix, got shape \(shape)")
    let (rows, cols) = (shape[0], shape[1])
    var out = Tensor(zeros: [cols, rows])
    for i in 0..<rows {
      for j in 0..<cols { out.data[j * rows + i] = data[i * cols + j] }
    }
    return out
  }

  /// Calls `body` with the elements, without copying.
  @inlinable
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try storage.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with the elements for writing, without copying (unless shared).
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeMutableBufferPointer(body)
  }

  public var description: String {
    let shown = data.prefix(8).map { String(format: $0) }.joined(separator: ", ")
    return "Tensor(shape: \(shape), data: [\(shown)\(count > 8 ? ", …" : "")])"
  }
}

private extension String {
  init(format value: Float) {
    self = value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : String(value)
  }
}
