import Foundation
@testable import NN
import Testing

/// The vectorisable exp, log1p and tanh behind Sigmoid, Tanh and binary
/// cross-entropy, against libm.
@Suite struct FastMathTests {
  /// |a − e| in units in the last place of e (subnormal ulps for tiny e).
  func ulps(_ actual: Float, _ expected: Float) -> Float {
    abs(actual - expected) / max(expected.ulp, Float.leastNonzeroMagnitude)
  }

  /// The largest error in ulps of `function` against `reference` over `inputs`, and where.
  func worst(_ inputs: [Float], _ function: (Float) -> Float, _ reference: (Float) -> Float) -> (ulps: Float, at: Float) {
    var result: (ulps: Float, at: Float) = (0, 0)
    for x in inputs where ulps(function(x), reference(x)) > result.ulps { result = (ulps(function(x), reference(x)), x) }
    return result
  }

  @Test func expWithinTwoUlps() {
    // Normal results, the subnormal range below −87.3, and up to the overflow edge.
    let inputs = stride(from: Float(-103.9), through: 88.72, by: 0.0137).map { $0 } + [0, -0, 1, -1, 1e-8, -1e-8, 88.7228]
    let (error, at) = worst(inputs, FastMath.exp, Foundation.exp)
    #expect(error <= 2, "worst \(error) ulp at x = \(at)")
  }

  @Test func expEdgeCases() {
    #expect([-.infinity, -1e4, -105, -100].map(FastMath.exp) == [0, 0, 0, exp(-100)])  // e⁻¹⁰⁰ ≈ 3.7e-44, subnormal
    #expect([88.73, 100, .infinity].map(FastMath.exp).allSatisfy { $0 == .infinity })
    #expect(FastMath.exp(.nan).isNaN)
  }

  @Test func log1pWithinTwoUlpsOnTheUnitInterval() {
    let inputs = stride(from: Float(0), through: 1, by: 1.0 / 8192).map { $0 }
      + [1e-30, 1e-10, 3e-8, 1e-4, 0.41421354, 0.41421357, Float.leastNonzeroMagnitude]
    let (error, at) = worst(inputs, FastMath.log1pUnit, Foundation.log1p)
    #expect(error <= 2, "worst \(error) ulp at x = \(at)")
  }

  @Test func tanhWithinFourUlps() {
    let inputs = stride(from: Float(-12), through: 12, by: 0.00731).map { $0 } + [1e-6, -1e-20, 0.6249, 0.625, 0]
    let (error, at) = worst(inputs, FastMath.tanh, Foundation.tanh)
    #expect(error <= 4, "worst \(error) ulp at x = \(at)")
    #expect([-1e4, 1e4, .infinity, -.infinity].map(FastMath.tanh) == [-1, 1, 1, -1])
    #expect(FastMath.tanh(.nan).isNaN)
  }
}
