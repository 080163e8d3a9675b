import Core
import Foundation

extension RunFolder {
  /// The file name of the checkpoint every training lesson keeps in its run folder.
  public static let checkpointFile = "checkpoint.safetensors"

  /// A resumed run with nothing left to train writes no checkpoint of its own; its
  /// folder then gets a copy of the one it resumed from (the same state), so the
  /// report's link holds and the run can be resumed again from its own folder.
  public func keepCheckpoint(resumedFrom path: String?) throws {
    let own = file(Self.checkpointFile)
    guard let path, !FileManager.default.fileExists(atPath: own) else { return }
    do {
      try Files.writeAtomically(try Files.read(path), to: own)
    } catch let .cannotRead(reason), let .cannotWrite(reason) {
      throw LabError.cannotCopyCheckpoint(from: path, to: own, reason: reason)
    }
  }
}
