import Core
import Foundation
import GANLoss
import Testing
import TestSupport

// MARK: - Helpers

/// Seeded logits, uniform in `range`.
private func logits(_ shape: [Int], in range: Range<Float> = -8..<8, seed: UInt64) -> Tensor {
  var rng = RNG(seed: seed)
  return Tensor.uniform(shape, in: range, using: &rng)
}

/// The fake batch for a real batch of `shape`: same rank, two more items, so that a
/// mix-up of N_r and N_f cannot pass.
private func fakeShape(_ shape: [Int]) -> [Int] { [shape[0] + 2] + shape.dropFirst() }

/// Twin shapes: [N] and [N, 1], with N = 1 and odd N.
private let shapes: [[Int]] = [[1], [1, 1], [7], [7, 1], [33], [33, 1]]

/// The shared tolerance rule |a − e| ≤ atol + rtol·|e| for a Double value (a loss).
private func expectCloseValue(_ actual: Double, _ expected: Double, _ tolerance: Tolerance = .float32,
                              _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let difference = abs(actual - expected)
  let allowed = Double(tolerance.atol) + Double(tolerance.rtol) * abs(expected)
  #expect(difference <= allowed,
          "\(context): got \(actual), expected \(expected), |diff| \(difference) > tol \(allowed) (\(tolerance))",
          sourceLocation: sourceLocation)
}

/// The losses and gradients in Double, written by hand from the equations, stable at any logit.
private enum Oracle {
  static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }
  static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

  /// L_D = (1/N_r) Σ [t·softplus(−l) + (1 − t)·softplus(l)] + (1/N_f) Σ softplus(l)
  static func discriminatorLoss(real: [Double], fake: [Double], realTarget t: Double) -> Double {
    real.map { t * softplus(-$0) + (1 - t) * softplus($0) }.reduce(0, +) / Double(real.count)
      + fake.map(softplus).reduce(0, +) / Double(fake.count)
  }

  /// (σ(l) − t)/N_r and σ(l)/N_f
  static func discriminatorGradients(real: [Double], fake: [Double], realTarget t: Double) -> (real: [Float], fake: [Float]) {
    (real.map { Float((sigmoid($0) - t) / Double(real.count)) },
     fake.map { Float(sigmoid($0) / Double(fake.count)) })
  }

  /// saturating: (1/N) Σ log(1 − σ(l)) = −(1/N) Σ softplus(l);  nonSaturating: (1/N) Σ softplus(−l)
  static func generatorLoss(fake: [Double], objective: GeneratorObjective) -> Double {
    switch objective {
    case .saturating: return -fake.map(softplus).reduce(0, +) / Double(fake.count)
    case .nonSaturating: return fake.map { softplus(-$0) }.reduce(0, +) / Double(fake.count)
    }
  }

  /// −σ(l)/N or −σ(−l)/N
  static func generatorGradient(fake: [Double], objective: GeneratorObjective) -> [Float] {
    switch objective {
    case .saturating: return fake.map { Float(-sigmoid($0) / Double(fake.count)) }
    case .nonSaturating: return fake.map { Float(-sigmoid(-$0) / Double(fake.count)) }
    }
  }

  /// dL/dl[i] by central differences of `loss` in Double, step h.
  static func centralDifferences(_ x: [Double], h: Double = 1e-5, _ loss: ([Double]) -> Double) -> [Float] {
    x.indices.map { i in
      var plus = x, minus = x
      plus[i] += h; minus[i] -= h
      return Float((loss(plus) - loss(minus)) / (2 * h))
    }
  }
}

private func isFinite(_ t: Tensor) -> Bool { t.data.allSatisfy(\.isFinite) }
private func doubles(_ t: Tensor) -> [Double] { t.data.map(Double.init) }

// MARK: - The twins agree

