import Convolution
import ExerciseChecker
import ExerciseSupport
import Foundation
import Testing

/// A submission where only exercise 01 is written, by `convolution`.
func submission01(_ convolution: @escaping @Sendable (Tensor, Tensor, Tensor?, Int, Int) throws -> Tensor) -> Submission {
  var submission = Submission.unimplemented
  submission.convolution2D = convolution
  return submission
}

/// Runs exercise `id` in this process.
func check(_ id: String, _ submission: Submission) -> ExerciseReport {
  Checker.run(Catalog.find(id)!, submission: submission)
}

/// The naive convolution with switches for the mistakes students make (the checker must
/// recognise each one by its hint).
func studentConvolution(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride s: Int, padding pad: Int,
                        sizeOffByOne: Bool = false, paddingSign: Int = -1, flip: Bool = false,
                        skipBias: Bool = false) -> Tensor {
  let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
  let oh = (h + 2 * pad - kh) / s + (sizeOffByOne ? 0 : 1), ow = (wd + 2 * pad - kw) / s + (sizeOffByOne ? 0 : 1)
  var y = [Float](repeating: 0, count: n * o * oh * ow)
  for b in 0..<n { for k in 0..<o { for i in 0..<oh { for j in 0..<ow {
    var sum: Float = skipBias ? 0 : (bias?.data[k] ?? 0)
    for ch in 0..<c { for p in 0..<kh { for q in 0..<kw {
      let row = i * s + p + paddingSign * pad, column = j * s + q + paddingSign * pad
      guard row >= 0 && row < h && column >= 0 && column < wd else { continue }
      let (wp, wq) = flip ? (kh - 1 - p, kw - 1 - q) : (p, q)
      sum += w.data[((k * c + ch) * kh + wp) * kw + wq] * x.data[((b * c + ch) * h + row) * wd + column]
    } } }
    y[((b * o + k) * oh + i) * ow + j] = sum
  } } } }
  return Tensor(shape: [n, o, oh, ow], data: y)
}

@Suite struct CheckerTests {
  @Test func aStubIsNotImplementedNotAFailure() {
    let report = check("01", .unimplemented)
    #expect(report.status == .notImplemented)
    #expect(report.cases.isEmpty && report.failure == nil)
    #expect(report.rendered(folder: "01-NaiveConvolution", lesson: "lesson 02").contains("not implemented yet"))
  }

  @Test func anErrorTheStudentThrowsIsAFailureNamingIt() {
    struct Oops: Error, CustomStringConvertible { var description: String { "oops" } }
    let report = check("01", submission01 { _, _, _, _, _ in throw Oops() })
    #expect(report.status == .failed)
    #expect(report.note?.contains("oops") == true)
  }

  @Test func everyExerciseIsFoundByNumberAndFolder() {
    #expect(Catalog.all.map(\.id) == ["01", "02", "03", "04", "05", "06", "07", "08", "09"])
    for exercise in Catalog.all {
      #expect(Catalog.find(exercise.folder)?.id == exercise.id)
      #expect(Catalog.find(String(Int(exercise.id)!))?.id == exercise.id)
    }
    #expect(Catalog.find("10") == nil)
  }

  @Test func reportsRoundTripThroughJSON() throws {
    let report = check("01", submission01 { x, w, b, s, p in studentConvolution(x, w, b, stride: s, padding: p, flip: true) })
    let data = try JSONEncoder().encode(report)
    #expect(try JSONDecoder().decode(ExerciseReport.self, from: data) == report)
  }
}

@Suite struct Exercise01Tests {
  @Test func theReferenceTwinPassesWithTimings() {
    let report = check("01", submission01 { x, w, b, s, p in
      Convolution.forwardReference(x, w, b, ConvolutionParameters(stride: s, padding: p))
    })
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 8 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && ($0.optimized ?? 0) > 0 } == true)
  }

  @Test func aStudentsLoopsPass() {
    #expect(check("01", submission01 { x, w, b, s, p in studentConvolution(x, w, b, stride: s, padding: p) }).passed)
  }

  /// Each plausible mistake fails, on the first case that can show it, with its own hint.
  @Test(arguments: [
    ("off by one", "off by one in the output size"),
    ("padding sign", "padding sign"),
    ("flipped kernel", "the kernel is flipped"),
    ("no bias", "the bias is missing"),
  ])
  func aMistakeFailsWithItsHint(mistake: String, hint: String) {
    let report = check("01", submission01 { x, w, b, s, p in
      studentConvolution(x, w, b, stride: s, padding: p, sizeOffByOne: mistake == "off by one",
                         paddingSign: mistake == "padding sign" ? 1 : -1, flip: mistake == "flipped kernel",
                         skipBias: mistake == "no bias")
    })
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.timing == nil)
    let text = report.rendered(folder: "01-NaiveConvolution", lesson: "lesson 02")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// A wrong value is reported with the worst element's index and both values.
  @Test func theWorstElementIsNamed() throws {
    let report = check("01", submission01 { x, w, b, s, p in
      var y = Convolution.forwardReference(x, w, b, ConvolutionParameters(stride: s, padding: p))
      if x.shape[0] == 2 && x.shape[1] == 3 { y.data[5] += 1 }   // one element of the second case
      return y
    })
    let failure = try #require(report.failure)
    #expect(report.cases.map(\.passed) == [true, false])
    #expect(failure.index == [0, 0, 0, 5] && failure.got.map { abs($0 - failure.expected! - 1) < 1e-5 } == true)
    #expect(failure.hint.hasPrefix("compare your loops"))
  }
}
