// Exercise 07 — diffusion's forward process in closed form, x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε
// with one t per item, checked against DiffusionNoising.noised on linear, cosine and
// scaled-linear schedules.
import DiffusionNoising
import ExerciseSupport

extension Catalog {
  static let diffusionNoising = Exercise(
    id: "07", folder: "07-DiffusionNoising", title: "Closed-form diffusion noising", lesson: "lesson 08"
  ) { submission, grader in
    for c in NoisingCase.all(seed: 0x07) {
      grader.begin(c.name)
      let got = try submission.noised(c.x0, c.timesteps, c.noise, c.tables)
      let expected = DiffusionNoising.noised(c.x0, timesteps: c.timesteps, noise: c.noise, schedule: c.schedule)
      guard grader.expect("x_t", got, equals: expected, mistakes: c.mistakes, otherwise: NoisingCase.advice)
      else { return }
      grader.pass()
    }
    let t = NoisingCase.timing
    try grader.time(t.name, yours: { _ = try submission.noised(t.x0, t.timesteps, t.noise, t.tables) },
                    reference: {
                      var rng = RNG(seed: 0x77)
                      _ = DiffusionNoising.noiseReference(t.x0, timesteps: t.timesteps, schedule: t.schedule, rng: &rng)
                    },
                    optimized: {
                      _ = DiffusionNoising.noised(t.x0, timesteps: t.timesteps, noise: t.noise, schedule: t.schedule)
                    })
  }
}

/// One noising question: a schedule, a batch x_0 with its noise ε, and one t per item.
struct NoisingCase {
  /// The library's schedule, which the expected answer uses.
  var schedule: NoiseSchedule
  /// The same β_1…β_T as the student's tables (ᾱ_t at `alphaBars[t]`).
  var tables: Schedule
  var x0: Tensor
  var noise: Tensor
  var timesteps: [Int]
  var name: String

  /// A schedule of the library by its name in the cases.
  enum Kind: String {
    case linear, cosine, scaledLinear = "scaled linear"

    func schedule(steps: Int) -> NoiseSchedule {
      switch self {
      case .linear: return .linear(steps: steps)
      case .cosine: return .cosine(steps: steps)
      case .scaledLinear: return .scaledLinear(steps: steps)
      }
    }
  }

  /// `firstTimesteps` start the batch's t's; the other items get t drawn from 1…T.
  init(_ kind: Kind, steps: Int, shape: [Int], firstTimesteps: [Int], inputs: inout CaseInputs) {
    let schedule = kind.schedule(steps: steps)
    self.schedule = schedule
    tables = Schedule(betas: (1...steps).map { schedule.beta($0) })
    x0 = inputs.uniform(shape)
    noise = inputs.normal(shape)
    timesteps = firstTimesteps + (firstTimesteps.count..<shape[0]).map { _ in inputs.int(below: steps) + 1 }
    name = "\(kind.rawValue) schedule, T = \(steps), x_0 \(dimensions(shape)), t = \(timesteps)"
  }

  /// Every schedule at small and large T, t = 1 and t = T, a different t for every item,
  /// [N, D] batches and [N, C, H, W] images. The first case has t = 7, not 1: at t = 1,
  /// ᾱ_1 = α_1 = 1 − β_1, so several mistakes would give the same answer.
  static func all(seed: UInt64) -> [NoisingCase] {
    var inputs = CaseInputs(seed: seed)
    let settings: [(Kind, Int, [Int], [Int])] = [
      (.linear, 10, [1, 1], [7]),
      (.linear, 10, [3, 4], [1, 10, 4]),
      (.linear, 1000, [4, 6], [1, 1000]),
      (.cosine, 100, [3, 2, 4, 4], [100]),
      (.scaledLinear, 100, [5, 8], [50, 1]),
      (.cosine, 1000, [2, 1, 5, 5], [1000, 1]),
      (.cosine, 10, [4, 3], [3]),
      (.scaledLinear, 50, [8, 2, 3, 3], []),
    ]
    return settings.map { kind, steps, shape, first in
      NoisingCase(kind, steps: steps, shape: shape, firstTimesteps: first, inputs: &inputs)
    }
  }

