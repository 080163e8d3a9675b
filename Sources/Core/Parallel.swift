import CPUFeatures
import Foundation
import Synchronization

/// Deterministic parallel loops.
///
/// Work is cut into a fixed number of chunks chosen by the caller from the problem
/// size alone, never from the thread count. Each chunk writes its own part of the
/// output, and reductions combine per-chunk partial results in chunk order, so the
/// numbers are bit-identical with 1, 2 or 64 threads.
///
/// Threads come from one persistent pool. Its workers spin briefly on an atomic
/// before they sleep, so a GEMM that lasts 50 µs still gets help (waking a sleeping
/// thread costs tens of µs; `DispatchQueue.concurrentPerform` is too slow to wake
/// for small products). A call made while the pool is busy (from inside a
/// parallel body, or from a second caller thread) runs serially on its caller:
/// same results, no deadlock.
public enum Parallel {
  /// Threads used by parallel loops (≥ 1): `GENLAB_THREADS` if set, else the number
  /// of cores. Lessons set it from `--threads`.
  public static var threadCount: Int {
    get { pool.withLock { $0.threadCount } }
    set {
      precondition(newValue >= 1, "Parallel.threadCount must be ≥ 1, got \(newValue)")
      pool.withLock { current in
        if current.threadCount != newValue {
          current.retire()
          current = WorkerPool(threadCount: newValue)
        }
      }
    }
  }

  /// The thread count from the environment: `GENLAB_THREADS` or the core count.
  public static var defaultThreadCount: Int {
    if let text = ProcessInfo.processInfo.environment["GENLAB_THREADS"],
       let value = Int(text), value >= 1 {
      return value
    }
    return ProcessInfo.processInfo.activeProcessorCount
  }

  private static let pool = Mutex(WorkerPool(threadCount: defaultThreadCount))

  /// Runs `body(chunk)` once for every chunk in `0..<chunkCount`, spread over the
  /// pool's threads. Chunks must write disjoint outputs.
  public static func forEach(_ chunkCount: Int, _ body: (Int) -> Void) {
    guard chunkCount > 0 else { return }
    if chunkCount == 1 { body(0); return }
    let current = pool.withLock { $0 }
    current.run(chunkCount, body)
  }

  /// Σ over `0..<count`, cut into chunks of `chunkSize`: `partial(range)` sums one
  /// chunk, and the partial sums are added in chunk order. Bit-identical for any
  /// thread count.
  public static func sum(count: Int, chunkSize: Int, _ partial: (Range<Int>) -> Double) -> Double {
    precondition(chunkSize > 0, "Parallel.sum: chunk size must be positive")
    let chunks = (count + chunkSize - 1) / chunkSize
    var partials = [Double](repeating: 0, count: chunks)
    partials.withUnsafeMutableBufferPointer { out in
      let out = out
      forEach(chunks) { c in
        out[c] = partial((c * chunkSize)..<Swift.min(count, (c + 1) * chunkSize))
      }
    }
    return partials.reduce(0, +)
  }
}

/// A fixed set of worker threads that help the calling thread run chunks.
final class WorkerPool: @unchecked Sendable {
  let threadCount: Int

  /// Bumped once per job; workers watch it to learn that work has arrived.
  private let generation = Atomic<Int>(0)
  /// The next chunk index to hand out.
  private let nextChunk = Atomic<Int>(0)
  /// Workers that have not yet finished the current job.
  private let busyWorkers = Atomic<Int>(0)
  /// Set while a job runs; a second caller finding it set runs serially.
  private let inUse = Atomic<Bool>(false)
  /// Set to make the workers exit (when the pool is replaced).
  private let stopping = Atomic<Bool>(false)

  // The current job. Written by the caller before `generation` is bumped (release)
  // and read by workers after they see the bump (acquire).
  private var chunkCount = 0
  private var body: UnsafeRawPointer? = nil   // points at a `(Int) -> Void` on the caller's stack

  private let sleep = NSCondition()
  private var sleepers = 0

  /// How many times a worker checks for new work before it sleeps (~50–100 µs).
  private static let spinLimit = 20_000

  init(threadCount: Int) {
    self.threadCount = threadCount
    for _ in 1..<max(threadCount, 1) {
      let thread = Thread { self.workerLoop() }
      thread.stackSize = 8 << 20
      thread.start()
    }
  }

  /// Makes the workers exit once they are idle. Call only when no job is running.
  func retire() {
    stopping.store(true, ordering: .releasing)
    generation.add(1, ordering: .releasing)
    sleep.lock(); sleep.broadcast(); sleep.unlock()
  }

  func run(_ chunks: Int, _ work: (Int) -> Void) {
    guard threadCount > 1,
          inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      for chunk in 0..<chunks { work(chunk) }
      return
    }
    withoutActuallyEscaping(work) { work in
      withUnsafePointer(to: work) { pointer in
        chunkCount = chunks
        body = UnsafeRawPointer(pointer)
        nextChunk.store(0, ordering: .relaxed)
        busyWorkers.store(threadCount - 1, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        sleep.lock()
        if sleepers > 0 { sleep.broadcast() }
        sleep.unlock()

        // The caller works too.
        while true {
          let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
          if chunk >= chunks { break }
          work(chunk)
        }
        // Wait for the workers to finish their last chunks.
        while busyWorkers.load(ordering: .acquiring) > 0 { genlab_cpu_relax() }
        body = nil
      }
    }
    inUse.store(false, ordering: .releasing)
  }

  private func workerLoop() {
    // Generation 0 is "no job yet". Reading the counter here instead would miss a
    // job posted before this thread got to run, and the caller would wait forever.
    var seen = 0
    while true {
      // Spin a little, then sleep until the generation changes.
      var spins = 0
      var now = generation.load(ordering: .acquiring)
      while now == seen && spins < Self.spinLimit {
        genlab_cpu_relax()
        spins += 1
        now = generation.load(ordering: .acquiring)
      }
      if now == seen {
        sleep.lock()
        while generation.load(ordering: .acquiring) == seen {
          sleepers += 1
          sleep.wait()
          sleepers -= 1
        }
        sleep.unlock()
        now = generation.load(ordering: .acquiring)
      }
      seen = now
      if stopping.load(ordering: .acquiring) { return }

      let chunks = chunkCount
      let work = body!.assumingMemoryBound(to: ((Int) -> Void).self).pointee
      while true {
        let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
        if chunk >= chunks { break }
        work(chunk)
      }
      busyWorkers.subtract(1, ordering: .releasing)
    }
  }
}
