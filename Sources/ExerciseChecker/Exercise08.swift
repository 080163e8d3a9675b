// Exercise 08 — one DDPM reverse step x_t → x_{t−1} with σ_t² = β̃_t, checked against
// DiffusionNoising.ddpmStep. The library's step draws its z from a generator; the student
// is given the same z, drawn from a copy of that generator in the same order.
import DiffusionNoising
import ExerciseSupport

extension Catalog {
  static let ddpmStep = Exercise(
    id: "08", folder: "08-DDPMStep", title: "One DDPM reverse step", lesson: "lesson 09"
  ) { submission, grader in
    for c in DDPMStepCase.all(seed: 0x08) {
      grader.begin(c.name)
      let got = try submission.ddpmStep(c.noisy, c.predictedNoise, c.t, c.tables, c.z)
      guard grader.expect("x_{t−1}", got, equals: c.expected, mistakes: c.mistakes(got: got),
                          otherwise: DDPMStepCase.advice) else { return }
      grader.pass()
    }
    // There are no twins of one step: the student is timed against the library's step.
    let t = DDPMStepCase.timing
    try grader.time(t.name, yours: { _ = try submission.ddpmStep(t.noisy, t.predictedNoise, t.t, t.tables, t.z) },
                    reference: {
                      var rng = RNG(seed: t.seed)
                      _ = DiffusionNoising.ddpmStep(t.noisy, predictedNoise: t.predictedNoise, t: t.t,
                                                    schedule: t.schedule, variance: .posterior, clip: nil, rng: &rng)
                    },
                    optimized: nil)
  }
}

/// One reverse-step question: a schedule, x_t, the predicted noise ε̂, the timestep t and z.
struct DDPMStepCase {
  /// The library's schedule, which the expected answer uses.
  var schedule: NoiseSchedule
  /// The same β_1…β_T as the student's tables.
  var tables: Schedule
  var noisy: Tensor
  var predictedNoise: Tensor
  var t: Int
  /// The seed of the generator of z: the library's step draws from it with `rng.normal()`
  /// element by element in row-major order (only when t > 1), and z is
  /// `Tensor.normal(shape, using:)` from a copy of it, which draws the same numbers.
  var seed: UInt64
  var z: Tensor
  /// `DiffusionNoising.ddpmStep` with σ_t² = β̃_t, no clipping, from the generator of z.
  var expected: Tensor
  var name: String

  init(_ kind: NoisingCase.Kind, steps: Int, shape: [Int], t: Int, seed: UInt64, inputs: inout CaseInputs) {
    let schedule = kind.schedule(steps: steps)
    self.schedule = schedule
    tables = Schedule(betas: (1...steps).map { schedule.beta($0) })
    noisy = inputs.normal(shape)
    predictedNoise = inputs.normal(shape)
    self.t = t
    self.seed = seed
    var copy = RNG(seed: seed)
    z = Tensor.normal(shape, using: &copy)
    var rng = RNG(seed: seed)
    expected = DiffusionNoising.ddpmStep(noisy, predictedNoise: predictedNoise, t: t, schedule: schedule,
                                         variance: .posterior, clip: nil, rng: &rng)
    name = "\(kind.rawValue) schedule, T = \(steps), x_t \(dimensions(shape)), t = \(t)"
      + (t == 1 ? " (the last step: no noise)" : t == steps ? " (the first step, t = T)" : "")
  }

  /// t = 1 (no noise) first, then t = T, t = 2 (the smallest β̃_t > 0), steps in the
  /// middle; linear, cosine and scaled-linear schedules; [N, D] batches and [N, C, H, W]
  /// images. At t = T of the cosine schedule β_T is clipped to 0.999, so 1/√α_T ≈ 32.
  static func all(seed: UInt64) -> [DDPMStepCase] {
    var inputs = CaseInputs(seed: seed)
    let settings: [(NoisingCase.Kind, Int, [Int], Int)] = [
      (.linear, 10, [1, 1], 1),
      (.linear, 10, [3, 4], 10),
      (.linear, 1000, [4, 6], 500),
      (.cosine, 100, [2, 3, 4, 4], 2),
      (.cosine, 1000, [2, 1, 5, 5], 1000),
      (.scaledLinear, 100, [5, 8], 37),
      (.linear, 1000, [2, 2, 3, 3], 1),
      (.scaledLinear, 50, [8, 2], 25),
    ]
    return settings.enumerated().map { index, setting in
      let (kind, steps, shape, t) = setting
      return DDPMStepCase(kind, steps: steps, shape: shape, t: t, seed: seed << 8 + UInt64(index), inputs: &inputs)
    }
  }

  /// The case the student's step and the library's are timed on: 16 single-channel 16×16 images.
  static let timing: DDPMStepCase = {
    var inputs = CaseInputs(seed: 0x78)
    return DDPMStepCase(.linear, steps: 1000, shape: [16, 1, 16, 16], t: 500, seed: 0x7800, inputs: &inputs)
  }()

