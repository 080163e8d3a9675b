@_exported import Core
import Testing

/// Expects `actual` to match `expected` (same shape, every element within tolerance).
@discardableResult
public func expectClose(_ actual: Tensor, _ expected: Tensor, _ tolerance: Tolerance = .float32,
                        _ context: @autoclosure () -> String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) -> Comparison? {
  guard actual.shape == expected.shape else {
    Issue.record("\(context()) shape \(actual.shape) ≠ expected \(expected.shape)", sourceLocation: sourceLocation)
    return nil
  }
  let result = compare(actual.data, expected.data, shape: actual.shape, tolerance)
  if !result.passed {
    Issue.record("\(context()) \(result)", sourceLocation: sourceLocation)
  }
  return result
}

/// Expects two arrays to match element by element within tolerance.
@discardableResult
public func expectClose(_ actual: [Float], _ expected: [Float], _ tolerance: Tolerance = .float32,
                        _ context: @autoclosure () -> String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) -> Comparison? {
  expectClose(Tensor(shape: [actual.count], data: actual),
              Tensor(shape: [expected.count], data: expected), tolerance, context(),
              sourceLocation: sourceLocation)
}

/// The repository's root folder (for tests that read `Datasets/`), found from this file's path.
public let repositoryRoot: String = {
  var path = #filePath
  for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }  // …/Tests/TestSupport/Compare.swift → root
  return path
}()
