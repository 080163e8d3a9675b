import Core
import DiffusionNoising
import Testing

@Suite struct NoiseScheduleTests {
  /// T = 3, linear from 0.1 to 0.3, by hand:
  ///   β = 0.1, 0.2, 0.3;  α = 0.9, 0.8, 0.7;  ᾱ = 0.9, 0.9·0.8 = 0.72, 0.72·0.7 = 0.504
  ///   β̃_1 = 0 (ᾱ_0 = 1),  β̃_2 = (1 − 0.9)/(1 − 0.72)·0.2 = 0.0714285714…,
  ///   β̃_3 = (1 − 0.72)/(1 − 0.504)·0.3 = 0.28/0.496·0.3 = 0.1693548387…
  @Test func smallLinearScheduleByHand() {
    let schedule = NoiseSchedule.linear(steps: 3, betaStart: 0.1, betaEnd: 0.3)
    let expected: [(beta: Double, alpha: Double, alphaBar: Double, posterior: Double)] = [
      (0.1, 0.9, 0.9, 0), (0.2, 0.8, 0.72, 0.0714285714285714), (0.3, 0.7, 0.504, 0.1693548387096774),
    ]
    #expect(schedule.steps == 3 && schedule.kind == .linear)
    #expect(schedule.alphaBar(0) == 1)
    for t in 1...3 {
      let e = expected[t - 1]
      #expect(abs(schedule.beta(t) - e.beta) < 1e-15, "β_\(t) = \(schedule.beta(t)), expected \(e.beta)")
      #expect(abs(schedule.alpha(t) - e.alpha) < 1e-15, "α_\(t) = \(schedule.alpha(t)), expected \(e.alpha)")
      #expect(abs(schedule.alphaBar(t) - e.alphaBar) < 1e-15, "ᾱ_\(t) = \(schedule.alphaBar(t)), expected \(e.alphaBar)")
      #expect(abs(schedule.posteriorVariance(t) - e.posterior) < 1e-14,
              "β̃_\(t) = \(schedule.posteriorVariance(t)), expected \(e.posterior)")
    }
  }

  // Values from an outside implementation, made with numpy 2.4 by this script:
  //
  //   import math
  //   import numpy as np
  //
  //   # improved-diffusion (openai/improved-diffusion), gaussian_diffusion.py
  //   def betas_for_alpha_bar(num_diffusion_timesteps, alpha_bar, max_beta=0.999):
  //       betas = []
  //       for i in range(num_diffusion_timesteps):
  //           t1 = i / num_diffusion_timesteps
  //           t2 = (i + 1) / num_diffusion_timesteps
  //           betas.append(min(1 - alpha_bar(t2) / alpha_bar(t1), max_beta))
  //       return np.array(betas)
  //
  //   schedules = {
  //       # DDPM / improved-diffusion's "linear" (at T = 1000)
  //       "linear": np.linspace(1e-4, 0.02, 1000, dtype=np.float64),
  //       # improved-diffusion's get_named_beta_schedule("cosine", 1000)
  //       "cosine": betas_for_alpha_bar(1000, lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2),
  //   }
  //   for name, betas in schedules.items():
  //       # GaussianDiffusion.__init__
  //       alphas_cumprod = np.cumprod(1.0 - betas, axis=0)
  //       alphas_cumprod_prev = np.append(1.0, alphas_cumprod[:-1])
  //       posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
  //       for t in [1, 2, 10, 500, 999, 1000]:
  //           print(f"{name} ({t}, {float(betas[t-1])!r}, {float(alphas_cumprod[t-1])!r}, "
  //                 f"{float(posterior_variance[t-1])!r}),")
  //
  // Rows: (t, β_t, ᾱ_t, β̃_t).
  static let numpyLinear: [(Int, Double, Double, Double)] = [
    (1, 0.0001, 0.9999, 0.0),
    (2, 0.00011991991991991993, 0.9997800920720721, 5.4531876613021935e-05),
    (10, 0.0002792792792792793, 0.9981052047858344, 0.00023818202782345307),
    (500, 0.010040040040040039, 0.07858724288177824, 0.010031355414613688),
    (999, 0.01998008008008008, 4.118193638138445e-05, 0.019980063304243196),
    (1000, 0.02, 4.035829765375676e-05, 0.01999998352656061),
  ]
  static let numpyCosine: [(Int, Double, Double, Double)] = [
    (1, 4.128422482196914e-05, 0.999958715775178, 0.0),
    (2, 4.614175273665033e-05, 0.9999125759273678, 2.178949614569182e-05),
    (10, 8.501117934167635e-05, 0.9993687184016583, 7.356945118997592e-05),
    (500, 0.0031458862304780677, 0.4938435904406382, 0.003136199904057811),
    (999, 0.7499993929011166, 2.4287669070348544e-06, 0.7499939281844208),
    (1000, 0.999, 2.4287669070348567e-09, 0.9989975760881921),
  ]

  /// Relative error ≤ 1e-12: the same formulas in the same order give the same Doubles up
  /// to the last bits of cos and of the cumulative product.
  @Test(arguments: NoiseSchedule.Kind.allCases)
  func matchesNumpy(_ kind: NoiseSchedule.Kind) {
    let schedule = kind == .linear ? NoiseSchedule.linear(steps: 1000) : NoiseSchedule.cosine(steps: 1000)
    let rows = kind == .linear ? Self.numpyLinear : Self.numpyCosine
    func close(_ a: Double, _ e: Double) -> Bool { abs(a - e) <= 1e-12 * abs(e) }
    for (t, beta, alphaBar, posterior) in rows {
      #expect(close(schedule.beta(t), beta), "\(kind) β_\(t): \(schedule.beta(t)), numpy \(beta)")
      #expect(close(schedule.alphaBar(t), alphaBar), "\(kind) ᾱ_\(t): \(schedule.alphaBar(t)), numpy \(alphaBar)")
      #expect(close(schedule.posteriorVariance(t), posterior),
              "\(kind) β̃_\(t): \(schedule.posteriorVariance(t)), numpy \(posterior)")
    }
  }

  /// The arrays hang together: α = 1 − β, ᾱ_t = ᾱ_{t−1}·α_t and decreasing, 0 < β ≤ the
  /// largest allowed β, β̃ ≤ β, β̃_1 = 0, and the cosine schedule's last β is clipped.
  @Test(arguments: NoiseSchedule.Kind.allCases)
  func arraysAreConsistent(_ kind: NoiseSchedule.Kind) {
    let schedule = kind == .linear ? NoiseSchedule.linear(steps: 200) : NoiseSchedule.cosine(steps: 200, maxBeta: 0.5)
    #expect(schedule.betas.count == 200 && schedule.alphas.count == 200
            && schedule.alphaBars.count == 200 && schedule.posteriorVariances.count == 200)
    for t in 1...200 {
      #expect(schedule.alpha(t) == 1 - schedule.beta(t))
      #expect(schedule.alphaBar(t) == schedule.alphaBar(t - 1) * schedule.alpha(t))
      #expect(schedule.alphaBar(t) < schedule.alphaBar(t - 1))
      #expect(schedule.beta(t) > 0 && schedule.beta(t) <= (kind == .linear ? 0.02 : 0.5))
      #expect(schedule.posteriorVariance(t) <= schedule.beta(t))
    }
    #expect(schedule.posteriorVariance(1) == 0)
    if kind == .cosine { #expect(schedule.beta(200) == 0.5, "the last β must be clipped to maxBeta") }
  }

  @Test func singleStepSchedules() {
    #expect(NoiseSchedule.linear(steps: 1, betaStart: 0.3, betaEnd: 0.5).betas == [0.3])
    let cosine = NoiseSchedule.cosine(steps: 1)
    #expect(cosine.betas == [0.999] && cosine.posteriorVariances == [0])
  }
}

@Suite struct ScaledLinearScheduleTests {
  @Test func equalsDDPMsScheduleAtT1000AndKeepsXTNoise() {
    #expect(NoiseSchedule.scaledLinear(steps: 1000) == NoiseSchedule.linear(steps: 1000))
    for steps in [50, 100, 250, 4000] {
      let schedule = NoiseSchedule.scaledLinear(steps: steps)
      // β from 0.1/T to 20/T; ᾱ_T ≈ exp(−Σβ) = exp(−10.05) ≈ 4·10⁻⁵ whatever T.
      #expect(abs(schedule.beta(1) - 0.1 / Double(steps)) < 1e-15)
      #expect(abs(schedule.beta(steps) - 20 / Double(steps)) < 1e-15)
      #expect(schedule.alphaBar(steps) < 1e-4, "T = \(steps): ᾱ_T = \(schedule.alphaBar(steps))")
    }
  }
}
