import Foundation

/// Console output shared by the lessons.
public enum Console {
  /// A section heading: the title, underlined to its length (at most 80 columns).
  public static func section(_ title: String) {
    print("\n\(title)\n" + String(repeating: "─", count: min(title.count, 80)))
    fflush(stdout)   // when stdout is a file or pipe, what came before the section is written now
  }
}
