// Exercise 06 — the GAN losses from logits and their gradients, checked against the
// stable logits twin (GANLoss.discriminatorLoss, GANLoss.generatorLoss): the reference
// twin goes through probabilities and gives inf or NaN at the large logits the cases include.
import ExerciseSupport
import GANLoss

extension Catalog {
  static let ganLoss = Exercise(
    id: "06", folder: "06-GANLoss", title: "Stable GAN losses from logits", lesson: "lesson 06"
  ) { submission, grader in
    let cases = GANLossCase.all(seed: 0x06)
    // The discriminator first, then the generator: a student who has written only the
    // first sees its cases pass before "not implemented".
    for c in cases {
      grader.begin("discriminator, " + c.name)
      let got = try submission.discriminatorLoss(c.real, c.fake)
      let expected = GANLoss.discriminatorLoss(realLogits: c.real, fakeLogits: c.fake)
      guard grader.expect("L_D", [got.value], equals: [expected.value], mistakes: c.discriminatorValueMistakes,
                          otherwise: GANLossCase.advice(finite: got.value.isFinite)) else { return }
      guard GANLossCase.checkGradient(
        "dL_D/dl_real", got.real, equals: expected.realGradient, logits: c.real, direction: c.realDirection,
        loss: c.moderate ? { GANLoss.discriminatorRealLoss(realLogits: $0).value } : nil,
        mistakes: c.realGradientMistakes, grader: &grader) else { return }
      guard GANLossCase.checkGradient(
        "dL_D/dl_fake", got.fake, equals: expected.fakeGradient, logits: c.fake, direction: c.fakeDirection,
        loss: c.moderate ? { GANLoss.discriminatorFakeLoss(fakeLogits: $0).value } : nil,
        mistakes: c.fakeGradientMistakes, grader: &grader) else { return }
      grader.pass()
    }
    for c in cases {
      grader.begin("generator, " + c.fakeName)
      let got = try submission.generatorLoss(c.fake)
      let expected = GANLoss.generatorLoss(fakeLogits: c.fake, objective: .nonSaturating)
      guard grader.expect("L_G", [got.value], equals: [expected.value], mistakes: c.generatorValueMistakes,
                          otherwise: GANLossCase.advice(finite: got.value.isFinite)) else { return }
      guard GANLossCase.checkGradient(
        "dL_G/dl_fake", got.fake, equals: expected.fakeGradient, logits: c.fake, direction: c.fakeDirection,
        loss: c.moderate ? { GANLoss.generatorLoss(fakeLogits: $0, objective: .nonSaturating).value } : nil,
        mistakes: c.generatorGradientMistakes, grader: &grader) else { return }
      grader.pass()
    }
    // Timed at moderate logits, where the reference twin (through probabilities) is finite.
    let t = GANLossCase.timing
    try grader.time("both losses, real \(t.real.shape), fake \(t.fake.shape)", yours: {
      _ = try submission.discriminatorLoss(t.real, t.fake)
      _ = try submission.generatorLoss(t.fake)
    }, reference: {
      _ = GANLoss.discriminatorLossReference(realLogits: t.real, fakeLogits: t.fake)
      _ = GANLoss.generatorLossReference(fakeLogits: t.fake, objective: .nonSaturating)
    }, optimized: {
      _ = GANLoss.discriminatorLoss(realLogits: t.real, fakeLogits: t.fake)
      _ = GANLoss.generatorLoss(fakeLogits: t.fake, objective: .nonSaturating)
    })
  }
}

/// One question for both losses: the discriminator's logits on real and on generated items
/// (the generator's loss is asked on the generated ones), and the random directions of the
/// finite-difference check.
struct GANLossCase {
  var real: Tensor
  var fake: Tensor
  /// Moderate logits: the finite-difference check runs, where the gradient varies from
  /// element to element. At large |l| each element is 0 or ±1/N, which the element-wise
  /// comparison checks just as well.
  var moderate: Bool
  var description: String
  var realDirection: Tensor
  var fakeDirection: Tensor

  var name: String { "real \(real.shape), fake \(fake.shape), \(description)" }
  var fakeName: String { "fake \(fake.shape), \(description)" }

