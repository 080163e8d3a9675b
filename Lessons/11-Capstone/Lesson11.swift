// Lesson 11 — The four families side by side.
//
// After ten lessons a student has trained every family of generative model on its own.
// Here they meet on one table, measured the same way: an independent-pixel baseline, a
// VAE, a DCGAN, a PixelCNN and a diffusion model, all on Fashion-MNIST. Likelihood (exact,
// a bound, or none), sample quality in the features of a classifier trained for the
// purpose, the time to train and to draw, and the size of each model next to the size of
// its data. Trained weights are cached under runs/cache/, so a second run only measures.
// Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson11: LessonCommand {
  static let lessonName = "lesson11-capstone"
  static let abstract = "The four families side by side on Fashion-MNIST: likelihood, sample quality, speed and size on one table."
  static let discussion = """
    Trains (or loads from <out>/cache/\(lessonName)/) a classifier for the sample-quality measure and five \
    models: independent pixels, a VAE, a DCGAN, a PixelCNN and a diffusion model. --num-samples (default \
    \(defaultSampleCount)) is the number of samples per model for the Fréchet distance and precision/recall. \
    About 30 minutes on 2 cores when nothing is cached, about 3 when everything is. Each run writes \
    runs/\(lessonName)/<time>/ with index.html.
    """

  @OptionGroup var options: LessonOptions

  @Option(parsing: .unconditional, help: "Epochs of the feature classifier (Adam 1e-3, batch 64).")
  var classifierEpochs = 4
  @Option(parsing: .unconditional, help: "Epochs of the VAE (MLP, 20-D code, Adam 1e-3, batch 128).")
  var vaeEpochs = 10
  @Option(parsing: .unconditional, help: "Steps of the DCGAN (batch 64).")
  var dcganSteps = 3000
  @Option(parsing: .unconditional, help: "Steps of the PixelCNN (Adam 1e-3, batch 64).")
  var pixelcnnSteps = 1500
  @Option(parsing: .unconditional, help: "Channels of the PixelCNN's hidden layers.")
  var pixelcnnChannels = 32
  @Option(parsing: .unconditional, help: "Steps of the diffusion model's U-Net (Adam 1e-3, batch 64).")
  var diffusionSteps = 2000
  @Option(parsing: .unconditional, help: "Channels of the U-Net at 28×28; a multiple of 8.")
  var diffusionChannels = 32
  @Option(help: "The folder of cached weights (default: <out>/cache/\(lessonName)).")
  var cache: String?
  @Flag(help: "Train every model again, ignoring (and replacing) cached weights.")
  var retrain = false

  static let defaultSampleCount = 500
  /// The k of the k-nearest-neighbour balls of precision and recall.
  static let neighbours = 3

  mutating func validate() throws {
    for (flag, value, low, high) in [("--classifier-epochs", classifierEpochs, 1, 100), ("--vae-epochs", vaeEpochs, 1, 1000),
                                     ("--dcgan-steps", dcganSteps, 1, 1_000_000), ("--pixelcnn-steps", pixelcnnSteps, 1, 1_000_000),
                                     ("--pixelcnn-channels", pixelcnnChannels, 1, 256),
                                     ("--diffusion-steps", diffusionSteps, 1, 1_000_000)] where value < low || value > high {
      throw ValidationError("\(flag) must be in \(low)…\(high), got \(value)")
    }
    if diffusionChannels < 8 || diffusionChannels > 256 || diffusionChannels % 8 != 0 {
      throw ValidationError("--diffusion-channels must be a multiple of 8 in 8…256 (GroupNorm uses 8 groups), got \(diffusionChannels)")
    }
  }

  mutating func run() throws {
    try options.rejectTrainingFlags(lesson: Self.lessonName, reason: "trains five models with their own flags "
                                    + "(--vae-epochs, --dcgan-steps, --pixelcnn-steps, --diffusion-steps, …)")
    options.apply()
    let sampleCount = options.numSamples(lessonDefault: Self.defaultSampleCount)
    guard sampleCount > Self.neighbours else {
      throw ValidationError("--num-samples must be more than \(Self.neighbours) (precision and recall use "
                            + "\(Self.neighbours) nearest neighbours), got \(sampleCount)")
    }

    Console.section("1. Data: Fashion-MNIST, gray and binarized")
    let source = try FashionMNIST.load(explicitPath: options.data)
    print(source.description)
    let data = CapstoneData(source)
    let count = data.train.shape[0], testCount = data.test.shape[0]
    guard sampleCount <= min(count, testCount) else {
      throw ValidationError("--num-samples \(sampleCount) is more than the \(min(count, testCount)) images "
                            + "the data set can compare them with")
    }
    let cacheFolder = cache ?? ((options.out as NSString).appendingPathComponent("cache/\(Self.lessonName)"))
    let modelCache = ModelCache(folder: cacheFolder, lesson: Self.lessonName, retrain: retrain)
    if cache != nil { try modelCache.prepare() }      // a --cache of its own: checked before anything is written
    let run = try LessonRun(lesson: Self.lessonName, title: "Lesson 11 — The four families side by side",
                            options: options, dataset: source.description)
    if cache == nil { try modelCache.prepare() }      // under --out, which RunFolder.create just proved writable
    let metrics = try MetricsLog(run: run.folder, start: Date())
    print("weights cache: \(cacheFolder)")
    let trainers = Trainers(data: data, budgets: self, cache: modelCache, seed: options.seed, implementation: options.impl)
    run.settingRows = [("seed", String(options.seed)), ("classifier-epochs", String(classifierEpochs)),
                       ("vae-epochs", String(vaeEpochs)), ("dcgan-steps", String(dcganSteps)),
                       ("pixelcnn-steps", String(pixelcnnSteps)), ("pixelcnn-channels", String(pixelcnnChannels)),
                       ("diffusion-steps", String(diffusionSteps)), ("diffusion-channels", String(diffusionChannels)),
                       ("num-samples", String(sampleCount)), ("impl", options.impl.rawValue),
                       ("threads", String(Parallel.threadCount)), ("cache", cacheFolder), ("retrain", String(retrain))]

    do {
      let (features, accuracy) = try theJudge(trainers, sampleCount: sampleCount, run: run)
      let contenders = try theContenders(trainers, features)
      let results = try drawAndJudge(contenders, features, metrics: metrics, run: run)
      try showTable(results, data: data, sampleCount: sampleCount, classifierAccuracy: accuracy, run: run)
      run.report.addLink("metrics.jsonl", text: "every number of the table, one JSON object per row")
      metrics.close()
      try run.finish()
    } catch let stop as TrainingInterrupted {
      // The models finished so far are cached; the next run trains the rest.
      metrics.close()
      FileHandle.standardError.write(Data(("\(Self.lessonName): interrupted while training \(stop.label) (step \(stop.step) "
        + "of \(stop.total)); the models trained before it are cached in \(cacheFolder) — run the same command again "
        + "to train only the rest\n").utf8))
      throw ExitCode(Interrupt.exitStatus)
    }
  }

  /// The classifier whose features measure sample quality, trained or loaded, and its test
  /// accuracy. Returns the feature space it defines and the accuracy.
  func theJudge(_ trainers: Trainers, sampleCount: Int, run: LessonRun) throws -> (FeatureSpace, Double) {
    Console.section("2. The judge: a classifier whose features measure sample quality")
    let (data, testCount) = (trainers.data, trainers.data.test.shape[0])
    let judge = try trainers.classifier()
    let accuracy = judge.model.accuracy(data.test, labels: data.source.test.labels)
    print("test accuracy \(String(format: "%.2f", 100 * accuracy)) % on \(Format.count(testCount)) gray test images "
          + "(\(Format.count(judge.model.parameterCount)) parameters)")
    run.report.metrics += [("classifier test accuracy", String(format: "%.2f %%", 100 * accuracy)),
                           ("classifier parameters", Format.count(judge.model.parameterCount)),
                           ("classifier training", Format.duration(judge.seconds) + (judge.cached ? " (cached)" : ""))]
    return (FeatureSpace(judge.model, data: data, count: sampleCount, seed: options.seed), accuracy)
  }

  /// The data rows (the floor of every measure) and the five models, each trained or loaded.
  func theContenders(_ trainers: Trainers, _ features: FeatureSpace) throws -> [Contender] {
    Console.section("3. The contenders, trained or loaded")
    return try features.dataRows(trainers.data) + [trainers.independentPixels()] + trainers.vae()
      + [trainers.dcgan(), trainers.pixelCNN()] + trainers.diffusion()
  }

  /// Each contender draws 64 samples, timed (`samples-<slug>.png`), and `--num-samples` for the
  /// Fréchet distance and precision/recall in the judge's features; one metrics line each.
  func drawAndJudge(_ contenders: [Contender], _ features: FeatureSpace, metrics: MetricsLog,
                    run: LessonRun) throws -> [Measured] {
    Console.section("4. Drawing and judging: 64 samples timed, \(features.count) for the Fréchet distance and precision/recall")
    return try contenders.enumerated().map { index, contender in
      let measured = features.measure(contender, index: index)
      try PNG.writeGrid(measured.grid, columns: 8, scale: 2, to: run.folder.file("samples-\(contender.slug).png"))
      try metrics.log(step: index, measured.metrics)
      run.report.addLink("samples-\(contender.slug).png", text: "64 samples: \(contender.name)")
      return measured
    }
  }
}
