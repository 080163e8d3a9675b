import Core
import NN
import Testing

/// y = a·x elementwise with one parameter `a` of shape [1] — small enough to
/// check Sequential's composition and naming by hand.
private final class Scale: Layer {
  let a: Parameter
  var input: Tensor?
  init(_ value: Float) { a = Parameter(Tensor(shape: [1], data: [value])) }
  func forward(_ input: Tensor, training: Bool) -> Tensor {
    self.input = input
    return input * a.value.data[0]
  }
  func backward(_ outputGradient: Tensor) -> Tensor {
    let x = input!
    a.gradient.data[0] += (outputGradient * x).sum()
    return outputGradient * a.value.data[0]
  }
  var parameters: [(name: String, parameter: Parameter)] { [("a", a)] }
}

@Suite struct SequentialTests {
  @Test func namesArePrefixedByPosition() {
    let model = Sequential(Scale(2), Scale(3))
    #expect(model.parameters.map(\.name) == ["0.a", "1.a"])
    #expect(model.parameterCount == 2)
  }

  @Test func chainRuleByHand() {
    // y = 3·(2·x); dL/dy = 1 → dL/dx = 6, dL/da0 = 3·Σx, dL/da1 = Σ 2x.
    let first = Scale(2), second = Scale(3)
    let model = Sequential(first, second)
    let x = Tensor(shape: [2], data: [1, 4])
    #expect(model.forward(x, training: true).data == [6, 24])
    let dx = model.backward(Tensor(shape: [2], repeating: 1))
    #expect(dx.data == [6, 6])
    #expect(first.a.gradient.data == [15])
    #expect(second.a.gradient.data == [10])
    model.zeroGradients()
    #expect(first.a.gradient.data == [0] && second.a.gradient.data == [0])
  }
}
