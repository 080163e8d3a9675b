// Solution 01 — the naive 2-D convolution: the equation's loops in its order.
import ExerciseSupport

public func convolution2D(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
  let oh = (h + 2 * padding - kh) / stride + 1, ow = (w + 2 * padding - kw) / stride + 1
  var y = [Float](repeating: 0, count: n * o * oh * ow)
  for b in 0..<n {
    for k in 0..<o {
      for i in 0..<oh {
        for j in 0..<ow {
          var sum = bias?.data[k] ?? 0
          for ch in 0..<c {
            for p in 0..<kh {
              let row = i * stride + p - padding
              if row < 0 || row >= h { continue }
              for q in 0..<kw {
                let column = j * stride + q - padding
                if column < 0 || column >= w { continue }
                sum += weight.data[((k * c + ch) * kh + p) * kw + q] * x.data[((b * c + ch) * h + row) * w + column]
              }
            }
          }
          y[((b * o + k) * oh + i) * ow + j] = sum
        }
      }
    }
  }
  return Tensor(shape: [n, o, oh, ow], data: y)
}
