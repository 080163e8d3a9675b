import Core
import NN
import Testing
import TestSupport

/// A parameter with the given value and gradient.
private func parameter(_ value: [Float], gradient: [Float]? = nil) -> Parameter {
  let p = Parameter(Tensor(shape: [value.count], data: value))
  if let gradient { p.gradient = Tensor(shape: [gradient.count], data: gradient) }
  return p
}

/// Float32 results of a few hand-written operations.
private let close = Tolerance(atol: 1e-6, rtol: 1e-6)

@Suite struct SGDOptimizerTests {
  @Test func plainStepByHand() {
    // θ = [1, −2], g = [0.5, 1], lr = 0.1:  θ − 0.1·g = [0.95, −2.1].
    let w = parameter([1, -2], gradient: [0.5, 1])
    let sgd = SGD(parameters: [("w", w)], learningRate: 0.1)
    sgd.step()
    expectClose(w.value.data, [0.95, -2.1], close)
    #expect(sgd.stepCount == 1)
    #expect(sgd.state.isEmpty)
    // The gradient is left alone (the caller zeroes it).
    #expect(w.gradient.data == [0.5, 1])
  }

  @Test func weightDecayByHand() {
    // g' = g + 0.1·θ = [0.5 + 0.1, 1 − 0.2] = [0.6, 0.8];  θ − 0.1·g' = [0.94, −2.08].
    let w = parameter([1, -2], gradient: [0.5, 1])
    let sgd = SGD(parameters: [("w", w)], learningRate: 0.1, weightDecay: 0.1)
    sgd.step()
    expectClose(w.value.data, [0.94, -2.08], close)
    #expect(w.gradient.data == [0.5, 1])
  }

  @Test func momentumByHand() {
    // momentum 0.9, lr 0.1, θ₀ = [0, 0].
    // step 1, g = [1, −1]:  buf = g = [1, −1];                     θ₁ = [−0.1, 0.1]
    // step 2, g = [1,  2]:  buf = 0.9·[1, −1] + [1, 2] = [1.9, 1.1]; θ₂ = θ₁ − 0.1·buf = [−0.29, −0.01]
    let w = parameter([0, 0], gradient: [1, -1])
    let sgd = SGD(parameters: [("w", w)], learningRate: 0.1, momentum: 0.9)
    sgd.step()
    expectClose(w.value.data, [-0.1, 0.1], close)
    w.gradient = Tensor(shape: [2], data: [1, 2])
    sgd.step()
    expectClose(w.value.data, [-0.29, -0.01], close)
    #expect(sgd.state.map(\.name) == ["momentum.w"])
    expectClose(sgd.state[0].tensor.data, [1.9, 1.1], close)
  }

  @Test func missingMomentumIsNamed() {
    let sgd = SGD(parameters: [("w", parameter([0, 0]))], learningRate: 0.1, momentum: 0.9)
    #expect(throws: OptimizerStateError.missing(name: "momentum.w")) {
      try sgd.loadState(["m.w": Tensor(zeros: [2])])
    }
  }
}

@Suite struct AdamOptimizerTests {
  @Test func firstTwoStepsByHand() {
    // lr 0.1, β1 0.9, β2 0.999, ε 1e-8, θ₀ = [1, 1, 1].
    // Step 1, g₁ = [1, 2, −1]: m = 0.1·g₁, v = 0.001·g₁²; the corrections divide by 0.1 and
    //   0.001, so m̂ = g₁, v̂ = g₁², and the step is lr·g/(|g| + ε) ≈ 0.1·sign(g):
    //   θ₁ = [0.9, 0.9, 1.1].
    // Step 2, g₂ = [1, −2, 3]: 1 − β1² = 0.19, 1 − β2² = 0.001999.
    //   m = 0.09·g₁ + 0.1·g₂ = [0.19, −0.02, 0.21]       m̂ = m/0.19 = [1, −0.1052632, 1.1052632]
    //   v = 0.000999·g₁² + 0.001·g₂² = [0.001999, 0.007996, 0.009999]
    //                                                    v̂ = v/0.001999 = [1, 4, 5.002001]
    //   step = 0.1·m̂/(√v̂ + ε) = [0.1, −0.1052632·0.1/2, 0.1·1.1052632/2.2365154]
    //        = [0.1, −0.0052632, 0.0494190]
    //   θ₂ = θ₁ − step = [0.8, 0.9052632, 1.0505810].
    let w = parameter([1, 1, 1], gradient: [1, 2, -1])
    let adam = Adam(parameters: [("w", w)], learningRate: 0.1)
    adam.step()
    expectClose(w.value.data, [0.9, 0.9, 1.1], close, "step 1")
    w.gradient = Tensor(shape: [3], data: [1, -2, 3])
    adam.step()
    expectClose(w.value.data, [0.8, 0.905263158, 1.050581016], close, "step 2")
    #expect(adam.stepCount == 2)
    #expect(adam.state.map(\.name) == ["m.w", "v.w"])
    expectClose(adam.state[0].tensor.data, [0.19, -0.02, 0.21], close, "m")
    expectClose(adam.state[1].tensor.data, [0.001999, 0.007996, 0.009999], close, "v")
  }

