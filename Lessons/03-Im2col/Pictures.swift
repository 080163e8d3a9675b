// The pictures of lesson 03: cols as a matrix of coloured squares, its rows and columns
// folded back into images and tiles, the crop in its padding, the feature maps; and how
// the crop is chosen.
import GenLab

// MARK: - The crop

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

/// The `size`×`size` window of `x` (1×1×H×W) whose top-left corner is (`top`, `left`): 1×1×size×size.
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

/// A value in [0, 1] (clamped) as a colour byte 0…255.
func byte(_ value: Float) -> UInt8 { UInt8((min(max(value, 0), 1) * 255).rounded()) }
