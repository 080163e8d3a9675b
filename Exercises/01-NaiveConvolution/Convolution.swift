// Exercise 01 — the naive 2-D convolution, forward. Read README.md beside this file.
// Check it with:  swift run genlab-check 01
import ExerciseSupport

/// y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s + p − pad, j·s + q − pad]
///
/// - x: N×C×H×W, w: O×C×KH×KW, b: [O] or nil, the same stride s and zero padding `pad`
///   on both axes.
/// - Returns y: N×O×OH×OW with OH = (H + 2·pad − KH)/s + 1 (integer division), the same for OW.
public func convolution2D(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
  // Your code here. `x.shape` is [N, C, H, W]; `x.data` is the flat row-major [Float]:
  // x[n,c,h,w] is x.data[((n·C + c)·H + h)·W + w]. Build the output's data and return
  // Tensor(shape: [N, O, OH, OW], data: values).
  throw NotImplemented("01")
}
