import Foundation
import GenLab

/// One timed piece of work: an operation on one shape, with both twins.
struct BenchCase {
  /// The operation, e.g. `matmul`, `matmul_nt` (A·Bᵀ), `matmul_tn` (Aᵀ·B).
  var op: String
  /// The shape in the op's own words, e.g. `512x512x512` (M×K×N).
  var shape: String
  /// Floating-point operations of one call (2 per multiply-add).
  var flops: Double
  /// Which group the case belongs to, for `--filter`.
  var group: String
  /// Runs the reference twin once (nil: none). Called many times: set-up happens outside.
  var reference: () -> Void
  /// Runs the optimized twin once.
  var optimized: () -> Void
  /// Time the reference even above `--reference-limit` (the twin pairs whose speed-up
  /// is a stated target: the DCGAN convolution layers).
  var referenceAlways = false
}

/// One line of results.
struct BenchRow: Encodable {
  var op: String
  var shape: String
  var impl: String
  var threads: Int
  var ms_min: Double?
  var ms_median: Double?
  var gflops: Double?
  var speedup: Double?
  var skipped: String?
  var cpu: String
}

/// What this CPU is, for every number printed: model name and the widest vector extension.
func cpuDescription() -> String {
  guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
  var model = "unknown CPU", family = "", number = "", flags: Set<Substring> = []
  for line in text.split(separator: "\n") {
    let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2 else { continue }
    switch parts[0] {
    case "model name" where model == "unknown CPU": model = parts[1]
    case "cpu family" where family.isEmpty: family = parts[1]
    case "model" where number.isEmpty: number = parts[1]
    case "flags" where flags.isEmpty: flags = Set(parts[1].split(separator: " "))
    default: break
    }
  }
  let vectors = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2" : "no AVX2"
  let cores = ProcessInfo.processInfo.activeProcessorCount
  return "\(model) (family \(family) model \(number)), \(vectors), \(cores) cores"
}
