// Exercise 04 — the transposed convolution ("deconvolution"), by scattering. Read
// README.md beside this file. Check it with:  swift run genlab-check 04
import ExerciseSupport

/// Every input pixel stamps its kernel, scaled by the pixel, onto the output:
///
///     y[n,o, i·s − pad + p, j·s − pad + q] += x[n,c,i,j] · w[c,o,p,q]     (skipped outside y)
///     y[n,o,·,·] += b[o]
///
/// - x: N×C_in×H×W, w: C_in×C_out×KH×KW (note: input channels first), b: [C_out] or nil.
/// - Returns y: N×C_out×OH×OW with OH = (H − 1)·s − 2·pad + KH, the same for OW.
public func transposedConvolution2D(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                                    stride: Int, padding: Int) throws -> Tensor {
  throw NotImplemented("04")
}
