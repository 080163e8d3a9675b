import Convolution
import Core
import Testing
import TestSupport

/// The reference backward against central finite differences of the loss L = Σ y·g
/// (so dL/dy = g), evaluated in Double by a forward pass written out here.
///
/// L is linear in x, in W and in b separately, so the central difference
/// (L(θ + ε) − L(θ − ε)) / 2ε has no truncation error; with Double and ε = 10⁻³ it is
/// exact to ~10⁻¹², and the tolerance only has to cover the float32 rounding of the
/// reference's sums (≤ 96 terms for dx, ≤ 98 for dW here). A wrong index moves a
/// gradient by O(0.1–1), far outside it.
@Suite struct ConvolutionGradients {
  static let tolerance = Tolerance(atol: 3e-5, rtol: 1e-5)
  static let epsilon = 1e-3

  /// y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c,i·s+p−pad, j·s+q−pad], in Double.
  static func forwardDouble(_ t: ConvolutionCase, _ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
    var y = [Double](repeating: 0, count: t.outputShape.reduce(1, *))
    for n in 0..<t.batch { for o in 0..<t.outChannels { for i in 0..<t.outputHeight { for j in 0..<t.outputWidth {
      var sum = b[o]
      for c in 0..<t.channels { for p in 0..<t.kernelHeight { for q in 0..<t.kernelWidth {
        let row = i * t.strideHeight + p - t.paddingHeight, column = j * t.strideWidth + q - t.paddingWidth
        guard row >= 0 && row < t.height && column >= 0 && column < t.width else { continue }
        sum += w[((o * t.channels + c) * t.kernelHeight + p) * t.kernelWidth + q]
             * x[((n * t.channels + c) * t.height + row) * t.width + column]
      } } }
      y[((n * t.outChannels + o) * t.outputHeight + i) * t.outputWidth + j] = sum
    } } } }
    return y
  }

  /// ∂L/∂θ[k] ≈ (L(θ[k] + ε) − L(θ[k] − ε)) / 2ε for every element of `values`.
  static func centralDifferences(_ values: [Double], _ loss: ([Double]) -> Double) -> [Float] {
    var perturbed = values
    return values.indices.map { k in
      perturbed[k] = values[k] + epsilon
      let up = loss(perturbed)
      perturbed[k] = values[k] - epsilon
      let down = loss(perturbed)
      perturbed[k] = values[k]
      return Float((up - down) / (2 * epsilon))
    }
  }

  @Test func casesCoverStridePaddingAndBias() {
    #expect(gradientCases.contains { $0.strideHeight > 1 || $0.strideWidth > 1 })
    #expect(gradientCases.contains { $0.paddingHeight > 0 || $0.paddingWidth > 0 })
    #expect(gradientCases.contains { $0.hasBias } && gradientCases.contains { !$0.hasBias })
    #expect(gradientCases.contains { $0.batch == 1 } && gradientCases.contains { $0.channels == 1 })
  }

  @Test(arguments: gradientCases)
  func referenceGradientsMatchFiniteDifferences(_ t: ConvolutionCase) {
    let (x, weight, bias, outputGradient) = t.tensors(seed: 11)
    let xs = x.data.map(Double.init), ws = weight.data.map(Double.init)
    let bs = bias?.data.map(Double.init) ?? [Double](repeating: 0, count: t.outChannels)
    let g = outputGradient.data.map(Double.init)
    func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
      zip(Self.forwardDouble(t, x, w, b), g).reduce(0) { $0 + $1.0 * $1.1 }
    }

    // The Double forward is the same function as the reference forward.
    let y = Convolution.forwardReference(x, weight, bias, t.parameters)
    expectClose(y.data, Self.forwardDouble(t, xs, ws, bs).map(Float.init), .float32, "\(t.testDescription) Double forward:")

    let gradients = Convolution.backwardReference(x, weight, outputGradient, t.parameters, hasBias: t.hasBias)
    expectClose(gradients.input.data, Self.centralDifferences(xs) { loss($0, ws, bs) }, Self.tolerance,
                "\(t.testDescription) dL/dx:")
    expectClose(gradients.weight.data, Self.centralDifferences(ws) { loss(xs, $0, bs) }, Self.tolerance,
                "\(t.testDescription) dL/dW:")
    if t.hasBias {
      expectClose(gradients.bias?.data ?? [], Self.centralDifferences(bs) { loss(xs, ws, $0) }, Self.tolerance,
                  "\(t.testDescription) dL/db:")
    } else {
      #expect(gradients.bias == nil, "\(t.testDescription): no bias, no bias gradient")
    }
  }
}