  /// Moderate logits on [N, 1] and [N] shapes with N_real ≠ N_fake, a single item, then the
  /// large ones where −log σ(l) computed through σ(l) is inf or NaN in Float: a discriminator
  /// confidently wrong on everything (±30 … ±100), a mix from −100 to 100 on both sides,
  /// and logits uniform in [−100, 100).
  static func all(seed: UInt64) -> [GANLossCase] {
    var inputs = CaseInputs(seed: seed)
    func scaled(_ t: Tensor, _ factor: Float) -> Tensor { Tensor(shape: t.shape, data: t.data.map { $0 * factor }) }
    func make(_ real: Tensor, _ fake: Tensor, moderate: Bool, _ description: String) -> GANLossCase {
      GANLossCase(real: real, fake: fake, moderate: moderate, description: description,
                  realDirection: inputs.normal(real.shape), fakeDirection: inputs.normal(fake.shape))
    }
    return [
      make(scaled(inputs.normal([8, 1]), 3), scaled(inputs.normal([5, 1]), 3), moderate: true,
           "moderate logits (normal, σ = 3)"),
      make(scaled(inputs.normal([6]), 1.5), scaled(inputs.normal([11]), 1.5), moderate: true,
           "moderate logits (normal, σ = 1.5)"),
      make(scaled(inputs.normal([1]), 2), scaled(inputs.normal([1]), 2), moderate: true, "a single item"),
      make(Tensor(shape: [4], data: [-30, -100, -45, -90]), Tensor(shape: [5], data: [30, 100, 45, 90, 20]),
           moderate: false, "logits ±20 … ±100, the discriminator confidently wrong"),
      make(Tensor(shape: [7, 1], data: [-100, -30, -2.5, 0, 3, 30, 100]),
           Tensor(shape: [8, 1], data: [100, 30, 1.5, 0, -4, -30, -100, 17]), moderate: false,
           "a mix of logits from −100 to 100"),
      make(scaled(inputs.uniform([16, 1]), 100), scaled(inputs.uniform([12]), 100), moderate: false,
           "logits uniform in [−100, 100)"),
    ]
  }

  /// The case the three implementations are timed on: moderate logits, where the reference
  /// twin is finite.
  static let timing: GANLossCase = {
    var inputs = CaseInputs(seed: 0x76)
    let real = inputs.normal([1024, 1]), fake = inputs.normal([1024, 1])
    return GANLossCase(real: real, fake: fake, moderate: true, description: "moderate logits",
                       realDirection: real, fakeDirection: fake)
  }()

  static let naiveHint = "your answer is not finite (inf or NaN) at large logits: in Float σ(l) rounds to 1 for "
    + "l ≳ 17 and to 0 for l ≲ −88, so log σ(l) or log(1 − σ(l)) is −∞, and a gradient through D = σ(l) gives ∞·0 = "
    + "NaN — work from the logits: −log σ(l) = softplus(−l), −log(1 − σ(l)) = softplus(l), with softplus(x) = "
    + "max(x, 0) + log1p(exp(−|x|)), and the gradients σ(l) − 1 and σ(l) directly"

  /// The hint when the answer matches no known mistake: the naive formula's when it is not finite.
  static func advice(finite: Bool) -> String {
    finite ? "compare with the README's equations term by term: each term is a mean over its own logits, "
      + "−log σ(l) = softplus(−l) for what should be called real, −log(1 − σ(l)) = softplus(l) for what should be "
      + "called fake, with softplus(x) = max(x, 0) + log1p(exp(−|x|))" : naiveHint
  }

  static let gradientAdvice = "compare with the README's gradients: dL_D/dl_real = (σ(l) − 1)/N_real, "
    + "dL_D/dl_fake = σ(l)/N_fake, dL_G/dl = (σ(l) − 1)/N, each with the shape of its logits"

  // The hints of the mistakes, shared by the value and the gradients they spoil.
  static let signHint = "the sign is wrong: the loss is the negative log-likelihood, −log σ(l) = softplus(−l) ≥ 0, "
    + "and its gradient is σ(l) − 1 for a real logit (raising it lowers the loss) and σ(l) for a fake one"
  static let generatorSignHint = "the sign is wrong: L_G = −(1/N) Σ log σ(l) = (1/N) Σ softplus(−l) ≥ 0, and its "
    + "gradient (σ(l) − 1)/N is negative (raising a fake's logit lowers the generator's loss)"
  static let sumHint = "the loss is a sum, not a mean: divide the real term by N_real and the fake term by N_fake "
    + "(their element counts), and the gradients too"
  static let generatorSumHint = "the loss is a sum, not a mean: divide by N, the number of fake logits "
    + "(the gradient too)"
  static let pooledMeanHint = "the two terms are averaged over N_real + N_fake items together: L_D is the mean of "
    + "the real term plus the mean of the fake term, each over its own count"
  static let fakeTargetHint = "the fake term has the real items' target: the discriminator should call generated "
    + "items fake (target 0), so their term is −log(1 − σ(l)) = softplus(l), gradient σ(l)/N_fake"
  static let swappedTargetsHint = "the targets are swapped: real items have target 1, −log σ(l) = softplus(−l), "
    + "generated items target 0, −log(1 − σ(l)) = softplus(l)"
  static let saturatingHint = "this is the saturating generator loss (1/N) Σ log(1 − σ(l)): the exercise asks for "
    + "the non-saturating −(1/N) Σ log σ(l) = (1/N) Σ softplus(−l), gradient (σ(l) − 1)/N"
  static let discriminatorTermHint = "this is the discriminator's fake term −log(1 − σ(l)): the generator wants its "
    + "fakes called real, so its loss is −(1/N) Σ log σ(l) = (1/N) Σ softplus(−l), gradient (σ(l) − 1)/N"

