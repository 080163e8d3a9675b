// The measurements of lesson 03's section 3: the two DCGAN discriminator layers, the
// convolution twins checked on each (forward and backward), then timed, the optimized
// forward split into im2col and the GEMM, and what cols costs in memory.
import Foundation
import GenLab

// MARK: - The two layers

/// One DCGAN discriminator convolution: k4 s2 p1 with seeded weights, bias and output gradient.
struct Layer {
  var name: String
  var x: Tensor
  var weight: Tensor
  var bias: Tensor
  var outputGradient: Tensor
  var parameters = ConvolutionParameters(stride: 2, padding: 1)
  var geometry: ConvolutionGeometry

  init(name: String, x: Tensor, outChannels: Int, using rng: inout RNG) {
    self.name = name
    self.x = x
    let channels = x.shape[1]
    // Weights 𝒩(0, 1/fan-in), so outputs have about the size of the inputs.
    weight = Tensor.normal([outChannels, channels, 4, 4], std: 1 / Float(channels * 16).squareRoot(), using: &rng)
    bias = Tensor.normal([outChannels], std: 0.1, using: &rng)
    geometry = ConvolutionGeometry(batch: x.shape[0], channels: channels, height: x.shape[2], width: x.shape[3],
                                   kernelHeight: 4, kernelWidth: 4, parameters: parameters)
    outputGradient = Tensor.normal([x.shape[0], outChannels, geometry.outputHeight, geometry.outputWidth], using: &rng)
  }

  /// The reference's outputs, filled while it is timed.
  struct Result {
    var y = Tensor(zeros: [0]), dx = Tensor(zeros: [0]), dw = Tensor(zeros: [0]), db = Tensor(zeros: [0])
  }
}

// MARK: - Check, then time, then the price

/// Checks the twins on one layer, then times them, then shows where the optimized
/// forward spends its time and what `cols` costs in memory.
/// Returns the numbers it prints, as report metrics.
func examine(_ layer: Layer) -> [(key: String, value: String)] {
  let g = layer.geometry
  let outChannels = layer.weight.shape[0]
  print("\n\(layer.name): x \(layer.x.shape) → y [\(g.batch), \(outChannels), \(g.outputHeight), \(g.outputWidth)]")
  print("  cols is \(g.patchSize) × \(Format.count(g.patchCount)); the GEMM is W \(outChannels) × \(g.patchSize)"
        + " · cols \(g.patchSize) × \(Format.count(g.patchCount))")

  let check = checkTwins(layer)
  var metrics: [(key: String, value: String)] = [("\(layer.name): max |optimized − reference|", check.differences)]
  let optimized = timeOptimizedTwin(layer)

  // Multiply-adds: O·(C·KH·KW)·(N·OH·OW) forward (padding taps counted), twice that backward (dW and dx).
  let forwardFlops = 2.0 * Double(outChannels) * Double(g.patchSize) * Double(g.patchCount)
  print("  " + "".padding(toLength: 20, withPad: " ", startingAt: 0)
        + "reference (loops)         im2col + GEMM           speed-up")
  let forwardRow = timingRow("forward", flops: forwardFlops, reference: check.forwardSeconds,
                             optimized: optimized.forward)
  let forwardBackwardRow = timingRow("forward + backward", flops: 3 * forwardFlops,
                                     reference: check.forwardSeconds + check.backwardSeconds,
                                     optimized: optimized.forwardBackward)
  for (name, row) in [("forward", forwardRow), ("forward + backward", forwardBackwardRow)] {
    metrics.append(("\(layer.name): \(name), reference (loops)", row.reference))
    metrics.append(("\(layer.name): \(name), im2col + GEMM", row.optimized))
    metrics.append(("\(layer.name): \(name), speed-up", row.speedUp))
  }

  let (forward, im2colTime, gemmTime) = (optimized.forward, optimized.im2col, optimized.gemm)
  let rest = forward - im2colTime - gemmTime
  let whole = max(forward, im2colTime + gemmTime)
  let split = "im2col \(Format.duration(im2colTime))"
    + " (\(percent(im2colTime, of: whole))), GEMM \(Format.duration(gemmTime)) (\(percent(gemmTime, of: whole)),"
    + " \(Format.gflops(forwardFlops, gemmTime)) GFLOP/s), reordering to N×O×OH×OW + bias "
    + (rest > 0.05 * forward ? "~\(Format.duration(rest))" : "lost in the timing noise")
  print("  where the optimized forward's \(Format.duration(forward)) goes: " + split)
  metrics.append(("\(layer.name): where the optimized forward goes", "\(Format.duration(forward)): " + split))

  // The price: cols holds every input pixel about KH·KW / (s_h·s_w) times.
  let colsBytes = 4 * g.patchSize * g.patchCount
  let inputBytes = 4 * layer.x.count
  let price = "\(bytes(colsBytes)), \(String(format: "%.1f", Double(colsBytes) / Double(inputBytes)))× the input's"
        + " \(bytes(inputBytes))"
  metrics.append(("\(layer.name): memory of cols", price))
  print("  the price: cols takes " + price + " (each pixel lands in up to KH·KW = \(g.kernelHeight * g.kernelWidth) columns,"
        + " \(g.kernelHeight * g.kernelWidth / (layer.parameters.strideHeight * layer.parameters.strideWidth))"
        + " on average at stride \(layer.parameters.strideHeight))")
  return metrics
}

