import ArgumentParser
import Core
import Foundation
import NN

/// One run of a lesson: its folder (`runs/<lesson>/<timestamp>/`), its report and the ending
/// that writes the report and says where everything is. Lessons that train use `TrainingRun`,
/// which adds the rest.
///
///     let run = try LessonRun(lesson: Self.lessonName, title: "Lesson 02 — …", options: options,
///                             dataset: data.description)
///     try PNG.write(picture, to: run.folder.file("inputs.png"))
///     run.report.addFigure("inputs.png", caption: "…")
///     try run.finish()
public class LessonRun {
  public let folder: RunFolder
  public var report: RunReport
  /// The report's settings: seed and threads, then whatever the lesson adds.
  public var settingRows: [(key: String, value: String)]
  let started = Timing.now()

  /// Creates the run folder. Call it after the flags are checked and the data is loaded, so
  /// bad input fails before anything is written.
  public convenience init(lesson: String, title: String, options: LessonOptions, dataset: String? = nil) throws {
    try self.init(folder: RunFolder.create(lesson: lesson, root: options.out), title: title, options: options,
                  dataset: dataset)
  }

  init(folder: RunFolder, title: String, options: LessonOptions, dataset: String?) throws {
    self.folder = folder
    report = RunReport(run: folder, title: title, seed: options.seed, started: Date())
    report.dataset = dataset
    settingRows = [("seed", String(options.seed)), ("threads", String(Parallel.threadCount))]
  }

  /// The end of a lesson: writes the report (and the runs index) and says where everything is.
  public func finish(pictures: String? = nil) throws {
    report.settings = settingRows
    try report.finish(started: started, pictures: pictures)
  }
}

/// One training run of a lesson, everything around the model written once: the run folder,
/// its metrics log and report; the settings (`RunSettings`); the parts a checkpoint keeps
/// (models, optimizers, weight averages, random generators); resuming from a checkpoint,
/// inside its old run folder or copied anywhere; the training loop with its checkpoints and
/// Ctrl-C; and the ending. A lesson is left with its models, its `step`, what it records and
/// what it draws:
///
///     var settings = try RunSettings(lesson: "lesson07-dcgan", options: &options, counting: .steps)
///     let steps = try settings.steps(options, default: 3000)
///     …                                                   // load the data: bad input fails here,
///     let run = try TrainingRun(settings, title: "Lesson 07 — DCGAN", options: options)   // before any folder exists
///     run.keep(gan.generator, as: "generator")            // … every part a resumed run needs
///     try run.restore()                                   // from --resume, if given
///     var loop = run.loop(label: "DCGAN", total: steps)
///     loop.every(every, name: "record") { step, window in … }
///     try run.train(&loop, checkpointEvery: every) { step in gan.step(…) }
///     …                                                   // pictures
///     try run.finish()
///
/// Ctrl-C during `train` ends the step in progress, writes a checkpoint (unless that step just
/// wrote one) and the report, which says where the run stopped and how to continue, and ends
/// the process with status 130.
public final class TrainingRun: LessonRun {
  public var settings: RunSettings
  public let metrics: MetricsLog
  /// The seed checkpoints are written with.
  public let seed: UInt64
  /// Optimizer steps done so far in this run and the runs it continues (the checkpoint's `step`).
  public private(set) var step: Int
  /// Lesson metadata written with every checkpoint (a phase, say).
  public var metadata: [String: String] = [:]
  /// The checkpoint this run continues, nil for a fresh run.
  public var resumed: Checkpoint? { settings.checkpoint }

  private let options: LessonOptions
  private var parts: [Part] = []
  private var windowsToRestore: [String: String]
  private var samplesLink: String?

  enum Part {
    case model(any Trainable, String, guarded: Bool)
    case optimizer(any Optimizer, String)
    case random(RandomStream, String)
    case state(String, save: () -> String, restore: (String) throws -> Void)
  }

  /// Creates the run folder, its metrics log and report. Call it after the settings are
  /// declared and the data is loaded, so bad input fails before anything is written.
  public init(_ settings: RunSettings, title: String, options: LessonOptions, dataset: String? = nil) throws {
    self.settings = settings
    self.options = options
    seed = options.seed
    step = settings.checkpoint?.step ?? 0
    windowsToRestore = settings.checkpoint?.metadata.filter { $0.key.hasPrefix("window.") } ?? [:]
    let folder = try RunFolder.create(lesson: settings.lesson, root: options.out)
    metrics = try MetricsLog(run: folder, start: Date())
    try super.init(folder: folder, title: title, options: options, dataset: dataset)
    if let path = options.resume {
      print("resuming from \(path) (step \(step))")
    }
  }

