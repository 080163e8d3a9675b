// Exercise 03 — Convolution backward (dx, dW). (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let convolutionBackward = Exercise(
    id: "03", folder: "03-ConvolutionBackward", title: "Convolution backward (dx, dW)", lesson: "lesson 03"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
