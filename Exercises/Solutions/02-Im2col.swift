// Solution 02 — im2col: one row per kernel tap (c, p, q), one column per output pixel
// (n, i, j), each entry the input under that tap for that pixel.
import ExerciseSupport

public func im2col(_ x: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) throws -> Tensor {
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let oh = (h + 2 * padding - kernelHeight) / stride + 1, ow = (w + 2 * padding - kernelWidth) / stride + 1
  let rows = c * kernelHeight * kernelWidth, columns = n * oh * ow
  // Starts at zero, so the positions in the padding need no writing.
  var cols = [Float](repeating: 0, count: rows * columns)
  for ch in 0..<c {
    for p in 0..<kernelHeight {
      for q in 0..<kernelWidth {
        let row = (ch * kernelHeight + p) * kernelWidth + q
        for b in 0..<n {
          for i in 0..<oh {
            let y = i * stride + p - padding
            if y < 0 || y >= h { continue }
            for j in 0..<ow {
              let z = j * stride + q - padding
              if z < 0 || z >= w { continue }
              let column = (b * oh + i) * ow + j
              cols[row * columns + column] = x.data[((b * c + ch) * h + y) * w + z]
            }
          }
        }
      }
    }
  }
  return Tensor(shape: [rows, columns], data: cols)
}
