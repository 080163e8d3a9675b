import Core
import Foundation

/// How per-element losses ℓᵢ are combined into one number.
///
/// - `mean`: (1/count) Σᵢ ℓᵢ over every element (PyTorch's `reduction='mean'`).
/// - `sum`: Σᵢ ℓᵢ.
/// - `batchMean`: (1/N) Σᵢ ℓᵢ with N the first dimension, the loss per example
///   (a VAE's reconstruction term summed over pixels, averaged over the batch).
///
/// For `softmaxCrossEntropy` there is one loss per row, so `mean` and `batchMean` agree.
public enum Reduction: Sendable {
  case mean, sum, batchMean

  /// The factor the summed loss (and each gradient element) is multiplied by.
  func scale(count: Int, batch: Int) -> Double {
    switch self {
    case .mean: return 1 / Double(max(count, 1))
    case .sum: return 1
    case .batchMean: return 1 / Double(max(batch, 1))
    }
  }
}

/// A loss and its gradient with respect to the loss function's input.
public struct LossValue {
  /// The reduced loss, accumulated in Double.
  public var value: Double
  /// dLoss/dInput, the same shape as the input (predictions or logits): what the
  /// last layer's `backward` takes.
  public var gradient: Tensor

  public init(value: Double, gradient: Tensor) {
    self.value = value
    self.gradient = gradient
  }
}

/// Loss functions with their gradients, each computed in one pass over the elements.
/// Sums are deterministic (a fixed order, no threads): see `blockedSum`.
public enum Losses {
  /// Σᵢ ℓᵢ over `count` elements. `terms(range, ℓ)` writes ℓᵢ for i in `range` (at most
  /// 1024 elements) to ℓ[0..<range.count], in a plain loop the compiler vectorises
  /// (a running Double sum inside it would keep it scalar). Each block is then summed in
  /// 16 Float lanes (≤ 64 terms per lane) and the blocks in Double, in a fixed order.
  @inline(__always)
  static func blockedSum(count: Int, _ terms: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> Double {
    let blockSize = 1024
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: blockSize) { block in
      let losses = block.baseAddress!
      var total = 0.0
      for start in stride(from: 0, to: count, by: blockSize) {
        let range = start..<Swift.min(count, start + blockSize)
        terms(range, losses)
        var lanes = SIMD16<Float>(repeating: 0)
        var j = 0
        while j + 16 <= range.count {
          lanes += UnsafeRawPointer(losses + j).loadUnaligned(as: SIMD16<Float>.self)
          j += 16
        }
        var rest: Float = 0
        while j < range.count { rest += losses[j]; j += 1 }
        total += Double(lanes.sum()) + Double(rest)
      }
      return total
    }
  }

  /// Squared error.
  ///
  ///     ℓᵢ = (pᵢ − tᵢ)²          dℓᵢ/dpᵢ = 2·(pᵢ − tᵢ)      (then × the reduction's scale)
  ///
  /// `prediction` and `target` have the same shape, any rank.
  public static func meanSquaredError(_ prediction: Tensor, _ target: Tensor,
                                      reduction: Reduction = .mean) -> LossValue {
    precondition(prediction.shape == target.shape,
                 "Losses.meanSquaredError: prediction has shape \(prediction.shape), target \(target.shape)")
    let scale = reduction.scale(count: prediction.count, batch: prediction.shape.first ?? 1)
    let gradientScale = Float(2 * scale)
    var total = 0.0
    let gradient = Tensor(filling: prediction.shape) { g in
      prediction.withUnsafeBufferPointer { p in
        target.withUnsafeBufferPointer { t in
          total = Self.blockedSum(count: p.count) { range, losses in
            squaredErrorTerms(p.baseAddress! + range.lowerBound, t.baseAddress! + range.lowerBound,
                              gradient: g.baseAddress! + range.lowerBound, losses: losses,
                              count: range.count, gradientScale: gradientScale)
          }
        }
      }
    }
    return LossValue(value: total * scale, gradient: gradient)
  }

