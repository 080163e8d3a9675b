// Exercise 04 — Transposed convolution (scatter). (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let transposedConvolution = Exercise(
    id: "04", folder: "04-TransposedConvolution", title: "Transposed convolution (scatter)", lesson: "lesson 04"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
