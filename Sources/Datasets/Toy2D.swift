import Core
import Foundation

/// Two-dimensional toy distributions for GANs and diffusion on the plane.
///
/// Each generator takes a seed and returns N points as a tensor N×2 (x, y). All four
/// live in roughly [−2.2, 2.2]², so one plot range fits them all. Points are drawn
/// one after another from `RNG(seed: seed)`; for each point the component (mode,
/// moon) is drawn first, then its position, so the same seed gives the same points
/// on every machine, and the first k points of N are the k points of a smaller call.
public enum Toy2D {
  /// Points and the component each came from.
  public struct Labeled: Sendable {
    /// N×2.
    public var points: Tensor
    /// N component indices (mode of a mixture, or which moon).
    public var labels: [Int]
  }

  /// A mixture of 8 equally likely Gaussians on a circle (the mode-collapse test of
  /// Metz et al., 2017, "Unrolled GANs"):
  ///
  ///     k ~ Uniform{0, …, 7},  μₖ = r·(cos 2πk/8, sin 2πk/8),  x ~ 𝒩(μₖ, σ²I)
  ///
  /// with r = `radius` = 2 and σ = `std` = 0.02: the modes are 2r·sin(π/8) ≈ 1.53
  /// apart, ~75σ, so a generator that covers only some of them is easy to see.
  /// Labels are k.
  public static func eightGaussians(count: Int, seed: UInt64, radius: Float = 2,
                                    std: Float = 0.02) -> Labeled {
    let centres = eightGaussianCentres(radius: radius)
    return mixture(count: count, seed: seed, centres: centres, std: std)
  }

  /// The 8 centres μₖ = r·(cos 2πk/8, sin 2πk/8), k = 0…7.
  public static func eightGaussianCentres(radius: Float = 2) -> [(x: Float, y: Float)] {
    (0..<8).map { k in
      let angle = 2 * Double.pi * Double(k) / 8
      return (Float(Double(radius) * cos(angle)), Float(Double(radius) * sin(angle)))
    }
  }

  /// A `side`×`side` grid of equally likely Gaussians (the "25 Gaussians" of the
  /// VEEGAN and PacGAN papers, rescaled):
  ///
  ///     (i, j) ~ Uniform{0, …, side−1}²,  μᵢⱼ = s·(i − (side−1)/2, j − (side−1)/2),  x ~ 𝒩(μᵢⱼ, σ²I)
  ///
  /// with side = 5, spacing s = 1 (centres at −2, −1, 0, 1, 2) and σ = `std` = 0.05,
  /// so neighbouring modes are 20σ apart. Labels are i·side + j (i picks x).
  public static func grid(count: Int, seed: UInt64, side: Int = 5, spacing: Float = 1,
                          std: Float = 0.05) -> Labeled {
    precondition(side >= 1, "Toy2D.grid: side \(side) must be ≥ 1")
    return mixture(count: count, seed: seed, centres: gridCentres(side: side, spacing: spacing), std: std)
  }

  /// The grid centres, label i·side + j at s·(i − (side−1)/2, j − (side−1)/2).
  public static func gridCentres(side: Int = 5, spacing: Float = 1) -> [(x: Float, y: Float)] {
    let middle = Float(side - 1) / 2
    return (0..<(side * side)).map { label in
      (spacing * (Float(label / side) - middle), spacing * (Float(label % side) - middle))
    }
  }

