import ArgumentParser

/// A lesson's executable: its name, a line for `--help` and what `--help` says after it
/// (the defaults); the rest of `--help` is the same in every lesson.
///
///     @main struct Lesson07: LessonCommand {
///       static let lessonName = "lesson07-dcgan"
///       static let abstract = "DCGAN on Fashion-MNIST: …"
///       static let discussion = "Defaults: --steps 3000, …"
///       @OptionGroup var options: LessonOptions
///       mutating func run() throws { … }
///     }
public protocol LessonCommand: ParsableCommand {
  /// `lessonNN-name`: the executable, its run folders (`runs/<lessonName>/`) and its checkpoints.
  static var lessonName: String { get }
  /// One line: what the lesson does.
  static var abstract: String { get }
  /// The defaults and anything else `--help` should say before the flags.
  static var discussion: String { get }
}

extension LessonCommand {
  public static var discussion: String { "" }

  public static var configuration: CommandConfiguration {
    CommandConfiguration(commandName: lessonName, abstract: abstract,
                         discussion: (discussion.isEmpty ? "" : discussion + " ")
                           + "Each run writes runs/\(lessonName)/<time>/ with index.html.")
  }
}
