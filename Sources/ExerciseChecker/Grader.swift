import ExerciseSupport
import Foundation

/// An exercise: a folder of `Exercises/`, the lesson it follows, and the check that runs a
/// submission through its cases.
public struct Exercise: Sendable {
  /// "01" … "09": what `genlab-check 01` names.
  public let id: String
  /// The folder under `Exercises/`, e.g. "01-NaiveConvolution".
  public let folder: String
  public let title: String
  /// The lesson it follows, e.g. "lesson 02".
  public let lesson: String
  /// Runs the cases; throws `NotImplemented` through from the submission, returns at the first failure.
  let check: @Sendable (Submission, inout Grader) throws -> Void

  public init(id: String, folder: String, title: String, lesson: String,
              check: @escaping @Sendable (Submission, inout Grader) throws -> Void) {
    self.id = id
    self.folder = folder
    self.title = title
    self.lesson = lesson
    self.check = check
  }
}

/// A known wrong answer and what causes it: when a student's output matches `result` (the
/// output the mistake produces on the same input), the checker shows `hint`.
public struct Mistake {
  public let hint: String
  public let result: () -> Tensor?

  public init(_ hint: String, _ result: @escaping () -> Tensor?) {
    self.hint = hint
    self.result = result
  }
}

/// Keeps score while an exercise's check runs: the cases so far, the first failure, the timing.
public struct Grader {
  public private(set) var cases: [CaseResult] = []
  public private(set) var failure: Failure?
  public private(set) var timing: Timing?
  /// Called when a case starts (the crash-safe runner prints it, so a crash names its case).
  let onCaseStart: (String) -> Void
  private var current = ""

  public init(onCaseStart: @escaping (String) -> Void = { _ in }) {
    self.onCaseStart = onCaseStart
  }

  public var failed: Bool { failure != nil }

  /// Starts a case: `name` says its shapes and settings ("x 2×3×7×7, w 4×3×3×3, stride 2, padding 1").
  public mutating func begin(_ name: String) {
    current = name
    onCaseStart(name)
  }

  /// Compares one output of the current case with the reference twin's. On a mismatch it
  /// records the failure (the shape, or the worst element) with the hint of the first
  /// `mistakes` entry whose output the student's matches, else `otherwise`. Returns whether
  /// the output is right; the case counts as passed when every `expect` of it is.
  @discardableResult
  public mutating func expect(_ what: String, _ got: Tensor, equals expected: Tensor,
                              tolerance: Tolerance = .float32, mistakes: [Mistake] = [],
                              otherwise: String) -> Bool {
    guard failure == nil else { return false }
    if got.shape != expected.shape {
      let hint = mistakes.first { mistake in mistake.result().map { $0.shape == got.shape } ?? false }?.hint ?? otherwise
      fail(Failure(caseName: current, what: what, message: "shape \(got.shape), expected \(expected.shape)",
                   shape: expected.shape, index: nil, expected: nil, got: nil, hint: hint))
      return false
    }
    let comparison = compare(got.data, expected.data, shape: expected.shape, tolerance)
    if comparison.passed { return true }
    let hint = Self.hint(for: got, mistakes: mistakes, tolerance: tolerance, otherwise: otherwise)
    let index = expected.shape.isEmpty ? [] : unflatten(comparison.worstIndex, expected.shape)
    fail(Failure(caseName: current, what: what,
                 message: "\(comparison.failures) of \(expected.count) elements differ from the expected values (\(tolerance))",
                 shape: expected.shape, index: index, expected: comparison.worstExpected, got: comparison.worstActual,
                 hint: hint))
    return false
  }

  /// The hint of the first mistake whose output `got` equals (within `tolerance`), else `otherwise`.
  static func hint(for got: Tensor, mistakes: [Mistake], tolerance: Tolerance, otherwise: String) -> String {
    mistakes.first { mistake in
      guard let wrong = mistake.result(), wrong.shape == got.shape else { return false }
      return compare(got.data, wrong.data, shape: got.shape, tolerance).passed
    }?.hint ?? otherwise
  }