  // MARK: What a checkpoint keeps

  /// A model's parameters and buffers, as `<name>.<parameter>`. `guarded` models are checked
  /// for NaN after every step (a weight average needs no check).
  public func keep(_ model: any Trainable, as name: String, guarded: Bool = true) {
    parts.append(.model(model, name, guarded: guarded))
  }

  /// An optimizer's state, step count and learning rate, as `optimizer.<name>.…`.
  public func keep(_ optimizer: any Optimizer, as name: String) {
    parts.append(.optimizer(optimizer, name))
  }

  /// A random generator's whole state, as `rng.<name>`.
  public func keep(_ random: RandomStream, as name: String) {
    parts.append(.random(random, name))
  }

  /// A number (or any text) that is state, not a setting — a weight average's update count.
  public func keep(_ name: String, save: @escaping () -> String, restore: @escaping (String) throws -> Void) {
    parts.append(.state(name, save: save, restore: restore))
  }

  /// The parameters of the guarded models, prefixed with their names, for `TrainingGuard`.
  public var guardedParameters: [(name: String, parameter: Parameter)] {
    parts.flatMap { part -> [(name: String, parameter: Parameter)] in
      guard case let .model(model, name, true) = part else { return [] }
      return prefixedParameters([(name, model)])
    }
  }

  /// Restores every kept part from the checkpoint being resumed (nothing for a fresh run).
  /// Every name and shape is checked: a missing tensor, another shape or extra tensors under
  /// a model's name (another architecture) are refused, naming the tensor.
  public func restore() throws {
    guard let checkpoint = resumed else { return }
    for part in parts {
      switch part {
      case let .model(model, name, _): try checkpoint.restore(model, as: name)
      case let .optimizer(optimizer, name): try checkpoint.restore(optimizer, as: name)
      case let .random(random, name): random.rng = try checkpoint.rng(name)
      case let .state(name, _, restore):
        guard let text = checkpoint.metadata[name] else {
          throw CheckpointError.missingMetadata(path: checkpoint.path ?? "checkpoint", key: name)
        }
        try restore(text)
      }
    }
  }

  /// Writes `checkpoint.safetensors` (atomically) with every kept part, the settings, the step,
  /// `epoch`, the lesson's metadata and `extra` (a loop's unfinished windows).
  public func writeCheckpoint(epoch: Int, extra: [String: String] = [:]) throws {
    var checkpoint = Checkpoint(lesson: settings.lesson, seed: seed, step: step, epoch: epoch)
    checkpoint.settings = settings.stored
    checkpoint.metadata = metadata.merging(extra) { $1 }
    for part in parts {
      switch part {
      case let .model(model, name, _): checkpoint.add(model, as: name)
      case let .optimizer(optimizer, name): checkpoint.add(optimizer, as: name)
      case let .random(random, name): checkpoint.add(random.rng, as: name)
      case let .state(name, save, _): checkpoint.metadata[name] = save()
      }
    }
    try checkpoint.write(to: folder.file(RunFolder.checkpointFile))
  }

  /// What the checkpoint holds, in words: "generator, discriminator, 2 Adam states, the noise generator".
  var checkpointContents: String {
    var words: [String] = []
    let models = parts.compactMap { part -> String? in if case let .model(_, name, _) = part { return name }; return nil }
    let optimizers = parts.filter { if case .optimizer = $0 { return true }; return false }.count
    let randoms = parts.compactMap { part -> String? in if case let .random(_, name) = part { return name }; return nil }
    words.append(models.joined(separator: ", "))
    if optimizers > 0 { words.append(optimizers == 1 ? "the optimizer's state" : "\(optimizers) optimizers' states") }
    if !randoms.isEmpty { words.append("random generators (\(randoms.joined(separator: ", ")))") }
    return words.joined(separator: "; ")
  }

  // MARK: Carrying an earlier run over

  /// For a resumed run: the earlier run's `metrics.jsonl` lines up to the checkpoint's step,
  /// appended to this run's log and returned, so the lesson can rebuild its curves. None when
  /// the checkpoint is not in its run folder (a copy, one a teacher handed out).
  public func carryOverMetrics() throws -> [MetricsLog.Entry] {
    guard let resumed else { return [] }
    return try metrics.carryOver(from: resumed)
  }

  // MARK: Training

  /// A loop for `total` steps of this run, continuing after `done` (default: the checkpoint's
  /// step), whose guard checks the kept models.
  public func loop(label: String, total: Int, done: Int? = nil) -> TrainingLoop {
    TrainingLoop(label: label, total: total, done: min(done ?? step, total), parameters: guardedParameters)
  }