/// Runs both twins forward and backward on `layer` and prints their largest differences (y, dx,
/// dW, db); stops the lesson if they disagree. Returns the differences, as printed, and the
/// reference's forward and backward times.
func checkTwins(_ layer: Layer) -> (differences: String, forwardSeconds: Double, backwardSeconds: Double) {
  // Check: run both twins. The reference's check runs are also its timing: repeated for
  // a quarter of a second (a few times for the small layer, once for the big one).
  print("  running the reference forward and backward (the slow part)…")
  fflush(stdout)
  var reference = Layer.Result()
  let referenceForward = Timing.measure(warmup: 0, minRepeats: 1, minSeconds: 0.25) {
    reference.y = Convolution.forwardReference(layer.x, layer.weight, layer.bias, layer.parameters)
  }.min
  let referenceBackward = Timing.measure(warmup: 0, minRepeats: 1, minSeconds: 0.25) {
    let d = Convolution.backwardReference(layer.x, layer.weight, layer.outputGradient, layer.parameters, hasBias: true)
    (reference.dx, reference.dw, reference.db) = (d.input, d.weight, d.bias!)
  }.min
  let y = Convolution.forward(layer.x, layer.weight, layer.bias, layer.parameters)
  let d = Convolution.backward(layer.x, layer.weight, layer.outputGradient, layer.parameters, hasBias: true)
  let checks = [("y", y, reference.y), ("dx", d.input, reference.dx), ("dW", d.weight, reference.dw),
                ("db", d.bias!, reference.db)]
  let line = checks.map { name, optimized, expected -> String in
    let difference = optimized.maxAbsDifference(expected), scale = expected.map(abs).max()
    precondition(difference <= 1e-4 * scale + 1e-6,
                 "\(layer.name): the convolution twins disagree on \(name) by \(difference) (values up to \(scale)): "
                 + "this is a bug, please report it")
    return "\(name) \(Format.number(difference)) (of \(Format.number(scale)))"
  }
  print("  max |optimized − reference|: " + line.joined(separator: ", "))
  return (line.joined(separator: ", "), referenceForward, referenceBackward)
}

/// The fastest time, in seconds, of the optimized twin's forward, forward + backward, and the
/// forward's two parts: im2col alone, the GEMM alone.
struct OptimizedTimes {
  var forward = Double.infinity, forwardBackward = Double.infinity
  var im2col = Double.infinity, gemm = Double.infinity
}

/// Times the optimized twin on `layer`.
func timeOptimizedTwin(_ layer: Layer) -> OptimizedTimes {
  let g = layer.geometry
  let outChannels = layer.weight.shape[0]
  // Time the optimized twin: forward, forward + backward, and the forward's two parts
  // (im2col alone, the GEMM alone), each repeated back to back, keeping its fastest run.
  // Four rounds of all four, so a burst of other work on the machine cannot spoil just one.
  var cols = [Float](repeating: 0, count: g.patchSize * g.patchCount)
  var product = [Float](repeating: 0, count: outChannels * g.patchCount)
  var times = OptimizedTimes()
  for round in 0..<4 {
    let warmup = round == 0 ? 1 : 0
    times.forward = min(times.forward, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.05) {
      _ = Convolution.forward(layer.x, layer.weight, layer.bias, layer.parameters)
    }.min)
    times.forwardBackward = min(times.forwardBackward, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.1) {
      _ = Convolution.forward(layer.x, layer.weight, layer.bias, layer.parameters)
      _ = Convolution.backward(layer.x, layer.weight, layer.outputGradient, layer.parameters, hasBias: true)
    }.min)
    times.im2col = min(times.im2col, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.03) {
      layer.x.withUnsafeBufferPointer { x in cols.withUnsafeMutableBufferPointer { Im2col.im2col(x, g, into: $0) } }
    }.min)
    times.gemm = min(times.gemm, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.03) {
      layer.weight.withUnsafeBufferPointer { w in
        cols.withUnsafeBufferPointer { cols in
          product.withUnsafeMutableBufferPointer { c in
            MatMul.gemm(transposeA: false, transposeB: false, m: outChannels, n: g.patchCount, k: g.patchSize,
                        alpha: 1, a: w, lda: g.patchSize, b: cols, ldb: g.patchCount,
                        beta: 0, c: c, ldc: g.patchCount)
          }
        }
      }
    }.min)
  }
  return times
}

// MARK: - Console

/// Prints one row of the timing table and returns its three cells.
func timingRow(_ name: String, flops: Double, reference: Double, optimized: Double)
  -> (reference: String, optimized: String, speedUp: String) {
  let left = "\(Format.duration(reference))  \(Format.gflops(flops, reference)) GFLOP/s"
  let right = "\(Format.duration(optimized))  \(Format.gflops(flops, optimized)) GFLOP/s"
  let speedUp = String(format: reference / optimized >= 10 ? "%.0f×" : "%.1f×", reference / optimized)
  print("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
        + left.padding(toLength: 26, withPad: " ", startingAt: 0)
        + right.padding(toLength: 24, withPad: " ", startingAt: 0)
        + speedUp)
  return (left.replacingOccurrences(of: "  ", with: ", "), right.replacingOccurrences(of: "  ", with: ", "), speedUp)
}

/// `part` as a whole percentage of `whole`: "31%".
func percent(_ part: Double, of whole: Double) -> String { String(format: "%.0f%%", 100 * part / whole) }

/// A size in kB below a megabyte, else in MB with one decimal: "784 kB", "3.2 MB".
func bytes(_ count: Int) -> String {
  count >= 1_000_000 ? String(format: "%.1f MB", Double(count) / 1e6) : String(format: "%.0f kB", Double(count) / 1e3)
}