@Suite struct GANLossTwinTests {
  @Test(arguments: shapes, [Float(1), 0.9])
  func discriminatorTwinsAgree(_ shape: [Int], _ realTarget: Float) {
    let real = logits(shape, seed: UInt64(shape.reduce(1, *) * 10 + shape.count))
    let fake = logits(fakeShape(shape), seed: UInt64(shape.reduce(1, *) * 10 + shape.count + 5))
    let reference = GANLoss.discriminatorLossReference(realLogits: real, fakeLogits: fake, realTarget: realTarget)
    let optimized = GANLoss.discriminatorLoss(realLogits: real, fakeLogits: fake, realTarget: realTarget)
    expectCloseValue(optimized.value, reference.value, .float32, "L_D, shape \(shape), t = \(realTarget)")
    expectClose(optimized.realGradient, reference.realGradient, .float32, "dL_D/dl real, shape \(shape), t = \(realTarget)")
    expectClose(optimized.fakeGradient, reference.fakeGradient, .float32, "dL_D/dl fake, shape \(fakeShape(shape)), t = \(realTarget)")
    #expect(optimized.realGradient.shape == shape && reference.realGradient.shape == shape)
    #expect(optimized.fakeGradient.shape == fake.shape && reference.fakeGradient.shape == fake.shape)
  }

  @Test(arguments: shapes, GeneratorObjective.allCases)
  func generatorTwinsAgree(_ shape: [Int], _ objective: GeneratorObjective) {
    let fake = logits(shape, seed: UInt64(shape.reduce(1, *) * 10 + shape.count + 7))
    let reference = GANLoss.generatorLossReference(fakeLogits: fake, objective: objective)
    let optimized = GANLoss.generatorLoss(fakeLogits: fake, objective: objective)
    expectCloseValue(optimized.value, reference.value, .float32, "L_G \(objective), shape \(shape)")
    expectClose(optimized.fakeGradient, reference.fakeGradient, .float32, "dL_G/dl \(objective), shape \(shape)")
    #expect(optimized.fakeGradient.shape == shape && reference.fakeGradient.shape == shape)
  }
}

// MARK: - Numbers from outside

@Suite struct GANLossOutsideTests {
  // Made with JAX 0.10.2 / optax 0.2.8 in float64 (jax_enable_x64), logits exact in Float:
  //   real = [2.5, -1.25, 0.0, 6.0];  fake = [-3.0, 0.75, 1.5]
  //   L_D = mean(optax.sigmoid_binary_cross_entropy(real, full_like(real, t)))
  //       + mean(optax.sigmoid_binary_cross_entropy(fake, zeros_like(fake)))
  //   saturating L_G = -mean(jax.nn.softplus(fake))          (= mean log(1 − sigmoid(fake)))
  //   nonSaturating L_G = mean(optax.sigmoid_binary_cross_entropy(fake, ones_like(fake)))
  //   gradients by jax.value_and_grad with respect to the logits.
  static let real: [Float] = [2.5, -1.25, 0.0, 6.0]
  static let fake: [Float] = [-3.0, 0.75, 1.5]
  static let tolerance = Tolerance(atol: 1e-6, rtol: 1e-5)

  @Test(arguments: [false, true])
  func discriminatorMatchesOptax(_ useReference: Bool) {
    let realLogits = Tensor(shape: [4, 1], data: Self.real), fakeLogits = Tensor(shape: [3, 1], data: Self.fake)
    let cases: [(t: Float, value: Double, real: [Float], fake: [Float])] = [
      (1, 1.5314009655576977,
       [-0.018964545005310886, -0.19432496529367277, -0.125, -0.0006181557891586938],
       [0.015808624392522258, 0.226392899725131, 0.2725248253978812]),
      (0.9, 1.7126509655576976,
       [0.006035454994689108, -0.16932496529367277, -0.1, 0.02438184421084131],
       [0.015808624392522258, 0.226392899725131, 0.2725248253978812]),
    ]
    let name = useReference ? "reference" : "logits"
    for expected in cases {
      let loss = useReference
        ? GANLoss.discriminatorLossReference(realLogits: realLogits, fakeLogits: fakeLogits, realTarget: expected.t)
        : GANLoss.discriminatorLoss(realLogits: realLogits, fakeLogits: fakeLogits, realTarget: expected.t)
      expectCloseValue(loss.value, expected.value, Self.tolerance, "\(name) L_D, t = \(expected.t)")
      expectClose(loss.realGradient.data, expected.real, Self.tolerance, "\(name) real gradient, t = \(expected.t)")
      expectClose(loss.fakeGradient.data, expected.fake, Self.tolerance, "\(name) fake gradient, t = \(expected.t)")
    }
  }

