// Exercise 03 — the convolution's backward pass (dx, dW), checked against
// Convolution.backwardReference and against finite differences of the forward reference.
import Convolution
import ExerciseSupport

extension Catalog {
  static let convolutionBackward = Exercise(
    id: "03", folder: "03-ConvolutionBackward", title: "Convolution backward (dx, dW)", lesson: "lesson 03"
  ) { submission, grader in
    for c in BackwardCase.all(seed: 0x03) {
      grader.begin(c.name)
      let got = try submission.convolution2DBackward(c.x, c.weight, c.outputGradient, c.stride, c.padding)
      let expected = Convolution.backwardReference(c.x, c.weight, c.outputGradient, c.parameters, hasBias: false)
      guard grader.expect("dx", got.input, equals: expected.input, mistakes: c.inputMistakes(),
                          otherwise: BackwardCase.inputAdvice),
            grader.expect("dW", got.weight, equals: expected.weight, mistakes: c.weightMistakes(),
                          otherwise: BackwardCase.weightAdvice),
            c.agreesWithFiniteDifferences(got, grader: &grader) else { return }
      grader.pass()
    }
    let t = BackwardCase.timing
    try grader.time(t.name, yours: { _ = try submission.convolution2DBackward(t.x, t.weight, t.outputGradient, t.stride, t.padding) },
                    reference: { _ = Convolution.backwardReference(t.x, t.weight, t.outputGradient, t.parameters, hasBias: false) },
                    optimized: { _ = Convolution.backward(t.x, t.weight, t.outputGradient, t.parameters, hasBias: false) })
  }
}

/// One backward question: exercise 01's convolution (its bias unused) and a gradient dL/dy
/// of the output's shape.
struct BackwardCase {
  var convolution: ConvolutionCase
  var outputGradient: Tensor

  var x: Tensor { convolution.x }
  var weight: Tensor { convolution.weight }
  var stride: Int { convolution.stride }
  var padding: Int { convolution.padding }
  var parameters: ConvolutionParameters { convolution.parameters }

  var name: String {
    "x \(dimensions(x.shape)), w \(dimensions(weight.shape)), dy \(dimensions(outputGradient.shape)), "
      + "stride \(stride), padding \(padding)"
  }

  /// Exercise 01's shapes (1×1 and input-sized kernels, strides that do not divide the size,
  /// padding, non-square inputs and kernels), each with a seeded dL/dy.
  static func all(seed: UInt64) -> [BackwardCase] {
    var inputs = CaseInputs(seed: seed ^ 0xD7)
    return ConvolutionCase.all(seed: seed).map { c in
      let (oh, ow) = c.outputSize
      return BackwardCase(convolution: c, outputGradient: inputs.uniform([c.x.shape[0], c.weight.shape[0], oh, ow]))
    }
  }

  /// The case the three implementations are timed on: exercise 01's.
  static let timing: BackwardCase = {
    let c = ConvolutionCase.timing
    let (oh, ow) = c.outputSize
    var inputs = CaseInputs(seed: 0x73)
    return BackwardCase(convolution: c, outputGradient: inputs.uniform([c.x.shape[0], c.weight.shape[0], oh, ow]))
  }()

  // MARK: The finite-difference check

  /// Checks the gradients against the loss they are the gradients of, with no backward
  /// code at all: L(x, w) = ⟨dy, conv(x, w)⟩ = Σ dy[n,o,i,j]·y[n,o,i,j] has dL/dy = dy, so
  /// dx and dW must be its derivatives. For two random directions v of x (and u of w),
  /// ⟨dx, v⟩ must equal the central difference (L(x + h·v) − L(x − h·v)) / 2h. L is linear
  /// in x (and in w), so the difference has no truncation error at any h; h = 1 keeps the
  /// float32 rounding of the forward pass small next to the change it measures.
  func agreesWithFiniteDifferences(_ gradients: (input: Tensor, weight: Tensor), grader: inout Grader) -> Bool {
    var directions = CaseInputs(seed: UInt64(x.count * 31 + weight.count))
    func loss(_ x: Tensor, _ w: Tensor) -> Double {
      dot(outputGradient, Convolution.forwardReference(x, w, nil, parameters))
    }
    for _ in 0..<2 {
      let v = directions.normal(x.shape)
      let alongInput = directionalDerivative(at: x, along: v, step: 1) { loss($0, weight) }
      guard agree(dot(gradients.input, v), alongInput, "dx", direction: "v", of: "x", shape: x.shape,
                  grader: &grader) else { return false }
      let u = directions.normal(weight.shape)
      let alongWeight = directionalDerivative(at: weight, along: u, step: 1) { loss(x, $0) }
      guard agree(dot(gradients.weight, u), alongWeight, "dW", direction: "u", of: "w", shape: weight.shape,
                  grader: &grader) else { return false }
    }
    return true
  }