  /// θ after each of 5 steps, from optax 0.2.8 (jax 0.10.2) in float64 (`jax_enable_x64`):
  ///
  ///     theta = jnp.array([0.5, -1.0, 2.0], dtype=jnp.float64)
  ///     opt = optax.adam(**settings); st = opt.init(theta)
  ///     for g in gradients: u, st = opt.update(jnp.array(g, jnp.float64), st, theta); theta = optax.apply_updates(theta, u)
  ///
  /// printing each θ, cast to float32, with repr(float(x)). The same run in float32 differs from
  /// these by up to 2e-6 (at step 5 of the first case): optax computes 1 − β2ᵗ in float32, which
  /// cancels badly for β2 = 0.999 (≈ 1e-5 relative error); this Adam computes it in Double.
  static let optaxGradients: [[Float]] = [
    [0.1, -0.2, 0.3], [0.4, 0.0, -0.5], [-0.3, 0.2, 0.1], [0.05, -1.5, 2.0], [0.2, 0.3, -0.1],
  ]

  struct OptaxCase: Sendable, CustomTestStringConvertible {
    var learningRate: Float, beta1: Float, beta2: Float, epsilon: Float
    var expected: [[Float]]
    var testDescription: String { "lr \(learningRate), β1 \(beta1), β2 \(beta2), ε \(epsilon)" }
  }

  static let optaxCases: [OptaxCase] = [
    // optax.adam(learning_rate=0.1)
    OptaxCase(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, expected: [
      [0.4000000059604645, -0.8999999761581421, 1.899999976158142],
      [0.31156235933303833, -0.8329941630363464, 1.9293560981750488],
      [0.2938915193080902, -0.8415809273719788, 1.9409170150756836],
      [0.27380988001823425, -0.7857745885848999, 1.8878694772720337],
      [0.23814208805561066, -0.7500168681144714, 1.8456977605819702],
    ]),
    // optax.adam(learning_rate=0.05, b1=0.8, b2=0.99, eps=1e-3)
    OptaxCase(learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-3, expected: [
      [0.45049506425857544, -0.9502487778663635, 1.95016610622406],
      [0.40501877665519714, -0.9189643263816833, 1.9676196575164795],
      [0.3992004990577698, -0.9279442429542542, 1.9740874767303467],
      [0.3914746046066284, -0.8962036371231079, 1.9432411193847656],
      [0.3737536370754242, -0.8780611157417297, 1.920567274093628],
    ]),
  ]

  @Test(arguments: optaxCases)
  func matchesOptax(_ c: OptaxCase) {
    let w = parameter([0.5, -1, 2])
    let adam = Adam(parameters: [("w", w)], learningRate: c.learningRate, beta1: c.beta1,
                    beta2: c.beta2, epsilon: c.epsilon)
    for (step, gradient) in Self.optaxGradients.enumerated() {
      w.gradient = Tensor(shape: [3], data: gradient)
      adam.step()
      // optax divides by √(v/(1−β2ᵗ)) where we multiply √v by 1/√(1−β2ᵗ), in float32: a few ulps apart.
      expectClose(w.value.data, c.expected[step], Tolerance(atol: 1e-7, rtol: 1e-6), "step \(step + 1)")
    }
  }

  @Test func minimisesAQuadratic() {
    // f(θ) = Σ aᵢ(θᵢ − cᵢ)², ∇f = 2a(θ − c); minimum at c, with curvatures 100× apart.
    let a: [Float] = [0.5, 5, 50], c: [Float] = [3, -1, 0.25]
    let w = parameter([0, 0, 0])
    let adam = Adam(parameters: [("w", w)], learningRate: 0.05)
    func loss() -> Float {
      var total: Float = 0
      for i in 0..<3 {
        let d = w.value.data[i] - c[i]
        total += a[i] * d * d
      }
      return total
    }
    let start = loss()
    for _ in 0..<2000 {
      w.gradient = Tensor(shape: [3], data: (0..<3).map { 2 * a[$0] * (w.value.data[$0] - c[$0]) })
      adam.step()
    }
    expectClose(w.value.data, c, Tolerance(atol: 1e-3, rtol: 0), "θ after 2000 steps vs the minimum")
    #expect(loss() < 1e-6 * start, "loss \(start) → \(loss())")
  }

