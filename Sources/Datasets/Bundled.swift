import Foundation

/// The copies of data bundled in the repository's `Datasets/` folder.
enum Bundled {
  /// `<repo>/Datasets/<relative>`, the repository found from this source file's
  /// compile-time path (…/Sources/Datasets/Bundled.swift), or else `Datasets/<relative>`
  /// under the current directory (for a binary moved away from its checkout). If neither
  /// `exists`, the first, for error messages.
  static func path(_ relative: String, exists: (String) -> Bool) -> String {
    var root = #filePath
    for _ in 0..<3 {
      guard let slash = root.lastIndex(of: "/") else { root = "."; break }
      root = String(root[..<slash])
    }
    let fromSource = root + "/Datasets/" + relative
    let fromWorkingDirectory = FileManager.default.currentDirectoryPath + "/Datasets/" + relative
    for candidate in [fromSource, fromWorkingDirectory] where exists(candidate) {
      return candidate
    }
    return fromSource
  }
}
