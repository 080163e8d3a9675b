import Core

/// General matrix multiply (GEMM), the workhorse under dense layers and im2col
/// convolutions, in two twins with the same signature:
/// `gemmReference` (MatMul+Reference.swift, the triple loop of the definition) and
/// `gemm` (MatMul+Packed.swift and the files it names: packed panels and a SIMD register tile).
///
///     C ← α·op(A)·op(B) + β·C        C[i,j] ← α·Σ_p op(A)[i,p]·op(B)[p,j] + β·C[i,j]
///
/// - Every matrix is `Float`, row-major. op(A) is M×K, op(B) is K×N, C is M×N.
/// - op(X) = X, or Xᵀ when `transposeX` is true. A transposed operand is *stored* as
///   its transpose and read in place: with `transposeA` A is stored K×M, with
///   `transposeB` B is stored N×K. Nothing is copied by the caller.
/// - Leading dimensions: element (r, c) of a stored matrix X is `x[r·ldx + c]`, so `ldx`
///   is at least the stored row length (K or M for A, N or K for B, N for C), and larger
///   when the matrix is a block of a wider one.
/// - β = 0 makes C write-only: its old contents, even NaN, are never read.
///   β = 1 accumulates into C (weight gradients summed over a batch).
/// - α = 0 or K = 0 gives C ← β·C without reading A or B (the BLAS convention).
public enum MatMul {}

extension MatMul {
  /// The shape checks every GEMM entry point makes: sizes, leading dimensions, and
  /// buffers large enough for them. Wrong ones are programmer errors.
  static func checkArguments(
    _ name: String, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    aCount: Int, lda: Int, bCount: Int, ldb: Int, cCount: Int, ldc: Int
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "\(name): negative size m \(m), n \(n), k \(k)")
    checkMatrix(name, "A", rows: transposeA ? k : m, columns: transposeA ? m : k,
                leadingDimension: lda, count: aCount, transposed: transposeA)
    checkMatrix(name, "B", rows: transposeB ? n : k, columns: transposeB ? k : n,
                leadingDimension: ldb, count: bCount, transposed: transposeB)
    checkMatrix(name, "C", rows: m, columns: n, leadingDimension: ldc, count: cCount, transposed: false)
  }

  private static func checkMatrix(
    _ name: String, _ label: String, rows: Int, columns: Int,
    leadingDimension: Int, count: Int, transposed: Bool
  ) {
    let stored = "\(label) is stored \(rows)×\(columns)\(transposed ? " (transposed)" : "")"
    precondition(leadingDimension >= max(1, columns),
                 "\(name): ld\(label.lowercased()) = \(leadingDimension) is less than the row length: \(stored)")
    if rows > 0 && columns > 0 {
      let needed = (rows - 1) * leadingDimension + columns
      precondition(count >= needed,
                   "\(name): \(stored) with ld\(label.lowercased()) = \(leadingDimension), which needs "
                   + "\(needed) elements, but its buffer holds \(count)")
    }
  }

  /// (M, K, N) of op(A)·op(B) for two matrices, checking that the inner sizes agree.
  static func productShape(_ name: String, _ a: Tensor, _ b: Tensor,
                           transposeA: Bool, transposeB: Bool) -> (m: Int, k: Int, n: Int) {
    precondition(a.rank == 2, "\(name): A must be a matrix, got shape \(a.shape)")
    precondition(b.rank == 2, "\(name): B must be a matrix, got shape \(b.shape)")
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (kB, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(k == kB,
                 "\(name): op(A) is \(m)×\(k) but op(B) is \(kB)×\(n) (A \(a.shape)\(transposeA ? "ᵀ" : ""), "
                 + "B \(b.shape)\(transposeB ? "ᵀ" : "")); the inner sizes must match")
    return (m, k, n)
  }

  /// The GEMM arguments for whole tensors, C ← α·op(A)·op(B) + β·C, passed to `gemm`
  /// (either twin, both have this signature).
  typealias GEMM = (
    _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
    _ a: UnsafeBufferPointer<Float>, _ lda: Int, _ b: UnsafeBufferPointer<Float>, _ ldb: Int,
    _ beta: Float, _ c: UnsafeMutableBufferPointer<Float>, _ ldc: Int) -> Void

  /// Runs one GEMM twin on whole, contiguous tensors: C ← α·op(A)·op(B) + β·C.
  static func multiply(_ name: String, _ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool,
                       alpha: Float, beta: Float, into c: inout Tensor, using gemm: GEMM) {
    let (m, k, n) = productShape(name, a, b, transposeA: transposeA, transposeB: transposeB)
    precondition(c.shape == [m, n], "\(name): C has shape \(c.shape), the product is [\(m), \(n)]")
    // C is written in place; if its storage is shared (with A, B or another copy), it is
    // copied first, so only `c` changes.
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          gemm(transposeA, transposeB, m, n, k, alpha, a, max(1, transposeA ? m : k),
               b, max(1, transposeB ? k : n), beta, c, max(1, n))
        }
      }
    }
  }

  /// op(A)·op(B) as a new tensor, by one GEMM twin. With β = 0 the GEMM writes every
  /// element of C and reads none, so C's memory is not zeroed first.
  static func product(_ name: String, _ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool,
                      using gemm: GEMM) -> Tensor {
    let (m, k, n) = productShape(name, a, b, transposeA: transposeA, transposeB: transposeB)
    let elements = [Float](unsafeUninitializedCapacity: m * n) { c, initialized in
      a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          gemm(transposeA, transposeB, m, n, k, 1, a, max(1, transposeA ? m : k),
               b, max(1, transposeB ? k : n), 0, c, max(1, n))
        }
      }
      initialized = m * n
    }
    return Tensor(shape: [m, n], data: elements)
  }
}

extension Tensor {
  /// The matrix product op(self)·op(other), where op(X) = Xᵀ when its flag is set
  /// (read in place, never copied): [M, K]·[K, N] → [M, N].
  ///
  ///     let logits = x.matmul(weight, transposeB: true)   // x·Wᵀ, W stored [out, in]
  ///
  /// `implementation` picks the twin: `.reference` (triple loop) or `.optimized`
  /// (packed SIMD GEMM, multi-threaded on large products).
  public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                     implementation: Implementation = .optimized) -> Tensor {
    switch implementation {
    case .reference:
      return MatMul.multiplyReference(self, other, transposeA: transposeA, transposeB: transposeB)
    case .optimized:
      return MatMul.multiply(self, other, transposeA: transposeA, transposeB: transposeB)
    }
  }
}
