import Core
import NN

/// A small convolutional classifier for Fashion-MNIST's ten classes. The capstone (lesson 11)
/// uses its penultimate layer — 128 numbers per image — as the feature space in which the
/// Fréchet distance compares generated and held-out images (a "classifier FID"; not
/// comparable with Inception FID).
///
///     1×28×28 → conv 3×3 → 32×28×28 → ReLU → conv 4×4 stride 2 → 64×14×14 → ReLU
///             → conv 4×4 stride 2 → 64×7×7 → ReLU → flatten → Linear 3136 → 128 → ReLU   (features)
///             → Linear 128 → 10                                                         (logits)
///
/// Images in [0, 1]. Forward and backward are the layers' own (the conv and Linear twins).
public final class FashionClassifier: Trainable {
  public static let featureSize = 128
  public let features: Sequential
  public let head: Linear

  public init(implementation: Implementation = .optimized, rng: inout RNG) {
    features = Sequential(
      Conv2d(inputChannels: 1, outputChannels: 32, kernelSize: 3, stride: 1, padding: 1, implementation: implementation, rng: &rng),
      ReLU(),
      Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, implementation: implementation, rng: &rng),
      ReLU(),
      Conv2d(inputChannels: 64, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, implementation: implementation, rng: &rng),
      ReLU(),
      Reshape([64 * 7 * 7]),
      Linear(inputSize: 64 * 7 * 7, outputSize: Self.featureSize, implementation: implementation, rng: &rng),
      ReLU())
    head = Linear(inputSize: Self.featureSize, outputSize: 10, implementation: implementation, rng: &rng)
  }

  /// Logits [N, 10] for images [N, 1, 28, 28].
  public func logits(_ images: Tensor, training: Bool) -> Tensor {
    precondition(images.rank == 4 && Array(images.shape.dropFirst()) == [1, 28, 28],
                 "FashionClassifier: needs images [N, 1, 28, 28], got \(images.shape)")
    return head.forward(features.forward(images, training: training), training: training)
  }

  /// The penultimate features [N, 128] of images [N, 1, 28, 28], in batches of 500.
  public func embed(_ images: Tensor) -> Tensor {
    var values: [Float] = []
    let n = images.shape[0]
    values.reserveCapacity(n * Self.featureSize)
    for first in stride(from: 0, to: n, by: 500) {
      values += features.forward(images.slice(first..<min(first + 500, n)), training: false).data
    }
    return Tensor(shape: [n, Self.featureSize], data: values)
  }

  /// One step of cross-entropy training on a batch; returns the mean loss in nats.
  public func step(_ images: Tensor, labels: [Int], optimizer: any Optimizer) -> Double {
    optimizer.zeroGradients()
    let loss = Losses.softmaxCrossEntropy(logits(images, training: true), labels: labels)
    _ = features.backward(head.backward(loss.gradient))
    optimizer.step()
    return loss.value
  }

  /// The fraction of `images` whose most likely class is `labels`' (batches of 500).
  public func accuracy(_ images: Tensor, labels: [Int]) -> Double {
    precondition(images.shape[0] == labels.count, "FashionClassifier.accuracy: \(images.shape[0]) images, \(labels.count) labels")
    var correct = 0
    for first in stride(from: 0, to: labels.count, by: 500) {
      let last = min(first + 500, labels.count)
      let scores = logits(images.slice(first..<last), training: false)
      for row in 0..<(last - first) {
        var best = 0
        for k in 1..<10 where scores.data[row * 10 + k] > scores.data[row * 10 + best] { best = k }
        if best == labels[first + row] { correct += 1 }
      }
    }
    return Double(correct) / Double(max(labels.count, 1))
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    prefixedParameters([("features", features), ("head", head)])
  }
}
