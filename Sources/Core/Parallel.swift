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
    defaultThreadCount(environment: ProcessInfo.processInfo.environment,
                       cores: ProcessInfo.processInfo.activeProcessorCount)
  }

  /// `GENLAB_THREADS` when it is a whole number ≥ 1, else `cores` (at least 1).
  public static func defaultThreadCount(environment: [String: String], cores: Int) -> Int {
    if let text = environment["GENLAB_THREADS"], let value = Int(text), value >= 1 { return value }
    return max(cores, 1)
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
///
/// One atomic `ticket` holds the job's generation (high 32 bits) and the next chunk
/// to hand out (low 32 bits). Anyone, caller or worker, claims a chunk by a
/// compare-and-swap on the ticket that also checks the generation, so a worker that
/// wakes late can never take a chunk of a job that has moved on. The caller claims
/// chunks too and waits only for the chunks that were claimed to complete: it never
/// waits for a worker that is slow to wake or did not take part.
final class WorkerPool: @unchecked Sendable {
  let threadCount: Int

  /// generation << 32 | next chunk index.
  private let ticket = Atomic<UInt64>(0)
  /// Chunks of the current job in total, and completed so far.
  private let chunkTotal = Atomic<Int>(0)
  private let completed = Atomic<Int>(0)
  /// The current job's body: a pointer to a `(Int) -> Void` on the caller's stack,
  /// valid while the job has unfinished chunks.
  private let body = Atomic<UInt>(0)
  /// Set while a job runs; a second caller finding it set runs serially.
  private let inUse = Atomic<Bool>(false)
  /// Set to make the workers exit (when the pool is replaced).
  private let stopping = Atomic<Bool>(false)

  private let sleep = NSCondition()
  private var sleepers = 0

  /// How many times an idle worker checks for new work before it sleeps (~0.1–0.5 ms).
  private static let spinLimit = 20_000

  init(threadCount: Int) {
    self.threadCount = threadCount
    for _ in 1..<max(threadCount, 1) {
      let thread = Thread { self.workerLoop() }
      thread.stackSize = 8 << 20
      thread.start()
    }
  }

  /// Makes the workers exit. A job in progress finishes on its caller's thread.
  func retire() {
    stopping.store(true, ordering: .sequentiallyConsistent)
    sleep.lock(); sleep.broadcast(); sleep.unlock()
  }

  func run(_ chunks: Int, _ work: (Int) -> Void) {
    guard threadCount > 1, chunks < Int(UInt32.max),
          inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      for chunk in 0..<chunks { work(chunk) }
      return
    }
    withoutActuallyEscaping(work) { work in
      withUnsafePointer(to: work) { pointer in
        // First retire the previous job's ticket: a worker still looping on it (its
        // chunks all handed out) must not claim a "next chunk" against this job's
        // larger total before the new ticket is posted. Index 0xFFFF_FFFF is never a
        // chunk, and the extra generation tells idle workers that nothing is there yet.
        let previous = ticket.load(ordering: .relaxed) >> 32
        ticket.store(((previous &+ 1) << 32) | 0xFFFF_FFFF, ordering: .sequentiallyConsistent)
        let generation = previous &+ 2
        chunkTotal.store(chunks, ordering: .relaxed)
        completed.store(0, ordering: .relaxed)
        body.store(UInt(bitPattern: pointer), ordering: .relaxed)
        // Publish: everything above happens-before any claim of this generation.
        ticket.store(generation << 32, ordering: .sequentiallyConsistent)
        sleep.lock()
        if sleepers > 0 { sleep.broadcast() }
        sleep.unlock()

        // The caller works too, then waits for chunks others claimed.
        runChunks(generation: generation)
        while completed.load(ordering: .acquiring) < chunks { genlab_cpu_relax() }
        body.store(0, ordering: .relaxed)
      }
    }
    inUse.store(false, ordering: .releasing)
  }

  /// Claims and runs chunks of job `generation` until none are left.
  @inline(never)
  private func runChunks(generation: UInt64) {
    while true {
      let current = ticket.load(ordering: .acquiring)
      guard current >> 32 == generation else { return }
      let chunk = Int(current & 0xFFFF_FFFF)
      guard chunk < chunkTotal.load(ordering: .relaxed) else { return }
      guard ticket.compareExchange(expected: current, desired: current + 1,
                                   ordering: .acquiringAndReleasing).exchanged else { continue }
      // The claim succeeded, so the job is still running and its body is valid
      // until this chunk is counted as completed.
      runChunk(chunk)
      completed.add(1, ordering: .releasing)
    }
  }

  /// Calls the job's body for one chunk. Not inlined, so the closure's context is
  /// released before the chunk is counted as completed.
  @inline(never)
  private func runChunk(_ chunk: Int) {
    let pointer = UnsafeRawPointer(bitPattern: body.load(ordering: .acquiring))!
    pointer.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
  }

  private func workerLoop() {
    var seen: UInt64 = 0
    while true {
      // Spin a little, then sleep until a new generation is posted.
      var spins = 0
      var now = ticket.load(ordering: .acquiring) >> 32
      while now == seen && spins < Self.spinLimit && !stopping.load(ordering: .relaxed) {
        genlab_cpu_relax()
        spins += 1
        now = ticket.load(ordering: .acquiring) >> 32
      }
      if now == seen {
        sleep.lock()
        while ticket.load(ordering: .acquiring) >> 32 == seen && !stopping.load(ordering: .acquiring) {
          sleepers += 1
          sleep.wait()
          sleepers -= 1
        }
        sleep.unlock()
        now = ticket.load(ordering: .acquiring) >> 32
      }
      seen = now
      if stopping.load(ordering: .acquiring) { return }
      runChunks(generation: now)
    }
  }
}
