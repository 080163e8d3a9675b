// Lesson 03 — im2col: why every fast library turns convolution into one matrix product.
//
// Copy every receptive field of the input into a column of a matrix `cols`; then the
// whole convolution, every output pixel of every image, is ONE product Y = W·cols that
// the packed GEMM computes near the machine's peak. The lesson shows `cols` for one real
// image, checks that W·cols is the convolution, checks the twins forward and backward on
// the two DCGAN discriminator layers, then times them and shows the price: memory.
// Read README.md beside this file for the chapter. The two layers and how they are checked
// and timed are in Measurements.swift, the pictures in Pictures.swift.
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

    Console.section("1. One image as a matrix of patches: cols = im2col(x)")
    let data = try FashionMNIST.load(explicitPath: options.data, limit: max(batch, image + 1))
    print(data.description)
    guard image < data.train.count else {
      throw ValidationError("--image \(image) is past the last of the \(Format.count(data.train.count)) training images")
    }
    guard batch <= data.train.count else {
      throw ValidationError("--batch \(batch) is more than the \(Format.count(data.train.count)) training images")
    }
    let run = try LessonRun(lesson: Self.lessonName, title: "Lesson 03 — im2col: a convolution as one matrix product",
                            options: options, dataset: data.description)
    run.settingRows += [("image", String(image)), ("batch", String(batch))]

    let patches = try imageAsPatches(data.train, run: run)
    try convolutionAsProduct(patches, run: run)
    twinsOnDCGANLayers(data.train, run: run)

    try run.finish()
  }

  // MARK: - 1. One image, taken apart

  /// Training image `--image` and its im2col matrix for a 3×3 kernel at stride 1, padding 1.
  struct Patches {
    /// 1 × 1 × 28 × 28.
    var x: Tensor
    var geometry: ConvolutionGeometry
    /// im2col(x): (C·KH·KW) × (N·OH·OW) = 9 × 784.
    var cols: Tensor
  }

  /// Takes training image `--image` apart into the columns of cols, draws cols and its columns
  /// as tiles (`cols-28x28.png`, `patches-28x28.png`), then does the same, number by number,
  /// for an 8×8 crop of it.
  func imageAsPatches(_ train: FashionMNIST.Split, run: LessonRun) throws -> Patches {
    let label = FashionMNIST.classNames[train.labels[image]]
    let x = train.images.slice(image..<(image + 1))                  // 1 × 1 × 28 × 28
    let (g, cols, inside) = patches(of: x)
    print("training image \(image) (\(label)), 28×28; kernel 3×3, \(samePadding) → output 28×28")
    print("cols is (C·KH·KW) × (N·OH·OW) = \(g.patchSize) × \(g.patchCount):")
    print("  column (n·OH + i)·OW + j is the 3×3 patch under output pixel (i, j), read row by row: the numbers")
    print("    one output pixel needs, side by side;")
    print("  row (c·KH + p)·KW + q is one kernel tap (p, q): for every output pixel, the input pixel at offset")
    print("    (p − 1, q − 1), so each row is the whole image shifted by one pixel, and row 4 (the centre tap) is the image.")
    try PNG.write(stripsPicture(cols, inside: inside, strips: 4, cell: (4, 8), groupEvery: 28, gap: 6),
                  to: run.folder.file("cols-28x28.png"))
    try PNG.writeGrid(patchTiles(cols, inside: inside, g), columns: g.outputWidth, padding: 1, scale: 3,
                      to: run.folder.file("patches-28x28.png"))
    print("wrote cols-28x28.png: the 9 × 784 matrix cut into 4 strips of 196 columns (read like lines of text),")
    print("      a red line every 28 columns (one output row); blue marks a zero that comes from the padding;")
    print("      patches-28x28.png: its 784 columns, each folded back to a 3×3 tile and put at its output pixel.")
    run.report.addFigure("cols-28x28.png", caption: "cols for training image \(image) (\(label)): the 9 × 784 matrix "
                         + "cut into 4 strips of 196 columns (read like lines of text), a red line every 28 columns "
                         + "(one output row); blue marks a zero that comes from the padding.")
    run.report.addFigure("patches-28x28.png", caption: "The 784 columns of cols, each folded back to a 3×3 tile "
                         + "and put at its output pixel.")

    try cropAsPatches(x, run: run)
    return Patches(x: x, geometry: g, cols: cols)
  }

  /// The same on a small crop, big enough to read number by number: the 8×8 window of `x`
  /// (1 × 1 × 28 × 28) with the most edges, its cols (9 × 64) as a picture, its rows and its
  /// columns folded back, and one column printed.
  func cropAsPatches(_ x: Tensor, run: LessonRun) throws {
    let (top, left) = busiestCrop(x, size: 8)
    let crop = cropImage(x, top: top, left: left, size: 8)
    let (gc, cropCols, cropInside) = patches(of: crop)
    let (i, j) = (2, 5)                          // the output pixel whose patch is framed in orange
    let column = i * gc.outputWidth + j
    let file = run.folder.file
    try PNG.write(paddedPicture(crop, padding: 1, cell: 24, highlight: (i..<(i + 3), j..<(j + 3))),
                  to: file("crop-8x8.png"))
    try PNG.write(matrixPicture(cropCols, inside: cropInside, cell: (14, 14), lines: true, groupEvery: 8,
                                highlight: (0..<gc.patchSize, column..<(column + 1))),
                  to: file("cols-crop-9x64.png"))
    try PNG.writeGrid(rowsAsImages(cropCols, inside: cropInside, gc), columns: 3, padding: 12, scale: 16,
                      to: file("cols-crop-rows.png"))
    try PNG.write(framedGrid(patchTiles(cropCols, inside: cropInside, gc), columns: 8, padding: 6, scale: 12,
                             framing: column),
                  to: file("patches-crop.png"))
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

    let frame = "The orange frames are output pixel (\(i), \(j)), column \(column) of cols."
    run.report.addFigure("crop-8x8.png", caption: "The 8×8 crop, rows \(top)..<\(top + 8), columns \(left)..<\(left + 8) "
                         + "of the image (the window with the most edges), in its blue padding. " + frame)
    run.report.addFigure("cols-crop-9x64.png", caption: "The crop's cols, \(gc.patchSize) × \(gc.patchCount), "
                         + "one square per number. " + frame)
    run.report.addFigure("cols-crop-rows.png", caption: "The 9 rows of the crop's cols folded back to 8×8: "
                         + "the crop shifted nine ways, padding sliding in.")
    run.report.addFigure("patches-crop.png", caption: "The crop's 64 columns as 3×3 tiles. " + frame)
  }

  // MARK: - 2. The convolution is W · cols

  /// Four hand-made kernels as the rows of W (4 × 9): W·cols (4 × 784), reshaped, is the
  /// convolution. Checks it against the reference and draws the four outputs (`feature-maps.png`).
  func convolutionAsProduct(_ patches: Patches, run: LessonRun) throws {
    Console.section("2. The convolution is one product: Y = W · cols")
    let (x, g, cols) = (patches.x, patches.geometry, patches.cols)
    let kernels = handMadeKernels()                                    // 4 × 1 × 3 × 3
    let w = kernels.weight.reshaped([kernels.names.count, g.patchSize])    // O × (C·KH·KW) = 4 × 9
    let product = MatMul.multiply(w, cols)                             // 4 × 784
    let viaIm2col = product.reshaped([1, kernels.names.count, 28, 28])
    let direct = Convolution.forwardReference(x, kernels.weight, nil, samePadding)
    print("W is O × (C·KH·KW) = \(w.shape[0]) × \(w.shape[1]): each row a 3×3 kernel, read row by row ("
          + kernels.names.joined(separator: ", ") + ")")
    print("W · cols is \(product.shape[0]) × \(product.shape[1]); reshaped to 1 × 4 × 28 × 28 it is the convolution:")
    let im2colDifference = "\(Format.number(direct.maxAbsDifference(viaIm2col)))"
      + " (outputs up to \(Format.number(direct.map(abs).max())))"
    print("max |W·cols − Convolution.forwardReference(x)| = " + im2colDifference)
    try PNG.writeGrid(featureMaps(x, viaIm2col), columns: 5, padding: 3, scale: 4, to: run.folder.file("feature-maps.png"))
    print("wrote feature-maps.png: the image, then the 4 rows of W·cols folded to 28×28 (each from its min to its max)")
    run.report.metrics.append(("max |W·cols − Convolution.forwardReference(x)|", im2colDifference))
    run.report.addFigure("feature-maps.png", caption: "The image, then the 4 rows of W·cols folded to 28×28 "
                         + "(" + kernels.names.joined(separator: ", ") + "; each from its min to its max).")
  }

  // MARK: - 3. Check the twins on the DCGAN layers

  /// The two DCGAN discriminator layers on `--batch` training images: each checked, then timed,
  /// then its memory (`examine`, in Measurements.swift).
  func twinsOnDCGANLayers(_ train: FashionMNIST.Split, run: LessonRun) {
    Console.section("3. The twins on the DCGAN discriminator layers: check, then time")
    let threads = Parallel.threadCount
    print("batch \(batch), kernel 4×4, stride 2, padding 1 (halves the size); real images through layer 1,")
    print("its leaky-ReLU output through layer 2; seeded weights (seed \(options.seed)) and output gradients.")
    print("optimized twin on \(Format.threads(threads)) "
          + (threads == 1 ? "(without --threads it uses every core)" : "(try --threads 1 for the speed-up per core)")
          + "; the reference is one loop nest on one thread.")
    var rng = RNG(seed: options.seed)
    let images = train.images.slice(0..<batch)
    let first = Layer(name: "Conv 1→64, 28→14", x: images, outChannels: 64, using: &rng)
    let hidden = Convolution.forward(first.x, first.weight, first.bias, first.parameters).map { $0 > 0 ? $0 : 0.2 * $0 }
    let second = Layer(name: "Conv 64→128, 14→7", x: hidden, outChannels: 128, using: &rng)
    for layer in [first, second] { run.report.metrics += examine(layer) }
  }
}