  @Test(arguments: [false, true])
  func generatorMatchesOptax(_ useReference: Bool) {
    let fakeLogits = Tensor(shape: [3], data: Self.fake)
    let cases: [(objective: GeneratorObjective, value: Double, gradient: [Float])] = [
      (.saturating, -0.9622905452237981, [-0.015808624392522258, -0.226392899725131, -0.2725248253978812]),
      (.nonSaturating, 1.212290545223798, [-0.3175247089408111, -0.10694043360820234, -0.060808507935452116]),
    ]
    let name = useReference ? "reference" : "logits"
    for expected in cases {
      let loss = useReference
        ? GANLoss.generatorLossReference(fakeLogits: fakeLogits, objective: expected.objective)
        : GANLoss.generatorLoss(fakeLogits: fakeLogits, objective: expected.objective)
      expectCloseValue(loss.value, expected.value, Self.tolerance, "\(name) L_G \(expected.objective)")
      expectClose(loss.fakeGradient.data, expected.gradient, Self.tolerance, "\(name) dL_G/dl \(expected.objective)")
    }
  }
}

// MARK: - Where the textbook breaks

/// Logits where σ(l) rounds to 0 or 1 in Float. `objective` nil: the discriminator's loss.
struct ExtremeCase: Sendable, CustomTestStringConvertible {
  var real: [Float]
  var fake: [Float]
  var realTarget: Float = 1
  var objective: GeneratorObjective? = nil
  var testDescription: String {
    objective.map { "generator \($0), fake \(fake)" } ?? "discriminator, real \(real), fake \(fake), t = \(realTarget)"
  }
}

@Suite struct GANLossOverflowTests {
  static let cases: [ExtremeCase] = [
    ExtremeCase(real: [100], fake: [0]),                         // t·log 1 + 0·log 0 = 0·(−∞) = NaN
    ExtremeCase(real: [100], fake: [0], realTarget: 0.9),        // 0.1·log(1 − 1) = −∞
    ExtremeCase(real: [-100], fake: [0]),                        // e^100 = ∞ in Float, D = 0, log 0
    ExtremeCase(real: [0.5], fake: [100]),                       // log(1 − 1) = −∞, gradient ∞·0
    ExtremeCase(real: [1e4, -1e4, 3], fake: [1e4, -1e4, -2]),
    ExtremeCase(real: [], fake: [100], objective: .saturating),  // log(1 − 1) = −∞
    ExtremeCase(real: [], fake: [-100, 2], objective: .nonSaturating),  // −log 0 = ∞
    ExtremeCase(real: [], fake: [1e4, -1e4], objective: .saturating),
    ExtremeCase(real: [], fake: [1e4, -1e4], objective: .nonSaturating),
  ]

