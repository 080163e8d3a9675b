// Lesson 11 — the capstone (work in progress).
import ArgumentParser
import GenLab

@main
struct Lesson11: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "lesson11-capstone", abstract: "The four families side by side (in progress).")
  mutating func run() throws { print("lesson 11: not written yet") }
}
