// TransposedConvolution — the optimized twin: the same products as one matrix product and a
// rearrangement (a GEMM, then col2im), where the reference scatters one input pixel at a time
// through a 7-deep loop nest of scalar multiply-adds — faster because nearly all the
// arithmetic lands in the packed SIMD GEMM, which keeps every loaded number in registers for
// many multiply-adds and runs on every core. Same signatures as
// TransposedConvolution+Reference.swift;
// Tests/TransposedConvolutionTests/TransposedConvolutionTests.swift proves them equal.
//
// A transposed convolution is the adjoint of a convolution: its forward pass is that
// convolution's backward-data pass, and its backward-data pass is that convolution's
// forward pass. So
//
//   forward:   cols = Wᵀ · X'       (C_out·KH·KW × N·H·W: every stamp of every pixel)
//              y    = col2im(cols)  (add each stamp onto the output where it lands)
//   backward:  dcols = im2col(dy)   (the output patch under every stamp)
//              dX'   = W · dcols,   dW = X' · dcolsᵀ,   db = Σ dy per channel
//
// with W the weight read as C_in × (C_out·KH·KW) and X' the input read channel-major,
// C_in × (N·H·W). im2col/col2im only move data; the GEMM is MatMul.gemm. Threads come only
// from MatMul and Parallel, which split the work by the problem size, so results are
// bit-identical for any thread count.
import Convolution
import Core
import MatMul

