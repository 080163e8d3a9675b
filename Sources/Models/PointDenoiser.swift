import Core
import DiffusionNoising
import NN

/// The noise predictor ε̂_θ(x_t, t) of lesson 08, for points of the plane: the noisy point
/// beside the sinusoidal embedding of its timestep, through an MLP with three hidden layers,
///
///     [x_t, emb(t)]  (2 + E)  →  H  →  H  →  H  →  2     (ReLU)
///
/// with Adam. x_t [N, 2] is in the network's coordinates (the data divided by its scale);
/// emb(t) [N, E] is `DiffusionNoising.timeEmbedding`, looked up in a table made once for
/// t = 0 … T. One network for all t: the embedding tells it how much noise to expect.
public final class PointDenoiser {
  public let network: Sequential
  public let schedule: NoiseSchedule
  public let optimizer: Adam
  /// [T + 1, E], row t = emb(t).
  public let embeddingTable: Tensor

  public init(schedule: NoiseSchedule, hidden: Int, embedding: Int, learningRate: Float,
              implementation: Implementation = .optimized, rng: inout RNG) {
    self.schedule = schedule
    embeddingTable = DiffusionNoising.timeEmbedding(Array(0...schedule.steps), dimension: embedding)
    let first = Linear(inputSize: 2 + embedding, outputSize: hidden, implementation: implementation, rng: &rng)
    first.computesInputGradient = false     // the input is data and a fixed embedding: no dL/dx needed
    network = Sequential(
      first, ReLU(),
      Linear(inputSize: hidden, outputSize: hidden, implementation: implementation, rng: &rng), ReLU(),
      Linear(inputSize: hidden, outputSize: hidden, implementation: implementation, rng: &rng), ReLU(),
      Linear(inputSize: hidden, outputSize: 2, implementation: implementation, rng: &rng))
    optimizer = Adam(parameters: network.parameters, learningRate: learningRate)
  }

  /// The network's input [N, 2 + E]: x_t beside emb(t).
  public func input(_ noisy: Tensor, timesteps: [Int]) -> Tensor {
    Tensor.concatenatingColumns([noisy, embeddingTable.gather(timesteps)])
  }

  /// ε̂(x_t, t), evaluation mode: the `NoisePredictor` the samplers call.
  public func predictNoise(_ noisy: Tensor, timesteps: [Int]) -> Tensor {
    network.forward(input(noisy, timesteps: timesteps), training: false)
  }

  /// One step of ε-prediction (DDPM's "simple" loss) on clean points x_0 [B, 2], with a
  /// timestep t and a noise ε ~ 𝒩(0, I) for each:
  ///
  ///     x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε          (the closed form: one jump, whatever t is)
  ///     L   = mean ‖ε − ε̂_θ(x_t, t)‖²
  ///
  /// then backward through the MLP and one Adam step. Returns L.
  public func step(clean: Tensor, timesteps: [Int], noise: Tensor) -> Double {
    let noisy = DiffusionNoising.noised(clean, timesteps: timesteps, noise: noise, schedule: schedule)
    let predicted = network.forward(input(noisy, timesteps: timesteps), training: true)
    let loss = Losses.meanSquaredError(predicted, noise)
    optimizer.zeroGradients()
    _ = network.backward(loss.gradient)
    optimizer.step()
    return loss.value
  }
}
