import Convolution
import Core
import Testing
import TestSupport
import TransposedConvolution

/// One transposed convolution to test: sizes, parameters, bias or not, and a seed for its data.
struct ConvTCase: Sendable, CustomTestStringConvertible {
  var batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
  var kernelHeight: Int, kernelWidth: Int
  var parameters: TransposedConvolutionParameters
  var hasBias: Bool
  var seed: UInt64

  init(_ batch: Int, _ inputChannels: Int, _ outputChannels: Int, _ height: Int, _ width: Int,
       kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int) = (0, 0),
       bias: Bool, seed: UInt64) {
    self.batch = batch; self.inputChannels = inputChannels; self.outputChannels = outputChannels
    self.height = height; self.width = width
    self.kernelHeight = kernel.0; self.kernelWidth = kernel.1
    parameters = TransposedConvolutionParameters(stride: stride, padding: padding, outputPadding: outputPadding)
    hasBias = bias
    self.seed = seed
  }

  var inputShape: [Int] { [batch, inputChannels, height, width] }
  var weightShape: [Int] { [inputChannels, outputChannels, kernelHeight, kernelWidth] }
  var outputSize: (height: Int, width: Int) {
    parameters.outputSize(height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth)
  }
  var outputShape: [Int] { [batch, outputChannels, outputSize.height, outputSize.width] }

  /// Seeded input, weight, bias (if any) and an output gradient, uniform in [−1, 1).
  func data() -> (x: Tensor, weight: Tensor, bias: Tensor?, outputGradient: Tensor) {
    var rng = RNG(seed: seed)
    let x = Tensor.uniform(inputShape, in: -1..<1, using: &rng)
    let weight = Tensor.uniform(weightShape, in: -1..<1, using: &rng)
    let bias = hasBias ? Tensor.uniform([outputChannels], in: -1..<1, using: &rng) : nil
    let outputGradient = Tensor.uniform(outputShape, in: -1..<1, using: &rng)
    return (x, weight, bias, outputGradient)
  }

  var testDescription: String {
    "x \(inputShape), w \(weightShape), \(parameters)\(hasBias ? "" : ", no bias") → \(outputShape)"
  }
}

/// Hand-picked awkward cases first, then random ones drawn from a fixed seed: batch 1…3,
/// 1…4 channels in and out, 1…6 pixels per side, kernels 1…4 per side, stride 1…3 and
/// padding 0…2 per axis, every valid output padding (< stride), a third without bias.
let transposedConvolutionCases: [ConvTCase] = {
  var cases = [
    // 1×1 kernel, stride 1, one channel, batch 1: a pointwise scaling plus bias.
    ConvTCase(1, 1, 1, 3, 3, kernel: (1, 1), stride: (1, 1), padding: (0, 0), bias: true, seed: 1),
    // DCGAN's k4 s2 p1, doubling 4×4 to 8×8.
    ConvTCase(2, 3, 2, 4, 4, kernel: (4, 4), stride: (2, 2), padding: (1, 1), bias: true, seed: 2),
    // Odd non-square input, non-square kernel, stride 3×2, padding 2×1, output padding 2×1.
    ConvTCase(1, 2, 3, 5, 3, kernel: (3, 5), stride: (3, 2), padding: (2, 1), outputPadding: (2, 1), bias: false, seed: 3),
    // A 1×1 input: one stamp per image.
    ConvTCase(3, 1, 1, 1, 1, kernel: (2, 3), stride: (1, 3), padding: (0, 0), outputPadding: (0, 2), bias: true, seed: 4),
    // Padding that crops a tall kernel away on top and bottom.
    ConvTCase(1, 1, 2, 7, 2, kernel: (5, 1), stride: (2, 1), padding: (2, 0), outputPadding: (1, 0), bias: false, seed: 5),
  ]
  var rng = RNG(seed: 2026)
  while cases.count < 65 {
    let stride = (1 + rng.int(below: 3), 1 + rng.int(below: 3))
    let padding = (rng.int(below: 3), rng.int(below: 3))
    let outputPadding = (rng.int(below: stride.0), rng.int(below: stride.1))
    let kernel = (1 + rng.int(below: 4), 1 + rng.int(below: 4))
    let (height, width) = (1 + rng.int(below: 6), 1 + rng.int(below: 6))
    let batch = 1 + rng.int(below: 3), inputChannels = 1 + rng.int(below: 4), outputChannels = 1 + rng.int(below: 4)
    let bias = rng.int(below: 3) != 0
    // Padding may crop everything away; such layers do not exist (PyTorch rejects them too).
    guard (height - 1) * stride.0 - 2 * padding.0 + kernel.0 + outputPadding.0 >= 1,
          (width - 1) * stride.1 - 2 * padding.1 + kernel.1 + outputPadding.1 >= 1 else { continue }
    cases.append(ConvTCase(batch, inputChannels, outputChannels, height, width, kernel: kernel, stride: stride,
                           padding: padding, outputPadding: outputPadding, bias: bias, seed: UInt64(100 + cases.count)))
  }
  return cases
}()

