// What an exercise stub may use, and nothing more: `Tensor` and `RNG` from Core, the
// error a stub throws until it is written, the two small types some exercises take
// (a noise schedule's tables, an attention cache), and `Submission` — the functions a
// student writes, gathered so the checker can call them.
//
// The stubs do not import the library's twins on purpose: the exercise is to write them.
@_exported import Core

/// Thrown by a stub that has not been written yet; the checker reports "not implemented
/// yet" for its exercise instead of a failure.
public struct NotImplemented: Error, CustomStringConvertible, Sendable {
  public let exercise: String
  public init(_ exercise: String) { self.exercise = exercise }
  public var description: String { "exercise \(exercise) is not implemented yet" }
}

/// A noise schedule's tables, 1-indexed by the timestep t = 1…T (index 0 is unused):
/// β_t, α_t = 1 − β_t, ᾱ_t = α_1·α_2·…·α_t, and the posterior variance
/// β̃_t = β_t·(1 − ᾱ_{t−1})/(1 − ᾱ_t) (β̃_1 = 0).
public struct Schedule: Sendable {
  public let betas: [Double]
  public let alphas: [Double]
  public let alphaBars: [Double]
  public let posteriorVariances: [Double]
  /// T.
  public var steps: Int { betas.count - 1 }

  /// The tables for β_1…β_T (`betas[0]` is β_1).
  public init(betas: [Double]) {
    precondition(!betas.isEmpty && betas.allSatisfy { $0 > 0 && $0 < 1 }, "Schedule: every β must be in (0, 1)")
    self.betas = [0] + betas
    alphas = self.betas.map { 1 - $0 }
    var bars = [1.0]
    for t in 1...betas.count { bars.append(bars[t - 1] * (1 - betas[t - 1])) }
    alphaBars = bars
    var variances = [0.0, 0.0]
    for t in stride(from: 2, through: betas.count, by: 1) {
      let beta: Double = betas[t - 1]
      variances.append(beta * (1 - bars[t - 1]) / (1 - bars[t]))
    }
    posteriorVariances = Array(variances.prefix(betas.count + 1))
  }
}

/// The keys and values of every earlier position of one attention layer, row after row
/// (positions × D floats each): what a new position's query attends over.
public struct AttentionCache: Sendable, Equatable {
  public var keys: [Float]
  public var values: [Float]
  /// Positions held.
  public var count: Int

  public init(keys: [Float] = [], values: [Float] = [], count: Int = 0) {
    self.keys = keys
    self.values = values
    self.count = count
  }
}

/// The functions of every exercise, as the checker calls them. `Exercises/Submission.swift`
/// fills it with the student's functions, `Exercises/Solutions` with the teacher's.
public struct Submission: Sendable {
  /// 01: y = conv(x, w) + b. x N×C×H×W, w O×C×KH×KW, b [O] or nil; (stride, padding) on both axes.
  public var convolution2D: @Sendable (Tensor, Tensor, Tensor?, Int, Int) throws -> Tensor
  /// 02: im2col of x N×C×H×W for a KH×KW kernel: (kernelHeight, kernelWidth, stride, padding) → (C·KH·KW) × (N·OH·OW).
  public var im2col: @Sendable (Tensor, Int, Int, Int, Int) throws -> Tensor
  /// 03: (dL/dx, dL/dw) of the convolution for dL/dy: (x, w, dy, stride, padding).
  public var convolution2DBackward: @Sendable (Tensor, Tensor, Tensor, Int, Int) throws -> (input: Tensor, weight: Tensor)
  /// 04: the transposed convolution by scatter: x N×C_in×H×W, w C_in×C_out×KH×KW, b [C_out] or nil; (stride, padding).
  public var transposedConvolution2D: @Sendable (Tensor, Tensor, Tensor?, Int, Int) throws -> Tensor
  /// 05: z = μ + σ·ε with σ = exp(½·logσ²): (mean, logVariance, epsilon), all N×D.
  public var reparameterize: @Sendable (Tensor, Tensor, Tensor) throws -> Tensor
  /// 05: KL(𝒩(μ, σ²) ‖ 𝒩(0, 1)) summed over D, one value per row: (mean, logVariance).
  public var gaussianKL: @Sendable (Tensor, Tensor) throws -> [Double]
  /// 05: (dL/dμ, dL/dlogσ²) for L = ⟨dz, z⟩ + klScale·Σ KL: (dz, epsilon, mean, logVariance, klScale).
  public var reparameterizationBackward: @Sendable (Tensor, Tensor, Tensor, Tensor, Float) throws -> (mean: Tensor, logVariance: Tensor)
  /// 06: the discriminator's loss from logits and its gradients: (realLogits, fakeLogits).
  public var discriminatorLoss: @Sendable (Tensor, Tensor) throws -> (value: Double, real: Tensor, fake: Tensor)
  /// 06: the non-saturating generator loss from logits and its gradient: (fakeLogits).
  public var generatorLoss: @Sendable (Tensor) throws -> (value: Double, fake: Tensor)
  /// 07: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, one t per item: (x0, timesteps, noise, schedule).
  public var noised: @Sendable (Tensor, [Int], Tensor, Schedule) throws -> Tensor
  /// 08: one DDPM reverse step x_t → x_{t−1}: (x_t, predictedNoise, t, schedule, z).
  public var ddpmStep: @Sendable (Tensor, Tensor, Int, Schedule, Tensor) throws -> Tensor
  /// 09: one KV-cached attention step: (query, key, value, cache, heads) → (output, cache with k and v appended).
  public var cachedAttention: @Sendable ([Float], [Float], [Float], AttentionCache, Int) throws -> (output: [Float], cache: AttentionCache)

