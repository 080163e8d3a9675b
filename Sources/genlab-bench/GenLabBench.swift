// genlab-bench — every twin pair, reference vs optimized: time, GFLOP/s, speed-up.
//
//   swift run -c release genlab-bench                 a table
//   swift run -c release genlab-bench --json          the same as a JSON array
//   swift run -c release genlab-bench --filter dcgan  only cases whose group or op contains "dcgan"
//
// Numbers are only meaningful from a release build (debug is ~300× slower).
import ArgumentParser
import Foundation
import GenLab

@main
struct GenLabBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "genlab-bench",
    abstract: "Times the reference and optimized twin of every building block.")

  @Flag(help: "Print a JSON array of objects (op, shape, impl, threads, ms_min, ms_median, gflops, speedup, cpu).")
  var json = false

  @Option(help: "Only cases whose group, op or shape contains this text.")
  var filter: String?

  @Option(parsing: .upToNextOption,
          help: "Thread counts for the optimized twin (default: 1 and the number of cores).")
  var threads: [Int] = []

  @Option(parsing: .unconditional, help: "Skip the reference twin when one call would take more floating-point operations than this (the DCGAN conv layers always run it, once).")
  var referenceLimit: Double = 3e8

  @Option(parsing: .unconditional, help: "Minimum seconds spent timing each optimized case (more: steadier numbers).")
  var seconds: Double = 0.5

  mutating func validate() throws {
    if threads.contains(where: { $0 < 1 }) { throw ValidationError("--threads takes counts ≥ 1") }
    if !(seconds > 0) { throw ValidationError("--seconds must be a positive number of seconds, got \(seconds)") }
    if !(referenceLimit >= 0) { throw ValidationError("--reference-limit must be ≥ 0 floating-point operations, got \(referenceLimit)") }
  }

  mutating func run() throws {
    #if DEBUG
    FileHandle.standardError.write(Data("warning: this is a debug build; numbers are ~300× too slow. Use `swift run -c release genlab-bench`.\n".utf8))
    #endif
    Allocator.keepFreedBuffers()   // as the lessons do: steady timings for allocation-heavy cases
    let cpu = cpuDescription()
    let threadCounts = threads.isEmpty ? Array(Set([1, Parallel.defaultThreadCount])).sorted() : threads
    let cases = (matMulCases() + convolutionCases() + transposedConvolutionCases() + vaeCases() + dcganCases() + diffusionNoisingCases() + denoiserCases() + autoregressiveCases()).filter { c in
      guard let filter else { return true }
      return c.group.contains(filter) || c.op.contains(filter) || c.shape.contains(filter)
    }
    if cases.isEmpty, let filter {
      let groups = Set((matMulCases() + convolutionCases() + transposedConvolutionCases() + vaeCases() + dcganCases()
                        + diffusionNoisingCases() + denoiserCases() + autoregressiveCases()).map(\.group)).sorted()
      throw ValidationError("no case matches --filter '\(filter)'; the groups are \(groups.joined(separator: ", "))")
    }
    if !json {
      print("genlab-bench on \(cpu)")
      print("reference: 1 thread, skipped above \(Format.number(Float(referenceLimit / 1e6))) MFLOP per call; times are minimums\n")
      print(pad("op", 14) + pad("shape", 18) + pad("threads", 8, right: true) + pad("reference", 12, right: true)
            + pad("optimized", 12, right: true) + pad("GFLOP/s", 9, right: true) + pad("speed-up", 10, right: true))
    }
    var rows: [BenchRow] = []
    for bench in cases {
      var referenceMs: Double?
      Parallel.threadCount = 1
      if bench.flops <= referenceLimit || bench.referenceAlways {
        let slow = bench.flops > referenceLimit
        let m = Timing.measure(warmup: slow ? 0 : 1, minRepeats: slow ? 1 : 3, minSeconds: slow ? 0 : 0.2, bench.reference)
        referenceMs = m.min * 1e3
        rows.append(BenchRow(op: bench.op, shape: bench.shape, impl: "reference", threads: 1,
                             ms_min: m.min * 1e3, ms_median: m.median * 1e3,
                             gflops: bench.flops / m.min / 1e9, speedup: nil, skipped: nil, cpu: cpu))
      } else {
        rows.append(BenchRow(op: bench.op, shape: bench.shape, impl: "reference", threads: 1,
                             ms_min: nil, ms_median: nil, gflops: nil, speedup: nil,
                             skipped: "above --reference-limit", cpu: cpu))
      }
      for count in threadCounts {
        Parallel.threadCount = count
        let m = Timing.measure(warmup: 2, minRepeats: 5, maxRepeats: 10_000, minSeconds: seconds, bench.optimized)
        let ms = m.min * 1e3
        let speedup = referenceMs.map { $0 / ms }
        rows.append(BenchRow(op: bench.op, shape: bench.shape, impl: "optimized", threads: count,
                             ms_min: ms, ms_median: m.median * 1e3, gflops: bench.flops / m.min / 1e9,
                             speedup: speedup, skipped: nil, cpu: cpu))
        if !json {
          print(pad(bench.op, 14) + pad(bench.shape, 18) + pad("\(count)", 8, right: true)
                + pad(referenceMs.map { milliseconds($0) } ?? "skipped", 12, right: true)
                + pad(milliseconds(ms), 12, right: true)
                + pad(String(format: "%.1f", bench.flops / m.min / 1e9), 9, right: true)
                + pad(speedup.map { String(format: "%.0f×", $0) } ?? "–", 10, right: true))
        }
      }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(rows), as: UTF8.self))
    }
  }
}

func milliseconds(_ ms: Double) -> String {
  ms >= 100 ? String(format: "%.0f ms", ms) : ms >= 1 ? String(format: "%.2f ms", ms) : String(format: "%.3f ms", ms)
}

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
  let space = String(repeating: " ", count: max(0, width - text.count))
  return right ? space + text : text + space
}
