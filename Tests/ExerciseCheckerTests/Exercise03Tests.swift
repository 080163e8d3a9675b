import Convolution
@testable import ExerciseChecker
import ExerciseSupport
import Testing

/// A submission where only exercise 03 is written, by `backward`.
func submission03(_ backward: @escaping @Sendable (Tensor, Tensor, Tensor, Int, Int) throws -> (input: Tensor, weight: Tensor))
  -> Submission {
  var submission = Submission.unimplemented
  submission.convolution2DBackward = backward
  return submission
}

/// The sizes a student reads off the arguments.
private struct Sizes {
  let n, c, h, w, o, kh, kw, oh, ow: Int
  init(_ x: Tensor, _ weight: Tensor, _ dy: Tensor) {
    (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
    (oh, ow) = (dy.shape[2], dy.shape[3])
  }
}

/// dx as most students write it first: exercise 01's loops, each forward term sending
/// w·dy back to the input it read; switches for the common mistakes.
func studentInputGradient(_ x: Tensor, _ weight: Tensor, _ dy: Tensor, stride s: Int, padding pad: Int,
                          paddingSign: Int = -1, flip: Bool = false) -> Tensor {
  let z = Sizes(x, weight, dy)
  var dx = [Float](repeating: 0, count: x.count)
  for b in 0..<z.n { for k in 0..<z.o { for i in 0..<z.oh { for j in 0..<z.ow {
    let g = dy.data[((b * z.o + k) * z.oh + i) * z.ow + j]
    for ch in 0..<z.c { for p in 0..<z.kh { for q in 0..<z.kw {
      let row = i * s + p + paddingSign * pad, column = j * s + q + paddingSign * pad
      guard row >= 0 && row < z.h && column >= 0 && column < z.w else { continue }
      let (wp, wq) = flip ? (z.kh - 1 - p, z.kw - 1 - q) : (p, q)
      dx[((b * z.c + ch) * z.h + row) * z.w + column] += weight.data[((k * z.c + ch) * z.kh + wp) * z.kw + wq] * g
    } } }
  } } } }
  return Tensor(shape: x.shape, data: dx)
}

/// dx sent back into a padded buffer (no bounds tests), then cropped — unless `forgetCrop`.
func studentPaddedInputGradient(_ x: Tensor, _ weight: Tensor, _ dy: Tensor, stride s: Int, padding pad: Int,
                                forgetCrop: Bool = false) -> Tensor {
  let z = Sizes(x, weight, dy)
  let (ph, pw) = (z.h + 2 * pad, z.w + 2 * pad)
  var padded = [Float](repeating: 0, count: z.n * z.c * ph * pw)
  for b in 0..<z.n { for k in 0..<z.o { for i in 0..<z.oh { for j in 0..<z.ow {
    let g = dy.data[((b * z.o + k) * z.oh + i) * z.ow + j]
    for ch in 0..<z.c { for p in 0..<z.kh { for q in 0..<z.kw {
      padded[((b * z.c + ch) * ph + i * s + p) * pw + j * s + q] += weight.data[((k * z.c + ch) * z.kh + p) * z.kw + q] * g
    } } }
  } } } }
  if forgetCrop { return Tensor(shape: [z.n, z.c, ph, pw], data: padded) }
  var dx = [Float](repeating: 0, count: x.count)
  for plane in 0..<z.n * z.c { for row in 0..<z.h { for column in 0..<z.w {
    dx[(plane * z.h + row) * z.w + column] = padded[(plane * ph + row + pad) * pw + column + pad]
  } } }
  return Tensor(shape: x.shape, data: dx)
}

/// dx one input pixel at a time, gathering the outputs that read it: output row
/// i = (h + pad − p)/s when that division is exact.
func studentGatheredInputGradient(_ x: Tensor, _ weight: Tensor, _ dy: Tensor, stride s: Int, padding pad: Int,
                                  checkRemainder: Bool = true, useStride: Bool = true) -> Tensor {
  let z = Sizes(x, weight, dy)
  let step = useStride ? s : 1
  var dx = [Float](repeating: 0, count: x.count)
  for b in 0..<z.n { for ch in 0..<z.c { for row in 0..<z.h { for column in 0..<z.w {
    var sum: Float = 0
    for k in 0..<z.o { for p in 0..<z.kh { for q in 0..<z.kw {
      let (u, v) = (row + pad - p, column + pad - q)
      if u < 0 || v < 0 || (checkRemainder && (u % step != 0 || v % step != 0)) { continue }
      let (i, j) = (u / step, v / step)
      if i >= z.oh || j >= z.ow { continue }
      sum += weight.data[((k * z.c + ch) * z.kh + p) * z.kw + q] * dy.data[((b * z.o + k) * z.oh + i) * z.ow + j]
    } } }
    dx[((b * z.c + ch) * z.h + row) * z.w + column] = sum
  } } } }
  return Tensor(shape: x.shape, data: dx)
}

/// dW[o,c,p,q] = Σ_n Σ_i Σ_j x[n,c, i·s + p − pad, j·s + q − pad]·dy[n,o,i,j], one weight at a
/// time; switches for the common mistakes.
func studentWeightGradient(_ x: Tensor, _ weight: Tensor, _ dy: Tensor, stride s: Int, padding pad: Int,
                           firstImageOnly: Bool = false, divideByBatch: Bool = false, flip: Bool = false,
                           paddingSign: Int = -1, strideOnTap: Bool = false) -> Tensor {
  let z = Sizes(x, weight, dy)
  var dw = [Float](repeating: 0, count: weight.count)
  for k in 0..<z.o { for ch in 0..<z.c { for p in 0..<z.kh { for q in 0..<z.kw {
    var sum: Float = 0
    for b in 0..<(firstImageOnly ? 1 : z.n) { for i in 0..<z.oh { for j in 0..<z.ow {
      let row = (strideOnTap ? i + p * s : i * s + p) + paddingSign * pad
      let column = (strideOnTap ? j + q * s : j * s + q) + paddingSign * pad
      guard row >= 0 && row < z.h && column >= 0 && column < z.w else { continue }
      sum += x.data[((b * z.c + ch) * z.h + row) * z.w + column] * dy.data[((b * z.o + k) * z.oh + i) * z.ow + j]
    } } }
    let (wp, wq) = flip ? (z.kh - 1 - p, z.kw - 1 - q) : (p, q)
    dw[((k * z.c + ch) * z.kh + wp) * z.kw + wq] = divideByBatch ? sum / Float(z.n) : sum
  } } } }
  return Tensor(shape: weight.shape, data: dw)
}

@Suite struct Exercise03Tests {
  @Test func theReferenceTwinPassesWithTimings() {
    let report = check("03", submission03 { x, w, dy, s, p in
      let gradients = Convolution.backwardReference(x, w, dy, ConvolutionParameters(stride: s, padding: p), hasBias: false)
      return (gradients.input, gradients.weight)
    })
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 8 && report.cases.allSatisfy(\.passed))
    #expect(report.timing.map { $0.yours > 0 && $0.reference > 0 && ($0.optimized ?? 0) > 0 } == true)
  }

