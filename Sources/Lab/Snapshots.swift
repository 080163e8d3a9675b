import Core
import Foundation
import ImageIO

/// Pictures taken while a model trains — one PNG per snapshot in the run folder, kept in
/// memory for the animation — and the earlier run's pictures carried into a resumed one.
///
///     let frames = Snapshots(run.folder) { String(format: "dcgan-step-%05d.png", $0) }
///     try frames.carryOver(from: run.resumed)              // a resumed run: the earlier frames
///     try frames.add(Image(grid: samples, columns: 8), at: step)
///     try frames.writeAnimation("training.gif", delay: 25) // false when there is no frame
public final class Snapshots {
  public let folder: RunFolder
  /// The file name of the snapshot at a step (or epoch).
  public let name: (Int) -> String
  public private(set) var frames: [Image] = []
  /// The step (or epoch) of each frame.
  public private(set) var steps: [Int] = []

  public init(_ folder: RunFolder, name: @escaping (Int) -> String) {
    self.folder = folder
    self.name = name
  }

  /// Keeps `image` as the snapshot of `step` and writes it as a PNG.
  public func add(_ image: Image, at step: Int) throws {
    frames.append(image)
    steps.append(step)
    try PNG.write(image, to: folder.file(name(step)))
  }

  /// For a resumed run: the snapshots of steps `through` and before (default: the
  /// checkpoint's step) that the earlier run's folder holds, copied into this one, in order.
  /// A checkpoint outside its run folder brings none: the animation starts where the run resumes.
  public func carryOver(from checkpoint: Checkpoint?, through last: Int? = nil) throws {
    guard let checkpoint, let earlier = checkpoint.folder else { return }
    let last = last ?? checkpoint.step
    let present = Set((try? FileManager.default.contentsOfDirectory(atPath: earlier)) ?? [])
    for step in 0...max(last, 0) where present.contains(name(step)) {
      guard let copy = try folder.carryOver(name(step), from: checkpoint) else { continue }
      frames.append(try PNG.read(file: copy))
      steps.append(step)
    }
  }

  /// Writes the frames as an animated GIF, `delay` hundredths of a second each and
  /// `lastDelay` on the last; returns false (and writes nothing) when there is no frame.
  @discardableResult
  public func writeAnimation(_ file: String, delay: Int, lastDelay: Int = 300) throws -> Bool {
    guard !frames.isEmpty else { return false }
    var delays = [Int](repeating: delay, count: frames.count)
    delays[delays.count - 1] = lastDelay
    try GIF.write(frames: frames, delays: delays, to: folder.file(file))
    return true
  }
}