  public init(convolution2D: @escaping @Sendable (Tensor, Tensor, Tensor?, Int, Int) throws -> Tensor,
              im2col: @escaping @Sendable (Tensor, Int, Int, Int, Int) throws -> Tensor,
              convolution2DBackward: @escaping @Sendable (Tensor, Tensor, Tensor, Int, Int) throws -> (input: Tensor, weight: Tensor),
              transposedConvolution2D: @escaping @Sendable (Tensor, Tensor, Tensor?, Int, Int) throws -> Tensor,
              reparameterize: @escaping @Sendable (Tensor, Tensor, Tensor) throws -> Tensor,
              gaussianKL: @escaping @Sendable (Tensor, Tensor) throws -> [Double],
              reparameterizationBackward: @escaping @Sendable (Tensor, Tensor, Tensor, Tensor, Float) throws -> (mean: Tensor, logVariance: Tensor),
              discriminatorLoss: @escaping @Sendable (Tensor, Tensor) throws -> (value: Double, real: Tensor, fake: Tensor),
              generatorLoss: @escaping @Sendable (Tensor) throws -> (value: Double, fake: Tensor),
              noised: @escaping @Sendable (Tensor, [Int], Tensor, Schedule) throws -> Tensor,
              ddpmStep: @escaping @Sendable (Tensor, Tensor, Int, Schedule, Tensor) throws -> Tensor,
              cachedAttention: @escaping @Sendable ([Float], [Float], [Float], AttentionCache, Int) throws -> (output: [Float], cache: AttentionCache)) {
    self.convolution2D = convolution2D
    self.im2col = im2col
    self.convolution2DBackward = convolution2DBackward
    self.transposedConvolution2D = transposedConvolution2D
    self.reparameterize = reparameterize
    self.gaussianKL = gaussianKL
    self.reparameterizationBackward = reparameterizationBackward
    self.discriminatorLoss = discriminatorLoss
    self.generatorLoss = generatorLoss
    self.noised = noised
    self.ddpmStep = ddpmStep
    self.cachedAttention = cachedAttention
  }

  /// Every function throws `NotImplemented`: the starting point for tests that replace one.
  public static let unimplemented = Submission(
    convolution2D: { _, _, _, _, _ in throw NotImplemented("01") },
    im2col: { _, _, _, _, _ in throw NotImplemented("02") },
    convolution2DBackward: { _, _, _, _, _ in throw NotImplemented("03") },
    transposedConvolution2D: { _, _, _, _, _ in throw NotImplemented("04") },
    reparameterize: { _, _, _ in throw NotImplemented("05") },
    gaussianKL: { _, _ in throw NotImplemented("05") },
    reparameterizationBackward: { _, _, _, _, _ in throw NotImplemented("05") },
    discriminatorLoss: { _, _ in throw NotImplemented("06") },
    generatorLoss: { _ in throw NotImplemented("06") },
    noised: { _, _, _, _ in throw NotImplemented("07") },
    ddpmStep: { _, _, _, _, _ in throw NotImplemented("08") },
    cachedAttention: { _, _, _, _, _ in throw NotImplemented("09") })
}