  /// The case the three implementations are timed on: 8 single-channel 8×8 images at random
  /// t of T = 1000, where the reference twin takes t single steps per item.
  static let timing: NoisingCase = {
    var inputs = CaseInputs(seed: 0x77)
    return NoisingCase(.linear, steps: 1000, shape: [8, 1, 8, 8], firstTimesteps: [], inputs: &inputs)
  }()

  static let advice = "compare with x_t[n, …] = √ᾱ_t·x_0[n, …] + √(1 − ᾱ_t)·ε[n, …] with t = timesteps[n] and "
    + "ᾱ_t = schedule.alphaBars[t], every element of item n"

  /// x_t with the two coefficients computed by `coefficients` from the schedule and item n's t.
  func noised(_ coefficients: (Int) -> (signal: Double, noise: Double)) -> Tensor {
    let itemSize = x0.count / x0.shape[0]
    var values = [Float](repeating: 0, count: x0.count)
    for n in 0..<x0.shape[0] {
      let (signal, spread) = coefficients(n)
      for i in (n * itemSize)..<((n + 1) * itemSize) {
        values[i] = Float(signal) * x0.data[i] + Float(spread) * noise.data[i]
      }
    }
    return Tensor(shape: x0.shape, data: values)
  }

  /// The answers the common mistakes give on this case.
  var mistakes: [Mistake] {
    let (t, tables) = (timesteps, tables)
    return [
      Mistake("β vs ᾱ: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε uses ᾱ_t = α_1·α_2·…·α_t (schedule.alphaBars[t]), not β_t, "
              + "the variance of one step") {
        noised { n in (tables.betas[t[n]].squareRoot(), (1 - tables.betas[t[n]]).squareRoot()) }
      },
      Mistake("α_t instead of ᾱ_t: α_t = 1 − β_t is one step's factor; the jump from x_0 to x_t needs the product "
              + "ᾱ_t = α_1·α_2·…·α_t (schedule.alphaBars[t])") {
        noised { n in (tables.alphas[t[n]].squareRoot(), (1 - tables.alphas[t[n]]).squareRoot()) }
      },
      Mistake("the square roots are missing: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε — ᾱ_t and 1 − ᾱ_t are variances, the "
              + "coefficients are their square roots") {
        noised { n in (tables.alphaBars[t[n]], 1 - tables.alphaBars[t[n]]) }
      },
      Mistake("the noise's coefficient is √(1 − ᾱ_t), a standard deviation, not the variance 1 − ᾱ_t") {
        noised { n in (tables.alphaBars[t[n]].squareRoot(), 1 - tables.alphaBars[t[n]]) }
      },
      Mistake("the noise's coefficient is √(1 − ᾱ_t), not 1 − √ᾱ_t: the variances ᾱ_t and 1 − ᾱ_t add up to 1, "
              + "not the standard deviations") {
        noised { n in (tables.alphaBars[t[n]].squareRoot(), 1 - tables.alphaBars[t[n]].squareRoot()) }
      },
      Mistake("√ᾱ_t and √(1 − ᾱ_t) are swapped: x_0 keeps √ᾱ_t (near 1 at small t), the noise gets √(1 − ᾱ_t)") {
        noised { n in ((1 - tables.alphaBars[t[n]]).squareRoot(), tables.alphaBars[t[n]].squareRoot()) }
      },
      Mistake("off by one in the timestep: x_t uses ᾱ_t = schedule.alphaBars[t], not alphaBars[t − 1] — the tables "
              + "are indexed by t = 1…T directly, index 0 holds ᾱ_0 = 1") {
        noised { n in (tables.alphaBars[t[n] - 1].squareRoot(), (1 - tables.alphaBars[t[n] - 1]).squareRoot()) }
      },
      Mistake("one t for the whole batch: item n has its own timestep, t = timesteps[n]") {
        t.count < 2 ? nil : noised { _ in (tables.alphaBars[t[0]].squareRoot(), (1 - tables.alphaBars[t[0]]).squareRoot()) }
      },
    ]
  }
}
