import Core
import Foundation

/// Lesson 01's baseline, the simplest generative model of binarized images: every
/// pixel an independent coin, moved here so the capstone (lesson 11) can score it
/// beside the deep models.
///
///     p(x) = Π_j p_jˣʲ (1 − p_j)¹⁻ˣʲ,   x_j ∈ {0, 1}
///
/// with p_j fitted by counting, Laplace-smoothed: p_j = (ones_j + 1) / (N + 2), so a
/// pixel never seen on still has some probability. A pixel counts as 1 when it is
/// above 0.5 (`Tensor.binarized()`): gray images are binarized on the way in, both when
/// fitting and when scoring.
public struct BernoulliPixels: Sendable {
  /// p_j = p(x_j = 1), one per pixel.
  public var onProbability: [Double]
  /// The shape of one image, e.g. [1, 28, 28].
  public var imageShape: [Int]

  /// Fits p_j to `images` [N, …] (N ≥ 0; with N = 0 every p_j is ½).
  public init(fitting images: Tensor) {
    precondition(images.rank >= 2, "BernoulliPixels: needs images [N, …], got shape \(images.shape)")
    let n = images.shape[0]
    let dims = images.shape.dropFirst().reduce(1, *)
    var ones = [Double](repeating: 0, count: dims)
    for i in 0..<n { for j in 0..<dims where images.data[i * dims + j] > 0.5 { ones[j] += 1 } }
    onProbability = ones.map { ($0 + 1) / (Double(n) + 2) }
    imageShape = Array(images.shape.dropFirst())
  }

  /// A model with the given p_j (each in (0, 1)) for images of `imageShape`.
  public init(onProbability: [Double], imageShape: [Int] = [1, 28, 28]) {
    precondition(onProbability.count == imageShape.reduce(1, *),
                 "BernoulliPixels: \(onProbability.count) probabilities for images of shape \(imageShape)")
    precondition(onProbability.allSatisfy { $0 > 0 && $0 < 1 },
                 "BernoulliPixels: every p_j must lie in (0, 1), or log p(x) is −∞")
    self.onProbability = onProbability
    self.imageShape = imageShape
  }

  /// The number of fitted numbers: one p_j per pixel (784 for 28×28).
  public var parameterCount: Int { onProbability.count }

  /// Mean over `images` [N, …] of −log p(x), in nats per image:
  /// −(1/N) Σ_n Σ_j [x_nj·log p_j + (1 − x_nj)·log(1 − p_j)]. Summed in Double, in order.
  public func negativeLogLikelihood(_ images: Tensor) -> Double {
    let n = images.shape[0], dims = checkedDims(images)
    var total = 0.0
    for i in 0..<n {
      for j in 0..<dims {
        let p = onProbability[j]
        total -= images.data[i * dims + j] > 0.5 ? log(p) : log(1 - p)
      }
    }
    return total / Double(n)
  }

  /// −log p(x) of each image of `images` [N, …], in nats.
  public func negativeLogLikelihoods(_ images: Tensor) -> [Double] {
    let n = images.shape[0], dims = checkedDims(images)
    return (0..<n).map { i in
      var total = 0.0
      for j in 0..<dims {
        let p = onProbability[j]
        total -= images.data[i * dims + j] > 0.5 ? log(p) : log(1 - p)
      }
      return total
    }
  }

  /// `count` images [count, imageShape…] of 0/1 pixels: x_j = 1 when u < p_j, one
  /// u ~ U[0, 1) per pixel in order.
  public func sample(_ count: Int, using rng: inout RNG) -> Tensor {
    var out = Tensor(zeros: [count] + imageShape)
    for i in 0..<(count * onProbability.count) {
      out.data[i] = Double(rng.uniform()) < onProbability[i % onProbability.count] ? 1 : 0
    }
    return out
  }

  private func checkedDims(_ images: Tensor) -> Int {
    let dims = onProbability.count
    precondition(images.rank >= 1 && images.count == images.shape[0] * dims,
                 "BernoulliPixels: the model has \(dims) pixels, images have shape \(images.shape)")
    return dims
  }
}
