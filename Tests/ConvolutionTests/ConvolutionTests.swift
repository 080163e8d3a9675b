import Convolution
import Core
import Testing
import TestSupport

/// ⟨a, b⟩ in Double.
func dot(_ a: [Float], _ b: [Float]) -> Double {
  zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

@Suite struct ConvolutionTwins {
  /// Twins: float32 sums of at most C·KH·KW = 48 (forward, dx) or N·OH·OW = 243 (dW, db)
  /// products of numbers in [−1, 1), grouped differently.
  static let tolerance = Tolerance(atol: 1e-4, rtol: 1e-4)

  /// The list really holds the awkward shapes the twins must agree on.
  @Test func casesCoverTheAwkwardShapes() {
    #expect(twinCases.count >= 50)
    #expect(twinCases.contains { $0.batch == 1 })
    #expect(twinCases.contains { $0.channels == 1 })
    #expect(twinCases.contains { $0.outChannels == 1 })
    #expect(twinCases.contains { $0.height % 2 == 1 && $0.width % 2 == 1 })
    #expect(twinCases.contains { $0.height != $0.width })
    #expect(twinCases.contains { $0.kernelHeight != $0.kernelWidth })
    #expect(twinCases.contains { $0.strideHeight == 2 || $0.strideWidth == 2 })
    #expect(twinCases.contains { $0.strideHeight == 3 && $0.strideWidth == 3 })
    #expect(twinCases.contains { $0.strideHeight != $0.strideWidth })
    #expect(twinCases.contains { $0.paddingHeight == 0 && $0.paddingWidth == 0 })
    #expect(twinCases.contains { $0.paddingHeight == 1 && $0.paddingWidth == 1 })
    #expect(twinCases.contains { $0.paddingHeight == 2 || $0.paddingWidth == 2 })
    #expect(twinCases.contains { !$0.hasBias })
    #expect(twinCases.contains { $0.hasBias })
    #expect(twinCases.contains { $0.outputHeight == 1 || $0.outputWidth == 1 })
  }

  /// forward, dL/dx, dL/dW and dL/db of the im2col twin against the reference.
  @Test(arguments: twinCases)
  func twinsAgree(_ t: ConvolutionCase) {
    let (x, weight, bias, outputGradient) = t.tensors(seed: 7)
    let p = t.parameters
    let expected = Convolution.forwardReference(x, weight, bias, p)
    #expect(expected.shape == t.outputShape, "\(t.testDescription)")
    expectClose(Convolution.forward(x, weight, bias, p), expected, Self.tolerance, "\(t.testDescription) forward:")

    let reference = Convolution.backwardReference(x, weight, outputGradient, p, hasBias: t.hasBias)
    let optimized = Convolution.backward(x, weight, outputGradient, p, hasBias: t.hasBias)
    expectClose(optimized.input, reference.input, Self.tolerance, "\(t.testDescription) dL/dx:")
    expectClose(optimized.weight, reference.weight, Self.tolerance, "\(t.testDescription) dL/dW:")
    #expect((reference.bias != nil) == t.hasBias && (optimized.bias != nil) == t.hasBias,
            "\(t.testDescription): a bias gradient exactly when hasBias")
    if let expectedBias = reference.bias, let actualBias = optimized.bias {
      expectClose(actualBias, expectedBias, Self.tolerance, "\(t.testDescription) dL/db:")
    }
  }

  /// Without bias, y = conv(x, W) is linear in x and in W, and backward applies the
  /// transposes: ⟨conv(x, W), g⟩ = ⟨x, dL/dx⟩ = ⟨W, dL/dW⟩ for dL/dy = g. Checked for both twins.
  @Test(arguments: twinCases.prefix(20))
  func backwardIsTheAdjoint(_ t: ConvolutionCase) {
    let (x, weight, _, g) = t.tensors(seed: 8)
    for implementation in Implementation.allCases {
      let y = Convolution.forward(x, weight, nil, t.parameters, implementation: implementation)
      let gradients = Convolution.backward(x, weight, g, t.parameters, hasBias: false, implementation: implementation)
      let forward = dot(y.data, g.data)
      let throughInput = dot(x.data, gradients.input.data)
      let throughWeight = dot(weight.data, gradients.weight.data)
      let allowed = 1e-5 * max(1, abs(forward))
      #expect(abs(forward - throughInput) <= allowed && abs(forward - throughWeight) <= allowed,
              "\(t.testDescription) \(implementation): ⟨conv x, g⟩ = \(forward), ⟨x, dx⟩ = \(throughInput), ⟨W, dW⟩ = \(throughWeight)")
    }
  }
}

