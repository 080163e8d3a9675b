// Exercise 07 — Closed-form diffusion noising. (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let diffusionNoising = Exercise(
    id: "07", folder: "07-DiffusionNoising", title: "Closed-form diffusion noising", lesson: "lesson 08"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
