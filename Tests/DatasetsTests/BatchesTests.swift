import Core
import Datasets
import Testing

struct BatchShape: Sendable, CustomTestStringConvertible {
  var items: Int, batchSize: Int, dropLast: Bool
  var testDescription: String { "N=\(items) B=\(batchSize)\(dropLast ? " drop-last" : "")" }
}

@Suite struct BatchesTests {
  static let shapes = [
    BatchShape(items: 10, batchSize: 3, dropLast: false),
    BatchShape(items: 10, batchSize: 3, dropLast: true),
    BatchShape(items: 10, batchSize: 5, dropLast: true),
    BatchShape(items: 1, batchSize: 1, dropLast: false),
    BatchShape(items: 0, batchSize: 4, dropLast: false),
    BatchShape(items: 3, batchSize: 8, dropLast: false),
    BatchShape(items: 3, batchSize: 8, dropLast: true),
    BatchShape(items: 1000, batchSize: 64, dropLast: false),
    BatchShape(items: 1000, batchSize: 64, dropLast: true),
  ]

  /// Without drop-last every index appears exactly once; with it, ⌊N/B⌋ full batches
  /// of distinct indices.
  @Test(arguments: shapes, [0, 1, 7])
  func everyIndexOncePerEpoch(_ shape: BatchShape, epoch: Int) {
    let batches = Batches(itemCount: shape.items, batchSize: shape.batchSize, seed: 42, epoch: epoch,
                          dropLast: shape.dropLast)
    let expectedCount = shape.dropLast ? shape.items / shape.batchSize
                                       : (shape.items + shape.batchSize - 1) / shape.batchSize
    #expect(batches.count == expectedCount)
    let all = batches.flatMap { $0 }
    #expect(Set(all).count == all.count, "an index repeats")
    #expect(all.allSatisfy { (0..<shape.items).contains($0) })
    if shape.dropLast {
      #expect(batches.allSatisfy { $0.count == shape.batchSize })
      #expect(all.count == expectedCount * shape.batchSize)
    } else {
      #expect(all.sorted() == Array(0..<shape.items))
      #expect(batches.dropLast().allSatisfy { $0.count == shape.batchSize })
    }
    #expect(Array(batches.map { $0 }) == (0..<batches.count).map { batches[$0] })
  }

  @Test func sameSeedAndEpochGiveTheSameOrder() {
    let a = Batches(itemCount: 500, batchSize: 32, seed: 7, epoch: 3)
    let b = Batches(itemCount: 500, batchSize: 32, seed: 7, epoch: 3)
    #expect(Array(a) == Array(b))
  }

  @Test func differentEpochsAndSeedsGiveDifferentOrders() {
    let orders = (0..<5).map { Batches(itemCount: 500, batchSize: 32, seed: 7, epoch: $0).order }
    #expect(Set(orders).count == 5)
    #expect(Batches(itemCount: 500, batchSize: 32, seed: 8, epoch: 0).order != orders[0])
    #expect(orders.allSatisfy { $0 != Array(0..<500) })
  }

  /// Pinned so an accidental change of the order (which changes every lesson's
  /// pictures) is caught. Values recorded from this implementation.
  @Test func orderIsPinned() {
    let batches = Batches(itemCount: 10, batchSize: 4, seed: 1, epoch: 0)
    #expect(batches.order == pinnedOrder)
    #expect(Array(batches) == [Array(pinnedOrder[0..<4]), Array(pinnedOrder[4..<8]), Array(pinnedOrder[8..<10])])
    var rng = RNG(seed: 1, stream: Batches.streamBase)
    #expect(rng.permutation(10) == pinnedOrder)
  }

  /// A run resumed mid-epoch sees the batches it would have seen.
  @Test func resumeMidEpoch() {
    let full = Array(Batches(itemCount: 100, batchSize: 16, seed: 3, epoch: 2))
    let resumed = Array(Batches(itemCount: 100, batchSize: 16, seed: 3, epoch: 2).dropFirst(4))
    #expect(resumed == Array(full[4...]))
  }

  @Test func unshuffledIsInOrder() {
    let batches = Batches(itemCount: 7, batchSize: 3, seed: 99, epoch: 5, shuffled: false)
    #expect(Array(batches) == [[0, 1, 2], [3, 4, 5], [6]])
  }

  @Test func gatherPicksRowsAndLabels() {
    let items = Tensor(shape: [4, 2], data: [0, 1, 10, 11, 20, 21, 30, 31])
    let (batch, labels) = Batches.gather(items, labels: [5, 6, 7, 8], [2, 0, 2])
    #expect(batch == Tensor(shape: [3, 2], data: [20, 21, 0, 1, 20, 21]))
    #expect(labels == [7, 5, 7])
  }
}

let pinnedOrder = [6, 7, 1, 4, 3, 2, 5, 9, 8, 0]
