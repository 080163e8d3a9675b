// Lesson 10 — Prediction is compression.
//
// An autoregressive model writes a text one character at a time, each drawn from
// p(next | everything before). The same probabilities, fed to an arithmetic coder, turn
// the model into a compressor that spends −log₂ p bits on each character: the better it
// predicts, the smaller the file. The lesson trains a tiny character transformer on a
// word list, samples new words from it, and then compresses the held-out words with it —
// writing a real file, decoding it back bit for bit, and putting its size next to gzip,
// bzip2 and xz. The transformer and its sampling twins are in Sources/Autoregressive, the
// coder in Sources/ArithmeticCoding. Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson10: LessonCommand {
  static let lessonName = "lesson10-compression"
  static let abstract = "A tiny character transformer learns a word list, writes new words, and compresses held-out words better than xz."
  static let discussion = """
    Defaults: --steps \(maxDefaultSteps) for Debian's word list (about \(Int(defaultPasses)) passes over the training \
    text; fewer for a smaller list, which would otherwise be learnt by heart), --batch-size \(defaultBatchSize) windows of --context characters, \
    --lr \(defaultLearningRate) (Adam, falling linearly to 0), --every \(defaultEvery) (steps between \
    evaluations and checkpoints). The word list: --words, else GENLAB_WORDS, else /usr/share/dict/words \
    (Debian's wamerican), else the bundled subset.
    """

  @OptionGroup var options: LessonOptions

  @Option(help: ArgumentHelp("A word list, one word per line (default: GENLAB_WORDS, /usr/share/dict/words, the bundled subset).",
                             valueName: "file"))
  var words: String?

  @Option(parsing: .unconditional, help: "Seed of the train/validation/test split of the word list — apart from --seed, so every run is scored on the same held-out words.")
  var splitSeed: UInt64 = 0

  @Option(parsing: .unconditional, help: "L, the characters the model reads before predicting the next one (positions it has embeddings for).")
  var context: Int = 64

  @Option(parsing: .unconditional, help: "D, the width of each position's vector.")
  var width: Int = 64

  @Option(parsing: .unconditional, help: "Attention heads per block (D must be a multiple).")
  var heads: Int = 4

  @Option(parsing: .unconditional, help: "Transformer blocks.")
  var layers: Int = 2

  static let maxDefaultSteps = 15_000, defaultBatchSize = 32, defaultEvery = 500
  /// The default run reads the training text about this many times (15,000 steps on
  /// Debian's list); a smaller list gets proportionally fewer steps, or it is memorised.
  static let defaultPasses = 36.5

  /// --steps when not given: `defaultPasses` over `characters` of training text, in
  /// hundreds of steps, at most `maxDefaultSteps`.
  static func defaultSteps(trainCharacters characters: Int, batchSize: Int, context: Int) -> Int {
    let steps = defaultPasses * Double(characters) / Double(batchSize * context)
    return min(maxDefaultSteps, max(100, Int((steps / 100).rounded()) * 100))
  }
  static let defaultLearningRate: Float = 3e-3
  /// The sampling temperatures of section 5, and how many words each gets.
  static let temperatures: [Float] = [0.5, 0.8, 1.0, 1.2]
  static let wordsPerTemperature = 24

  mutating func validate() throws {
    if context < 2 || context > 1024 { throw ValidationError("--context must be in 2…1024, got \(context)") }
    if width < 4 || width > 1024 { throw ValidationError("--width must be in 4…1024, got \(width)") }
    if heads < 1 || width % heads != 0 {
      throw ValidationError("--heads must be ≥ 1 and divide --width (\(width)), got \(heads)")
    }
    if layers < 1 || layers > 16 { throw ValidationError("--layers must be in 1…16, got \(layers)") }
  }

  mutating func run() throws {
    if options.data != nil {
      throw ValidationError("\(Self.lessonName) reads a word list, not an image dataset: use --words FILE instead of --data")
    }
    var settings = try RunSettings(lesson: Self.lessonName, options: &options, counting: .steps)
    try settings.declare(&splitSeed, flag: "--split-seed", label: "split seed")
    try settings.declare(&context, flag: "--context", label: "L (--context)")
    try settings.declare(&width, flag: "--width", label: "D (--width)")
    try settings.declare(&heads, flag: "--heads")
    try settings.declare(&layers, flag: "--layers", label: "blocks (--layers)")
    let batchSize = try settings.batchSize(options, default: Self.defaultBatchSize, unit: "windows")
    let learningRate = try settings.learningRate(options, default: Self.defaultLearningRate, label: "lr (Adam, linear decay)")
    let every = try settings.every(options, default: Self.defaultEvery)

    Console.section("1. Data: a word list, one word per line, split by seed \(splitSeed)")
    let list = try WordList.load(explicitPath: words)
    let split = list.split(seed: splitSeed)
    let data = try WordData(list: list, split: split, context: context)
    let steps = try settings.steps(options, default: Self.defaultSteps(
      trainCharacters: data.train.count - 1, batchSize: batchSize, context: context))
    try settings.require("vocabulary", equals: data.vocabulary.description, flag: "--words")
    try settings.require("train_characters", equals: String(data.train.count - 1), flag: "--words")
    print(list.description)
    print(data.summary)
    let run = try TrainingRun(settings, title: "Lesson 10 — Prediction is compression", options: options,
                              dataset: "\(list.source), \(Format.count(list.count)) words; split seed \(splitSeed): "
                                + data.splitLine)

    let baselines = baselinesToBeat(data, split)
    let trainer = try train(data, steps: steps, batchSize: batchSize, learningRate: learningRate, every: every, run: run)
    let scores = crossEntropy(trainer.model, data, run: run)
    try writeNewWords(trainer.model, data, split, run: run)
    try compress(trainer.model, data, baselines, scores, run: run)
    let timing = generationTime(trainer.model, run: run)
    try drawPictures(trainer, baselines, timing, run: run)
    try run.finish()
  }

  /// The unigram and bigram counts and the compressors on the held-out words (`Baselines`), printed.
  func baselinesToBeat(_ data: WordData, _ split: WordSplit) -> Baselines {
    Console.section("2. Baselines: count models and general-purpose compressors on the held-out words")
    let baselines = Baselines(data: data, split: split)
    baselines.printTable()
    return baselines
  }

  /// Trains the transformer for `steps` steps on windows that start at a word boundary: every
  /// `every` steps the validation cross-entropy, words sampled (`Trainer.record`) and a checkpoint.
  func train(_ data: WordData, steps: Int, batchSize: Int, learningRate: Float, every: Int,
             run: TrainingRun) throws -> Trainer {
    Console.section("3. Training: predict every next character of windows that start at a word boundary")
    let trainer = Trainer(data: data, seed: options.seed, batchSize: batchSize, learningRate: learningRate, steps: steps,
                          configuration: .init(vocabulary: data.vocabulary.count, context: context, width: width,
                                               heads: heads, layers: layers),
                          implementation: options.impl, folder: run.folder)
    let model = trainer.model
    print("transformer: V = \(data.vocabulary.count) characters, L = \(context), D = \(width), \(heads) heads, "
          + "\(layers) blocks; \(Format.count(model.parameterCount)) parameters")
    print("Adam lr \(learningRate) falling linearly to 0; batch \(batchSize) windows × \(context) characters; "
          + "\(steps) steps; \(Format.threads(Parallel.threadCount))")
    run.keep(model, as: "transformer")
    run.keep(trainer.optimizer, as: "transformer")
    try run.restore()
    try trainer.carryOver(try run.carryOverMetrics(), from: run.resumed)
    var loop = run.loop(label: "training", total: steps)
    loop.beforeStep = trainer.scheduleLearningRate
    loop.every(every, name: "record", atStart: true) { step, window in
      try run.metrics.log(step: step, trainer.record(step: step, trainNats: window.mean("nats/char")))
    }
    try run.train(&loop, checkpointEvery: every) { step in
      [("nats/char", trainer.step(trainer.batch(step: step)))]
    }
    return trainer
  }

  /// The trained model's cross-entropy on the training, validation and held-out words (`Scores`).
  func crossEntropy(_ model: CharTransformer, _ data: WordData, run: TrainingRun) -> Scores {
    Console.section("4. Cross-entropy: nats and bits per character")
    let scores = Scores(model: model, data: data)
    scores.show(in: run)
    return scores
  }

  /// Words sampled at each of `temperatures`, marked new or held-out (`WordSamples`), and `samples.txt`.
  func writeNewWords(_ model: CharTransformer, _ data: WordData, _ split: WordSplit, run: TrainingRun) throws {
    Console.section("5. Sampling new words at several temperatures (from a newline, one character at a time)")
    let samples = WordSamples(model: model, data: data, split: split, seed: options.seed)
    try samples.show(in: run)
  }

  /// The held-out words arithmetic-coded with the model into a real file, decoded back
  /// (`ModelCompression`), and its size beside the baselines' and beside the model's own.
  func compress(_ model: CharTransformer, _ data: WordData, _ baselines: Baselines, _ scores: Scores,
                run: TrainingRun) throws {
    Console.section("6. The model as a compressor: arithmetic coding of the held-out words")
    let compression = try ModelCompression(model: model, data: data, run: run.folder)
    compression.show(crossEntropyBits: scores.testBits, in: run)
    baselines.showComparison(model: compression, parameters: model.parameterCount, in: run)
    // Parameters against data: what the weights weigh next to what they were trained on.
    let weights = model.parameterCount * 4
    var sizes = [["parameters", Format.count(model.parameterCount)], ["weights as float32", Format.bytes(weights)],
                 ["training text", "\(Format.count(data.train.count - 1)) characters, \(Format.bytes(data.trainBytes)) UTF-8"]]
    if let xz = baselines.trainSize[.xzExtreme] { sizes.append(["training text, xz -9e", Format.bytes(xz)]) }
    sizes.append(["weights ÷ training text", String(format: "%.2f", Double(weights) / Double(data.trainBytes))])
    run.report.addTable("The model against its data", header: ["", "size"], rows: sizes)
  }

  /// Both sampling twins timed against the length generated, on a model of the same size with
  /// a longer context (`GenerationTiming`).
  func generationTime(_ model: CharTransformer, run: TrainingRun) -> GenerationTiming {
    Console.section("7. Generation time against length: the two sampling twins")
    let timing = GenerationTiming.measure(configuration: model.configuration, implementation: options.impl, seed: options.seed)
    timing.show(in: run)
    return timing
  }

  /// The loss curves in bits and in nats with the baselines, the generation times, and links to
  /// the text files the lesson wrote.
  func drawPictures(_ trainer: Trainer, _ baselines: Baselines, _ timing: GenerationTiming, run: TrainingRun) throws {
    Console.section("8. Pictures")
    try trainer.writeCurve(to: run.folder.file("loss.svg"), baselines: baselines, inBits: true)
    try trainer.writeCurve(to: run.folder.file("loss-nats.svg"), baselines: baselines, inBits: false)
    try timing.writePlot(to: run.folder.file("generation-time.svg"))
    print("wrote loss.svg (bits), loss-nats.svg, generation-time.svg, samples.txt, training-samples.txt, test.txt, test.glac, test-decoded.txt")
    run.report.addFigure("loss.svg", caption: "Bits per character while training: the training batches and the validation "
                     + "words, with the unigram and bigram baselines and xz -9e given the training text.")
    run.report.addFigure("loss-nats.svg", caption: "The same in nats per character (natural logarithms: what the "
                     + "training loss computes; × 1/ln 2 = 1.443 gives bits).")
    run.report.addFigure("generation-time.svg", caption: "Time to generate n characters: recomputing the whole prefix "
                     + "every step grows like n², keeping every layer's keys and values like n.")
    run.report.addLink("samples.txt", text: "the sampled words of section 5, marked")
    run.report.addLink(Trainer.samplesFile, text: "words sampled (τ = 1) at every evaluation during training")
    run.report.addLink("test.txt", text: "the held-out words, as compressed")
    run.report.addLink(ModelCompression.fileName, text: "the held-out words compressed by the model (header + arithmetic-coded stream)")
    run.report.addLink("test-decoded.txt", text: "the file decoded again with the model: byte for byte test.txt")
  }
}

/// A problem with the data or a file, named in one sentence.
struct LessonError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}