  static let advice = "compare with x_{t−1} = (x_t − β_t/√(1 − ᾱ_t)·ε̂)/√α_t + σ_t·z, σ_t = √β̃_t "
    + "(schedule.posteriorVariances[t]), element by element, with the tables at index t and no σ_t·z at t = 1"

  /// x_{t−1} = (x_t − noiseWeight·ε̂)·scale + deviation·z, in Double from the given
  /// coefficients, or with the ε̂ term outside the scaling when `scaleNoiseTerm` is false.
  func step(noiseWeight: Double, scale: Double, deviation: Double, scaleNoiseTerm: Bool = true) -> Tensor {
    Tensor(shape: noisy.shape, data: (0..<noisy.count).map { i in
      let (x, e) = (Double(noisy.data[i]), Double(predictedNoise.data[i]))
      let mean = scaleNoiseTerm ? (x - noiseWeight * e) * scale : x * scale - noiseWeight * e
      return Float(mean + deviation * Double(z.data[i]))
    })
  }

  /// The answers the common mistakes give on this case. `got` is the student's answer: at
  /// t = 1 any noise at all is a mistake, so one of them is the right mean plus the
  /// multiple of z that fits `got` best.
  func mistakes(got: Tensor) -> [Mistake] {
    let beta = tables.betas[t], alpha = tables.alphas[t], alphaBar = tables.alphaBars[t]
    let variance = tables.posteriorVariances[t]
    let right = (noiseWeight: beta / (1 - alphaBar).squareRoot(), scale: 1 / alpha.squareRoot(),
                 deviation: t > 1 ? variance.squareRoot() : 0)
    func step(noiseWeight: Double = right.noiseWeight, scale: Double = right.scale, deviation: Double = right.deviation,
              scaleNoiseTerm: Bool = true) -> Tensor {
      self.step(noiseWeight: noiseWeight, scale: scale, deviation: deviation, scaleNoiseTerm: scaleNoiseTerm)
    }
    let noiseAtLastStep = "no noise at t = 1: the last step returns the mean (x_1 − β_1/√(1 − ᾱ_1)·ε̂)/√α_1 without "
      + "σ_1·z, so that x_0 is the model's clean estimate"
    return [
      // σ_1 = √β_1, the noise of the variance σ_t² = β_t, which is not 0 at t = 1.
      Mistake(noiseAtLastStep) { t == 1 ? step(deviation: beta.squareRoot()) : nil },
      // Any other multiple of z; with a single element every answer would be one, so not there.
      Mistake(noiseAtLastStep) {
        guard t == 1, got.shape == z.shape, z.count > 1 else { return nil }
        let mean = step(deviation: 0)
        var along = 0.0, length = 0.0
        for i in 0..<z.count {
          along += (Double(got.data[i]) - Double(mean.data[i])) * Double(z.data[i])
          length += Double(z.data[i]) * Double(z.data[i])
        }
        return length == 0 ? nil : step(deviation: along / length)
      },
      Mistake("σ_t² = β̃_t, not β_t: the step's variance is the posterior variance β̃_t = β_t·(1 − ᾱ_{t−1})/(1 − ᾱ_t) "
              + "(schedule.posteriorVariances[t])") {
        t == 1 ? nil : step(deviation: beta.squareRoot())
      },
      Mistake("σ_t is a standard deviation: multiply z by σ_t = √β̃_t, not by the variance β̃_t") {
        t == 1 ? nil : step(deviation: variance)
      },
      Mistake("the noise is missing: for t > 1 add σ_t·z with σ_t = √β̃_t") {
        t == 1 ? nil : step(deviation: 0)
      },
      Mistake("α_t and ᾱ_t are swapped: x_{t−1} = (x_t − β_t/√(1 − ᾱ_t)·ε̂)/√α_t — the product ᾱ_t under the "
              + "ε̂ term, one step's α_t outside") {
        step(noiseWeight: beta / (1 - alpha).squareRoot(), scale: 1 / alphaBar.squareRoot())
      },
      Mistake("√ is missing on (1 − ᾱ_t): the ε̂ term's weight is β_t/√(1 − ᾱ_t)") {
        step(noiseWeight: beta / (1 - alphaBar))
      },
      Mistake("the sign of the ε̂ term: the step removes the predicted noise, x_t − β_t/√(1 − ᾱ_t)·ε̂") {
        step(noiseWeight: -right.noiseWeight)
      },
      Mistake("√ is missing on α_t: the mean is divided by √α_t") {
        step(scale: 1 / alpha)
      },
      Mistake("the ε̂ term must be divided by √α_t too: x_{t−1} = (x_t − β_t/√(1 − ᾱ_t)·ε̂)/√α_t, with the "
              + "parentheses around both terms") {
        step(scaleNoiseTerm: false)
      },
    ]
  }
}
