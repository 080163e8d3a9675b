import Core
import Foundation
import Models
import Testing

/// Lesson 01's independent-pixel Bernoulli model.
@Suite struct IndependentPixelsTests {
  /// Four 2×2 "images" (pixels in raster order), written out:
  ///   a = [1 0; 1 0], b = [1 1; 0 0], c = [1 0; 0 0], d = [0.8 0.3; 0.6 0.4] (gray: 1 0; 1 0).
  /// Fitted on a, b, c: ones per pixel (3, 1, 1, 0), so with Laplace smoothing
  /// p = ((3+1)/5, (1+1)/5, (1+1)/5, (0+1)/5) = (0.8, 0.4, 0.4, 0.2).
  static let fitted = Tensor(shape: [3, 1, 2, 2], data: [1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0])

  @Test func fitsByCountingWithLaplaceSmoothing() {
    let model = BernoulliPixels(fitting: Self.fitted)
    #expect(model.onProbability == [0.8, 0.4, 0.4, 0.2])
    #expect(model.imageShape == [1, 2, 2])
    #expect(model.parameterCount == 4)
    // Gray images are binarized at 0.5 on the way in: the same fit.
    let gray = Tensor(shape: [3, 1, 2, 2], data: [0.9, 0.1, 0.7, 0.5, 0.51, 0.6, 0.2, 0, 1, 0.49, 0.3, 0])
    #expect(BernoulliPixels(fitting: gray).onProbability == [0.8, 0.4, 0.4, 0.2])
    #expect(gray.binarized().data == Self.fitted.data)
    var rng = RNG(seed: 1)
    #expect(BernoulliPixels(fitting: Tensor.uniform([10, 1, 28, 28], using: &rng)).parameterCount == 784)
  }

  /// −log p(x) by hand: for x = [1 0; 1 0], −(log 0.8 + log 0.6 + log 0.4 + log 0.8);
  /// for x = [0 1; 0 1], −(log 0.2 + log 0.4 + log 0.6 + log 0.2). The mean is their average.
  @Test func negativeLogLikelihoodByHand() {
    let model = BernoulliPixels(fitting: Self.fitted)
    let x = Tensor(shape: [2, 1, 2, 2], data: [1, 0, 1, 0, 0, 1, 0, 1])
    let first = -(log(0.8) + log(0.6) + log(0.4) + log(0.8))
    let second = -(log(0.2) + log(0.4) + log(0.6) + log(0.2))
    let each = model.negativeLogLikelihoods(x)
    #expect(abs(each[0] - first) <= 1e-12 && abs(each[1] - second) <= 1e-12, "\(each) vs \([first, second])")
    #expect(abs(model.negativeLogLikelihood(x) - (first + second) / 2) <= 1e-12)
    // A gray image scores as its binarized self.
    let gray = Tensor(shape: [1, 1, 2, 2], data: [0.8, 0.3, 0.6, 0.4])
    #expect(abs(model.negativeLogLikelihood(gray) - first) <= 1e-12)
  }

  /// Over many samples each pixel is on with frequency p_j, within 4.5 standard errors
  /// √(p(1−p)/n); samples are 0/1 and shaped like the images.
  @Test func samplesFollowTheFittedProbabilities() {
    var rng = RNG(seed: 2)
    let model = BernoulliPixels(onProbability: (0..<784).map { 0.02 + 0.96 * Double($0 % 29) / 28 })
    let n = 2000
    let samples = model.sample(n, using: &rng)
    #expect(samples.shape == [n, 1, 28, 28])
    #expect(samples.data.allSatisfy { $0 == 0 || $0 == 1 })
    var worst = (z: 0.0, pixel: 0)
    for j in 0..<784 {
      var ones = 0.0
      for i in 0..<n { ones += Double(samples.data[i * 784 + j]) }
      let p = model.onProbability[j]
      let z = abs(ones / Double(n) - p) / (p * (1 - p) / Double(n)).squareRoot()
      if z > worst.z { worst = (z, j) }
    }
    #expect(worst.z < 4.5, "pixel \(worst.pixel): frequency off p = \(model.onProbability[worst.pixel]) by \(worst.z) standard errors")
    // Fitting the samples gives back p within the same bands (and the smoothing's 1/(n+2)).
    let refit = BernoulliPixels(fitting: samples)
    let largest = zip(refit.onProbability, model.onProbability).map { abs($0 - $1) }.max()!
    #expect(largest < 4.5 * (0.25 / Double(n)).squareRoot() + 1.0 / Double(n + 2))
  }
}
