// Exercise 07 — diffusion's forward process in closed form: q(x_t | x_0) in one jump.
// Read README.md beside this file. Check it with:  swift run genlab-check 07
import ExerciseSupport

/// x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε, with each item n of the batch at its own timestep
/// t = timesteps[n] (1…T).
///
/// - x0, noise: N×… (any shape whose first axis is the batch); `schedule.alphaBars[t]` is ᾱ_t.
/// - Returns x_t, the shape of x0.
public func noised(_ x0: Tensor, timesteps: [Int], noise: Tensor, schedule: Schedule) throws -> Tensor {
  // Your code here. Item n is data[n·S ..< (n + 1)·S] with S = x0.count / N elements.
  // Return Tensor(shape: x0.shape, data: values).
  throw NotImplemented("07")
}
