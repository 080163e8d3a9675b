// Exercise 05 — the reparameterization trick, the closed-form KL and their gradients,
// checked against the Reparameterization module's closed-form twin (`sample`,
// `klDivergence`, `backward`). Both gradients are also checked by finite differences of
// the loss L = ⟨dz, z⟩ + klScale·Σ_n KL_n, so a wrong gradient is caught by the calculus
// and not only by its disagreement with the library.
import ExerciseSupport
import Foundation
import Reparameterization

extension Catalog {
  static let reparameterization = Exercise(
    id: "05", folder: "05-Reparameterization", title: "Reparameterization, closed-form KL and gradients", lesson: "lesson 05"
  ) { submission, grader in
    for c in ReparameterizationCase.all(seed: 0x05) {
      grader.begin(c.name)
      let z = try submission.reparameterize(c.mean, c.logVariance, c.epsilon)
      guard grader.expect("z", z, equals: c.z, mistakes: c.sampleMistakes,
                          otherwise: ReparameterizationCase.sampleAdvice) else { return }
      let kl = try submission.gaussianKL(c.mean, c.logVariance)
      guard grader.expect("KL", kl, equals: Reparameterization.klDivergence(mean: c.mean, logVariance: c.logVariance),
                          mistakes: c.klMistakes, otherwise: ReparameterizationCase.klAdvice) else { return }
      let got = try submission.reparameterizationBackward(c.zGradient, c.epsilon, c.mean, c.logVariance, c.klScale)
      let expected = Reparameterization.backward(zGradient: c.zGradient, epsilon: c.epsilon, mean: c.mean,
                                                 logVariance: c.logVariance, klScale: c.klScale)
      // Each gradient is checked with the loss moved along its own argument only.
      let mistakes = c.backwardMistakes
      guard ReparameterizationCase.checkGradient(
        "dL/dμ", got.mean, equals: expected.mean, at: c.mean, along: c.meanDirection,
        loss: { c.loss(mean: $0, logVariance: c.logVariance) }, mistakes: mistakes.map(\.mean),
        otherwise: ReparameterizationCase.meanGradientAdvice, grader: &grader) else { return }
      guard ReparameterizationCase.checkGradient(
        "dL/dlogσ²", got.logVariance, equals: expected.logVariance, at: c.logVariance,
        along: c.logVarianceDirection, loss: { c.loss(mean: c.mean, logVariance: $0) },
        mistakes: mistakes.map(\.logVariance), otherwise: ReparameterizationCase.logVarianceGradientAdvice,
        grader: &grader) else { return }
      grader.pass()
    }
    let t = ReparameterizationCase.timing
    try grader.time(t.name, yours: {
      _ = try submission.reparameterize(t.mean, t.logVariance, t.epsilon)
      _ = try submission.gaussianKL(t.mean, t.logVariance)
      _ = try submission.reparameterizationBackward(t.zGradient, t.epsilon, t.mean, t.logVariance, t.klScale)
    }, reference: {
      var rng = RNG(seed: t.seed)
      _ = Reparameterization.sampleReference(mean: t.mean, logVariance: t.logVariance, rng: &rng)
      _ = Reparameterization.klDivergenceReference(mean: t.mean, logVariance: t.logVariance,
                                                   samples: ReparameterizationCase.timingSamples, rng: &rng)
      _ = Reparameterization.backwardReference(zGradient: t.zGradient, epsilon: t.epsilon, mean: t.mean,
                                               logVariance: t.logVariance, klScale: t.klScale)
    }, optimized: {
      var rng = RNG(seed: t.seed)
      _ = Reparameterization.sample(mean: t.mean, logVariance: t.logVariance, rng: &rng)
      _ = Reparameterization.klDivergence(mean: t.mean, logVariance: t.logVariance)
      _ = Reparameterization.backward(zGradient: t.zGradient, epsilon: t.epsilon, mean: t.mean,
                                      logVariance: t.logVariance, klScale: t.klScale)
    })
  }
}

