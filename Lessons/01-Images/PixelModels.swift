// The independent-pixel models of lesson 01, fitted by counting, and how their
// negative log-likelihood is printed.
import Foundation
import GenLab

/// Pixels in a Fashion-MNIST image: 28 × 28.
let pixelCount = 28 * 28

// MARK: - The independent-pixel models

// `BernoulliPixels`, p(x) = Π_j p_jˣʲ (1 − p_j)¹⁻ˣʲ fitted by counting, lives in
// Sources/Models/IndependentPixels.swift: the capstone (lesson 11) scores it too.

/// p(x) = Π_j π_j[x_j] over the 256 grey levels, π_j fitted by counting with add-one
/// smoothing: π_j[v] = (count_j[v] + 1) / (N + 256).
struct CategoricalPixels {
  /// log π_j[v] at j·256 + v.
  var logProbability: [Double]
  /// Cumulative π_j, for sampling.
  var cumulative: [Double]

  init(fitting images: Tensor, dims: Int, weights: [Double]? = nil) {
    let n = images.shape[0]
    var counts = [Double](repeating: 1, count: dims * 256)       // add-one smoothing
    for i in 0..<n {
      for j in 0..<dims { counts[j * 256 + level(images.data[i * dims + j])] += 1 }
    }
    logProbability = counts
    cumulative = counts
    let total = Double(n) + 256
    for j in 0..<dims {
      var running = 0.0
      for v in 0..<256 {
        let p = counts[j * 256 + v] / total
        logProbability[j * 256 + v] = log(p)
        running += p
        cumulative[j * 256 + v] = running
      }
    }
  }

  /// log p(x) of image `i` of `images`.
  func logLikelihood(_ images: Tensor, _ i: Int) -> Double {
    let dims = logProbability.count / 256
    var total = 0.0
    for j in 0..<dims { total += logProbability[j * 256 + level(images.data[i * dims + j])] }
    return total
  }

  func negativeLogLikelihood(_ images: Tensor) -> Double {
    let n = images.shape[0]
    return -(0..<n).reduce(0.0) { $0 + logLikelihood(images, $1) } / Double(n)
  }

  func sample(_ count: Int, using rng: inout RNG) -> Tensor {
    var out = Tensor(zeros: [count, 1, 28, 28])
    for i in 0..<count { fill(&out, image: i, using: &rng) }
    return out
  }

  /// Draws every pixel of image `i` of `out` by inverting the cumulative distribution.
  func fill(_ out: inout Tensor, image i: Int, using rng: inout RNG) {
    let dims = logProbability.count / 256
    for j in 0..<dims {
      let u = rng.uniformDouble() * cumulative[j * 256 + 255]
      var v = 0
      while v < 255 && cumulative[j * 256 + v] < u { v += 1 }
      out.data[i * dims + j] = Float(v) / 255
    }
  }
}

/// p(x) = Σ_c π_c p_c(x), one CategoricalPixels per class; log p(x) by log-sum-exp.
struct ClassMixture {
  var components: [CategoricalPixels]
  var logWeight: [Double]
  var weight: [Double]

  init(fitting split: FashionMNIST.Split, dims: Int) {
    components = (0..<10).map { c in
      CategoricalPixels(fitting: split.images.gather(split.labels.indices.filter { split.labels[$0] == c }),
                        dims: dims)
    }
    weight = (0..<10).map { c in Double(split.labels.filter { $0 == c }.count) / Double(split.count) }
    logWeight = weight.map { log($0) }
  }

  func negativeLogLikelihood(_ images: Tensor) -> Double {
    let n = images.shape[0]
    var total = 0.0
    for i in 0..<n {
      let terms = (0..<10).map { logWeight[$0] + components[$0].logLikelihood(images, i) }
      let top = terms.max()!
      total -= top + log(terms.reduce(0.0) { $0 + exp($1 - top) })
    }
    return total / Double(n)
  }

  func sample(_ count: Int, using rng: inout RNG) -> Tensor {
    var out = Tensor(zeros: [count, 1, 28, 28])
    for i in 0..<count {
      // Pick a class by its weight, then every pixel from that class's model.
      var u = rng.uniformDouble(), c = 0
      while c < 9 && u >= weight[c] { u -= weight[c]; c += 1 }
      components[c].fill(&out, image: i, using: &rng)
    }
    return out
  }
}

/// The grey level 0…255 of a pixel value in [0, 1].
func level(_ value: Float) -> Int { Int((value * 255).rounded()) }

// MARK: - Negative log-likelihood, in nats and bits

/// nats per image / (784 · ln 2): the same number per pixel and in bits.
func bitsPerPixel(nats: Double) -> Double { nats / (Double(pixelCount) * log(2)) }

/// Prints one model's test NLL in nats per image and bits per pixel, beside the uniform guess.
func printTestNLL(_ name: String, nats: Double, uniformBits: Double) {
  let padded = name.padding(toLength: 38, withPad: " ", startingAt: 0)
  let uniform = "\(Int(uniformBits)) bit\(uniformBits == 1 ? "" : "s")/pixel"
  print("\(padded) test NLL \(String(format: "%7.1f", nats)) nats/image = "
        + "\(String(format: "%.3f", bitsPerPixel(nats: nats))) bits/pixel  (uniform guess: \(uniform))")
}

/// A test NLL for the run's page: "1234.5 nats/image = 2.272 bits/pixel".
func nllText(_ nats: Double) -> String {
  String(format: "%.1f nats/image = %.3f bits/pixel", nats, bitsPerPixel(nats: nats))
}
