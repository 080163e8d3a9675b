import CPUFeatures

/// Training allocates the same few hundred-kilobyte activation buffers every step.
/// glibc's malloc serves blocks that large with `mmap` and returns them to the
/// operating system on `free`, so every step pays for fresh pages (page faults and
/// zeroing): about 0.8 ms of a 3–4 ms MLP-VAE step on this kind of machine.
/// Raising the mmap and trim thresholds keeps freed blocks in the heap for reuse.
public enum Allocator {
  /// Asks the C allocator to keep freed buffers of up to 32 MiB for reuse instead of
  /// unmapping them. Call once at start-up (lessons do it in `LessonOptions.apply()`).
  /// Changes speed only, never results. A no-op where the allocator is not glibc's.
  public static func keepFreedBuffers() {
    genlab_keep_freed_buffers()
  }
}
