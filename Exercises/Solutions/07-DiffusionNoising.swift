// Solution 07 — not written yet: the stub, so the solutions package builds.
import ExerciseSupport

/// x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε, with each item n of the batch at its own timestep
/// t = timesteps[n] (1…T).
///
/// - x0, noise: N×… (any shape whose first axis is the batch); `schedule.alphaBars[t]` is ᾱ_t.
/// - Returns x_t, the shape of x0.
public func noised(_ x0: Tensor, timesteps: [Int], noise: Tensor, schedule: Schedule) throws -> Tensor {
  throw NotImplemented("07")
}
