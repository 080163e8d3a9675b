import ArgumentParser
import Foundation
import GenLab

/// The toy data the GAN learns.
enum Dataset: String, ExpressibleByArgument, CaseIterable {
  case ring, grid

  /// N points of the set; `seed` picks them (the same seed, the same points).
  func sample(count: Int, seed: UInt64) -> Tensor {
    (self == .ring ? ToySet.eightGaussians : .grid).sample(count: count, seed: seed)
  }

  /// The mixture's centres and its σ (the same for every mode).
  var modes: (centres: [(x: Float, y: Float)], std: Float) {
    switch self {
    case .ring: return (Toy2D.eightGaussianCentres(), 0.02)
    case .grid: return (Toy2D.gridCentres(), 0.05)
    }
  }

  var title: String {
    switch self {
    case .ring: return "8 Gaussians on a ring (radius 2, σ 0.02)"
    case .grid: return "25 Gaussians on a 5×5 grid (spacing 1, σ 0.05)"
    }
  }
}

/// The second, contrasting setting the lesson trains beside the working one.
enum Contrast: String, ExpressibleByArgument, CaseIterable {
  /// The same GAN with the generator minimising log(1 − D(G(z))), the minimax game as written.
  case saturating
  /// The same GAN with a generator that learns 10× faster than its discriminator.
  case fastGenerator = "fast-generator"
}

/// One GAN to train: its objective and learning rates.
struct Setting {
  var name: String            // "working" / "collapsing": names in files, metrics and the checkpoint
  var title: String           // for people
  var objective: GeneratorObjective
  var generatorLearningRate: Float
  var discriminatorLearningRate: Float
}

extension Setting {
  /// The working GAN and the one that shows mode collapse, in this order.
  static func pair(contrast: Contrast, learningRate: Float) -> [Setting] {
    let working = Setting(name: "working", title: "non-saturating, equal learning rates",
                          objective: .nonSaturating, generatorLearningRate: learningRate,
                          discriminatorLearningRate: learningRate)
    var collapsing = working
    collapsing.name = "collapsing"
    switch contrast {
    case .saturating:
      collapsing.title = "saturating objective (minimax as written)"
      collapsing.objective = .saturating
    case .fastGenerator:
      collapsing.title = "generator learning 10× faster than D"
      collapsing.generatorLearningRate = 10 * learningRate
    }
    return [working, collapsing]
  }
}

/// How well generated points cover the mixture's modes.
///
/// A generated point is *high quality* when it lies within 3σ of its nearest mode
/// centre (σ the data's standard deviation), as in the VEEGAN and PacGAN papers. It
/// *lands on* its nearest mode when it lies within 6σ (ring: 0.12, a thirteenth of the
/// distance between neighbouring modes; grid: 0.3). Mode k is *covered* when at least a
/// quarter of its fair share, 1/(4K) of all generated points, land on it (ring: 3.125 %
/// of 2,500 = 79 points; grid: 1 %, 25 points): a generator that only passes by a mode
/// on its way to another, or sits near it but off it, does not cover it.
struct Coverage {
  var landed: [Int]            // points within 6σ, per mode
  var highQuality: Int         // points within 3σ of their nearest mode
  var total: Int

  static let thresholdShareOfFair: Double = 0.25
  static let highQualityRadius: Float = 3      // in σ
  static let landingRadius: Float = 6          // in σ

  init(points: Tensor, centres: [(x: Float, y: Float)], std: Float) {
    landed = [Int](repeating: 0, count: centres.count)
    highQuality = 0
    let quality = (Self.highQualityRadius * std) * (Self.highQualityRadius * std)
    let landing = (Self.landingRadius * std) * (Self.landingRadius * std)
    for n in 0..<points.shape[0] {
      let x = points.data[2 * n], y = points.data[2 * n + 1]
      var best = Float.infinity, nearest = 0
      for (k, centre) in centres.enumerated() {
        let d = (x - centre.x) * (x - centre.x) + (y - centre.y) * (y - centre.y)
        if d < best { best = d; nearest = k }
      }
      if best <= landing { landed[nearest] += 1 }
      if best <= quality { highQuality += 1 }
    }
    total = points.shape[0]
  }

  /// The fewest points a covered mode has landed on it.
  var needed: Int { Int((Double(total) * Self.thresholdShareOfFair / Double(landed.count)).rounded(.up)) }
  var modesCovered: Int { landed.filter { $0 >= needed }.count }
  var highQualityShare: Double { Double(highQuality) / Double(max(total, 1)) }
}
