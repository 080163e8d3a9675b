import Core
import NN
import TestSupport
import Testing

/// One masked-convolution geometry: batch, channels, image side, kernel.
struct MaskedConvCase: Sendable, CustomStringConvertible {
  var batch: Int, inputChannels: Int, outputChannels: Int, size: Int, kernelSize: Int
  var description: String { "N\(batch) \(inputChannels)→\(outputChannels) \(size)×\(size) k\(kernelSize)" }
}

@Suite struct MaskedConv2dTests {
  static let cases = [
    MaskedConvCase(batch: 2, inputChannels: 2, outputChannels: 3, size: 5, kernelSize: 3),
    MaskedConvCase(batch: 1, inputChannels: 1, outputChannels: 2, size: 4, kernelSize: 5),
  ]

  /// The masks written out by hand from the paper's Figure 1 (centre row: the taps left of
  /// the centre, and the centre itself only for mask B; nothing below).
  @Test func masksByHand() {
    #expect(MaskedConv2d.kernelMask(.a, kernelSize: 3).data == [1, 1, 1,
                                                                1, 0, 0,
                                                                0, 0, 0])
    #expect(MaskedConv2d.kernelMask(.b, kernelSize: 3).data == [1, 1, 1,
                                                                1, 1, 0,
                                                                0, 0, 0])
    // 7×7: three full rows of 7, then 3 (A) or 4 (B) taps of the centre row.
    #expect(MaskedConv2d.kernelMask(.a, kernelSize: 7).data.reduce(0, +) == 24)
    #expect(MaskedConv2d.kernelMask(.b, kernelSize: 7).data.reduce(0, +) == 25)
    #expect(MaskedConv2d.kernelMask(.b, kernelSize: 1).data == [1])
  }

  /// Backward on both twins against central differences; a masked tap's numeric gradient
  /// is 0 (forward zeroes the perturbed weight again), and so must the analytic one be.
  @Test(arguments: cases, [MaskedConv2d.Mask.a, .b])
  func backwardMatchesFiniteDifferences(shape: MaskedConvCase, mask: MaskedConv2d.Mask) {
    for implementation in Implementation.allCases {
      var rng = RNG(seed: 41)
      let layer = MaskedConv2d(mask, inputChannels: shape.inputChannels, outputChannels: shape.outputChannels,
                               kernelSize: shape.kernelSize, implementation: implementation, rng: &rng)
      let x = Tensor.normal([shape.batch, shape.inputChannels, shape.size, shape.size], using: &rng)
      checkGradients(layer, input: x, "MaskedConv2d \(mask) \(shape) \(implementation)")
    }
  }

  /// Output (i, j) does not move when any input at or after (i, j) (mask A) or after (i, j)
  /// (mask B) in raster order moves, in any channel; it does move with the pixel just before.
  @Test(arguments: [MaskedConv2d.Mask.a, .b])
  func outputIgnoresTheFuture(mask: MaskedConv2d.Mask) {
    var rng = RNG(seed: 42)
    let layer = MaskedConv2d(mask, inputChannels: 2, outputChannels: 3, kernelSize: 5, rng: &rng)
    let size = 6
    let x = Tensor.normal([1, 2, size, size], using: &rng)
    let y = layer.forward(x, training: false)
    for (i, j) in [(0, 0), (2, 3), (5, 5), (3, 0)] {
      var changed = x
      for c in 0..<2 {
        for position in (i * size + j)..<(size * size) {
          if mask == .b && position == i * size + j { continue }
          changed.data[c * size * size + position] += 1
        }
      }
      let z = layer.forward(changed, training: false)
      for o in 0..<3 {
        let index = (o * size + i) * size + j
        #expect(z.data[index] == y.data[index], "mask \(mask): output \(o) at (\(i), \(j)) saw the future")
      }
    }
    var before = x
    before.data[2 * size + 2] += 1              // channel 0, pixel (2, 2), just before (2, 3)
    let z = layer.forward(before, training: false)
    #expect(z.data[2 * size + 3] != y.data[2 * size + 3], "mask \(mask): output at (2, 3) ignores (2, 2)")
  }

  /// Adam never moves a masked tap: it gets no gradient, so its moments stay 0, and forward
  /// zeroes it anyway. The kept taps do move.
  @Test func maskedWeightsStayZeroUnderAdam() {
    var rng = RNG(seed: 43)
    let layer = MaskedConv2d(.a, inputChannels: 2, outputChannels: 2, kernelSize: 3, rng: &rng)
    let start = layer.weight.value
    let adam = Adam(parameters: layer.parameters, learningRate: 0.1)
    for _ in 0..<5 {
      adam.zeroGradients()
      let x = Tensor.normal([2, 2, 4, 4], using: &rng)
      let y = layer.forward(x, training: true)
      _ = layer.backward(Tensor.normal(y.shape, using: &rng))
      adam.step()
    }
    let mask = layer.kernelMask
    for k in 0..<start.count {
      if mask.data[k % 9] == 0 {
        #expect(layer.weight.value.data[k] == 0 && layer.weight.gradient.data[k] == 0, "masked tap \(k) moved")
      } else {
        #expect(layer.weight.value.data[k] != start.data[k], "kept tap \(k) did not move")
      }
    }
  }

  /// `Conv2d.output(row:column:of:)` is the full forward at one position, bit for bit, on
  /// both twins, including stride 2 and positions whose window overhangs the padding.
  @Test(arguments: Implementation.allCases)
  func outputAtOnePositionEqualsTheFullForward(implementation: Implementation) {
    var rng = RNG(seed: 44)
    for (kernelSize, stride, padding) in [(3, 1, 1), (7, 1, 3), (4, 2, 1), (1, 1, 0)] {
      let layer = Conv2d(inputChannels: 3, outputChannels: 5, kernelSize: kernelSize, stride: stride,
                         padding: padding, implementation: implementation, rng: &rng)
      let x = Tensor.normal([2, 3, 9, 9], using: &rng)
      let y = layer.forward(x, training: false)
      let (height, width) = (y.shape[2], y.shape[3])
      for i in 0..<height {
        for j in 0..<width {
          let position = layer.output(row: i, column: j, of: x)
          #expect(position.shape == [2, 5])
          for n in 0..<2 {
            for o in 0..<5 {
              let full = y.data[((n * 5 + o) * height + i) * width + j]
              #expect(position.data[n * 5 + o] == full,
                      "k\(kernelSize) s\(stride) p\(padding) \(implementation): (n \(n), o \(o), \(i), \(j))")
            }
          }
        }
      }
    }
  }
}
