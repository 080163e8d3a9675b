// Lesson 04 — Transposed convolution: upsampling with "deconv".
//
// How a DCGAN generator grows a 7×7 feature map into a 28×28 image: every input pixel
// stamps a scaled copy of the kernel onto a bigger output, and overlapping stamps add.
// The lesson draws the stamps one by one, tabulates the output size, checks that the
// layer is the transpose (adjoint) of a convolution, shows where checkerboard artifacts
// come from and how to avoid them, and finally checks, then times, the two twins.
// Read README.md beside this file for the chapter. The checkerboard experiments of
// section 4 are in Checkerboard.swift, the pictures in Pictures.swift.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson04: LessonCommand {
  static let lessonName = "lesson04-transposedconvolution"
  static let abstract = "Transposed convolution: stamps, output sizes, the adjoint, checkerboards, and the twins."

  @OptionGroup var options: LessonOptions

  // This lesson runs both twins side by side, so `--impl` does not apply here.
  @Option(parsing: .unconditional, help: "Batch size of the DCGAN layer (ConvT 128→64, 7→14) that checks and times the twins.")
  var batch: Int = 64

  mutating func validate() throws {
    if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
  }

  mutating func run() throws {
    try options.rejectTrainingFlags(lesson: Self.lessonName)
    options.apply()

    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let run = try LessonRun(lesson: Self.lessonName,
                            title: "Lesson 04 — Transposed convolution: upsampling with \"deconv\"",
                            options: options, dataset: data.description)
    run.settingRows.append(("batch", String(batch)))
    var rng = RNG(seed: options.seed)   // sections 3, 4 and 5 draw from it, in this order

    try stampTheKernel(run: run)
    printOutputSizes()
    checkTheAdjoint(rng: &rng, run: run)
    try checkerboards(data.test, rng: &rng, run: run)
    checkAndTimeTheTwins(rng: &rng, run: run)

    try run.finish(pictures: "stamps.png, overlap.png, checkerboard.png, two-layers.png")
  }

  // MARK: - 1. The scatter picture

  /// A 2×2 input and a 3×3 "L" kernel, stride 2: the stamps one at a time and their running
  /// sum (`stamps.png`), checked against `TransposedConvolution.forwardReference`.
  func stampTheKernel(run: LessonRun) throws {
    Console.section("1. Every input pixel stamps the kernel: y[i·s−p+kp, j·s−p+kq] += x[i,j]·w[kp,kq]")
    let input = Tensor(shape: [1, 1, 2, 2], data: [1.0, 0.6,
                                                   0.3, 0.8])
    let kernel = Tensor(shape: [1, 1, 3, 3], data: [1, 0, 0,     // an "L": not symmetric, so you
                                                    1, 0, 0,     // can see it is stamped as is,
                                                    1, 1, 1])    // not flipped
    let scatter = TransposedConvolutionParameters(stride: 2, padding: 0)
    let strip = stampStrip(input, kernel, scatter)
    printMatrix("input x (2×2)", input)
    printMatrix("kernel w (3×3)", kernel)
    printMatrix("y = convT(x; w), stride 2, padding 0 → (2−1)·2 + 3 = 5×5", strip.final)
    let direct = TransposedConvolution.forwardReference(input, kernel, nil, scatter)
    let stampDifference = Format.number(direct.maxAbsDifference(strip.final))
    print("the stamps, summed by hand, match TransposedConvolution.forwardReference: max difference "
          + stampDifference)
    run.report.metrics.append(("max |stamps summed by hand − forwardReference|", stampDifference))
    try PNG.writeGrid(strip.cells, columns: 6, padding: 4, scale: 1, to: run.folder.file("stamps.png"))
    print("""
      wrote stamps.png (every pixel of y drawn 24×24, brightness √(value / \(Format.number(strip.final.max()))), same in every cell):
        top row:    x (2×2), w (3×3), then the stamp of pixel (0,0), (0,1), (1,0), (1,1) alone,
                    each a copy of w scaled by its pixel, placed at (2i, 2j) (red frame);
        bottom row: the running sum after 1, 2, 3 and 4 stamps. Where two frames overlap
                    (row 2, column 2) the stamps add: that is the brightest pixel.
      """)
    run.report.addFigure("stamps.png", caption: "Transposed convolution, stride 2, padding 0, of a 2×2 input x "
                         + "with a 3×3 \"L\" kernel w. Top row: x, w, then the stamp of pixel (0,0), (0,1), (1,0), "
                         + "(1,1) alone, each a copy of w scaled by its pixel, placed at (2i, 2j) (red frame). Bottom "
                         + "row: the running sum after 1, 2, 3 and 4 stamps. Where two frames overlap (row 2, column "
                         + "2) the stamps add: that is the brightest pixel. "
                         + "Brightness √(value / \(Format.number(strip.final.max()))), the same in every cell.")
  }

  // MARK: - 2. Output size

  /// The output-size rule for the layers of the DCGAN generator and a few variants, each
  /// checked by running the layer, with the size the adjoint convolution maps it back to.
  func printOutputSizes() {
    Console.section("2. Output size: OH = (H − 1)·s − 2p + KH + op")
    print("""
      s spreads the stamps apart, KH is how far the last stamp reaches, p crops p rows off
      each side, op (< s) adds rows at the bottom. The adjoint convolution (same k, s, p)
      maps OH back to ⌊(OH + 2p − KH)/s⌋ + 1 = H.
      """)
    print("  H   k  s  p  op    OH  (checked)   conv back   where")
    let table: [(Int, Int, Int, Int, Int, String)] = [
      (1, 7, 1, 0, 0, "latent 1×1 → 7×7 (DCGAN's first layer, a \"projection\")"),
      (7, 4, 2, 1, 0, "DCGAN ConvT 128→64: 7 → 14"),
      (14, 4, 2, 1, 0, "DCGAN ConvT 64→1: 14 → 28"),
      (7, 3, 2, 1, 1, "the k3 variant: 7 → 14 needs op 1 …"),
      (7, 3, 2, 1, 0, "… without it 7 → 13 (conv maps 13 and 14 both to 7)"),
      (14, 3, 2, 1, 1, "k3 variant, 14 → 28"),
      (7, 2, 2, 0, 0, "k2 s2: stamps touch but never overlap"),
      (7, 5, 2, 2, 1, "k5 s2 p2 op1 (\"same\"-style): 7 → 14"),
      (7, 3, 1, 1, 0, "stride 1, p = (k−1)/2: same size, a plain convolution"),
    ]
    for (height, k, s, p, op, note) in table {
      let parameters = TransposedConvolutionParameters(stride: s, padding: p, outputPadding: op)
      let size = parameters.outputSize(height: height, width: height, kernelHeight: k, kernelWidth: k).height
      // Checked: run the layer on zeros and read the shape off its output.
      let y = TransposedConvolution.forward(Tensor(zeros: [1, 1, height, height]), Tensor(zeros: [1, 1, k, k]),
                                            nil, parameters)
      let formula = (height - 1) * s - 2 * p + k + op
      precondition(y.shape[2] == size && size == formula, "output size: formula \(formula), layer \(y.shape)")
      let back = parameters.convolution.outputSize(height: size, width: size, kernelHeight: k, kernelWidth: k).height
      print(String(format: "%3d  %2d %2d %2d %3d  %4d  ", height, k, s, p, op, size)
            + pad("[\(y.shape[2])×\(y.shape[3])]", 10) + String(format: "  %3d → %-3d   ", size, back) + note)
    }
  }

  // MARK: - 3. The adjoint

  /// ⟨conv(u), v⟩ = ⟨u, convT(v)⟩ on random tensors for two layers; then convT's forward is
  /// conv's backward-data, and convT's backward-data is conv's forward.
  func checkTheAdjoint(rng: inout RNG, run: LessonRun) {
    Console.section("3. Why \"transposed\": ⟨conv(u), v⟩ = ⟨u, convT(v)⟩")
    print("""
      convT with weight w (C_in×C_out×K×K) maps C_in×H×W → C_out×OH×OW. Read the same numbers
      as a convolution weight (O = C_in, C = C_out): that conv, with the same k, s, p, maps
      C_out×OH×OW → C_in×H×W. As matrices they are each other's transpose.
      """)
    for (k, s, p, op) in [(4, 2, 1, 0), (3, 2, 1, 1)] {
      let parameters = TransposedConvolutionParameters(stride: s, padding: p, outputPadding: op)
      let layerName = "k\(k) s\(s) p\(p) op\(op)"
      let (batchSize, inputChannels, outputChannels, height) = (2, 3, 4, 7)
      let weight = Tensor.normal([inputChannels, outputChannels, k, k], using: &rng)   // convT's weight …
      let v = Tensor.normal([batchSize, inputChannels, height, height], using: &rng)     // convT's input
      let y = TransposedConvolution.forwardReference(v, weight, nil, parameters)        // N×C_out×OH×OW
      let u = Tensor.normal(y.shape, using: &rng)                                         // conv's input
      let convolved = Convolution.forwardReference(u, weight, nil, parameters.convolution)   // … is conv's weight
      let left = dot(convolved, v), right = dot(u, y)
      print("\(layerName), u \(u.shape), v \(v.shape):")
      let relative = Format.number(Float(abs(left - right) / max(abs(left), abs(right))))
      print("  ⟨conv(u), v⟩ = \(String(format: "%.6f", left))   ⟨u, convT(v)⟩ = \(String(format: "%.6f", right))"
            + "   relative difference \(relative)")
      run.report.metrics.append(("\(layerName): ⟨conv(u), v⟩ vs ⟨u, convT(v)⟩, relative difference", relative))
      // convT forward is conv's backward-data: dL/du for L = ⟨conv(u), v⟩ is convT(v).
      let backwardData = Convolution.backward(u, weight, v, parameters.convolution, hasBias: false).input
      let backwardDataReference = Convolution.backwardReference(u, weight, v, parameters.convolution, hasBias: false).input
      let backwardDataDifference = "\(Format.number(y.maxAbsDifference(backwardData))) (im2col twin), "
        + "\(Format.number(y.maxAbsDifference(backwardDataReference))) (reference twin)"
      print("  convT(v) vs Convolution.backward(u, w, dy: v).input: max difference " + backwardDataDifference)
      run.report.metrics.append(("\(layerName): max |convT(v) − Convolution.backward(u, w, dy: v).input|",
                                 backwardDataDifference))
      // And the other way round: convT's backward-data is conv's forward.
      let transposedBackward = TransposedConvolution.backward(v, weight, u, parameters, hasBias: false).input
      let transposedDifference = Format.number(transposedBackward.maxAbsDifference(convolved))
      print("  TransposedConvolution.backward(v, w, dy: u).input vs conv(u): max difference " + transposedDifference)
      run.report.metrics.append(("\(layerName): max |TransposedConvolution.backward(v, w, dy: u).input − conv(u)|",
                                 transposedDifference))
    }
    print("(differences of ~1e-6 are float32 rounding: the same products, added in another order)")
  }

  // MARK: - 4. Checkerboards

  /// The four `upsamplers` three ways (Checkerboard.swift): how many stamps land on each pixel
  /// (`overlap.png`), on clothes (`checkerboard.png`), and two layers deep (`two-layers.png`).
  func checkerboards(_ test: FashionMNIST.Split, rng: inout RNG, run: LessonRun) throws {
    Console.section("4. Checkerboard artifacts: uneven overlap (Odena et al. 2016)")
    try drawOverlap(run: run)
    try upsampleClothes(test, rng: &rng, run: run)
    try twoLayersDeep(run: run)
  }

  // MARK: - 5. The twins

  /// The DCGAN generator's layer ConvT 128→64, 7→14 on random tensors: both twins, forward and
  /// backward, checked against each other, then timed.
  func checkAndTimeTheTwins(rng: inout RNG, run: LessonRun) {
    Console.section("5. The twins on the DCGAN layer: ConvT 128→64, 7→14, k4 s2 p1, batch \(batch)")
    let layer = TransposedConvolutionParameters(stride: 2, padding: 1)
    let x = Tensor.normal([batch, 128, 7, 7], using: &rng)
    let weight = Tensor.normal([128, 64, 4, 4], std: 0.02, using: &rng)
    let bias = Tensor.normal([64], std: 0.02, using: &rng)
    let dy = Tensor.normal([batch, 64, 14, 14], using: &rng)
    print("x \(x.shape), w \(weight.shape), b \(bias.shape) → y [\(batch), 64, 14, 14]")
    // Check before timing. The reference runs once; its time is that single run.
    var t0 = Timing.now()
    let yReference = TransposedConvolution.forwardReference(x, weight, bias, layer)
    let forwardReferenceTime = Timing.now() - t0
    t0 = Timing.now()
    let gReference = TransposedConvolution.backwardReference(x, weight, dy, layer, hasBias: true)
    let backwardReferenceTime = Timing.now() - t0
    let y = TransposedConvolution.forward(x, weight, bias, layer)
    let g = TransposedConvolution.backward(x, weight, dy, layer, hasBias: true)
    let comparisons: [(String, Tensor, Tensor)] = [
      ("forward  y ", y, yReference), ("backward dx", g.input, gReference.input),
      ("backward dw", g.weight, gReference.weight), ("backward db", g.bias!, gReference.bias!),
    ]
    for (name, optimized, reference) in comparisons {
      let difference = optimized.maxAbsDifference(reference)
      let scale = reference.map(abs).max()
      print("\(name): max |optimized − reference| = \(Format.number(difference))  (entries up to \(Format.number(scale)))")
      let shortName = name.replacingOccurrences(of: "  ", with: " ").trimmingCharacters(in: .whitespaces)
      run.report.metrics.append(("twins, \(shortName): max |optimized − reference|",
                                 "\(Format.number(difference)) (entries up to \(Format.number(scale)))"))
      precondition(difference <= 1e-4 * scale + 1e-6,
                   "the transposed-convolution twins disagree on \(name) by \(difference): this is a bug, please report it")
    }

    let forwardFlops = 2.0 * Double(batch * 128 * 7 * 7 * 64 * 4 * 4)
    let trainingFlops = 3 * forwardFlops   // backward: dx and dw, each as much as forward
    let forwardTime = Timing.measure(warmup: 1, minRepeats: 5, minSeconds: 0.3) {
      _ = TransposedConvolution.forward(x, weight, bias, layer)
    }.min
    let trainingTime = Timing.measure(warmup: 1, minRepeats: 5, minSeconds: 0.3) {
      _ = TransposedConvolution.forward(x, weight, bias, layer)
      _ = TransposedConvolution.backward(x, weight, dy, layer, hasBias: true)
    }.min
    let threads = "\(Format.threads(Parallel.threadCount))"
    let referenceTraining = forwardReferenceTime + backwardReferenceTime
    print("forward (\(Format.number(Float(forwardFlops / 1e9))) GFLOP):")
    print("  reference (scatter loops, once): \(timeAndSpeed(forwardFlops, forwardReferenceTime, separator: "  "))")
    print("  optimized (GEMM + col2im, \(threads)): \(timeAndSpeed(forwardFlops, forwardTime, separator: "  "))")
    print("  speed-up: \(Format.number(Float(forwardReferenceTime / forwardTime)))×")
    print("forward + backward (\(Format.number(Float(trainingFlops / 1e9))) GFLOP):")
    print("  reference (once):                \(timeAndSpeed(trainingFlops, referenceTraining, separator: "  "))")
    print("  optimized (im2col + 2 GEMMs, \(threads)): \(timeAndSpeed(trainingFlops, trainingTime, separator: "  "))")
    print("  speed-up: \(Format.number(Float(referenceTraining / trainingTime)))×")
    run.report.metrics += [
      ("forward, reference (scatter loops, once)", timeAndSpeed(forwardFlops, forwardReferenceTime, separator: ", ")),
      ("forward, optimized (GEMM + col2im)", timeAndSpeed(forwardFlops, forwardTime, separator: ", ")),
      ("forward, speed-up", "\(Format.number(Float(forwardReferenceTime / forwardTime)))×"),
      ("forward + backward, reference (once)", timeAndSpeed(trainingFlops, referenceTraining, separator: ", ")),
      ("forward + backward, optimized (im2col + 2 GEMMs)", timeAndSpeed(trainingFlops, trainingTime, separator: ", ")),
      ("forward + backward, speed-up", "\(Format.number(Float(referenceTraining / trainingTime)))×"),
    ]
  }
}
