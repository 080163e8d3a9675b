// Exercise 06 — Stable GAN losses from logits. (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let ganLoss = Exercise(
    id: "06", folder: "06-GANLoss", title: "Stable GAN losses from logits", lesson: "lesson 06"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
