import ArgumentParser
import Foundation
import GenLab

/// The 2-D data the diffusion model learns.
enum Dataset: String, ExpressibleByArgument, CaseIterable {
  case swissRoll = "swiss-roll"
  case eightGaussians = "eight-gaussians"

  /// N points of the set in its own coordinates; `seed` picks them (the same seed, the same points).
  func sample(count: Int, seed: UInt64) -> Tensor {
    (self == .swissRoll ? ToySet.swissRoll : .eightGaussians).sample(count: count, seed: seed)
  }

  /// The network sees x / scale: the root mean square of one coordinate, so the data has
  /// about the unit scale of the noise it is mixed with. Swiss roll: measured on 10⁷
  /// points (numpy), 1.068 (the roll in `Toy2D` is already rescaled by 1/6.5); eight
  /// Gaussians: √(r²/2 + σ²) = √(2 + 0.02²) = 1.4143.
  var scale: Float {
    switch self {
    case .swissRoll: return 1.068
    case .eightGaussians: return 1.4143
    }
  }

  var title: String {
    switch self {
    case .swissRoll: return "a swiss roll (one and a half turns, radius 0.72 to 2.17, noise σ 0.05)"
    case .eightGaussians: return "8 Gaussians on a ring (radius 2, σ 0.02)"
    }
  }

  /// Where along the data a point lies, in [0, 1], for colouring: the swiss roll's
  /// position t (1.5π … 4.5π) of the nearest of `reference`'s points; the ring's angle,
  /// turned by half a mode (π/8) so that no mode sits where the colours wrap round.
  func hues(of points: Tensor, reference: (points: Tensor, positions: [Float])) -> [Float] {
    let count = points.shape[0]
    switch self {
    case .eightGaussians:
      return (0..<count).map { n in
        let angle = atan2(points.data[2 * n + 1], points.data[2 * n]) + .pi / 8
        return (angle < 0 ? angle + 2 * .pi : angle) / (2 * .pi)
      }
    case .swissRoll:
      let p = points.data, r = reference.points.data, m = reference.points.shape[0]
      return (0..<count).map { n in
        var best = Float.infinity, nearest = 0
        for j in 0..<m {
          let dx = p[2 * n] - r[2 * j], dy = p[2 * n + 1] - r[2 * j + 1]
          let d = dx * dx + dy * dy
          if d < best { best = d; nearest = j }
        }
        return (reference.positions[nearest] - 1.5 * .pi) / (3 * .pi)
      }
    }
  }

  /// Held-out points with the positions `hues` needs (the swiss roll's own t; the ring's angle
  /// is computed from the point, so its positions are unused).
  func heldOut(count: Int, seed: UInt64) -> (points: Tensor, positions: [Float]) {
    switch self {
    case .swissRoll:
      let roll = Toy2D.swissRoll(count: count, seed: seed)
      return (roll.points, roll.position)
    case .eightGaussians:
      return (Toy2D.eightGaussians(count: count, seed: seed).points, [])
    }
  }
}

extension NoiseSchedule.Kind: ExpressibleByArgument {}
