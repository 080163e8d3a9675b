// TransposedConvolution — the reference twin: the scatter definition, in loops in the
// order of the math: every input pixel x[n,c,i,j] stamps its kernels w[c,o,·,·], scaled by
// the pixel, onto the output with their corner at (i·s − p, j·s − p); backward reads the
// same stamps the other way round. No pointers, no threads, no tricks. Its optimized twin
// is TransposedConvolution+GEMM.swift (one GEMM and a col2im);
// Tests/TransposedConvolutionTests/TransposedConvolutionTests.swift proves them equal.
import Core

extension TransposedConvolution {
  /// y = convᵀ(x; w) + b, the definition: every input pixel x[n,c,i,j] stamps the kernel
  /// w[c,o,·,·], scaled by the pixel, onto output channel o with its corner at
  /// (i·s − p, j·s − p); positions outside the output are skipped:
  ///
  ///     y[n,o,i·s−p+kp, j·s−p+kq] += x[n,c,i,j] · w[c,o,kp,kq]
  ///     y[n,o,·,·] += b[o]
  ///
  /// x: N×C_in×H×W, w: C_in×C_out×KH×KW, b: C_out or nil → y: N×C_out×OH×OW,
  /// OH = (H − 1)·s − 2p + KH + op.
  public static func forwardReference(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                                      _ p: TransposedConvolutionParameters) -> Tensor {
    let shape = TransposedConvolutionShape("TransposedConvolution.forwardReference",
                                           input: x, weight: weight, bias: bias, p)
    let (batch, inputChannels, height, width) = (shape.batch, shape.inputChannels, shape.height, shape.width)
    let (outputChannels, kernelHeight, kernelWidth) = (shape.outputChannels, shape.kernelHeight, shape.kernelWidth)
    let (outputHeight, outputWidth) = (shape.outputHeight, shape.outputWidth)
    let input = x.data, kernel = weight.data

    // Flat row-major positions: x[n,c,i,j], w[c,o,kp,kq], y[n,o,row,column].
    func xIndex(_ n: Int, _ c: Int, _ i: Int, _ j: Int) -> Int { ((n * inputChannels + c) * height + i) * width + j }
    func wIndex(_ c: Int, _ o: Int, _ kp: Int, _ kq: Int) -> Int { ((c * outputChannels + o) * kernelHeight + kp) * kernelWidth + kq }
    func yIndex(_ n: Int, _ o: Int, _ row: Int, _ column: Int) -> Int { ((n * outputChannels + o) * outputHeight + row) * outputWidth + column }

    var output = [Float](repeating: 0, count: batch * outputChannels * outputHeight * outputWidth)

    for n in 0..<batch {
      for c in 0..<inputChannels {
        for i in 0..<height {
          for j in 0..<width {
            let pixel = input[xIndex(n, c, i, j)]                                   // x[n,c,i,j]
            for o in 0..<outputChannels {
              for kp in 0..<kernelHeight {
                let row = i * p.strideHeight - p.paddingHeight + kp                 // output row i·s − p + kp
                if row < 0 || row >= outputHeight { continue }                      // cropped: dropped
                for kq in 0..<kernelWidth {
                  let column = j * p.strideWidth - p.paddingWidth + kq              // output column j·s − p + kq
                  if column < 0 || column >= outputWidth { continue }               // cropped: dropped
                  output[yIndex(n, o, row, column)] += pixel * kernel[wIndex(c, o, kp, kq)]   // y[n,o,row,column] += x[n,c,i,j] · w[c,o,kp,kq]
                }
              }
            }
          }
        }
      }
    }

    if let bias = bias?.data {
      for n in 0..<batch {
        for o in 0..<outputChannels {
          for row in 0..<outputHeight {
            for column in 0..<outputWidth {
              output[yIndex(n, o, row, column)] += bias[o]                          // y[n,o,·,·] += b[o]
            }
          }
        }
      }
    }
    return Tensor(shape: shape.outputShape, data: output)
  }

