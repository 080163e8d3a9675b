import Core
import Foundation
import Models
import NN
import TestSupport
import Testing

/// The models here are tiny (4–8 channels, 1–2 layers) and most images smaller than 28×28,
/// so that the file runs in seconds in a debug build; the code paths are those of the
/// default 28×28 model.
@Suite(.serialized) struct PixelCNNTests {
  /// Random 0/1 images [count, 1, size, size], each pixel 1 with probability ½.
  static func binaryImages(_ count: Int, size: Int, rng: inout RNG) -> Tensor {
    Tensor.uniform([count, 1, size, size], using: &rng).map { $0 < 0.5 ? 0 : 1 }
  }

  /// Images whose columns are each all 1 or all 0 (probability ½ each): everything below
  /// the first row is a copy of the pixel above, so a causal model can predict it.
  static func verticalStripes(_ count: Int, size: Int, rng: inout RNG) -> Tensor {
    var images = Tensor(zeros: [count, 1, size, size])
    for n in 0..<count {
      for j in 0..<size where rng.uniform() < 0.5 {
        for i in 0..<size { images.data[(n * size + i) * size + j] = 1 }
      }
    }
    return images
  }

  /// 7·7 + 1 + layers·(9·C + 1)·C + (C + 1)·C + C + 1 with C channels: the mask-A conv
  /// 1→C, the mask-B convs C→C, the 1×1 convs C→C and C→1 (masked taps included).
  @Test func shapesAndParameterCount() {
    var rng = RNG(seed: 1)
    let model = PixelCNN(rng: &rng)
    let c = 32
    #expect(model.parameterCount == (49 + 1) * c + 5 * (9 * c + 1) * c + (c + 1) * c + c + 1)
    #expect(model.parameters.count == 2 * (1 + 5 + 2))
    #expect(model.parameters.first?.name == "0.weight" && model.parameters.last?.name == "14.bias")
    let small = PixelCNN(channels: 4, layers: 1, rng: &rng)
    #expect(small.logits(Self.binaryImages(2, size: 28, rng: &rng), training: false).shape == [2, 1, 28, 28])
  }

