import Core
import Foundation
@testable import Lab
import NN
import Testing

/// The shared loop: hooks at their intervals with the means of the steps since they last ran,
/// windows that survive a checkpoint, the guard naming the run's step.
@Suite struct TrainingLoopTests {
  /// A loop whose step s returns the value s (and 10·s), with a parameter that never changes.
  func loop(total: Int, done: Int = 0) -> TrainingLoop {
    TrainingLoop(label: "count", total: total, done: done, parameters: [("w", Parameter(Tensor(shape: [2], data: [1, 2])))])
  }

  func values(_ step: Int) -> TrainingLoop.Values { [("s", Double(step)), ("ten", 10 * Double(step))] }

  @Test func hooksRunAtTheirIntervalsWithTheMeansSinceTheyLastRan() throws {
    var loop = loop(total: 10)
    var seen: [(Int, Double, Double, Int)] = []
    loop.every(4, name: "record", atStart: true) { step, window in
      seen.append((step, window.mean("s"), window.latest("ten"), window.count))
    }
    var fives: [Int] = []
    loop.every(5, name: "snapshot", atEnd: false) { step, _ in fives.append(step) }
    let summary = try loop.run(values)
    // Step 0 (a fresh run) with an empty window; then steps 1–4, 5–8, and the last two.
    #expect(seen.map(\.0) == [0, 4, 8, 10])
    #expect(seen[0].1.isNaN && seen[0].3 == 0)
    #expect(seen.dropFirst().map(\.1) == [2.5, 6.5, 9.5])
    #expect(seen.dropFirst().map(\.2) == [40, 80, 100])
    #expect(seen.dropFirst().map(\.3) == [4, 4, 2])
    #expect(fives == [5, 10])
    #expect(summary.stepsRun == 10 && summary.medianStepSeconds != nil)
  }

  @Test func aWindowKeptInACheckpointGivesTheSameMeansAsAnUnbrokenLoop() throws {
    var unbroken = loop(total: 10)
    var means: [Double] = []
    unbroken.every(4, name: "record") { _, window in means.append(window.mean("ten")) }
    try unbroken.run(values)

    var first = loop(total: 6)
    first.every(4, name: "record", atEnd: false) { _, _ in }
    try first.run(values)
    let state = first.windowState      // steps 5 and 6, not yet recorded
    #expect(state.keys.sorted() == ["window.record"])
    var second = loop(total: 10, done: 6)
    var resumed: [Double] = []
    second.every(4, name: "record") { _, window in resumed.append(window.mean("ten")) }
    try second.restoreWindows(state, file: "c")
    try second.run(values)
    #expect(resumed == Array(means.suffix(2)))
    #expect(throws: CheckpointError.invalidMetadata(path: "c", key: "window.record", value: "x;y")) {
      try second.restoreWindows(["window.record": "x;y"], file: "c")
    }
  }

  @Test func aNonFiniteValueStopsTheLoopNamingTheRunsStep() throws {
    var loop = loop(total: 5)
    loop.stepNumber = { 100 + $0 }
    var after: [Int] = []
    loop.every(1, name: "record") { step, _ in after.append(step) }
    #expect {
      try loop.run { step in step == 3 ? [("loss", .nan)] : [("loss", 1)] }
    } throws: { error in
      guard case let LabError.nonFiniteLoss(step, name, _, _) = error else { return false }
      return step == 103 && name == "loss"
    }
    #expect(after == [1, 2])   // the bad step's hooks never ran
  }

  @Test func aLoopWithNothingLeftRunsNoStepAndNoHook() throws {
    var loop = loop(total: 4, done: 4)
    var ran = false
    loop.every(1, name: "record", atStart: true) { _, _ in ran = true }
    let summary = try loop.run { _ in ran = true; return [] }
    #expect(!ran && summary.stepsRun == 0 && summary.medianStepSeconds == nil)
  }
}

