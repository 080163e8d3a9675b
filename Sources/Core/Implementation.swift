/// Which twin of a building block to run: the readable reference (the textbook,
/// loops in the order of the math) or the optimized one (same signature, same
/// results within a tolerance, much faster). Lessons take `--impl`.
public enum Implementation: String, CaseIterable, Sendable, CustomStringConvertible {
  case reference
  case optimized

  public var description: String { rawValue }
}
