// MatMul — the packed GEMM's scratch memory (see MatMul+Packed.swift): packing buffers,
// 64-byte aligned and kept between calls.

import Synchronization

/// A packing buffer, 64-byte aligned.
struct ScratchBuffer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Float>
  let capacity: Int
}

/// Packing buffers kept between calls: a fresh multi-MiB allocation is fresh pages, and
/// faulting them in can cost as much as a small product. Safe to use from many threads.
enum ScratchPool {
  private static let idle = Mutex<[ScratchBuffer]>([])
  private static let keep = 4

  /// A buffer of at least `count` floats: the smallest idle one that fits, or a new one.
  static func take(_ count: Int) -> ScratchBuffer {
    let reused = idle.withLock { buffers -> ScratchBuffer? in
      var best: Int? = nil
      for index in buffers.indices where buffers[index].capacity >= count {
        if best == nil || buffers[index].capacity < buffers[best!].capacity { best = index }
      }
      return best.map { buffers.remove(at: $0) }
    }
    if let reused { return reused }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    return ScratchBuffer(pointer: raw.bindMemory(to: Float.self, capacity: max(count, 1)), capacity: max(count, 1))
  }

  /// Returns a buffer for reuse; beyond `keep` idle buffers the smallest is freed.
  static func give(_ buffer: ScratchBuffer) {
    let evicted = idle.withLock { buffers -> ScratchBuffer? in
      buffers.append(buffer)
      guard buffers.count > keep else { return nil }
      let smallest = buffers.indices.min { buffers[$0].capacity < buffers[$1].capacity }!
      return buffers.remove(at: smallest)
    }
    evicted?.pointer.deallocate()
  }
}
