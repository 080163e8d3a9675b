import Core

/// The variance schedule β_1 … β_T of the forward process, and the quantities that
/// follow from it, all in Double (ᾱ_t is a product of up to 1000 numbers near 1).
/// Index with t = 1 … T through the accessors; `alphaBar(0)` is 1.
public struct NoiseSchedule: Sendable, Equatable {
  public enum Kind: String, Sendable, CaseIterable {
    /// DDPM: β rises linearly from `betaStart` to `betaEnd`.
    case linear
    /// Improved DDPM (Nichol & Dhariwal 2021): ᾱ_t = f(t)/f(0), f(t) = cos²(((t/T + s)/(1 + s))·π/2).
    case cosine
  }

  public let kind: Kind
  /// T, the number of noising steps.
  public let steps: Int
  /// β_t at index t − 1.
  public let betas: [Double]
  /// α_t = 1 − β_t at index t − 1.
  public let alphas: [Double]
  /// ᾱ_t = Π_{s ≤ t} α_s at index t − 1.
  public let alphaBars: [Double]
  /// β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x_0), at index t − 1.
  public let posteriorVariances: [Double]

  /// DDPM's schedule: β_t linear from `betaStart` (t = 1) to `betaEnd` (t = T).
  public static func linear(steps: Int, betaStart: Double = 1e-4, betaEnd: Double = 0.02) -> NoiseSchedule {
    fatalError("NoiseSchedule.linear: not implemented yet")
  }

  /// Improved DDPM's cosine schedule with offset s, β_t clipped to `maxBeta`.
  public static func cosine(steps: Int, offset: Double = 0.008, maxBeta: Double = 0.999) -> NoiseSchedule {
    fatalError("NoiseSchedule.cosine: not implemented yet")
  }

  public func beta(_ t: Int) -> Double { betas[t - 1] }
  public func alpha(_ t: Int) -> Double { alphas[t - 1] }
  /// ᾱ_t, with ᾱ_0 = 1.
  public func alphaBar(_ t: Int) -> Double { t == 0 ? 1 : alphaBars[t - 1] }
  public func posteriorVariance(_ t: Int) -> Double { posteriorVariances[t - 1] }
}
