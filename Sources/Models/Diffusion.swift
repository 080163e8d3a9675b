import Core
import DiffusionNoising
import Foundation
import NN

/// A denoising diffusion model for 28×28 images (Ho, Jain & Abbeel 2020), as lesson 09
/// trains it and genlab-bench times it: a `UNet` that predicts the noise, a noise
/// schedule, Adam, and an exponential moving average of the weights for sampling.
///
/// Training (DDPM's Algorithm 1) needs no chain of steps: for a clean batch x_0 draw one
/// t ~ U{1, …, T} and ε ~ 𝒩(0, I) per image, jump to x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε in
/// closed form, and regress the network's ε̂(x_t, t) on ε:
///
///     L = mean over pixels of (ε̂(x_t, t) − ε)²
///
/// Sampling runs the reverse chain (`DiffusionNoising.sampleDDPM` / `sampleDDIM`) with
/// `predictNoise`, which uses the averaged weights.
public final class DenoisingDiffusion {
  public let network: UNet
  public let schedule: NoiseSchedule
  public let optimizer: Adam
  /// The moving average of the network's weights that sampling uses.
  public let average: WeightAverage

  /// The training recipe beyond the optimizer's rate: the choices lesson 09's README measures
  /// one at a time ("what makes diffusion train fast"). The defaults are DDPM's.
  public struct Recipe: Sendable, Equatable {
    /// Steps over which the learning rate rises linearly from lr/warmup to lr (0: none).
    public var warmupSteps = 0
    /// The largest global gradient norm; larger gradients are scaled down to it (nil: no clipping).
    public var gradientClip: Float? = nil
    /// Min-SNR-γ loss weighting (Hang et al. 2023): image i's squared error is weighted by
    /// min(SNR_t, γ)/SNR_t with SNR_t = ᾱ_t/(1 − ᾱ_t), which for ε-prediction turns down the
    /// nearly clean, low-noise t whose ε is hard to see and whose gradients dominate early
    /// training (nil: every t weighted 1, DDPM's "simple" loss).
    public var minSNR: Float? = nil
    public init(warmupSteps: Int = 0, gradientClip: Float? = nil, minSNR: Float? = nil) {
      self.warmupSteps = warmupSteps
      self.gradientClip = gradientClip
      self.minSNR = minSNR
    }
  }

  public let recipe: Recipe
  private let peakLearningRate: Float

  public init(schedule: NoiseSchedule, baseChannels: Int = 32, learningRate: Float = 1e-3,
              averageDecay: Float = 0.999, recipe: Recipe = Recipe(), implementation: Implementation = .optimized,
              rng: inout RNG) {
    self.schedule = schedule
    self.recipe = recipe
    peakLearningRate = learningRate
    network = UNet(baseChannels: baseChannels, implementation: implementation, rng: &rng)
    optimizer = Adam(parameters: network.parameters, learningRate: learningRate)
    average = WeightAverage(network, decay: averageDecay)
  }

  /// What one training step measured.
  public struct StepResult: Sendable {
    /// The ε-prediction loss, mean over pixels, unweighted (also with min-SNR weighting, whose
    /// weights only scale the gradient), so that runs of different recipes can be compared.
    public var loss: Double
    /// The timesteps drawn for the batch, one per image.
    public var timesteps: [Int]
  }

  /// One training step on clean images x_0 [B, 1, 28, 28] in [−1, 1]; `rng` draws t and ε.
  public func step(_ clean: Tensor, rng: inout RNG) -> StepResult {
    let batch = clean.shape[0]
    let timesteps = (0..<batch).map { _ in 1 + rng.int(below: schedule.steps) }
    let (noisy, noise) = DiffusionNoising.noise(clean, timesteps: timesteps, schedule: schedule, rng: &rng)
    optimizer.zeroGradients()
    let predicted = network.forward(noisy, timesteps: timesteps, training: true)
    var loss = Losses.meanSquaredError(predicted, noise)
    if let gamma = recipe.minSNR { loss.gradient = weighted(loss.gradient, timesteps: timesteps, gamma: gamma) }
    network.backward(loss.gradient)
    if let limit = recipe.gradientClip { clipGradients(to: limit) }
    if recipe.warmupSteps > 0 {   // this is step `average.updates + 1` (the average keeps the count for resuming)
      let step = min(average.updates + 1, recipe.warmupSteps)
      optimizer.learningRate = peakLearningRate * Float(step) / Float(recipe.warmupSteps)
    }
    optimizer.step()
    average.update(from: network)
    return StepResult(loss: loss.value, timesteps: timesteps)
  }