  /// The reference gives inf or NaN; the logits twin stays finite and equals the losses and
  /// gradients computed in Double by hand (e.g. softplus(1e4) = 1e4, not ∞).
  @Test(arguments: cases)
  func referenceOverflowsLogitsTwinStaysExact(_ extreme: ExtremeCase) {
    let fake = Tensor(shape: [extreme.fake.count], data: extreme.fake)
    let fakeDouble = doubles(fake)
    if let objective = extreme.objective {
      let reference = GANLoss.generatorLossReference(fakeLogits: fake, objective: objective)
      #expect(!reference.value.isFinite || !isFinite(reference.fakeGradient),
              "the reference stayed finite: \(reference.value), \(reference.fakeGradient.data)")
      let optimized = GANLoss.generatorLoss(fakeLogits: fake, objective: objective)
      #expect(optimized.value.isFinite && isFinite(optimized.fakeGradient))
      expectCloseValue(optimized.value, Oracle.generatorLoss(fake: fakeDouble, objective: objective),
                       .float32, "L_G \(objective)")
      expectClose(optimized.fakeGradient.data, Oracle.generatorGradient(fake: fakeDouble, objective: objective),
                  .float32, "dL_G/dl \(objective)")
    } else {
      let real = Tensor(shape: [extreme.real.count, 1], data: extreme.real)
      let t = extreme.realTarget
      let reference = GANLoss.discriminatorLossReference(realLogits: real, fakeLogits: fake, realTarget: t)
      #expect(!reference.value.isFinite || !isFinite(reference.realGradient) || !isFinite(reference.fakeGradient),
              "the reference stayed finite: \(reference.value), \(reference.realGradient.data), \(reference.fakeGradient.data)")
      let optimized = GANLoss.discriminatorLoss(realLogits: real, fakeLogits: fake, realTarget: t)
      #expect(optimized.value.isFinite && isFinite(optimized.realGradient) && isFinite(optimized.fakeGradient))
      let realDouble = doubles(real)
      expectCloseValue(optimized.value,
                       Oracle.discriminatorLoss(real: realDouble, fake: fakeDouble, realTarget: Double(t)),
                       .float32, "L_D")
      let expected = Oracle.discriminatorGradients(real: realDouble, fake: fakeDouble, realTarget: Double(t))
      expectClose(optimized.realGradient.data, expected.real, .float32, "dL_D/dl real")
      expectClose(optimized.fakeGradient.data, expected.fake, .float32, "dL_D/dl fake")
    }
  }

  @Test func valuesByHandAtHugeLogits() {
    // softplus(1e4) = 1e4 exactly in Float, softplus(−1e4) = 0:
    //   real [1e4, −1e4], t = 1:  (softplus(−1e4) + softplus(1e4))/2 = 5000
    //   fake [−1e4]:              softplus(−1e4) = 0                → L_D = 5000
    //   gradients: real ((σ(1e4) − 1)/2, (σ(−1e4) − 1)/2) = (0, −0.5); fake σ(−1e4) = 0
    let loss = GANLoss.discriminatorLoss(realLogits: Tensor(shape: [2], data: [1e4, -1e4]),
                                         fakeLogits: Tensor(shape: [1], data: [-1e4]))
    #expect(loss.value == 5000)
    #expect(loss.realGradient.data == [0, -0.5] && loss.fakeGradient.data == [0])
  }
}

// MARK: - Gradients by central differences

@Suite struct GANLossGradientTests {
  /// Central differences in Double of the losses written by hand, against both twins. On
  /// [−8, 8] the reference must be finite everywhere; on [−40, 40] the logits twin must be,
  /// and the reference is checked only at the elements where it is finite.
  @Test(arguments: [Float(8), 40], [Float(1), 0.9])
  func discriminatorGradientsMatchCentralDifferences(_ bound: Float, _ realTarget: Float) {
    let real = logits([5, 1], in: -bound..<bound, seed: 41), fake = logits([6, 1], in: -bound..<bound, seed: 42)
    let r = doubles(real), f = doubles(fake), t = Double(realTarget)
    let numericReal = Oracle.centralDifferences(r) { Oracle.discriminatorLoss(real: $0, fake: f, realTarget: t) }
    let numericFake = Oracle.centralDifferences(f) { Oracle.discriminatorLoss(real: r, fake: $0, realTarget: t) }

    let optimized = GANLoss.discriminatorLoss(realLogits: real, fakeLogits: fake, realTarget: realTarget)
    expectCloseValue(optimized.value, Oracle.discriminatorLoss(real: r, fake: f, realTarget: t), .float32, "L_D")
    expectClose(optimized.realGradient.data, numericReal, .float32, "logits twin, real, |l| < \(bound), t = \(t)")
    expectClose(optimized.fakeGradient.data, numericFake, .float32, "logits twin, fake, |l| < \(bound), t = \(t)")

    let reference = GANLoss.discriminatorLossReference(realLogits: real, fakeLogits: fake, realTarget: realTarget)
    expectFiniteElementsClose(reference.realGradient.data, numericReal, requireAll: bound <= 8,
                              "reference, real, |l| < \(bound), t = \(t)")
    expectFiniteElementsClose(reference.fakeGradient.data, numericFake, requireAll: bound <= 8,
                              "reference, fake, |l| < \(bound), t = \(t)")
  }