/// The twins agree within float32 rounding (their sums run in different orders).
let twinTolerance = Tolerance(atol: 1e-4, rtol: 1e-4)

@Suite struct TransposedConvolutionTwins {
  /// The generated list really holds the awkward cases it promises.
  @Test func casesCoverTheAwkwardShapes() {
    let cases = transposedConvolutionCases
    #expect(cases.count >= 50)
    #expect(cases.contains { $0.batch == 1 } && cases.contains { $0.batch > 1 })
    #expect(cases.contains { $0.inputChannels == 1 } && cases.contains { $0.outputChannels == 1 })
    #expect(cases.contains { $0.height % 2 == 1 && $0.width % 2 == 1 && $0.height > 1 })
    #expect(cases.contains { $0.height != $0.width } && cases.contains { $0.kernelHeight != $0.kernelWidth })
    #expect(cases.contains { $0.parameters.strideHeight == 3 } && cases.contains { $0.parameters.strideWidth == 3 })
    #expect(cases.contains { $0.parameters.strideHeight != $0.parameters.strideWidth })
    #expect(cases.contains { $0.parameters.paddingHeight == 2 } && cases.contains { $0.parameters.paddingWidth == 2 })
    #expect(cases.contains { $0.parameters.outputPaddingHeight > 0 } && cases.contains { $0.parameters.outputPaddingWidth > 0 })
    #expect(cases.contains { $0.parameters.outputPaddingHeight == 2 })
    #expect(cases.contains { !$0.hasBias } && cases.contains { $0.hasBias })
  }

  @Test(arguments: transposedConvolutionCases)
  func forwardTwinsAgree(_ t: ConvTCase) {
    let (x, weight, bias, _) = t.data()
    let expected = TransposedConvolution.forwardReference(x, weight, bias, t.parameters)
    #expect(expected.shape == t.outputShape)
    expectClose(TransposedConvolution.forward(x, weight, bias, t.parameters), expected, twinTolerance,
                "\(t.testDescription):")
  }

  @Test(arguments: transposedConvolutionCases)
  func backwardTwinsAgree(_ t: ConvTCase) {
    let (x, weight, _, dy) = t.data()
    let expected = TransposedConvolution.backwardReference(x, weight, dy, t.parameters, hasBias: t.hasBias)
    let actual = TransposedConvolution.backward(x, weight, dy, t.parameters, hasBias: t.hasBias)
    expectClose(actual.input, expected.input, twinTolerance, "\(t.testDescription): dx")
    expectClose(actual.weight, expected.weight, twinTolerance, "\(t.testDescription): dw")
    #expect((actual.bias == nil) == !t.hasBias && (expected.bias == nil) == !t.hasBias)
    if let actualBias = actual.bias, let expectedBias = expected.bias {
      expectClose(actualBias, expectedBias, twinTolerance, "\(t.testDescription): db")
    }
  }
}

