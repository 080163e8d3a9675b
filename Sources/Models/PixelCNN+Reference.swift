// Models — the reference twin: PixelCNN sampling as the chain rule p(x) = Π_ij p(x_ij | x_<ij)
// reads, pixel by pixel in raster order, running the whole network on the whole image before
// each of the S² pixels and using only the logit at (i, j). Its optimized twin is
// PixelCNN+Cached.swift (each layer computes only the new position);
// Tests/ModelsTests/PixelCNNTests.swift proves them equal.
import Core

extension PixelCNN {
  /// `count` samples [count, 1, S, S] in {0, 1}, pixel by pixel in raster order, by the
  /// textbook: before each of the S² pixels, the whole network runs on the whole image
  /// (later pixels still 0; the masks make them irrelevant) and the logit at (i, j) is used.
  /// S² full forwards. The reference twin of `sample`; same draws, same pixels.
  public func sampleReference(_ count: Int, rng: inout RNG) -> Tensor {
    let size = imageSize
    var images = Tensor(zeros: [count, 1, size, size])
    for i in 0..<size {
      for j in 0..<size {
        let scores = logits(images, training: false)
        for n in 0..<count {
          let index = (n * size + i) * size + j
          images.data[index] = Self.draw(logit: scores.data[index], uniform: rng.uniform())
        }
      }
    }
    return images
  }
}
