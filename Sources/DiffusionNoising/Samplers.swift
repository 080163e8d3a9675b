import Core

/// Predicts the noise ε in x_t: given x_t [N, …] and each item's t, returns ε̂ with x_t's shape.
public typealias NoisePredictor = (_ noisy: Tensor, _ timesteps: [Int]) -> Tensor

extension DiffusionNoising {
  /// The variance of DDPM's reverse step.
  public enum ReverseVariance: String, Sendable, CaseIterable {
    /// σ_t² = β̃_t, the posterior variance (DDPM's lower bound).
    case posterior
    /// σ_t² = β_t (DDPM's upper bound).
    case beta
  }

  /// One DDPM reverse step from t to t − 1:
  /// x_{t−1} = (x_t − β_t/√(1−ᾱ_t)·ε̂) / √α_t + σ_t·z, z ~ 𝒩(0, I), no noise at t = 1.
  /// With `clip`, x̂_0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t is clipped first and the step takes the
  /// posterior mean μ̃(x_t, x̂_0) (the same number when nothing is clipped).
  public static func ddpmStep(_ noisy: Tensor, predictedNoise: Tensor, t: Int, schedule: NoiseSchedule,
                              variance: ReverseVariance = .posterior, clip: ClosedRange<Float>? = nil,
                              rng: inout RNG) -> Tensor {
    fatalError("DiffusionNoising.ddpmStep: not implemented yet")
  }

  /// One deterministic DDIM step (η = 0) from t to `previous` < t (0 gives x̂_0):
  /// x̂_0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t,  x_prev = √ᾱ_prev·x̂_0 + √(1−ᾱ_prev)·ε̂.
  public static func ddimStep(_ noisy: Tensor, predictedNoise: Tensor, from t: Int, to previous: Int,
                              schedule: NoiseSchedule, clip: ClosedRange<Float>? = nil) -> Tensor {
    fatalError("DiffusionNoising.ddimStep: not implemented yet")
  }

  /// The timesteps DDIM visits with `count` steps, descending from T, evenly spaced.
  public static func ddimTimesteps(count: Int, schedule: NoiseSchedule) -> [Int] {
    fatalError("DiffusionNoising.ddimTimesteps: not implemented yet")
  }

  /// DDPM ancestral sampling: x_T ~ 𝒩(0, I), then T reverse steps. `observe(t, x_t)` sees
  /// x_T first and x_0 last (for pictures).
  public static func sampleDDPM(shape: [Int], schedule: NoiseSchedule, variance: ReverseVariance = .posterior,
                                clip: ClosedRange<Float>? = nil, rng: inout RNG,
                                observe: (Int, Tensor) -> Void = { _, _ in },
                                predictNoise: NoisePredictor) -> Tensor {
    fatalError("DiffusionNoising.sampleDDPM: not implemented yet")
  }

  /// DDIM sampling with `steps` ≤ T network calls, from x_T ~ 𝒩(0, I).
  public static func sampleDDIM(shape: [Int], steps: Int, schedule: NoiseSchedule,
                                clip: ClosedRange<Float>? = nil, rng: inout RNG,
                                observe: (Int, Tensor) -> Void = { _, _ in },
                                predictNoise: NoisePredictor) -> Tensor {
    fatalError("DiffusionNoising.sampleDDIM: not implemented yet")
  }
}
