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
struct Lesson10: ParsableCommand {
  static let lessonName = "lesson10-compression"
  static let configuration = CommandConfiguration(
    commandName: lessonName,
    abstract: "A tiny character transformer learns a word list, writes new words, and compresses held-out words better than xz.",
    discussion: """
      Defaults: --steps \(maxDefaultSteps) for Debian's word list (about \(Int(defaultPasses)) passes over the training \
      text; fewer for a smaller list, which would otherwise be learnt by heart), --batch-size \(defaultBatchSize) windows of --context characters, \
      --lr \(defaultLearningRate) (Adam, falling linearly to 0), --every \(defaultEvery) (steps between \
      evaluations and checkpoints). The word list: --words, else GENLAB_WORDS, else /usr/share/dict/words \
      (Debian's wamerican), else the bundled subset. Each run writes runs/\(lessonName)/<time>/ with index.html.
      """)

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
    try options.rejectEpochs(lesson: Self.lessonName)
    if options.data != nil {
      throw ValidationError("\(Self.lessonName) reads a word list, not an image dataset: use --words FILE instead of --data")
    }
    options.apply()
    let started = Timing.now()
    let startDate = Date()

    var resume: Checkpoint?
    if let path = options.resume {
      let checkpoint = try Checkpoint.read(path: path, lesson: Self.lessonName)
      try adopt(checkpoint)
      resume = checkpoint
    }
    let batchSize = try Checkpoint.setting(options.batchSize, "batch_size", from: resume, default: Self.defaultBatchSize)
    let every = try Checkpoint.setting(options.every, "every", from: resume, default: Self.defaultEvery)
    let learningRate = try Checkpoint.setting(options.lr, "lr", from: resume, default: Self.defaultLearningRate)
    let seed = options.seed
    if let resume {
      try resume.requireSetting("batch_size", equals: String(batchSize), flag: "--batch-size")
      try resume.requireSetting("lr", equals: String(learningRate), flag: "--lr")
    }

    // 1. Data ---------------------------------------------------------------------
    Console.section("1. Data: a word list, one word per line, split by seed \(splitSeed)")
    let list = try WordList.load(explicitPath: words)
    let split = list.split(seed: splitSeed)
    let data = try WordData(list: list, split: split, context: context)
    let steps = try Checkpoint.setting(options.steps, "steps", from: resume, default: Self.defaultSteps(
      trainCharacters: data.train.count - 1, batchSize: batchSize, context: context))
    // The learning rate's schedule is spread over all the steps: a different count is a different run.
    try resume?.requireSetting("steps", equals: String(steps), flag: "--steps")
    if let resume {
      try resume.requireSetting("vocabulary", equals: data.vocabulary.description, flag: "--words")
      try resume.requireSetting("train_characters", equals: String(data.train.count - 1), flag: "--words")
    }
    print(list.description)
    print(data.summary)
    let run = try RunFolder.create(lesson: Self.lessonName, root: options.out)
    let metrics = try MetricsLog(run: run, start: startDate)
    var report = RunReport(run: run, title: "Lesson 10 — Prediction is compression", seed: seed, started: startDate)
    report.dataset = "\(list.source), \(Format.count(list.count)) words; split seed \(splitSeed): " + data.splitLine

    // 2. What the model has to beat ------------------------------------------------
    Console.section("2. Baselines: count models and general-purpose compressors on the held-out words")
    let baselines = Baselines(data: data, split: split)
    baselines.printTable()

    // 3. Training -------------------------------------------------------------------
    Console.section("3. Training: predict every next character of windows that start at a word boundary")
    let settings = Trainer.Settings(steps: steps, batchSize: batchSize, every: every, learningRate: learningRate,
                                    seed: seed, splitSeed: splitSeed, context: context, width: width, heads: heads,
                                    layers: layers, implementation: options.impl)
    let trainer = Trainer(settings: settings, data: data, run: run, metrics: metrics, resume: resume)
    let model = trainer.model
    print("transformer: V = \(data.vocabulary.count) characters, L = \(context), D = \(width), \(heads) heads, "
          + "\(layers) blocks; \(Format.count(model.parameterCount)) parameters")
    print("Adam lr \(learningRate) falling linearly to 0; batch \(batchSize) windows × \(context) characters; "
          + "\(steps) steps; \(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s")")
    try trainer.carryOver()
    try trainer.train()
    if let step = trainer.interruptedAfter {
      report.settings = [("seed", String(seed)), ("steps", String(steps))]
      try report.finishInterrupted(started: started, step: step, steps: steps, checkpoint: run.file(RunFolder.checkpointFile))
    }
    report.settings = [("seed", String(seed)), ("split seed", String(splitSeed)), ("steps", String(steps)),
                       ("batch-size", "\(batchSize) windows"), ("lr (Adam, linear decay)", String(learningRate)),
                       ("every", "\(every) steps"), ("model", "L = \(context), D = \(width), \(heads) heads, \(layers) blocks"),
                       ("impl", options.impl.rawValue), ("threads", String(Parallel.threadCount))]
    if let path = options.resume { report.settings.append(("resumed from", path)) }
    if let median = trainer.medianStepTime {
      print("training step: \(Format.duration(median)) median (forward + backward + Adam)")
      report.metrics.append(("training step (median)", Format.duration(median)))
    }

    // 4. How well it predicts --------------------------------------------------------
    Console.section("4. Cross-entropy: nats and bits per character")
    let scores = Scores(model: model, data: data)
    scores.printTable()
    report.metrics += scores.rows
    report.addTable("Cross-entropy of the trained model", header: ["text", "characters", "nats/char", "bits/char"],
                    rows: scores.tableRows,
                    note: "Every character predicted from up to L characters before it, in windows that start at a "
                      + "newline (the rule the compressor of section 6 follows). bits = nats / ln 2.")