/// One reparameterization question: μ, logσ², the ε that draws z, dz = dL/dz and klScale.
struct ReparameterizationCase {
  /// How a tensor of a case is filled.
  enum Fill {
    case zero
    /// Uniform in [−a, a).
    case uniform(Float)
    /// Normal with standard deviation s.
    case normal(Float)
    case constant(Float)
    /// Uniform in [−a, a) with the first element a and the last −a: both extremes present.
    case bothEnds(Float)

    func tensor(_ shape: [Int], _ inputs: inout CaseInputs) -> Tensor {
      switch self {
      case .zero: return Tensor(zeros: shape)
      case .uniform(let a): return Tensor(shape: shape, data: inputs.uniform(shape).data.map { a * $0 })
      case .normal(let s): return Tensor(shape: shape, data: inputs.normal(shape).data.map { s * $0 })
      case .constant(let c): return Tensor(shape: shape, repeating: c)
      case .bothEnds(let a):
        var values = inputs.uniform(shape).data.map { a * $0 }
        values[0] = a
        values[values.count - 1] = -a
        return Tensor(shape: shape, data: values)
      }
    }

    func describe(_ symbol: String) -> String {
      let number = ReparameterizationCase.number
      switch self {
      case .zero: return "\(symbol) = 0"
      case .uniform(let a): return "\(symbol) in [−\(number(a)), \(number(a)))"
      case .normal(let s): return "\(symbol) ~ 𝒩(0, \(number(s))²)"
      case .constant(let c): return "\(symbol) = \(number(c))"
      case .bothEnds(let a): return "\(symbol) in [−\(number(a)), \(number(a))] with both ends"
      }
    }

  }

  /// 5, −5, 0.25: whole numbers without ".0", negative ones with a minus sign.
  static func number(_ value: Float) -> String {
    let digits = value == value.rounded() ? String(Int(abs(value))) : String(abs(value))
    return (value < 0 ? "−" : "") + digits
  }

  var mean: Tensor
  var logVariance: Tensor
  var zGradient: Tensor
  var klScale: Float
  /// The seed of the generator that draws ε: `sample` and `sampleReference` draw the same ε from it.
  var seed: UInt64
  /// ε and z = μ + σ·ε, both from the library's `Reparameterization.sample`.
  var epsilon: Tensor
  var z: Tensor
  /// The random directions of the finite-difference checks.
  var meanDirection: Tensor
  var logVarianceDirection: Tensor
  var name: String

  init(n: Int, d: Int, mean meanFill: Fill, logVariance logVarianceFill: Fill, klScale: Float, seed: UInt64,
       inputs: inout CaseInputs) {
    mean = meanFill.tensor([n, d], &inputs)
    logVariance = logVarianceFill.tensor([n, d], &inputs)
    zGradient = inputs.uniform([n, d])
    meanDirection = Self.direction([n, d], &inputs)
    logVarianceDirection = Self.direction([n, d], &inputs)
    self.klScale = klScale
    self.seed = seed
    var rng = RNG(seed: seed)
    (z, epsilon) = Reparameterization.sample(mean: mean, logVariance: logVariance, rng: &rng)
    name = "\(n)×\(d), \(meanFill.describe("μ")), \(logVarianceFill.describe("logσ²")), klScale \(Self.number(klScale))"
  }

  /// A direction for the finite differences: every component between 0.5 and 1 in size,
  /// with a random sign, so that no element's gradient is left almost unchecked.
  static func direction(_ shape: [Int], _ inputs: inout CaseInputs) -> Tensor {
    Tensor(shape: shape, data: inputs.uniform(shape).data.map { $0 < 0 ? $0 / 2 - 0.5 : $0 / 2 + 0.5 })
  }

