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

final class Trainer {
  struct Settings {
    var steps: Int
    var batchSize: Int
    var every: Int
    var learningRate: Float
    var seed: UInt64
    var splitSeed: UInt64
    var context: Int
    var width: Int
    var heads: Int
    var layers: Int
    var implementation: Implementation

    /// What a checkpoint records, so `--resume` rebuilds the same run.
    func stored(vocabulary: CharacterVocabulary, trainCharacters: Int) -> [String: String] {
      ["steps": String(steps), "batch_size": String(batchSize), "every": String(every), "lr": String(learningRate),
       "seed": String(seed), "split_seed": String(splitSeed), "context": String(context), "width": String(width),
       "heads": String(heads), "layers": String(layers), "vocabulary": vocabulary.description,
       "train_characters": String(trainCharacters)]
    }
  }

  static let samplesFile = "training-samples.txt"
  /// Words sampled (τ = 1, the same generator every time) at each evaluation.
  static let wordsPerSnapshot = 10

  let settings: Settings
  let data: WordData
  let run: RunFolder
  let metrics: MetricsLog
  let resume: Checkpoint?
  let model: CharTransformer
  private let optimizer: Adam
  private(set) var history: [Record] = []
  private var sampleLines: [String] = []
  private var stepTimes: [Double] = []
  /// The step after which Ctrl-C stopped training (its checkpoint is written), or nil.
  private(set) var interruptedAfter: Int?

  init(settings: Settings, data: WordData, run: RunFolder, metrics: MetricsLog, resume: Checkpoint?) {
    self.settings = settings
    self.data = data
    self.run = run
    self.metrics = metrics
    self.resume = resume
    var rng = RNG(seed: settings.seed, stream: 1)
    model = CharTransformer(.init(vocabulary: data.vocabulary.count, context: settings.context, width: settings.width,
                                  heads: settings.heads, layers: settings.layers),
                            implementation: settings.implementation, rng: &rng)
    optimizer = Adam(parameters: model.parameters, learningRate: settings.learningRate)
  }

  var medianStepTime: Double? { stepTimes.isEmpty ? nil : stepTimes.sorted()[stepTimes.count / 2] }

  /// The windows of step `step`: `batchSize` random word boundaries of the training text,
  /// L characters read from each and the L that follow predicted. Drawn from the step's
  /// own seed, so a resumed run sees the same batches as an unbroken one.
  func batch(step: Int) -> (inputs: [[Int]], targets: [Int]) {
    var mix = SplitMix64(state: settings.seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(step))
    var rng = RNG(seed: mix.next())
    let l = settings.context
    var inputs: [[Int]] = [], targets: [Int] = []
    for _ in 0..<settings.batchSize {
      let start = data.windowStarts[rng.int(below: data.windowStarts.count)]
      inputs.append(Array(data.train[start..<(start + l)]))
      targets += data.train[(start + 1)...(start + l)]
    }
    return (inputs, targets)
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

  // MARK: The loop

  func train() throws {
    var start = 0
    if let resume {
      start = resume.step
      try resume.restore(model, as: "transformer")
      try resume.restore(optimizer, as: "transformer")
      print("continuing after step \(start) of \(settings.steps)")
    } else {
      try record(step: 0, trainNats: .nan)
    }
    guard start < settings.steps else { return }
    let progress = Progress(total: settings.steps - start, label: "training")
    var sum = 0.0, count = 0
    for step in (start + 1)...settings.steps {
      // The rate falls linearly to 0, a function of the step alone (resuming gives the same rates).
      optimizer.learningRate = settings.learningRate * (1 - Float(step - 1) / Float(settings.steps))
      let batch = self.batch(step: step)
      let t0 = Timing.now()
      let loss = self.step(batch)
      stepTimes.append(Timing.now() - t0)
      try TrainingGuard.check(step: step, losses: [("the next-character cross-entropy", loss)],
                              parameters: model.parameters)
      sum += loss
      count += 1
      if step % settings.every == 0 || step == settings.steps {
        try record(step: step, trainNats: sum / Double(count))
        sum = 0
        count = 0
        try checkpoint(step: step)
      } else if Interrupt.requested {
        try checkpoint(step: step)
      }
      if Interrupt.requested {
        interruptedAfter = step
        break
      }
      let last = history.last!
      progress.update(step - start, ["bits/char": Float(loss / log(2)),
                                     "validation": Float(last.validationNats / log(2))])
    }
    progress.finish()
  }

  /// Validation cross-entropy, the metrics line, and words sampled from the model as it is now.
  private func record(step: Int, trainNats: Double) throws {
    let validation = Autoregressive.crossEntropy(model, sequence: data.validation, separator: data.newline)
    let nats = validation.nats / Double(validation.count)
    history.append(Record(step: step, trainNats: trainNats, validationNats: nats))
    try metrics.log(step: step, ["train_nats": trainNats, "train_bits": trainNats / log(2),
                                 "validation_nats": nats, "validation_bits": nats / log(2)])
    var rng = RNG(seed: settings.seed, stream: 7)
    let words = sampleWords(model, data: data, count: Self.wordsPerSnapshot, rule: .init(temperature: 1), rng: &rng)
    sampleLines.append("step \(String(step).leftPadded(6)): " + words.joined(separator: " "))
    try Files.writeAtomically(Array((sampleLines.joined(separator: "\n") + "\n").utf8), to: run.file(Self.samplesFile))
  }

  /// `checkpoint.safetensors` (written atomically): the model and Adam's state. Batches and
  /// learning rates are functions of the step, so nothing else is needed.
  private func checkpoint(step: Int) throws {
    var checkpoint = Checkpoint(lesson: Lesson10.lessonName, seed: settings.seed, step: step)
    checkpoint.settings = settings.stored(vocabulary: data.vocabulary, trainCharacters: data.train.count - 1)
    checkpoint.add(model, as: "transformer")
    checkpoint.add(optimizer, as: "transformer")
    try checkpoint.write(to: run.file(RunFolder.checkpointFile))
  }

  /// A resumed run starts with the earlier run's metrics and sampled words.
  func carryOver() throws {
    guard let resume else { return }
    for entry in try metrics.carryOver(from: resume) {
      history.append(Record(step: entry.step, trainNats: entry.values["train_nats"] ?? .nan,
                            validationNats: entry.values["validation_nats"] ?? .nan))
    }
    if let copy = try run.carryOver(Self.samplesFile, from: resume) {
      let text = String(decoding: try Files.read(copy), as: UTF8.self)
      sampleLines = text.split(separator: "\n").map(String.init).filter { line in
        guard let step = Int(line.dropFirst(5).prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)) else { return false }
        return step <= resume.step
      }
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
    let ends = [0.0, Double(settings.steps)]
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