  @Test func loadStateNamesTheBadTensor() throws {
    let adam = Adam(parameters: [("w", parameter([1, 2, 3])), ("b", parameter([0, 0]))])
    var tensors = Dictionary(uniqueKeysWithValues: adam.state.map { ($0.name, $0.tensor) })
    tensors["v.b"] = nil
    #expect(throws: OptimizerStateError.missing(name: "v.b")) { try adam.loadState(tensors) }
    tensors["v.b"] = Tensor(zeros: [2])
    tensors["m.w"] = Tensor(zeros: [3, 1])
    let error = #expect(throws: OptimizerStateError.self) { try adam.loadState(tensors) }
    #expect(error == .shapeMismatch(name: "m.w", expected: [3], found: [3, 1]))
    #expect(error?.description == "optimizer state m.w has shape [3, 1], the parameter needs [3]")
    tensors["m.w"] = Tensor(zeros: [3])
    try adam.loadState(tensors)
  }
}

/// Optimizer state round trips and thread counts. `Parallel.threadCount` is
/// process-wide, so this suite runs its tests one at a time.
@Suite(.serialized) struct ResumeOptimizerTests {
  /// Two parameters, one (33 000 elements) big enough to be cut into two parallel chunks of 32 768.
  static func makeParameters() -> [(name: String, parameter: Parameter)] {
    var rng = RNG(seed: 7)
    return [("0.weight", Parameter(Tensor.normal([110, 300], using: &rng))),
            ("0.bias", Parameter(Tensor.normal([300], using: &rng)))]
  }

  /// A deterministic gradient for `step`, different for every step and parameter.
  static func setGradients(_ parameters: [(name: String, parameter: Parameter)], step: Int) {
    for (index, (_, parameter)) in parameters.enumerated() {
      var rng = RNG(seed: 11, stream: UInt64(step * 16 + index + 1))
      parameter.gradient = Tensor.normal(parameter.value.shape, std: 0.1, using: &rng) + parameter.value * 0.01
    }
  }

  static let makers: [@Sendable ([(name: String, parameter: Parameter)]) -> any Optimizer] = [
    { Adam(parameters: $0, learningRate: 0.01) },
    { SGD(parameters: $0, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3) },
  ]

  @Test(arguments: 0..<2)
  func resumedRunIsBitIdentical(_ which: Int) throws {
    let make = Self.makers[which]
    // Six unbroken steps.
    let unbroken = Self.makeParameters()
    let straight = make(unbroken)
    for step in 0..<6 { Self.setGradients(unbroken, step: step); straight.step() }

    // Three steps, save, load into a fresh optimizer over fresh parameters, three more.
    let first = Self.makeParameters()
    let before = make(first)
    for step in 0..<3 { Self.setGradients(first, step: step); before.step() }
    let saved = Dictionary(uniqueKeysWithValues: before.state.map { ($0.name, $0.tensor) })
    let savedValues = first.map(\.parameter.value)
    let savedStepCount = before.stepCount

    let second = Self.makeParameters()
    for (p, value) in zip(second, savedValues) { p.parameter.value = value }
    let after = make(second)
    try after.loadState(saved)
    after.stepCount = savedStepCount
    for step in 3..<6 { Self.setGradients(second, step: step); after.step() }

    #expect(after.stepCount == 6)
    for (a, b) in zip(second, unbroken) {
      #expect(a.parameter.value == b.parameter.value, "\(a.name) differs after resume")
    }
    for (a, b) in zip(after.state, straight.state) {
      #expect(a.name == b.name && a.tensor == b.tensor, "state \(a.name) differs after resume")
    }
  }

  @Test(arguments: 0..<2)
  func sameNumbersOnOneAndTwoThreads(_ which: Int) {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    var results = [[Tensor]]()
    for threads in [1, 2] {
      Parallel.threadCount = threads
      let parameters = Self.makeParameters()
      let optimizer = Self.makers[which](parameters)
      for step in 0..<3 { Self.setGradients(parameters, step: step); optimizer.step() }
      results.append(parameters.map(\.parameter.value) + optimizer.state.map(\.tensor))
    }
    #expect(results[0] == results[1])
  }
}
