import Core
import Evaluation

/// Sample quality in a classifier's features, the capstone's judge: samples and held-out
/// images are both embedded by `FashionClassifier.embed` (128 penultimate features an
/// image), then compared by
///
/// - the **Fréchet distance** between Gaussians fitted to the two sets of features
///   (`SampleDistance.frechetDistance`: FID's formula, in this classifier's features — NOT
///   comparable with Inception FID numbers from papers), against every held-out image;
/// - **improved precision and recall** (`SampleDistance.precisionRecall`, k nearest
///   neighbours), against the first `count` held-out images: the share of samples that
///   land among real images, and of real images that land among samples.
///
/// The same number of samples as `count` gives comparable precision and recall; the
/// Fréchet distance of a finite sample is biased upward, so compare numbers made with the
/// same count, and against the floor that real images score (two sets of real images).
public struct SampleJudge {
  public let classifier: FashionClassifier
  /// The features of every held-out image: the Gaussian samples are compared with.
  public let heldOut: Tensor
  /// The features of the first `count` held-out images: the real set of precision and recall.
  public let heldOutSubset: Tensor
  /// k of the k-nearest-neighbour balls of precision and recall.
  public let neighbours: Int

  /// `images` [N, 1, 28, 28] in [0, 1] (the held-out set, in the samples' domain: gray or binarized).
  public init(classifier: FashionClassifier, heldOut images: Tensor, count: Int, neighbours: Int = 3) {
    precondition(count > neighbours && count <= images.shape[0],
                 "SampleJudge: count \(count) must lie in \(neighbours + 1)…\(images.shape[0]) (the held-out images)")
    self.classifier = classifier
    self.neighbours = neighbours
    heldOut = classifier.embed(images)
    heldOutSubset = heldOut.slice(0..<count)
  }

  /// What the judge says of a set of samples.
  public struct Score: Sendable, Equatable {
    public var frechetDistance: Double
    public var precision: Double
    public var recall: Double
  }

  /// Scores `samples` [N, 1, 28, 28] in [0, 1].
  public func score(_ samples: Tensor) -> Score {
    precondition(samples.rank == 4 && Array(samples.shape.dropFirst()) == [1, 28, 28],
                 "SampleJudge: samples must be N×1×28×28, got \(samples.shape)")
    let features = classifier.embed(samples)
    let (precision, recall) = SampleDistance.precisionRecall(real: heldOutSubset, generated: features, k: neighbours)
    return Score(frechetDistance: SampleDistance.frechetDistance(features, heldOut), precision: precision, recall: recall)
  }
}
