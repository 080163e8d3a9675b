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
