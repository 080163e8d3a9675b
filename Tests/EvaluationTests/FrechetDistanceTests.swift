import Core
import Evaluation
import Foundation
import Testing

/// The Fréchet distance against scipy's, computed the way the reference FID code does:
///
///     m1, m2 = x.mean(0), y.mean(0); s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
///     covmean = scipy.linalg.sqrtm(s1.dot(s2)); d = m1 - m2
///     fid = d.dot(d) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real)
///
/// (numpy 2, scipy 1.17.1) on the inputs `rows` makes — from a formula, so no random
/// generator has to agree — rounded to float32 first as here.
@Suite struct FrechetDistanceTests {
  /// a[i, k] = sin(0.7·i + 1.3·k) + 0.1·k;  b[i, k] = 1.5·cos(0.5·i − 0.9·k) + 0.2.
  static func rows(_ n: Int, _ d: Int, _ kind: Character) -> Tensor {
    var values: [Float] = []
    for i in 0..<n {
      for k in 0..<d {
        let (x, y) = (Double(i), Double(k))
        values.append(Float(kind == "a" ? sin(0.7 * x + 1.3 * y) + 0.1 * y : 1.5 * cos(0.5 * x - 0.9 * y) + 0.2))
      }
    }
    return Tensor(shape: [n, d], data: values)
  }

  @Test(arguments: [(40, 50, 6, 2.968472297001484), (200, 150, 16, 32.82164432724109),
                    // d > N: both covariances are singular; the square root still exists.
                    (5, 7, 8, 11.790822707045479)])
  func matchesScipy(n: Int, m: Int, d: Int, expected: Double) {
    let got = SampleDistance.frechetDistance(Self.rows(n, d, "a"), Self.rows(m, d, "b"))
    #expect(abs(got - expected) <= 1e-6 * expected, "got \(got), scipy \(expected)")
  }

  /// In one dimension the formula is (μ_a − μ_b)² + (σ_a − σ_b)².
  @Test func oneDimensionIsTheClosedForm() {
    let a = Tensor(shape: [4, 1], data: [1, 2, 3, 6]), b = Tensor(shape: [3, 1], data: [-1, 0, 4])
    let (ma, va) = (3.0, (4 + 1 + 0 + 9) / 3.0), (mb, vb) = (1.0, (4 + 1 + 9) / 2.0)
    let expected = (ma - mb) * (ma - mb) + (va.squareRoot() - vb.squareRoot()) * (va.squareRoot() - vb.squareRoot())
    #expect(abs(SampleDistance.frechetDistance(a, b) - expected) < 1e-9)
  }

  /// Zero and symmetry hold up to rounding: these covariances are nearly singular, and the
  /// square root of an eigenvalue of 10⁻¹⁴ is 10⁻⁷ (scipy's sqrtm has the same floor).
  @Test func aSetIsAtDistanceZeroFromItselfAndTheDistanceIsSymmetric() {
    let a = Self.rows(60, 10, "a"), b = Self.rows(45, 10, "b")
    #expect(abs(SampleDistance.frechetDistance(a, a)) < 1e-6)
    #expect(abs(SampleDistance.frechetDistance(a, b) - SampleDistance.frechetDistance(b, a)) < 1e-6)
  }

  /// Shifting one set by a vector v adds ‖v‖² (the covariances do not move).
  @Test func aShiftAddsItsSquaredLength() {
    let a = Self.rows(30, 4, "a")
    let shifted = Tensor(shape: a.shape, data: a.data.enumerated().map { $0.element + [1, -2, 0, 0.5][$0.offset % 4] })
    #expect(abs(SampleDistance.frechetDistance(a, shifted) - 5.25) < 1e-6)
  }
}
