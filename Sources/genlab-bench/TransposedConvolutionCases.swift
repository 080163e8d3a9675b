import GenLab

/// Transposed-convolution cases: the two upsampling layers of the DCGAN generator at
/// batch 64, both k4 s2 p1 (each doubles the image): ConvT 128→64 on 7×7 → 14×14, and
/// ConvT 64→1 on 14×14 → 28×28. `convT_fwd` is the forward pass with bias;
/// `convT_fwd_bwd` is forward then backward (input, weight and bias gradients), as in
/// one training step. FLOPs count the multiply-adds of the definition, 2·N·C_in·C_out·KH·KW·H·W
/// per pass; backward does two such products (input and weight gradients), so ×3.
func transposedConvolutionCases() -> [BenchCase] {
  var cases: [BenchCase] = []
  let batch = 64, kernel = 4
  let parameters = TransposedConvolutionParameters(stride: 2, padding: 1)
  for (inputChannels, outputChannels, size) in [(128, 64, 7), (64, 1, 14)] {
    var rng = RNG(seed: 1)
    let x = Tensor.uniform([batch, inputChannels, size, size], in: -1..<1, using: &rng)
    let weight = Tensor.uniform([inputChannels, outputChannels, kernel, kernel], in: -0.1..<0.1, using: &rng)
    let bias = Tensor.uniform([outputChannels], in: -0.1..<0.1, using: &rng)
    let outputGradient = Tensor.uniform([batch, outputChannels, 2 * size, 2 * size], in: -1..<1, using: &rng)
    let shape = "N\(batch) \(inputChannels)→\(outputChannels) \(size)→\(2 * size)"
    let flops = 2 * Double(batch * inputChannels * outputChannels * kernel * kernel * size * size)
    cases.append(BenchCase(
      op: "convT_fwd", shape: shape, flops: flops, group: "convT-dcgan",
      reference: { _ = TransposedConvolution.forwardReference(x, weight, bias, parameters) },
      optimized: { _ = TransposedConvolution.forward(x, weight, bias, parameters) },
      referenceAlways: true))
    cases.append(BenchCase(
      op: "convT_fwd_bwd", shape: shape, flops: 3 * flops, group: "convT-dcgan",
      reference: {
        _ = TransposedConvolution.forwardReference(x, weight, bias, parameters)
        _ = TransposedConvolution.backwardReference(x, weight, outputGradient, parameters, hasBias: true)
      },
      optimized: {
        _ = TransposedConvolution.forward(x, weight, bias, parameters)
        _ = TransposedConvolution.backward(x, weight, outputGradient, parameters, hasBias: true)
      },
      referenceAlways: true))
  }
  return cases
}
