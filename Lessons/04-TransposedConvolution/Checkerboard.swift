// Section 4 of lesson 04, checkerboard artifacts: four ways to double an image's size,
// how many stamps each lands on every output pixel, what each does to clothes, and what
// two of them do two layers deep, as in the DCGAN generator.
import Foundation
import GenLab

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

/// The four upsamplers the section compares, in the order of the pictures' columns.
let upsamplers: [Upsampler] = [
  Upsampler(name: "convT k2 s2", kernelSize: 2, parameters: TransposedConvolutionParameters(stride: 2)),
  Upsampler(name: "convT k3 s2 p1 op1", kernelSize: 3,
            parameters: TransposedConvolutionParameters(stride: 2, padding: 1, outputPadding: 1)),
  Upsampler(name: "convT k4 s2 p1", kernelSize: 4, parameters: TransposedConvolutionParameters(stride: 2, padding: 1)),
  Upsampler(name: "resize ×2 + conv k3 p1", kernelSize: 3, parameters: nil),
]

/// The all-ones kernel 1×1×size×size.
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

// MARK: - The overlap

/// The overlap map: all-ones input, all-ones kernel. Each output pixel counts the stamps on
/// it. Prints the first pixels of rows 4 and 5 and the interior levels of each upsampler, and
/// draws the four maps (`overlap.png`).
func drawOverlap(run: LessonRun) throws {
  let onesSmall = Tensor(shape: [1, 1, 7, 7], repeating: 1)
  var overlapMaps: [Tensor] = []
  print("all-ones 7×7 input, all-ones kernel → 14×14: how many stamps land on each output pixel")
  for upsampler in upsamplers {
    let map = upsampler.apply(onesSmall, boxKernel(upsampler.kernelSize))
    overlapMaps.append(map / map.max())
    let interior = Set((2..<12).flatMap { i in (2..<12).map { j in Int(map[0, 0, i, j]) } }).sorted()
    let start = { (row: Int) in (0..<6).map { String(Int(map[0, 0, row, $0])) }.joined(separator: " ") + " …" }
    let levels = interior.map(String.init).joined(separator: ", ")
    print("  " + pad(upsampler.name, 24) + "row 4: \(start(4))  row 5: \(start(5))   interior levels {\(levels)}"
          + (interior.count > 1 ? "  ← checkerboard" : "  ← even"))
    run.report.metrics.append(("overlap, \(upsampler.name): interior stamp counts",
                               "{\(levels)}" + (interior.count > 1 ? " (checkerboard)" : " (even)")))
  }
  try PNG.writeGrid(Tensor.stack(overlapMaps).reshaped([4, 1, 14, 14]), columns: 4, padding: 4, scale: 12,
                    background: 0, to: run.folder.file("overlap.png"))
  print("""
    wrote overlap.png, left to right: k2 s2, k3 s2 p1 op1, k4 s2 p1, resize ×2 + conv k3 p1, each divided
    by its own maximum (so 4 stamps = white, 2 = mid-grey, 1 = dark). k3 s2: 3 is not a multiple of 2,
    so rows alternate 1 and 2 stamps, columns too, and the product is the 1-2-4 checkerboard. k4 s2:
    every pixel gets 2×2 stamps. Resize + conv: uniform too. The darker rims are the padding, not overlap.
    """)
  run.report.addFigure("overlap.png", caption: "How many stamps land on each pixel of a 14×14 output (all-ones "
                       + "7×7 input, all-ones kernel), left to right: k2 s2, k3 s2 p1 op1, k4 s2 p1, resize ×2 + conv "
                       + "k3 p1, each divided by its own maximum (4 stamps = white, 2 = mid-grey, 1 = dark). k3 s2 "
                       + "gives the 1-2-4 checkerboard; k4 s2 and resize + conv are uniform. The darker rims are the "
                       + "padding, not overlap.")
}

// MARK: - On clothes

