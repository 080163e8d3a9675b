import Core

/// Seeded mini-batches over the items 0..<itemCount: a collection of index arrays.
///
/// The order of epoch e is the Fisher–Yates permutation drawn from
/// `RNG(seed: seed, stream: Batches.streamBase + e)`. It depends on nothing else, so it
/// is the same on every machine and a run resumed at epoch e (or at batch b of it:
/// `batches.dropFirst(b)`) sees exactly the batches it would have seen. The stream
/// numbers start at `streamBase` so they do not coincide with the small stream
/// numbers that initialisation and noise use with the same seed.
///
///     for epoch in 0..<epochs {
///       for indices in Batches(itemCount: data.train.count, batchSize: 64, seed: seed, epoch: epoch) {
///         let (x, y) = data.train.batch(indices)      // 64×1×28×28, 64 labels
///       }
///     }
///
/// Batch b holds `order[b·B ..< min((b+1)·B, N)]`; with `dropLast` the last,
/// smaller batch is left out (every batch then has exactly B items). As a collection
/// its `count` is the number of batches; `itemCount` is N.
public struct Batches: RandomAccessCollection, Sendable {
  /// N, the number of items.
  public let itemCount: Int
  /// B, the items per batch.
  public let batchSize: Int
  public let seed: UInt64
  public let epoch: Int
  public let dropLast: Bool
  /// The epoch's order of all N items (0..<N itself when not shuffled).
  public let order: [Int]

  /// First RNG stream used for batch orders ("BA7C…"); epoch e uses `streamBase + e`.
  public static let streamBase: UInt64 = 0xBA7C_0000_0000_0000

  /// - Parameters:
  ///   - shuffled: false keeps the items in order (for evaluation); seed and epoch are then unused.
  public init(itemCount: Int, batchSize: Int, seed: UInt64, epoch: Int = 0,
              dropLast: Bool = false, shuffled: Bool = true) {
    precondition(itemCount >= 0, "Batches: item count \(itemCount) must be ≥ 0")
    precondition(batchSize >= 1, "Batches: batch size \(batchSize) must be ≥ 1")
    precondition(epoch >= 0, "Batches: epoch \(epoch) must be ≥ 0")
    self.itemCount = itemCount
    self.batchSize = batchSize
    self.seed = seed
    self.epoch = epoch
    self.dropLast = dropLast
    if shuffled {
      var rng = RNG(seed: seed, stream: Batches.streamBase &+ UInt64(epoch))
      order = rng.permutation(itemCount)
    } else {
      order = Array(0..<itemCount)
    }
  }

  public var startIndex: Int { 0 }
  /// The number of batches: ⌈N/B⌉, or ⌊N/B⌋ with `dropLast`.
  public var endIndex: Int { dropLast ? itemCount / batchSize : (itemCount + batchSize - 1) / batchSize }

  /// The item indices of batch `batch`.
  public subscript(batch: Int) -> [Int] {
    precondition(batch >= 0 && batch < endIndex, "Batches: batch \(batch) out of 0..<\(endIndex)")
    let start = batch * batchSize
    return Array(order[start..<Swift.min(start + batchSize, itemCount)])
  }
}

extension Batches {
  /// Gathers a batch: the rows `indices` of `items` (along its first axis) and their labels.
  public static func gather(_ items: Tensor, labels: [Int], _ indices: [Int]) -> (items: Tensor, labels: [Int]) {
    precondition(items.rank >= 1 && items.shape[0] == labels.count,
                 "Batches.gather: \(items.shape) items but \(labels.count) labels")
    return (items.gather(indices), indices.map { labels[$0] })
  }
}

/// The batches of a run that counts steps over a shuffled training set: step s (from 1)
/// takes batch (s − 1) mod P of epoch ⌊(s − 1) / P⌋, P batches an epoch. A step's batch
/// depends only on (seed, s), so a run resumed at any step sees the batches it would have seen.
///
///     var batches = StepBatches(itemCount: 60_000, batchSize: 64, seed: seed)
///     let x = images.gather(batches.indices(step: step))
public struct StepBatches: Sendable {
  public let itemCount: Int
  public let batchSize: Int
  public let seed: UInt64
  public let dropLast: Bool
  /// P, the batches of an epoch.
  public let perEpoch: Int
  private var current: Batches?

  /// `dropLast` (the default) leaves out an epoch's last, smaller batch.
  public init(itemCount: Int, batchSize: Int, seed: UInt64, dropLast: Bool = true) {
    precondition(itemCount >= batchSize || !dropLast,
                 "StepBatches: batch \(batchSize) is larger than the \(itemCount) items")
    self.itemCount = itemCount
    self.batchSize = batchSize
    self.seed = seed
    self.dropLast = dropLast
    perEpoch = Batches(itemCount: itemCount, batchSize: batchSize, seed: seed, dropLast: dropLast, shuffled: false).count
  }

  /// The epoch (from 0) that step `step` (from 1) falls in.
  public func epoch(step: Int) -> Int { (step - 1) / perEpoch }

  /// The item indices of step `step`'s batch (the epoch's order is drawn once and kept).
  public mutating func indices(step: Int) -> [Int] {
    let epoch = epoch(step: step)
    if current?.epoch != epoch {
      current = Batches(itemCount: itemCount, batchSize: batchSize, seed: seed, epoch: epoch, dropLast: dropLast)
    }
    return current![(step - 1) % perEpoch]
  }

  /// Seeds for a batch drawn fresh at every step (points of a 2-D toy set, windows of a text):
  /// a SplitMix64 started from (seed, step) alone, so any step's batch can be made again
  /// without replaying the steps before it — that is what makes resuming exact.
  public static func seeds(seed: UInt64, step: Int) -> SplitMix64 {
    SplitMix64(state: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(step))
  }
}
