// DiffusionNoising — the reference twin: the forward process exactly as it is defined, one
// Gaussian step at a time: to reach x_t it applies q(x_s | x_{s−1}) = 𝒩(√(1−β_s)·x_{s−1}, β_s·I)
// t times, drawing fresh noise at every step, element by element. Its optimized twin is
// DiffusionNoising+ClosedForm.swift (one jump, one draw per element);
// Tests/DiffusionNoisingTests/NoisingTests.swift proves them equal in distribution.
//
// It costs t·(elements) normal draws where the closed form needs one per element; read the
// two side by side.
import Core

extension DiffusionNoising {
  /// The reference twin: x_t by applying t single steps
  ///
  ///     x_s = √(1−β_s)·x_{s−1} + √β_s·ε_s,   ε_s ~ 𝒩(0, I),   s = 1 … t
  ///
  /// to each item, starting from x_0. Returns x_t and the one standard normal ε that gives
  /// the same x_t in closed form,
  ///
  ///     ε = (x_t − √ᾱ_t·x_0) / √(1 − ᾱ_t)   (zero where t = 0, and x_0 = x_0)
  ///
  /// (distributed 𝒩(0, I), because x_t ~ 𝒩(√ᾱ_t·x_0, (1−ᾱ_t)·I)).
  ///
  /// `x0` [N, …] → (noisy, noise), both [N, …]; `timesteps` holds one t in 0…T per item.
  /// The steps run in Double on one item at a time; ε_s is drawn with `rng.normal()`, item
  /// by item, then step by step, then element by element (row-major). Its twin `noise`
  /// draws a different stream (one ε per element), so the twins agree in distribution,
  /// not draw by draw: the tests compare means, variances and a Kolmogorov–Smirnov test.
  public static func noiseReference(_ x0: Tensor, timesteps: [Int], schedule: NoiseSchedule,
                                    rng: inout RNG) -> (noisy: Tensor, noise: Tensor) {
    let (items, itemSize) = schedule.checkTimesteps("DiffusionNoising.noiseReference", timesteps, shape: x0.shape)
    let start = x0.data
    var noisy = [Float](repeating: 0, count: x0.count)
    var noise = [Float](repeating: 0, count: x0.count)
    var x = [Double](repeating: 0, count: itemSize)          // x_s of the current item
    for n in 0..<items {
      let t = timesteps[n]
      for j in 0..<itemSize { x[j] = Double(start[n * itemSize + j]) }   // x_0
      if t > 0 {
        for s in 1...t {
          let keep = (1 - schedule.beta(s)).squareRoot()      // √(1−β_s) = √α_s
          let spread = schedule.beta(s).squareRoot()          // √β_s
          for j in 0..<itemSize {
            let epsilon = Double(rng.normal())                // ε_s ~ 𝒩(0, 1), fresh at every step
            x[j] = keep * x[j] + spread * epsilon             // x_s = √(1−β_s)·x_{s−1} + √β_s·ε_s
          }
        }
      }
      let alphaBar = schedule.alphaBar(t)                     // ᾱ_t = Π_{s ≤ t} (1 − β_s)
      for j in 0..<itemSize {
        let i = n * itemSize + j
        noisy[i] = Float(x[j])
        // The ε of the closed form that lands on the same x_t; none needed at t = 0.
        noise[i] = t == 0 ? 0 : Float((x[j] - alphaBar.squareRoot() * Double(start[i])) / (1 - alphaBar).squareRoot())
      }
    }
    return (Tensor(shape: x0.shape, data: noisy), Tensor(shape: x0.shape, data: noise))
  }
}
