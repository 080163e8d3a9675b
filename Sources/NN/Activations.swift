import Core

// Elementwise activations. Each forward is one tight loop over the elements
// (which the compiler vectorises where the function allows it) and keeps what its
// backward needs: the input for ReLU and LeakyReLU, the output for Tanh and Sigmoid,
// whose derivatives are cheapest in terms of y, the input and σ(x) for SiLU. They take
// any shape.

/// The rectified linear unit.
///
///     forward:   y = max(x, 0)
///     backward:  dx = dy · [x > 0]      (the derivative at 0 is taken as 0, as PyTorch does)
public final class ReLU: Layer {
  private var input: Tensor?

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    self.input = input
    return Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = x[i] > 0 ? x[i] : 0 }
      }
    }
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let input = checkedInput(input, outputGradient, layer: "ReLU")
    return Tensor(filling: input.shape) { dx in
      input.withUnsafeBufferPointer { x in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<x.count { dx[i] = x[i] > 0 ? dy[i] : 0 }
        }
      }
    }
  }
}

/// ReLU with a small slope a for negative inputs (so they still pass a gradient).
///
///     forward:   y = x if x > 0, else a·x
///     backward:  dx = dy if x > 0, else a·dy
public final class LeakyReLU: Layer {
  public let negativeSlope: Float
  private var input: Tensor?

  /// a = `negativeSlope` (PyTorch's default 0.01; DCGAN's discriminator uses 0.2).
  public init(negativeSlope: Float = 0.01) {
    self.negativeSlope = negativeSlope
  }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    self.input = input
    let slope = negativeSlope
    return Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
      }
    }
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let input = checkedInput(input, outputGradient, layer: "LeakyReLU")
    let slope = negativeSlope
    return Tensor(filling: input.shape) { dx in
      input.withUnsafeBufferPointer { x in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<x.count { dx[i] = x[i] > 0 ? dy[i] : slope * dy[i] }
        }
      }
    }
  }
}

/// The hyperbolic tangent.
///
///     forward:   y = tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)
///     backward:  dx = dy · (1 − y²)
///
/// `FastMath.tanh` lets the compiler vectorise the loop.
public final class Tanh: Layer {
  private var output: Tensor?

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let output = Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = FastMath.tanh(x[i]) }
      }
    }
    self.output = output
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let output = checkedInput(output, outputGradient, layer: "Tanh")
    return Tensor(filling: output.shape) { dx in
      output.withUnsafeBufferPointer { y in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<y.count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        }
      }
    }
  }
}

/// GELU, the Gaussian error linear unit (Hendrycks & Gimpel 2016) in GPT-2's tanh form:
///
///     forward:   y = ½·x·(1 + tanh(u)),   u = √(2/π)·(x + 0.044715·x³)
///     backward:  dx = dy · (½·(1 + tanh u) + ½·x·(1 − tanh²u)·√(2/π)·(1 + 3·0.044715·x²))
///
/// A smooth ReLU: transformers use it in their MLPs, and its smoothness lets a finite-
/// difference check of a whole network stay clear of kinks.
public final class GELU: Layer {
  private var input: Tensor?

  public init() {}

  static let c = Float((2 / Double.pi).squareRoot())

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    self.input = input
    let c = Self.c
    return Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count {
          let v = x[i]
          y[i] = 0.5 * v * (1 + FastMath.tanh(c * (v + 0.044715 * v * v * v)))
        }
      }
    }
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let input = checkedInput(input, outputGradient, layer: "GELU")
    let c = Self.c
    return Tensor(filling: input.shape) { dx in
      input.withUnsafeBufferPointer { x in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<x.count {
            let v = x[i]
            let t = FastMath.tanh(c * (v + 0.044715 * v * v * v))
            dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v))
          }
        }
      }
    }
  }
}