  /// Binary cross-entropy of targets y ∈ [0, 1] given logits l (σ(l) the predicted
  /// probability), without forming σ(l):
  ///
  ///     ℓ = −[y·log σ(l) + (1 − y)·log(1 − σ(l))] = max(l, 0) − l·y + log(1 + e^(−|l|))
  ///     dℓ/dl = σ(l) − y                                    (then × the reduction's scale)
  ///
  /// Stable for any logit: e^(−|l|) ≤ 1 never overflows, and log(1 + ·) is `log1p`,
  /// exact when e^(−|l|) is tiny. The naive form takes log 0 = −∞ once σ(l) rounds
  /// to 0 or 1 (|l| ≳ 17 in Float). σ(l) is formed from the same e = e^(−|l|):
  /// 1/(1 + e) for l ≥ 0, e/(1 + e) for l < 0. Shapes of `logits` and `targets` match.
  /// Runs 16 elements at a time (`FastMath.exp`, `FastMath.log1pUnit`, so the loop vectorises).
  public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor,
                                                  reduction: Reduction = .mean) -> LossValue {
    precondition(logits.shape == targets.shape,
                 "Losses.binaryCrossEntropyWithLogits: logits have shape \(logits.shape), targets \(targets.shape)")
    let scale = reduction.scale(count: logits.count, batch: logits.shape.first ?? 1)
    let gradientScale = Float(scale)
    var total = 0.0
    let gradient = Tensor(filling: logits.shape) { g in
      logits.withUnsafeBufferPointer { l in
        targets.withUnsafeBufferPointer { y in
          total = Self.blockedSum(count: l.count) { range, losses in
            binaryCrossEntropyTerms(l.baseAddress! + range.lowerBound, y.baseAddress! + range.lowerBound,
                                    gradient: g.baseAddress! + range.lowerBound, losses: losses,
                                    count: range.count, gradientScale: gradientScale)
          }
        }
      }
    }
    return LossValue(value: total * scale, gradient: gradient)
  }

  /// ℓᵢ = (pᵢ − tᵢ)² and gᵢ = scale·2(pᵢ − tᵢ) for `count` elements. A function of plain
  /// pointers (not a closure over buffers), so the compiler vectorises the loop.
  private static func squaredErrorTerms(_ p: UnsafePointer<Float>, _ t: UnsafePointer<Float>,
                                        gradient g: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
                                        count: Int, gradientScale: Float) {
    for i in 0..<count {
      let difference = p[i] - t[i]
      g[i] = gradientScale * difference
      losses[i] = difference * difference
    }
  }

  /// ℓᵢ = max(l, 0) − l·y + log(1 + e^(−|l|)) and gᵢ = scale·(σ(l) − y) for `count`
  /// elements, in a loop the compiler vectorises (see `squaredErrorTerms`).
  private static func binaryCrossEntropyTerms(_ l: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                              gradient g: UnsafeMutablePointer<Float>,
                                              losses: UnsafeMutablePointer<Float>,
                                              count: Int, gradientScale: Float) {
    for i in 0..<count {
      let logit = l[i]
      let e = FastMath.exp(-abs(logit))                                // e^(−|l|) ≤ 1
      let inverse = 1 / (1 + e)
      let probability = logit < 0 ? e * inverse : inverse               // σ(l)
      g[i] = gradientScale * (probability - y[i])
      losses[i] = max(logit, 0) - logit * y[i] + FastMath.log1pUnit(e)
    }
  }

  /// log p(x | logits) of each row under independent Bernoullis, in nats:
  /// Σ_j [y_j·log σ(l_j) + (1 − y_j)·log(1 − σ(l_j))] = −Σ_j [max(l,0) − l·y + log(1 + e^(−|l|))].
  /// With gray targets y ∈ [0, 1] this is the (negative) cross-entropy most tutorials use.
  /// Shapes: logits and targets [N, M] (or any shapes with N rows and the same count) → N values.
  public static func bernoulliLogLikelihood(logits: Tensor, targets: Tensor) -> [Double] {
    let n = logits.shape[0], width = logits.count / Swift.max(n, 1)
    precondition(targets.count == logits.count, "Losses.bernoulliLogLikelihood: logits \(logits.shape) vs targets \(targets.shape)")
    return (0..<n).map { i in
      var total = 0.0
      for j in (i * width)..<((i + 1) * width) {
        let l = Double(logits.data[j]), y = Double(targets.data[j])
        total -= Swift.max(l, 0) - l * y + log1p(exp(-abs(l)))
      }
      return total
    }
  }

  /// Cross-entropy of integer labels under a softmax over each row of logits.
  ///
  ///     log Zₙ = m + log Σ_k e^(l[n,k] − m),  m = max_k l[n,k]     (log-sum-exp, no overflow)
  ///     ℓₙ = log Zₙ − l[n, yₙ]
  ///     dℓₙ/dl[n,k] = softmax(lₙ)[k] − [k = yₙ] = e^(l[n,k] − log Zₙ) − onehot
  ///
  /// `logits` is [N, K]; `labels` holds N class indices in 0..<K. `mean` and
  /// `batchMean` both divide by N (one loss per row).
  public static func softmaxCrossEntropy(_ logits: Tensor, labels: [Int],
                                         reduction: Reduction = .mean) -> LossValue {
    precondition(logits.rank == 2,
                 "Losses.softmaxCrossEntropy: logits must be [N, K], got shape \(logits.shape)")
    let (batch, classes) = (logits.shape[0], logits.shape[1])
    precondition(labels.count == batch,
                 "Losses.softmaxCrossEntropy: \(labels.count) labels for logits of shape \(logits.shape)")
    let scale = reduction.scale(count: batch, batch: batch)
    let gradientScale = Float(scale)
    var total = 0.0
    let gradient = Tensor(filling: logits.shape) { g in
      logits.withUnsafeBufferPointer { l in
        for n in 0..<batch {
          let label = labels[n]
          precondition(label >= 0 && label < classes,
                       "Losses.softmaxCrossEntropy: label \(label) of row \(n) is outside 0..<\(classes)")
          let row = n * classes
          var largest = -Float.infinity
          for k in 0..<classes { largest = max(largest, l[row + k]) }
          var sum: Float = 0
          for k in 0..<classes { sum += exp(l[row + k] - largest) }
          let logNormalizer = largest + log(sum)
          total += Double(logNormalizer - l[row + label])
          for k in 0..<classes {
            g[row + k] = gradientScale * (exp(l[row + k] - logNormalizer) - (k == label ? 1 : 0))
          }
        }
      }
    }
    return LossValue(value: total * scale, gradient: gradient)
  }
}
