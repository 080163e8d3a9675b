// Solution 02 — not written yet: the stub, so the solutions package builds.
import ExerciseSupport

/// cols[(c·KH + p)·KW + q, (n·OH + i)·OW + j] = x[n, c, i·s + p − pad, j·s + q − pad]
/// (0 where the index falls into the padding).
///
/// - x: N×C×H×W; a KH×KW kernel with stride s and zero padding `pad` on both axes.
/// - Returns cols: (C·KH·KW) × (N·OH·OW), one column per output pixel (image by image,
///   row by row), one row per kernel tap.
public func im2col(_ x: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) throws -> Tensor {
  throw NotImplemented("02")
}
