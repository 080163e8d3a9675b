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