  /// Two interleaved half circles (as scikit-learn's `make_moons`, with t drawn at
  /// random rather than evenly spaced):
  ///
  ///     moon 0: (cos t, sin t)              t ~ Uniform[0, π)
  ///     moon 1: (1 − cos t, 1/2 − sin t)
  ///
  /// each point plus 𝒩(0, σ²I) noise with σ = `noise` = 0.1, then shifted by
  /// (−1/2, −1/4) and scaled by `scale` = 1.5 so the moons are centred on the origin
  /// within about [−2.3, 2.3] × [−1.3, 1.3]. Labels are the moon (each with probability ½).
  public static func twoMoons(count: Int, seed: UInt64, noise: Float = 0.1, scale: Float = 1.5) -> Labeled {
    precondition(count >= 0, "Toy2D.twoMoons: count \(count) must be ≥ 0")
    var rng = RNG(seed: seed)
    var values = [Float](repeating: 0, count: 2 * count)
    var labels = [Int](repeating: 0, count: count)
    for n in 0..<count {
      let moon = rng.int(below: 2)
      let t = Double.pi * rng.uniformDouble()
      var x = Float(cos(t)), y = Float(sin(t))
      if moon == 1 { x = 1 - x; y = 0.5 - y }
      x += noise * rng.normal()
      y += noise * rng.normal()
      values[2 * n] = scale * (x - 0.5)
      values[2 * n + 1] = scale * (y - 0.25)
      labels[n] = moon
    }
    return Labeled(points: Tensor(shape: [count, 2], data: values), labels: labels)
  }

  /// A 2-D Swiss roll (scikit-learn's `make_swiss_roll`, its x and z axes, rescaled):
  ///
  ///     t ~ Uniform[1.5π, 4.5π),  x = (t·cos t, t·sin t) / 6.5 + 𝒩(0, σ²I)
  ///
  /// with σ = `noise` = 0.05: a spiral of one and a half turns whose radius t/6.5 grows
  /// from 0.72 to 2.17, inside the same box as the other sets. Returns the points and
  /// each one's t (its place along the roll, useful for colouring).
  public static func swissRoll(count: Int, seed: UInt64, noise: Float = 0.05) -> (points: Tensor, position: [Float]) {
    precondition(count >= 0, "Toy2D.swissRoll: count \(count) must be ≥ 0")
    var rng = RNG(seed: seed)
    var values = [Float](repeating: 0, count: 2 * count)
    var positions = [Float](repeating: 0, count: count)
    for n in 0..<count {
      let t = 1.5 * Double.pi * (1 + 2 * rng.uniformDouble())
      values[2 * n] = Float(t * cos(t) / swissRollDivisor) + noise * rng.normal()
      values[2 * n + 1] = Float(t * sin(t) / swissRollDivisor) + noise * rng.normal()
      positions[n] = Float(t)
    }
    return (Tensor(shape: [count, 2], data: values), positions)
  }

  /// The roll's radius is t / 6.5: at most 4.5π/6.5 ≈ 2.17.
  static let swissRollDivisor = 6.5

  /// Draws from an equal-weight mixture of isotropic Gaussians 𝒩(centres[k], σ²I).
  static func mixture(count: Int, seed: UInt64, centres: [(x: Float, y: Float)], std: Float) -> Labeled {
    precondition(count >= 0, "Toy2D: count \(count) must be ≥ 0")
    var rng = RNG(seed: seed)
    var values = [Float](repeating: 0, count: 2 * count)
    var labels = [Int](repeating: 0, count: count)
    for n in 0..<count {
      let k = rng.int(below: centres.count)
      values[2 * n] = centres[k].x + std * rng.normal()
      values[2 * n + 1] = centres[k].y + std * rng.normal()
      labels[n] = k
    }
    return Labeled(points: Tensor(shape: [count, 2], data: values), labels: labels)
  }
}

/// The toy sets by name, for a lesson flag such as `--toy moons`.
public enum ToySet: String, CaseIterable, Sendable {
  case eightGaussians = "8gaussians"
  case grid = "grid"
  case twoMoons = "moons"
  case swissRoll = "swissroll"

  /// N×2 points of this set with its default parameters.
  public func sample(count: Int, seed: UInt64) -> Tensor {
    switch self {
    case .eightGaussians: return Toy2D.eightGaussians(count: count, seed: seed).points
    case .grid: return Toy2D.grid(count: count, seed: seed).points
    case .twoMoons: return Toy2D.twoMoons(count: count, seed: seed).points
    case .swissRoll: return Toy2D.swissRoll(count: count, seed: seed).points
    }
  }
}
