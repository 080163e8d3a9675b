// Lesson 03 — im2col: why every fast library turns convolution into one matrix product.
//
// Copy every receptive field of the input into a column of a matrix `cols`; then the
// whole convolution, every output pixel of every image, is ONE product Y = W·cols that
// the packed GEMM computes near the machine's peak. The lesson shows `cols` for one real
// image, checks that W·cols is the convolution, checks the twins forward and backward on
// the two DCGAN discriminator layers, then times them and shows the price: memory.
// Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson03: LessonCommand {
  static let lessonName = "lesson03-im2col"
  static let abstract = "im2col: a convolution as one matrix product, checked against the direct loops, then timed."

  @OptionGroup var options: LessonOptions

  // This lesson runs both convolution twins side by side, so `--impl` does not apply here.
  @Option(parsing: .unconditional, help: "Which training image to take apart into patches (an index into the training set).")
  var image: Int = 0

  @Option(parsing: .unconditional, help: "Images per batch for the two DCGAN layers that are checked and timed.")
  var batch: Int = 64

  mutating func validate() throws {
    if image < 0 { throw ValidationError("--image must be 0 or more, got \(image)") }
    if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
  }

  mutating func run() throws {
    try options.rejectTrainingFlags(lesson: Self.lessonName)
    options.apply()
    let started = Timing.now()
    let startDate = Date()

    // 1. One image, taken apart ------------------------------------------------------
    Console.section("1. One image as a matrix of patches: cols = im2col(x)")
    let data = try FashionMNIST.load(explicitPath: options.data, limit: max(batch, image + 1))
    print(data.description)
    guard image < data.train.count else {
      throw ValidationError("--image \(image) is past the last of the \(Format.count(data.train.count)) training images")
    }
    guard batch <= data.train.count else {
      throw ValidationError("--batch \(batch) is more than the \(Format.count(data.train.count)) training images")
    }
    let run = try RunFolder.create(lesson: Self.lessonName, root: options.out)
    let label = FashionMNIST.classNames[data.train.labels[image]]
    let x = data.train.images.slice(image..<(image + 1))               // 1 × 1 × 28 × 28
    let p1 = ConvolutionParameters(stride: 1, padding: 1)
    let g = ConvolutionGeometry(batch: 1, channels: 1, height: 28, width: 28,
                                kernelHeight: 3, kernelWidth: 3, parameters: p1)
    let cols = im2colMatrix(x, g)
    // im2col of an all-ones image is 1 where a patch reads the image and 0 where it reads padding.
    let inside = im2colMatrix(Tensor(shape: x.shape, repeating: 1), g)
    print("training image \(image) (\(label)), 28×28; kernel 3×3, \(p1) → output 28×28")
    print("cols is (C·KH·KW) × (N·OH·OW) = \(g.patchSize) × \(g.patchCount):")
    print("  column (n·OH + i)·OW + j is the 3×3 patch under output pixel (i, j), read row by row: the numbers")
    print("    one output pixel needs, side by side;")
    print("  row (c·KH + p)·KW + q is one kernel tap (p, q): for every output pixel, the input pixel at offset")
    print("    (p − 1, q − 1), so each row is the whole image shifted by one pixel, and row 4 (the centre tap) is the image.")
    try PNG.write(stripsPicture(cols, inside: inside, strips: 4, cell: (4, 8), groupEvery: 28, gap: 6),
                  to: run.file("cols-28x28.png"))
    try PNG.writeGrid(patchTiles(cols, inside: inside, g), columns: g.outputWidth, padding: 1, scale: 3,
                      to: run.file("patches-28x28.png"))
    print("wrote cols-28x28.png: the 9 × 784 matrix cut into 4 strips of 196 columns (read like lines of text),")
    print("      a red line every 28 columns (one output row); blue marks a zero that comes from the padding;")
    print("      patches-28x28.png: its 784 columns, each folded back to a 3×3 tile and put at its output pixel.")

    // The same on a small crop, big enough to read number by number.
    let (top, left) = busiestCrop(x, size: 8)
    let crop = cropImage(x, top: top, left: left, size: 8)
    let gc = ConvolutionGeometry(batch: 1, channels: 1, height: 8, width: 8,
                                 kernelHeight: 3, kernelWidth: 3, parameters: p1)
    let cropCols = im2colMatrix(crop, gc)
    let cropInside = im2colMatrix(Tensor(shape: crop.shape, repeating: 1), gc)
    let (i, j) = (2, 5)                          // the output pixel whose patch is framed in orange
    let column = i * gc.outputWidth + j
    try PNG.write(paddedPicture(crop, padding: 1, cell: 24, highlight: (i..<(i + 3), j..<(j + 3))),
                  to: run.file("crop-8x8.png"))
    try PNG.write(matrixPicture(cropCols, inside: cropInside, cell: (14, 14), lines: true, groupEvery: 8,
                                highlight: (0..<gc.patchSize, column..<(column + 1))),
                  to: run.file("cols-crop-9x64.png"))
    try PNG.writeGrid(rowsAsImages(cropCols, inside: cropInside, gc), columns: 3, padding: 12, scale: 16,
                      to: run.file("cols-crop-rows.png"))
    try PNG.write(framedGrid(patchTiles(cropCols, inside: cropInside, gc), columns: 8, padding: 6, scale: 12,
                             framing: column),
                  to: run.file("patches-crop.png"))
    print("\nthe same for an 8×8 crop, rows \(top)..<\(top + 8), columns \(left)..<\(left + 8) of the image (the window")
    print("with the most edges), treated as an image of its own with 1 pixel of zero padding: cols is \(gc.patchSize) × \(gc.patchCount).")
    print("wrote crop-8x8.png (the crop in its blue padding), cols-crop-9x64.png (the matrix, one square per number),")
    print("      cols-crop-rows.png (its 9 rows folded back to 8×8: the crop shifted nine ways, padding sliding in),")
    print("      patches-crop.png (its 64 columns as 3×3 tiles). The orange frames are output pixel (\(i), \(j)):")
    print("column \(column) = (i·OW + j) holds the patch of crop rows \(i - 1)...\(i + 1), columns \(j - 1)...\(j + 1), row by row:")
    for p in 0..<3 {
      let values = (0..<3).map { q in Format.number(cropCols.data[(p * 3 + q) * gc.patchCount + column]) }
      print("    cols[\(p * 3)...\(p * 3 + 2), \(column)] = x[\(i - 1 + p), \(j - 1)...\(j + 1)] = "
            + values.map { $0.padding(toLength: 6, withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }

    // 2. The convolution is W · cols -----------------------------------------------------
    Console.section("2. The convolution is one product: Y = W · cols")
    let kernels = handMadeKernels()                                    // 4 × 1 × 3 × 3
    let w = kernels.weight.reshaped([kernels.names.count, g.patchSize])    // O × (C·KH·KW) = 4 × 9
    let product = MatMul.multiply(w, cols)                             // 4 × 784
    let viaIm2col = product.reshaped([1, kernels.names.count, 28, 28])
    let direct = Convolution.forwardReference(x, kernels.weight, nil, p1)
    print("W is O × (C·KH·KW) = \(w.shape[0]) × \(w.shape[1]): each row a 3×3 kernel, read row by row ("
          + kernels.names.joined(separator: ", ") + ")")
    print("W · cols is \(product.shape[0]) × \(product.shape[1]); reshaped to 1 × 4 × 28 × 28 it is the convolution:")
    let im2colDifference = "\(Format.number(direct.maxAbsDifference(viaIm2col)))"
      + " (outputs up to \(Format.number(direct.map(abs).max())))"
    print("max |W·cols − Convolution.forwardReference(x)| = " + im2colDifference)
    try PNG.writeGrid(featureMaps(x, viaIm2col), columns: 5, padding: 3, scale: 4, to: run.file("feature-maps.png"))
    print("wrote feature-maps.png: the image, then the 4 rows of W·cols folded to 28×28 (each from its min to its max)")

    // 3. Check the twins on the DCGAN layers ---------------------------------------------
    Console.section("3. The twins on the DCGAN discriminator layers: check, then time")
    let threads = Parallel.threadCount
    print("batch \(batch), kernel 4×4, stride 2, padding 1 (halves the size); real images through layer 1,")
    print("its leaky-ReLU output through layer 2; seeded weights (seed \(options.seed)) and output gradients.")
    print("optimized twin on \(threads) thread\(threads == 1 ? "" : "s") "
          + (threads == 1 ? "(without --threads it uses every core)" : "(try --threads 1 for the speed-up per core)")
          + "; the reference is one loop nest on one thread.")
    var rng = RNG(seed: options.seed)
    let images = data.train.images.slice(0..<batch)
    let first = Layer(name: "Conv 1→64, 28→14", x: images, outChannels: 64, using: &rng)
    let hidden = Convolution.forward(first.x, first.weight, first.bias, first.parameters).map { $0 > 0 ? $0 : 0.2 * $0 }
    let second = Layer(name: "Conv 64→128, 14→7", x: hidden, outChannels: 128, using: &rng)
    var layerMetrics: [(key: String, value: String)] = []
    for layer in [first, second] { layerMetrics += examine(layer) }

    // The run's page: what was run, the numbers, the pictures ----------------------------
    var report = RunReport(run: run, title: "Lesson 03 — im2col: a convolution as one matrix product",
                           seed: options.seed, started: startDate)
    report.settings = [("seed", String(options.seed)), ("threads", String(threads)),
                       ("image", String(image)), ("batch", String(batch))]
    report.dataset = data.description
    report.metrics = [("max |W·cols − Convolution.forwardReference(x)|", im2colDifference)] + layerMetrics
    report.addFigure("cols-28x28.png", caption: "cols for training image \(image) (\(label)): the 9 × 784 matrix cut into "
                     + "4 strips of 196 columns (read like lines of text), a red line every 28 columns (one output row); "
                     + "blue marks a zero that comes from the padding.")
    report.addFigure("patches-28x28.png", caption: "The 784 columns of cols, each folded back to a 3×3 tile and put at its output pixel.")
    let frame = "The orange frames are output pixel (\(i), \(j)), column \(column) of cols."
    report.addFigure("crop-8x8.png", caption: "The 8×8 crop, rows \(top)..<\(top + 8), columns \(left)..<\(left + 8) "
                     + "of the image (the window with the most edges), in its blue padding. " + frame)
    report.addFigure("cols-crop-9x64.png", caption: "The crop's cols, \(gc.patchSize) × \(gc.patchCount), one square per number. " + frame)
    report.addFigure("cols-crop-rows.png", caption: "The 9 rows of the crop's cols folded back to 8×8: "
                     + "the crop shifted nine ways, padding sliding in.")
    report.addFigure("patches-crop.png", caption: "The crop's 64 columns as 3×3 tiles. " + frame)
    report.addFigure("feature-maps.png", caption: "The image, then the 4 rows of W·cols folded to 28×28 "
                     + "(" + kernels.names.joined(separator: ", ") + "; each from its min to its max).")
    try report.finish(started: started)
  }

  /// Checks the twins on one layer, then times them, then shows where the optimized
  /// forward spends its time and what `cols` costs in memory.
  /// Returns the numbers it prints, as report metrics.
  func examine(_ layer: Layer) -> [(key: String, value: String)] {
    let g = layer.geometry
    let outChannels = layer.weight.shape[0]
    print("\n\(layer.name): x \(layer.x.shape) → y [\(g.batch), \(outChannels), \(g.outputHeight), \(g.outputWidth)]")
    print("  cols is \(g.patchSize) × \(Format.count(g.patchCount)); the GEMM is W \(outChannels) × \(g.patchSize)"
          + " · cols \(g.patchSize) × \(Format.count(g.patchCount))")

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
    var metrics: [(key: String, value: String)] = [("\(layer.name): max |optimized − reference|", line.joined(separator: ", "))]

    // Time the optimized twin: forward, forward + backward, and the forward's two parts
    // (im2col alone, the GEMM alone), each repeated back to back, keeping its fastest run.
    // Four rounds of all four, so a burst of other work on the machine cannot spoil just one.
    var cols = [Float](repeating: 0, count: g.patchSize * g.patchCount)
    var product = [Float](repeating: 0, count: outChannels * g.patchCount)
    var (forward, forwardBackward) = (Double.infinity, Double.infinity)
    var (im2colTime, gemmTime) = (Double.infinity, Double.infinity)
    for round in 0..<4 {
      let warmup = round == 0 ? 1 : 0
      forward = min(forward, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.05) {
        _ = Convolution.forward(layer.x, layer.weight, layer.bias, layer.parameters)
      }.min)
      forwardBackward = min(forwardBackward, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.1) {
        _ = Convolution.forward(layer.x, layer.weight, layer.bias, layer.parameters)
        _ = Convolution.backward(layer.x, layer.weight, layer.outputGradient, layer.parameters, hasBias: true)
      }.min)
      im2colTime = min(im2colTime, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.03) {
        layer.x.withUnsafeBufferPointer { x in cols.withUnsafeMutableBufferPointer { Im2col.im2col(x, g, into: $0) } }
      }.min)
      gemmTime = min(gemmTime, Timing.measure(warmup: warmup, minRepeats: 3, minSeconds: 0.03) {
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
    // Multiply-adds: O·(C·KH·KW)·(N·OH·OW) forward (padding taps counted), twice that backward (dW and dx).
    let forwardFlops = 2.0 * Double(outChannels) * Double(g.patchSize) * Double(g.patchCount)
    print("  " + "".padding(toLength: 20, withPad: " ", startingAt: 0)
          + "reference (loops)         im2col + GEMM           speed-up")
    for (name, row) in [
      ("forward", timingRow("forward", flops: forwardFlops, reference: referenceForward, optimized: forward)),
      ("forward + backward", timingRow("forward + backward", flops: 3 * forwardFlops,
                                        reference: referenceForward + referenceBackward, optimized: forwardBackward)),
    ] {
      metrics.append(("\(layer.name): \(name), reference (loops)", row.reference))
      metrics.append(("\(layer.name): \(name), im2col + GEMM", row.optimized))
      metrics.append(("\(layer.name): \(name), speed-up", row.speedUp))
    }

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
}

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

// MARK: - im2col on tensors, and the hand-made kernels

/// The im2col matrix of `x` as a (C·KH·KW) × (N·OH·OW) tensor.
func im2colMatrix(_ x: Tensor, _ g: ConvolutionGeometry) -> Tensor {
  var cols = Tensor(zeros: [g.patchSize, g.patchCount])
  x.withUnsafeBufferPointer { x in
    cols.withUnsafeMutableBufferPointer { Im2col.im2col(x, g, into: $0) }
  }
  return cols
}

/// Four classic 3×3 kernels as a 4 × 1 × 3 × 3 weight, so their outputs can be looked at.
func handMadeKernels() -> (names: [String], weight: Tensor) {
  let kernels: [(String, [Float])] = [
    ("vertical edges", [-1, 0, 1, -2, 0, 2, -1, 0, 1]),
    ("horizontal edges", [-1, -2, -1, 0, 0, 0, 1, 2, 1]),
    ("blur", [Float](repeating: 1.0 / 9, count: 9)),
    ("outline", [0, -1, 0, -1, 4, -1, 0, -1, 0]),
  ]
  return (kernels.map(\.0), Tensor(shape: [kernels.count, 1, 3, 3], data: kernels.flatMap(\.1)))
}

/// The top-left corner of the `size`×`size` window of `x` (1×1×H×W) with the most
/// edges in it: the largest Σ |x[i,j+1] − x[i,j]| + |x[i+1,j] − x[i,j]| inside the window.
/// Ties go to the first found.
func busiestCrop(_ x: Tensor, size: Int) -> (top: Int, left: Int) {
  let (height, width) = (x.shape[2], x.shape[3])
  func pixel(_ i: Int, _ j: Int) -> Float { x.data[i * width + j] }
  var best = (top: 0, left: 0), bestEdges: Float = -1
  for top in 0...(height - size) {
    for left in 0...(width - size) {
      var edges: Float = 0
      for i in top..<(top + size) {
        for j in left..<(left + size) {
          if j + 1 < left + size { edges += abs(pixel(i, j + 1) - pixel(i, j)) }
          if i + 1 < top + size { edges += abs(pixel(i + 1, j) - pixel(i, j)) }
        }
      }
      if edges > bestEdges { (best, bestEdges) = ((top, left), edges) }
    }
  }
  return best
}

func cropImage(_ x: Tensor, top: Int, left: Int, size: Int) -> Tensor {
  let width = x.shape[3]
  let data = (0..<(size * size)).map { x.data[(top + $0 / size) * width + left + $0 % size] }
  return Tensor(shape: [1, 1, size, size], data: data)
}

// MARK: - Pictures

/// The colour of one number in a picture: grey for an image value in [0, 1], blue for a
/// zero that only exists because of the padding.
func colour(_ value: Float, inside: Bool) -> [Float] {
  inside ? [value, value, value] : [0.12, 0.22, 0.62]
}

/// A matrix as a picture, one `cell` (width, height) of pixels per entry; grey lines
/// between entries when `lines`, a red line after every `groupEvery` columns, and an
/// orange frame around the entries `highlight` (rows, columns), if given.
func matrixPicture(_ matrix: Tensor, inside: Tensor, cell: (width: Int, height: Int), lines: Bool,
                   groupEvery: Int, highlight: (rows: Range<Int>, columns: Range<Int>)? = nil) -> Image {
  let (rows, columns) = (matrix.shape[0], matrix.shape[1])
  let thin = lines ? 1 : 0
  // The left edge of every column, and the gap after it: 2 red pixels at a group's end.
  var lefts = [Int](), x = thin
  for c in 0..<columns {
    lefts.append(x)
    x += cell.width + ((c + 1) % groupEvery == 0 && c + 1 < columns ? 2 : thin)
  }
  let tops = (0..<rows).map { thin + $0 * (cell.height + thin) }
  var picture = Image(width: x, height: rows * cell.height + (rows + 1) * thin, format: .rgb, repeating: 70)
  func paint(_ y: Int, _ x: Int, _ rgb: [UInt8]) {
    for channel in 0..<3 { picture[row: y, column: x, channel: channel] = rgb[channel] }
  }
  for c in 1..<columns where c % groupEvery == 0 {
    for y in 0..<picture.height { for x in (lefts[c] - 2)..<lefts[c] { paint(y, x, [220, 40, 40]) } }
  }
  for r in 0..<rows {
    for c in 0..<columns {
      let rgb = colour(matrix.data[r * columns + c], inside: inside.data[r * columns + c] != 0).map(byte)
      for y in tops[r]..<(tops[r] + cell.height) { for x in lefts[c]..<(lefts[c] + cell.width) { paint(y, x, rgb) } }
    }
  }
  if let highlight {
    // A 2-pixel frame: the grid line around the block and the outermost pixels inside it.
    let (y0, y1) = (tops[highlight.rows.lowerBound] - 1, tops[highlight.rows.upperBound - 1] + cell.height)
    let (x0, x1) = (lefts[highlight.columns.lowerBound] - 1, lefts[highlight.columns.upperBound - 1] + cell.width)
    let orange: [UInt8] = [255, 160, 0]
    for y in max(0, y0)...min(picture.height - 1, y1) {
      for x in max(0, x0)...min(picture.width - 1, x1)
      where y <= y0 + 1 || y >= y1 - 1 || x <= x0 + 1 || x >= x1 - 1 { paint(y, x, orange) }
    }
  }
  return picture
}

/// The columns of a wide matrix cut into `strips` equal pieces, drawn one under the
/// other (like lines of text) with `gap` grey pixels between them.
func stripsPicture(_ matrix: Tensor, inside: Tensor, strips: Int, cell: (width: Int, height: Int),
                   groupEvery: Int, gap: Int) -> Image {
  let (rows, columns) = (matrix.shape[0], matrix.shape[1])
  let perStrip = columns / strips
  precondition(perStrip * strips == columns, "stripsPicture: \(columns) columns do not cut into \(strips) strips")
  let pieces = (0..<strips).map { s -> Image in
    func part(_ m: Tensor) -> Tensor {
      Tensor(shape: [rows, perStrip], data: (0..<(rows * perStrip)).map {
        m.data[($0 / perStrip) * columns + s * perStrip + $0 % perStrip]
      })
    }
    return matrixPicture(part(matrix), inside: part(inside), cell: cell, lines: false, groupEvery: groupEvery)
  }
  let width = pieces[0].width, height = pieces.map(\.height).reduce(0, +) + gap * (strips + 1)
  var picture = Image(width: width + 2 * gap, height: height, format: .rgb, repeating: 128)
  var top = gap
  for piece in pieces {
    for y in 0..<piece.height {
      for x in 0..<piece.width {
        for channel in 0..<3 { picture[row: top + y, column: gap + x, channel: channel] = piece[row: y, column: x, channel: channel] }
      }
    }
    top += piece.height + gap
  }
  return picture
}

/// A 1×1×S×S image inside its blue zero padding, `cell` pixels per pixel, grey grid lines.
func paddedPicture(_ x: Tensor, padding: Int, cell: Int,
                   highlight: (rows: Range<Int>, columns: Range<Int>)? = nil) -> Image {
  let size = x.shape[2], padded = size + 2 * padding
  var values = Tensor(zeros: [padded, padded]), inside = Tensor(zeros: [padded, padded])
  for i in 0..<size {
    for j in 0..<size {
      values.data[(i + padding) * padded + j + padding] = x.data[i * size + j]
      inside.data[(i + padding) * padded + j + padding] = 1
    }
  }
  return matrixPicture(values, inside: inside, cell: (cell, cell), lines: true, groupEvery: padded,
                       highlight: highlight)
}

/// Row r of cols folded back to OH×OW, as an RGB image: one per kernel tap (p, q).
func rowsAsImages(_ cols: Tensor, inside: Tensor, _ g: ConvolutionGeometry) -> Tensor {
  let plane = g.outputHeight * g.outputWidth
  var out = Tensor(zeros: [g.patchSize, 3, g.outputHeight, g.outputWidth])
  for r in 0..<g.patchSize {
    for k in 0..<plane {
      let rgb = colour(cols.data[r * g.patchCount + k], inside: inside.data[r * g.patchCount + k] != 0)
      for channel in 0..<3 { out.data[(r * 3 + channel) * plane + k] = rgb[channel] }
    }
  }
  return out
}

/// Column k of cols folded back to a KH×KW tile, as an RGB image: one per output pixel.
func patchTiles(_ cols: Tensor, inside: Tensor, _ g: ConvolutionGeometry) -> Tensor {
  let (kh, kw) = (g.kernelHeight, g.kernelWidth)
  var out = Tensor(zeros: [g.patchCount, 3, kh, kw])
  for k in 0..<g.patchCount {
    for r in 0..<g.patchSize {
      let rgb = colour(cols.data[r * g.patchCount + k], inside: inside.data[r * g.patchCount + k] != 0)
      for channel in 0..<3 { out.data[((k * 3 + channel) * kh + r / kw) * kw + r % kw] = rgb[channel] }
    }
  }
  return out
}

/// `Image(grid:)` of RGB tiles with an orange frame in the padding around tile `framing`.
func framedGrid(_ tiles: Tensor, columns: Int, padding: Int, scale: Int, framing: Int) -> Image {
  var picture = Image(grid: tiles, columns: columns, padding: padding, scale: scale)
  let layout = GridLayout(count: tiles.shape[0], columns: columns, cellWidth: tiles.shape[3] * scale,
                          cellHeight: tiles.shape[2] * scale, padding: padding)
  let (top, left) = layout.origin(of: framing)
  let width = padding / 2
  for y in (top - width)..<(top + layout.cellHeight + width) {
    for x in (left - width)..<(left + layout.cellWidth + width)
    where y < top || y >= top + layout.cellHeight || x < left || x >= left + layout.cellWidth {
      for (channel, value) in [255, 160, 0].enumerated() { picture[row: y, column: x, channel: channel] = UInt8(value) }
    }
  }
  return picture
}

/// The image, then each feature map scaled from its own min (black) to its max (white).
func featureMaps(_ x: Tensor, _ maps: Tensor) -> Tensor {
  let count = maps.shape[1], plane = maps.shape[2] * maps.shape[3]
  var pictures = [x[item: 0]]
  for m in 0..<count {
    let values = Array(maps.data[(m * plane)..<((m + 1) * plane)])
    let low = values.min()!, high = values.max()!
    let scaled = values.map { high > low ? ($0 - low) / (high - low) : 0 }
    pictures.append(Tensor(shape: [1, maps.shape[2], maps.shape[3]], data: scaled))
  }
  return Tensor.stack(pictures)
}

func byte(_ value: Float) -> UInt8 { UInt8((min(max(value, 0), 1) * 255).rounded()) }

// MARK: - Console

/// Prints one row of the timing table and returns its three cells.
@discardableResult
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

func percent(_ part: Double, of whole: Double) -> String { String(format: "%.0f%%", 100 * part / whole) }

func bytes(_ count: Int) -> String {
  count >= 1_000_000 ? String(format: "%.1f MB", Double(count) / 1e6) : String(format: "%.0f kB", Double(count) / 1e3)
}