  /// The awkward ones first: a single number, zero means, logσ² at ±5 (σ from 0.08 to 12,
  /// σ² from 0.007 to 148), then larger batches and a β-VAE weight. No klScale is 0.5: there
  /// a KL gradient without its ½ and one without klScale give the same numbers.
  static func all(seed: UInt64) -> [ReparameterizationCase] {
    var inputs = CaseInputs(seed: seed)
    let settings: [(Int, Int, Fill, Fill, Float)] = [
      (1, 1, .uniform(1), .uniform(1), 1),
      (2, 3, .zero, .uniform(1), 0.25),
      (4, 8, .normal(1), .uniform(2), 0.25),
      (3, 5, .uniform(1), .bothEnds(5), 1),
      (2, 4, .uniform(2), .constant(5), 0.1),
      (2, 4, .zero, .constant(-5), 0.1),
      (8, 2, .normal(2), .uniform(1), 4),
      (16, 10, .normal(1), .uniform(3), 1 / 16),
    ]
    return settings.enumerated().map { index, setting in
      let (n, d, meanFill, logVarianceFill, klScale) = setting
      return ReparameterizationCase(n: n, d: d, mean: meanFill, logVariance: logVarianceFill, klScale: klScale,
                                    seed: seed << 8 + UInt64(index), inputs: &inputs)
    }
  }

  /// The case the three implementations are timed on: a batch of 64 latents of 32 numbers.
  static let timing: ReparameterizationCase = {
    var inputs = CaseInputs(seed: 0x75)
    return ReparameterizationCase(n: 64, d: 32, mean: .normal(1), logVariance: .uniform(2), klScale: 1 / 64,
                                  seed: 0x7500, inputs: &inputs)
  }()

  /// The Monte-Carlo draws per item of the reference twin's KL in the timing (its error
  /// shrinks like 1/√samples; the closed form has none).
  static let timingSamples = 16

  /// L = ⟨dz, z⟩ + klScale·Σ_n KL_n at (μ, logσ²), from the library's forward code alone:
  /// z from `sampleReference` with a generator in the state that drew this case's ε (so the
  /// same ε, whatever μ and logσ² are), the KL by its closed form. The Monte-Carlo KL of the
  /// reference twin would not do: its draws make it a different function of μ and logσ².
  func loss(mean: Tensor, logVariance: Tensor) -> Double {
    var rng = RNG(seed: seed)
    let z = Reparameterization.sampleReference(mean: mean, logVariance: logVariance, rng: &rng).z
    let kl = Reparameterization.klDivergence(mean: mean, logVariance: logVariance)
    return dot(zGradient, z) + Double(klScale) * kl.reduce(0, +)
  }

  /// Checks one gradient of a scalar loss in two ways. First by finite differences: the
  /// student's ⟨gradient, v⟩ must match the central difference of `loss` along the
  /// direction v (the loss computed only with the library's forward code). Then element by
  /// element against the library's backward, which also catches an error that happens to
  /// cancel along v. A failure names the worst element and the hint of the mistake the
  /// student's gradient matches. Returns whether the gradient is right.
  static func checkGradient(_ what: String, _ got: Tensor, equals expected: Tensor, at point: Tensor,
                            along direction: Tensor, loss: (Tensor) -> Double, mistakes: [Mistake],
                            otherwise: String, grader: inout Grader) -> Bool {
    // The central difference is exact up to O(h²)·(third derivative) and the Float rounding
    // of the forward pass divided by 2h: a few 10⁻⁴ of the directional derivative's size.
    // An error too small for this tolerance is still caught element by element.
    return grader.expectGradient(what, got, equals: expected, along: direction,
                                 numeric: directionalDerivative(at: point, along: direction, loss),
                                 absolute: 1e-3, relative: 1e-3, source: "the reference forward pass",
                                 mistakes: mistakes, otherwise: otherwise)
  }

  static let sampleAdvice = "compare with z = μ + σ·ε element by element, with σ = exp(½·logσ²) and the ε you are "
    + "given (do not draw a new one)"
  static let klAdvice = "compare with KL_n = −½ Σ_d (1 + logσ²[n,d] − μ[n,d]² − exp(logσ²[n,d])): one value per row "
    + "n, summed over the D columns d"
  static let meanGradientAdvice = "dL/dμ = dz + klScale·μ element by element: z = μ + σ·ε gives dz/dμ = 1, and the "
    + "KL gives dKL/dμ = μ"
  static let logVarianceGradientAdvice = "dL/dlogσ² = dz·½σ·ε + klScale·½(σ² − 1) element by element, with "
    + "σ = exp(½·logσ²): dz/dlogσ² = ε·dσ/dlogσ² = ½σ·ε, and the KL gives dKL/dlogσ² = ½(σ² − 1)"

