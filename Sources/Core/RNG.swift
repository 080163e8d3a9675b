#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded pseudo-random generator: xoshiro256** (Blackman & Vigna, 2018),
/// its 256-bit state filled from the seed by SplitMix64. The same seed gives the
/// same stream on every machine, so the same seed gives the same pictures.
///
/// `stream:` picks an independent sequence for the same seed (e.g. one per
/// data-loader epoch or per parallel chunk), so parallel code can draw noise
/// without sharing a generator and without depending on the thread count.
public struct RNG: RandomNumberGenerator, Sendable, Equatable {
  /// The generator's whole state: four words of xoshiro256** and the spare
  /// normal draw of Box–Muller, if any. Saved in checkpoints for resume.
  public var state: (UInt64, UInt64, UInt64, UInt64)
  public var spareNormal: Float?

  public init(seed: UInt64, stream: UInt64 = 0) {
    var mixer = SplitMix64(state: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
    if stream != 0 { _ = mixer.next() }
    state = (mixer.next(), mixer.next(), mixer.next(), mixer.next())
    spareNormal = nil
  }

  public static func == (a: RNG, b: RNG) -> Bool {
    a.state == b.state && a.spareNormal == b.spareNormal
  }

  /// The next 64 random bits (xoshiro256**).
  public mutating func next() -> UInt64 {
    let result = (state.1 &* 5).rotatedLeft(by: 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = state.3.rotatedLeft(by: 45)
    return result
  }

  /// A uniform draw from [0, 1) with 24 random bits (every representable step of a Float there).
  public mutating func uniform() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// A uniform draw from [0, 1) in Double, with 53 random bits.
  public mutating func uniformDouble() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A uniform integer in 0..<upperBound, unbiased (Lemire, 2019: multiply, keep the
  /// high word, reject the few low words that would bias it). Written out here so the
  /// stream never depends on the standard library's version.
  public mutating func int(below upperBound: Int) -> Int {
    precondition(upperBound > 0, "RNG.int(below:): upper bound \(upperBound) must be positive")
    let bound = UInt64(upperBound)
    var product = next().multipliedFullWidth(by: bound)
    if product.low < bound {
      let threshold = (0 &- bound) % bound
      while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
    }
    return Int(product.high)
  }

  /// A standard normal draw 𝒩(0, 1), by the Box–Muller transform
  /// z₀ = √(−2 ln u₁)·cos(2πu₂), z₁ = √(−2 ln u₁)·sin(2πu₂); z₁ is kept for the next call.
  public mutating func normal() -> Float {
    if let spare = spareNormal {
      spareNormal = nil
      return spare
    }
    let u1 = 1 - uniformDouble()          // (0, 1]: log stays finite
    let u2 = uniformDouble()
    let radius = (-2 * log(u1)).squareRoot()
    let angle = 2 * Double.pi * u2
    spareNormal = Float(radius * sin(angle))
    return Float(radius * cos(angle))
  }

  /// Shuffles `array` in place (Fisher–Yates, drawing from this generator).
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      array.swapAt(i, int(below: i + 1))
    }
  }

  /// A random permutation of 0..<count.
  public mutating func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    shuffle(&order)
    return order
  }
}

/// SplitMix64 (Steele, Lea & Flood, 2014): spreads one 64-bit seed into well-mixed words.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64
  public init(state: UInt64) { self.state = state }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension UInt64 {
  @inlinable func rotatedLeft(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