  /// Whether ⟨gradient, direction⟩ matches the finite difference within 10⁻⁴ of its size
  /// (float32 rounding of the forward pass is about 10⁻⁶ of it); records the failure if not.
  private func agree(_ product: Double, _ difference: Double, _ what: String, direction: String, of variable: String,
                     shape: [Int], grader: inout Grader) -> Bool {
    if abs(product - difference) <= 1e-4 * max(abs(difference), 1) { return true }
    grader.fail(Failure(
      caseName: name, what: what,
      message: "⟨\(what), \(direction)⟩ = \(product) for a random direction \(direction), but the loss "
        + "L = ⟨dy, conv(x, w)⟩ changes at the rate \(difference) along \(direction) (central finite difference "
        + "of the forward convolution)",
      shape: shape, index: nil, expected: Float(difference), got: Float(product),
      hint: "\(what) does not agree with finite differences: it must be the derivative of L = ⟨dy, conv(x, w)⟩ "
        + "with respect to \(variable). Every term w[o,c,p,q]·x[n,c,h,w] of y[n,o,i,j] sends "
        + (what == "dx" ? "w[o,c,p,q]·dy[n,o,i,j] to dx[n,c,h,w]" : "x[n,c,h,w]·dy[n,o,i,j] to dW[o,c,p,q]")
        + ", summed over every term"))
    return false
  }

  // MARK: The common mistakes

  static let inputAdvice = "compare your loops with the equation in the README: every term w[o,c,p,q]·x[n,c,h,w] "
    + "of the forward sum, with h = i·stride + p − padding and w = j·stride + q − padding inside the input, adds "
    + "w[o,c,p,q]·dy[n,o,i,j] to dx[n,c,h,w]; the terms that fall into the padding add nothing"

  static let weightAdvice = "compare your loops with the equation in the README: dW[o,c,p,q] = Σ_n Σ_i Σ_j "
    + "x[n,c, i·stride + p − padding, j·stride + q − padding]·dy[n,o,i,j], summed over every image of the batch, "
    + "with the terms that fall into the padding adding nothing"

  /// The dx the common mistakes give on this case (nil where a mistake changes nothing here).
  func inputMistakes() -> [Mistake] {
    let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let kernelIsOnePixel = weight.shape[2] == 1 && weight.shape[3] == 1
    return [
      Mistake("dx has the weight's shape: return (input: dx, weight: dW) in that order, dx shaped like x and dW "
              + "like w") {
        weight.shape == x.shape ? nil : Tensor(zeros: weight.shape)
      },
      Mistake("dx has the padded input's size: the padding is not part of x, so drop the gradient that lands on "
              + "it (or never add it) and return dx shaped N×C×H×W like x") {
        padding == 0 ? nil : Tensor(zeros: [n, channels, h + 2 * padding, w + 2 * padding])
      },
      Mistake("the kernel is flipped in dx: the term w[o,c,p,q]·x[n,c, i·stride + p − padding, …] sends "
              + "w[o,c,p,q]·dy[n,o,i,j] back — the same tap p, not KH − 1 − p. (dx is a convolution of dy with the "
              + "flipped kernel only when you also turn the indices around; follow the forward terms instead)") {
        kernelIsOnePixel ? nil
          : Convolution.backwardReference(x, Self.flipped(weight), outputGradient, parameters, hasBias: false).input
      },
      Mistake("padding sign: the input row of output row i and tap p is i·stride + p − padding (padding moves the "
              + "window up and left, onto the zeros)") {
        padding == 0 ? nil : scatteredGradients(paddingSign: 1).input
      },
      Mistake("dx reads dy at rows that are not on the stride: dx[n,c,h,w] gets a term from tap p only when "
              + "h + padding − p is a multiple of the stride (then i = (h + padding − p)/stride); check the "
              + "remainder before dividing") {
        stride == 1 ? nil : gatheredInputGradient(checkRemainder: false)
      },
      Mistake("the stride is missing from dx: output row i read input row i·stride + p − padding, so dx[n,c,h,w] "
              + "gets dy at i = (h + padding − p)/stride, not at i = h + padding − p") {
        stride == 1 ? nil : gatheredInputGradient(useStride: false)
      },
    ]
  }

