import Core

/// Predicts the noise ε in x_t: given x_t [N, …] and each item's t, returns ε̂ with x_t's shape.
public typealias NoisePredictor = (_ noisy: Tensor, _ timesteps: [Int]) -> Tensor

// Sampling runs the forward process backwards. Given x_t, the network's ε̂ gives an
// estimate of the data, x̂_0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t (the closed form solved for x_0),
// and the true reverse step for a known x_0 is Gaussian,
//
//     q(x_{t−1} | x_t, x_0) = 𝒩(μ̃_t, β̃_t·I),
//     μ̃_t = √ᾱ_{t−1}·β_t/(1−ᾱ_t)·x_0 + √α_t·(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t.
//
// DDPM (Ho et al. 2020, Algorithm 2) puts x̂_0 into μ̃ and adds noise of variance σ_t²;
// substituting x̂_0 gives the ε form μ = (x_t − β_t/√(1−ᾱ_t)·ε̂)/√α_t. DDIM (Song, Meng &
// Ermon 2021) with η = 0 adds no noise: it keeps ε̂ as "the" noise and moves x̂_0 and ε̂
// to a smaller ᾱ in one jump, so it can skip steps. All coefficients are computed in
// Double from the schedule and rounded to Float once per step.

extension DiffusionNoising {
  /// The variance of DDPM's reverse step.
  public enum ReverseVariance: String, Sendable, CaseIterable {
    /// σ_t² = β̃_t, the posterior variance (DDPM's lower bound).
    case posterior
    /// σ_t² = β_t (DDPM's upper bound).
    case beta
  }

  /// One DDPM reverse step from t to t − 1:
  ///
  ///     x_{t−1} = (x_t − β_t/√(1−ᾱ_t)·ε̂) / √α_t + σ_t·z,   z ~ 𝒩(0, I), no noise at t = 1,
  ///
  /// σ_t² = β̃_t (`.posterior`) or β_t (`.beta`). With `clip`, x̂_0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t
  /// is clipped first and the step takes the posterior mean
  ///
  ///     μ̃ = √ᾱ_{t−1}·β_t/(1−ᾱ_t)·x̂_0 + √α_t·(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t
  ///
  /// (the same number as the ε form when nothing is clipped). `noisy` and `predictedNoise`
  /// [N, …], the same t for every item, t in 1…T. z is drawn with `rng.normal()` in
  /// row-major order, only when t > 1 (at t = 1 the generator is not touched).
  public static func ddpmStep(_ noisy: Tensor, predictedNoise: Tensor, t: Int, schedule: NoiseSchedule,
                              variance: ReverseVariance = .posterior, clip: ClosedRange<Float>? = nil,
                              rng: inout RNG) -> Tensor {
    precondition(noisy.shape == predictedNoise.shape,
                 "DiffusionNoising.ddpmStep: x_t has shape \(noisy.shape), predicted noise \(predictedNoise.shape); they must match")
    precondition((1...schedule.steps).contains(t), "DiffusionNoising.ddpmStep: t = \(t) is outside 1…\(schedule.steps)")
    let beta = schedule.beta(t), alpha = schedule.alpha(t)
    let alphaBar = schedule.alphaBar(t), previousAlphaBar = schedule.alphaBar(t - 1)
    let sigma = Float((variance == .posterior ? schedule.posteriorVariance(t) : beta).squareRoot())
    let count = noisy.count
    var result = [Float](repeating: 0, count: count)
    result.withUnsafeMutableBufferPointer { out in
      noisy.withUnsafeBufferPointer { x in
        predictedNoise.withUnsafeBufferPointer { epsilon in
          if let clip {
            // x̂_0, clipped, then μ̃(x_t, x̂_0).
            let invSignal = Float(1 / alphaBar.squareRoot())                        // 1/√ᾱ_t
            let spread = Float((1 - alphaBar).squareRoot())                         // √(1−ᾱ_t)
            let dataWeight = Float(previousAlphaBar.squareRoot() * beta / (1 - alphaBar))
            let noisyWeight = Float(alpha.squareRoot() * (1 - previousAlphaBar) / (1 - alphaBar))
            for i in 0..<count {
              let x0 = min(max((x[i] - spread * epsilon[i]) * invSignal, clip.lowerBound), clip.upperBound)
              out[i] = dataWeight * x0 + noisyWeight * x[i]
            }
          } else {
            // The ε form, DDPM Algorithm 2.
            let invSqrtAlpha = Float(1 / alpha.squareRoot())                        // 1/√α_t
            let noiseWeight = Float(beta / (1 - alphaBar).squareRoot())             // β_t/√(1−ᾱ_t)
            for i in 0..<count { out[i] = (x[i] - noiseWeight * epsilon[i]) * invSqrtAlpha }
          }
        }
      }
      if t > 1 {
        for i in 0..<count { out[i] += sigma * rng.normal() }                      // + σ_t·z
      }
    }
    return Tensor(shape: noisy.shape, data: result)
  }