@Suite struct ConvolutionKnownValues {
  /// By hand. x = 1×1×3×3 holding 1…9, W = 1×1×2×2 holding [[1, 2], [3, 4]], b = [1],
  /// stride 1, no padding → y is 1×1×2×2:
  ///
  ///     y[0,0] = 1 + 1·1 + 2·2 + 3·4 + 4·5 = 1 +  1 +  4 + 12 + 20 = 38
  ///     y[0,1] = 1 + 1·2 + 2·3 + 3·5 + 4·6 = 1 +  2 +  6 + 15 + 24 = 48
  ///     y[1,0] = 1 + 1·4 + 2·5 + 3·7 + 4·8 = 1 +  4 + 10 + 21 + 32 = 68
  ///     y[1,1] = 1 + 1·5 + 2·6 + 3·8 + 4·9 = 1 +  5 + 12 + 24 + 36 = 78
  ///
  /// With dL/dy = all ones: dW[p,q] is the sum of the four inputs the weight touched,
  ///     dW = [[1+2+4+5, 2+3+5+6], [4+5+7+8, 5+6+8+9]] = [[12, 16], [24, 28]],  db = 4,
  /// and dx[h,w] is the sum of the weights that touched x[h,w]:
  ///     dx = [[1, 1+2, 2], [1+3, 1+2+3+4, 2+4], [3, 3+4, 4]] = [[1, 3, 2], [4, 10, 6], [3, 7, 4]].
  @Test(arguments: Implementation.allCases)
  func byHand(implementation: Implementation) {
    let x = Tensor(shape: [1, 1, 3, 3], data: [1, 2, 3, 4, 5, 6, 7, 8, 9])
    let weight = Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])
    let bias = Tensor(shape: [1], data: [1])
    let p = ConvolutionParameters()
    let y = Convolution.forward(x, weight, bias, p, implementation: implementation)
    expectClose(y, Tensor(shape: [1, 1, 2, 2], data: [38, 48, 68, 78]), .exact, "\(implementation) y:")
    let ones = Tensor(shape: [1, 1, 2, 2], repeating: 1)
    let gradients = Convolution.backward(x, weight, ones, p, hasBias: true, implementation: implementation)
    expectClose(gradients.input, Tensor(shape: [1, 1, 3, 3], data: [1, 3, 2, 4, 10, 6, 3, 7, 4]), .exact, "\(implementation) dx:")
    expectClose(gradients.weight, Tensor(shape: [1, 1, 2, 2], data: [12, 16, 24, 28]), .exact, "\(implementation) dW:")
    #expect(gradients.bias == Tensor(shape: [1], data: [4]), "\(implementation) db")
  }

  /// Stride 2, padding 1, a non-square 3×2 kernel on a non-square 5×6 input with 2 channels
  /// and 3 outputs: y, dx, dW and db computed by numpy 2.4 (float64; every value is an
  /// integer, so float32 must match exactly) with this script:
  ///
  ///     import numpy as np
  ///     x = (np.arange(60) % 7 - 3).reshape(1, 2, 5, 6).astype(np.float64)   # N=1, C=2, H=5, W=6
  ///     w = (np.arange(36) % 5 - 2).reshape(3, 2, 3, 2).astype(np.float64)   # O=3, C=2, KH=3, KW=2
  ///     b = np.array([1.0, 0.0, -2.0])
  ///     s, pad, KH, KW = 2, 1, 3, 2
  ///     xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
  ///     OH, OW = (5 + 2 * pad - KH) // s + 1, (6 + 2 * pad - KW) // s + 1
  ///     patches = np.array([[xp[:, :, i*s:i*s+KH, j*s:j*s+KW] for j in range(OW)] for i in range(OH)])
  ///     y = np.einsum('ijnckl,ockl->noij', patches, w) + b[None, :, None, None]
  ///     dy = (np.arange(y.size) % 5 - 2).reshape(y.shape).astype(np.float64)
  ///     db = dy.sum(axis=(0, 2, 3))
  ///     dw = np.einsum('ijnckl,noij->ockl', patches, dy)
  ///     dxp = np.zeros_like(xp)
  ///     for i in range(OH):
  ///         for j in range(OW):
  ///             dxp[:, :, i*s:i*s+KH, j*s:j*s+KW] += np.einsum('ockl,no->nckl', w, dy[:, :, i, j])
  ///     dx = dxp[:, :, pad:-pad, pad:-pad]
  ///     for name, a in [('y', y), ('dx', dx), ('dw', dw), ('db', db)]:
  ///         print(name, list(a.shape), ', '.join(str(int(v)) for v in a.ravel()))
  @Test(arguments: Implementation.allCases)
  func stride2Padding1FromNumpy(implementation: Implementation) {
    let x = Tensor(shape: [1, 2, 5, 6], data: (0..<60).map { Float($0 % 7 - 3) })
    let weight = Tensor(shape: [3, 2, 3, 2], data: (0..<36).map { Float($0 % 5 - 2) })
    let bias = Tensor(shape: [3], data: [1, 0, -2])
    let outputGradient = Tensor(shape: [1, 3, 3, 4], data: (0..<36).map { Float($0 % 5 - 2) })
    let p = ConvolutionParameters(stride: 2, padding: 1)

    let y = Tensor(shape: [1, 3, 3, 4], data: [
      -8, 2, 4, -6, -11, 9, 3, -6, 4, -4, 3, 2, 5, 0, -6, 9, 1, 10, 5, 0, 5, -9, 14, -3,
      7, -8, -2, 3, -13, 0, -14, -5, -5, 0, -6, -4])
    let dx = Tensor(shape: [1, 2, 5, 6], data: [
      -2, 4, -3, 5, -4, -4, 3, 3, -4, -5, 4, 2, 4, -2, -2, 4, -3, 5, -5, -4, 3, 3, -4, -5, 5, -3, 4, -2, -2, 4,
      -2, -3, -5, -4, -3, 5, -5, -4, 4, 4, 8, 2, 6, -2, -2, -3, -5, -4, -9, 3, -5, -4, 4, 4, 4, 4, 6, -2, -2, -3])
    let dw = Tensor(shape: [3, 2, 3, 2], data: [
      18, 21, -2, 28, 3, -6, -4, -7, 11, -6, 11, 14, -2, -8, -11, -4, -12, -5,
      11, 0, 11, 10, -4, 1, -7, -2, 25, -11, 18, 21, -14, -8, -9, -19, -4, -7])
    let db = Tensor(shape: [3], data: [-3, 1, 0])

    expectClose(Convolution.forward(x, weight, bias, p, implementation: implementation), y, .exact, "\(implementation) y:")
    let gradients = Convolution.backward(x, weight, outputGradient, p, hasBias: true, implementation: implementation)
    expectClose(gradients.input, dx, .exact, "\(implementation) dx:")
    expectClose(gradients.weight, dw, .exact, "\(implementation) dW:")
    #expect(gradients.bias == db, "\(implementation) db: \(String(describing: gradients.bias))")
  }

  /// The DCGAN discriminator's two k4 s2 p1 convolutions halve 28 → 14 → 7. The full
  /// shapes through `outputShape`; the same spatial sizes, with fewer channels so the
  /// debug build stays quick, through both twins.
  @Test func dcganShapes() {
    let p = ConvolutionParameters(stride: 2, padding: 1)
    #expect(Convolution.outputShape(input: [64, 1, 28, 28], weight: [64, 1, 4, 4], p) == [64, 64, 14, 14])
    #expect(Convolution.outputShape(input: [64, 64, 14, 14], weight: [128, 64, 4, 4], p) == [64, 128, 7, 7])
    var rng = RNG(seed: 3)
    for (input, weightShape, output) in [([2, 1, 28, 28], [4, 1, 4, 4], [2, 4, 14, 14]),
                                         ([2, 3, 14, 14], [5, 3, 4, 4], [2, 5, 7, 7])] {
      let x = Tensor.uniform(input, in: -1..<1, using: &rng)
      let weight = Tensor.uniform(weightShape, in: -1..<1, using: &rng)
      let bias = Tensor.uniform([weightShape[0]], in: -1..<1, using: &rng)
      let reference = Convolution.forwardReference(x, weight, bias, p)
      let optimized = Convolution.forward(x, weight, bias, p)
      #expect(reference.shape == output && optimized.shape == output, "\(input) * \(weightShape)")
      expectClose(optimized, reference, ConvolutionTwins.tolerance, "\(input) * \(weightShape):")
    }
  }
}

