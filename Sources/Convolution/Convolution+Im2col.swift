// Convolution — the optimized twin: it first copies every receptive field into a column of
// a matrix (im2col), after which the whole batch's convolution is ONE matrix product,
// W (O × C·KH·KW) · cols, and backward two more GEMMs and a col2im — faster because the
// packed SIMD GEMM runs at close to the machine's peak, where the reference's short, branchy
// C·KH·KW loop over scattered inputs spends its time on index arithmetic and padding tests.
// Same signatures as Convolution+Reference.swift; Tests/ConvolutionTests/ConvolutionTests.swift
// proves them equal.
//
// The copies cost O(C·KH·KW·N·OH·OW) moves against O(O) times as many multiply-adds, and
// every step is split over threads without changing any sum's order.
import Core
import MatMul

extension Convolution {
  /// y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s_h + p − pad_h, j·s_w + q − pad_w],
  /// computed as
  ///
  ///     cols = im2col(x)                       (C·KH·KW) × (N·OH·OW)
  ///     Y'   = W · cols                        O × (N·OH·OW), one GEMM for the whole batch
  ///     y[n,o,i,j] = Y'[o, (n·OH + i)·OW + j] + b[o]
  ///
  /// The optimized twin of `forwardReference` (same signature, same numbers within float32
  /// rounding); bit-identical for any `Parallel.threadCount`.
  public static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                             _ p: ConvolutionParameters) -> Tensor {
    forwardKeepingColumns(x, weight, bias, p).output
  }

  /// `forward`, also returning the im2col matrix it built, so that a layer can hand it
  /// to `backward(_:_:_:_:hasBias:columns:)` instead of building it again.
  public static func forwardKeepingColumns(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                                           _ p: ConvolutionParameters) -> (output: Tensor, columns: [Float]) {
    let g = checkForward("Convolution.forward", x, weight, bias, p)
    let outChannels = weight.shape[0]
    let (patchSize, patchCount) = (g.patchSize, g.patchCount)
    let planeSize = g.outputHeight * g.outputWidth
    let shape = [g.batch, outChannels, g.outputHeight, g.outputWidth]
    guard patchCount > 0 else { return (Tensor(zeros: shape), []) }

    let cols = im2col(x, g)
    // Y' = W · cols: W is stored O × (C·KH·KW), which is exactly the weight tensor's layout.
    let product = [Float](unsafeUninitializedCapacity: outChannels * patchCount) { yPrime, initialized in
      weight.withUnsafeBufferPointer { w in
        cols.withUnsafeBufferPointer { cols in
          MatMul.gemm(transposeA: false, transposeB: false, m: outChannels, n: patchCount, k: patchSize,
                      alpha: 1, a: w, lda: patchSize, b: cols, ldb: patchCount,
                      beta: 0, c: yPrime, ldc: patchCount)
        }
      }
      initialized = outChannels * patchCount
    }
    // Reorder O × (N·OH·OW) to N × O × OH·OW, adding the bias; one chunk per image.
    let biasValues = bias?.data ?? [Float](repeating: 0, count: outChannels)
    let ys = [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { y, initialized in
      let y = y
      product.withUnsafeBufferPointer { yPrime in
        Parallel.forEach(g.batch) { n in
          for o in 0..<outChannels {
            let source = yPrime.baseAddress! + o * patchCount + n * planeSize
            let target = y.baseAddress! + (n * outChannels + o) * planeSize
            let b = biasValues[o]
            for k in 0..<planeSize { target[k] = source[k] + b }
          }
        }
      }
      initialized = shape.reduce(1, *)
    }
    return (Tensor(shape: shape, data: ys), cols)
  }

  /// The gradients of `forward`, as three matrix steps on dY' (dL/dy laid out O × (N·OH·OW),
  /// the shape of Y'):
  ///
  ///     dW    = dY' · colsᵀ                    O × (C·KH·KW)      (GEMM, B transposed in place)
  ///     db[o] = Σ_k dY'[o,k]                   row sums, in a fixed order
  ///     dcols = Wᵀ · dY'                       (C·KH·KW) × (N·OH·OW)  (GEMM, A transposed in place)
  ///     dx    = col2im(dcols)                  adds each column back onto its patch
  ///
  /// cols is recomputed from `x` (the signature is the reference's). The optimized twin of
  /// `backwardReference`; bit-identical for any `Parallel.threadCount`.
  public static func backward(_ x: Tensor, _ weight: Tensor, _ outputGradient: Tensor,
                              _ p: ConvolutionParameters,
                              hasBias: Bool) -> (input: Tensor, weight: Tensor, bias: Tensor?) {
    backward(x, weight, outputGradient, p, hasBias: hasBias, columns: nil)
  }

  /// `backward` with the im2col matrix of `x` that `forwardKeepingColumns` returned
  /// (nil: build it). Same numbers, one im2col fewer per training step.
  public static func backward(_ x: Tensor, _ weight: Tensor, _ outputGradient: Tensor,
                              _ p: ConvolutionParameters, hasBias: Bool,
                              columns: [Float]?) -> (input: Tensor, weight: Tensor, bias: Tensor?) {
    let g = checkBackward("Convolution.backward", x, weight, outputGradient, p)
    if let columns {
      precondition(columns.count == g.patchSize * g.patchCount,
                   "Convolution.backward: columns hold \(columns.count) values, the im2col matrix of \(x.shape) "
                   + "needs \(g.patchSize) × \(g.patchCount)")
    }
    let outChannels = weight.shape[0]
    let (patchSize, patchCount) = (g.patchSize, g.patchCount)

    // dY': dL/dy as O × (N·OH·OW), the shape of Y'.
    let dyPrime = outputGradientRows(outputGradient, g, outChannels: outChannels)
    let cols = columns ?? im2col(x, g)
    // dW = dY' · colsᵀ; cols is stored (C·KH·KW) × (N·OH·OW), i.e. as colsᵀ's transpose.
    let weightGradient = [Float](unsafeUninitializedCapacity: outChannels * patchSize) { dw, initialized in
      dyPrime.withUnsafeBufferPointer { dyPrime in
        cols.withUnsafeBufferPointer { cols in
          MatMul.gemm(transposeA: false, transposeB: true, m: outChannels, n: patchSize, k: patchCount,
                      alpha: 1, a: dyPrime, lda: max(1, patchCount), b: cols, ldb: max(1, patchCount),
                      beta: 0, c: dw, ldc: patchSize)
        }
      }
      initialized = outChannels * patchSize
    }

    // db[o] = Σ_k dY'[o,k].
    let biasGradient = hasBias ? rowSums(dyPrime, rows: outChannels, columns: patchCount) : nil

    // dcols = Wᵀ · dY' (a fresh buffer: cols may be the caller's); then dx = col2im(dcols).
    var inputGradient = Tensor(zeros: x.shape)
    if patchCount > 0 {
      let dcolsCount = patchSize * patchCount
      let dcolsValues = [Float](unsafeUninitializedCapacity: dcolsCount) { dcols, initialized in
        weight.withUnsafeBufferPointer { w in
          dyPrime.withUnsafeBufferPointer { dyPrime in
            MatMul.gemm(transposeA: true, transposeB: false, m: patchSize, n: patchCount, k: outChannels,
                        alpha: 1, a: w, lda: patchSize, b: dyPrime, ldb: patchCount,
                        beta: 0, c: dcols, ldc: patchCount)
          }
        }
        initialized = dcolsCount
      }
      dcolsValues.withUnsafeBufferPointer { dcols in
        inputGradient.withUnsafeMutableBufferPointer { dx in
          Im2col.col2im(dcols, g, addingInto: dx)
        }
      }
    }
    return (inputGradient, Tensor(shape: weight.shape, data: weightGradient), biasGradient)
  }

  /// dY': dL/dy (N×O×OH×OW) laid out O × (N·OH·OW), the shape of Y'. Row o holds
  /// dy[n,o,·,·] for n = 0, 1, …, side by side; one chunk per row.
  static func outputGradientRows(_ outputGradient: Tensor, _ g: ConvolutionGeometry, outChannels: Int) -> [Float] {
    let (patchCount, planeSize, batch) = (g.patchCount, g.outputHeight * g.outputWidth, g.batch)
    return [Float](unsafeUninitializedCapacity: outChannels * patchCount) { d, initialized in
      let d = d
      outputGradient.withUnsafeBufferPointer { dy in
        Parallel.forEach(patchCount > 0 ? outChannels : 0) { o in
          for n in 0..<batch {
            let source = dy.baseAddress! + (n * outChannels + o) * planeSize
            let target = d.baseAddress! + o * patchCount + n * planeSize
            target.update(from: source, count: planeSize)
          }
        }
      }
      initialized = outChannels * patchCount
    }
  }

  /// The sum of each row of a `rows` × `columns` matrix, left to right in Double, rounded
  /// to Float once; one chunk per row.
  static func rowSums(_ matrix: [Float], rows: Int, columns: Int) -> Tensor {
    let sums = [Float](unsafeUninitializedCapacity: rows) { sums, initialized in
      let sums = sums
      matrix.withUnsafeBufferPointer { matrix in
        Parallel.forEach(rows) { row in
          var sum: Double = 0
          for k in (row * columns)..<((row + 1) * columns) { sum += Double(matrix[k]) }
          sums[row] = Float(sum)
        }
      }
      initialized = rows
    }
    return Tensor(shape: [rows], data: sums)
  }

  /// The im2col matrix of `x`: (C·KH·KW) × (N·OH·OW), every element written by `Im2col.im2col`.
  static func im2col(_ x: Tensor, _ g: ConvolutionGeometry) -> [Float] {
    let count = g.patchSize * g.patchCount
    return [Float](unsafeUninitializedCapacity: count) { cols, initialized in
      x.withUnsafeBufferPointer { x in Im2col.im2col(x, g, into: cols) }
      initialized = count
    }
  }
}