// MARK: - im2col on tensors, and the hand-made kernels

/// Stride 1, padding 1: a 3×3 kernel keeps the image's size.
let samePadding = ConvolutionParameters(stride: 1, padding: 1)

/// The im2col matrix of `x` as a (C·KH·KW) × (N·OH·OW) tensor.
func im2colMatrix(_ x: Tensor, _ g: ConvolutionGeometry) -> Tensor {
  var cols = Tensor(zeros: [g.patchSize, g.patchCount])
  x.withUnsafeBufferPointer { x in
    cols.withUnsafeMutableBufferPointer { Im2col.im2col(x, g, into: $0) }
  }
  return cols
}

/// One image x, 1 × 1 × H × W, taken apart for a 3×3 kernel at stride 1, padding 1: the
/// geometry, cols = im2col(x), 9 × (H·W), and `inside`, of the same shape, which says
/// where cols reads the image (1) and where the padding (0).
func patches(of x: Tensor) -> (geometry: ConvolutionGeometry, cols: Tensor, inside: Tensor) {
  let g = ConvolutionGeometry(batch: 1, channels: 1, height: x.shape[2], width: x.shape[3],
                              kernelHeight: 3, kernelWidth: 3, parameters: samePadding)
  // im2col of an all-ones image is 1 where a patch reads the image and 0 where it reads padding.
  let inside = im2colMatrix(Tensor(shape: x.shape, repeating: 1), g)
  return (g, im2colMatrix(x, g), inside)
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