/// Parallel.threadCount is process-wide, so this suite runs its tests one at a time.
@Suite(.serialized) struct ConvolutionThreads {
  /// Large enough that the GEMMs split (≥ 2¹⁷ multiply-adds: 16 × 36 × 512 here) and
  /// im2col, col2im and the reorders run in several chunks.
  @Test(arguments: [
    ConvolutionCase(batch: 2, channels: 4, height: 16, width: 16, outChannels: 16, kernelHeight: 3, kernelWidth: 3,
                    paddingHeight: 1, paddingWidth: 1),
    ConvolutionCase(batch: 3, channels: 5, height: 13, width: 11, outChannels: 7, kernelHeight: 3, kernelWidth: 4,
                    strideHeight: 2, strideWidth: 2, paddingHeight: 1, paddingWidth: 1, hasBias: false),
  ])
  func bitIdenticalForOneAndTwoThreads(_ t: ConvolutionCase) {
    let (x, weight, bias, outputGradient) = t.tensors(seed: 9)
    let p = t.parameters
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    var results: [[[UInt32]]] = []
    for threads in [1, 2] {
      Parallel.threadCount = threads
      let y = Convolution.forward(x, weight, bias, p)
      let g = Convolution.backward(x, weight, outputGradient, p, hasBias: t.hasBias)
      results.append([y.data, g.input.data, g.weight.data, g.bias?.data ?? []].map { $0.map(\.bitPattern) })
    }
    for (index, name) in ["y", "dL/dx", "dL/dW", "dL/db"].enumerated() {
      #expect(results[0][index] == results[1][index], "\(t.testDescription): \(name) differs between 1 and 2 threads")
    }
  }
}
