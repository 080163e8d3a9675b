import Foundation

/// Wall-clock timing for "check, then time" comparisons in lessons and genlab-bench.
public enum Timing {
  /// Monotonic seconds.
  public static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }

  /// The value of `body` and the seconds it took (one call).
  public static func timed<R>(_ body: () throws -> R) rethrows -> (value: R, seconds: Double) {
    let start = now()
    let value = try body()
    return (value, now() - start)
  }

  /// Times `body`: `warmup` untimed calls, then repeats until `minRepeats` calls and
  /// at least `minSeconds` have passed (capped at `maxRepeats`). Returns every time.
  public static func measure(warmup: Int = 1, minRepeats: Int = 3, maxRepeats: Int = 1000,
                             minSeconds: Double = 0.2, _ body: () -> Void) -> Measurement {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    let start = now()
    while times.count < minRepeats || (now() - start < minSeconds && times.count < maxRepeats) {
      let t0 = now()
      body()
      times.append(now() - t0)
    }
    return Measurement(seconds: times)
  }
}

/// Times of repeated runs of one piece of work.
public struct Measurement: Sendable {
  public var seconds: [Double]
  public var min: Double { seconds.min() ?? .nan }
  public var median: Double {
    let sorted = seconds.sorted()
    guard !sorted.isEmpty else { return .nan }
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
  public init(seconds: [Double]) { self.seconds = seconds }
}
