// Lesson 04 — Transposed convolution: upsampling with "deconv".
//
// How a DCGAN generator grows a 7×7 feature map into a 28×28 image: every input pixel
// stamps a scaled copy of the kernel onto a bigger output, and overlapping stamps add.
// The lesson draws the stamps one by one, tabulates the output size, checks that the
// layer is the transpose (adjoint) of a convolution, shows where checkerboard artifacts
// come from and how to avoid them, and finally checks, then times, the two twins.
// Read README.md beside this file for the chapter.
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
    let started = Timing.now()
    let startDate = Date()
    var rng = RNG(seed: options.seed)
    var metrics: [(key: String, value: String)] = []   // the numbers printed, for the run's page

    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let run = try RunFolder.create(lesson: Self.lessonName, root: options.out)

    // 1. The scatter picture -------------------------------------------------------
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
    metrics.append(("max |stamps summed by hand − forwardReference|", stampDifference))
    try PNG.writeGrid(strip.cells, columns: 6, padding: 4, scale: 1, to: run.file("stamps.png"))
    print("""
      wrote stamps.png (every pixel of y drawn 24×24, brightness √(value / \(Format.number(strip.final.max()))), same in every cell):
        top row:    x (2×2), w (3×3), then the stamp of pixel (0,0), (0,1), (1,0), (1,1) alone,
                    each a copy of w scaled by its pixel, placed at (2i, 2j) (red frame);
        bottom row: the running sum after 1, 2, 3 and 4 stamps. Where two frames overlap
                    (row 2, column 2) the stamps add: that is the brightest pixel.
      """)

    // 2. Output size -----------------------------------------------------------------
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

    // 3. The adjoint ------------------------------------------------------------------
    Console.section("3. Why \"transposed\": ⟨conv(u), v⟩ = ⟨u, convT(v)⟩")
    print("""
      convT with weight w (C_in×C_out×K×K) maps C_in×H×W → C_out×OH×OW. Read the same numbers
      as a convolution weight (O = C_in, C = C_out): that conv, with the same k, s, p, maps
      C_out×OH×OW → C_in×H×W. As matrices they are each other's transpose.
      """)
    for (k, s, p, op) in [(4, 2, 1, 0), (3, 2, 1, 1)] {
      let parameters = TransposedConvolutionParameters(stride: s, padding: p, outputPadding: op)
      let (batchSize, inputChannels, outputChannels, height) = (2, 3, 4, 7)
      let weight = Tensor.normal([inputChannels, outputChannels, k, k], using: &rng)   // convT's weight …
      let v = Tensor.normal([batchSize, inputChannels, height, height], using: &rng)     // convT's input
      let y = TransposedConvolution.forwardReference(v, weight, nil, parameters)        // N×C_out×OH×OW
      let u = Tensor.normal(y.shape, using: &rng)                                         // conv's input
      let convolved = Convolution.forwardReference(u, weight, nil, parameters.convolution)   // … is conv's weight
      let left = dot(convolved, v), right = dot(u, y)
      print("k\(k) s\(s) p\(p) op\(op), u \(u.shape), v \(v.shape):")
      let relative = Format.number(Float(abs(left - right) / max(abs(left), abs(right))))
      print("  ⟨conv(u), v⟩ = \(String(format: "%.6f", left))   ⟨u, convT(v)⟩ = \(String(format: "%.6f", right))"
            + "   relative difference \(relative)")
      metrics.append(("k\(k) s\(s) p\(p) op\(op): ⟨conv(u), v⟩ vs ⟨u, convT(v)⟩, relative difference", relative))
      // convT forward is conv's backward-data: dL/du for L = ⟨conv(u), v⟩ is convT(v).
      let backwardData = Convolution.backward(u, weight, v, parameters.convolution, hasBias: false).input
      let backwardDataReference = Convolution.backwardReference(u, weight, v, parameters.convolution, hasBias: false).input
      let backwardDataDifference = "\(Format.number(y.maxAbsDifference(backwardData))) (im2col twin), "
        + "\(Format.number(y.maxAbsDifference(backwardDataReference))) (reference twin)"
      print("  convT(v) vs Convolution.backward(u, w, dy: v).input: max difference " + backwardDataDifference)
      metrics.append(("k\(k) s\(s) p\(p) op\(op): max |convT(v) − Convolution.backward(u, w, dy: v).input|",
                      backwardDataDifference))
      // And the other way round: convT's backward-data is conv's forward.
      let transposedBackward = TransposedConvolution.backward(v, weight, u, parameters, hasBias: false).input
      let transposedDifference = Format.number(transposedBackward.maxAbsDifference(convolved))
      print("  TransposedConvolution.backward(v, w, dy: u).input vs conv(u): max difference " + transposedDifference)
      metrics.append(("k\(k) s\(s) p\(p) op\(op): max |TransposedConvolution.backward(v, w, dy: u).input − conv(u)|",
                      transposedDifference))
    }
    print("(differences of ~1e-6 are float32 rounding: the same products, added in another order)")

    // 4. Checkerboards -------------------------------------------------------------------
    Console.section("4. Checkerboard artifacts: uneven overlap (Odena et al. 2016)")
    let upsamplers: [Upsampler] = [
      Upsampler(name: "convT k2 s2", kernelSize: 2, parameters: TransposedConvolutionParameters(stride: 2)),
      Upsampler(name: "convT k3 s2 p1 op1", kernelSize: 3,
                parameters: TransposedConvolutionParameters(stride: 2, padding: 1, outputPadding: 1)),
      Upsampler(name: "convT k4 s2 p1", kernelSize: 4, parameters: TransposedConvolutionParameters(stride: 2, padding: 1)),
      Upsampler(name: "resize ×2 + conv k3 p1", kernelSize: 3, parameters: nil),
    ]
    // The overlap map: all-ones input, all-ones kernel. Each output pixel counts the stamps on it.
    let onesSmall = Tensor(shape: [1, 1, 7, 7], repeating: 1)
    var overlapMaps: [Tensor] = []
    print("all-ones 7×7 input, all-ones kernel → 14×14: how many stamps land on each output pixel")
    for upsampler in upsamplers {
      let map = upsampler.apply(onesSmall, Tensor(shape: [1, 1, upsampler.kernelSize, upsampler.kernelSize], repeating: 1))
      overlapMaps.append(map / map.max())
      let interior = Set((2..<12).flatMap { i in (2..<12).map { j in Int(map[0, 0, i, j]) } }).sorted()
      let start = { (row: Int) in (0..<6).map { String(Int(map[0, 0, row, $0])) }.joined(separator: " ") + " …" }
      let levels = interior.map(String.init).joined(separator: ", ")
      print("  " + pad(upsampler.name, 24) + "row 4: \(start(4))  row 5: \(start(5))   interior levels {\(levels)}"
            + (interior.count > 1 ? "  ← checkerboard" : "  ← even"))
      metrics.append(("overlap, \(upsampler.name): interior stamp counts",
                      "{\(levels)}" + (interior.count > 1 ? " (checkerboard)" : " (even)")))
    }
    try PNG.writeGrid(Tensor.stack(overlapMaps).reshaped([4, 1, 14, 14]), columns: 4, padding: 4, scale: 12,
                      background: 0, to: run.file("overlap.png"))
    print("""
      wrote overlap.png, left to right: k2 s2, k3 s2 p1 op1, k4 s2 p1, resize ×2 + conv k3 p1, each divided
      by its own maximum (so 4 stamps = white, 2 = mid-grey, 1 = dark). k3 s2: 3 is not a multiple of 2,
      so rows alternate 1 and 2 stamps, columns too, and the product is the 1-2-4 checkerboard. k4 s2:
      every pixel gets 2×2 stamps. Resize + conv: uniform too. The darker rims are the padding, not overlap.
      """)

    // The same four upsamplers on clothes: 28×28 → average-pool to 14×14 → back up to 28×28.
    let classes = [9, 0]   // ankle boot, T-shirt/top
    let pictures = classes.map { c in data.test.images[item: data.test.labels.firstIndex(of: c)!].reshaped([1, 1, 28, 28]) }
    var rows: [(String, Tensor, [Tensor])] = []   // (label, 28×28 input, one kernel per upsampler)
    let ones28 = Tensor(shape: [1, 1, 28, 28], repeating: 1)
    rows.append(("all ones, box kernels", ones28, upsamplers.map { boxKernel($0.kernelSize) }))
    for (c, picture) in zip(classes, pictures) {
      let name = FashionMNIST.classNames[c]
      rows.append(("\(name), box kernels", picture, upsamplers.map { boxKernel($0.kernelSize) }))
      rows.append(("\(name), random kernels", picture, upsamplers.map {
        Tensor.uniform([1, 1, $0.kernelSize, $0.kernelSize], in: 0.2..<1, using: &rng)
      }))
    }
    var cells: [Tensor] = []
    print("each row of checkerboard.png: original 28×28 | average-pooled to 14×14 | upsampled back by the four;")
    print("the numbers are the period-2 (checkerboard) strength of each upsampled picture (see below):")
    print("  " + pad("row", 32) + ["k2 s2", "k3 s2", "k4 s2", "resize+conv"].map { pad($0, 10) }.joined(separator: " "))
    for (label, picture, kernels) in rows {
      let pooled = averagePool2(picture)
      cells.append(picture / picture.max())
      cells.append(nearestResize2(pooled) / pooled.max())
      var strengths: [String] = []
      for (upsampler, kernel) in zip(upsamplers, kernels) {
        let up = upsampler.apply(pooled, kernel)
        let top = up.max()
        cells.append(top > 0 ? up / top : up)
        strengths.append(Format.number(checkerboardStrength(up)))
      }
      print("  " + pad(label, 32) + strengths.map { pad($0, 10) }.joined(separator: " ")
            .trimmingCharacters(in: .whitespaces))
      metrics.append(("checkerboard strength, \(label)",
                      zip(upsamplers, strengths).map { "\($0.name) \($1)" }.joined(separator: ", ")))
    }
    try PNG.writeGrid(Tensor.stack(cells).reshaped([cells.count, 1, 28, 28]), columns: 6, padding: 3, scale: 4,
                      to: run.file("checkerboard.png"))
    print("""
      wrote checkerboard.png: a row per line above, 6 columns (original, pooled, then the four upsamplers
      in the order listed), each picture divided by its own maximum. Strength = the largest of
      |Σ(−1)^i y|, |Σ(−1)^j y|, |Σ(−1)^(i+j) y| over Σ y: how much of the picture alternates every
      other pixel (0 = none; about 1/3 for the 1-2-4 map). Box kernels: only k3 s2 shows the grid
      (even overlap is enough). Random kernels: every convT shows a period-2 texture, even k4 s2,
      because neighbouring output pixels are made of different kernel entries; resize + conv stays
      near 0 whatever its kernel. (k2 s2 with a box kernel is nearest-neighbour ×2: that cell
      equals the pooled one.)
      """)

    // Two layers deep, as in the generator: 7 → 14 → 28, all-ones kernels.
    print("\ntwo layers deep, as in the DCGAN generator (7×7 → 14×14 → 28×28, all-ones kernels):")
    var onePixel = Tensor(zeros: [1, 1, 7, 7])
    onePixel[0, 0, 3, 3] = 1
    var growth: [Tensor] = []
    for (input, inputName) in [(onePixel, "one pixel"), (onesSmall, "all ones")] {
      for upsampler in [upsamplers[2], upsamplers[1]] {
        let kernel = boxKernel(upsampler.kernelSize)
        let first = upsampler.apply(input, kernel)
        let second = upsampler.apply(first, kernel)
        growth += [nearestResize(input, 4), nearestResize(first, 2), second].map { $0 / $0.max() }
        let reach = [first, second].map { t in "\((0..<t.shape[2]).filter { i in (0..<t.shape[3]).contains { t[0, 0, i, $0] > 0 } }.count)" }
        let interior = Set((4..<24).flatMap { i in (4..<24).map { j in Int(second[0, 0, i, j]) } }).sorted()
        let growthLine = inputName == "one pixel"
          ? "reaches \(reach[0])×\(reach[0]) after one layer, \(reach[1])×\(reach[1]) after two"
          : "interior levels after two layers {\(interior.map(String.init).joined(separator: ", "))}"
        print("  " + pad("\(inputName), \(upsampler.name):", 31) + growthLine)
        metrics.append(("two layers, \(inputName), \(upsampler.name)", growthLine))
      }
    }
    try PNG.writeGrid(Tensor.stack(growth).reshaped([growth.count, 1, 28, 28]), columns: 3, padding: 3, scale: 4,
                      to: run.file("two-layers.png"))
    print("""
      wrote two-layers.png, a row per line above, columns: the 7×7 input, after one layer (14×14), after two
      (28×28), each divided by its own maximum. After two layers one pixel of the 7×7 map paints a smooth
      10×10 hill (k4) or a gridded 7×7 patch (k3); on flat input k3's rows now get 1, 2 or 3 stamps, and
      the 1-2-4 checkerboard becomes a plaid of 1…9. k4 stays flat (16) inside.
      """)

    // 5. The twins --------------------------------------------------------------------
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
      metrics.append(("twins, \(name.replacingOccurrences(of: "  ", with: " ").trimmingCharacters(in: .whitespaces)): "
                      + "max |optimized − reference|", "\(Format.number(difference)) (entries up to \(Format.number(scale)))"))
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
    let threads = "\(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s")"
    print("forward (\(Format.number(Float(forwardFlops / 1e9))) GFLOP):")
    print("  reference (scatter loops, once): \(Format.duration(forwardReferenceTime))  \(Format.gflops(forwardFlops, forwardReferenceTime)) GFLOP/s")
    print("  optimized (GEMM + col2im, \(threads)): \(Format.duration(forwardTime))  \(Format.gflops(forwardFlops, forwardTime)) GFLOP/s")
    print("  speed-up: \(Format.number(Float(forwardReferenceTime / forwardTime)))×")
    let referenceTraining = forwardReferenceTime + backwardReferenceTime
    print("forward + backward (\(Format.number(Float(trainingFlops / 1e9))) GFLOP):")
    print("  reference (once):                \(Format.duration(referenceTraining))  \(Format.gflops(trainingFlops, referenceTraining)) GFLOP/s")
    print("  optimized (im2col + 2 GEMMs, \(threads)): \(Format.duration(trainingTime))  \(Format.gflops(trainingFlops, trainingTime)) GFLOP/s")
    print("  speed-up: \(Format.number(Float(referenceTraining / trainingTime)))×")
    metrics += [
      ("forward, reference (scatter loops, once)",
       "\(Format.duration(forwardReferenceTime)), \(Format.gflops(forwardFlops, forwardReferenceTime)) GFLOP/s"),
      ("forward, optimized (GEMM + col2im)", "\(Format.duration(forwardTime)), \(Format.gflops(forwardFlops, forwardTime)) GFLOP/s"),
      ("forward, speed-up", "\(Format.number(Float(forwardReferenceTime / forwardTime)))×"),
      ("forward + backward, reference (once)",
       "\(Format.duration(referenceTraining)), \(Format.gflops(trainingFlops, referenceTraining)) GFLOP/s"),
      ("forward + backward, optimized (im2col + 2 GEMMs)",
       "\(Format.duration(trainingTime)), \(Format.gflops(trainingFlops, trainingTime)) GFLOP/s"),
      ("forward + backward, speed-up", "\(Format.number(Float(referenceTraining / trainingTime)))×"),
    ]

    // The run's page: what was run, the numbers, the pictures ----------------------------
    var report = RunReport(run: run, title: "Lesson 04 — Transposed convolution: upsampling with \"deconv\"",
                           seed: options.seed, started: startDate)
    report.settings = [("seed", String(options.seed)), ("threads", String(Parallel.threadCount)),
                       ("batch", String(batch))]
    report.dataset = data.description
    report.metrics = metrics
    report.addFigure("stamps.png", caption: "Transposed convolution, stride 2, padding 0, of a 2×2 input x with a 3×3 "
                     + "\"L\" kernel w. Top row: x, w, then the stamp of pixel (0,0), (0,1), (1,0), (1,1) alone, each a copy "
                     + "of w scaled by its pixel, placed at (2i, 2j) (red frame). Bottom row: the running sum after 1, 2, 3 "
                     + "and 4 stamps. Where two frames overlap (row 2, column 2) the stamps add: that is the brightest pixel. "
                     + "Brightness √(value / \(Format.number(strip.final.max()))), the same in every cell.")
    report.addFigure("overlap.png", caption: "How many stamps land on each pixel of a 14×14 output (all-ones 7×7 input, "
                     + "all-ones kernel), left to right: k2 s2, k3 s2 p1 op1, k4 s2 p1, resize ×2 + conv k3 p1, each divided "
                     + "by its own maximum (4 stamps = white, 2 = mid-grey, 1 = dark). k3 s2 gives the 1-2-4 checkerboard; "
                     + "k4 s2 and resize + conv are uniform. The darker rims are the padding, not overlap.")
    report.addFigure("checkerboard.png", caption: "A row per input ("
                     + rows.map(\.0).joined(separator: "; ") + "), 6 columns: original 28×28, average-pooled to 14×14, "
                     + "then upsampled back by k2 s2, k3 s2, k4 s2 and resize + conv, each divided by its own maximum. "
                     + "Box kernels: only k3 s2 shows the grid. Random kernels: every convT shows a period-2 texture, "
                     + "even k4 s2; resize + conv stays near 0 whatever its kernel (strengths in the results).")
    report.addFigure("two-layers.png", caption: "Two layers deep, as in the DCGAN generator: a row each for one pixel and "
                     + "all ones through k4 s2 p1 and k3 s2 p1 op1 (box kernels); columns: the 7×7 input, after one layer "
                     + "(14×14), after two (28×28), each divided by its own maximum. One pixel paints a smooth 10×10 hill "
                     + "(k4) or a gridded 7×7 patch (k3); on flat input k3's checkerboard becomes a plaid of 1…9, k4 stays flat.")
    try report.finish(started: started, pictures: "stamps.png, overlap.png, checkerboard.png, two-layers.png")
  }
}

