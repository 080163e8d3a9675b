import Core
import Testing

@Suite struct AllocatorTests {
  /// The settings must reach glibc. (Once they silently did not: the C file tested
  /// __GLIBC__ before including the header that defines it, and the function compiled to
  /// nothing — a 1.5× slower U-Net step and no error anywhere.)
  @Test func keepFreedBuffersReachesGlibc() {
    #if os(Linux)
    #expect(Allocator.keepFreedBuffers(), "mallopt was not called or refused a setting")
    #endif
  }
}