  /// z with σ computed from logσ² by `deviation`, and μ added or not.
  func sample(deviation: (Float) -> Float, addMean: Bool = true) -> Tensor {
    Tensor(shape: mean.shape, data: (0..<mean.count).map { i in
      (addMean ? mean.data[i] : 0) + deviation(logVariance.data[i]) * epsilon.data[i]
    })
  }

  /// The answers the common mistakes give for z.
  var sampleMistakes: [Mistake] {
    [
      Mistake("the forgotten ½: σ = exp(½·logσ²) — the encoder predicts the log of the variance σ², so exp(logσ²) "
              + "is σ², and the ½ takes its square root") { sample(deviation: { exp($0) }) },
      Mistake("logσ² is not σ: it is the log of the variance, so σ = exp(½·logσ²)") { sample(deviation: { $0 }) },
      Mistake("the mean is missing: z = μ + σ·ε") { sample(deviation: { exp(0.5 * $0) }, addMean: false) },
    ]
  }

  /// KL_n computed with a mistake switched on: `sign` is the factor in front of ½ (−1 is
  /// right), `half` whether the ½ is there, `variance` the term that should be σ², `one`
  /// whether the 1 is there, `average` whether the sum over D is divided by D.
  func kl(sign: Double = -1, half: Bool = true, variance: (Double) -> Double = { exp($0) }, one: Bool = true,
          average: Bool = false) -> [Double] {
    let (n, d) = (mean.shape[0], mean.shape[1])
    return (0..<n).map { row in
      var sum = 0.0
      for column in 0..<d {
        let m = Double(mean.data[row * d + column]), lv = Double(logVariance.data[row * d + column])
        sum += (one ? 1 : 0) + lv - m * m - variance(lv)
      }
      return sign * (half ? 0.5 : 1) * sum / (average ? Double(d) : 1)
    }
  }

  /// The answers the common mistakes give for the KL.
  var klMistakes: [(hint: String, result: () -> [Double]?)] {
    func mistake(_ hint: String, _ result: @escaping () -> [Double]) -> (hint: String, result: () -> [Double]?) {
      (hint, result)
    }
    let perRow = "one KL per row: return N values, each the sum over that row's D dimensions"
    return [
      mistake("the KL's sign: KL_n = −½ Σ_d (1 + logσ² − μ² − σ²) — the minus in front of the ½ applies to the "
              + "whole sum, and a KL is never negative") { kl(sign: 1) },
      mistake("the KL lost its ½: KL_n = −½ Σ_d (1 + logσ² − μ² − σ²)") { kl(half: false) },
      mistake("the KL is averaged over D: sum the D terms of each row, do not divide by D") { kl(average: true) },
      mistake("the σ² term is σ: in −½ Σ_d (1 + logσ² − μ² − σ²) the last term is the variance σ² = exp(logσ²), "
              + "not σ = exp(½·logσ²)") { kl(variance: { exp(0.5 * $0) }) },
      mistake("the 1 is missing: KL_n = −½ Σ_d (1 + logσ² − μ² − σ²), one 1 per latent dimension") { kl(one: false) },
      mistake(perRow + ", not one number for the whole batch") { [kl().reduce(0, +)] },
      mistake(perRow + ", not one per element") { klPerElement() },
    ]
  }

  /// −½(1 + logσ² − μ² − σ²) for every element, not summed.
  func klPerElement() -> [Double] {
    (0..<mean.count).map { i in
      let m = Double(mean.data[i]), lv = Double(logVariance.data[i])
      return -0.5 * (1 + lv - m * m - exp(lv))
    }
  }

  /// What the decoder's part dz·dz/dlogσ² becomes: right (½σ·ε) or with a factor missing.
  enum DecoderFactor { case right, withoutHalf, epsilonOnly, none }

