import GenLab

/// The `autoregressive` group's cases, on a character transformer of lesson 10's size (V = 70
/// characters, D = 64, 4 heads, 2 blocks, context 300):
/// - `sample_256`: 256 new characters after a one-character prompt, the reference twin
///   (`generateReference`: the whole prefix again at every step) against the cached twin
///   (`generate`: a key/value cache, one new position per step); target ≥ 10×. FLOPs count
///   the cached twin's multiply-adds (2 per): per position 2 blocks × (12·D² + 2·t·D) + D·V.
/// - `pcnn_sample`: eight 28×28 binary images from lesson 11's PixelCNN (32 channels, 5
///   mask-B layers), the reference twin (`sampleReference`: the whole network on the whole
///   image for each of the 784 pixels) against the cached one (`sample`: each layer computes
///   only the new position from kept activations). FLOPs count one full forward pass per
///   image, which is what the cached twin does in all; the reference does 784 of them.
/// - `gpt_step`: one training step (forward, cross-entropy, backward, Adam) on a
///   batch of 32 sequences of 64 characters, with the Linear layers on the reference GEMM
///   against the packed one.
func autoregressiveCases() -> [BenchCase] {
  let (v, d, context) = (70, 64, 300)
  var rng = RNG(seed: 1)
  let model = CharTransformer(.init(vocabulary: v, context: context, width: d, heads: 4, layers: 2), rng: &rng)
  var referenceRNG = RNG(seed: 2), cachedRNG = RNG(seed: 2)
  let sampleFlops = (1...256).reduce(0.0) { total, t in total + 2 * (2 * Double(12 * d * d + 2 * t * d) + Double(d * v)) }

  let configuration = CharTransformer.Configuration(vocabulary: v, context: 64, width: d, heads: 4, layers: 2)
  var initRNG = RNG(seed: 3)
  let slow = CharTransformer(configuration, implementation: .reference, rng: &initRNG)
  initRNG = RNG(seed: 3)
  let fast = CharTransformer(configuration, implementation: .optimized, rng: &initRNG)
  let slowAdam = Adam(parameters: slow.parameters, learningRate: 3e-3)
  let fastAdam = Adam(parameters: fast.parameters, learningRate: 3e-3)
  var dataRNG = RNG(seed: 4)
  let sequences = (0..<32).map { _ in (0..<65).map { _ in dataRNG.int(below: v) } }
  let inputs = sequences.map { Array($0.dropLast()) }, targets = sequences.flatMap { Array($0.dropFirst()) }
  func step(_ model: CharTransformer, _ adam: Adam) {
    adam.zeroGradients()
    let loss = Losses.softmaxCrossEntropy(model.forward(inputs, training: true), labels: targets)
    model.backward(loss.gradient)
    adam.step()
  }
  // 6 × parameters × tokens for the dense layers, plus the attention's 4·T²·D per sequence and block (×3).
  let tokens = Double(32 * 64)
  let stepFlops = 6 * Double(fast.parameterCount) * tokens + 3 * 2 * 32 * 4 * 64 * 64 * Double(d)

  var pixelRNG = RNG(seed: 5)
  let pixelCNN = PixelCNN(channels: 32, layers: 5, rng: &pixelRNG)
  var pixelReferenceRNG = RNG(seed: 6), pixelCachedRNG = RNG(seed: 6)
  let pixelFlops = 2 * 8 * 784 * Double(49 * 32 + 5 * 9 * 32 * 32 + 32 * 32 + 32)

  return [
    BenchCase(op: "pcnn_sample", shape: "C32 L5 8×28×28", flops: pixelFlops, group: "autoregressive",
              reference: { _ = pixelCNN.sampleReference(8, rng: &pixelReferenceRNG) },
              optimized: { _ = pixelCNN.sample(8, rng: &pixelCachedRNG) },
              referenceAlways: true),
    BenchCase(op: "sample_256", shape: "D64 L2 V70", flops: sampleFlops, group: "autoregressive",
              reference: { _ = Autoregressive.generateReference(model, prompt: [0], count: 256, rule: .init(),
                                                               rng: &referenceRNG) },
              optimized: { _ = Autoregressive.generate(model, prompt: [0], count: 256, rule: .init(), rng: &cachedRNG) },
              referenceAlways: true),
    BenchCase(op: "gpt_step", shape: "D64 L2 B32×64", flops: stepFlops, group: "autoregressive",
              reference: { step(slow, slowAdam) }, optimized: { step(fast, fastAdam) }),
  ]
}