@Suite struct TransposedConvolutionReference {
  /// Worked by hand. x = [[1, 2], [3, 4]] (1×1×2×2), kernel [[1, 10], [100, 1000]],
  /// stride 2, no padding: OH = (2 − 1)·2 + 2 = 4. Each pixel stamps the kernel times
  /// itself onto its own 2×2 block (the stamps are 2 apart and 2 wide, so they never
  /// overlap); pixel 3 at (1, 0) stamps 3, 30, 300, 3000 at rows 2–3, columns 0–1:
  ///
  ///     1   10    2   20
  ///   100 1000  200 2000
  ///     3   30    4   40
  ///   300 3000  400 4000
  ///
  /// With stride 1 and a kernel of ones the 2×2 stamps overlap and add up (3×3 output):
  /// the centre collects every pixel, 1 + 2 + 3 + 4 = 10; the top edge 1, 1 + 2, 2; …
  @Test(arguments: Implementation.allCases)
  func smallCasesByHand(_ implementation: Implementation) {
    let x = Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])
    let apart = Tensor(shape: [1, 1, 2, 2], data: [1, 10, 100, 1000])
    #expect(forward(implementation, x, apart, nil, TransposedConvolutionParameters(stride: 2)) ==
            Tensor(shape: [1, 1, 4, 4], data: [1, 10, 2, 20,
                                               100, 1000, 200, 2000,
                                               3, 30, 4, 40,
                                               300, 3000, 400, 4000]))
    let ones = Tensor(shape: [1, 1, 2, 2], repeating: 1)
    #expect(forward(implementation, x, ones, nil, TransposedConvolutionParameters(stride: 1)) ==
            Tensor(shape: [1, 1, 3, 3], data: [1, 3, 2,
                                               4, 10, 6,
                                               3, 7, 4]))
  }

  /// Stride 2, padding 1, output padding 1×0, against numbers made with numpy (2.4.6):
  /// a direct scatter implementation of PyTorch's ConvTranspose2d, run exactly as below,
  /// its printed output pasted here. The inputs are small integers, so every product and
  /// sum is exact in float32 and the comparison is exact.
  ///
  ///     import numpy as np
  ///     N, C_in, C_out, H, W, KH, KW = 1, 2, 2, 3, 2, 3, 4
  ///     s, p, op = 2, 1, (1, 0)
  ///     x = np.array([(k % 5) - 2 for k in range(N * C_in * H * W)], dtype=np.float64).reshape(N, C_in, H, W)
  ///     w = np.array([(k % 7) - 3 for k in range(C_in * C_out * KH * KW)], dtype=np.float64).reshape(C_in, C_out, KH, KW)
  ///     b = np.array([1.0, -2.0])
  ///     OH, OW = (H - 1) * s - 2 * p + KH + op[0], (W - 1) * s - 2 * p + KW + op[1]
  ///     y = np.zeros((N, C_out, OH, OW))
  ///     for n in range(N):
  ///         for c in range(C_in):
  ///             for i in range(H):
  ///                 for j in range(W):
  ///                     for o in range(C_out):
  ///                         for kp in range(KH):
  ///                             for kq in range(KW):
  ///                                 r, q = i * s - p + kp, j * s - p + kq
  ///                                 if 0 <= r < OH and 0 <= q < OW:
  ///                                     y[n, o, r, q] += x[n, c, i, j] * w[c, o, kp, kq]
  ///     y += b[None, :, None, None]
  ///     print(y.shape)
  ///     print(", ".join(str(int(v)) for v in y.ravel()))
  @Test(arguments: Implementation.allCases)
  func strideTwoPaddingOneAgainstNumpy(_ implementation: Implementation) {
    let x = Tensor(shape: [1, 2, 3, 2], data: (0..<12).map { Float($0 % 5 - 2) })
    let weight = Tensor(shape: [2, 2, 3, 4], data: (0..<48).map { Float($0 % 7 - 3) })
    let bias = Tensor(shape: [2], data: [1, -2])
    let parameters = TransposedConvolutionParameters(stride: (2, 2), padding: (1, 1), outputPadding: (1, 0))
    let expected = Tensor(shape: [1, 2, 6, 4], data: [
      -1, -5, 5, -2, 2, -1, 6, 4, -1, -5, -1, 2, -3, 4, -2, 7, 9, 10, -7, -4, -5, -2, 9, -2,
      -5, 0, -4, -3, 3, -4, 3, -3, 1, -2, 2, -7, 6, -8, -14, 4, -8, 6, 3, -1, -8, -13, -2, 1,
    ])
    expectClose(forward(implementation, x, weight, bias, parameters), expected, .exact, "\(implementation):")
  }

  @Test func outputSizeArithmetic() {
    // DCGAN: k4 s2 p1 doubles 7 → 14 → 28.
    #expect(TransposedConvolutionParameters(stride: 2, padding: 1).outputSize(height: 7, width: 7, kernelHeight: 4, kernelWidth: 4) == (14, 14))
    #expect(TransposedConvolutionParameters(stride: 2, padding: 1).outputSize(height: 14, width: 14, kernelHeight: 4, kernelWidth: 4) == (28, 28))
    // k3 s2 p1 needs output padding 1 to double: (7 − 1)·2 − 2 + 3 + 1 = 14.
    #expect(TransposedConvolutionParameters(stride: 2, padding: 1, outputPadding: 1).outputSize(height: 7, width: 7, kernelHeight: 3, kernelWidth: 3) == (14, 14))
    // (5 − 1)·3 − 4 + 3 + 2 = 13 and (3 − 1)·2 − 2 + 5 + 1 = 8.
    #expect(TransposedConvolutionParameters(stride: (3, 2), padding: (2, 1), outputPadding: (2, 1)).outputSize(height: 5, width: 3, kernelHeight: 3, kernelWidth: 5) == (13, 8))
  }

  /// The first cases, the hand-picked awkward ones and ten random ones, for the
  /// finite-difference checks (each needs two forward passes per parameter).
  static let gradientCases = Array(transposedConvolutionCases.prefix(15))

  /// Every gradient of the reference against central differences of L = Σ r ⊙ y, whose
  /// gradient with respect to y is r (the test's output gradient).
  ///
  /// y is linear in x, in w and in b separately, so a central difference carries no
  /// truncation error at any step size: only float32 rounding of y, which the
  /// difference divides by 2ε. A large step, ε = 0.5, keeps that error at a few 1e-6
  /// (measured: at most 3e-6; the loss is summed in Double), far below the 1e-3 tolerance, while a wrong index
  /// or a missing term in backward moves a gradient by the size of a weight (~0.5).
  @Test(arguments: gradientCases)
  func referenceGradientsMatchFiniteDifferences(_ t: ConvTCase) {
    let (x, weight, bias, r) = t.data()
    let p = t.parameters
    let step: Float = 0.5
    let tolerance = Tolerance(atol: 1e-3, rtol: 1e-3)
    func loss(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Double {
      let y = TransposedConvolution.forwardReference(x, weight, bias, p)
      return zip(y.data, r.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    /// ∂L/∂v[k] for every k, by central differences; `evaluate` computes L with v replaced.
    func numericGradient(_ v: Tensor, _ evaluate: (Tensor) -> Double) -> Tensor {
      var gradient = Tensor(zeros: v.shape)
      for k in 0..<v.count {
        var plus = v, minus = v
        plus.data[k] += step
        minus.data[k] -= step
        gradient.data[k] = Float((evaluate(plus) - evaluate(minus)) / (Double(plus.data[k]) - Double(minus.data[k])))
      }
      return gradient
    }
    let analytic = TransposedConvolution.backwardReference(x, weight, r, p, hasBias: t.hasBias)
    expectClose(analytic.input, numericGradient(x) { loss($0, weight, bias) }, tolerance, "\(t.testDescription): dx")
    expectClose(analytic.weight, numericGradient(weight) { loss(x, $0, bias) }, tolerance, "\(t.testDescription): dw")
    if let bias {
      guard let biasGradient = analytic.bias else { Issue.record("\(t.testDescription): no bias gradient"); return }
      expectClose(biasGradient, numericGradient(bias) { loss(x, weight, $0) }, tolerance, "\(t.testDescription): db")
    }
  }

  /// The transposed convolution is the adjoint of the convolution with the same stride and
  /// padding whose weight is w read as O = C_in outputs from C = C_out inputs:
  /// ⟨conv(u), v⟩ = ⟨u, convᵀ(v)⟩ for every u (N×C_out×OH×OW) and v (N×C_in×H×W).
  /// Also checks that the convolution maps OH×OW back to H×W whatever the output padding.
  @Test(arguments: transposedConvolutionCases)
  func adjointOfTheConvolution(_ t: ConvTCase) {
    var rng = RNG(seed: t.seed, stream: 1)
    let u = Tensor.uniform(t.outputShape, in: -1..<1, using: &rng)
    let v = Tensor.uniform(t.inputShape, in: -1..<1, using: &rng)
    let weight = Tensor.uniform(t.weightShape, in: -1..<1, using: &rng)
    let convolved = directConvolution(u, weight, t.parameters.convolution)
    #expect(convolved.shape == v.shape, "\(t.testDescription): the convolution maps \(u.shape) to \(convolved.shape)")
    guard convolved.shape == v.shape else { return }
    let left = dot(convolved, v)
    for implementation in Implementation.allCases {
      let right = dot(u, forward(implementation, v, weight, nil, t.parameters))
      #expect(abs(left - right) <= 1e-4 * max(1, abs(left)),
              "\(t.testDescription), \(implementation): ⟨conv u, v⟩ = \(left), ⟨u, convᵀ v⟩ = \(right)")
    }
  }
}

/// Parallel.threadCount is process-wide, so this suite runs its tests one at a time.
@Suite(.serialized) struct TransposedConvolutionThreads {
  /// Large enough that the GEMMs split their work (≥ 2¹⁷ multiply-adds) and col2im,
  /// im2col and the reorders run several chunks.
  @Test(arguments: [
    ConvTCase(4, 16, 8, 8, 8, kernel: (4, 4), stride: (2, 2), padding: (1, 1), bias: true, seed: 7),
    ConvTCase(3, 5, 7, 9, 7, kernel: (3, 5), stride: (2, 3), padding: (1, 2), outputPadding: (1, 1), bias: true, seed: 8),
  ])
  func bitIdenticalForOneAndTwoThreads(_ t: ConvTCase) {
    let (x, weight, bias, dy) = t.data()
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    Parallel.threadCount = 1
    let y1 = TransposedConvolution.forward(x, weight, bias, t.parameters)
    let g1 = TransposedConvolution.backward(x, weight, dy, t.parameters, hasBias: true)
    Parallel.threadCount = 2
    let y2 = TransposedConvolution.forward(x, weight, bias, t.parameters)
    let g2 = TransposedConvolution.backward(x, weight, dy, t.parameters, hasBias: true)
    #expect(y1.data.map(\.bitPattern) == y2.data.map(\.bitPattern), "\(t.testDescription): y")
    #expect(g1.input.data.map(\.bitPattern) == g2.input.data.map(\.bitPattern), "\(t.testDescription): dx")
    #expect(g1.weight.data.map(\.bitPattern) == g2.weight.data.map(\.bitPattern), "\(t.testDescription): dw")
    #expect(g1.bias?.data.map(\.bitPattern) == g2.bias?.data.map(\.bitPattern), "\(t.testDescription): db")
    expectClose(y2, TransposedConvolution.forwardReference(x, weight, bias, t.parameters), twinTolerance,
                "\(t.testDescription):")
  }
}

/// Either twin's forward pass.
func forward(_ implementation: Implementation, _ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
             _ p: TransposedConvolutionParameters) -> Tensor {
  switch implementation {
  case .reference: return TransposedConvolution.forwardReference(x, weight, bias, p)
  case .optimized: return TransposedConvolution.forward(x, weight, bias, p)
  }
}

/// ⟨a, b⟩ = Σ a[k]·b[k], in Double.
func dot(_ a: Tensor, _ b: Tensor) -> Double {
  zip(a.data, b.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// A plain convolution, written here so this test does not depend on the Convolution twins:
///
///     y[n,o,i,j] = Σ_c Σ_kp Σ_kq w[o,c,kp,kq] · u[n,c,i·s+kp−pad, j·s+kq−pad]
///
/// u: N×C×H×W, w: O×C×KH×KW. Called with a transposed convolution's weight
/// (C_in×C_out×KH×KW), whose O is C_in and whose C is C_out.
private func directConvolution(_ u: Tensor, _ weight: Tensor, _ p: ConvolutionParameters) -> Tensor {
  let (batch, channels, height, width) = (u.shape[0], u.shape[1], u.shape[2], u.shape[3])
  let (outputs, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[2], weight.shape[3])
  precondition(weight.shape[1] == channels, "directConvolution: u \(u.shape), weight \(weight.shape)")
  let (outputHeight, outputWidth) = p.outputSize(height: height, width: width,
                                                 kernelHeight: kernelHeight, kernelWidth: kernelWidth)
  var y = [Float](repeating: 0, count: batch * outputs * outputHeight * outputWidth)
  for n in 0..<batch {
    for o in 0..<outputs {
      for i in 0..<outputHeight {
        for j in 0..<outputWidth {
          var sum: Float = 0
          for c in 0..<channels {
            for kp in 0..<kernelHeight {
              let row = i * p.strideHeight + kp - p.paddingHeight
              guard row >= 0 && row < height else { continue }
              for kq in 0..<kernelWidth {
                let column = j * p.strideWidth + kq - p.paddingWidth
                guard column >= 0 && column < width else { continue }
                sum += weight.data[((o * channels + c) * kernelHeight + kp) * kernelWidth + kq]
                  * u.data[((n * channels + c) * height + row) * width + column]
              }
            }
          }
          y[((n * outputs + o) * outputHeight + i) * outputWidth + j] = sum
        }
      }
    }
  }
  return Tensor(shape: [batch, outputs, outputHeight, outputWidth], data: y)
}

/// Wrong shapes are programmer errors: they stop the program with a message that names
/// the shapes. Each check runs in a child process and reads its standard error.
@Suite struct TransposedConvolutionPreconditions {
  func expectStop(_ message: String, _ stderr: [UInt8]?, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = String(decoding: stderr ?? [], as: UTF8.self)
    #expect(text.contains(message), "expected \"\(message)\" in: \(text)", sourceLocation: sourceLocation)
  }

  @Test func channelMismatchNamesTheShapes() async {
    let reference = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = TransposedConvolution.forwardReference(Tensor(zeros: [1, 2, 3, 3]), Tensor(zeros: [3, 1, 2, 2]), nil,
                                                 TransposedConvolutionParameters())
    }
    expectStop("input [1, 2, 3, 3] has 2 channels, weight [3, 1, 2, 2] expects 3", reference?.standardErrorContent)
    let optimized = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = TransposedConvolution.forward(Tensor(zeros: [1, 2, 3, 3]), Tensor(zeros: [3, 1, 2, 2]), nil,
                                        TransposedConvolutionParameters())
    }
    expectStop("input [1, 2, 3, 3] has 2 channels, weight [3, 1, 2, 2] expects 3", optimized?.standardErrorContent)
  }

  @Test func wrongBiasNamesTheShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = TransposedConvolution.forward(Tensor(zeros: [1, 2, 3, 3]), Tensor(zeros: [2, 4, 2, 2]), Tensor(zeros: [3]),
                                        TransposedConvolutionParameters())
    }
    expectStop("bias has shape [3], weight [2, 4, 2, 2] needs [4]", result?.standardErrorContent)
  }

  @Test func wrongOutputGradientNamesTheShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      // 3×3 with k2 s2 p0 gives 6×6, not 5×5.
      _ = TransposedConvolution.backward(Tensor(zeros: [1, 2, 3, 3]), Tensor(zeros: [2, 1, 2, 2]),
                                         Tensor(zeros: [1, 1, 5, 5]), TransposedConvolutionParameters(stride: 2),
                                         hasBias: false)
    }
    expectStop("output gradient has shape [1, 1, 5, 5]", result?.standardErrorContent)
    expectStop("give an output of [1, 1, 6, 6]", result?.standardErrorContent)
  }

  @Test func outputPaddingMustBeSmallerThanTheStride() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = TransposedConvolutionParameters(stride: 2, padding: 1, outputPadding: 2)
    }
    expectStop("output padding (2, 2) must be smaller than the stride (2, 2)", result?.standardErrorContent)
  }
}
