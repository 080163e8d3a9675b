// Exercise 04 — the transposed convolution ("deconvolution"), by scattering. Read
// README.md beside this file. Check it with:  swift run genlab-check 04
import ExerciseSupport

/// Every input pixel stamps its kernel, scaled by the pixel, onto the output:
///
///     y[n,o, i·s − pad + p, j·s − pad + q] += x[n,c,i,j] · w[c,o,p,q]     (skipped outside y)
///     y[n,o,·,·] += b[o]
///
/// - x: N×C_in×H×W, w: C_in×C_out×KH×KW (note: input channels first), b: [C_out] or nil,
///   the same stride s and padding `pad` on both axes.
/// - Returns y: N×C_out×OH×OW with OH = (H − 1)·s − 2·pad + KH, the same for OW.
public func transposedConvolution2D(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                                    stride: Int, padding: Int) throws -> Tensor {
  // Your code here. `x.shape` is [N, C_in, H, W]; `x.data` is the flat row-major [Float]:
  // x[n,c,h,w] is x.data[((n·C_in + c)·H + h)·W + w], and w[c,o,p,q] is
  // weight.data[((c·C_out + o)·KH + p)·KW + q]. Start from an array of N·C_out·OH·OW
  // zeros, add every stamp onto it, and return Tensor(shape: [N, C_out, OH, OW], data: values).
  throw NotImplemented("04")
}
