// Solution 04 — the transposed convolution by scatter: every input pixel stamps its
// kernels onto the output, loops in the order of the equation.
import ExerciseSupport

public func transposedConvolution2D(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                                    stride: Int, padding: Int) throws -> Tensor {
  let (n, inputChannels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (outputChannels, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
  let oh = (h - 1) * stride - 2 * padding + kh, ow = (w - 1) * stride - 2 * padding + kw
  var y = [Float](repeating: 0, count: n * outputChannels * oh * ow)
  // The stamps: y[b,o, i·s − pad + p, j·s − pad + q] += x[b,c,i,j] · w[c,o,p,q].
  for b in 0..<n {
    for c in 0..<inputChannels {
      for i in 0..<h {
        for j in 0..<w {
          let pixel = x.data[((b * inputChannels + c) * h + i) * w + j]
          for o in 0..<outputChannels {
            for p in 0..<kh {
              let row = i * stride - padding + p
              if row < 0 || row >= oh { continue }
              for q in 0..<kw {
                let column = j * stride - padding + q
                if column < 0 || column >= ow { continue }
                y[((b * outputChannels + o) * oh + row) * ow + column]
                  += pixel * weight.data[((c * outputChannels + o) * kh + p) * kw + q]
              }
            }
          }
        }
      }
    }
  }
  // The bias, once per output element.
  if let bias {
    for b in 0..<n {
      for o in 0..<outputChannels {
        for k in 0..<(oh * ow) { y[(b * outputChannels + o) * oh * ow + k] += bias.data[o] }
      }
    }
  }
  return Tensor(shape: [n, outputChannels, oh, ow], data: y)
}
