// Lesson 02 — What a convolution does to an image.
//
// Hand-made 3×3 kernels (blur, sharpen, Sobel, Laplacian, emboss) slid over Fashion-MNIST
// pictures with the reference twin, `Convolution.forwardReference`: the seven loops of the
// textbook equation. Then several kernels as the output channels of one layer, stride and
// padding and the output-size rule, and the multiply-adds a layer costs.
// Read README.md beside this file for the chapter.
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
    let started = Timing.now()
    let startDate = Date()

    // 1. A few pictures ----------------------------------------------------------------
    Console.section("1. The input: one test image from each of six classes")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let run = try RunFolder.create(lesson: Self.lessonName, root: options.out)
    let classes = [0, 1, 2, 5, 7, 9]   // T-shirt/top, Trouser, Pullover, Sandal, Sneaker, Ankle boot
    let picked = classes.map { c in data.test.labels.firstIndex(of: c) ?? 0 }   // (0 if a subset lacks the class)
    let images = data.test.images.gather(picked)                     // N × 1 × 28 × 28
    print("x: Tensor \(images.shape) (N × C × H × W): "
          + zip(classes, picked).map { "\(FashionMNIST.classNames[$0]) (test #\($1))" }.joined(separator: ", "))
    try PNG.writeGrid(images, columns: images.shape[0], scale: scale, to: run.file("inputs.png"))
    print("wrote inputs.png")

    // 2. Hand-made kernels ---------------------------------------------------------------
    Console.section("2. Hand-made 3×3 kernels: y[i,j] = Σ_p Σ_q w[p,q] · x[i+p−1, j+q−1]  (stride 1, padding 1)")
    for kernel in kernels { print(kernel.matrixText) }

    let samePadding = ConvolutionParameters(stride: 1, padding: 1)
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
                      to: run.file("feature-maps.png"))
    print("wrote feature-maps.png: a row per image, a column per kernel in the order above")
    print("(sum-1 kernels in grey, clamped to [0, 1]; sum-0 kernels red + / white 0 / blue −,")
    print(" full colour at half the column's largest |value|, one scale per column)")

    // Edge magnitude: the length of the gradient (gx, gy) estimated by the two Sobel kernels.
    let gx = mapsPerKernel[kernels.firstIndex { $0.name == "Sobel x" }!]
    let gy = mapsPerKernel[kernels.firstIndex { $0.name == "Sobel y" }!]
    let magnitude = gx.zip(gy) { ($0 * $0 + $1 * $1).squareRoot() }
    try PNG.writeGrid(edgePanel(images, gx, gy, magnitude), columns: 4, scale: scale, to: run.file("edges.png"))
    let edgeCaption = "input | Sobel x (∂/∂column) | Sobel y (∂/∂row) | edge magnitude √(gx² + gy²), "
      + "max \(Format.number(magnitude.max()))"
    print("wrote edges.png: " + edgeCaption)

    // Deep learning's "convolution" does not flip the kernel. A true convolution does:
    // (x ⋆ flip(w)) is the textbook convolution x ∗ w.
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

    // 3. Many kernels as the channels of one layer ---------------------------------------
    Console.section("3. One layer, \(kernelCount) output channels: weight O×C×KH×KW = \(kernelCount)×1×3×3, one call")
    let layerWeight = Tensor.stack(kernels.map { $0.weight[item: 0] })     // K × 1 × 3 × 3
    let layerOutput = Convolution.forwardReference(images, layerWeight, nil, samePadding)
    print("x \(images.shape) ⋆ w \(layerWeight.shape), \(samePadding) → y \(layerOutput.shape)")
    let layerDifference = layerOutput.maxAbsDifference(featureMaps)
    print("max |one call − one kernel at a time| = \(Format.number(layerDifference))"
          + " (output channel o is just kernel o)")
    print("multiply-adds: N·O·C·KH·KW·OH·OW = \(count)·\(kernelCount)·1·3·3·28·28 = "
          + Format.count(multiplyAdds(images.shape, layerWeight.shape, samePadding)))
    // With C > 1, each output channel sums over every input channel: a second layer on
    // the two Sobel channels, with 1×1 kernels, mixes them into diagonal derivatives.
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

    // 4. Stride and padding ---------------------------------------------------------------
    Console.section("4. Stride and padding: OH = ⌊(H + 2·pad − KH) / stride⌋ + 1")
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
    try PNG.write(tensor: stripCanvas(strip), range: .zeroToOne, scale: scale, to: run.file("stride-padding.png"))
    print("wrote stride-padding.png")

    // 5. What a layer costs ----------------------------------------------------------------
    Console.section("5. Cost: a layer does N·O·C·KH·KW·OH·OW multiply-adds")
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
    let batch = data.test.images.slice(0..<min(64, data.test.count))
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

    // The run's page: what was run, the numbers, the pictures ----------------------------
    var report = RunReport(run: run, title: "Lesson 02 — What a convolution does to an image",
                           seed: options.seed, started: startDate)
    report.settings = [("seed", String(options.seed)), ("threads", String(Parallel.threadCount)),
                       ("scale", String(scale))]
    report.dataset = data.description
    report.metrics = [
      ("edge magnitude, max", Format.number(magnitude.max())),
      ("max |conv(x) + xcorr(x)|, Sobel x", Format.number(flipDifference)),
      ("max |one call − one kernel at a time|", Format.number(layerDifference)),
      ("max |1×1 mix of Sobel channels − Sobel x ± Sobel y layer|", Format.number(diagonalDifference)),
      ("multiply-adds, this lesson's layer", Format.count(ours)),
      ("multiply-adds, DCGAN discriminator layer 1", Format.count(first)),
      ("multiply-adds, DCGAN discriminator layer 2", Format.count(second)),
      ("max |forward − forwardReference|, layer 1", "\(Format.number(difference)) (outputs up to \(Format.number(largest)))"),
      ("reference time, layer 1, \(batch.shape[0]) images",
       "\(Format.duration(seconds)) (\(Format.number(Float(rate / 1e9))) G multiply-adds/s)"),
      ("reference time, layer 2 (estimated)", "≈ \(Format.duration(Double(second) / rate)) per batch, forward only"),
    ]
    report.addFigure("inputs.png", caption: "The input: one test image from each of six classes: "
                     + zip(classes, picked).map { "\(FashionMNIST.classNames[$0]) (test #\($1))" }.joined(separator: ", ") + ".")
    report.addFigure("feature-maps.png", caption: "A row per image, a column per kernel ("
                     + kernels.map(\.name).joined(separator: ", ")
                     + "); sum-1 kernels in grey, clamped to [0, 1]; sum-0 kernels red + / white 0 / blue −, "
                     + "full colour at half the column's largest |value|, one scale per column.")
    report.addFigure("edges.png", caption: edgeCaption + ".")
    report.addFigure("stride-padding.png", caption: "Left to right, one row per image, every output drawn at the "
                     + "same pixel size: " + stripSizes.joined(separator: "; ") + ".")
    try report.finish(started: started, pictures: "inputs.png, feature-maps.png, edges.png, stride-padding.png")
  }
}