  /// Changing pixel p leaves every logit at positions ≤ p in raster order exactly as it was
  /// (random weights, 28×28, corners and edges included). The logit right after p (same row)
  /// and the one below p do change, in at least one of four images (in one image a change
  /// can die in the ReLUs): the masks hide the future, not the past.
  @Test(arguments: [(0, 0), (0, 27), (13, 14), (27, 0), (26, 27), (27, 27), (5, 26)])
  func logitsIgnoreTheirOwnAndLaterPixels(row: Int, column: Int) {
    // (With seed 2 every ReLU on the way to logit (1, 0) is dead for all inputs: that logit
    // is a constant. A seed where it is alive.)
    var rng = RNG(seed: 3)
    let model = PixelCNN(channels: 8, layers: 2, rng: &rng)
    let (size, count) = (28, 4)
    let images = Self.binaryImages(count, size: size, rng: &rng)
    let before = model.logits(images, training: false)
    var changed = images
    let p = row * size + column
    for n in 0..<count { changed.data[n * size * size + p] = 1 - changed.data[n * size * size + p] }
    let after = model.logits(changed, training: false)
    var rightChanges = 0, belowChanges = 0
    for n in 0..<count {
      let image = n * size * size
      for q in 0...p {
        #expect(after.data[image + q] == before.data[image + q],
                "image \(n): pixel \(p) (row \(row), column \(column)) changed the logit at \(q)")
      }
      if column + 1 < size && after.data[image + p + 1] != before.data[image + p + 1] { rightChanges += 1 }
      if row + 1 < size && after.data[image + p + size] != before.data[image + p + size] { belowChanges += 1 }
    }
    #expect(column + 1 == size || rightChanges > 0, "the logit right of (\(row), \(column)) ignores it")
    #expect(row + 1 == size || belowChanges > 0, "the logit below (\(row), \(column)) ignores it")
  }

  /// What `step` reports for a batch (before it updates) is the mean of
  /// `negativeLogLikelihood` over the batch.
  @Test func stepReportsTheNegativeLogLikelihood() {
    var rng = RNG(seed: 3)
    let model = PixelCNN(channels: 4, layers: 1, imageSize: 10, rng: &rng)
    let images = Self.binaryImages(3, size: 10, rng: &rng)
    let perImage = model.negativeLogLikelihood(images)
    #expect(perImage.count == 3)
    let mean = perImage.reduce(0, +) / 3
    let loss = model.step(images, optimizer: Adam(parameters: model.parameters))
    #expect(abs(loss - mean) <= 1e-5 * mean, "step says \(loss) nats, negativeLogLikelihood's mean is \(mean)")
    #expect(model.negativeLogLikelihood(images).reduce(0, +) / 3 < mean, "one step did not lower the loss")
  }

  /// All weights 0: every logit is 0, p = ½ for every pixel, so −log p(x) = 784·ln 2 nats
  /// (784 bits) for every 28×28 image.
  @Test func zeroWeightsGiveOneBitPerPixel() {
    var rng = RNG(seed: 4)
    let model = PixelCNN(channels: 4, layers: 1, rng: &rng)
    for (_, parameter) in model.parameters { parameter.value = Tensor(zeros: parameter.value.shape) }
    for nll in model.negativeLogLikelihood(Self.binaryImages(3, size: 28, rng: &rng)) {
      #expect(abs(nll - 784 * log(2.0)) <= 1e-3, "\(nll) nats, expected 784·ln 2 = \(784 * log(2.0))")
    }
  }

  /// The cached sampler draws exactly the reference's pixels from the same RNG, and leaves
  /// the RNG in the same state: it computes the same logits by the same sums.
  /// (The reference sampler costs S⁴: the 28×28 case keeps its model smallest.)
  @Test(arguments: [SamplerCase(.optimized, channels: 2, layers: 1, size: 28, count: 1),
                    SamplerCase(.optimized, channels: 8, layers: 2, size: 12, count: 3),
                    SamplerCase(.reference, channels: 8, layers: 2, size: 8, count: 2),
                    SamplerCase(.optimized, channels: 8, layers: 3, size: 5, count: 2)])
  func samplersDrawTheSamePixels(_ shape: SamplerCase) {
    let (implementation, size, count) = (shape.implementation, shape.size, shape.count)
    var rng = RNG(seed: 5)
    let model = PixelCNN(channels: shape.channels, layers: shape.layers, imageSize: size,
                         implementation: implementation, rng: &rng)
    var cached = RNG(seed: 6), reference = RNG(seed: 6)
    let fast = model.sample(count, rng: &cached)
    let slow = model.sampleReference(count, rng: &reference)
    #expect(fast.shape == [count, 1, size, size])
    #expect(fast == slow, "\(implementation) \(size)×\(size): \(zip(fast.data, slow.data).filter { $0 != $1 }.count) pixels differ")
    #expect(cached == reference)
    let ones = fast.data.reduce(0, +)
    #expect(ones > 0 && Int(ones) < fast.count, "a degenerate sample: \(Int(ones)) ones in \(fast.count) pixels")
  }

  /// Same seed, same samples, on 1 thread and on 2.
  @Test func samplesDoNotDependOnTheThreadCount() {
    var rng = RNG(seed: 7)
    let model = PixelCNN(channels: 8, layers: 1, imageSize: 10, rng: &rng)
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    var samples: [Tensor] = []
    for threads in [1, 2] {
      Parallel.threadCount = threads
      var draw = RNG(seed: 8)
      samples.append(model.sample(20, rng: &draw))
    }
    #expect(samples[0] == samples[1])
  }

  /// 150 Adam steps on vertical stripes (8×8): the held-out NLL falls from about 64·ln 2
  /// ≈ 44 nats to well under half of it (the best model pays only the first row, 8 bits ≈ 5.5 nats),
  /// and the samples are stripes too: most pixels equal the one above.
  @Test func learnsVerticalStripes() {
    var rng = RNG(seed: 9)
    let size = 8
    let model = PixelCNN(channels: 4, layers: 1, imageSize: size, rng: &rng)
    let adam = Adam(parameters: model.parameters, learningRate: 2e-2)
    let heldOut = Self.verticalStripes(50, size: size, rng: &rng)
    let first = model.negativeLogLikelihood(heldOut).reduce(0, +) / 50
    for _ in 0..<150 { _ = model.step(Self.verticalStripes(8, size: size, rng: &rng), optimizer: adam) }
    let last = model.negativeLogLikelihood(heldOut).reduce(0, +) / 50
    let uniform = Double(size * size) * log(2.0)
    #expect(abs(first - uniform) < 0.2 * uniform, "untrained: \(first) nats, uniform \(uniform)")
    #expect(last < 0.3 * uniform, "after 150 steps: \(last) nats (uniform: \(uniform))")
    let samples = model.sample(10, rng: &rng)
    var same = 0
    for n in 0..<10 {
      for i in 1..<size {
        for j in 0..<size where samples.data[(n * size + i) * size + j] == samples.data[(n * size + i - 1) * size + j] {
          same += 1
        }
      }
    }
    #expect(same > 10 * (size - 1) * size * 8 / 10, "only \(same) of \(10 * (size - 1) * size) pixels copy the one above")
  }
}

/// A sampler comparison: conv twin, model size, image side, number of images.
struct SamplerCase: Sendable, CustomStringConvertible {
  var implementation: Implementation, channels: Int, layers: Int, size: Int, count: Int
  init(_ implementation: Implementation, channels: Int, layers: Int, size: Int, count: Int) {
    (self.implementation, self.channels, self.layers, self.size, self.count) = (implementation, channels, layers, size, count)
  }
  var description: String { "\(implementation) C\(channels) L\(layers) \(size)×\(size) N\(count)" }
}
