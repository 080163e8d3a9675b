// MatMul — the reference twin: C ← α·op(A)·op(B) + β·C by the definition, one dot product
// per element of C, C[i,j] ← α·Σ_p op(A)[i,p]·op(B)[p,j] + β·C[i,j], three loops summing
// p = 0, 1, …, K−1 in order. Its optimized twin is MatMul+Packed.swift (packed panels, a SIMD
// register tile, threads); Tests/MatMulTests/MatMulTests.swift proves them equal.
import Core

extension MatMul {
  /// C ← α·op(A)·op(B) + β·C, one dot product per element of C: the definition
  ///
  ///     C[i,j] ← α·Σ_p op(A)[i,p]·op(B)[p,j] + β·C[i,j]
  ///
  /// written as three loops, summing p = 0, 1, …, K−1 in order. The oracle the
  /// optimized `gemm` (same signature) is tested against. See `MatMul` for the shapes,
  /// transposes, leading dimensions and the β = 0 / α = 0 rules.
  public static func gemmReference(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafeBufferPointer<Float>, lda: Int,
    b: UnsafeBufferPointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int
  ) {
    checkArguments("MatMul.gemmReference", transposeA: transposeA, transposeB: transposeB,
                   m: m, n: n, k: k, aCount: a.count, lda: lda, bCount: b.count, ldb: ldb,
                   cCount: c.count, ldc: ldc)
    for i in 0..<m {
      for j in 0..<n {
        // Σ_p op(A)[i,p]·op(B)[p,j]: row i of op(A) against column j of op(B).
        var sum: Float = 0
        if alpha != 0 {                       // α = 0: A and B are not read
          for p in 0..<k {
            let aip = transposeA ? a[p * lda + i] : a[i * lda + p]   // op(A)[i,p]
            let bpj = transposeB ? b[j * ldb + p] : b[p * ldb + j]   // op(B)[p,j]
            sum += aip * bpj
          }
        }
        // C[i,j] ← α·sum + β·C[i,j]; with β = 0 the old C[i,j] (maybe NaN) is not read.
        c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j]
      }
    }
  }

  /// The product op(A)·op(B) of two matrices by the reference GEMM:
  /// [M, K]·[K, N] → [M, N], where op(X) = Xᵀ when its flag is set.
  public static func multiplyReference(_ a: Tensor, _ b: Tensor,
                                       transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    product("MatMul.multiplyReference", a, b, transposeA: transposeA, transposeB: transposeB) {
      gemmReference(transposeA: $0, transposeB: $1, m: $2, n: $3, k: $4, alpha: $5,
                    a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12)
    }
  }

  /// C ← α·op(A)·op(B) + β·C on whole matrices, by the reference GEMM. C must already
  /// have the product's shape [M, N]; β = 1 accumulates (e.g. gradients over a batch).
  public static func multiplyReference(_ a: Tensor, _ b: Tensor,
                                       transposeA: Bool = false, transposeB: Bool = false,
                                       alpha: Float = 1, beta: Float = 0, into c: inout Tensor) {
    multiply("MatMul.multiplyReference", a, b, transposeA: transposeA, transposeB: transposeB,
             alpha: alpha, beta: beta, into: &c) {
      gemmReference(transposeA: $0, transposeB: $1, m: $2, n: $3, k: $4, alpha: $5,
                    a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12)
    }
  }
}