// MARK: - The kernels

/// A hand-made 3×3 kernel: integer entries times a common factor 1/`divisor`.
struct Kernel {
  var name: String
  var divisor: Int
  var entries: [Int]          // row by row
  var what: String

  /// The weight tensor 1×1×3×3 (one output channel, one input channel).
  var weight: Tensor { Tensor(shape: [1, 1, 3, 3], data: entries.map { Float($0) / Float(divisor) }) }
  var sum: Float { Float(entries.reduce(0, +)) / Float(divisor) }
  /// Sum 1 keeps brightness (draw in grey); sum 0 answers only to change (draw signed).
  var isSigned: Bool { sum == 0 }
  var drawing: String { isSigned ? "sum 0: drawn red/white/blue" : "sum 1: drawn grey" }

  var matrixText: String {
    let factor = divisor == 1 ? "" : "1/\(divisor) ×"
    let rows = (0..<3).map { r in
      (0..<3).map { String(entries[r * 3 + $0]).leftPadded(3) }.joined()
    }
    let head = name.padding(toLength: 15, withPad: " ", startingAt: 0) + factor.leftPadded(7)
    let blank = String(repeating: " ", count: 22)
    let sumText = sum == sum.rounded() ? String(Int(sum)) : Format.number(sum)
    return head + rows[0] + "   sum \(sumText) — \(what)\n"
      + blank + rows[1] + "\n" + blank + rows[2]
  }
}

