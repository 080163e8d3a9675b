import CPUFeatures

/// Ctrl-C during training: the first press asks the lesson to stop after the current step,
/// write a checkpoint and its report, and exit (status 130); a second press quits at once.
/// The training loops poll `requested`; `LessonOptions.apply()` installs the handler.
public enum Interrupt {
  /// Installs the SIGINT handler (idempotent).
  public static func install() {
    genlab_install_interrupt_handler()
  }

  /// Whether Ctrl-C has been pressed since `install()`.
  public static var requested: Bool { genlab_interrupt_requested() == 1 }

  /// The exit status of a process stopped by SIGINT, by shell convention (128 + 2).
  public static let exitStatus: Int32 = 130
}
