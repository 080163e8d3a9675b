// Exercise 02 — im2col: a convolution's input rearranged so that the convolution is one
// matrix product. Read README.md beside this file. Check it with:  swift run genlab-check 02
import ExerciseSupport

/// cols[(c·KH + p)·KW + q, (n·OH + i)·OW + j] = x[n, c, i·s + p − pad, j·s + q − pad]
/// (0 where the index falls into the padding).
///
/// - x: N×C×H×W; a KH×KW kernel with stride s and zero padding `pad` on both axes.
/// - Returns cols: (C·KH·KW) × (N·OH·OW), one column per output pixel (image by image,
///   row by row), one row per kernel tap (channel by channel, then row by row of the
///   kernel), with OH = (H + 2·pad − KH)/s + 1 (integer division), the same for OW.
public func im2col(_ x: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) throws -> Tensor {
  // Your code here. `x.shape` is [N, C, H, W]; x[n,c,h,w] is x.data[((n·C + c)·H + h)·W + w].
  // Fill a [Float] of (C·KH·KW)·(N·OH·OW) values row-major (entry [r, k] at r·(N·OH·OW) + k)
  // and return Tensor(shape: [C·KH·KW, N·OH·OW], data: values).
  throw NotImplemented("02")
}
