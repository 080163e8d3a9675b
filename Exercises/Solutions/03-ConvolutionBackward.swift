// Solution 03 — the convolution's backward pass: exercise 01's loops, where each term
// w[o,c,p,q]·x[n,c,h,w] of y[n,o,i,j] sends dy[n,o,i,j] back to the two numbers it multiplied.
import ExerciseSupport

public func convolution2DBackward(_ x: Tensor, _ weight: Tensor, outputGradient: Tensor,
                                  stride: Int, padding: Int) throws -> (input: Tensor, weight: Tensor) {
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
  let oh = (h + 2 * padding - kh) / stride + 1, ow = (w + 2 * padding - kw) / stride + 1
  var dx = [Float](repeating: 0, count: x.count)
  var dw = [Float](repeating: 0, count: weight.count)
  for b in 0..<n {
    for k in 0..<o {
      for i in 0..<oh {
        for j in 0..<ow {
          let dy = outputGradient.data[((b * o + k) * oh + i) * ow + j]
          for ch in 0..<c {
            for p in 0..<kh {
              let row = i * stride + p - padding
              if row < 0 || row >= h { continue }   // a padding zero: nothing to send back
              for q in 0..<kw {
                let column = j * stride + q - padding
                if column < 0 || column >= w { continue }
                let inputIndex = ((b * c + ch) * h + row) * w + column
                let weightIndex = ((k * c + ch) * kh + p) * kw + q
                dx[inputIndex] += weight.data[weightIndex] * dy   // ∂y/∂x = w
                dw[weightIndex] += x.data[inputIndex] * dy        // ∂y/∂w = x, summed over the batch
              }
            }
          }
        }
      }
    }
  }
  return (Tensor(shape: x.shape, data: dx), Tensor(shape: weight.shape, data: dw))
}
