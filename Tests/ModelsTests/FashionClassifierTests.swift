import Core
import Models
import NN
import Testing

@Suite struct FashionClassifierTests {
  /// 32·1·9 + 32 + 64·32·16 + 64 + 64·64·16 + 64 + 3136·128 + 128 + 128·10 + 10.
  @Test func shapesAndParameterCount() {
    var rng = RNG(seed: 1)
    let model = FashionClassifier(rng: &rng)
    let images = Tensor.uniform([3, 1, 28, 28], in: 0..<1, using: &rng)
    #expect(model.logits(images, training: false).shape == [3, 10])
    #expect(model.embed(images).shape == [3, FashionClassifier.featureSize])
    let count = model.parameters.reduce(0) { $0 + $1.parameter.value.count }
    #expect(count == 32 * 9 + 32 + 64 * 32 * 16 + 64 + 64 * 64 * 16 + 64 + 3136 * 128 + 128 + 128 * 10 + 10)
    #expect(model.parameters.first?.name == "features.0.weight" && model.parameters.last?.name == "head.bias")
  }

  /// Ten Adam steps on two images lower their loss and get both right: the backward
  /// pass reaches every layer the right way round.
  @Test func learnsTwoImages() {
    var rng = RNG(seed: 2)
    let model = FashionClassifier(rng: &rng)
    let images = Tensor.uniform([2, 1, 28, 28], in: 0..<1, using: &rng)
    let labels = [3, 7]
    let adam = Adam(parameters: model.parameters, learningRate: 1e-3)
    let first = model.step(images, labels: labels, optimizer: adam)
    var last = first
    for _ in 0..<10 { last = model.step(images, labels: labels, optimizer: adam) }
    #expect(last < first / 2, "loss \(first) → \(last)")
    #expect(model.accuracy(images, labels: labels) == 1)
  }
}

/// The judge compares samples with held-out images in the classifier's features: the held-out
/// images themselves score a distance of about 0 and full precision and recall; noise scores far worse.
@Suite struct SampleJudgeTests {
  @Test func heldOutImagesScoreAsRealAndNoiseDoesNot() {
    var rng = RNG(seed: 5)
    let classifier = FashionClassifier(rng: &rng)
    // Blobs: bright squares at random places on a dark background, a stand-in for garments.
    var images = [Float](repeating: 0, count: 48 * 784)
    for n in 0..<48 {
      let row = 4 + rng.int(below: 12), column = 4 + rng.int(below: 12)
      for i in row..<(row + 10) { for j in column..<(column + 10) { images[n * 784 + i * 28 + j] = 0.9 } }
    }
    let heldOut = Tensor(shape: [48, 1, 28, 28], data: images)
    let judge = SampleJudge(classifier: classifier, heldOut: heldOut, count: 24)
    let same = judge.score(heldOut.slice(0..<24))
    #expect(same.precision == 1 && same.recall == 1)
    let noise = judge.score(Tensor.uniform([24, 1, 28, 28], in: 0..<1, using: &rng))
    #expect(noise.frechetDistance > 10 * max(same.frechetDistance, 1e-3),
            "noise \(noise.frechetDistance) vs held-out \(same.frechetDistance)")
    #expect(noise.precision < 0.5)
  }
}
