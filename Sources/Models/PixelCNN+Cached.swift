// Models — the optimized twin: PixelCNN sampling that keeps the input of every convolution
// and, at each pixel, computes every layer's output at that one position only, where the
// reference runs the whole network on the whole image — faster because S² single-position
// steps cost about one full forward pass instead of S² of them. Same signatures as
// PixelCNN+Reference.swift; Tests/ModelsTests/PixelCNNTests.swift proves them equal.
import Core
import NN

extension PixelCNN {
  /// `count` samples [count, 1, S, S] in {0, 1}, pixel by pixel in raster order: the same
  /// pixels as `sampleReference` for the same `rng`, with about S² times less work.
  ///
  /// It keeps the input of every convolution l, the image (l = 0) and the ReLU of each
  /// hidden layer's output. At pixel (i, j) each convolution computes its output at (i, j)
  /// only, from the k×k window of its input there (`output(patch:)`), and writes it, after
  /// ReLU, into the next input at (i, j). Everything that window reads is final: rows above i
  /// were computed at earlier pixels, row i left of j too, (i, j) itself just now by the
  /// previous layer, and the taps right of j in row i and below it are masked. So every value
  /// is the one the full forward computes, by the same GEMM sums.
  ///
  /// The kept inputs are stored position-major, input[l][(h·S + w)·N·C + n·C + c], so that
  /// one window is k² contiguous blocks of N·C numbers (image-major [N, C, S, S] would make
  /// it N·C·k scattered cache lines out of a tensor far larger than the cache).
  public func sample(_ count: Int, rng: inout RNG) -> Tensor {
    let size = imageSize, positions = size * size
    let outputs: [(inputChannels: Int, kernelSize: Int, output: (Tensor) -> Tensor)] =
      maskedConvolutions.map { convolution in
        (convolution.weight.value.shape[1], convolution.weight.value.shape[2], { convolution.output(patch: $0) })
      } + head.map { convolution in
        (convolution.weight.value.shape[1], convolution.weight.value.shape[2], { convolution.output(patch: $0) })
      }
    var inputs = outputs.map { [Float](repeating: 0, count: positions * count * $0.inputChannels) }
    var patch: [Float] = []
    for i in 0..<size {
      for j in 0..<size {
        for (l, layer) in outputs.enumerated() {
          let (channels, kernelSize) = (layer.inputChannels, layer.kernelSize)
          let block = count * channels, radius = kernelSize / 2, taps = kernelSize * kernelSize
          // patch[n, c, p, q] = input[l] at (i + p − r, j + q − r), image n, channel c (0 outside the image).
          patch = [Float](repeating: 0, count: block * taps)
          inputs[l].withUnsafeBufferPointer { input in
            patch.withUnsafeMutableBufferPointer { patch in
              for p in 0..<kernelSize where (0..<size).contains(i + p - radius) {
                for q in 0..<kernelSize where (0..<size).contains(j + q - radius) {
                  let source = input.baseAddress! + ((i + p - radius) * size + j + q - radius) * block
                  let tap = p * kernelSize + q
                  for k in 0..<block { patch[k * taps + tap] = source[k] }
                }
              }
            }
          }
          let y = layer.output(Tensor(shape: [count, channels, kernelSize, kernelSize], data: patch))   // [N, C_out]
          if l == outputs.count - 1 {
            for n in 0..<count {
              inputs[0][(i * size + j) * count + n] = Self.draw(logit: y.data[n], uniform: rng.uniform())
            }
          } else {
            // y is [N, C_out], n-major: exactly the block of position (i, j) in input[l + 1].
            y.withUnsafeBufferPointer { y in
              inputs[l + 1].withUnsafeMutableBufferPointer { next in
                let target = next.baseAddress! + (i * size + j) * y.count
                for k in 0..<y.count { target[k] = max(y[k], 0) }
              }
            }
          }
        }
      }
    }
    // input[0] is [S·S, N]; the samples are [N, 1, S, S].
    var images = [Float](repeating: 0, count: count * positions)
    for position in 0..<positions {
      for n in 0..<count { images[n * positions + position] = inputs[0][position * count + n] }
    }
    return Tensor(shape: [count, 1, size, size], data: images)
  }
}