  // The library's halves give every wrong answer: mean softplus(l) and σ(l)/N is
  // `discriminatorFakeLoss`, mean softplus(−l) and (σ(l) − 1)/N the non-saturating generator's.
  private func softplusMean(_ logits: Tensor) -> DiscriminatorHalf { GANLoss.discriminatorFakeLoss(fakeLogits: logits) }
  private func softplusOfNegativeMean(_ logits: Tensor) -> GeneratorLoss {
    GANLoss.generatorLoss(fakeLogits: logits, objective: .nonSaturating)
  }
  private var realCount: Double { Double(real.count) }
  private var fakeCount: Double { Double(fake.count) }

  var discriminatorValueMistakes: [(hint: String, result: () -> [Double]?)] {
    let realTerm = softplusOfNegativeMean(real).value, fakeTerm = softplusMean(fake).value
    return [
      (Self.signHint, { [-(realTerm + fakeTerm)] }),
      (Self.sumHint, { [realCount * realTerm + fakeCount * fakeTerm] }),
      (Self.pooledMeanHint, { [(realCount * realTerm + fakeCount * fakeTerm) / (realCount + fakeCount)] }),
      (Self.fakeTargetHint, { [realTerm + softplusOfNegativeMean(fake).value] }),
      (Self.swappedTargetsHint, { [softplusMean(real).value + softplusOfNegativeMean(fake).value] }),
    ]
  }

  var realGradientMistakes: [Mistake] {
    let right = softplusOfNegativeMean(real).fakeGradient
    return [
      Mistake(Self.signHint) { scaled(right, -1) },
      Mistake(Self.sumHint) { scaled(right, realCount) },
      Mistake(Self.pooledMeanHint) { scaled(right, realCount / (realCount + fakeCount)) },
      Mistake(Self.swappedTargetsHint) { softplusMean(real).gradient },
    ]
  }

  var fakeGradientMistakes: [Mistake] {
    let right = softplusMean(fake).gradient
    return [
      Mistake(Self.signHint) { scaled(right, -1) },
      Mistake(Self.sumHint) { scaled(right, fakeCount) },
      Mistake(Self.pooledMeanHint) { scaled(right, fakeCount / (realCount + fakeCount)) },
      Mistake(Self.fakeTargetHint) { softplusOfNegativeMean(fake).fakeGradient },
    ]
  }

  var generatorValueMistakes: [(hint: String, result: () -> [Double]?)] {
    let right = softplusOfNegativeMean(fake).value
    return [
      (Self.generatorSignHint, { [-right] }),
      (Self.generatorSumHint, { [fakeCount * right] }),
      (Self.saturatingHint, { [-softplusMean(fake).value] }),
      (Self.discriminatorTermHint, { [softplusMean(fake).value] }),
    ]
  }

  var generatorGradientMistakes: [Mistake] {
    let right = softplusOfNegativeMean(fake).fakeGradient
    return [
      Mistake(Self.generatorSignHint) { scaled(right, -1) },
      Mistake(Self.generatorSumHint) { scaled(right, fakeCount) },
      Mistake(Self.saturatingHint) { scaled(softplusMean(fake).gradient, -1) },
      Mistake(Self.discriminatorTermHint) { softplusMean(fake).gradient },
    ]
  }

  private func scaled(_ t: Tensor, _ factor: Double) -> Tensor {
    Tensor(shape: t.shape, data: t.data.map { Float(Double($0) * factor) })
  }

  /// Checks one gradient: first the finite-difference check (when `loss`, the library's
  /// value of the term this gradient belongs to, is given): ⟨got, v⟩ must be the loss's
  /// rate of change along the random direction v. Then element by element against the
  /// logits twin's. A failure's hint is the first mistake the gradient matches, else the
  /// naive formula's when it is not finite, else the general advice.
  static func checkGradient(_ what: String, _ got: Tensor, equals expected: Tensor,
                            logits: Tensor, direction: Tensor, loss: ((Tensor) -> Double)?, mistakes: [Mistake], grader: inout Grader) -> Bool {
    let otherwise = !got.data.allSatisfy(\.isFinite) ? naiveHint
      : got.shape != expected.shape ? "the gradient must have the shape of its logits, \(expected.shape)"
      : gradientAdvice
    if let loss {
      // The central difference with h = 10⁻² is exact up to h²/6 times the third derivative
      // (|σ''| ≤ 0.1) and the Float rounding of the loss's terms divided by 2h: well below
      // 10⁻³ of the directional derivative's size.
      return grader.expectGradient(what, got, equals: expected, along: direction,
                                   numeric: directionalDerivative(at: logits, along: direction, loss),
                                   absolute: 1e-4, relative: 1e-3, source: "the library's loss",
                                   mistakes: mistakes, otherwise: otherwise)
    }
    return grader.expect(what, got, equals: expected, mistakes: mistakes, otherwise: otherwise)
  }
}
