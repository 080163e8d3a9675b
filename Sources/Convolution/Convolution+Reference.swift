// Convolution — the reference twin: the convolution exactly as the equation is written,
// y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s_h + p − pad_h, j·s_w + q − pad_w],
// one output (or one gradient term) at a time: seven nested loops, no pointers, no threads.
// Its optimized twin is Convolution+Im2col.swift (im2col and one GEMM for the whole batch);
// Tests/ConvolutionTests/ConvolutionTests.swift proves them equal.
import Core

extension Convolution {
  /// y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s_h + p − pad_h, j·s_w + q − pad_w]
  ///
  /// `x` N×C×H×W, `weight` O×C×KH×KW, `bias` [O] or nil → N×O×OH×OW. The direct loops of
  /// the definition; the optimized twin is `forward`.
  public static func forwardReference(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                                      _ p: ConvolutionParameters) -> Tensor {
    let g = checkForward("Convolution.forwardReference", x, weight, bias, p)
    let (batch, channels, height, width) = (g.batch, g.channels, g.height, g.width)
    let (kernelHeight, kernelWidth) = (g.kernelHeight, g.kernelWidth)
    let (outputHeight, outputWidth) = (g.outputHeight, g.outputWidth)
    let outChannels = weight.shape[0]
    let (xs, ws) = (x.data, weight.data)
    let bs = bias?.data

    // Flat row-major positions: x[n,c,h,w], w[o,c,p,q], y[n,o,i,j].
    func xIndex(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Int { ((n * channels + c) * height + h) * width + w }
    func wIndex(_ o: Int, _ c: Int, _ p: Int, _ q: Int) -> Int { ((o * channels + c) * kernelHeight + p) * kernelWidth + q }
    func yIndex(_ n: Int, _ o: Int, _ i: Int, _ j: Int) -> Int { ((n * outChannels + o) * outputHeight + i) * outputWidth + j }

    var ys = [Float](repeating: 0, count: batch * outChannels * outputHeight * outputWidth)
    for n in 0..<batch {
      for o in 0..<outChannels {
        for i in 0..<outputHeight {
          for j in 0..<outputWidth {
            var sum = bs?[o] ?? 0                                  // b[o]
            for c in 0..<channels {                                // Σ_c
              for kp in 0..<kernelHeight {                         // Σ_p
                let row = i * p.strideHeight + kp - p.paddingHeight       // input row i·s_h + p − pad_h
                if row < 0 || row >= height { continue }                  // zero padding: adds 0
                for kq in 0..<kernelWidth {                        // Σ_q
                  let column = j * p.strideWidth + kq - p.paddingWidth  // input column j·s_w + q − pad_w
                  if column < 0 || column >= width { continue }         // zero padding: adds 0
                  sum += ws[wIndex(o, c, kp, kq)] * xs[xIndex(n, c, row, column)]  // w[o,c,p,q] · x[n,c,row,column]
                }
              }
            }
            ys[yIndex(n, o, i, j)] = sum
          }
        }
      }
    }
    return Tensor(shape: [batch, outChannels, outputHeight, outputWidth], data: ys)
  }

  /// The gradients of L given dL/dy (`outputGradient`, N×O×OH×OW), by the chain rule on
  /// each term of the forward sum  y[n,o,i,j] += w[o,c,p,q] · x[n,c,h,w]  (h = i·s_h + p − pad_h,
  /// w = j·s_w + q − pad_w):
  ///
  ///     dx[n,c,h,w] += w[o,c,p,q] · dy[n,o,i,j]
  ///     dw[o,c,p,q] += x[n,c,h,w] · dy[n,o,i,j]
  ///     db[o]       += dy[n,o,i,j]
  ///
  /// Returns (dL/dx, dL/dw, dL/db or nil unless `hasBias`). The optimized twin is `backward`.
  public static func backwardReference(_ x: Tensor, _ weight: Tensor, _ outputGradient: Tensor,
                                       _ p: ConvolutionParameters,
                                       hasBias: Bool) -> (input: Tensor, weight: Tensor, bias: Tensor?) {
    let g = checkBackward("Convolution.backwardReference", x, weight, outputGradient, p)
    let (batch, channels, height, width) = (g.batch, g.channels, g.height, g.width)
    let (kernelHeight, kernelWidth) = (g.kernelHeight, g.kernelWidth)
    let (outputHeight, outputWidth) = (g.outputHeight, g.outputWidth)
    let outChannels = weight.shape[0]
    let (xs, ws, dys) = (x.data, weight.data, outputGradient.data)

    func xIndex(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Int { ((n * channels + c) * height + h) * width + w }
    func wIndex(_ o: Int, _ c: Int, _ p: Int, _ q: Int) -> Int { ((o * channels + c) * kernelHeight + p) * kernelWidth + q }
    func yIndex(_ n: Int, _ o: Int, _ i: Int, _ j: Int) -> Int { ((n * outChannels + o) * outputHeight + i) * outputWidth + j }

    var dxs = [Float](repeating: 0, count: xs.count)
    var dws = [Float](repeating: 0, count: ws.count)
    var dbs = [Float](repeating: 0, count: outChannels)
    // The same loops as the forward pass: every term w·x that made y[n,o,i,j] sends
    // dy[n,o,i,j] back to the two numbers it multiplied.
    for n in 0..<batch {
      for o in 0..<outChannels {
        for i in 0..<outputHeight {
          for j in 0..<outputWidth {
            let dy = dys[yIndex(n, o, i, j)]                       // dL/dy[n,o,i,j]
            dbs[o] += dy                                           // db[o] += dy
            for c in 0..<channels {
              for kp in 0..<kernelHeight {
                let row = i * p.strideHeight + kp - p.paddingHeight
                if row < 0 || row >= height { continue }               // padding: no input, no gradient
                for kq in 0..<kernelWidth {
                  let column = j * p.strideWidth + kq - p.paddingWidth
                  if column < 0 || column >= width { continue }
                  dxs[xIndex(n, c, row, column)] += ws[wIndex(o, c, kp, kq)] * dy   // dx += w · dy
                  dws[wIndex(o, c, kp, kq)] += xs[xIndex(n, c, row, column)] * dy   // dw += x · dy
                }
              }
            }
          }
        }
      }
    }
    return (Tensor(shape: x.shape, data: dxs),
            Tensor(shape: weight.shape, data: dws),
            hasBias ? Tensor(shape: [outChannels], data: dbs) : nil)
  }
}
