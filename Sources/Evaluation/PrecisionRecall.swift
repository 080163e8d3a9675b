import Core
import Foundation

extension SampleDistance {
  /// Improved precision and recall (Kynkäänniemi, Karras, Laine, Lehtinen & Aila 2019)
  /// between real feature vectors `real` [N, d] and generated ones `generated` [M, d].
  ///
  /// Each set stands for its distribution's support as a union of balls: around every
  /// point, the ball reaching its k-th nearest neighbour within the same set. Then
  ///
  ///     precision = the fraction of generated points inside some real point's ball
  ///                 (how much of what the model draws looks like the data: quality)
  ///     recall    = the fraction of real points inside some generated point's ball
  ///                 (how much of the data the model can draw: coverage)
  ///
  /// A GAN that draws a few classes well has high precision and low recall; a model whose
  /// samples are blurry or noisy everywhere, the other way round. Distances are Euclidean,
  /// in Double; the work is O((N + M)²·d). Ties on the radius count as inside.
  public static func precisionRecall(real: Tensor, generated: Tensor, k: Int = 3) -> (precision: Double, recall: Double) {
    precondition(real.rank == 2 && generated.rank == 2 && real.shape[1] == generated.shape[1],
                 "SampleDistance.precisionRecall: needs [N, d] and [M, d] with the same d, got \(real.shape) and \(generated.shape)")
    precondition(k >= 1 && real.shape[0] > k && generated.shape[0] > k,
                 "SampleDistance.precisionRecall: each set needs more than k = \(k) points, got \(real.shape[0]) and \(generated.shape[0])")
    let realRadii = kthNeighbourDistances(real, k: k)
    let generatedRadii = kthNeighbourDistances(generated, k: k)
    let precision = coveredFraction(generated, by: real, radii: realRadii)
    let recall = coveredFraction(real, by: generated, radii: generatedRadii)
    return (precision, recall)
  }

  /// The squared distance from each row of `x` to its k-th nearest other row.
  static func kthNeighbourDistances(_ x: Tensor, k: Int) -> [Double] {
    let distances = squaredDistances(x, x)
    let n = x.shape[0]
    return rowsInParallel(n) { i in
      var row = Array(distances[(i * n)..<((i + 1) * n)])
      row.remove(at: i)                 // the point itself
      row.sort()
      return row[k - 1]
    }
  }

  /// The fraction of rows of `points` within the ball (squared radius `radii[j]`) of some row j of `centres`.
  static func coveredFraction(_ points: Tensor, by centres: Tensor, radii: [Double]) -> Double {
    let distances = squaredDistances(points, centres)
    let (n, m) = (points.shape[0], centres.shape[0])
    let inside = rowsInParallel(n) { i -> Double in
      for j in 0..<m where distances[i * m + j] <= radii[j] { return 1 }
      return 0
    }
    return inside.reduce(0, +) / Double(n)
  }

  /// ‖aᵢ − bⱼ‖² for every pair, [N·M] row-major, in Double.
  static func squaredDistances(_ a: Tensor, _ b: Tensor) -> [Double] {
    let (n, m, d) = (a.shape[0], b.shape[0], a.shape[1])
    let x = a.data.map(Double.init), y = b.data.map(Double.init)
    var out = [Double](repeating: 0, count: n * m)
    out.withUnsafeMutableBufferPointer { out in
      let out = out
      Parallel.forEach(n) { i in
        for j in 0..<m {
          var sum = 0.0
          for c in 0..<d {
            let difference = x[i * d + c] - y[j * d + c]
            sum += difference * difference
          }
          out[i * m + j] = sum
        }
      }
    }
    return out
  }

  /// [f(0), …, f(n − 1)], the rows computed in parallel (each writes its own slot).
  static func rowsInParallel(_ n: Int, _ f: (Int) -> Double) -> [Double] {
    var out = [Double](repeating: 0, count: n)
    out.withUnsafeMutableBufferPointer { out in
      let out = out
      Parallel.forEach(n) { i in out[i] = f(i) }
    }
    return out
  }
}
