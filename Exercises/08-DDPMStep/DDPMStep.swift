// Exercise 08 — one step of DDPM's reverse process: from x_t and the predicted noise to
// x_{t−1}. Read README.md beside this file. Check it with:  swift run genlab-check 08
import ExerciseSupport

/// x_{t−1} = (1/√α_t) · (x_t − β_t/√(1 − ᾱ_t) · ε̂) + σ_t · z,   σ_t² = β̃_t (the posterior variance),
/// and no noise at t = 1.
///
/// - noisy: x_t, predictedNoise: ε̂ (the same shape), t in 1…T, z: a standard normal draw of
///   the same shape (use it as given). `schedule` holds β_t, α_t, ᾱ_t and β̃_t at index t.
public func ddpmStep(_ noisy: Tensor, predictedNoise: Tensor, t: Int, schedule: Schedule, z: Tensor) throws -> Tensor {
  // Your code here: the coefficients from schedule.betas[t], .alphas[t], .alphaBars[t] and
  // .posteriorVariances[t], then one value per element; return Tensor(shape: noisy.shape, data: values).
  throw NotImplemented("08")
}
