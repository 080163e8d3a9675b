import ArgumentParser
import Core
import Foundation

/// The flags every lesson shares, in the spirit of PyTorch's examples. A lesson
/// embeds them with `@OptionGroup var options: LessonOptions`, then calls
/// `options.apply()` to set the thread count.
///
/// The training flags (`--epochs`, `--steps`, `--batch-size`, `--lr`, `--every`)
/// are optional: `nil` means "the lesson's default" (each lesson lists its
/// defaults in its `--help` and README), and on `--resume` the value stored in the
/// checkpoint. A lesson that does not train rejects them with
/// `rejectTrainingFlags(lesson:)` rather than ignoring them silently.
///
/// Numeric flags take the next word whatever it looks like (`parsing: .unconditional`), so
/// `--steps -5` is "--steps must be at least 1, got -5", not "missing value for --steps".
public struct LessonOptions: ParsableArguments, Sendable {
  @Option(parsing: .unconditional, help: "Seed for every random choice: initialisation, batches, noise, samples. Same seed, same pictures.")
  public var seed: UInt64 = 0

  @Option(parsing: .unconditional, help: ArgumentHelp("Worker threads for the optimized code (default: GENLAB_THREADS or the number of cores).",
                             discussion: "Results are the same for any thread count."))
  public var threads: Int?

  @Option(help: "Which twin of each building block to run: reference (readable, slow) or optimized.")
  public var impl: Implementation = .optimized

  @Option(help: ArgumentHelp("Folder holding the dataset's files (default: GENLAB_DATA, then the system's package, then the bundled subset).",
                             valueName: "path"))
  public var data: String?

  @Option(help: ArgumentHelp("Where run folders go: <out>/<lesson>/<timestamp>/.", valueName: "dir"))
  public var out: String = "runs"

  @Option(parsing: .unconditional, help: ArgumentHelp("Passes over the training set (default: the lesson's; see its README).", valueName: "n"))
  public var epochs: Int?

  @Option(parsing: .unconditional, help: ArgumentHelp("Optimizer steps, for lessons that count steps rather than epochs (default: the lesson's).",
                             valueName: "n"))
  public var steps: Int?

  @Option(parsing: .unconditional, help: ArgumentHelp("Examples per optimizer step (default: the lesson's).", valueName: "n"))
  public var batchSize: Int?

  @Option(parsing: .unconditional, help: ArgumentHelp("Learning rate of the optimizer (default: the lesson's).", valueName: "rate"))
  public var lr: Float?

  @Option(parsing: .unconditional, help: ArgumentHelp("Snapshot samples and write a checkpoint every n epochs (or steps, in step-counting lessons).",
                             valueName: "n"))
  public var every: Int?

  @Option(help: ArgumentHelp("Continue training from a checkpoint (a checkpoint.safetensors in an earlier run folder). "
                             + "The result is bit-identical to an unbroken run.", valueName: "path"))
  public var resume: String?

  @Option(parsing: .unconditional, help: ArgumentHelp("Samples written to samples.safetensors (N×C×H×W, values in [0, 1]) for evaluation with your own tools.",
                             valueName: "n"))
  public var numSamples: Int = 1000

  public init() {}

  public mutating func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
    if let data, data.isEmpty {
      throw ValidationError("--data needs a folder path")
    }
    if out.isEmpty {
      throw ValidationError("--out needs a folder path")
    }
    for (flag, value) in [("--epochs", epochs), ("--steps", steps), ("--batch-size", batchSize), ("--every", every)] {
      if let value, value < 1 {
        throw ValidationError("\(flag) must be at least 1, got \(value)")
      }
    }
    if epochs != nil && steps != nil {
      throw ValidationError("give --epochs or --steps, not both")
    }
    if let lr, !(lr.isFinite && lr > 0) {
      throw ValidationError("--lr must be a positive number, got \(lr) (typical values: 1e-3 for Adam, 2e-4 for GANs)")
    }
    if let resume, resume.isEmpty {
      throw ValidationError("--resume needs the path of a checkpoint.safetensors")
    }
    if numSamples < 1 {
      throw ValidationError("--num-samples must be at least 1, got \(numSamples)")
    }
  }

  /// Sets the process-wide thread count from `--threads` (if given), lets the allocator
  /// keep freed training buffers for reuse (`Allocator.keepFreedBuffers`), and turns
  /// Ctrl-C into a request to stop after the current step (`Interrupt`).
  public func apply() {
    Allocator.keepFreedBuffers()
    Interrupt.install()
    if let threads { Parallel.threadCount = threads }
  }

  /// The training flags given on the command line, by name.
  public var givenTrainingFlags: [String] {
    var given: [String] = []
    if epochs != nil { given.append("--epochs") }
    if steps != nil { given.append("--steps") }
    if batchSize != nil { given.append("--batch-size") }
    if lr != nil { given.append("--lr") }
    if every != nil { given.append("--every") }
    if resume != nil { given.append("--resume") }
    return given
  }

  /// `--num-samples` for a lesson whose samples cost more (or less) than the shared
  /// default of 1,000: the flag if it was typed, else the lesson's own default.
  public func numSamples(lessonDefault: Int, arguments: [String] = CommandLine.arguments) -> Int {
    Self.isGiven("--num-samples", arguments: arguments) ? numSamples : lessonDefault
  }

  /// Whether `flag` (e.g. `--arch`) was typed on this process's command line — for a
  /// resumed run, which takes a setting from the checkpoint unless the user gave it.
  public static func isGiven(_ flag: String, arguments: [String] = CommandLine.arguments) -> Bool {
    arguments.contains { $0 == flag || $0.hasPrefix(flag + "=") }
  }

  /// For lessons that train nothing: a training flag is an error, not silently ignored.
  public func rejectTrainingFlags(lesson: String) throws {
    try rejectTrainingFlags(lesson: lesson, reason: "trains no model")
  }

  /// For lessons that train with flags of their own (`reason` says so): the shared
  /// training flags are an error, not silently ignored.
  public func rejectTrainingFlags(lesson: String, reason: String) throws {
    let given = givenTrainingFlags
    if !given.isEmpty {
      throw ValidationError("\(lesson) \(reason), so \(given.joined(separator: ", ")) "
                            + "\(given.count == 1 ? "does" : "do") not apply here")
    }
  }

  /// For lessons that count epochs: `--steps` is an error (and the other way round).
  public func rejectSteps(lesson: String) throws {
    if steps != nil { throw ValidationError("\(lesson) counts epochs: use --epochs instead of --steps") }
  }

  public func rejectEpochs(lesson: String) throws {
    if epochs != nil { throw ValidationError("\(lesson) counts steps: use --steps instead of --epochs") }
  }
}

extension Implementation: ExpressibleByArgument {}
