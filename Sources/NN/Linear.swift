import Core
import MatMul

/// A fully connected (dense, affine) layer, PyTorch's `nn.Linear`.
///
///     forward:   y = x·Wᵀ + b              y[n,o] = b[o] + Σ_i x[n,i]·W[o,i]
///     backward:  dL/dW += dyᵀ·x            dW[o,i] += Σ_n dy[n,o]·x[n,i]
///                dL/db += Σ_n dy[n,·]      (column sums of dy)
///                dL/dx  = dy·W             dx[n,i] = Σ_o dy[n,o]·W[o,i]
///
/// Shapes: x [N, in], W [out, in] (PyTorch's layout, so checkpoints map one to one),
/// b [out], y and dy [N, out], dx [N, in].
///
/// `implementation` picks the GEMM twin: `.reference` (`MatMul.gemmReference`, the triple
/// loop) or `.optimized` (`MatMul.gemm`, packed SIMD panels; the default).
/// Each of the three products is one call of the GEMM, which
/// reads W and dy transposed in place and writes straight into the output or, with
/// β = 1, adds into the gradient's own buffer: no intermediate tensors. The bias is
/// written into y's rows first and the GEMM adds x·Wᵀ onto it.
public final class Linear: Layer {
  public let weight: Parameter
  public let bias: Parameter?
  public let inputSize: Int
  public let outputSize: Int
  /// Which GEMM twin runs the products: `.reference` or `.optimized`.
  public var implementation: Implementation
  /// Whether backward computes dL/dx = dy·W. Set it to false on a model's first layer,
  /// whose input is data: that saves a third of the layer's backward (what autodiff
  /// frameworks do for inputs that need no gradient). Backward then returns an empty
  /// tensor (shape [0]), so a layer before it that needed dL/dx fails on the shape.
  public var computesInputGradient = true
  /// x of the most recent forward (shared with the caller's tensor, not copied).
  private var input: Tensor?

  /// A layer mapping `inputSize` features to `outputSize`, its weight and bias drawn
  /// by `initializer` with fanIn = `inputSize`, fanOut = `outputSize`.
  public init(inputSize: Int, outputSize: Int, bias: Bool = true, implementation: Implementation = .optimized,
              initializer: Initializer = .pytorchDefault, rng: inout RNG) {
    precondition(inputSize >= 1 && outputSize >= 1,
                 "Linear: sizes must be ≥ 1, got \(inputSize) → \(outputSize)")
    self.inputSize = inputSize
    self.outputSize = outputSize
    self.implementation = implementation
    weight = Parameter(initializer.weight(shape: [outputSize, inputSize], fanIn: inputSize,
                                          fanOut: outputSize, rng: &rng))
    self.bias = bias ? Parameter(initializer.bias(count: outputSize, fanIn: inputSize, rng: &rng)) : nil
  }

  /// y = x·Wᵀ + b. x [N, in] → y [N, out].
  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    precondition(input.rank == 2 && input.shape[1] == inputSize,
                 "Linear: input has \(input.rank == 2 ? "\(input.shape[1]) features" : "rank \(input.rank)"), "
                 + "the layer expects \(inputSize) (input shape \(input.shape), want [N, \(inputSize)])")
    self.input = input
    let (batch, inputSize, outputSize) = (input.shape[0], self.inputSize, self.outputSize)
    let output = [Float](unsafeUninitializedCapacity: batch * outputSize) { y, initialized in
      if let bias {
        bias.value.withUnsafeBufferPointer { b in
          for n in 0..<batch {
            for o in 0..<outputSize { y[n * outputSize + o] = b[o] }
          }
        }
      }
      input.withUnsafeBufferPointer { x in
        weight.value.withUnsafeBufferPointer { w in
          // With β = 0 (no bias) the GEMM never reads y's uninitialised memory.
          gemm(transposeA: false, transposeB: true, m: batch, n: outputSize, k: inputSize,
               alpha: 1, a: x, lda: inputSize, b: w, ldb: inputSize,
               beta: bias == nil ? 0 : 1, c: y, ldc: outputSize)
        }
      }
      initialized = batch * outputSize
    }
    return Tensor(shape: [batch, outputSize], data: output)
  }

  /// Adds dL/dW = dyᵀ·x and dL/db = Σ_n dy to the gradients; returns dL/dx = dy·W.
  public func backward(_ outputGradient: Tensor) -> Tensor {
    guard let input else { preconditionFailure("Linear: backward called before forward") }
    let (batch, inputSize, outputSize) = (input.shape[0], self.inputSize, self.outputSize)
    precondition(outputGradient.shape == [batch, outputSize],
                 "Linear: output gradient has shape \(outputGradient.shape), the forward output was [\(batch), \(outputSize)]")
    outputGradient.withUnsafeBufferPointer { dy in
      input.withUnsafeBufferPointer { x in
        weight.gradient.withUnsafeMutableBufferPointer { dw in
          gemm(transposeA: true, transposeB: false, m: outputSize, n: inputSize, k: batch,
               alpha: 1, a: dy, lda: outputSize, b: x, ldb: inputSize,
               beta: 1, c: dw, ldc: inputSize)
        }
      }
      bias?.gradient.withUnsafeMutableBufferPointer { db in
        for n in 0..<batch {
          for o in 0..<outputSize { db[o] += dy[n * outputSize + o] }
        }
      }
    }
    guard computesInputGradient else { return Tensor(shape: [0], data: []) }
    let inputGradient = [Float](unsafeUninitializedCapacity: batch * inputSize) { dx, initialized in
      outputGradient.withUnsafeBufferPointer { dy in
        weight.value.withUnsafeBufferPointer { w in
          gemm(transposeA: false, transposeB: false, m: batch, n: inputSize, k: outputSize,
               alpha: 1, a: dy, lda: outputSize, b: w, ldb: inputSize,
               beta: 0, c: dx, ldc: inputSize)
        }
      }
      initialized = batch * inputSize
    }
    return Tensor(shape: [batch, inputSize], data: inputGradient)
  }

  /// C ← α·op(A)·op(B) + β·C by the twin `implementation` names.
  private func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                    alpha: Float, a: UnsafeBufferPointer<Float>, lda: Int,
                    b: UnsafeBufferPointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int) {
    switch implementation {
    case .reference:
      MatMul.gemmReference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    case .optimized:
      MatMul.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    if let bias { return [("weight", weight), ("bias", bias)] }
    return [("weight", weight)]
  }
}