  @Test(arguments: [Float(8), 40], GeneratorObjective.allCases)
  func generatorGradientsMatchCentralDifferences(_ bound: Float, _ objective: GeneratorObjective) {
    let fake = logits([7], in: -bound..<bound, seed: 43)
    let f = doubles(fake)
    let numeric = Oracle.centralDifferences(f) { Oracle.generatorLoss(fake: $0, objective: objective) }

    let optimized = GANLoss.generatorLoss(fakeLogits: fake, objective: objective)
    expectCloseValue(optimized.value, Oracle.generatorLoss(fake: f, objective: objective), .float32, "L_G")
    expectClose(optimized.fakeGradient.data, numeric, .float32, "logits twin, \(objective), |l| < \(bound)")

    let reference = GANLoss.generatorLossReference(fakeLogits: fake, objective: objective)
    expectFiniteElementsClose(reference.fakeGradient.data, numeric, requireAll: bound <= 8,
                              "reference, \(objective), |l| < \(bound)")
  }

  /// Compares the finite elements of `actual`; with `requireAll` every element must be finite.
  private func expectFiniteElementsClose(_ actual: [Float], _ expected: [Float], requireAll: Bool,
                                         _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let finite = actual.indices.filter { actual[$0].isFinite }
    if requireAll {
      #expect(finite.count == actual.count, "\(context): non-finite gradient \(actual)", sourceLocation: sourceLocation)
    }
    expectClose(finite.map { actual[$0] }, finite.map { expected[$0] }, .float32, context,
                sourceLocation: sourceLocation)
  }
}

// MARK: - What the losses teach

@Suite struct GANLossBehaviourTests {
  /// Early in training the discriminator rejects the fakes with confidence (logit −10,
  /// D = σ(−10) ≈ 4.5e-5). The saturating loss log(1 − D) is flat there: its gradient
  /// −σ(l)/N ≈ −4.5e-5/N. The non-saturating −log D is steep: (σ(l) − 1)/N ≈ −1/N, about
  /// 22 000 times larger, pushing the generator the same way.
  @Test(arguments: [false, true])
  func saturatingGradientVanishesAtAConfidentDiscriminator(_ useReference: Bool) {
    let count = 4
    let fake = Tensor(shape: [count, 1], repeating: -10)
    let loss = { (objective: GeneratorObjective) in
      useReference ? GANLoss.generatorLossReference(fakeLogits: fake, objective: objective)
                   : GANLoss.generatorLoss(fakeLogits: fake, objective: objective)
    }
    let saturating = loss(.saturating).fakeGradient.data
    let nonSaturating = loss(.nonSaturating).fakeGradient.data
    let sigmoidOfMinusTen = 1 / (1 + exp(10.0))                             // 4.5398e-5
    let n = Double(count)
    expectClose(saturating, [Float](repeating: Float(-sigmoidOfMinusTen / n), count: count),
                Tolerance(atol: 0, rtol: 1e-4), "saturating gradient ≈ −σ(−10)/N")
    expectClose(nonSaturating, [Float](repeating: Float(-(1 - sigmoidOfMinusTen) / n), count: count),
                Tolerance(atol: 0, rtol: 1e-5), "non-saturating gradient ≈ −1/N")
    for i in 0..<count {
      #expect(abs(saturating[i]) < 1e-4 / Float(count), "saturating gradient \(saturating[i]) is not tiny")
      #expect(nonSaturating[i] < -0.99 / Float(count), "non-saturating gradient \(nonSaturating[i]) is not ≈ −1/N")
      #expect(nonSaturating[i] / saturating[i] > 20_000, "ratio \(nonSaturating[i] / saturating[i])")
    }
  }