extension TransposedConvolution {
  /// y = convᵀ(x; w) + b, by one GEMM and a col2im; the optimized twin of
  /// `forwardReference` (same signature, same result up to float32 rounding).
  ///
  ///     cols[(o·KH + kp)·KW + kq, (n·H + i)·W + j] = Σ_c w[c,o,kp,kq] · x[n,c,i,j]
  ///     y[n,o,i·s−p+kp, j·s−p+kq] += cols[…]      (col2im of the adjoint convolution)
  public static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                             _ p: TransposedConvolutionParameters) -> Tensor {
    let shape = TransposedConvolutionShape("TransposedConvolution.forward", input: x, weight: weight, bias: bias, p)
    let geometry = shape.adjointConvolution
    let rows = geometry.patchSize            // C_out·KH·KW
    let pixels = geometry.patchCount         // N·H·W
    let inputChannels = shape.inputChannels
    let input = channelMajor(x.data, batch: shape.batch, channels: inputChannels,
                             planeSize: shape.height * shape.width)

    // cols = Wᵀ · X': W is stored C_in × (C_out·KH·KW), so Wᵀ is read in place.
    let cols = [Float](unsafeUninitializedCapacity: rows * pixels) { cols, initialized in
      weight.withUnsafeBufferPointer { w in
        input.withUnsafeBufferPointer { xs in
          MatMul.gemm(transposeA: true, transposeB: false, m: rows, n: pixels, k: inputChannels,
                      alpha: 1, a: w, lda: rows, b: xs, ldb: max(1, pixels),
                      beta: 0, c: cols, ldc: max(1, pixels))
        }
      }
      initialized = rows * pixels
    }

    // y starts as the bias (or zero), and every stamp is added onto it.
    let planeSize = shape.outputHeight * shape.outputWidth
    var output = [Float](unsafeUninitializedCapacity: shape.batch * shape.outputChannels * planeSize) { y, initialized in
      for n in 0..<shape.batch {
        for o in 0..<shape.outputChannels {
          let plane = y.baseAddress! + (n * shape.outputChannels + o) * planeSize
          plane.initialize(repeating: bias?.data[o] ?? 0, count: planeSize)
        }
      }
      initialized = shape.batch * shape.outputChannels * planeSize
    }
    cols.withUnsafeBufferPointer { cols in
      output.withUnsafeMutableBufferPointer { Im2col.col2im(cols, geometry, addingInto: $0) }
    }
    return Tensor(shape: shape.outputShape, data: output)
  }

  /// The gradients given dy = ∂L/∂y, by one im2col and two GEMMs; the optimized twin of
  /// `backwardReference` (same signature, same result up to float32 rounding).
  ///
  ///     dcols = im2col(dy)                      (C_out·KH·KW) × (N·H·W)
  ///     dX'   = W · dcols                       C_in × (N·H·W), reordered to N×C_in×H×W
  ///     dW    = X' · dcolsᵀ                     C_in × (C_out·KH·KW) = C_in×C_out×KH×KW
  ///     db[o] = Σ_n Σ_row Σ_column dy[n,o,row,column]   (summed in Double, in a fixed order)
  public static func backward(_ x: Tensor, _ weight: Tensor, _ outputGradient: Tensor,
                              _ p: TransposedConvolutionParameters,
                              hasBias: Bool) -> (input: Tensor, weight: Tensor, bias: Tensor?) {
    let shape = TransposedConvolutionShape("TransposedConvolution.backward", input: x, weight: weight,
                                           outputGradient: outputGradient, p)
    let geometry = shape.adjointConvolution
    let rows = geometry.patchSize            // C_out·KH·KW
    let pixels = geometry.patchCount         // N·H·W
    let inputChannels = shape.inputChannels
    let planeSize = shape.height * shape.width

    // dcols: the output-gradient patch under every stamp (a convolution's im2col).
    let dcols = [Float](unsafeUninitializedCapacity: rows * pixels) { dcols, initialized in
      outputGradient.withUnsafeBufferPointer { dy in Im2col.im2col(dy, geometry, into: dcols) }
      initialized = rows * pixels
    }

    // dX' = W · dcols (C_in × N·H·W), then back to N×C_in×H×W.
    let inputGradient = [Float](unsafeUninitializedCapacity: inputChannels * pixels) { dx, initialized in
      weight.withUnsafeBufferPointer { w in
        dcols.withUnsafeBufferPointer { dcols in
          MatMul.gemm(transposeA: false, transposeB: false, m: inputChannels, n: pixels, k: rows,
                      alpha: 1, a: w, lda: rows, b: dcols, ldb: max(1, pixels),
                      beta: 0, c: dx, ldc: max(1, pixels))
        }
      }
      initialized = inputChannels * pixels
    }

    // dW = X' · dcolsᵀ (C_in × C_out·KH·KW, the weight's own layout); dcols is read in place.
    let input = channelMajor(x.data, batch: shape.batch, channels: inputChannels, planeSize: planeSize)
    let weightGradient = [Float](unsafeUninitializedCapacity: inputChannels * rows) { dw, initialized in
      input.withUnsafeBufferPointer { xs in
        dcols.withUnsafeBufferPointer { dcols in
          MatMul.gemm(transposeA: false, transposeB: true, m: inputChannels, n: rows, k: pixels,
                      alpha: 1, a: xs, lda: max(1, pixels), b: dcols, ldb: max(1, pixels),
                      beta: 0, c: dw, ldc: rows)
        }
      }
      initialized = inputChannels * rows
    }

    // db[o]: one chunk per channel, each summed over images and pixels in order.
    var biasGradient: Tensor? = nil
    if hasBias {
      let channels = shape.outputChannels, outputPlane = shape.outputHeight * shape.outputWidth
      var sums = [Float](repeating: 0, count: channels)
      outputGradient.withUnsafeBufferPointer { dy in
        sums.withUnsafeMutableBufferPointer { sums in
          let sums = sums
          Parallel.forEach(channels) { o in
            var sum: Double = 0
            for n in 0..<shape.batch {
              let plane = dy.baseAddress! + (n * channels + o) * outputPlane
              for k in 0..<outputPlane { sum += Double(plane[k]) }
            }
            sums[o] = Float(sum)
          }
        }
      }
      biasGradient = Tensor(shape: [channels], data: sums)
    }

    return (Tensor(shape: x.shape,
                   data: batchMajor(inputGradient, batch: shape.batch, channels: inputChannels, planeSize: planeSize)),
            Tensor(shape: weight.shape, data: weightGradient),
            biasGradient)
  }

  /// N×C×(plane) → C×(N·plane): channel c of every image side by side, the layout a
  /// GEMM over all pixels of the batch needs. A batch of one is already in it.
  static func channelMajor(_ x: [Float], batch: Int, channels: Int, planeSize: Int) -> [Float] {
    reorder(x, outer: batch, inner: channels, planeSize: planeSize)
  }

  /// C×(N·plane) → N×C×(plane), the inverse of `channelMajor`.
  static func batchMajor(_ x: [Float], batch: Int, channels: Int, planeSize: Int) -> [Float] {
    reorder(x, outer: channels, inner: batch, planeSize: planeSize)
  }

  /// Swaps the two outer axes of an `outer`×`inner`×`planeSize` array. Each chunk
  /// writes its own planes.
  private static func reorder(_ x: [Float], outer: Int, inner: Int, planeSize: Int) -> [Float] {
    guard outer > 1 && inner > 1 else { return x }
    return [Float](unsafeUninitializedCapacity: x.count) { out, initialized in
      x.withUnsafeBufferPointer { source in
        let (source, target) = (source.baseAddress!, out.baseAddress!)
        Parallel.forEach(inner) { b in
          for a in 0..<outer {
            (target + (b * outer + a) * planeSize).initialize(from: source + (a * inner + b) * planeSize,
                                                              count: planeSize)
          }
        }
      }
      initialized = x.count
    }
  }
}
