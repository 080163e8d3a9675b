// The pictures of lesson 04 (the stamps of a transposed convolution, one at a time) and
// the small helpers its sections print with.
import Foundation
import GenLab

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

/// `text` padded with spaces on the right to `width` characters (unchanged if longer).
func pad(_ text: String, _ width: Int) -> String {
  text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
}

/// "12.3 ms  45.6 GFLOP/s": a time and the speed of `flops` floating-point operations done
/// in it, `separator` between the two.
func timeAndSpeed(_ flops: Double, _ seconds: Double, separator: String) -> String {
  "\(Format.duration(seconds))\(separator)\(Format.gflops(flops, seconds)) GFLOP/s"
}
