// The one tolerance rule every comparison in GenLab uses: the twin tests, and the
// exercise checker that grades a student's code against the reference twins.

/// The one tolerance rule of every twin test: element i passes when
/// |actual[i] − expected[i]| ≤ atol + rtol·|expected[i]|.
///
/// On failure it records one issue that names the worst element: its flat and
/// multi-dimensional index, both values, the excess, and the shape, e.g.
/// `worst at [3, 0, 5, 1] (flat 1234): got 0.51234, expected 0.51201, |diff| 3.3e-4 > tol 1.5e-4; shape [4, 2, 7, 7]`.
public struct Tolerance: Sendable, CustomStringConvertible {
  public var atol: Float
  public var rtol: Float
  public init(atol: Float, rtol: Float) { self.atol = atol; self.rtol = rtol }
  /// For float32 results of sums over up to a few thousand terms.
  public static let float32 = Tolerance(atol: 1e-5, rtol: 1e-4)
  public static let exact = Tolerance(atol: 0, rtol: 0)
  public var description: String { "atol \(atol), rtol \(rtol)" }
}

/// What `compare` found: the worst element relative to its tolerance.
public struct Comparison: Sendable, CustomStringConvertible {
  public var passed: Bool
  public var worstIndex: Int
  public var worstActual: Float
  public var worstExpected: Float
  public var maxAbsDifference: Float
  public var shape: [Int]
  public var failures: Int
  public var tolerance: Tolerance

  public var description: String {
    let index = shape.isEmpty ? "[]" : "\(unflatten(worstIndex, shape))"
    let diff = abs(worstActual - worstExpected)
    let allowed = tolerance.atol + tolerance.rtol * abs(worstExpected)
    return "\(passed ? "passed" : "\(failures) element(s) out of tolerance"): worst at \(index) (flat \(worstIndex)): "
      + "got \(worstActual), expected \(worstExpected), |diff| \(diff) \(diff <= allowed ? "≤" : ">") tol \(allowed) "
      + "(\(tolerance)); max |diff| \(maxAbsDifference); shape \(shape)"
  }
}

public func unflatten(_ flat: Int, _ shape: [Int]) -> [Int] {
  var rest = flat
  var index = [Int](repeating: 0, count: shape.count)
  for axis in shape.indices.reversed() where shape[axis] > 0 {
    index[axis] = rest % shape[axis]
    rest /= shape[axis]
  }
  return index
}

/// Compares element by element under `tolerance`. NaN anywhere fails unless both are NaN.
public func compare(_ actual: [Float], _ expected: [Float], shape: [Int], _ tolerance: Tolerance) -> Comparison {
  precondition(actual.count == expected.count, "compare: \(actual.count) vs \(expected.count) elements")
  var result = Comparison(passed: true, worstIndex: 0, worstActual: actual.first ?? 0,
                          worstExpected: expected.first ?? 0, maxAbsDifference: 0,
                          shape: shape, failures: 0, tolerance: tolerance)
  var worstRatio = -Float.infinity
  for i in actual.indices {
    let a = actual[i], e = expected[i]
    let diff = abs(a - e)
    let allowed = tolerance.atol + tolerance.rtol * abs(e)
    let bad = (a.isNaN != e.isNaN) || (!a.isNaN && diff > allowed) || (a.isInfinite && a != e)
    // How far past its tolerance the element is: the worst element is the one furthest out
    // (a NaN or infinity where a number belongs counts as infinitely far).
    let ratio: Float = (a.isNaN != e.isNaN) || (a.isInfinite && a != e) ? .infinity
      : a.isNaN ? 0 : (allowed > 0 ? diff / allowed : (diff == 0 ? 0 : .infinity))
    if diff.isFinite { result.maxAbsDifference = max(result.maxAbsDifference, diff) }
    if bad { result.failures += 1 }
    if ratio > worstRatio || (bad && result.passed) {
      worstRatio = ratio
      result.worstIndex = i; result.worstActual = a; result.worstExpected = e
    }
    if bad { result.passed = false }
  }
  return result
}

