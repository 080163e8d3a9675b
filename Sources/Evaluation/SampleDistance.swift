import Core

/// How far apart two sets of points are, as a number: for judging generated samples
/// against held-out data when there is no likelihood to compute (GANs, diffusion).
public enum SampleDistance {
  /// The squared energy distance (Székely & Rizzo) between the empirical distributions
  /// of the rows of `a` [N, d] and `b` [M, d]:
  ///
  ///     D² = 2·E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖
  ///        = 2/(N·M)·Σᵢ Σⱼ ‖aᵢ − bⱼ‖ − 1/N²·Σᵢ Σᵢ′ ‖aᵢ − aᵢ′‖ − 1/M²·Σⱼ Σⱼ′ ‖bⱼ − bⱼ′‖
  ///
  /// over all pairs, the pairs of a point with itself included (the V-statistic), so
  /// D² ≥ 0 always and D² = 0 only for identical sets. It is 0 between two
  /// distributions only when they are equal; for two samples of the same distribution
  /// it is small but positive, of order 1/N (the floor a generator cannot beat).
  /// Units: those of the points (a length). Accumulated in Double; O((N + M)²·d).
  public static func energyDistance(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1],
                 "SampleDistance.energyDistance: needs [N, d] and [M, d] with the same d, got \(a.shape) and \(b.shape)")
    precondition(a.shape[0] > 0 && b.shape[0] > 0,
                 "SampleDistance.energyDistance: needs at least one point in each set, got \(a.shape) and \(b.shape)")
    let between = meanPairDistance(a, b, same: false)
    let withinA = meanPairDistance(a, a, same: true)
    let withinB = meanPairDistance(b, b, same: true)
    return 2 * between - withinA - withinB
  }

  /// (1/(N·M))·Σᵢ Σⱼ ‖aᵢ − bⱼ‖ in Double. With `same` (a and b the same set), each
  /// unordered pair is visited once and counted twice; the diagonal is 0.
  static func meanPairDistance(_ a: Tensor, _ b: Tensor, same: Bool) -> Double {
    let (n, m, d) = (a.shape[0], b.shape[0], a.shape[1])
    let x = a.data.map(Double.init), y = b.data.map(Double.init)
    var total = 0.0
    for i in 0..<n {
      var row = 0.0
      for j in (same ? i + 1 : 0)..<m {
        var squared = 0.0
        for k in 0..<d {
          let difference = x[i * d + k] - y[j * d + k]
          squared += difference * difference
        }
        row += squared.squareRoot()
      }
      total += row
    }
    return (same ? 2 * total : total) / (Double(n) * Double(m))
  }
}