  /// The loss gradient with image i's rows scaled by min(SNR_t, γ)/SNR_t.
  private func weighted(_ gradient: Tensor, timesteps: [Int], gamma: Float) -> Tensor {
    var result = gradient
    let size = gradient.count / timesteps.count
    result.withUnsafeMutableBufferPointer { g in
      for (i, t) in timesteps.enumerated() {
        let alphaBar = schedule.alphaBar(t), snr = alphaBar / (1 - alphaBar)
        let weight = Float(min(snr, Double(gamma)) / snr)
        for j in (i * size)..<((i + 1) * size) { g[j] *= weight }
      }
    }
    return result
  }

  /// Scales every gradient by limit/‖g‖ when the global norm ‖g‖ is above `limit`.
  private func clipGradients(to limit: Float) {
    let parameters = network.parameters.map(\.parameter)
    let norm = parameters.reduce(0.0) { sum, p in
      p.gradient.withUnsafeBufferPointer { g in g.reduce(sum) { $0 + Double($1) * Double($1) } }
    }.squareRoot()
    guard norm > Double(limit) else { return }
    let scale = Float(Double(limit) / norm)
    for p in parameters { p.gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= scale } } }
  }

  /// ε̂(x_t, t) with the averaged weights (or the trained ones with `averaged: false`).
  public func predictNoise(_ noisy: Tensor, _ timesteps: [Int], averaged: Bool = true) -> Tensor {
    guard averaged else { return network.forward(noisy, timesteps: timesteps, training: false) }
    return average.swappedIn(network) { network.forward(noisy, timesteps: timesteps, training: false) }
  }

  public var parameterCount: Int { network.parameterCount }
}

/// An exponential moving average of a network's weights, θ̄ ← d·θ̄ + (1 − d)·θ after
/// every optimizer step, with d = min(decay, (1 + n)/(10 + n)) at update n so the early,
/// random weights fade fast. Diffusion samples from θ̄ are much cleaner than from θ,
/// whose last steps are noisy. The averages are `buffers` named like the parameters, so
/// checkpoints keep them.
public final class WeightAverage: Trainable {
  public let decay: Float
  public private(set) var updates = 0
  private let averages: [(name: String, buffer: Buffer)]

  public init(_ model: any Trainable, decay: Float) {
    precondition((0..<1).contains(decay), "WeightAverage: decay must lie in [0, 1), got \(decay)")
    self.decay = decay
    averages = model.parameters.map { (name: $0.name, buffer: Buffer($0.parameter.value)) }
  }

  public var buffers: [(name: String, buffer: Buffer)] { averages }

  /// The number of updates is part of the state: a resumed run must use the same d.
  public func restoreUpdates(_ count: Int) { updates = count }

  public func update(from model: any Trainable) {
    updates += 1
    let d = Swift.min(decay, Float(1 + updates) / Float(10 + updates))
    for ((_, parameter), (_, average)) in zip(model.parameters, averages) {
      parameter.value.withUnsafeBufferPointer { value in
        average.value.withUnsafeMutableBufferPointer { mean in
          for i in 0..<mean.count { mean[i] = d * mean[i] + (1 - d) * value[i] }
        }
      }
    }
  }

  /// Runs `body` with the averaged weights in `model`, then puts the trained ones back.
  public func swappedIn<R>(_ model: any Trainable, _ body: () -> R) -> R {
    let parameters = model.parameters
    precondition(parameters.count == averages.count, "WeightAverage: model has \(parameters.count) parameters, "
                 + "the average \(averages.count)")
    for ((_, parameter), (_, average)) in zip(parameters, averages) { swap(&parameter.value, &average.value) }
    defer { for ((_, parameter), (_, average)) in zip(parameters, averages) { swap(&parameter.value, &average.value) } }
    return body()
  }
}