    // 5. Writing new words -----------------------------------------------------------
    Console.section("5. Sampling new words at several temperatures (from a newline, one character at a time)")
    let samples = WordSamples(model: model, data: data, split: split, seed: seed)
    samples.printAll()
    try samples.write(to: run.file("samples.txt"))
    report.addTable("Sampled words", header: ["temperature", "words (* new, † a real word it never saw)", "new", "held-out real words"],
                    rows: samples.tableRows,
                    note: "Each word is drawn one character at a time from a newline until the next newline "
                      + "(KV-cache sampling). Unmarked words are in the training list: memorised.")

    // 6. The model as a compressor ---------------------------------------------------
    Console.section("6. The model as a compressor: arithmetic coding of the held-out words")
    let compression = try ModelCompression(model: model, data: data, run: run)
    compression.printSummary(crossEntropyBits: scores.testBits)
    report.metrics += compression.rows
    let comparison = baselines.comparison(model: compression, parameters: model.parameterCount)
    comparison.printTable()
    report.addTable("Held-out words: bits per character", header: Comparison.header, rows: comparison.rows,
                    note: Comparison.note)
    report.addTable("The model against its data", header: ["", "size"], rows: sizeRows(model: model, data: data,
                                                                                       baselines: baselines))

    // 7. Generation time: recompute vs cache -----------------------------------------
    Console.section("7. Generation time against length: the two sampling twins")
    let timing = GenerationTiming.measure(configuration: model.configuration, implementation: options.impl, seed: seed)
    timing.printTable()
    report.addTable("Generation time (a model of the same size with L = \(GenerationTiming.longContext))",
                    header: ["characters", "recompute the prefix", "key/value cache", "ratio"], rows: timing.rows,
                    note: "Random weights: the time does not depend on their values. Both twins drew the same "
                      + "characters for the same seed: \(timing.sameTokens ? "yes" : "NO").")

    // 8. Pictures ----------------------------------------------------------------------
    Console.section("8. Pictures")
    try trainer.writeCurve(to: run.file("loss.svg"), baselines: baselines, inBits: true)
    try trainer.writeCurve(to: run.file("loss-nats.svg"), baselines: baselines, inBits: false)
    try timing.writePlot(to: run.file("generation-time.svg"))
    print("wrote loss.svg (bits), loss-nats.svg, generation-time.svg, samples.txt, training-samples.txt, test.txt, test.glac, test-decoded.txt")
    report.addFigure("loss.svg", caption: "Bits per character while training: the training batches and the validation "
                     + "words, with the unigram and bigram baselines and xz -9e given the training text.")
    report.addFigure("loss-nats.svg", caption: "The same in nats per character (natural logarithms: what the "
                     + "training loss computes; × 1/ln 2 = 1.443 gives bits).")
    report.addFigure("generation-time.svg", caption: "Time to generate n characters: recomputing the whole prefix "
                     + "every step grows like n², keeping every layer's keys and values like n.")
    report.addLink("samples.txt", text: "the sampled words of section 5, marked")
    report.addLink(Trainer.samplesFile, text: "words sampled (τ = 1) at every evaluation during training")
    report.addLink("test.txt", text: "the held-out words, as compressed")
    report.addLink(ModelCompression.fileName, text: "the held-out words compressed by the model (header + arithmetic-coded stream)")
    report.addLink("test-decoded.txt", text: "the file decoded again with the model: byte for byte test.txt")
    report.addLink("metrics.jsonl", text: "the metrics, one JSON object per line (nats and bits per character)")
    try run.keepCheckpoint(resumedFrom: options.resume)
    report.addLink(RunFolder.checkpointFile, text: "the checkpoint (the transformer and Adam's state); "
                   + "the decoder needs these weights")
    metrics.close()
    try report.finish(started: started)
  }

  /// Settings that shape the model and data come from the checkpoint unless a flag is
  /// given; a flag that contradicts it is an error.
  mutating func adopt(_ checkpoint: Checkpoint) throws {
    try checkpoint.adopt("seed", flag: "--seed", into: &options.seed)
    try checkpoint.adopt("split_seed", flag: "--split-seed", into: &splitSeed)
    try checkpoint.adopt("context", flag: "--context", into: &context)
    try checkpoint.adopt("width", flag: "--width", into: &width)
    try checkpoint.adopt("heads", flag: "--heads", into: &heads)
    try checkpoint.adopt("layers", flag: "--layers", into: &layers)
  }
}

/// A problem with the data or a file, named in one sentence.
struct LessonError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

func fixed(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

/// The value of `body` and the seconds it took.
func timed<R>(_ body: () throws -> R) rethrows -> (R, Double) {
  let start = Timing.now()
  let value = try body()
  return (value, Timing.now() - start)
}

/// Parameters against data: what the weights weigh next to what they were trained on.
func sizeRows(model: CharTransformer, data: WordData, baselines: Baselines) -> [[String]] {
  let weights = model.parameterCount * 4
  var rows = [["parameters", Format.count(model.parameterCount)],
              ["weights as float32", Format.bytes(weights)],
              ["training text", "\(Format.count(data.train.count - 1)) characters, \(Format.bytes(data.trainBytes)) UTF-8"]]
  if let xz = baselines.trainSize[.xzExtreme] {
    rows.append(["training text, xz -9e", Format.bytes(xz)])
  }
  rows.append(["weights ÷ training text", String(format: "%.2f", Double(weights) / Double(data.trainBytes))])
  return rows
}