  /// The dW the common mistakes give on this case (nil where a mistake changes nothing here).
  func weightMistakes() -> [Mistake] {
    let n = x.shape[0]
    let correct = { Convolution.backwardReference(x, weight, outputGradient, parameters, hasBias: false).weight }
    return [
      Mistake("dW comes from the first image only: the same weights are used for every image of the batch, so "
              + "dW sums the contributions of all N images (Σ_n)") {
        guard n > 1 else { return nil }
        let first = Convolution.backwardReference(x.slice(0..<1), weight, outputGradient.slice(0..<1), parameters,
                                                  hasBias: false)
        return first.weight
      },
      Mistake("dW is divided by the batch size: L = ⟨dy, y⟩ is a sum, so dW is the plain sum over the batch; any "
              + "mean is already inside dy") {
        guard n > 1 else { return nil }
        let sum = correct()
        return Tensor(shape: sum.shape, data: sum.data.map { $0 / Float(n) })
      },
      Mistake("dW is flipped: the term w[o,c,p,q]·x[n,c, i·stride + p − padding, …] sends x·dy to dW[o,c,p,q] — "
              + "the same tap p, not KH − 1 − p") {
        weight.shape[2] == 1 && weight.shape[3] == 1 ? nil : Self.flipped(correct())
      },
      Mistake("padding sign in dW: dW[o,c,p,q] sums x[n,c, i·stride + p − padding, j·stride + q − padding]·dy[n,o,i,j] "
              + "(padding moves the window up and left, onto the zeros)") {
        padding == 0 ? nil : scatteredGradients(paddingSign: 1).weight
      },
      Mistake("the stride multiplies the wrong index in dW: it is x[n,c, i·stride + p − padding, …] — the stride "
              + "steps the output position i, not the kernel tap p (seen as a convolution of x with dy, dy is "
              + "spread out by the stride, it does not stride)") {
        stride == 1 ? nil : scatteredGradients(strideOnTap: true).weight
      },
    ]
  }

  /// w with each kernel turned by 180°: w[o,c,KH−1−p,KW−1−q].
  static func flipped(_ w: Tensor) -> Tensor {
    let (o, c, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    var values = w.data
    for k in 0..<o * c {
      for p in 0..<kh {
        for q in 0..<kw { values[(k * kh + p) * kw + q] = w.data[(k * kh + kh - 1 - p) * kw + kw - 1 - q] }
      }
    }
    return Tensor(shape: w.shape, data: values)
  }

  /// The backward pass term by term (each forward term w[o,c,p,q]·x[n,c,h,w] sends dy back to
  /// both factors), with a mistake switched on: `paddingSign: 1` pairs output (i, j) and tap
  /// (p, q) with input (i·s + p + pad, …); `strideOnTap` with input (i + p·s − pad, …).
  func scatteredGradients(paddingSign: Int = -1, strideOnTap: Bool = false) -> (input: Tensor, weight: Tensor) {
    let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
    let (oh, ow) = convolution.outputSize
    var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: weight.count)
    for b in 0..<n {
      for k in 0..<o {
        for i in 0..<oh {
          for j in 0..<ow {
            let dy = outputGradient.data[((b * o + k) * oh + i) * ow + j]
            for ch in 0..<channels {
              for p in 0..<kh {
                for q in 0..<kw {
                  let row = (strideOnTap ? i + p * stride : i * stride + p) + paddingSign * padding
                  let column = (strideOnTap ? j + q * stride : j * stride + q) + paddingSign * padding
                  guard row >= 0 && row < h && column >= 0 && column < w else { continue }
                  let inputIndex = ((b * channels + ch) * h + row) * w + column
                  let weightIndex = ((k * channels + ch) * kh + p) * kw + q
                  dx[inputIndex] += weight.data[weightIndex] * dy
                  dw[weightIndex] += x.data[inputIndex] * dy
                }
              }
            }
          }
        }
      }
    }
    return (Tensor(shape: x.shape, data: dx), Tensor(shape: weight.shape, data: dw))
  }

  /// dx one input pixel at a time, gathering the outputs that read it:
  /// dx[n,c,h,w] = Σ_o Σ_p Σ_q w[o,c,p,q]·dy[n,o,(h + pad − p)/s,(w + pad − q)/s] over the taps where
  /// both divisions are exact and land inside the output. `checkRemainder: false` lets the
  /// integer division round instead; `useStride: false` divides by 1.
  func gatheredInputGradient(checkRemainder: Bool = true, useStride: Bool = true) -> Tensor {
    let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
    let (oh, ow) = convolution.outputSize
    let step = useStride ? stride : 1
    var dx = [Float](repeating: 0, count: x.count)
    for b in 0..<n {
      for ch in 0..<channels {
        for row in 0..<h {
          for column in 0..<w {
            var sum: Float = 0
            for k in 0..<o {
              for p in 0..<kh {
                for q in 0..<kw {
                  let (u, v) = (row + padding - p, column + padding - q)
                  guard u >= 0 && v >= 0 else { continue }
                  if checkRemainder && (u % step != 0 || v % step != 0) { continue }
                  let (i, j) = (u / step, v / step)
                  guard i < oh && j < ow else { continue }
                  sum += weight.data[((k * channels + ch) * kh + p) * kw + q]
                    * outputGradient.data[((b * o + k) * oh + i) * ow + j]
                }
              }
            }
            dx[((b * channels + ch) * h + row) * w + column] = sum
          }
        }
      }
    }
    return Tensor(shape: x.shape, data: dx)
  }
}
