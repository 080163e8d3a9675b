// im2col and col2im: the rearrangements that turn a convolution into one matrix product.
//
// im2col copies every receptive field (a C×KH×KW patch of the input) into a column of a
// matrix, so that  Y = W · cols  computes every output pixel of every image in one GEMM.
// col2im is its adjoint: it adds each column back onto the patch it came from (where
// patches overlap, the contributions add up). Both are used by the optimized
// convolution twins, forward and backward, and by the transposed convolution.
import Core

public enum Im2col {
  /// Fills `cols`, a (C·KH·KW) × (N·OH·OW) row-major matrix, from the NCHW input `x`:
  ///
  ///   cols[(c·KH + p)·KW + q, (n·OH + i)·OW + j] = x[n, c, i·s_h + p − pad_h, j·s_w + q − pad_w]
  ///
  /// with 0 where the index falls into the padding. Rows are filled in parallel
  /// (each row is written by exactly one chunk), so the result is the same for any
  /// thread count.
  public static func im2col(_ x: UnsafeBufferPointer<Float>, _ g: ConvolutionGeometry,
                            into cols: UnsafeMutableBufferPointer<Float>) {
    checkSizes("im2col", image: x.count, cols: cols.count, g)
    guard let source = x.baseAddress, let target = cols.baseAddress, g.patchCount > 0 else { return }
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    let (sh, sw) = (g.parameters.strideHeight, g.parameters.strideWidth)
    let (ph, pw) = (g.parameters.paddingHeight, g.parameters.paddingWidth)
    let (kh, kw) = (g.kernelHeight, g.kernelWidth)
    let columns = g.patchCount
    let imageSize = g.channels * g.height * g.width
    Parallel.forEach(g.patchSize) { row in
      let q = row % kw, p = (row / kw) % kh, c = row / (kw * kh)
      let out = target + row * columns
      // The output columns j whose input column j·sw + q − pw lands inside 0..<width.
      // (Swift's `/` truncates toward zero, so a negative last column, a kernel column
      // entirely right of the input, must not be divided: −1 / 2 would give 0, not −1.)
      let jStart = min(ow, max(0, (pw - q + sw - 1) / sw))
      let lastInside = g.width - 1 + pw - q
      let jEnd = lastInside < 0 ? jStart : max(jStart, min(ow, lastInside / sw + 1))
      for n in 0..<g.batch {
        let plane = source + n * imageSize + c * g.height * g.width
        for i in 0..<oh {
          let line = out + (n * oh + i) * ow
          let y = i * sh + p - ph
          guard y >= 0 && y < g.height else {
            line.update(repeating: 0, count: ow)
            continue
          }
          let input = plane + y * g.width
          if jStart > 0 { line.update(repeating: 0, count: jStart) }
          if sw == 1 {
            (line + jStart).update(from: input + (jStart + q - pw), count: jEnd - jStart)
          } else {
            var j = jStart
            while j < jEnd { line[j] = input[j * sw + q - pw]; j += 1 }
          }
          if jEnd < ow { (line + jEnd).update(repeating: 0, count: ow - jEnd) }
        }
      }
    }
  }

  /// Adds `cols` back onto the NCHW tensor `x` — the adjoint of `im2col`:
  ///
  ///   x[n, c, i·s_h + p − pad_h, j·s_w + q − pad_w] += cols[(c·KH + p)·KW + q, (n·OH + i)·OW + j]
  ///
  /// for every index that falls inside the image. `x` is accumulated into, not
  /// overwritten: zero it first for a plain col2im. Channels are processed in
  /// parallel (each writes only its own planes), and within a channel the additions
  /// happen in a fixed order, so the result is the same for any thread count.
  public static func col2im(_ cols: UnsafeBufferPointer<Float>, _ g: ConvolutionGeometry,
                            addingInto x: UnsafeMutableBufferPointer<Float>) {
    checkSizes("col2im", image: x.count, cols: cols.count, g)
    guard let source = cols.baseAddress, let target = x.baseAddress, g.patchCount > 0 else { return }
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    let (sh, sw) = (g.parameters.strideHeight, g.parameters.strideWidth)
    let (ph, pw) = (g.parameters.paddingHeight, g.parameters.paddingWidth)
    let (kh, kw) = (g.kernelHeight, g.kernelWidth)
    let columns = g.patchCount
    let imageSize = g.channels * g.height * g.width
    Parallel.forEach(g.channels) { c in
      for p in 0..<kh {
        for q in 0..<kw {
          let row = (c * kh + p) * kw + q
          let input = source + row * columns
          let jStart = min(ow, max(0, (pw - q + sw - 1) / sw))
          let lastInside = g.width - 1 + pw - q   // negative: no column inside (see im2col)
          let jEnd = lastInside < 0 ? jStart : max(jStart, min(ow, lastInside / sw + 1))
          for n in 0..<g.batch {
            let plane = target + n * imageSize + c * g.height * g.width
            for i in 0..<oh {
              let y = i * sh + p - ph
              guard y >= 0 && y < g.height else { continue }
              let line = input + (n * oh + i) * ow
              let output = plane + y * g.width
              var j = jStart
              while j < jEnd { output[j * sw + q - pw] += line[j]; j += 1 }
            }
          }
        }
      }
    }
  }

  /// The buffers must hold the image (N·C·H·W floats) and the matrix ((C·KH·KW)·(N·OH·OW)).
  private static func checkSizes(_ name: String, image: Int, cols: Int, _ g: ConvolutionGeometry) {
    let imageSize = g.batch * g.channels * g.height * g.width
    precondition(image >= imageSize, "\(name): the image buffer holds \(image) floats, the geometry needs \(imageSize)")
    precondition(cols >= g.patchSize * g.patchCount,
                 "\(name): cols holds \(cols) floats, needs \(g.patchSize) × \(g.patchCount)")
  }
}