// MARK: - The scatter, drawn

/// The pictures of the scatter, one stamp at a time: 12 RGB cells of 120×120 pixels
/// (top row: x, w, each stamp alone; bottom row: two blank cells, then the running sums),
/// and the final sum y (1×1×OH×OW). One input and output channel.
func stampStrip(_ x: Tensor, _ w: Tensor, _ p: TransposedConvolutionParameters) -> (cells: Tensor, final: Tensor) {
  let (height, width, kernelSize) = (x.shape[2], x.shape[3], w.shape[2])
  let (outputHeight, outputWidth) = p.outputSize(height: height, width: width,
                                                 kernelHeight: kernelSize, kernelWidth: kernelSize)
  var stamps: [Tensor] = [], sums: [Tensor] = [], frames: [(Int, Int)] = []
  var sum = Tensor(zeros: [outputHeight, outputWidth])
  for i in 0..<height {
    for j in 0..<width {
      var stamp = Tensor(zeros: [outputHeight, outputWidth])
      let (top, left) = (i * p.strideHeight - p.paddingHeight, j * p.strideWidth - p.paddingWidth)
      for kp in 0..<kernelSize {
        for kq in 0..<kernelSize {
          let (row, column) = (top + kp, left + kq)
          guard row >= 0 && row < outputHeight && column >= 0 && column < outputWidth else { continue }
          stamp[row, column] = x[0, 0, i, j] * w[0, 0, kp, kq]   // y[i·s−p+kp, j·s−p+kq] += x[i,j]·w[kp,kq]
        }
      }
      sum += stamp
      stamps.append(stamp)
      sums.append(sum)
      frames.append((top, left))
    }
  }
  let top = sum.max()
  let cellSize = 120
  let blank = Tensor(shape: [3, cellSize, cellSize], repeating: 0.5)
  let inputCell = drawCell(x.reshaped([height, width]), size: cellSize)
  let kernelCell = drawCell(w.reshaped([kernelSize, kernelSize]) / w.max(), size: cellSize)
  let frame = { (k: Int) in (frames[k].0, frames[k].1, kernelSize) }
  let topRow = [inputCell, kernelCell] + stamps.indices.map { drawCell(stamps[$0] / top, size: cellSize, frame: frame($0)) }
  let bottomRow = [blank, blank] + sums.indices.map { drawCell(sums[$0] / top, size: cellSize, frame: frame($0)) }
  return (Tensor.stack(topRow + bottomRow), sum.reshaped([1, 1, outputHeight, outputWidth]))
}

