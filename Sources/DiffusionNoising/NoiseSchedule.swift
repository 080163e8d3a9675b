import Core
import Foundation

/// The variance schedule β_1 … β_T of the forward process, and the quantities that
/// follow from it, all in Double (ᾱ_t is a product of up to 1000 numbers near 1).
/// Index with t = 1 … T through the accessors; `alphaBar(0)` is 1.
///
///     α_t = 1 − β_t,   ᾱ_t = Π_{s=1}^{t} α_s   (ᾱ_0 = 1)
///     β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t   (so β̃_1 = 0)
///
/// ᾱ_t is how much of x_0 is left in x_t (x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε); β̃_t is the
/// variance of the true reverse step q(x_{t−1} | x_t, x_0). The arrays are computed the
/// way improved-diffusion's `GaussianDiffusion` does (cumulative product in order), so
/// they match numpy to the last bit or two (`NoiseScheduleTests`).
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

  /// Everything else from the betas: α_t = 1 − β_t, ᾱ_t = ᾱ_{t−1}·α_t, β̃_t.
  private init(kind: Kind, betas: [Double]) {
    self.kind = kind
    self.steps = betas.count
    self.betas = betas
    self.alphas = betas.map { 1 - $0 }
    var product = 1.0
    var alphaBars = [Double]()
    alphaBars.reserveCapacity(betas.count)
    for alpha in alphas {
      product *= alpha                        // ᾱ_t = ᾱ_{t−1}·α_t, in order, like numpy's cumprod
      alphaBars.append(product)
    }
    self.alphaBars = alphaBars
    self.posteriorVariances = betas.indices.map { i in
      let previous = i == 0 ? 1.0 : alphaBars[i - 1]         // ᾱ_{t−1}, ᾱ_0 = 1
      return betas[i] * (1 - previous) / (1 - alphaBars[i])  // β̃_t = (1−ᾱ_{t−1})/(1−ᾱ_t)·β_t
    }
  }

  /// DDPM's schedule: β_t linear from `betaStart` (t = 1) to `betaEnd` (t = T),
  ///
  ///     β_t = betaStart + (t − 1)·(betaEnd − betaStart)/(T − 1),   β_T = betaEnd exactly
  ///
  /// as `np.linspace(betaStart, betaEnd, T)` computes it (T = 1 gives β_1 = betaStart).
  /// Ho et al. use T = 1000, 10⁻⁴ … 0.02, which leaves ᾱ_T ≈ 4·10⁻⁵: x_T is almost pure noise.
  /// DDPM's linear schedule for any T: the range 10⁻⁴ … 0.02 (made for T = 1000) scaled by
  /// 1000/T, as improved-diffusion's `get_named_beta_schedule("linear", T)` does, so that
  /// ᾱ_T stays ≈ 4·10⁻⁵ and x_T is noise for any T. Equal to `linear(steps: 1000)` at T = 1000.
  /// T ≥ 50 keeps β_T = 20/T ≤ 0.4.
  public static func scaledLinear(steps: Int) -> NoiseSchedule {
    precondition(steps >= 50, "NoiseSchedule.scaledLinear: steps must be ≥ 50 (β_T = 20/T), got \(steps)")
    let scale = 1000 / Double(steps)
    return linear(steps: steps, betaStart: 1e-4 * scale, betaEnd: 0.02 * scale)
  }

  public static func linear(steps: Int, betaStart: Double = 1e-4, betaEnd: Double = 0.02) -> NoiseSchedule {
    precondition(steps >= 1, "NoiseSchedule.linear: steps must be ≥ 1, got \(steps)")
    precondition(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1,
                 "NoiseSchedule.linear: need 0 < betaStart ≤ betaEnd < 1, got betaStart \(betaStart), betaEnd \(betaEnd)")
    let step = steps > 1 ? (betaEnd - betaStart) / Double(steps - 1) : 0
    var betas = (0..<steps).map { i in Double(i) * step + betaStart }
    if steps > 1 { betas[steps - 1] = betaEnd }
    return NoiseSchedule(kind: .linear, betas: betas)
  }

  /// Improved DDPM's cosine schedule with offset s, β_t clipped to `maxBeta`:
  ///
  ///     f(t) = cos²(((t/T + s)/(1 + s))·π/2),   ᾱ_t = f(t)/f(0)
  ///     β_t = min(1 − ᾱ_t/ᾱ_{t−1}, maxBeta) = min(1 − f(t)/f(t−1), maxBeta)
  ///
  /// then α and ᾱ are recomputed from the clipped β (improved-diffusion's
  /// `betas_for_alpha_bar`). ᾱ falls like a cosine instead of almost exponentially, so
  /// fewer steps are wasted on images that are already pure noise; the clip keeps β_T
  /// (where f(T) ≈ 0 would give β_T = 1) below 1, so ᾱ_T > 0 and x̂_0 stays defined.
  /// The offset s keeps β_1 from being vanishingly small. Needs 0 < maxBeta < 1, s ≥ 0.
  public static func cosine(steps: Int, offset: Double = 0.008, maxBeta: Double = 0.999) -> NoiseSchedule {
    precondition(steps >= 1, "NoiseSchedule.cosine: steps must be ≥ 1, got \(steps)")
    precondition(offset >= 0, "NoiseSchedule.cosine: offset must be ≥ 0, got \(offset)")
    precondition(maxBeta > 0 && maxBeta < 1, "NoiseSchedule.cosine: need 0 < maxBeta < 1, got \(maxBeta)")
    func f(_ t: Int) -> Double {
      let c = cos((Double(t) / Double(steps) + offset) / (1 + offset) * Double.pi / 2)
      return c * c
    }
    let betas = (1...steps).map { t in min(1 - f(t) / f(t - 1), maxBeta) }
    return NoiseSchedule(kind: .cosine, betas: betas)
  }

  /// β_t, t = 1 … T.
  public func beta(_ t: Int) -> Double { betas[t - 1] }
  /// α_t = 1 − β_t, t = 1 … T.
  public func alpha(_ t: Int) -> Double { alphas[t - 1] }
  /// ᾱ_t, with ᾱ_0 = 1.
  public func alphaBar(_ t: Int) -> Double { t == 0 ? 1 : alphaBars[t - 1] }
  /// β̃_t, t = 1 … T (β̃_1 = 0).
  public func posteriorVariance(_ t: Int) -> Double { posteriorVariances[t - 1] }

  /// Checks that `timesteps` holds one t in 0…T per item of a tensor of shape `shape`
  /// ([N, …]) and returns (N, elements per item). `function` names the caller.
  func checkTimesteps(_ function: String, _ timesteps: [Int], shape: [Int]) -> (items: Int, itemSize: Int) {
    precondition(!shape.isEmpty, "\(function): x_0 must be [N, …] with items first, got a scalar")
    let items = shape[0]
    precondition(timesteps.count == items,
                 "\(function): \(timesteps.count) timesteps for \(items) items (shape \(shape)); give one t per item")
    if let bad = timesteps.firstIndex(where: { $0 < 0 || $0 > steps }) {
      precondition(false, "\(function): timesteps[\(bad)] = \(timesteps[bad]) is outside 0…\(steps) (T = \(steps))")
    }
    return (items, items == 0 ? 0 : shape.dropFirst().reduce(1, *))
  }
}
