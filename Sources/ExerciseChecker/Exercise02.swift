// Exercise 02 — im2col. (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let im2col = Exercise(
    id: "02", folder: "02-Im2col", title: "im2col", lesson: "lesson 03"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
