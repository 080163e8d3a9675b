// Lesson 02 — What a convolution does to an image.
//
// Hand-made 3×3 kernels (blur, sharpen, Sobel, Laplacian, emboss) slid over Fashion-MNIST
// pictures with the reference twin, `Convolution.forwardReference`: the seven loops of the
// textbook equation. Then several kernels as the output channels of one layer, stride and
// padding and the output-size rule, and the multiply-adds a layer costs.
// Read README.md beside this file for the chapter. The kernels and the stride examples are
// in Kernels.swift, the pictures in Pictures.swift.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson02: LessonCommand {
  static let lessonName = "lesson02-convolution"
  static let abstract = "What a convolution does to an image: hand-made kernels, channels, stride, padding, cost."

  @OptionGroup var options: LessonOptions
  // This lesson always runs the reference twin (it is the textbook), so `--impl` does
  // not apply; the optimized twin appears once, as a check, in section 5.

  @Option(parsing: .unconditional, help: "Pixels per image pixel in the pictures (28×28 images become 28·scale wide).")
  var scale: Int = 4

  mutating func validate() throws {
    if scale < 1 || scale > 16 { throw ValidationError("--scale must be in 1…16, got \(scale)") }
  }

  mutating func run() throws {
    try options.rejectTrainingFlags(lesson: Self.lessonName)
    options.apply()

    Console.section("1. The input: one test image from each of six classes")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let run = try LessonRun(lesson: Self.lessonName, title: "Lesson 02 — What a convolution does to an image",
                            options: options, dataset: data.description)
    run.settingRows.append(("scale", String(scale)))

    let images = try pickInputs(data.test, run: run)                 // N × 1 × 28 × 28
    let maps = try slideKernels(over: images, run: run)
    let layerWeight = oneLayer(images, maps, run: run)
    try strideAndPadding(images, run: run)
    cost(of: images, layerWeight, test: data.test, run: run)

    try run.finish(pictures: "inputs.png, feature-maps.png, edges.png, stride-padding.png")
  }

  // MARK: - 1. A few pictures

  /// The first test image of six classes, N × 1 × 28 × 28 (N = 6), drawn side by side (`inputs.png`).
  func pickInputs(_ test: FashionMNIST.Split, run: LessonRun) throws -> Tensor {
    let classes = [0, 1, 2, 5, 7, 9]   // T-shirt/top, Trouser, Pullover, Sandal, Sneaker, Ankle boot
    let picked = classes.map { c in test.labels.firstIndex(of: c) ?? 0 }   // (0 if a subset lacks the class)
    let images = test.images.gather(picked)                          // N × 1 × 28 × 28
    let names = zip(classes, picked).map { "\(FashionMNIST.classNames[$0]) (test #\($1))" }.joined(separator: ", ")
    print("x: Tensor \(images.shape) (N × C × H × W): " + names)
    try PNG.writeGrid(images, columns: images.shape[0], scale: scale, to: run.folder.file("inputs.png"))
    print("wrote inputs.png")
    run.report.addFigure("inputs.png", caption: "The input: one test image from each of six classes: " + names + ".")
    return images
  }

  // MARK: - 2. Hand-made kernels

  /// What section 2 leaves for section 3: every kernel's output, and the two Sobel outputs.
  struct KernelMaps {
    /// N × K × 28 × 28: output channel k is kernel k alone on image n.
    var featureMaps: Tensor
    /// N × 1 × 28 × 28: the Sobel x (∂/∂column) and Sobel y (∂/∂row) outputs.
    var gx, gy: Tensor
  }

  /// Prints every kernel, runs each on every image (one kernel at a time), draws the outputs
  /// (`feature-maps.png`) and the edges that the two Sobel kernels find (`edges.png`), then
  /// compares cross-correlation with a true convolution.
  func slideKernels(over images: Tensor, run: LessonRun) throws -> KernelMaps {
    Console.section("2. Hand-made 3×3 kernels: y[i,j] = Σ_p Σ_q w[p,q] · x[i+p−1, j+q−1]  (stride 1, padding 1)")
    for kernel in kernels { print(kernel.matrixText) }

    // One kernel at a time: weight 1×1×3×3 (one output channel, one input channel).
    var mapsPerKernel: [Tensor] = []                                  // each N × 1 × 28 × 28
    for kernel in kernels {
      mapsPerKernel.append(Convolution.forwardReference(images, kernel.weight, nil, samePadding))
    }
    // Rows = images, columns = kernels: stack as N × K (one cell per (image, kernel)).
    let count = images.shape[0], kernelCount = kernels.count
    var featureCells: [Tensor] = []
    for n in 0..<count {
      for k in 0..<kernelCount { featureCells.append(mapsPerKernel[k][item: n]) }   // 1 × 28 × 28
    }
    let featureMaps = Tensor.stack(featureCells).reshaped([count, kernelCount, 28, 28])
    print("\nper kernel: output range over the \(count) images")
    for (k, kernel) in kernels.enumerated() {
      let maps = mapsPerKernel[k]
      print("  \(kernel.name.padding(toLength: 14, withPad: " ", startingAt: 0)) "
            + "[\(Format.number(maps.min())), \(Format.number(maps.max()))]  \(kernel.drawing)")
    }
    try PNG.writeGrid(colourize(featureMaps, kernels: kernels), columns: kernelCount, scale: scale,
                      to: run.folder.file("feature-maps.png"))
    print("wrote feature-maps.png: a row per image, a column per kernel in the order above")
    print("(sum-1 kernels in grey, clamped to [0, 1]; sum-0 kernels red + / white 0 / blue −,")
    print(" full colour at half the column's largest |value|, one scale per column)")
    run.report.addFigure("feature-maps.png", caption: "A row per image, a column per kernel ("
                         + kernels.map(\.name).joined(separator: ", ")
                         + "); sum-1 kernels in grey, clamped to [0, 1]; sum-0 kernels red + / white 0 / blue −, "
                         + "full colour at half the column's largest |value|, one scale per column.")

    let gx = mapsPerKernel[kernels.firstIndex { $0.name == "Sobel x" }!]
    let gy = mapsPerKernel[kernels.firstIndex { $0.name == "Sobel y" }!]
    try drawEdges(images, gx: gx, gy: gy, run: run)
    flipTheKernel(images, gx: gx, run: run)
    return KernelMaps(featureMaps: featureMaps, gx: gx, gy: gy)
  }

  /// Edge magnitude: the length of the gradient (gx, gy) estimated by the two Sobel kernels,
  /// drawn beside the input and gx and gy (`edges.png`).
  func drawEdges(_ images: Tensor, gx: Tensor, gy: Tensor, run: LessonRun) throws {
    let magnitude = gx.zip(gy) { ($0 * $0 + $1 * $1).squareRoot() }
    try PNG.writeGrid(edgePanel(images, gx, gy, magnitude), columns: 4, scale: scale, to: run.folder.file("edges.png"))
    let edgeCaption = "input | Sobel x (∂/∂column) | Sobel y (∂/∂row) | edge magnitude √(gx² + gy²), "
      + "max \(Format.number(magnitude.max()))"
    print("wrote edges.png: " + edgeCaption)
    run.report.metrics.append(("edge magnitude, max", Format.number(magnitude.max())))
    run.report.addFigure("edges.png", caption: edgeCaption + ".")
  }

  /// Deep learning's "convolution" does not flip the kernel. A true convolution does:
  /// (x ⋆ flip(w)) is the textbook convolution x ∗ w.
  func flipTheKernel(_ images: Tensor, gx: Tensor, run: LessonRun) {
    let flipped = Convolution.forwardReference(images, flip(kernels[4].weight), nil, samePadding)
    print("\ncross-correlation vs convolution: a true convolution uses the kernel rotated 180°.")
    let flipDifference = flipped.maxAbsDifference(-gx)
    print("  Sobel x rotated is −Sobel x: max |conv(x) + xcorr(x)| = \(Format.number(flipDifference))"
          + " (the true convolution just flips the sign)")
    let own = kernels.filter { flip($0.weight) == $0.weight }.map(\.name)
    let negated = kernels.filter { flip($0.weight) == -$0.weight }.map(\.name)
    print("  their own flip (no difference at all): \(own.joined(separator: ", "))")
    print("  flip to their negative: \(negated.joined(separator: ", ")); emboss flips to light from the lower right")
    print("  a learned kernel does not care: the network learns the flipped weights instead.")
    run.report.metrics.append(("max |conv(x) + xcorr(x)|, Sobel x", Format.number(flipDifference)))
  }

  // MARK: - 3. Many kernels as the channels of one layer

  /// All kernels as the output channels of one layer, in one call, checked against section 2;
  /// then a layer with two input channels (gx, gy). Returns the layer's weight, K × 1 × 3 × 3.
  func oneLayer(_ images: Tensor, _ maps: KernelMaps, run: LessonRun) -> Tensor {
    let count = images.shape[0], kernelCount = kernels.count
    Console.section("3. One layer, \(kernelCount) output channels: weight O×C×KH×KW = \(kernelCount)×1×3×3, one call")
    let layerWeight = Tensor.stack(kernels.map { $0.weight[item: 0] })     // K × 1 × 3 × 3
    let layerOutput = Convolution.forwardReference(images, layerWeight, nil, samePadding)
    print("x \(images.shape) ⋆ w \(layerWeight.shape), \(samePadding) → y \(layerOutput.shape)")
    let layerDifference = layerOutput.maxAbsDifference(maps.featureMaps)
    print("max |one call − one kernel at a time| = \(Format.number(layerDifference))"
          + " (output channel o is just kernel o)")
    print("multiply-adds: N·O·C·KH·KW·OH·OW = \(count)·\(kernelCount)·1·3·3·28·28 = "
          + Format.count(multiplyAdds(images.shape, layerWeight.shape, samePadding)))
    // With C > 1, each output channel sums over every input channel: a second layer on
    // the two Sobel channels, with 1×1 kernels, mixes them into diagonal derivatives.
    let (gx, gy) = (maps.gx, maps.gy)
    let sobels = Tensor.stack((0..<count).map { n in Tensor.stack([gx[item: n][item: 0], gy[item: n][item: 0]]) })
    let mixWeight = Tensor(shape: [2, 2, 1, 1], data: [1, 1, 1, -1])   // o0 = gx + gy, o1 = gx − gy
    let diagonals = Convolution.forwardReference(sobels, mixWeight, nil, ConvolutionParameters())
    let diagonalKernels = Tensor.stack([kernels[4].weight[item: 0] + kernels[5].weight[item: 0],
                                        kernels[4].weight[item: 0] - kernels[5].weight[item: 0]])
    let direct = Convolution.forwardReference(images, diagonalKernels, nil, samePadding)
    print("two input channels (gx, gy) ⋆ w 2×2×1×1 = [[1, 1], [1, −1]]: y[o] = Σ_c w[o,c]·x[c] → \(diagonals.shape)")
    let diagonalDifference = diagonals.maxAbsDifference(direct)
    print("  equals one 3×3 layer with kernels Sobel x ± Sobel y: max difference \(Format.number(diagonalDifference))"
          + " (rounding)")
    print("  convolutions are linear: two in a row are one convolution, until a non-linearity sits between them.")
    run.report.metrics += [
      ("max |one call − one kernel at a time|", Format.number(layerDifference)),
      ("max |1×1 mix of Sobel channels − Sobel x ± Sobel y layer|", Format.number(diagonalDifference)),
    ]
    return layerWeight
  }

  // MARK: - 4. Stride and padding

  /// Prints the output-size table (`sizeTable`), then runs every `strideExamples` layer on the
  /// images and draws the outputs side by side at one size per pixel (`stride-padding.png`).
  func strideAndPadding(_ images: Tensor, run: LessonRun) throws {
    Console.section("4. Stride and padding: OH = ⌊(H + 2·pad − KH) / stride⌋ + 1")
    printSizeTable()

    let count = images.shape[0]
    var stripSizes = ["input 28×28"]
    var strip: [[Tensor]] = Array(repeating: [], count: count)        // per image, the outputs in order
    for n in 0..<count { strip[n].append(images[item: n]) }
    print("\nstride-padding.png, left to right (one row per image, every output drawn at the same pixel size):")
    print("  input 28×28")
    for example in strideExamples {
      var y = images
      for _ in 0..<example.times { y = Convolution.forwardReference(y, example.weight, nil, example.parameters) }
      let expected = Convolution.outputShape(input: images.shape, weight: example.weight.shape, example.parameters)
      precondition(example.times > 1 || y.shape == expected, "output \(y.shape) differs from the formula's \(expected)")
      for n in 0..<count { strip[n].append(y[item: n]) }
      print("  \(example.label): 28×28 → \(y.shape[2])×\(y.shape[3])")
      stripSizes.append("\(example.label.trimmingCharacters(in: .whitespaces)): 28×28 → \(y.shape[2])×\(y.shape[3])")
    }
    try PNG.write(tensor: stripCanvas(strip), range: .zeroToOne, scale: scale, to: run.folder.file("stride-padding.png"))
    print("wrote stride-padding.png")
    run.report.addFigure("stride-padding.png", caption: "Left to right, one row per image, every output drawn at the "
                         + "same pixel size: " + stripSizes.joined(separator: "; ") + ".")
  }

  /// One line per `sizeTable` row: the output-size rule worked out, and what is left over.
  func printSizeTable() {
    print("    H   K  stride pad | H+2p−K  ÷ stride  remainder |  OH  | note")
    for row in sizeTable {
      let reach = row.height + 2 * row.padding - row.kernel
      let p = ConvolutionParameters(stride: row.stride, padding: row.padding)
      let shape = Convolution.outputShape(input: [1, 1, row.height, row.height],
                                          weight: [1, 1, row.kernel, row.kernel], p)
      print(String(format: "  %3d  %2d  %4d   %3d | %5d   %5d   %7d    | %3d  | ",
                   row.height, row.kernel, row.stride, row.padding, reach, reach / row.stride,
                   reach % row.stride, shape[2]) + row.note)
    }
    print("""
      remainder r ≠ 0: the last window starts at (OH−1)·s and ends r rows before the end of the
      padded input, so the last r rows (and columns) are never read. In 7 → 3 they are padding
      (harmless); in 28 → 9 with k3 s3 p0 a row of the image itself is dropped.
      """)
  }

  // MARK: - 5. What a layer costs

  /// The multiply-adds of this lesson's layer (`layerWeight`, K × 1 × 3 × 3) and of the two DCGAN
  /// discriminator layers; then the twins checked on DCGAN layer 1 and the reference timed.
  func cost(of images: Tensor, _ layerWeight: Tensor, test: FashionMNIST.Split, run: LessonRun) {
    Console.section("5. Cost: a layer does N·O·C·KH·KW·OH·OW multiply-adds")
    let count = images.shape[0], kernelCount = kernels.count
    let dcgan1 = (input: [64, 1, 28, 28], weight: [64, 1, 4, 4])
    let dcgan2 = (input: [64, 64, 14, 14], weight: [128, 64, 4, 4])
    let down = ConvolutionParameters(stride: 2, padding: 1)
    let ours = multiplyAdds(images.shape, layerWeight.shape, samePadding)
    let first = multiplyAdds(dcgan1.input, dcgan1.weight, down)
    let second = multiplyAdds(dcgan2.input, dcgan2.weight, down)
    print("this lesson's layer   \(count)×1×28×28 ⋆ \(kernelCount)×1×3×3 s1 p1 → \(count)×\(kernelCount)×28×28: "
          + "\(Format.count(ours).leftPadded(13)) multiply-adds")
    print("DCGAN discriminator 1 64×1×28×28  ⋆ 64×1×4×4  s2 p1 → 64×64×14×14: \(Format.count(first).leftPadded(13))")
    print("DCGAN discriminator 2 64×64×14×14 ⋆ 128×64×4×4 s2 p1 → 64×128×7×7: \(Format.count(second).leftPadded(13))")

    // Check, then time: the reference on the first DCGAN layer, real images, random weights.
    var rng = RNG(seed: options.seed)
    let batch = test.images.slice(0..<min(64, test.count))
    let weight = Tensor.normal([64, 1, 4, 4], std: 0.02, using: &rng)
    let reference = Convolution.forwardReference(batch, weight, nil, down)
    let optimized = Convolution.forward(batch, weight, nil, down)
    let difference = optimized.maxAbsDifference(reference)
    let largest = reference.map(abs).max()
    print("\ncheck: Convolution.forward (im2col + GEMM) vs forwardReference on layer 1, \(batch.shape[0]) test images: "
          + "max difference \(Format.number(difference)) (outputs up to \(Format.number(largest)))")
    precondition(difference <= 1e-4 * largest + 1e-6,
                 "the convolution twins disagree by \(difference): this is a bug, please report it")
    let seconds = Timing.measure(warmup: 1, minRepeats: 3, minSeconds: 0) {
      _ = Convolution.forwardReference(batch, weight, nil, down)
    }.min
    let rate = Double(multiplyAdds(batch.shape, weight.shape, down)) / seconds
    print("time: the reference does layer 1 for \(batch.shape[0]) images in \(Format.duration(seconds)) "
          + "(\(Format.number(Float(rate / 1e9))) G multiply-adds/s)")
    print("at that rate layer 2 takes ≈ \(Format.duration(Double(second) / rate)) per batch, forward only; "
          + "training runs forward and backward thousands of times.")
    print("lesson 03 (im2col) turns the seven loops into one matrix product and makes this about 100× faster.")
    run.report.metrics += [
      ("multiply-adds, this lesson's layer", Format.count(ours)),
      ("multiply-adds, DCGAN discriminator layer 1", Format.count(first)),
      ("multiply-adds, DCGAN discriminator layer 2", Format.count(second)),
      ("max |forward − forwardReference|, layer 1", "\(Format.number(difference)) (outputs up to \(Format.number(largest)))"),
      ("reference time, layer 1, \(batch.shape[0]) images",
       "\(Format.duration(seconds)) (\(Format.number(Float(rate / 1e9))) G multiply-adds/s)"),
      ("reference time, layer 2 (estimated)", "≈ \(Format.duration(Double(second) / rate)) per batch, forward only"),
    ]
  }
}
