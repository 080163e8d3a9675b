import Core
import Foundation
import NN

/// The loop every lesson trains with, written once: steps `done + 1 … total`, each timed and
/// checked by `TrainingGuard`; a progress line; hooks that run every so many steps with the
/// means of the step's values since they last ran; and Ctrl-C, which ends the loop after the
/// step in progress by throwing `TrainingInterrupted`.
///
///     var loop = TrainingLoop(label: "DCGAN", total: 3000, done: 0, parameters: parameters)
///     loop.every(100, "record") { step, window in log(step, window.mean("D loss")) }
///     let summary = try loop.run { step in
///       let r = gan.step(real: batch(step), noise: &noise)
///       return [("D loss", r.discriminatorLoss), ("G loss", r.generatorLoss)]
///     }
///
/// A step returns its values by name (losses, scores); all of them are shown on the progress
/// line and checked for NaN, and each hook sees their means since its last run. A hook's
/// window survives a checkpoint (`windowState`), so a run stopped by Ctrl-C and resumed
/// records the same means as one that never stopped.
public struct TrainingLoop {
  /// What a step reports: named values, e.g. `[("loss", 0.31)]`.
  public typealias Values = [(name: String, value: Double)]

  /// The values of the steps since a hook last ran: their sum, count, and the last step's.
  public struct Window: Sendable, Equatable {
    public private(set) var names: [String] = []
    public private(set) var sums: [Double] = []
    public private(set) var count = 0
    public private(set) var last: [Double] = []

    public init() {}

    mutating func add(_ values: Values) {
      if names.isEmpty {
        names = values.map(\.name)
        sums = [Double](repeating: 0, count: values.count)
      }
      precondition(values.map(\.name) == names, "TrainingLoop: a step returned \(values.map(\.name)), earlier \(names)")
      for (index, value) in values.enumerated() { sums[index] += value.value }
      last = values.map(\.value)
      count += 1
    }

    /// The mean of `name` over the window (NaN for an empty window or an unknown name).
    public func mean(_ name: String) -> Double {
      guard count > 0, let index = names.firstIndex(of: name) else { return .nan }
      return sums[index] / Double(count)
    }

    /// The last step's `name` (NaN when no step ran).
    public func latest(_ name: String) -> Double {
      guard let index = names.firstIndex(of: name), index < last.count else { return .nan }
      return last[index]
    }

    /// The window as text for a checkpoint's metadata: `count;name=sum;…` with each sum's bits in hex.
    var encoded: String {
      ([String(count)] + zip(names, sums).map { "\($0)=\(String($1.bitPattern, radix: 16))" }).joined(separator: ";")
    }

    init?(encoded text: String) {
      var parts = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
      guard let count = Int(parts.removeFirst()), count >= 0 else { return nil }
      self.count = count
      for part in parts {
        let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
        guard pair.count == 2, let bits = UInt64(pair[1], radix: 16) else { return nil }
        names.append(pair[0])
        sums.append(Double(bitPattern: bits))
      }
    }
  }

  /// A piece of work that runs after some steps.
  public struct Hook {
    public var name: String
    /// Whether the hook runs after step `step` (the loop's own count, 1-based).
    public var isDue: (Int) -> Bool
    /// Also before the first step of a fresh run (as step 0).
    public var atStart: Bool
    /// Also after the last step of the loop.
    public var atEnd: Bool
    public var action: (Int, Window) throws -> Void
    var window = Window()
  }

  /// How a loop ended.
  public struct Summary: Sendable {
    /// Steps this loop ran (0 when the checkpoint had done them all).
    public var stepsRun: Int
    /// The median seconds of a step (forward, backward, optimizer), nil when none ran.
    public var medianStepSeconds: Double?
  }

  public let label: String
  public let total: Int
  public let done: Int
  /// Parameters whose gradients and weights `TrainingGuard` checks after every step.
  public var parameters: [(name: String, parameter: Parameter)]
  /// Runs before each step (a learning-rate schedule, say).
  public var beforeStep: ((Int) -> Void)?
  /// The step number in messages (a lesson of several loops counts one step sequence).
  public var stepNumber: (Int) -> Int = { $0 }
  public private(set) var hooks: [Hook] = []

