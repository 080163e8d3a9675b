import CPUFeatures

/// Training allocates the same activation buffers every step, from a few hundred
/// kilobytes (an MLP's) to tens of megabytes (a U-Net's im2col matrices at 28×28).
/// glibc's malloc serves blocks that large with `mmap` and returns them to the
/// operating system on `free`, so every step pays for fresh pages (page faults and
/// zeroing): about 0.8 ms of a 3–4 ms MLP-VAE step, and more than half the time of a
/// 3×3 convolution on [64, 32, 28, 28] (25 ms instead of 63 ms on the Zen 4 machine),
/// whose 58 MB im2col matrix is above the largest mmap threshold glibc accepts (32 MiB).
/// So we turn `mmap` off for malloc (every block comes from the heap) and raise the
/// trim threshold: freed blocks stay in the heap for the next step.
public enum Allocator {
  /// Asks the C allocator to keep freed buffers for reuse instead of unmapping them.
  /// Call once at start-up (lessons do it in `LessonOptions.apply()`).
  /// Changes speed only, never results. A no-op where the allocator is not glibc's.
  /// Returns whether the allocator took the settings (false where it is not glibc's).
  @discardableResult
  public static func keepFreedBuffers() -> Bool {
    genlab_keep_freed_buffers() == 1
  }
}
