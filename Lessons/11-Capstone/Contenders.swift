import Foundation
import GenLab

/// Which images a model learns and draws: the likelihood models work on binarized images
/// (each pixel 0 or 1, so a likelihood is a probability and comparable across models), the
/// GAN and the diffusion model on gray values, as in lessons 07 and 09.
enum Domain: String {
  case binary = "binarized", gray
}

/// What a model can say about −log p(x) of a held-out image.
enum Likelihood {
  /// The exact value, nats per image (mean over the test set).
  case exact(Double)
  /// An upper bound on −log p(x) (a lower bound on the likelihood), and which bound.
  case bound(Double, String)
  /// None, and why.
  case none(String)
}

/// One row of the table: a trained model (or the data itself), how it draws images, and
/// what its training cost.
struct Contender {
  var name: String
  var domain: Domain
  var likelihood: Likelihood
  /// Seconds of training (read from the cache for a cached model); nil for the data rows.
  var trainSeconds: Double?
  var cached: Bool
  /// Parameters needed to draw samples (a GAN's generator, not its discriminator).
  var parameterCount: Int?
  /// `count` images [count, 1, 28, 28] in [0, 1] (0/1 for the binary domain).
  var sample: (Int, inout RNG) -> Tensor
  /// A file name for its sample grid.
  var slug: String
}

/// The data every model sees, in both domains.
struct CapstoneData {
  let source: FashionMNIST
  /// Gray training and test images in [0, 1].
  let train: Tensor
  let test: Tensor
  /// The same, binarized: a pixel is 1 when its gray value is above 0.5 (lessons 01 and 05).
  let trainBinary: Tensor
  let testBinary: Tensor
  /// What the cache compares: a model trained on other data is trained again.
  let key: String

  init(_ data: FashionMNIST) {
    source = data
    train = data.train.images
    test = data.test.images
    trainBinary = train.binarized()
    testBinary = test.binarized()
    key = "\(data.source.path) \(data.train.count)+\(data.test.count)"
  }
}