  /// Runs `loop` with `step`, writing a checkpoint after every `checkpointEvery` steps of the
  /// loop and after its last (`epoch(s)` is the checkpoint's epoch after loop step s). Prints
  /// and reports the median time of a step. Ctrl-C: a checkpoint unless one was just written,
  /// the report saying where the run stopped, exit status 130.
  @discardableResult
  public func train(_ loop: inout TrainingLoop, checkpointEvery: Int, epoch: @escaping (Int) -> Int = { _ in 0 },
                    step body: (Int) throws -> TrainingLoop.Values) throws -> TrainingLoop.Summary {
    let base = step - loop.done
    loop.stepNumber = { base + $0 }
    if loop.done < loop.total, !windowsToRestore.isEmpty {
      try loop.restoreWindows(windowsToRestore, file: resumed?.path ?? "checkpoint")
      windowsToRestore = [:]
    }
    var written = -1
    loop.every(checkpointEvery, name: "checkpoint") { [unowned self] s, _ in
      try writeCheckpoint(epoch: epoch(s))
      written = s
    }
    do {
      let summary = try loop.run({ s in
        let values = try body(s)
        step = base + s
        return values
      }, afterInterrupt: { [unowned self] s, windows in
        if written != s { try writeCheckpoint(epoch: epoch(s), extra: windows) }
      })
      if let median = summary.medianStepSeconds {
        print("\(loop.label): \(Format.count(summary.stepsRun)) steps, \(Format.duration(median)) a step (median; "
              + Format.threads(Parallel.threadCount) + ")")
        report.metrics.append(("\(loop.label): training step (median)", Format.duration(median)))
      }
      return summary
    } catch let stop as TrainingInterrupted {
      try finishInterrupted(stop)
    }
  }

  /// The end of a run stopped by Ctrl-C: the report says so and how to continue; exit status 130.
  func finishInterrupted(_ stop: TrainingInterrupted) throws -> Never {
    let checkpoint = folder.file(RunFolder.checkpointFile)
    report.metrics.insert(("stopped by Ctrl-C", "after step \(stop.step) of \(stop.total); "
                           + "continue with --resume \(checkpoint)"), at: 0)
    Console.section("Stopped by Ctrl-C after step \(stop.step) of \(stop.total)")
    print("checkpoint: \(checkpoint) — continue with --resume \(checkpoint)")
    report.settings = trainingSettingRows
    let path = try report.write()
    metrics.close()
    print("report: \(path)")
    throw ExitCode(Interrupt.exitStatus)
  }

  // MARK: The ending

  /// Writes `samples.safetensors` (`RunFolder.writeSamples`) and links it from the report.
  public func writeSamples(_ samples: Tensor, model: String) throws {
    try folder.writeSamples(samples, model: model, seed: seed)
    samplesLink = "\(Format.count(samples.shape[0])) samples (safetensors, tensor 'samples', "
      + "N×C×H×W = \(samples.shape.map(String.init).joined(separator: "×")), values in [0, 1])"
  }

  /// The report's settings: the declared ones, then the implementation and threads, and where
  /// the run was resumed from.
  var trainingSettingRows: [(key: String, value: String)] {
    var rows = settings.table + [("impl", options.impl.rawValue), ("threads", String(Parallel.threadCount))]
    if let path = options.resume { rows.append(("resumed from", path)) }
    return rows
  }

  /// The end of every training lesson: links the metrics, the samples (if written) and the
  /// checkpoint (a resumed run with nothing left to train keeps a copy of the one it resumed
  /// from), closes the log, writes the report and says where everything is.
  public override func finish(pictures: String? = nil) throws {
    report.addLink("metrics.jsonl", text: "the metrics, one JSON object per line")
    if let samplesLink { report.addLink(RunFolder.samplesFile, text: samplesLink) }
    try folder.keepCheckpoint(resumedFrom: options.resume)
    report.addLink(RunFolder.checkpointFile, text: "the checkpoint (\(checkpointContents)); continue with --resume")
    settingRows = trainingSettingRows
    metrics.close()
    try super.finish(pictures: pictures)
  }
}

/// A random generator a checkpoint keeps: a class, so the run and the code that draws from it
/// share one state (`gan.step(real: x, noise: &noise.rng)`).
public final class RandomStream {
  public var rng: RNG
  public init(_ rng: RNG) { self.rng = rng }
  /// `RNG(seed: seed, stream: stream)`.
  public convenience init(seed: UInt64, stream: UInt64) { self.init(RNG(seed: seed, stream: stream)) }
}