/// A whole run on a tiny model: checkpoints with every kept part, a resumed run (longer, or
/// from a copied checkpoint) that ends where an unbroken one does, and the report's links.
@Suite struct TrainingRunTests {
  func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("genlab-run-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Trains TinyRun's model for `steps` (resuming `resume` if given) in a run under `out`;
  /// returns the run folder and the weights' bits.
  func train(steps: Int, out: String, resume: String? = nil, typed: [String] = []) throws -> (RunFolder, [[UInt32]]) {
    var arguments = ["--out", out, "--steps", String(steps)] + typed
    if let resume { arguments += ["--resume", resume] }
    var options = try LessonOptions.parse(arguments)
    var settings = try RunSettings(lesson: "tiny", options: options, arguments: ["tiny"] + arguments)
    try settings.seed(&options.seed)
    let total = try settings.steps(options, default: 10)
    _ = try settings.learningRate(options, default: 0.01)
    let every = try settings.every(options, default: 3)
    let run = try TrainingRun(settings, title: "tiny", options: options)
    var tiny = TinyRun(initSeed: 1)
    let noise = RandomStream(tiny.noise)
    run.keep(tiny.model, as: "model")
    run.keep(tiny.optimizer, as: "adam")
    run.keep(noise, as: "noise")
    try run.restore()
    _ = try run.carryOverMetrics()
    var loop = run.loop(label: "tiny", total: total)
    loop.every(every, name: "record") { step, window in try run.metrics.log(step: step, ["loss": window.mean("loss")]) }
    try run.train(&loop, checkpointEvery: every) { step in
      tiny.noise = noise.rng
      defer { noise.rng = tiny.noise }
      return [("loss", tiny.train((step - 1)..<step)[0])]
    }
    try run.finish()
    return (run.folder, tiny.bits())
  }

  @Test func aResumedRunWithMoreStepsEndsWhereAnUnbrokenOneDoes() throws {
    let out = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let (_, unbroken) = try train(steps: 9, out: out)
    let (first, _) = try train(steps: 6, out: out)
    let checkpoint = try Checkpoint.read(path: first.file(RunFolder.checkpointFile), lesson: "tiny")
    #expect(checkpoint.step == 6 && checkpoint.settings["steps"] == "6" && checkpoint.settings["every"] == "3")
    #expect(checkpoint.tensorNames.contains("model.1.running_mean"))
    let (second, resumed) = try train(steps: 9, out: out, resume: first.file(RunFolder.checkpointFile))
    #expect(resumed == unbroken)
    // The resumed run's log holds the earlier lines, then its own.
    let steps = try MetricsLog.read(path: second.file("metrics.jsonl")).map(\.step)
    #expect(steps == [3, 6, 9])
    let page = String(decoding: try Files.read(second.file("index.html")), as: UTF8.self)
    #expect(page.contains("resumed from") && page.contains("checkpoint.safetensors"))
  }

  @Test func aCheckpointCopiedOutOfItsRunFolderStillFinishes() throws {
    let out = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let (first, _) = try train(steps: 3, out: out)
    let copy = out + "/handed-out.safetensors"
    try FileManager.default.copyItem(atPath: first.file(RunFolder.checkpointFile), toPath: copy)
    let (second, _) = try train(steps: 6, out: out, resume: copy)
    #expect(try MetricsLog.read(path: second.file("metrics.jsonl")).map(\.step) == [6])
    // Nothing left to train: the run keeps a copy of the checkpoint it resumed from.
    let (third, _) = try train(steps: 6, out: out, resume: second.file(RunFolder.checkpointFile))
    #expect(try Files.read(third.file(RunFolder.checkpointFile)) == Files.read(second.file(RunFolder.checkpointFile)))
  }

  @Test func aResumedRunRefusesAnotherLearningRateAndFewerStepsThanItHasDone() throws {
    let out = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let (first, _) = try train(steps: 6, out: out)
    let path = first.file(RunFolder.checkpointFile)
    #expect(throws: CheckpointError.settingMismatch(path: path, flag: "--lr", checkpoint: "0.01", given: "0.001")) {
      _ = try train(steps: 6, out: out, resume: path, typed: ["--lr", "0.001"])
    }
    #expect {
      _ = try train(steps: 4, out: out, resume: path)
    } throws: { error in
      "\(error)".contains("--steps 4 is less than the 6 the checkpoint \(path) has done")
    }
    #expect(try train(steps: 6, out: out, resume: path, typed: ["--every", "2"]).0.path != first.path)
  }
}