  /// With one-sided label smoothing the real items' gradient σ(l) − t vanishes at D = t = 0.9,
  /// i.e. at l = log(0.9/0.1) = ln 9, not only as l → ∞: the discriminator is not pushed
  /// to unbounded confidence. With t = 1 it is still pushing there.
  @Test func labelSmoothingStopsAtDEqualsTarget() {
    let real = Tensor(shape: [1], data: [Float(log(9.0))]), fake = Tensor(shape: [1], data: [0])
    for discriminatorLoss in [GANLoss.discriminatorLossReference, GANLoss.discriminatorLoss] {
      let smoothed = discriminatorLoss(real, fake, 0.9).realGradient.data[0]
      let hard = discriminatorLoss(real, fake, 1).realGradient.data[0]
      #expect(abs(smoothed) < 1e-6, "t = 0.9: gradient \(smoothed) at D = 0.9")
      #expect(abs(hard - -0.1) < 1e-6, "t = 1: gradient \(hard) at D = 0.9, expected −0.1")
    }
  }
}

/// The discriminator's loss is the sum of a real half and a fake half, each a
/// function of its own logits only; `Models.DCGAN` backpropagates them one at a time.
@Suite struct DiscriminatorHalvesTests {
  @Test(arguments: [Float(1), 0.9])
  func halvesAddUpToTheWholeLossInBothTwins(realTarget: Float) {
    var rng = RNG(seed: 11)
    let real = Tensor.uniform([7, 1], in: -6..<6, using: &rng)
    let fake = Tensor.uniform([9, 1], in: -6..<6, using: &rng)
    let whole = GANLoss.discriminatorLoss(realLogits: real, fakeLogits: fake, realTarget: realTarget)
    let realHalf = GANLoss.discriminatorRealLoss(realLogits: real, realTarget: realTarget)
    let fakeHalf = GANLoss.discriminatorFakeLoss(fakeLogits: fake)
    #expect(realHalf.value + fakeHalf.value == whole.value)
    #expect(realHalf.gradient == whole.realGradient && fakeHalf.gradient == whole.fakeGradient)
    let wholeReference = GANLoss.discriminatorLossReference(realLogits: real, fakeLogits: fake, realTarget: realTarget)
    let realReference = GANLoss.discriminatorRealLossReference(realLogits: real, realTarget: realTarget)
    let fakeReference = GANLoss.discriminatorFakeLossReference(fakeLogits: fake)
    #expect(realReference.value + fakeReference.value == wholeReference.value)
    #expect(realReference.gradient == wholeReference.realGradient)
    #expect(fakeReference.gradient == wholeReference.fakeGradient)
    // And the twins agree half by half.
    expectClose(realHalf.gradient, realReference.gradient)
    expectClose(fakeHalf.gradient, fakeReference.gradient)
    #expect(abs(realHalf.value - realReference.value) <= 1e-5 * abs(realReference.value) + 1e-6)
  }
}

@Suite struct MeanProbabilityTests {
  @Test func isTheMeanOfTheSigmoids() {
    // σ(0) = 1/2, σ(ln 3) = 3/4: mean 5/8.
    let value = GANLoss.meanProbability(Tensor(shape: [2, 1], data: [0, Float(log(3.0))]))
    #expect(abs(value - 0.625) < 1e-7)
  }
}