  /// One deterministic DDIM step (η = 0) from t to `previous` < t (0 gives x̂_0):
  ///
  ///     x̂_0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t,   x_prev = √ᾱ_prev·x̂_0 + √(1−ᾱ_prev)·ε̂
  ///
  /// With `clip`, x̂_0 is clipped and ε̂ is kept as predicted (diffusers' default,
  /// `use_clipped_model_output = False`). `noisy` and `predictedNoise` [N, …], the same t
  /// for every item, 0 ≤ previous < t ≤ T. With the true ε (x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε)
  /// it lands exactly on √ᾱ_prev·x_0 + √(1−ᾱ_prev)·ε, so a chain of steps returns x_0.
  public static func ddimStep(_ noisy: Tensor, predictedNoise: Tensor, from t: Int, to previous: Int,
                              schedule: NoiseSchedule, clip: ClosedRange<Float>? = nil) -> Tensor {
    precondition(noisy.shape == predictedNoise.shape,
                 "DiffusionNoising.ddimStep: x_t has shape \(noisy.shape), predicted noise \(predictedNoise.shape); they must match")
    precondition((1...schedule.steps).contains(t), "DiffusionNoising.ddimStep: t = \(t) is outside 1…\(schedule.steps)")
    precondition(previous >= 0 && previous < t, "DiffusionNoising.ddimStep: previous = \(previous) must be in 0..<t (t = \(t))")
    let alphaBar = schedule.alphaBar(t), previousAlphaBar = schedule.alphaBar(previous)
    let invSignal = Float(1 / alphaBar.squareRoot())                  // 1/√ᾱ_t
    let spread = Float((1 - alphaBar).squareRoot())                   // √(1−ᾱ_t)
    let previousSignal = Float(previousAlphaBar.squareRoot())         // √ᾱ_prev
    let previousSpread = Float((1 - previousAlphaBar).squareRoot())   // √(1−ᾱ_prev)
    let lower = clip?.lowerBound ?? -.infinity, upper = clip?.upperBound ?? .infinity
    let count = noisy.count
    let result = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      noisy.withUnsafeBufferPointer { x in
        predictedNoise.withUnsafeBufferPointer { epsilon in
          for i in 0..<count {
            let x0 = min(max((x[i] - spread * epsilon[i]) * invSignal, lower), upper)   // x̂_0
            out[i] = previousSignal * x0 + previousSpread * epsilon[i]
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: noisy.shape, data: result)
  }

  /// One stochastic DDIM step (η > 0) from t to `previous` < t (Song et al. 2021, eq. 12/16):
  ///
  ///     σ = η·√((1−ᾱ_prev)/(1−ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev)
  ///     x_prev = √ᾱ_prev·x̂_0 + √(1−ᾱ_prev−σ²)·ε̂ + σ·z,   z ~ 𝒩(0, I)
  ///
  /// η = 1 with every step taken is DDPM's ancestral step (σ² = β̃_t); with steps skipped it is
  /// DDPM on the coarser chain of the visited ᾱ's. The fresh noise lets later steps correct
  /// errors of an imperfect ε̂ that η = 0 carries to the end. z is drawn with `rng.normal()` in
  /// row-major order, only when previous > 0. `clip` as in the deterministic step.
  public static func ddimStep(_ noisy: Tensor, predictedNoise: Tensor, from t: Int, to previous: Int,
                              schedule: NoiseSchedule, clip: ClosedRange<Float>? = nil, eta: Double,
                              rng: inout RNG) -> Tensor {
    precondition(eta >= 0, "DiffusionNoising.ddimStep: η = \(eta) must be ≥ 0")
    let alphaBar = schedule.alphaBar(t), previousAlphaBar = schedule.alphaBar(previous)
    let variance = eta * eta * (1 - previousAlphaBar) / (1 - alphaBar) * (1 - alphaBar / previousAlphaBar)
    let sigma = Float(variance.squareRoot())
    let noiseWeight = Float(max(0, 1 - previousAlphaBar - variance).squareRoot() / (1 - previousAlphaBar).squareRoot())
    // The deterministic step gives √ᾱ_prev·x̂_0 + √(1−ᾱ_prev)·ε̂; its ε̂ part is rescaled from
    // √(1−ᾱ_prev) to √(1−ᾱ_prev−σ²), which is the same as x̂_0 and ε̂ recombined.
    let deterministic = ddimStep(noisy, predictedNoise: predictedNoise, from: t, to: previous, schedule: schedule, clip: clip)
    guard previous > 0, eta > 0 else { return deterministic }
    let previousSpread = Float((1 - previousAlphaBar).squareRoot())
    var result = deterministic
    result.withUnsafeMutableBufferPointer { out in
      predictedNoise.withUnsafeBufferPointer { epsilon in
        for i in 0..<out.count {
          out[i] += (noiseWeight - 1) * previousSpread * epsilon[i] + sigma * rng.normal()
        }
      }
    }
    return result
  }

  /// The timesteps DDIM visits with `count` steps, descending from T, evenly spaced:
  ///
  ///     τ_i = T − ⌊i·T/count⌋,   i = 0 … count − 1
  ///
  /// e.g. T = 1000, count = 4 → [1000, 750, 500, 250]; T = 10, count = 3 → [10, 7, 4];
  /// count = T → [T, T−1, …, 1]. The sampler's last step goes from τ_{count−1} to 0.
  /// `count` in 1…T.
  public static func ddimTimesteps(count: Int, schedule: NoiseSchedule) -> [Int] {
    precondition((1...schedule.steps).contains(count),
                 "DiffusionNoising.ddimTimesteps: count = \(count) is outside 1…\(schedule.steps) (T)")
    let steps = schedule.steps
    return (0..<count).map { i in steps - i * steps / count }
  }

  /// DDPM ancestral sampling: x_T ~ 𝒩(0, I) (drawn from `rng` first, row-major), then T
  /// reverse `ddpmStep`s t = T … 1, each drawing its z from `rng`. `observe(t, x_t)` sees
  /// (T, x_T) first, then (t − 1, x_{t−1}) after every step, (0, x_0) last (for pictures).
  /// `shape` is [N, …]; the predictor gets every item at the same t. Returns x_0.
  public static func sampleDDPM(shape: [Int], schedule: NoiseSchedule, variance: ReverseVariance = .posterior,
                                clip: ClosedRange<Float>? = nil, rng: inout RNG,
                                observe: (Int, Tensor) -> Void = { _, _ in },
                                predictNoise: NoisePredictor) -> Tensor {
    precondition(!shape.isEmpty, "DiffusionNoising.sampleDDPM: shape must be [N, …] with items first, got []")
    let start = Tensor.normal(shape, using: &rng)                       // x_T ~ 𝒩(0, I)
    return sampleDDPM(from: start, schedule: schedule, variance: variance, clip: clip, rng: &rng,
                      observe: observe, predictNoise: predictNoise)
  }

  /// `sampleDDPM` from a given x_T (`start`, [N, …]): the same x_T can then be sampled with
  /// DDPM and with DDIM and the results compared. `rng` draws only the steps' noise.
  public static func sampleDDPM(from start: Tensor, schedule: NoiseSchedule, variance: ReverseVariance = .posterior,
                                clip: ClosedRange<Float>? = nil, rng: inout RNG,
                                observe: (Int, Tensor) -> Void = { _, _ in },
                                predictNoise: NoisePredictor) -> Tensor {
    let shape = start.shape
    precondition(!shape.isEmpty, "DiffusionNoising.sampleDDPM: x_T must be [N, …] with items first, got a scalar")
    var x = start
    let steps = schedule.steps
    observe(steps, x)
    for t in stride(from: steps, through: 1, by: -1) {
      let predicted = predictNoise(x, [Int](repeating: t, count: shape[0]))
      precondition(predicted.shape == shape,
                   "DiffusionNoising.sampleDDPM: the predictor returned shape \(predicted.shape) for x_t of shape \(shape)")
      x = ddpmStep(x, predictedNoise: predicted, t: t, schedule: schedule, variance: variance, clip: clip, rng: &rng)
      observe(t - 1, x)
    }
    return x
  }

  /// DDIM sampling with `steps` ≤ T network calls, from x_T ~ 𝒩(0, I) (drawn from `rng`,
  /// the only draws): deterministic `ddimStep`s along `ddimTimesteps(count: steps)`, the
  /// last one to t = 0. `observe(t, x_t)` sees (T, x_T) first, then every step's result,
  /// (0, x_0) last. `shape` is [N, …], `steps` in 1…T. Returns x_0.
  public static func sampleDDIM(shape: [Int], steps: Int, schedule: NoiseSchedule,
                                clip: ClosedRange<Float>? = nil, rng: inout RNG,
                                observe: (Int, Tensor) -> Void = { _, _ in },
                                predictNoise: NoisePredictor) -> Tensor {
    precondition(!shape.isEmpty, "DiffusionNoising.sampleDDIM: shape must be [N, …] with items first, got []")
    let start = Tensor.normal(shape, using: &rng)                       // x_T ~ 𝒩(0, I)
    return sampleDDIM(from: start, steps: steps, schedule: schedule, clip: clip, observe: observe,
                      predictNoise: predictNoise)
  }

  /// `sampleDDIM` from a given x_T with η > 0 (`ddimStep(…, eta:rng:)`): the same visited
  /// timesteps, fresh noise at every step but the last.
  public static func sampleDDIM(from start: Tensor, steps: Int, schedule: NoiseSchedule,
                                clip: ClosedRange<Float>? = nil, eta: Double, rng: inout RNG,
                                predictNoise: NoisePredictor) -> Tensor {
    walkDDIM(from: start, steps: steps, schedule: schedule, observe: { _, _ in }, predictNoise: predictNoise) {
      ddimStep($0, predictedNoise: $1, from: $2, to: $3, schedule: schedule, clip: clip, eta: eta, rng: &rng)
    }
  }

  /// `sampleDDIM` from a given x_T (`start`, [N, …]); deterministic, so it needs no generator.
  public static func sampleDDIM(from start: Tensor, steps: Int, schedule: NoiseSchedule,
                                clip: ClosedRange<Float>? = nil,
                                observe: (Int, Tensor) -> Void = { _, _ in },
                                predictNoise: NoisePredictor) -> Tensor {
    walkDDIM(from: start, steps: steps, schedule: schedule, observe: observe, predictNoise: predictNoise) {
      ddimStep($0, predictedNoise: $1, from: $2, to: $3, schedule: schedule, clip: clip)
    }
  }

  /// The walk both DDIM samplers take: x_T, then `step(x_t, ε̂, t, previous)` along
  /// `ddimTimesteps`, one network call each; `observe` sees (T, x_T), then every step's result.
  private static func walkDDIM(from start: Tensor, steps: Int, schedule: NoiseSchedule,
                               observe: (Int, Tensor) -> Void, predictNoise: NoisePredictor,
                               step: (Tensor, Tensor, Int, Int) -> Tensor) -> Tensor {
    let shape = start.shape
    precondition(!shape.isEmpty, "DiffusionNoising.sampleDDIM: x_T must be [N, …] with items first, got a scalar")
    let timesteps = ddimTimesteps(count: steps, schedule: schedule)
    var x = start
    observe(timesteps[0], x)
    for (i, t) in timesteps.enumerated() {
      let previous = i + 1 < timesteps.count ? timesteps[i + 1] : 0
      let predicted = predictNoise(x, [Int](repeating: t, count: shape[0]))
      precondition(predicted.shape == shape,
                   "DiffusionNoising.sampleDDIM: the predictor returned shape \(predicted.shape) for x_t of shape \(shape)")
      x = step(x, predicted, t, previous)
      observe(previous, x)
    }
    return x
  }
}
