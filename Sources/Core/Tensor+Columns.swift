extension Tensor {
  /// Columns `range` of a matrix [N, M]: [N, range.count]. (A VAE's encoder outputs μ
  /// and logσ² side by side; this takes them apart.)
  public func columns(_ range: Range<Int>) -> Tensor {
    precondition(rank == 2, "Tensor.columns: needs a matrix [N, M], got shape \(shape)")
    let (rows, width) = (shape[0], shape[1])
    precondition(range.lowerBound >= 0 && range.upperBound <= width,
                 "Tensor.columns: \(range) is outside the \(width) columns of shape \(shape)")
    var out = [Float]()
    out.reserveCapacity(rows * range.count)
    withUnsafeBufferPointer { source in
      for i in 0..<rows { out.append(contentsOf: source[(i * width + range.lowerBound)..<(i * width + range.upperBound)]) }
    }
    return Tensor(shape: [rows, range.count], data: out)
  }

  /// Matrices [N, M₁], [N, M₂], … side by side: [N, M₁ + M₂ + …] (the inverse of `columns`).
  public static func concatenatingColumns(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty && parts.allSatisfy { $0.rank == 2 && $0.shape[0] == parts[0].shape[0] },
                 "Tensor.concatenatingColumns: needs matrices with the same number of rows, got shapes \(parts.map(\.shape))")
    let rows = parts[0].shape[0], width = parts.reduce(0) { $0 + $1.shape[1] }
    var out = [Float]()
    out.reserveCapacity(rows * width)
    for i in 0..<rows {
      for part in parts {
        let w = part.shape[1]
        part.withUnsafeBufferPointer { out.append(contentsOf: $0[(i * w)..<((i + 1) * w)]) }
      }
    }
    return Tensor(shape: [rows, width], data: out)
  }
}

// MARK: - Rows

extension Tensor {
  /// Tensors stacked along the first axis: [N₁, …] + [N₂, …] → [N₁ + N₂, …] (the
  /// trailing shapes must agree). An empty list gives an empty tensor [0].
  public static func concatenatingRows(_ parts: [Tensor]) -> Tensor {
    guard let first = parts.first else { return Tensor(zeros: [0]) }
    if parts.count == 1 { return first }
    let rest = Array(first.shape.dropFirst())
    precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == rest },
                 "Tensor.concatenatingRows: the shapes after the first axis differ: \(parts.map(\.shape))")
    var data: [Float] = []
    data.reserveCapacity(parts.reduce(0) { $0 + $1.count })
    for part in parts { data += part.data }
    return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + rest, data: data)
  }

  /// `count` rows made at most `chunk` at a time by `make(n)`, stacked in order: many samples
  /// drawn without one huge batch in memory.
  public static func inChunks(_ count: Int, of chunk: Int, _ make: (Int) throws -> Tensor) rethrows -> Tensor {
    precondition(count >= 1 && chunk >= 1, "Tensor.inChunks: count \(count) and chunk \(chunk) must be ≥ 1")
    return concatenatingRows(try stride(from: 0, to: count, by: chunk).map { try make(Swift.min(chunk, count - $0)) })
  }

  /// Values in [−1, 1] (a tanh's range, the diffusion model's data) mapped to [0, 1], clamped:
  /// images ready for `samples.safetensors` and the judge.
  public func fromMinusOneToOne() -> Tensor { map { Swift.min(Swift.max(($0 + 1) / 2, 0), 1) } }
}