let kernels: [Kernel] = [
  Kernel(name: "identity", divisor: 1, entries: [0, 0, 0, 0, 1, 0, 0, 0, 0],
         what: "copies the centre pixel"),
  Kernel(name: "box blur", divisor: 9, entries: [1, 1, 1, 1, 1, 1, 1, 1, 1],
         what: "the mean of the 3×3 neighbourhood"),
  Kernel(name: "Gaussian blur", divisor: 16, entries: [1, 2, 1, 2, 4, 2, 1, 2, 1],
         what: "a weighted mean, the centre counting most"),
  Kernel(name: "sharpen", divisor: 1, entries: [0, -1, 0, -1, 5, -1, 0, -1, 0],
         what: "x − Laplacian: pushes a pixel away from its neighbours"),
  Kernel(name: "Sobel x", divisor: 1, entries: [-1, 0, 1, -2, 0, 2, -1, 0, 1],
         what: "right minus left: ∂x/∂column, smoothed over rows"),
  Kernel(name: "Sobel y", divisor: 1, entries: [-1, -2, -1, 0, 0, 0, 1, 2, 1],
         what: "below minus above: ∂x/∂row, smoothed over columns"),
  Kernel(name: "Laplacian", divisor: 1, entries: [0, 1, 0, 1, -4, 1, 0, 1, 0],
         what: "neighbours minus 4·centre: the second derivative"),
  Kernel(name: "emboss", divisor: 1, entries: [-2, -1, 0, -1, 1, 1, 0, 1, 2],
         what: "x plus a diagonal derivative: relief lit from the upper left"),
]

