// Solution 03 — not written yet: the stub, so the solutions package builds.
import ExerciseSupport

/// For y = conv(x, w) (exercise 01, no bias) and the gradient dL/dy (`outputGradient`,
/// N×O×OH×OW), returns
///
///     dx[n,c,h,w] = Σ over the terms that used x[n,c,h,w] of  w[o,c,p,q] · dy[n,o,i,j]
///     dw[o,c,p,q] = Σ_n Σ_i Σ_j  x[n,c, i·s + p − pad, j·s + q − pad] · dy[n,o,i,j]
///
/// with the shapes of x and w.
public func convolution2DBackward(_ x: Tensor, _ weight: Tensor, outputGradient: Tensor,
                                  stride: Int, padding: Int) throws -> (input: Tensor, weight: Tensor) {
  throw NotImplemented("03")
}