/// The logistic sigmoid.
///
///     forward:   y = σ(x) = 1 / (1 + e⁻ˣ)
///     backward:  dx = dy · y · (1 − y)
///
/// For x → −∞, e⁻ˣ overflows to +∞ and y = 1/∞ = 0 exactly, so no guard is needed.
/// `FastMath.exp` lets the compiler vectorise the loop.
/// (For a sigmoid followed by binary cross-entropy, use
/// `Losses.binaryCrossEntropyWithLogits` on the logits instead: it is exact where
/// log σ(x) would round to log 0.)
public final class Sigmoid: Layer {
  private var output: Tensor?

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    let output = Tensor(filling: input.shape) { y in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { y[i] = 1 / (1 + FastMath.exp(-x[i])) }
      }
    }
    self.output = output
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let output = checkedInput(output, outputGradient, layer: "Sigmoid")
    return Tensor(filling: output.shape) { dx in
      output.withUnsafeBufferPointer { y in
        outputGradient.withUnsafeBufferPointer { dy in
          for i in 0..<y.count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        }
      }
    }
  }
}

/// SiLU, or swish (Elfwing et al. 2017; Ramachandran et al. 2017): the input weighted by
/// its own sigmoid, the activation of diffusion U-Nets.
///
///     forward:   y = x · σ(x),  σ(x) = 1 / (1 + e⁻ˣ)
///     backward:  dx = dy · (σ(x) + x·σ(x)·(1 − σ(x))) = dy · σ(x) · (1 + x·(1 − σ(x)))
///
/// Forward keeps x and σ(x) for backward. Large |x| need no guard: for x → −∞, e⁻ˣ = +∞
/// gives σ = 0 exactly, so y = x·0 = −0 and dx = dy·0·(1 + x) = ±0; for x → +∞, σ = 1 and
/// 1 − σ = 0 exactly, so y = x and dx = dy. `FastMath.exp` lets the compiler vectorise the loop.
public final class SiLU: Layer {
  private var input: Tensor?
  private var sigmoid: Tensor?

  public init() {}

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    var sigmoid: Tensor?
    // One loop writes both σ(x) and y.
    let output = Tensor(filling: input.shape) { y in
      sigmoid = Tensor(filling: input.shape) { s in
        input.withUnsafeBufferPointer { x in
          for i in 0..<x.count {
            s[i] = 1 / (1 + FastMath.exp(-x[i]))
            y[i] = x[i] * s[i]
          }
        }
      }
    }
    self.input = input
    self.sigmoid = sigmoid
    return output
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    let input = checkedInput(input, outputGradient, layer: "SiLU")
    let sigmoid = sigmoid!
    return Tensor(filling: input.shape) { dx in
      input.withUnsafeBufferPointer { x in
        sigmoid.withUnsafeBufferPointer { s in
          outputGradient.withUnsafeBufferPointer { dy in
            for i in 0..<x.count { dx[i] = dy[i] * s[i] * (1 + x[i] * (1 - s[i])) }
          }
        }
      }
    }
  }
}

/// The tensor a backward needs from its forward, after checking that there was a
/// forward and that dL/dy has the forward output's shape (elementwise layers keep it).
func checkedInput(_ saved: Tensor?, _ outputGradient: Tensor, layer: String) -> Tensor {
  guard let saved else { preconditionFailure("\(layer): backward called before forward") }
  precondition(outputGradient.shape == saved.shape,
               "\(layer): output gradient has shape \(outputGradient.shape), the forward output was \(saved.shape)")
  return saved
}

extension Tensor {
  /// A tensor of `shape` whose elements `fill` writes, every one of them, into
  /// uninitialised memory (no zeroing pass first).
  @inline(__always)
  init(filling shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
    let count = shape.reduce(1, *)
    let elements = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      fill(buffer)
      initialized = count
    }
    self.init(shape: shape, data: elements)
  }
}