  /// The gradients of a loss L given dy = ∂L/∂y, read off the same stamps as forward
  /// (each product x[n,c,i,j]·w[c,o,kp,kq] landed on y[n,o,i·s−p+kp, j·s−p+kq]):
  ///
  ///     dx[n,c,i,j]    = Σ_o Σ_kp Σ_kq w[c,o,kp,kq] · dy[n,o,i·s−p+kp, j·s−p+kq]
  ///     dw[c,o,kp,kq]  = Σ_n Σ_i Σ_j   x[n,c,i,j]   · dy[n,o,i·s−p+kp, j·s−p+kq]
  ///     db[o]          = Σ_n Σ_row Σ_column dy[n,o,row,column]
  ///
  /// (terms whose dy position falls outside the output are zero). `hasBias: false`
  /// returns no bias gradient.
  public static func backwardReference(_ x: Tensor, _ weight: Tensor, _ outputGradient: Tensor,
                                       _ p: TransposedConvolutionParameters,
                                       hasBias: Bool) -> (input: Tensor, weight: Tensor, bias: Tensor?) {
    let shape = TransposedConvolutionShape("TransposedConvolution.backwardReference",
                                           input: x, weight: weight, outputGradient: outputGradient, p)
    let (batch, inputChannels, height, width) = (shape.batch, shape.inputChannels, shape.height, shape.width)
    let (outputChannels, kernelHeight, kernelWidth) = (shape.outputChannels, shape.kernelHeight, shape.kernelWidth)
    let (outputHeight, outputWidth) = (shape.outputHeight, shape.outputWidth)
    let input = x.data, kernel = weight.data, dy = outputGradient.data

    func xIndex(_ n: Int, _ c: Int, _ i: Int, _ j: Int) -> Int { ((n * inputChannels + c) * height + i) * width + j }
    func wIndex(_ c: Int, _ o: Int, _ kp: Int, _ kq: Int) -> Int { ((c * outputChannels + o) * kernelHeight + kp) * kernelWidth + kq }
    func yIndex(_ n: Int, _ o: Int, _ row: Int, _ column: Int) -> Int { ((n * outputChannels + o) * outputHeight + row) * outputWidth + column }

    /// dy[n,o,row,column], 0 outside the output (where the stamp was cropped).
    func gradient(_ n: Int, _ o: Int, _ row: Int, _ column: Int) -> Float {
      guard row >= 0 && row < outputHeight && column >= 0 && column < outputWidth else { return 0 }
      return dy[yIndex(n, o, row, column)]
    }

    // dx[n,c,i,j] = Σ_o Σ_kp Σ_kq w[c,o,kp,kq] · dy[n,o,i·s−p+kp, j·s−p+kq]
    var inputGradient = [Float](repeating: 0, count: x.count)
    for n in 0..<batch {
      for c in 0..<inputChannels {
        for i in 0..<height {
          for j in 0..<width {
            var sum: Float = 0
            for o in 0..<outputChannels {                                           // Σ_o
              for kp in 0..<kernelHeight {                                          // Σ_kp
                let row = i * p.strideHeight - p.paddingHeight + kp                 // i·s − p + kp
                for kq in 0..<kernelWidth {                                         // Σ_kq
                  let column = j * p.strideWidth - p.paddingWidth + kq              // j·s − p + kq
                  sum += kernel[wIndex(c, o, kp, kq)] * gradient(n, o, row, column)   // w[c,o,kp,kq] · dy[n,o,row,column]
                }
              }
            }
            inputGradient[xIndex(n, c, i, j)] = sum
          }
        }
      }
    }

    // dw[c,o,kp,kq] = Σ_n Σ_i Σ_j x[n,c,i,j] · dy[n,o,i·s−p+kp, j·s−p+kq]
    var weightGradient = [Float](repeating: 0, count: weight.count)
    for c in 0..<inputChannels {
      for o in 0..<outputChannels {
        for kp in 0..<kernelHeight {
          for kq in 0..<kernelWidth {
            var sum: Float = 0
            for n in 0..<batch {                                                    // Σ_n
              for i in 0..<height {                                                 // Σ_i
                let row = i * p.strideHeight - p.paddingHeight + kp                 // i·s − p + kp
                for j in 0..<width {                                                // Σ_j
                  let column = j * p.strideWidth - p.paddingWidth + kq              // j·s − p + kq
                  sum += input[xIndex(n, c, i, j)] * gradient(n, o, row, column)   // x[n,c,i,j] · dy[n,o,row,column]
                }
              }
            }
            weightGradient[wIndex(c, o, kp, kq)] = sum
          }
        }
      }
    }

    // db[o] = Σ_n Σ_row Σ_column dy[n,o,row,column]
    var biasGradient: Tensor? = nil
    if hasBias {
      var sums = [Float](repeating: 0, count: outputChannels)
      for o in 0..<outputChannels {
        for n in 0..<batch {
          for row in 0..<outputHeight {
            for column in 0..<outputWidth { sums[o] += gradient(n, o, row, column) }
          }
        }
      }
      biasGradient = Tensor(shape: [outputChannels], data: sums)
    }
    return (Tensor(shape: x.shape, data: inputGradient), Tensor(shape: weight.shape, data: weightGradient), biasGradient)
  }
}
