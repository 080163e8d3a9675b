import Core
import Testing

/// Parallel.threadCount is process-wide, so these tests run one at a time.
@Suite(.serialized) struct ParallelTests {
  @Test func everyChunkRunsExactlyOnce() {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    for threads in [1, 2, 3] {
      Parallel.threadCount = threads
      var hits = [Int](repeating: 0, count: 1000)
      hits.withUnsafeMutableBufferPointer { h in
        let h = h
        Parallel.forEach(1000) { h[$0] += 1 }
      }
      #expect(hits.allSatisfy { $0 == 1 }, "threads \(threads)")
    }
  }

  /// A float sum in chunks: the same bits whatever the thread count, because chunk
  /// boundaries and the order partial sums are combined in depend on the data only.
  @Test func sumIsBitIdenticalForOneAndTwoThreads() {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    var rng = RNG(seed: 11)
    let values = (0..<1_000_003).map { _ in rng.normal() * 1000 }
    var results: [Double] = []
    for threads in [1, 2, 1, 2] {
      Parallel.threadCount = threads
      let total = values.withUnsafeBufferPointer { v in
        let v = v
        return Parallel.sum(count: v.count, chunkSize: 4096) { range in
          var s = 0.0
          for i in range { s += Double(v[i]) }
          return s
        }
      }
      results.append(total)
    }
    #expect(results.allSatisfy { $0.bitPattern == results[0].bitPattern }, "\(results)")
    // And the result is the sum (to Double rounding).
    let plain = values.reduce(0.0) { $0 + Double($1) }
    #expect(abs(results[0] - plain) < 1e-6 * abs(plain) + 1e-3)
  }

  @Test func nestedCallsRunSeriallyWithoutDeadlock() {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    Parallel.threadCount = 2
    var grid = [Int](repeating: 0, count: 64)
    grid.withUnsafeMutableBufferPointer { g in
      let g = g
      Parallel.forEach(8) { row in
        Parallel.forEach(8) { col in g[row * 8 + col] = row * 8 + col }
      }
    }
    #expect(grid == Array(0..<64))
  }

  /// Many small jobs back to back: the pool hands each one out and waits for it.
  @Test func manySmallJobsInARow() {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    Parallel.threadCount = 2
    var total = 0
    for job in 0..<2000 {
      var parts = [Int](repeating: 0, count: 4)
      parts.withUnsafeMutableBufferPointer { p in
        let p = p
        Parallel.forEach(4) { p[$0] = job + $0 }
      }
      total += parts.reduce(0, +)
    }
    #expect(total == (0..<2000).reduce(0) { $0 + 4 * $1 + 6 })
  }

  /// Jobs of alternating size back to back: a worker still looping on a finished small
  /// job must never claim a chunk of the next, larger one (each chunk runs exactly once).
  @Test func alternatingJobSizesRunEveryChunkOnce() {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    Parallel.threadCount = 2
    var wrong = 0
    for job in 0..<3000 {
      let chunks = job % 2 == 0 ? 2 : 64
      var hits = [Int](repeating: 0, count: chunks)
      hits.withUnsafeMutableBufferPointer { h in
        let h = h
        Parallel.forEach(chunks) { h[$0] += 1 }
      }
      wrong += hits.filter { $0 != 1 }.count
    }
    #expect(wrong == 0)
  }

  @Test func theDefaultThreadCountIsGENLAB_THREADSOrTheCoreCount() {
    #expect(Parallel.defaultThreadCount(environment: ["GENLAB_THREADS": "3"], cores: 8) == 3)
    #expect(Parallel.defaultThreadCount(environment: [:], cores: 8) == 8)
    for bad in ["0", "-2", "two", ""] {
      #expect(Parallel.defaultThreadCount(environment: ["GENLAB_THREADS": bad], cores: 6) == 6, "GENLAB_THREADS=\(bad)")
    }
    #expect(Parallel.defaultThreadCount(environment: [:], cores: 0) == 1)
  }
}