/// e^x, log(1 + e) and tanh x written with nothing but arithmetic, comparisons and bit
/// casts, so that a loop calling them on every element is vectorised by the compiler
/// (16 floats per instruction with AVX-512). libm's `expf`, `log1pf` and `tanhf` are
/// opaque calls that keep such a loop scalar, 10–30× slower. These are the classic
/// Cephes range reductions and polynomials, accurate to 1–2 ulp (the tests check them
/// against libm), with libm's edge cases: exp underflows through the subnormals to 0 and
/// overflows to +∞, and NaN stays NaN. (The same code on `SIMD16<Float>` was slower:
/// several of its generic operations compile to element loops.)
enum FastMath {
  /// e^x = 2^n · e^r with n = round(x/ln 2) and r = x − n·ln 2 ∈ [−ln2/2, ln2/2],
  /// e^r by a degree-7 polynomial. 2^n is applied as two factors 2^⌊n/2⌋·2^(n−⌊n/2⌋),
  /// each a normal float, so results down to 2^−149 are rounded once.
  @inline(__always)
  static func exp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -104), 88.72283)
    let n = (clamped * 1.442695040888963).rounded(.toNearestOrEven)
    var r = clamped - n * 0.693359375        // ln 2 in two parts: n·0.693359375 is exact
    r = r - n * -2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * (r * r) + r + 1
    // n is a whole number in [−150, 128]: adding 1.5·2²³ puts it in the low mantissa bits.
    let exponent = Int32(bitPattern: (n + 12_582_912).bitPattern) &- 0x4B40_0000
    let half = exponent &>> 1
    let scale1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) &<< 23))
    let scale2 = Float(bitPattern: UInt32(bitPattern: (exponent &- half &+ 127) &<< 23))
    let result = y * scale1 * scale2
    return x < -104 ? 0 : (x > 88.72283 ? .infinity : (x != x ? x : result))
  }

  /// log(1 + e) for e ∈ [0, 1] (what binary cross-entropy needs, e = e^(−|l|)).
  /// With 1 + e = 2^k·(1 + x), x ∈ [√½ − 1, √2 − 1]: x = e itself when e ≤ √2 − 1
  /// (k = 0; 1 + e is never rounded, so tiny e give log1p(e) ≈ e exactly), else
  /// x = (e − 1)/2 (k = 1). log(1 + x) = x − x²/2 + x³·P(x), Cephes' logf polynomial.
  @inline(__always)
  static func log1pUnit(_ e: Float) -> Float {
    let large = e > 0.41421356
    let x = large ? (e - 1) * 0.5 : e
    let k: Float = large ? 1 : 0
    let z = x * x
    var p: Float = 7.0376836292e-2
    p = p * x - 1.1514610310e-1
    p = p * x + 1.1676998740e-1
    p = p * x - 1.2420140846e-1
    p = p * x + 1.4249322787e-1
    p = p * x - 1.6668057665e-1
    p = p * x + 2.0000714765e-1
    p = p * x - 2.4999993993e-1
    p = p * x + 3.3333331174e-1
    var y = x * z * p
    y += k * -2.12194440e-4
    y -= 0.5 * z
    return x + y + k * 0.693359375
  }

  /// tanh x: an odd polynomial x + x³·P(x²) for |x| < 0.625 (where 1 − 2/(e^2|x| + 1)
  /// would lose digits to cancellation), else sign(x)·(1 − 2/(e^(2|x|) + 1)).
  @inline(__always)
  static func tanh(_ x: Float) -> Float {
    let magnitude = Swift.abs(x)
    let z = x * x
    var p: Float = -5.70498872745e-3
    p = p * z + 2.06390887954e-2
    p = p * z - 5.37397155531e-2
    p = p * z + 1.33314422036e-1
    p = p * z - 3.33332819422e-1
    let small = p * z * x + x
    let large = 1 - 2 / (exp(2 * magnitude) + 1)
    return magnitude < 0.625 ? small : (x < 0 ? -large : large)
  }
}
