import Core
import Foundation
import NN

/// Multi-head causal self-attention (Vaswani et al. 2017; GPT's masked form), the layer
/// that lets position i of a sequence look at positions 0…i and nothing later.
///
/// Input and output are [B, T, D] (B sequences of T positions, width D = `width`), with
/// H = `heads` heads of size d = D/H. For each sequence and head:
///
///     [q | k | v] = x·W_qkv + b_qkv                 (one Linear, D → 3D; head h reads columns h·d ..< (h+1)·d of each)
///     s_ij = q_i·k_j / √d              for j ≤ i    (the causal mask: j > i is never looked at)
///     p_ij = exp(s_ij) / Σ_{j' ≤ i} exp(s_ij')      (softmax over the visible positions)
///     o_i  = Σ_{j ≤ i} p_ij · v_j
///     y    = [o of every head] · W_out + b_out       (one Linear, D → D)
///
/// Backward, per sequence and head, given do_i (the output Linear's input gradient):
///
///     dp_ij = do_i · v_j                 dv_j += Σ_{i ≥ j} p_ij · do_i
///     ds_ij = p_ij · (dp_ij − Σ_{j'} p_ij' · dp_ij')      (the softmax's Jacobian)
///     dq_i  = Σ_j ds_ij · k_j / √d       dk_j += Σ_i ds_ij · q_i / √d
///
/// The loops follow the math; the work is split over (sequence, head) pairs, which write
/// disjoint outputs, so results are the same for any thread count. One query's row —
/// scores, softmax, weighted values — is `Autoregressive.attendRow`, which the cached
/// sampling twin calls too, so both round their sums the same way.
public final class CausalSelfAttention: Layer {
  public let width: Int
  public let heads: Int
  /// W_qkv, b_qkv: [q | k | v] from x.
  public let project: Linear
  /// W_out, b_out: the heads' outputs side by side, mixed back to width D.
  public let output: Linear

  /// What backward needs: the shape, the packed q|k|v rows and every p_ij.
  private var shape: (batch: Int, length: Int) = (0, 0)
  private var packed: Tensor?
  private var probabilities: [Float] = []

  public init(width: Int, heads: Int, implementation: Implementation = .optimized, rng: inout RNG) {
    precondition(heads >= 1 && width >= heads && width % heads == 0,
                 "CausalSelfAttention: width \(width) must be a positive multiple of heads \(heads)")
    self.width = width
    self.heads = heads
    project = Linear(inputSize: width, outputSize: 3 * width, implementation: implementation, rng: &rng)
    output = Linear(inputSize: width, outputSize: width, implementation: implementation, rng: &rng)
  }

  public var headSize: Int { width / heads }

  public func forward(_ input: Tensor, training: Bool) -> Tensor {
    precondition(input.rank == 3 && input.shape[2] == width,
                 "CausalSelfAttention: input must be [B, T, \(width)], got shape \(input.shape)")
    let (b, t) = (input.shape[0], input.shape[1])
    let packed = project.forward(input.reshaped([b * t, width]), training: training)
    var mixed = Tensor(zeros: [b * t, width])
    var probabilities = [Float](repeating: 0, count: b * heads * t * t)
    let (d, w3) = (headSize, 3 * width)
    let scale = 1 / Float(d).squareRoot()
    // One task per (sequence, head): each writes only its own probabilities and its own
    // head's columns of `mixed`, so the result is the same for any thread count.
    packed.withUnsafeBufferPointer { qkv in
      mixed.withUnsafeMutableBufferPointer { o in
        probabilities.withUnsafeMutableBufferPointer { probabilities in
          let (qkv, o, probabilities) = (qkv.baseAddress!, o.baseAddress!, probabilities.baseAddress!)
          let heads = heads, width = width
          Parallel.forEach(b * heads) { task in
            let (n, h) = (task / heads, task % heads)
            let (qOffset, kOffset, vOffset) = (h * d, width + h * d, 2 * width + h * d)
            for i in 0..<t {
              let row = probabilities + (n * heads + h) * t * t + i * t
              Autoregressive.attendRow(query: qkv + (n * t + i) * w3 + qOffset,
                                       keys: qkv + n * t * w3 + kOffset, values: qkv + n * t * w3 + vOffset,
                                       stride: w3, positions: i + 1, size: d, scale: scale,
                                       weights: row, output: o + (n * t + i) * width + h * d)
            }
          }
        }
      }
    }
    self.shape = (b, t)
    self.packed = packed
    self.probabilities = probabilities
    return output.forward(mixed, training: training).reshaped([b, t, width])
  }

