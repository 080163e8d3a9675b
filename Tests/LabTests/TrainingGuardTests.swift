import Core
import Lab
import NN
import Testing

@Suite struct TrainingGuardTests {
  func parameters() -> [(name: String, parameter: Parameter)] {
    ["a.weight", "b.weight", "c.weight"].map { (name: $0, parameter: Parameter(Tensor(shape: [2, 2], data: [1, 2, 3, 4]))) }
  }

  func message(_ body: () throws -> Void) -> String? {
    do { try body() } catch { return "\(error)" }
    return nil
  }

  @Test func finiteTrainingPasses() throws {
    try TrainingGuard.check(step: 3, losses: [("loss", 0.5)], parameters: parameters())
  }

  /// With a finite loss, a NaN made in the backward pass at b reaches a before it, not c
  /// after it: b is named.
  @Test func theLastNonFiniteGradientIsWhereTheBackwardPassMadeIt() {
    let p = parameters()
    p[1].parameter.gradient = Tensor(shape: [2, 2], data: [0, .infinity, 1, 1])
    p[0].parameter.gradient = Tensor(shape: [2, 2], data: [.nan, 0, 0, 0])
    let text = message { try TrainingGuard.check(step: 12, losses: [("the loss", 0.25)], parameters: p) }
    #expect(text?.contains("training stopped at step 12: the loss is 0.25") == true, "\(text ?? "")")
    #expect(text?.contains("the gradient of b.weight (element [0, 1] is inf)") == true, "\(text ?? "")")
    #expect(text?.contains("--lr ten times smaller") == true && text?.contains("last good step is kept") == true)
  }

  /// A finite loss with broken weights (an update that overflowed) still stops training.
  @Test func nonFiniteWeightsStopTrainingEvenWithAFiniteLoss() {
    let p = parameters()
    p[2].parameter.value = Tensor(shape: [2, 2], data: [1, 1, 1, -.infinity])
    let text = message { try TrainingGuard.check(step: 4, losses: [("D", 0.7), ("G", 0.9)], parameters: p) }
    #expect(text?.contains("the weights of c.weight (element [1, 1] is -inf)") == true, "\(text ?? "")")
  }

  /// A non-finite loss is the forward pass's doing, whatever the gradients say; the largest
  /// weight is named (a learning rate that blew the weights up shows there).
  /// The probe reads 16 elements at a time, then the tail: a NaN in either part is found.
  @Test func nonFiniteNumbersAreFoundInTheVectorPartAndTheTail() {
    for (index, value) in [(37, Float.nan), (99, Float.infinity), (0, -Float.infinity)] {
      var data = [Float](repeating: 1, count: 100)
      data[index] = value
      let p = [(name: "w", parameter: Parameter(Tensor(shape: [100], data: data)))]
      let text = message { try TrainingGuard.check(step: 1, losses: [("loss", 1)], parameters: p) }
      #expect(text?.contains("the weights of w (element [\(index)] is \(value))") == true, "\(text ?? "")")
    }
    let finite = [(name: "w", parameter: Parameter(Tensor(shape: [100], repeating: 3e38)))]
    #expect(message { try TrainingGuard.check(step: 1, losses: [("loss", 1)], parameters: finite) } == nil)
  }

  @Test func aNonFiniteLossIsTheForwardPasss() {
    let p = parameters()
    p[1].parameter.value = Tensor(shape: [2, 2], data: [1, -3e20, 1, 1])
    p[2].parameter.gradient = Tensor(shape: [2, 2], data: [.nan, 0, 0, 0])
    let text = message { try TrainingGuard.check(step: 1, losses: [("KL", .infinity)], parameters: p) }
    #expect(text?.contains("the loss itself") == true && text?.contains("log of zero") == true, "\(text ?? "")")
    #expect(text?.contains("the largest weight is 3e+20 in b.weight") == true, "\(text ?? "")")
  }
}
