import Core
import Foundation

extension RunFolder {
  /// The file name of the checkpoint every training lesson keeps in its run folder.
  public static let checkpointFile = "checkpoint.safetensors"

  /// A resumed run with nothing left to train writes no checkpoint of its own; its
  /// folder then gets a copy of the one it resumed from (the same state), so the
  /// report's link holds and the run can be resumed again from its own folder.
  public func keepCheckpoint(resumedFrom path: String?) throws {
    guard let path, !FileManager.default.fileExists(atPath: file(Self.checkpointFile)) else { return }
    try copy(path, as: Self.checkpointFile)
  }

  /// For a resumed run: copies `name` (a snapshot frame, say) from the folder of the
  /// run the checkpoint came from into this one, byte for byte. Returns this run's
  /// path of the copy, or nil when the earlier run has no such file.
  public func carryOver(_ name: String, from checkpoint: Checkpoint) throws -> String? {
    guard let folder = checkpoint.folder else { return nil }
    let source = (folder as NSString).appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: source) else { return nil }
    try copy(source, as: name)
    return file(name)
  }

  private func copy(_ source: String, as name: String) throws {
    let target = file(name)
    do {
      try Files.writeAtomically(try Files.read(source), to: target)
    } catch let .cannotRead(reason), let .cannotWrite(reason) {
      throw LabError.cannotCopyFile(from: source, to: target, reason: reason)
    }
  }
}
