import Core
import NN
import TestSupport
import Testing

@Suite struct ActivationTests {
  @Test func valuesByHand() {
    let x = Tensor(shape: [1, 5], data: [-2, -0.5, 0, 0.5, 3])
    #expect(ReLU().forward(x, training: true).data == [0, 0, 0, 0.5, 3])
    #expect(LeakyReLU(negativeSlope: 0.2).forward(x, training: true).data == [-0.4, -0.1, 0, 0.5, 3])
    // tanh and σ at these points from Python's math module: math.tanh(v), 1/(1+math.exp(-v)).
    expectClose(Tanh().forward(x, training: true).data,
                [-0.9640275800758169, -0.46211715726000974, 0, 0.46211715726000974, 0.9950547536867305])
    expectClose(Sigmoid().forward(x, training: true).data,
                [0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.9525741268224334])
    // SiLU and its derivative from numpy: s = 1/(1+np.exp(-v)); v*s and s*(1 + v*(1 - s)).
    let silu = SiLU()
    expectClose(silu.forward(x, training: true).data, [-0.2384058, -0.1887703, 0, 0.3112297, 2.857722])
    expectClose(silu.backward(Tensor(shape: [1, 5], repeating: 1)).data,
                [-0.09078425, 0.2600388, 0.5, 0.7399612, 1.088104])
    // GELU (GPT-2's tanh form) from Python's math module:
    // 0.5*v*(1 + math.tanh(math.sqrt(2/math.pi)*(v + 0.044715*v**3))).
    expectClose(GELU().forward(x, training: true).data,
                [-0.04540230591222494, -0.15428599017485606, 0, 0.34571400982514394, 2.996362607918227])
  }

  @Test func sigmoidSaturatesWithoutNaN() {
    let x = Tensor(shape: [4], data: [-1e4, -100, 100, 1e4])
    let sigmoid = Sigmoid()
    #expect(sigmoid.forward(x, training: true).data == [0, 0, 1, 1])
    #expect(sigmoid.backward(Tensor(shape: [4], repeating: 1)).data == [0, 0, 0, 0])
    #expect(Tanh().forward(x, training: true).data == [-1, -1, 1, 1])
    // SiLU: x·σ(x) is −0 far left and x far right; its slope 0 and 1 there.
    let silu = SiLU()
    #expect(silu.forward(x, training: true).data == [0, 0, 100, 1e4])
    #expect(silu.backward(Tensor(shape: [4], repeating: 1)).data == [0, 0, 1, 1])
  }

  @Test(arguments: ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", "SiLU", "GELU"], [[3, 7], [2, 3, 4, 5]])
  func backwardMatchesFiniteDifferences(name: String, shape: [Int]) {
    var rng = RNG(seed: 11)
    let layer: any Layer = switch name {
    case "ReLU": ReLU()
    case "LeakyReLU": LeakyReLU(negativeSlope: 0.2)
    case "Tanh": Tanh()
    case "SiLU": SiLU()
    case "GELU": GELU()
    default: Sigmoid()
    }
    checkGradients(layer, input: awayFromZero(shape, rng: &rng), "\(name) \(shape)")
  }

  @Test func activationsHaveNoParameters() {
    for layer: any Layer in [ReLU(), LeakyReLU(), Tanh(), Sigmoid(), SiLU(), Flatten(), Reshape([4])] {
      #expect(layer.parameters.isEmpty && layer.buffers.isEmpty)
    }
  }
}