/// An H×W picture (values in [0, 1]) drawn as a 3×size×size RGB cell: each pixel a
/// square of brightness √value (so that a stamp scaled by 0.3 is still easy to see),
/// thin grey lines between pixels, and an optional red frame around the
/// `frame.size`×`frame.size` block of pixels whose corner is (`frame.row`, `frame.column`).
func drawCell(_ picture: Tensor, size: Int, frame: (row: Int, column: Int, size: Int)? = nil) -> Tensor {
  let (height, width) = (picture.shape[0], picture.shape[1])
  let pixel = size / max(height, width)
  var cell = Tensor(shape: [3, size, size], repeating: 0.5)
  for y in 0..<(height * pixel) {
    for x in 0..<(width * pixel) {
      let onLine = y % pixel == 0 || x % pixel == 0
      let value = onLine ? 0.35 : max(picture[y / pixel, x / pixel], 0).squareRoot()
      for c in 0..<3 { cell[c, y, x] = value }
    }
  }
  if let frame {
    let thickness = 3
    let (top, left) = (frame.row * pixel, frame.column * pixel)
    let (bottom, right) = (min((frame.row + frame.size) * pixel, height * pixel),
                           min((frame.column + frame.size) * pixel, width * pixel))
    for y in max(top, 0)..<bottom {
      for x in max(left, 0)..<right {
        let edge = y - top < thickness || bottom - 1 - y < thickness || x - left < thickness || right - 1 - x < thickness
        if edge { cell[0, y, x] = 1; cell[1, y, x] = 0.1; cell[2, y, x] = 0.1 }
      }
    }
  }
  return cell
}

