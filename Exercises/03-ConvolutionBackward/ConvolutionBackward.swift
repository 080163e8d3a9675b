// Exercise 03 — the convolution's backward pass: the gradients with respect to its input
// and its weights. Read README.md beside this file. Check it with:  swift run genlab-check 03
import ExerciseSupport

/// For y = conv(x, w) (exercise 01, no bias) and the gradient dL/dy (`outputGradient`,
/// N×O×OH×OW), returns
///
///     dx[n,c,h,w] = Σ over the terms that used x[n,c,h,w] of  w[o,c,p,q] · dy[n,o,i,j]
///     dw[o,c,p,q] = Σ_n Σ_i Σ_j  x[n,c, i·s + p − pad, j·s + q − pad] · dy[n,o,i,j]
///
/// with the shapes of x and w, in that order: (input: dx, weight: dw).
public func convolution2DBackward(_ x: Tensor, _ weight: Tensor, outputGradient: Tensor,
                                  stride: Int, padding: Int) throws -> (input: Tensor, weight: Tensor) {
  // Your code here. Start from exercise 01's seven loops: where the forward pass added
  // w[o,c,p,q]·x[n,c,row,column] to y[n,o,i,j], add w[o,c,p,q]·dy[n,o,i,j] to dx[n,c,row,column]
  // and x[n,c,row,column]·dy[n,o,i,j] to dw[o,c,p,q]. Return
  // (Tensor(shape: x.shape, data: dxValues), Tensor(shape: weight.shape, data: dwValues)).
  throw NotImplemented("03")
}
