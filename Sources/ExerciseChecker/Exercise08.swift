// Exercise 08 — One DDPM reverse step. (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let ddpmStep = Exercise(
    id: "08", folder: "08-DDPMStep", title: "One DDPM reverse step", lesson: "lesson 09"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
