// Exercise 05 — Reparameterization, closed-form KL and gradients. (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let reparameterization = Exercise(
    id: "05", folder: "05-Reparameterization", title: "Reparameterization, closed-form KL and gradients", lesson: "lesson 05"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
