// Exercise 09 — One KV-cached attention step. (The checker for this exercise is being written.)
import ExerciseSupport

extension Catalog {
  static let cachedAttention = Exercise(
    id: "09", folder: "09-CachedAttention", title: "One KV-cached attention step", lesson: "lesson 10"
  ) { _, _ in
    throw CheckerNotWritten()
  }
}