// MARK: - Upsamplers and the checkerboard

/// One way to double the height and width of a 1-channel image: a transposed convolution,
/// or (`parameters == nil`) nearest-neighbour resize ×2 then a stride-1 convolution, padding 1.
struct Upsampler {
  var name: String
  var kernelSize: Int
  var parameters: TransposedConvolutionParameters?

  /// x 1×1×H×W, kernel 1×1×k×k → 1×1×2H×2W.
  func apply(_ x: Tensor, _ kernel: Tensor) -> Tensor {
    if let parameters { return TransposedConvolution.forwardReference(x, kernel, nil, parameters) }
    return Convolution.forwardReference(nearestResize2(x), kernel, nil, ConvolutionParameters(stride: 1, padding: 1))
  }
}

func boxKernel(_ size: Int) -> Tensor { Tensor(shape: [1, 1, size, size], repeating: 1) }

/// Nearest-neighbour resize ×2 of 1×1×H×W: every pixel becomes a 2×2 block. (This is also
/// a transposed convolution: k2 s2 with an all-ones kernel.)
func nearestResize2(_ x: Tensor) -> Tensor { nearestResize(x, 2) }

/// Nearest-neighbour resize ×`factor` of 1×1×H×W: every pixel becomes a factor×factor block.
func nearestResize(_ x: Tensor, _ factor: Int) -> Tensor {
  let (height, width) = (x.shape[2], x.shape[3])
  var y = Tensor(zeros: [1, 1, factor * height, factor * width])
  for i in 0..<(factor * height) {
    for j in 0..<(factor * width) { y[0, 0, i, j] = x[0, 0, i / factor, j / factor] }
  }
  return y
}