  /// A gradient, checked two ways. First by finite differences: ⟨got, v⟩ must match
  /// `numeric`, the loss's rate of change along the direction v from central differences of
  /// a forward pass (`source` says whose), within `absolute` + `relative`·Σ|expected_i·v_i|
  /// (a size that cancellation between elements does not shrink). Then element by element
  /// with `expect`, which also catches an error that happens to cancel along v. A
  /// finite-difference failure names the worst element and the hint of the mistake the
  /// gradient matches. Returns whether the gradient is right.
  @discardableResult
  public mutating func expectGradient(_ what: String, _ got: Tensor, equals expected: Tensor, along direction: Tensor,
                                      numeric: Double, absolute: Double, relative: Double, source: String,
                                      mistakes: [Mistake] = [], otherwise: String) -> Bool {
    guard failure == nil else { return false }
    guard got.shape == expected.shape else {
      return expect(what, got, equals: expected, mistakes: mistakes, otherwise: otherwise)
    }
    let analytic = dot(got, direction)
    var size = 0.0
    for i in 0..<expected.count { size += abs(Double(expected.data[i]) * Double(direction.data[i])) }
    if !(abs(analytic - numeric) <= absolute + relative * size) {
      let comparison = compare(got.data, expected.data, shape: expected.shape, .float32)
      fail(Failure(
        caseName: current, what: what,
        message: "finite differences disagree: along a random direction v your gradient gives ⟨\(what), v⟩ = "
          + "\(Float(analytic)), but the loss changes at the rate \(Float(numeric)) (central differences of "
          + "\(source)); \(comparison.failures) of \(expected.count) elements differ from the expected values",
        shape: expected.shape, index: unflatten(comparison.worstIndex, expected.shape),
        expected: comparison.worstExpected, got: comparison.worstActual,
        hint: Self.hint(for: got, mistakes: mistakes, tolerance: .float32, otherwise: otherwise)))
      return false
    }
    return expect(what, got, equals: expected, mistakes: mistakes, otherwise: otherwise)
  }

  /// `expect` for numbers (a loss, one KL per row): compared as a 1-D tensor.
  @discardableResult
  public mutating func expect(_ what: String, _ got: [Double], equals expected: [Double],
                              tolerance: Tolerance = .float32, mistakes: [(hint: String, result: () -> [Double]?)] = [],
                              otherwise: String) -> Bool {
    func tensor(_ values: [Double]) -> Tensor { Tensor(shape: [values.count], data: values.map(Float.init)) }
    return expect(what, tensor(got), equals: tensor(expected), tolerance: tolerance,
                  mistakes: mistakes.map { mistake in Mistake(mistake.hint) { mistake.result().map(tensor) } },
                  otherwise: otherwise)
  }

  /// Records the current case as passed (when no `expect` of it failed).
  public mutating func pass() {
    guard failure == nil else { return }
    cases.append(CaseResult(name: current, passed: true))
  }

  /// Records a failure that is not a comparison (e.g. a gradient that disagrees with finite differences).
  public mutating func fail(_ failure: Failure) {
    guard self.failure == nil else { return }
    self.failure = failure
    cases.append(CaseResult(name: current, passed: false))
  }

  /// Times the student's code against both twins on one case: the best of several calls each.
  public mutating func time(_ caseName: String, yours: () throws -> Void, reference: () -> Void,
                            optimized: (() -> Void)?) rethrows {
    timing = Timing(caseName: caseName, yours: try Self.bestTime(yours), reference: Self.bestTime(reference),
                    optimized: optimized.map { Self.bestTime($0) })
  }

  /// The fastest of up to 20 calls, stopping after 0.3 s.
  static func bestTime(_ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity, total = 0.0, calls = 0
    while calls < 20 && (calls < 3 || total < 0.3) {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      best = min(best, seconds)
      total += seconds
      calls += 1
    }
    return best
  }
}

/// Inputs for the cases, drawn from a seed so every run of the checker asks the same questions.
public struct CaseInputs {
  var rng: RNG

  public init(seed: UInt64) { rng = RNG(seed: seed) }

  /// A tensor of `shape` with values uniform in [−1, 1).
  public mutating func uniform(_ shape: [Int]) -> Tensor {
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, data: (0..<count).map { _ in 2 * rng.uniform() - 1 })
  }

  /// A tensor of standard normal values.
  public mutating func normal(_ shape: [Int]) -> Tensor { Tensor.normal(shape, using: &rng) }

  public mutating func int(below n: Int) -> Int { rng.int(below: n) }
}

/// "2×3×7×7".
public func dimensions(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

/// Σ_i a_i·b_i in Double.
public func dot(_ a: Tensor, _ b: Tensor) -> Double {
  precondition(a.count == b.count, "dot: \(a.count) vs \(b.count) elements")
  var sum = 0.0
  for i in 0..<a.count { sum += Double(a.data[i]) * Double(b.data[i]) }
  return sum
}

/// The central difference (f(x + h·v) − f(x − h·v)) / 2h: the derivative of f along v, to
/// check a gradient g by ⟨g, v⟩ without using any backward code.
public func directionalDerivative(at x: Tensor, along v: Tensor, step h: Float = 1e-2,
                                  _ f: (Tensor) -> Double) -> Double {
  let plus = Tensor(shape: x.shape, data: zip(x.data, v.data).map { $0 + h * $1 })
  let minus = Tensor(shape: x.shape, data: zip(x.data, v.data).map { $0 - h * $1 })
  return (f(plus) - f(minus)) / (2 * Double(h))
}
