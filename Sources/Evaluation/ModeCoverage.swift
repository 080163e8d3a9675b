import Core

/// How well generated points cover the modes of a mixture of Gaussians in the plane (lesson 06).
///
/// A generated point is *high quality* when it lies within 3σ of its nearest mode
/// centre (σ the data's standard deviation), as in the VEEGAN and PacGAN papers. It
/// *lands on* its nearest mode when it lies within 6σ (ring: 0.12, a thirteenth of the
/// distance between neighbouring modes; grid: 0.3). Mode k is *covered* when at least a
/// quarter of its fair share, 1/(4K) of all generated points, land on it (ring: 3.125 %
/// of 2,500 = 79 points; grid: 1 %, 25 points): a generator that only passes by a mode
/// on its way to another, or sits near it but off it, does not cover it.
public struct ModeCoverage: Sendable {
  /// Points within 6σ, per mode.
  public var landed: [Int]
  /// Points within 3σ of their nearest mode.
  public var highQuality: Int
  public var total: Int

  public static let thresholdShareOfFair: Double = 0.25
  public static let highQualityRadius: Float = 3      // in σ
  public static let landingRadius: Float = 6          // in σ

  /// `points` [N, 2]; the mixture's mode `centres` and its σ (the same for every mode).
  public init(points: Tensor, centres: [(x: Float, y: Float)], std: Float) {
    precondition(points.rank == 2 && points.shape[1] == 2, "ModeCoverage: points must be N×2, got \(points.shape)")
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
  public var needed: Int { Int((Double(total) * Self.thresholdShareOfFair / Double(landed.count)).rounded(.up)) }
  public var modesCovered: Int { landed.filter { $0 >= needed }.count }
  public var highQualityShare: Double { Double(highQuality) / Double(max(total, 1)) }
}