/// 2×2 average pooling of 1×1×H×W: a convolution with a 2×2 kernel of ¼ at stride 2.
func averagePool2(_ x: Tensor) -> Tensor {
  Convolution.forwardReference(x, Tensor(shape: [1, 1, 2, 2], repeating: 0.25), nil, ConvolutionParameters(stride: 2))
}

/// The strength of the period-2 pattern in y: the largest of its three "every other pixel"
/// Fourier components, relative to its mean,
///
///     max( |Σ (−1)^i y|, |Σ (−1)^j y|, |Σ (−1)^(i+j) y| ) / Σ y     (sums over all i, j)
///
/// 0 when rows, columns and the checkerboard have no period-2 part (a smooth picture, or
/// one made of aligned 2×2 blocks); 1/3 for the 1-2-4 overlap map. Smooth content has
/// almost nothing at this highest frequency, so what is left is the upsampler's artifact.
func checkerboardStrength(_ y: Tensor) -> Float {
  let (height, width) = (y.shape[2], y.shape[3])
  var rows = 0.0, columns = 0.0, diagonal = 0.0, total = 0.0
  for i in 0..<height {
    for j in 0..<width {
      let value = Double(y[0, 0, i, j])
      rows += i % 2 == 0 ? value : -value
      columns += j % 2 == 0 ? value : -value
      diagonal += (i + j) % 2 == 0 ? value : -value
      total += value
    }
  }
  return total > 0 ? Float(max(abs(rows), abs(columns), abs(diagonal)) / total) : 0
}

// MARK: - Helpers

/// ⟨a, b⟩ = Σ a·b, summed in Double.
func dot(_ a: Tensor, _ b: Tensor) -> Double {
  precondition(a.shape == b.shape, "dot: shapes \(a.shape) and \(b.shape) differ")
  return zip(a.data, b.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Prints the last two axes of a 1×1×H×W (or H×W) tensor as a small table.
func printMatrix(_ title: String, _ t: Tensor) {
  let (height, width) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
  print(title + ":")
  for i in 0..<height {
    print("  " + (0..<width).map { String(format: "%5.2f", t.data[i * width + $0]) }.joined(separator: " "))
  }
}

func pad(_ text: String, _ width: Int) -> String {
  text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
}


