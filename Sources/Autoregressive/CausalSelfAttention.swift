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
/// This is the reference form, loops in the order of the math; the sampling twins
/// (recompute the prefix vs keep a key/value cache) call `attend` one position at a time.
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
    packed.withUnsafeBufferPointer { qkv in
      mixed.withUnsafeMutableBufferPointer { o in
        for n in 0..<b {
          for h in 0..<heads {
            let (qOffset, kOffset, vOffset) = (h * d, width + h * d, 2 * width + h * d)
            for i in 0..<t {
              let row = (n * heads + h) * t * t + i * t
              let qi = (n * t + i) * w3 + qOffset
              var largest = -Float.infinity
              for j in 0...i {
                var s: Float = 0
                let kj = (n * t + j) * w3 + kOffset
                for c in 0..<d { s += qkv[qi + c] * qkv[kj + c] }
                probabilities[row + j] = s * scale
                largest = max(largest, s * scale)
              }
              var total: Float = 0
              for j in 0...i {
                let e = Foundation.exp(probabilities[row + j] - largest)
                probabilities[row + j] = e
                total += e
              }
              let oi = (n * t + i) * width + h * d
              for j in 0...i {
                let p = probabilities[row + j] / total
                probabilities[row + j] = p
                let vj = (n * t + j) * w3 + vOffset
                for c in 0..<d { o[oi + c] += p * qkv[vj + c] }
              }
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
    var dp = [Float](repeating: 0, count: t)
    packed.withUnsafeBufferPointer { qkv in
      dMixed.withUnsafeBufferPointer { dO in
        dPacked.withUnsafeMutableBufferPointer { dqkv in
          for n in 0..<b {
            for h in 0..<heads {
              let (qOffset, kOffset, vOffset) = (h * d, width + h * d, 2 * width + h * d)
              for i in 0..<t {
                let row = (n * heads + h) * t * t + i * t
                let oi = (n * t + i) * width + h * d
                var weighted: Float = 0
                for j in 0...i {
                  let vj = (n * t + j) * w3 + vOffset
                  var s: Float = 0
                  for c in 0..<d { s += dO[oi + c] * qkv[vj + c] }
                  dp[j] = s
                  weighted += probabilities[row + j] * s
                  let p = probabilities[row + j]
                  for c in 0..<d { dqkv[vj + c] += p * dO[oi + c] }
                }
                let qi = (n * t + i) * w3 + qOffset
                for j in 0...i {
                  let ds = probabilities[row + j] * (dp[j] - weighted) * scale
                  let kj = (n * t + j) * w3 + kOffset
                  for c in 0..<d {
                    dqkv[qi + c] += ds * qkv[kj + c]
                    dqkv[kj + c] += ds * qkv[qi + c]
                  }
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
    project.parameters.map { (name: "project.\($0.name)", parameter: $0.parameter) }
      + output.parameters.map { (name: "output.\($0.name)", parameter: $0.parameter) }
  }
}