  /// (dL/dμ, dL/dlogσ²) computed with a mistake switched on.
  func backward(decoder: DecoderFactor = .right, deviation: (Float) -> Float = { exp(0.5 * $0) },
                klSign: Float = 1, klHalf: Bool = true, klWeight: Float? = nil, klOne: Bool = true,
                klVariance: ((Float) -> Float)? = nil) -> (mean: Tensor, logVariance: Tensor) {
    let weight = klWeight ?? klScale
    var meanGradient = [Float](repeating: 0, count: mean.count)
    var logVarianceGradient = [Float](repeating: 0, count: mean.count)
    for i in 0..<mean.count {
      let sigma = deviation(logVariance.data[i])
      let variance = klVariance?(logVariance.data[i]) ?? sigma * sigma
      let (dz, e) = (zGradient.data[i], epsilon.data[i])
      let decoderPart: Float
      switch decoder {
      case .right: decoderPart = dz * 0.5 * sigma * e
      case .withoutHalf: decoderPart = dz * sigma * e
      case .epsilonOnly: decoderPart = dz * e
      case .none: decoderPart = dz
      }
      let half: Float = klHalf ? 0.5 : 1
      meanGradient[i] = dz + weight * klSign * 2 * half * mean.data[i]
      logVarianceGradient[i] = decoderPart + weight * klSign * half * (variance - (klOne ? 1 : 0))
    }
    return (Tensor(shape: mean.shape, data: meanGradient), Tensor(shape: mean.shape, data: logVarianceGradient))
  }

  /// The answers the common mistakes give for both gradients (each `expect` takes its half).
  var backwardMistakes: [(mean: Mistake, logVariance: Mistake)] {
    let cases: [(String, () -> (mean: Tensor, logVariance: Tensor))] = [
      ("dlogσ² is missing the ½: dz/dlogσ² = ε·dσ/dlogσ², and σ = exp(½·logσ²) gives dσ/dlogσ² = ½σ, so the "
       + "decoder's part is dz·½σ·ε", { backward(decoder: .withoutHalf) }),
      ("dlogσ² is missing the ½·σ factor: dz/dlogσ² = ε·dσ/dlogσ² = ½σ·ε (chain rule through σ = exp(½·logσ²)), "
       + "so the decoder's part is dz·½σ·ε, not dz·ε", { backward(decoder: .epsilonOnly) }),
      ("dlogσ² is missing the ½·σ·ε factor: z = μ + σ·ε depends on logσ² through σ, so the decoder's part is "
       + "dz·½σ·ε, not dz", { backward(decoder: .none) }),
      ("the forgotten ½ in the backward: σ = exp(½·logσ²), not exp(logσ²)", { backward(deviation: { exp($0) }) }),
      ("the KL's sign in the gradient: KL = −½ Σ (1 + logσ² − μ² − σ²) gives dKL/dμ = +μ and dKL/dlogσ² = "
       + "+½(σ² − 1); add klScale times them", { backward(klSign: -1) }),
      ("the KL's gradient is missing: add klScale·μ to dL/dμ and klScale·½(σ² − 1) to dL/dlogσ²",
       { backward(klWeight: 0) }),
      ("klScale is missing: the KL's gradients are weighted by klScale (dL/dμ = dz + klScale·μ, dL/dlogσ² = … + "
       + "klScale·½(σ² − 1))", { backward(klWeight: 1) }),
      ("the KL's gradient lost its ½: the derivatives of −½(1 + logσ² − μ² − σ²) are μ and ½(σ² − 1), not 2μ and "
       + "σ² − 1", { backward(klHalf: false) }),
      ("the −1 is missing in dKL/dlogσ² = ½(σ² − 1): it is the derivative of the −½·logσ² term",
       { backward(klOne: false) }),
      ("the σ² term is σ: dKL/dlogσ² = ½(σ² − 1) with the variance σ² = exp(logσ²), not ½(σ − 1)",
       { backward(klVariance: { exp(0.5 * $0) }) }),
    ]
    return cases.map { hint, result in
      (Mistake(hint) { result().mean }, Mistake(hint) { result().logVariance })
    }
  }
}