/// The kernel rotated by 180° (flipped in both axes): a true convolution's view of `w`.
func flip(_ w: Tensor) -> Tensor {
  let (o, c, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
  var out = w
  for a in 0..<(o * c) {
    for p in 0..<kh {
      for q in 0..<kw { out.data[(a * kh + p) * kw + q] = w.data[(a * kh + (kh - 1 - p)) * kw + (kw - 1 - q)] }
    }
  }
  return out
}

// MARK: - Stride and padding

struct SizeRow { var height, kernel, stride, padding: Int; var note: String }

let sizeTable: [SizeRow] = [
  SizeRow(height: 28, kernel: 3, stride: 1, padding: 0, note: "\"valid\": the border is lost"),
  SizeRow(height: 28, kernel: 3, stride: 1, padding: 1, note: "\"same\": p = (K−1)/2 keeps the size"),
  SizeRow(height: 28, kernel: 5, stride: 1, padding: 2, note: "\"same\" for a 5×5 kernel"),
  SizeRow(height: 28, kernel: 3, stride: 2, padding: 1, note: "stride 2 halves (r = 1: the last padding row is unread)"),
  SizeRow(height: 28, kernel: 4, stride: 2, padding: 1, note: "DCGAN discriminator layer 1: 28 → 14"),
  SizeRow(height: 14, kernel: 4, stride: 2, padding: 1, note: "DCGAN discriminator layer 2: 14 → 7"),
  SizeRow(height: 7, kernel: 4, stride: 2, padding: 1, note: "not exact: 5/2 = 2.5, the last padding row is never read"),
  SizeRow(height: 28, kernel: 3, stride: 3, padding: 0, note: "not exact: image row 27 is never read"),
  SizeRow(height: 28, kernel: 7, stride: 1, padding: 0, note: "a big kernel eats 2·3 rows"),
]

struct StrideExample { var label: String; var weight: Tensor; var parameters: ConvolutionParameters; var times: Int }

let strideExamples: [StrideExample] = [
  StrideExample(label: "Gaussian 3×3, stride 1, padding 0      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 1, padding: 0), times: 1),
  StrideExample(label: "Gaussian 3×3, stride 1, padding 1      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 1, padding: 1), times: 1),
  StrideExample(label: "identity 3×3, stride 2, padding 1      ", weight: kernels[0].weight,
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 1),
  StrideExample(label: "Gaussian 3×3, stride 2, padding 1      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 1),
  StrideExample(label: "box 4×4, stride 2, padding 1 (DCGAN)   ",
                weight: Tensor(shape: [1, 1, 4, 4], repeating: 1.0 / 16),
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 1),
  StrideExample(label: "box 4×4, stride 2, padding 1, twice    ",
                weight: Tensor(shape: [1, 1, 4, 4], repeating: 1.0 / 16),
                parameters: ConvolutionParameters(stride: 2, padding: 1), times: 2),
  StrideExample(label: "Gaussian 3×3, stride 3, padding 0      ", weight: kernels[2].weight,
                parameters: ConvolutionParameters(stride: 3, padding: 0), times: 1),
]

/// N·O·C·KH·KW·OH·OW for input `x` (N×C×H×W) and weight `w` (O×C×KH×KW).
func multiplyAdds(_ x: [Int], _ w: [Int], _ p: ConvolutionParameters) -> Int {
  let y = Convolution.outputShape(input: x, weight: w, p)
  return x[0] * w[0] * w[1] * w[2] * w[3] * y[2] * y[3]
}

// MARK: - Drawing

/// Red for +t, white for 0, blue for −t (t in [0, 1]), as in lesson 01.
func diverging(_ t: Float) -> (Float, Float, Float) {
  let fade = 1 - min(abs(t), 1)
  return t >= 0 ? (1, fade, fade) : (fade, fade, 1)
}

/// Signed maps reach full colour at this fraction of their largest |value| (stronger
/// values saturate), so that the weaker edges inside a garment stay visible.
let saturation: Float = 0.5

/// N×K×H×W feature maps as (N·K)×3×H×W colour cells: kernels that sum to 1 in grey,
/// clamped to [0, 1]; kernels that sum to 0 red/white/blue, full colour at half the
/// largest |value| of that kernel over all images (one scale per column, so the images
/// of a column compare).
func colourize(_ maps: Tensor, kernels: [Kernel]) -> Tensor {
  let (count, kernelCount, height, width) = (maps.shape[0], maps.shape[1], maps.shape[2], maps.shape[3])
  let plane = height * width
  var out = Tensor(zeros: [count * kernelCount, 3, height, width])
  for k in 0..<kernelCount {
    var largest: Float = 0
    for n in 0..<count {
      for i in 0..<plane { largest = max(largest, abs(maps.data[(n * kernelCount + k) * plane + i])) }
    }
    for n in 0..<count {
      let cell = n * kernelCount + k
      for i in 0..<plane {
        let v = maps.data[cell * plane + i]
        let (r, g, b) = kernels[k].isSigned ? diverging(largest > 0 ? v / (saturation * largest) : 0) : (v, v, v)
        out.data[(cell * 3 + 0) * plane + i] = r
        out.data[(cell * 3 + 1) * plane + i] = g
        out.data[(cell * 3 + 2) * plane + i] = b
      }
    }
  }
  return out
}

/// Rows of: input (grey) | gx | gy (red/white/blue, one common scale) | magnitude (grey,
/// black 0 to white), as (4N)×3×H×W cells; full colour and white at `saturation` times
/// the largest value.
func edgePanel(_ images: Tensor, _ gx: Tensor, _ gy: Tensor, _ magnitude: Tensor) -> Tensor {
  let (count, height, width) = (images.shape[0], images.shape[2], images.shape[3])
  let plane = height * width
  let signedScale = saturation * max(gx.map(abs).max(), gy.map(abs).max())
  let magnitudeScale = saturation * magnitude.max()
  var out = Tensor(zeros: [count * 4, 3, height, width])
  for n in 0..<count {
    for i in 0..<plane {
      let m = min(magnitude.data[n * plane + i] / magnitudeScale, 1)
      let colours = [(images.data[n * plane + i], images.data[n * plane + i], images.data[n * plane + i]),
                     diverging(gx.data[n * plane + i] / signedScale),
                     diverging(gy.data[n * plane + i] / signedScale),
                     (m, m, m)]
      for (column, (r, g, b)) in colours.enumerated() {
        let cell = n * 4 + column
        out.data[(cell * 3 + 0) * plane + i] = r
        out.data[(cell * 3 + 1) * plane + i] = g
        out.data[(cell * 3 + 2) * plane + i] = b
      }
    }
  }
  return out
}

/// One grey canvas (1×H×W) with a row per image and, in each row, the outputs (1×h×w,
/// any size) side by side at one pixel per value, 2 pixels of mid-grey between them.
func stripCanvas(_ rows: [[Tensor]]) -> Tensor {
  let gap = 2
  let widths = rows[0].map { $0.shape[2] }
  let rowHeight = rows[0].map { $0.shape[1] }.max()!
  let width = widths.reduce(gap) { $0 + $1 + gap }
  let height = rows.count * (rowHeight + gap) + gap
  var canvas = Tensor(shape: [1, height, width], repeating: 0.5)
  for (r, row) in rows.enumerated() {
    var left = gap
    let top = gap + r * (rowHeight + gap)
    for picture in row {
      let (h, w) = (picture.shape[1], picture.shape[2])
      for y in 0..<h {
        for x in 0..<w { canvas.data[(top + y) * width + left + x] = picture.data[y * w + x] }
      }
      left += w + gap
    }
  }
  return canvas
}
