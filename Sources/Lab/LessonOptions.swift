import ArgumentParser
import Core
import Foundation

/// The flags every lesson shares, in the spirit of PyTorch's examples. A lesson
/// embeds them with `@OptionGroup var options: LessonOptions`, then calls
/// `options.apply()` to set the thread count.
public struct LessonOptions: ParsableArguments, Sendable {
  @Option(help: "Seed for every random choice: initialisation, batches, noise, samples. Same seed, same pictures.")
  public var seed: UInt64 = 0

  @Option(help: ArgumentHelp("Worker threads for the optimized code (default: GENLAB_THREADS or the number of cores).",
                             discussion: "Results are the same for any thread count."))
  public var threads: Int?

  @Option(help: "Which twin of each building block to run: reference (readable, slow) or optimized.")
  public var impl: Implementation = .optimized

  @Option(help: ArgumentHelp("Folder holding the dataset's files (default: GENLAB_DATA, then the system's package, then the bundled subset).",
                             valueName: "path"))
  public var data: String?

  @Option(help: ArgumentHelp("Where run folders go: <out>/<lesson>/<timestamp>/.", valueName: "dir"))
  public var out: String = "runs"

  public init() {}

  public mutating func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
    if let data, data.isEmpty {
      throw ValidationError("--data needs a folder path")
    }
  }

  /// Sets the process-wide thread count from `--threads` (if given).
  public func apply() {
    if let threads { Parallel.threadCount = threads }
  }
}

extension Implementation: ExpressibleByArgument {}