  @Test func theOptimizedTwinPasses() {
    #expect(check("03", submission03 { x, w, dy, s, p in
      let gradients = Convolution.backward(x, w, dy, ConvolutionParameters(stride: s, padding: p), hasBias: false)
      return (gradients.input, gradients.weight)
    }).passed)
  }

  /// Three ways students write dx (scattered, into a padded buffer, gathered) all pass.
  @Test(arguments: ["scatter", "padded", "gather"])
  func aStudentsLoopsPass(style: String) {
    let report = check("03", submission03 { x, w, dy, s, p in
      let dx = switch style {
      case "scatter": studentInputGradient(x, w, dy, stride: s, padding: p)
      case "padded": studentPaddedInputGradient(x, w, dy, stride: s, padding: p)
      default: studentGatheredInputGradient(x, w, dy, stride: s, padding: p)
      }
      return (dx, studentWeightGradient(x, w, dy, stride: s, padding: p))
    })
    #expect(report.passed, "\(style): \(report)")
  }

  /// Each plausible mistake in dx fails, on the first case that can show it, with its own hint.
  @Test(arguments: [
    ("swapped", "dx has the weight's shape"),
    ("not cropped", "dx has the padded input's size"),
    ("flipped kernel", "the kernel is flipped in dx"),
    ("padding sign", "padding sign:"),
    ("no remainder check", "dx reads dy at rows that are not on the stride"),
    ("stride missing", "the stride is missing from dx"),
  ])
  func aMistakeInDxFailsWithItsHint(mistake: String, hint: String) {
    let report = check("03", submission03 { x, w, dy, s, p in
      let dw = studentWeightGradient(x, w, dy, stride: s, padding: p)
      if mistake == "swapped" { return (dw, studentInputGradient(x, w, dy, stride: s, padding: p)) }
      let dx = switch mistake {
      case "not cropped": studentPaddedInputGradient(x, w, dy, stride: s, padding: p, forgetCrop: true)
      case "flipped kernel": studentInputGradient(x, w, dy, stride: s, padding: p, flip: true)
      case "padding sign": studentInputGradient(x, w, dy, stride: s, padding: p, paddingSign: 1)
      case "no remainder check": studentGatheredInputGradient(x, w, dy, stride: s, padding: p, checkRemainder: false)
      default: studentGatheredInputGradient(x, w, dy, stride: s, padding: p, useStride: false)
      }
      return (dx, dw)
    })
    expectFailure(report, what: "dx", mistake: mistake, hint: hint)
  }

  /// Each plausible mistake in dW (with dx right) fails with its own hint.
  @Test(arguments: [
    ("first image only", "dW comes from the first image only"),
    ("divided by N", "dW is divided by the batch size"),
    ("flipped", "dW is flipped"),
    ("padding sign", "padding sign in dW"),
    ("stride on tap", "the stride multiplies the wrong index in dW"),
  ])
  func aMistakeInDWFailsWithItsHint(mistake: String, hint: String) {
    let report = check("03", submission03 { x, w, dy, s, p in
      (studentInputGradient(x, w, dy, stride: s, padding: p),
       studentWeightGradient(x, w, dy, stride: s, padding: p, firstImageOnly: mistake == "first image only",
                             divideByBatch: mistake == "divided by N", flip: mistake == "flipped",
                             paddingSign: mistake == "padding sign" ? 1 : -1, strideOnTap: mistake == "stride on tap"))
    })
    expectFailure(report, what: "dW", mistake: mistake, hint: hint)
  }

  private func expectFailure(_ report: ExerciseReport, what: String, mistake: String, hint: String) {
    #expect(report.status == .failed)
    #expect(report.failure?.what == what)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got hint \(report.failure?.hint ?? "none")")
    #expect(report.timing == nil)
    let text = report.rendered(folder: "03-ConvolutionBackward", lesson: "lesson 03")
    #expect(text.contains("first failure") && text.contains("hint: " + hint))
  }

  /// The finite-difference check accepts the true gradients on every case and catches a
  /// gradient that is slightly off (one that the comparison with the reference would also
  /// catch first, so it is run here on its own).
  @Test func finiteDifferencesAcceptTheGradientsAndCatchAWrongOne() throws {
    for c in BackwardCase.all(seed: 0x03) {
      let gradients = Convolution.backwardReference(c.x, c.weight, c.outputGradient, c.parameters, hasBias: false)
      var grader = Grader()
      grader.begin(c.name)
      #expect(c.agreesWithFiniteDifferences((gradients.input, gradients.weight), grader: &grader), "\(grader.failure!)")

      var wrongInput = gradients.input
      wrongInput.data = wrongInput.data.map { $0 * 1.01 }
      grader = Grader()
      #expect(!c.agreesWithFiniteDifferences((wrongInput, gradients.weight), grader: &grader))
      #expect(grader.failure?.what == "dx" && grader.failure?.hint.hasPrefix("dx does not agree with finite differences") == true)

      var wrongWeight = gradients.weight
      wrongWeight.data[wrongWeight.count / 2] += 0.1
      grader = Grader()
      #expect(!c.agreesWithFiniteDifferences((gradients.input, wrongWeight), grader: &grader))
      #expect(grader.failure?.what == "dW" && grader.failure?.hint.hasPrefix("dW does not agree with finite differences") == true)
    }
  }
}