  /// A loop over steps `done + 1 … total`.
  public init(label: String, total: Int, done: Int = 0, parameters: [(name: String, parameter: Parameter)]) {
    precondition(done >= 0 && done <= total, "TrainingLoop(\(label)): done \(done) must lie in 0…\(total)")
    self.label = label
    self.total = total
    self.done = done
    self.parameters = parameters
  }

  /// Adds a hook that runs after every step whose number is a multiple of one of `intervals`,
  /// after the last step unless `atEnd` is false, and with `atStart` also before the first step
  /// of a fresh run (step 0, an empty window: the untrained model's numbers).
  public mutating func every(_ intervals: Int..., name: String, atStart: Bool = false, atEnd: Bool = true,
                             _ action: @escaping (Int, Window) throws -> Void) {
    precondition(intervals.allSatisfy { $0 >= 1 }, "TrainingLoop.every: intervals must be ≥ 1, got \(intervals)")
    hooks.append(Hook(name: name, isDue: { step in intervals.contains { step % $0 == 0 } }, atStart: atStart,
                      atEnd: atEnd, action: action))
  }

  /// Adds a hook with its own rule for when it is due.
  public mutating func when(_ isDue: @escaping (Int) -> Bool, name: String, atStart: Bool = false, atEnd: Bool = true,
                            _ action: @escaping (Int, Window) throws -> Void) {
    hooks.append(Hook(name: name, isDue: isDue, atStart: atStart, atEnd: atEnd, action: action))
  }

  /// The hooks' windows that hold steps, as checkpoint metadata (`window.<hook>`).
  public var windowState: [String: String] {
    var state: [String: String] = [:]
    for hook in hooks where hook.window.count > 0 { state["window.\(hook.name)"] = hook.window.encoded }
    return state
  }

  /// Restores the windows a checkpoint kept (`windowState`); hooks with none start empty.
  public mutating func restoreWindows(_ metadata: [String: String], file: String) throws {
    for index in hooks.indices {
      let key = "window.\(hooks[index].name)"
      guard let text = metadata[key] else { continue }
      guard let window = Window(encoded: text) else {
        throw CheckpointError.invalidMetadata(path: file, key: key, value: text)
      }
      hooks[index].window = window
    }
  }

  /// Runs the steps. `step(s)` trains on step s's batch and returns its values; after it the
  /// guard checks them and the parameters, then the due hooks run in the order added. Ctrl-C
  /// (`Interrupt`) ends the loop after the step in progress and its hooks: `afterInterrupt`
  /// runs (to write a checkpoint), then `TrainingInterrupted` is thrown.
  @discardableResult
  public mutating func run(_ step: (Int) throws -> Values,
                           afterInterrupt: (Int, [String: String]) throws -> Void = { _, _ in }) throws -> Summary {
    guard done < total else { return Summary(stepsRun: 0, medianStepSeconds: nil) }
    if done == 0 {
      for hook in hooks where hook.atStart { try hook.action(0, Window()) }
    }
    let progress = Progress(total: total - done, label: label)
    defer { progress.finish() }
    var seconds: [Double] = []
    seconds.reserveCapacity(total - done)
    for s in (done + 1)...total {
      beforeStep?(s)
      let started = Timing.now()
      let values = try step(s)
      seconds.append(Timing.now() - started)
      try TrainingGuard.check(step: stepNumber(s), losses: values, parameters: parameters)
      for index in hooks.indices {
        hooks[index].window.add(values)
        if hooks[index].isDue(s) || (hooks[index].atEnd && s == total) {
          try hooks[index].action(s, hooks[index].window)
          hooks[index].window = Window()
        }
      }
      progress.update(s - done, values: values.prefix(4).map { ($0.name, Float($0.value)) })
      if Interrupt.requested {
        progress.finish()
        try afterInterrupt(s, windowState)
        throw TrainingInterrupted(label: label, step: stepNumber(s), total: stepNumber(total))
      }
    }
    seconds.sort()
    return Summary(stepsRun: seconds.count, medianStepSeconds: seconds[seconds.count / 2])
  }
}

/// Ctrl-C ended a training loop after step `step` of `total`.
public struct TrainingInterrupted: Error, CustomStringConvertible {
  public var label: String
  public var step: Int
  public var total: Int
  public var description: String { "\(label): stopped by Ctrl-C after step \(step) of \(total)" }
}
