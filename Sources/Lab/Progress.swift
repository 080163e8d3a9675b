import Foundation

/// Progress of long work on the console.
///
/// On a terminal it redraws one line in place: a bar, `step/total`, the latest
/// metrics, the rate and the time left (ETA). When stdout is not a terminal (CI,
/// a pipe, a log file) it prints plain lines instead, about every `plainEvery`
/// seconds and at the end, so logs stay readable.
public final class Progress {
  public let total: Int
  public let label: String
  public let unit: String
  private let interactive: Bool
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var lastPlain = Date()
  private let plainEvery: TimeInterval
  private var finished = false

  /// - Parameters:
  ///   - total: the number of steps the work takes.
  ///   - label: what is being done ("training", "epoch 3").
  ///   - unit: what a step is, for the rate ("step", "img").
  ///   - interactive: redraw in place; default: whether stdout is a terminal.
  public init(total: Int, label: String, unit: String = "step",
              interactive: Bool = isatty(STDOUT_FILENO) != 0, plainEvery: TimeInterval = 10) {
    self.total = max(total, 1)
    self.label = label
    self.unit = unit
    self.interactive = interactive
    self.plainEvery = plainEvery
  }

  /// Reports that `step` of `total` steps are done, with the latest metrics.
  public func update(_ step: Int, _ metrics: KeyValuePairs<String, Float> = [:]) {
    update(step, values: metrics.map { ($0.key, $0.value) })
  }

  /// `update` with the metrics as an array of pairs.
  public func update(_ step: Int, values metrics: [(name: String, value: Float)]) {
    let now = Date()
    let done = step >= total
    if interactive {
      guard done || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
      lastDraw = now
      print("\r\u{1B}[2K" + line(step, metrics, now, bar: true), terminator: "")
      fflush(stdout)
    } else {
      guard done || now.timeIntervalSince(lastPlain) >= plainEvery else { return }
      lastPlain = now
      print(line(step, metrics, now, bar: false))
      fflush(stdout)   // a log file or pipe sees the line now, not when the buffer fills
    }
    if done { finish() }
  }

  /// Ends the progress line (idempotent).
  public func finish() {
    guard !finished else { return }
    finished = true
    if interactive { print("") }
  }

  func line(_ step: Int, _ metrics: [(name: String, value: Float)], _ now: Date, bar: Bool) -> String {
    let elapsed = now.timeIntervalSince(start)
    let fraction = min(Double(step) / Double(total), 1)
    var parts: [String] = [label]
    if bar {
      let width = 24
      let filled = Int((fraction * Double(width)).rounded(.down))
      parts.append("[" + String(repeating: "█", count: filled)
                   + String(repeating: "·", count: width - filled) + "]")
    }
    parts.append("\(step)/\(total)")
    for (name, value) in metrics { parts.append("\(name) \(Format.number(value))") }
    if elapsed > 0 && step > 0 {
      let rate = Double(step) / elapsed
      parts.append(rate >= 1 ? "\(Format.number(Float(rate))) \(unit)/s"
                             : "\(Format.duration(1 / rate))/\(unit)")
      if step < total {
        parts.append("ETA \(Format.duration(Double(total - step) / rate))")
      } else {
        parts.append("in \(Format.duration(elapsed))")
      }
    }
    return parts.joined(separator: "  ")
  }
}

/// Number and time formatting for console output.
public enum Format {
  /// A fixed number of decimals: `fixed(0.12345)` is "0.123".
  public static func fixed(_ value: Double, digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

  /// "1 thread", "2 threads".
  public static func threads(_ count: Int) -> String { "\(count) thread\(count == 1 ? "" : "s")" }

  /// 4 significant digits, no exponent for everyday magnitudes: 0.1235, 12.35, 1235, 1.235e-05.
  public static func number(_ value: Float) -> String {
    let magnitude = abs(value)
    if value == 0 { return "0" }
    if !value.isFinite { return "\(value)" }
    if magnitude >= 1e-3 && magnitude < 1e5 {
      let decimals = max(0, 3 - Int(log10(magnitude).rounded(.down)))
      return String(format: "%.\(decimals)f", value)
    }
    return String(format: "%.3e", value)
  }

  /// `850 µs`, `12.3 ms`, `4.2 s`, `3 min 05 s`, `1 h 02 min`.
  public static func duration(_ seconds: Double) -> String {
    if seconds < 1e-3 { return String(format: "%.0f µs", seconds * 1e6) }
    if seconds < 1 { return String(format: "%.1f ms", seconds * 1e3) }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    let total = Int(seconds.rounded())
    if total < 3600 { return String(format: "%d min %02d s", total / 60, total % 60) }
    return String(format: "%d h %02d min", total / 3600, (total % 3600) / 60)
  }

  /// GFLOP/s of `flops` floating-point operations done in `seconds`, one decimal: "203.1".
  public static func gflops(_ flops: Double, _ seconds: Double) -> String {
    String(format: "%.1f", flops / seconds / 1e9)
  }

  /// A size in decimal units, 3 significant digits: `812 B`, `45.3 kB`, `1.23 MB`, `2.00 GB`.
  public static func bytes(_ count: Int) -> String {
    let value = Double(count)
    if abs(value) < 1000 { return "\(count) B" }
    for (unit, scale) in [("kB", 1e3), ("MB", 1e6), ("GB", 1e9)] where abs(value) < 999.5 * scale || unit == "GB" {
      let scaled = value / scale
      return String(format: abs(scaled) < 9.995 ? "%.2f" : abs(scaled) < 99.95 ? "%.1f" : "%.0f", scaled) + " " + unit
    }
    return "\(count) B"
  }

  /// Thousands separated by commas: 60,000.
  public static func count(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (i, ch) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(ch)
    }
    return value < 0 ? "-" + out : out
  }
}
