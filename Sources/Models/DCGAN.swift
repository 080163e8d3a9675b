import Core
import Foundation
import GANLoss
import NN

/// DCGAN (Radford, Metz & Chintala, 2015) scaled to 28×28 grey images, as lesson 07
/// trains it and genlab-bench times it:
///
///     G: z ∈ R¹⁰⁰ → Linear → 128×7×7 → BN, ReLU → ConvT 4/2/1 → 64×14×14 → BN, ReLU
///        → ConvT 4/2/1 → 1×28×28 → tanh                        (images in [−1, 1])
///     D: 1×28×28 → Conv 4/2/1 → 64×14×14 → LeakyReLU 0.2 → Conv 4/2/1 → 128×7×7
///        → BN, LeakyReLU 0.2 → Linear → one logit              (D(x) = σ(logit))
///
/// The paper's recipe: weights from N(0, 0.02²), biases 0; Adam with lr 2·10⁻⁴ and
/// β₁ = 0.5; BatchNorm in both networks except G's output and D's input layer;
/// LeakyReLU in D. The convolution layers run on either twin (`implementation`), and
/// so do the GAN losses.
public final class DCGAN {
  public static let latentSize = 100

  public let generator: Sequential
  public let discriminator: Sequential
  public let generatorOptimizer: Adam
  public let discriminatorOptimizer: Adam
  /// `.reference`: the direct-loop conv twins and the textbook losses; `.optimized`:
  /// im2col/GEMM and the logits form.
  public let implementation: Implementation
  /// The generator's loss: non-saturating −log D(G(z)) (the default, as in the paper's
  /// code) or the original saturating log(1 − D(G(z))).
  public var objective: GeneratorObjective = .nonSaturating
  /// The discriminator's target for real images: 1, or e.g. 0.9 (one-sided label smoothing).
  public var realTarget: Float = 1

  public init(implementation: Implementation = .optimized, learningRate: Float = 2e-4, beta1: Float = 0.5,
              rng: inout RNG) {
    self.implementation = implementation
    let initializer = Initializer.normal(std: 0.02)
    let project = Linear(inputSize: Self.latentSize, outputSize: 128 * 7 * 7, implementation: implementation,
                         initializer: initializer, rng: &rng)
    project.computesInputGradient = false   // z is an input, not a parameter: no dL/dz needed
    generator = Sequential(
      project,
      Reshape([128, 7, 7]), BatchNorm(features: 128), ReLU(),
      ConvTranspose2d(inputChannels: 128, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1,
                      implementation: implementation, initializer: initializer, rng: &rng),
      BatchNorm(features: 64), ReLU(),
      ConvTranspose2d(inputChannels: 64, outputChannels: 1, kernelSize: 4, stride: 2, padding: 1,
                      implementation: implementation, initializer: initializer, rng: &rng),
      Tanh())
    discriminator = Sequential(
      Conv2d(inputChannels: 1, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1,
             implementation: implementation, initializer: initializer, rng: &rng),
      LeakyReLU(negativeSlope: 0.2),
      Conv2d(inputChannels: 64, outputChannels: 128, kernelSize: 4, stride: 2, padding: 1,
             implementation: implementation, initializer: initializer, rng: &rng),
      BatchNorm(features: 128), LeakyReLU(negativeSlope: 0.2),
      Flatten(),
      Linear(inputSize: 128 * 7 * 7, outputSize: 1, implementation: implementation,
             initializer: initializer, rng: &rng))
    generatorOptimizer = Adam(parameters: generator.parameters, learningRate: learningRate, beta1: beta1)
    discriminatorOptimizer = Adam(parameters: discriminator.parameters, learningRate: learningRate, beta1: beta1)
  }

  /// What one step measured: both losses (nats), and the discriminator's mean
  /// verdicts D(x) on the real batch and D(G(z)) on the fake one (before its update).
  public struct StepResult: Sendable {
    public var discriminatorLoss: Double
    public var generatorLoss: Double
    public var realScore: Double
    public var fakeScore: Double

    public init(discriminatorLoss: Double, generatorLoss: Double, realScore: Double, fakeScore: Double) {
      self.discriminatorLoss = discriminatorLoss
      self.generatorLoss = generatorLoss
      self.realScore = realScore
      self.fakeScore = fakeScore
    }
  }

  /// One training step on a batch of real images [B, 1, 28, 28] in [−1, 1]:
  ///
  /// 1. D step: minimise −[t·log D(x) + log(1 − D(G(z)))] over D's weights, with
  ///    G(z) held fixed. D runs on the real batch and on the fake batch separately
  ///    (each with its own BatchNorm statistics), backward after each, one Adam step.
  /// 2. G step: minimise the generator loss through D (now updated) into G; D's
  ///    gradients from this pass are thrown away (zeroed before D's next step).
  public func step(real: Tensor, noise: inout RNG) -> StepResult {
    let batch = real.shape[0]
    let z = Tensor.normal([batch, Self.latentSize], using: &noise)
    let fake = generator.forward(z, training: true)

    // 1. The discriminator. Its loss is a sum of a real half and a fake half, each
    //    depending only on its own logits: backward each half while D still holds
    //    that batch's activations.
    discriminatorOptimizer.zeroGradients()
    let realLogits = discriminator.forward(real, training: true)
    let realHalf = implementation == .reference
      ? GANLoss.discriminatorRealLossReference(realLogits: realLogits, realTarget: realTarget)
      : GANLoss.discriminatorRealLoss(realLogits: realLogits, realTarget: realTarget)
    _ = discriminator.backward(realHalf.gradient)
    let fakeLogits = discriminator.forward(fake, training: true)
    let fakeHalf = implementation == .reference
      ? GANLoss.discriminatorFakeLossReference(fakeLogits: fakeLogits)
      : GANLoss.discriminatorFakeLoss(fakeLogits: fakeLogits)
    _ = discriminator.backward(fakeHalf.gradient)
    discriminatorOptimizer.step()

    // 2. The generator, through the updated discriminator.
    generatorOptimizer.zeroGradients()
    let logits = discriminator.forward(fake, training: true)
    let generatorLoss = implementation == .reference
      ? GANLoss.generatorLossReference(fakeLogits: logits, objective: objective)
      : GANLoss.generatorLoss(fakeLogits: logits, objective: objective)
    let fakeGradient = discriminator.backward(generatorLoss.fakeGradient)   // dL_G / dG(z)
    _ = generator.backward(fakeGradient)
    generatorOptimizer.step()

    return StepResult(discriminatorLoss: realHalf.value + fakeHalf.value, generatorLoss: generatorLoss.value,
                      realScore: GANLoss.meanProbability(realLogits), fakeScore: GANLoss.meanProbability(fakeLogits))
  }

  /// G(z) in evaluation mode (BatchNorm's running statistics): [N, 1, 28, 28] in [−1, 1].
  public func generate(_ z: Tensor) -> Tensor {
    precondition(z.rank == 2 && z.shape[1] == Self.latentSize,
                 "DCGAN.generate: z must be N×\(Self.latentSize), got shape \(z.shape)")
    return generator.forward(z, training: false)
  }

  public var parameterCount: Int { generator.parameterCount + discriminator.parameterCount }
}
