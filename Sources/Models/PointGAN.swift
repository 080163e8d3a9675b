import Core
import Foundation
import GANLoss
import NN

/// A GAN on points of the plane (lesson 06): a generator G: z ∈ R^latent → a point, and a
/// discriminator D: a point → one logit l, D(x) = σ(l) the probability that x is real.
/// Plain MLPs,
///
///     G: latent → hidden → hidden → 2      (ReLU)
///     D:      2 → hidden → hidden → 1      (LeakyReLU 0.2)
///
/// each with its own Adam (β₁ = 0.5, as Radford et al. suggest for GANs: less momentum, so
/// each player reacts to the other's latest move rather than to its average).
public final class PointGAN {
  public let generator: Sequential
  public let discriminator: Sequential
  public let generatorOptimizer: Adam
  public let discriminatorOptimizer: Adam
  public let latent: Int
  /// The generator's objective: non-saturating −log D(G(z)) or the minimax log(1 − D(G(z))).
  public let objective: GeneratorObjective
  /// Which twin of the GAN losses (and of the layers) a step runs.
  public let implementation: Implementation

  public init(latent: Int, hidden: Int, objective: GeneratorObjective = .nonSaturating,
              generatorLearningRate: Float, discriminatorLearningRate: Float,
              implementation: Implementation = .optimized, rng: inout RNG) {
    self.latent = latent
    self.objective = objective
    self.implementation = implementation
    let first = Linear(inputSize: latent, outputSize: hidden, implementation: implementation, rng: &rng)
    first.computesInputGradient = false   // z is noise: dL/dz is never used
    generator = Sequential(
      first, ReLU(),
      Linear(inputSize: hidden, outputSize: hidden, implementation: implementation, rng: &rng), ReLU(),
      Linear(inputSize: hidden, outputSize: 2, implementation: implementation, rng: &rng))
    // D's input gradient is needed: it is how the generator learns.
    discriminator = Sequential(
      Linear(inputSize: 2, outputSize: hidden, implementation: implementation, rng: &rng), LeakyReLU(negativeSlope: 0.2),
      Linear(inputSize: hidden, outputSize: hidden, implementation: implementation, rng: &rng), LeakyReLU(negativeSlope: 0.2),
      Linear(inputSize: hidden, outputSize: 1, implementation: implementation, rng: &rng))
    generatorOptimizer = Adam(parameters: generator.parameters, learningRate: generatorLearningRate, beta1: 0.5)
    discriminatorOptimizer = Adam(parameters: discriminator.parameters, learningRate: discriminatorLearningRate,
                                  beta1: 0.5)
  }

  /// What one step measured: both losses, and D's mean verdict on the real and the generated batch.
  public struct StepResult: Sendable {
    public var discriminatorLoss: Double
    public var generatorLoss: Double
    public var realScore: Double
    public var fakeScore: Double
  }

  /// One step of the game on the real batch `real` [B, 2], `noise` drawing z:
  ///
  /// 1. D step: x̃ = G(z), z ~ N(0, I); D sees the real and the generated points in one
  ///    batch [2B, 2] and descends L_D = −mean log D(x) − mean log(1 − D(x̃)).
  /// 2. G step: D (already updated) judges the same x̃ again; dL_G/dx̃ comes back through
  ///    D (its weights stay as they are: only G's optimizer steps) and then through G.
  ///    L_G = −mean log D(x̃) (non-saturating) or mean log(1 − D(x̃)) (saturating).
  public func step(real: Tensor, noise: inout RNG) -> StepResult {
    let batch = real.shape[0]
    let z = Tensor.normal([batch, latent], using: &noise)
    let fake = generator.forward(z, training: true)                                // x̃ = G(z), [B, 2]

    // 1. The discriminator.
    let both = Tensor(shape: [2 * batch, 2], data: real.data + fake.data)
    let logits = discriminator.forward(both, training: true)                       // [2B, 1]
    let realLogits = logits.slice(0..<batch), fakeLogits = logits.slice(batch..<(2 * batch))
    let reference = implementation == .reference
    let dLoss = reference ? GANLoss.discriminatorLossReference(realLogits: realLogits, fakeLogits: fakeLogits)
                          : GANLoss.discriminatorLoss(realLogits: realLogits, fakeLogits: fakeLogits)
    discriminatorOptimizer.zeroGradients()
    _ = discriminator.backward(Tensor(shape: [2 * batch, 1], data: dLoss.realGradient.data + dLoss.fakeGradient.data))
    discriminatorOptimizer.step()

    // 2. The generator, through the updated discriminator.
    let judged = discriminator.forward(fake, training: true)                       // [B, 1]
    let gLoss = reference ? GANLoss.generatorLossReference(fakeLogits: judged, objective: objective)
                          : GANLoss.generatorLoss(fakeLogits: judged, objective: objective)
    generatorOptimizer.zeroGradients()
    let pointGradient = discriminator.backward(gLoss.fakeGradient)                 // dL_G/dx̃ (D's own gradients are
    _ = generator.backward(pointGradient)                                          //  zeroed before its next step)
    generatorOptimizer.step()

    return StepResult(discriminatorLoss: dLoss.value, generatorLoss: gLoss.value,
                      realScore: GANLoss.meanProbability(realLogits), fakeScore: GANLoss.meanProbability(fakeLogits))
  }

  /// G(z) for the codes z [N, latent], evaluation mode.
  public func generate(_ z: Tensor) -> Tensor { generator.forward(z, training: false) }

  /// D(x) = σ(l(x)) for points [N, 2], evaluation mode.
  public func probabilityReal(_ points: Tensor) -> [Float] {
    discriminator.forward(points, training: false).data.map { 1 / (1 + exp(-$0)) }
  }

  public var parameterCount: (generator: Int, discriminator: Int) {
    (generator.parameterCount, discriminator.parameterCount)
  }
}
