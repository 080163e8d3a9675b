import Core
import Foundation

extension SampleDistance {
  /// The Fréchet distance between Gaussians fitted to the rows of `a` [N, d] and `b` [M, d]
  /// (the formula of FID, Heusel et al. 2017, here in whatever features the rows are):
  ///
  ///     d² = ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2·(Σ_a·Σ_b)^½)
  ///
  /// with the sample means and the unbiased covariances (divided by N − 1, as numpy's
  /// `np.cov` and the reference FID code do). Σ_a·Σ_b is not symmetric, but its square
  /// root's trace equals that of the symmetric (√Σ_a·Σ_b·√Σ_a)^½, whose eigenvalues are
  /// real and ≥ 0: Tr = Σ √λᵢ. Both square roots come from a symmetric eigendecomposition
  /// (Jacobi rotations, in Double). Eigenvalues that rounding makes slightly negative are
  /// taken as 0. Returns d² (squared units of the features), ≥ 0 up to rounding.
  public static func frechetDistance(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1],
                 "SampleDistance.frechetDistance: needs [N, d] and [M, d] with the same d, got \(a.shape) and \(b.shape)")
    precondition(a.shape[0] >= 2 && b.shape[0] >= 2,
                 "SampleDistance.frechetDistance: needs at least two rows in each set for a covariance, got \(a.shape) and \(b.shape)")
    let (meanA, covarianceA) = meanAndCovariance(a)
    let (meanB, covarianceB) = meanAndCovariance(b)
    let d = a.shape[1]
    var distance = 0.0
    for k in 0..<d { distance += (meanA[k] - meanB[k]) * (meanA[k] - meanB[k]) }
    for k in 0..<d { distance += covarianceA[k * d + k] + covarianceB[k * d + k] }
    let rootA = SymmetricMatrix(d, covarianceA).squareRoot()
    let product = SymmetricMatrix(d, multiply(multiply(rootA.values, covarianceB, d), rootA.values, d)).symmetrized()
    let traceOfRoot = product.eigenvalues().reduce(0) { $0 + max($1, 0).squareRoot() }
    return distance - 2 * traceOfRoot
  }

  /// The mean [d] and unbiased covariance [d×d, row-major] of the rows of `x` [N, d], in Double.
  public static func meanAndCovariance(_ x: Tensor) -> (mean: [Double], covariance: [Double]) {
    let (n, d) = (x.shape[0], x.shape[1])
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<n { for k in 0..<d { mean[k] += Double(x.data[i * d + k]) } }
    for k in 0..<d { mean[k] /= Double(n) }
    var covariance = [Double](repeating: 0, count: d * d)
    var centred = [Double](repeating: 0, count: d)
    for i in 0..<n {
      for k in 0..<d { centred[k] = Double(x.data[i * d + k]) - mean[k] }
      for r in 0..<d {
        let value = centred[r]
        for c in r..<d { covariance[r * d + c] += value * centred[c] }
      }
    }
    for r in 0..<d {
      for c in r..<d {
        covariance[r * d + c] /= Double(n - 1)
        covariance[c * d + r] = covariance[r * d + c]
      }
    }
    return (mean, covariance)
  }

  /// C = A·B for d×d row-major matrices.
  static func multiply(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
    var c = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for k in 0..<d {
        let aik = a[i * d + k]
        if aik == 0 { continue }
        for j in 0..<d { c[i * d + j] += aik * b[k * d + j] }
      }
    }
    return c
  }
}

/// A symmetric d×d matrix (row-major) and what the Fréchet distance needs of it: its
/// eigendecomposition by cyclic Jacobi rotations (Golub & Van Loan §8.5), its eigenvalues,
/// and its square root V·diag(√λ)·Vᵀ.
struct SymmetricMatrix {
  let size: Int
  var values: [Double]

  init(_ size: Int, _ values: [Double]) {
    precondition(values.count == size * size, "SymmetricMatrix: \(values.count) values for \(size)×\(size)")
    self.size = size
    self.values = values
  }

  /// (A + Aᵀ)/2: removes the rounding asymmetry of a product like √Σ·Σ·√Σ.
  func symmetrized() -> SymmetricMatrix {
    var out = values
    for r in 0..<size {
      for c in (r + 1)..<max(r + 1, size) {
        let mean = (values[r * size + c] + values[c * size + r]) / 2
        out[r * size + c] = mean
        out[c * size + r] = mean
      }
    }
    return SymmetricMatrix(size, out)
  }

  /// Eigenvalues λ and eigenvectors (the columns of V, row-major) with A = V·diag(λ)·Vᵀ.
  /// Sweeps of rotations, each zeroing one off-diagonal element, until the off-diagonal
  /// mass is below 10⁻²⁴ of the matrix's (or 100 sweeps; Jacobi converges quadratically,
  /// in well under 20 for the sizes here).
  func eigendecomposition() -> (eigenvalues: [Double], vectors: [Double]) {
    let n = size
    var a = values
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let total = a.reduce(0) { $0 + $1 * $1 }
    for _ in 0..<100 {
      var off = 0.0
      for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
      if off <= 1e-24 * max(total, 1e-300) { break }
      for p in 0..<n {
        for q in (p + 1)..<max(p + 1, n) where a[p * n + q] != 0 {
          let apq = a[p * n + q], app = a[p * n + p], aqq = a[q * n + q]
          // The rotation angle θ with tan 2θ = 2·a_pq / (a_qq − a_pp), from the smaller root.
          let theta = (aqq - app) / (2 * apq)
          let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let akp = a[k * n + p], akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k], aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
  }

  func eigenvalues() -> [Double] { eigendecomposition().eigenvalues }

  /// V·diag(√max(λ, 0))·Vᵀ: the symmetric square root of a positive semi-definite matrix.
  func squareRoot() -> SymmetricMatrix {
    let (lambda, v) = eigendecomposition()
    let n = size
    var out = [Double](repeating: 0, count: n * n)
    for k in 0..<n {
      let root = max(lambda[k], 0).squareRoot()
      if root == 0 { continue }
      for i in 0..<n {
        let vik = v[i * n + k] * root
        for j in 0..<n { out[i * n + j] += vik * v[j * n + k] }
      }
    }
    return SymmetricMatrix(n, out)
  }
}
