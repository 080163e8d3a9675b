import GenLab

/// Convolution cases: the DCGAN discriminator's two layers at batch 64, both k4 s2 p1
/// without bias (as in bench/peers/conv_jax.py): Conv 1→64 on 28×28 → 14×14, and
/// Conv 64→128 on 14×14 → 7×7. `conv_fwd` is the forward pass; `conv_fwd_bwd` is forward
/// then backward (dL/dx and dL/dW for a fixed dL/dy), counted as 3× the forward's FLOPs.
func convolutionCases() -> [BenchCase] {
  let layers = [(channels: 1, outChannels: 64, size: 28), (channels: 64, outChannels: 128, size: 14)]
  return layers.flatMap { layer in
    [false, true].map { withBackward in
      convolutionCase(batch: 64, channels: layer.channels, outChannels: layer.outChannels, size: layer.size,
                      kernel: 4, parameters: ConvolutionParameters(stride: 2, padding: 1),
                      withBackward: withBackward)
    }
  }
}

/// One square convolution on seeded uniform [−1, 1) data; FLOPs 2·N·O·C·KH·KW·OH·OW
/// for the forward pass, three times that with the backward pass.
func convolutionCase(batch: Int, channels: Int, outChannels: Int, size: Int, kernel: Int,
                     parameters: ConvolutionParameters, withBackward: Bool) -> BenchCase {
  var rng = RNG(seed: 1)
  let x = Tensor.uniform([batch, channels, size, size], in: -1..<1, using: &rng)
  let weight = Tensor.uniform([outChannels, channels, kernel, kernel], in: -1..<1, using: &rng)
  let outputShape = Convolution.outputShape(input: x.shape, weight: weight.shape, parameters)
  let outputGradient = Tensor.uniform(outputShape, in: -1..<1, using: &rng)
  let forwardFlops = 2 * Double(batch * outChannels * channels * kernel * kernel * outputShape[2] * outputShape[3])
  let shape = "N\(batch) \(channels)→\(outChannels) \(size)→\(outputShape[2])"
  if withBackward {
    return BenchCase(
      op: "conv_fwd_bwd", shape: shape, flops: 3 * forwardFlops, group: "conv-dcgan",
      reference: {
        _ = Convolution.forwardReference(x, weight, nil, parameters)
        _ = Convolution.backwardReference(x, weight, outputGradient, parameters, hasBias: false)
      },
      optimized: {
        _ = Convolution.forward(x, weight, nil, parameters)
        _ = Convolution.backward(x, weight, outputGradient, parameters, hasBias: false)
      },
      referenceAlways: true)
  }
  return BenchCase(
    op: "conv_fwd", shape: shape, flops: forwardFlops, group: "conv-dcgan",
    reference: { _ = Convolution.forwardReference(x, weight, nil, parameters) },
    optimized: { _ = Convolution.forward(x, weight, nil, parameters) },
    referenceAlways: true)
}
