import Core
import Testing

@Suite struct RNGTests {
  @Test func sameSeedSameStream() {
    var a = RNG(seed: 42), b = RNG(seed: 42)
    for _ in 0..<1000 { #expect(a.next() == b.next()) }
  }
  @Test func printFirst() {
    var a = RNG(seed: 0)
    print("PIN raw", (0..<4).map { _ in a.next() })
    var b = RNG(seed: 12345)
    print("PIN uniform", (0..<4).map { _ in b.uniform() })
    print("PIN normal", (0..<4).map { _ in b.normal() })
    print("PIN int", (0..<6).map { _ in b.int(below: 10) })
    var c = RNG(seed: 12345, stream: 1)
    print("PIN stream1", (0..<2).map { _ in c.next() })
  }
}