  public func backward(_ outputGradient: Tensor) -> Tensor {
    guard let packed else { preconditionFailure("CausalSelfAttention: backward called before forward") }
    let (b, t) = shape
    precondition(outputGradient.shape == [b, t, width],
                 "CausalSelfAttention: output gradient has shape \(outputGradient.shape), the forward output was [\(b), \(t), \(width)]")
    let dMixed = output.backward(outputGradient.reshaped([b * t, width]))
    var dPacked = Tensor(zeros: [b * t, 3 * width])
    let (d, w3) = (headSize, 3 * width)
    let scale = 1 / Float(d).squareRoot()
    // One task per (sequence, head), as in forward: each writes only its head's columns of
    // dq, dk and dv for its own sequence.
    packed.withUnsafeBufferPointer { qkv in
      dMixed.withUnsafeBufferPointer { dO in
        dPacked.withUnsafeMutableBufferPointer { dqkv in
          probabilities.withUnsafeBufferPointer { probabilities in
            let (qkv, dO, dqkv, probabilities) = (qkv.baseAddress!, dO.baseAddress!, dqkv.baseAddress!,
                                                  probabilities.baseAddress!)
            let heads = heads, width = width
            Parallel.forEach(b * heads) { task in
              let (n, h) = (task / heads, task % heads)
              let (qOffset, kOffset, vOffset) = (h * d, width + h * d, 2 * width + h * d)
              var dp = [Float](repeating: 0, count: t)
              for i in 0..<t {
                let row = probabilities + (n * heads + h) * t * t + i * t
                let doi = dO + (n * t + i) * width + h * d
                var weighted: Float = 0
                for j in 0...i {
                  let vj = (n * t + j) * w3 + vOffset
                  let s = Autoregressive.dot(doi, qkv + vj, d)
                  dp[j] = s
                  weighted += row[j] * s
                  Autoregressive.addScaled(row[j], doi, to: dqkv + vj, d)
                }
                let qi = (n * t + i) * w3 + qOffset
                for j in 0...i {
                  let ds = row[j] * (dp[j] - weighted) * scale
                  let kj = (n * t + j) * w3 + kOffset
                  Autoregressive.addScaled(ds, qkv + kj, to: dqkv + qi, d)
                  Autoregressive.addScaled(ds, qkv + qi, to: dqkv + kj, d)
                }
              }
            }
          }
        }
      }
    }
    return project.backward(dPacked).reshaped([b, t, width])
  }

  public var parameters: [(name: String, parameter: Parameter)] {
    prefixedParameters([("project", project), ("output", output)])
  }
}

extension Autoregressive {
  /// Σ_c a[c]·b[c] over n contiguous floats, in 8 lanes then across them: the one dot
  /// product both the layer and the cached twin use, so their sums round the same way.
  @inline(__always)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var lanes = SIMD8<Float>()
    var c = 0
    while c + 8 <= n {
      lanes += UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self)
        * UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self)
      c += 8
    }
    var total = lanes.sum()
    while c < n { total += a[c] * b[c]; c += 1 }
    return total
  }

  /// y[c] += α·x[c] over n contiguous floats.
  @inline(__always)
  static func addScaled(_ alpha: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, _ n: Int) {
    for c in 0..<n { y[c] += alpha * x[c] }
  }

  /// One query's attention over `positions` keys and values (rows `stride` floats apart):
  /// scores q·k_j·scale, a softmax (the largest score subtracted first), and the weighted
  /// sum of the values added into `output`; the probabilities are left in `weights`.
  /// The layer's forward and the cached twin's step both call this.
  static func attendRow(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                        stride: Int, positions: Int, size: Int, scale: Float,
                        weights: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    var largest = -Float.infinity
    for j in 0..<positions {
      let s = dot(query, keys + j * stride, size) * scale
      weights[j] = s
      largest = max(largest, s)
    }
    var total: Float = 0
    for j in 0..<positions {
      let e = Foundation.exp(weights[j] - largest)
      weights[j] = e
      total += e
    }
    for j in 0..<positions {
      weights[j] /= total
      addScaled(weights[j], values + j * stride, to: output, size)
    }
  }
}
