// Lesson 10's training: the loop, evaluations in nats and bits per character, words
// sampled along the way, checkpoints and resuming.
import Foundation
import GenLab

/// One evaluation: the mean training loss since the last one and the validation loss,
/// both in nats per character.
struct Record {
  var step: Int
  var trainNats: Double
  var validationNats: Double
}

/// The character transformer, its optimizer and what it records while it trains. The training
/// step itself is `step(_:)`: read it. (The loop, checkpoints and resuming are Lab's `TrainingRun`.)
final class Trainer {
  static let samplesFile = "training-samples.txt"
  /// Words sampled (τ = 1, the same generator every time) at each evaluation.
  static let wordsPerSnapshot = 10

  let data: WordData
  let seed: UInt64
  let batchSize: Int
  let learningRate: Float
  let steps: Int
  let folder: RunFolder
  let model: CharTransformer
  let optimizer: Adam
  private(set) var history: [Record] = []
  private var sampleLines: [String] = []

  init(data: WordData, seed: UInt64, batchSize: Int, learningRate: Float, steps: Int,
       configuration: CharTransformer.Configuration, implementation: Implementation, folder: RunFolder) {
    (self.data, self.seed, self.batchSize, self.learningRate, self.steps, self.folder) =
      (data, seed, batchSize, learningRate, steps, folder)
    var rng = RNG(seed: seed, stream: 1)
    model = CharTransformer(configuration, implementation: implementation, rng: &rng)
    optimizer = Adam(parameters: model.parameters, learningRate: learningRate)
  }

  /// The windows of step `step`: `batchSize` random word boundaries of the training text,
  /// L characters read from each and the L that follow predicted. Drawn from the step's
  /// own seed, so a resumed run sees the same batches as an unbroken one.
  func batch(step: Int) -> (inputs: [[Int]], targets: [Int]) {
    var seeds = StepBatches.seeds(seed: seed, step: step)
    var rng = RNG(seed: seeds.next())
    let l = model.configuration.context
    var inputs: [[Int]] = [], targets: [Int] = []
    for _ in 0..<batchSize {
      let start = data.windowStarts[rng.int(below: data.windowStarts.count)]
      inputs.append(Array(data.train[start..<(start + l)]))
      targets += data.train[(start + 1)...(start + l)]
    }
    return (inputs, targets)
  }

  /// The rate falls linearly to 0 over the run, a function of the step alone (resuming gives the same rates).
  func scheduleLearningRate(step: Int) {
    optimizer.learningRate = learningRate * (1 - Float(step - 1) / Float(steps))
  }

  // MARK: The training step

  /// Forward over the windows, the mean of −ln p(next character) over all B·L positions,
  /// backward, one Adam step. Returns the loss in nats per character.
  func step(_ batch: (inputs: [[Int]], targets: [Int])) -> Double {
    optimizer.zeroGradients()
    let logits = model.forward(batch.inputs, training: true)
    let loss = Losses.softmaxCrossEntropy(logits, labels: batch.targets)
    model.backward(loss.gradient)
    optimizer.step()
    return loss.value
  }

  // MARK: What it records

  /// Validation cross-entropy and words sampled from the model as it is now (appended to
  /// training-samples.txt); returns the metrics line's values.
  func record(step: Int, trainNats: Double) throws -> KeyValuePairs<String, Double> {
    let validation = Autoregressive.crossEntropy(model, sequence: data.validation, separator: data.newline)
    let nats = validation.nats / Double(validation.count)
    history.append(Record(step: step, trainNats: trainNats, validationNats: nats))
    var rng = RNG(seed: seed, stream: 7)
    let words = sampleWords(model, data: data, count: Self.wordsPerSnapshot, rule: .init(temperature: 1), rng: &rng)
    sampleLines.append("step \(String(step).leftPadded(6)): " + words.joined(separator: " "))
    try Files.writeAtomically(Array((sampleLines.joined(separator: "\n") + "\n").utf8), to: folder.file(Self.samplesFile))
    return ["train_nats": trainNats, "train_bits": trainNats / log(2), "validation_nats": nats,
            "validation_bits": nats / log(2)]
  }

  /// A resumed run starts with the earlier run's curves and sampled words (when its folder has them).
  func carryOver(_ entries: [MetricsLog.Entry], from checkpoint: Checkpoint?) throws {
    for entry in entries {
      history.append(Record(step: entry.step, trainNats: entry.values["train_nats"] ?? .nan,
                            validationNats: entry.values["validation_nats"] ?? .nan))
    }
    guard let checkpoint, let copy = try folder.carryOver(Self.samplesFile, from: checkpoint) else { return }
    let text = String(decoding: try Files.read(copy), as: UTF8.self)
    sampleLines = text.split(separator: "\n").map(String.init).filter { line in
      guard let step = Int(line.dropFirst(5).prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)) else { return false }
      return step <= checkpoint.step
    }
  }

  /// The loss against the step in `unit` (bits: nats ÷ ln 2, or nats), with the baselines as flat lines.
  func writeCurve(to path: String, baselines: Baselines, inBits: Bool) throws {
    let scale = inBits ? 1 / log(2.0) : 1, perBit = inBits ? 1 : log(2.0)
    var plot = LinePlot(title: "Cross-entropy while training", xLabel: "step",
                        yLabel: inBits ? "bits per character (nats ÷ ln 2)" : "nats per character")
    let trained = history.filter { $0.trainNats.isFinite }
    plot.add("training batches", x: trained.map { Double($0.step) }, y: trained.map { $0.trainNats * scale })
    plot.add("validation words", x: history.map { Double($0.step) }, y: history.map { $0.validationNats * scale })
    let ends = [0.0, Double(steps)]
    plot.add("unigram", x: ends, y: [baselines.unigramBits * perBit, baselines.unigramBits * perBit])
    plot.add("bigram", x: ends, y: [baselines.bigramBits * perBit, baselines.bigramBits * perBit])
    if let xz = baselines.givenBits(.xzExtreme) {
      plot.add("xz -9e given training", x: ends, y: [xz * perBit, xz * perBit])
    }
    try plot.write(to: path)
  }
}

/// Words drawn from the model one character at a time, each starting after a newline and
/// ending at the next (KV-cache sampling). Duplicates are kept; a word that runs to the
/// end of the context without a newline is dropped.
func sampleWords(_ model: CharTransformer, data: WordData, count: Int, rule: Autoregressive.SamplingRule,
                 rng: inout RNG) -> [String] {
  var words: [String] = []
  let length = model.configuration.context - 1
  var attempts = 0
  while words.count < count && attempts < 100 * count {
    attempts += 1
    let tokens = Autoregressive.generate(model, prompt: [data.newline], count: length, rule: rule, rng: &rng)
    let pieces = tokens.split(separator: data.newline, omittingEmptySubsequences: false)
    for piece in pieces.dropLast() where words.count < count && !piece.isEmpty {   // the last one is unfinished
      words.append(data.vocabulary.decode(Array(piece)))
    }
  }
  return words
}