/// The same four upsamplers on clothes: 28×28 → average-pool to 14×14 → back up to 28×28,
/// with box kernels and with random ones; prints each result's checkerboard strength and
/// draws them all (`checkerboard.png`).
func upsampleClothes(_ test: FashionMNIST.Split, rng: inout RNG, run: LessonRun) throws {
  let classes = [9, 0]   // ankle boot, T-shirt/top
  let pictures = classes.map { c in test.images[item: test.labels.firstIndex(of: c)!].reshaped([1, 1, 28, 28]) }
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
    run.report.metrics.append(("checkerboard strength, \(label)",
                               zip(upsamplers, strengths).map { "\($0.name) \($1)" }.joined(separator: ", ")))
  }
  try PNG.writeGrid(Tensor.stack(cells).reshaped([cells.count, 1, 28, 28]), columns: 6, padding: 3, scale: 4,
                    to: run.folder.file("checkerboard.png"))
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
  run.report.addFigure("checkerboard.png", caption: "A row per input (" + rows.map(\.0).joined(separator: "; ")
                       + "), 6 columns: original 28×28, average-pooled to 14×14, then upsampled back by k2 s2, "
                       + "k3 s2, k4 s2 and resize + conv, each divided by its own maximum. Box kernels: only k3 s2 "
                       + "shows the grid. Random kernels: every convT shows a period-2 texture, even k4 s2; resize + "
                       + "conv stays near 0 whatever its kernel (strengths in the results).")
}

// MARK: - Two layers deep

/// Two layers deep, as in the generator: 7 → 14 → 28, all-ones kernels, for one pixel and for
/// all ones through k4 s2 p1 and k3 s2 p1 op1 (`two-layers.png`).
func twoLayersDeep(run: LessonRun) throws {
  print("\ntwo layers deep, as in the DCGAN generator (7×7 → 14×14 → 28×28, all-ones kernels):")
  var onePixel = Tensor(zeros: [1, 1, 7, 7])
  onePixel[0, 0, 3, 3] = 1
  let onesSmall = Tensor(shape: [1, 1, 7, 7], repeating: 1)
  var growth: [Tensor] = []
  for (input, inputName) in [(onePixel, "one pixel"), (onesSmall, "all ones")] {
    for upsampler in [upsamplers[2], upsamplers[1]] {
      let kernel = boxKernel(upsampler.kernelSize)
      let first = upsampler.apply(input, kernel)
      let second = upsampler.apply(first, kernel)
      growth += [nearestResize(input, 4), nearestResize(first, 2), second].map { $0 / $0.max() }
      let reach = [rowsReached(first), rowsReached(second)]
      let interior = Set((4..<24).flatMap { i in (4..<24).map { j in Int(second[0, 0, i, j]) } }).sorted()
      let growthLine = inputName == "one pixel"
        ? "reaches \(reach[0])×\(reach[0]) after one layer, \(reach[1])×\(reach[1]) after two"
        : "interior levels after two layers {\(interior.map(String.init).joined(separator: ", "))}"
      print("  " + pad("\(inputName), \(upsampler.name):", 31) + growthLine)
      run.report.metrics.append(("two layers, \(inputName), \(upsampler.name)", growthLine))
    }
  }
  try PNG.writeGrid(Tensor.stack(growth).reshaped([growth.count, 1, 28, 28]), columns: 3, padding: 3, scale: 4,
                    to: run.folder.file("two-layers.png"))
  print("""
    wrote two-layers.png, a row per line above, columns: the 7×7 input, after one layer (14×14), after two
    (28×28), each divided by its own maximum. After two layers one pixel of the 7×7 map paints a smooth
    10×10 hill (k4) or a gridded 7×7 patch (k3); on flat input k3's rows now get 1, 2 or 3 stamps, and
    the 1-2-4 checkerboard becomes a plaid of 1…9. k4 stays flat (16) inside.
    """)
  run.report.addFigure("two-layers.png", caption: "Two layers deep, as in the DCGAN generator: a row each for one "
                       + "pixel and all ones through k4 s2 p1 and k3 s2 p1 op1 (box kernels); columns: the 7×7 input, "
                       + "after one layer (14×14), after two (28×28), each divided by its own maximum. One pixel paints "
                       + "a smooth 10×10 hill (k4) or a gridded 7×7 patch (k3); on flat input k3's checkerboard becomes "
                       + "a plaid of 1…9, k4 stays flat.")
}

/// How many rows of `t` (1×1×H×W) hold a pixel above 0: how far a stamp has spread.
func rowsReached(_ t: Tensor) -> Int {
  (0..<t.shape[2]).filter { i in (0..<t.shape[3]).contains { t[0, 0, i, $0] > 0 } }.count
}
