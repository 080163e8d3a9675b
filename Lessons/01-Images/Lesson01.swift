// Lesson 01 — Images, and the simplest generative model.
//
// Fashion-MNIST as tensors; the independent-pixel model as the baseline that every
// later lesson has to beat; and, since a batch of images is a matrix, the first twin
// pair: the reference and packed GEMM, checked against each other, then timed.
// Read README.md beside this file for the chapter. The models are in PixelModels.swift,
// the pictures in Pictures.swift.
import ArgumentParser
import Foundation
import GenLab

@main
struct Lesson01: LessonCommand {
  static let lessonName = "lesson01-images"
  static let abstract = "Fashion-MNIST as tensors, the independent-pixel model, and the GEMM twins."

  @OptionGroup var options: LessonOptions

  // This lesson runs both GEMM twins side by side, so `--impl` does not apply here.
  @Option(parsing: .unconditional, help: "Images used for the pixel-covariance product that checks and times the GEMM twins.")
  var gemmImages: Int = 2048

  mutating func validate() throws {
    if gemmImages < 2 { throw ValidationError("--gemm-images must be at least 2, got \(gemmImages)") }
  }

  mutating func run() throws {
    try options.rejectTrainingFlags(lesson: Self.lessonName)
    options.apply()

    Console.section("1. Fashion-MNIST as tensors")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let run = try LessonRun(lesson: Self.lessonName, title: "Lesson 01 — Images, and the simplest generative model",
                            options: options, dataset: data.description)
    run.settingRows += [("gemm-images", String(gemmImages)), ("num-samples", String(options.numSamples))]
    let metrics = try MetricsLog(run: run.folder)
    run.report.addLink("metrics.jsonl", text: "the metrics, one JSON object per line")

    try showTensors(data, run: run)
    try fitIndependentPixels(data, run: run, metrics: metrics)
    try pixelCovariance(data.train, run: run)

    metrics.close()
    try run.finish()
  }

  // MARK: - 1. The data, as tensors

  /// Prints the shapes and a few counts of the data, and draws ten examples of each class
  /// (`examples.png`) and the mean image of each class (`class-means.png`).
  func showTensors(_ data: FashionMNIST, run: LessonRun) throws {
    let train = data.train, test = data.test
    print("train images: Tensor \(train.images.shape)  (N × C × H × W, values in [0, 1])")
    print("test images:  Tensor \(test.images.shape)")
    let pixels = train.images.data
    let mean = train.images.mean()
    let zeros = pixels.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    print("pixel mean \(Format.number(mean)), \(Format.number(100 * Float(zeros) / Float(pixels.count)))% of pixels are exactly 0 (background)")
    let perClass = (0..<10).map { c in train.labels.filter { $0 == c }.count }
    print("images per class: " + zip(FashionMNIST.classNames, perClass).map { "\($0) \($1)" }.joined(separator: ", "))

    try PNG.writeGrid(examplesPerClass(train, perClass: 10), columns: 10, scale: 2, to: run.folder.file("examples.png"))
    try PNG.writeGrid(classMeans(train), columns: 10, scale: 3, to: run.folder.file("class-means.png"))
    print("wrote examples.png (a row per class) and class-means.png (the mean image of each class)")
    run.report.addFigure("examples.png", caption: "Ten training examples of each class, a row per class.")
    run.report.addFigure("class-means.png", caption: "The mean image of each class.")
  }

  // MARK: - 2. The simplest generative model

  /// Fits the three independent-pixel models on the training images, prints (and logs) their
  /// test negative log-likelihoods, draws samples of each and writes the mixture's samples
  /// (`--num-samples`, N × 1 × 28 × 28) to samples.safetensors.
  func fitIndependentPixels(_ data: FashionMNIST, run: LessonRun, metrics: MetricsLog) throws {
    Console.section("2. Every pixel independent: the baseline")
    let train = data.train, test = data.test
    var rng = RNG(seed: options.seed)

    // (a) Bernoulli on binarized pixels: x_j ∈ {0,1}, p(x) = Π_j p_jˣʲ (1−p_j)¹⁻ˣʲ.
    let bernoulli = BernoulliPixels(fitting: train.images.binarized())
    let bernoulliNLL = bernoulli.negativeLogLikelihood(test.images.binarized())
    printTestNLL("Bernoulli, binarized at 0.5", nats: bernoulliNLL, uniformBits: 1)

    // (b) A 256-way categorical per pixel on the raw 8-bit values: p(x) = Π_j π_j[x_j].
    let categorical = CategoricalPixels(fitting: train.images, dims: pixelCount)
    let categoricalNLL = categorical.negativeLogLikelihood(test.images)
    printTestNLL("Categorical, 256 levels (8-bit)", nats: categoricalNLL, uniformBits: 8)

    // (c) One more step: a mixture of ten such models, one per class, weighted by class
    // frequency: p(x) = Σ_c π_c Π_j π_{c,j}[x_j]. Knowing "what kind of thing" helps a lot.
    let mixture = ClassMixture(fitting: train, dims: pixelCount)
    let mixtureNLL = mixture.negativeLogLikelihood(test.images)
    printTestNLL("Mixture of 10 per-class categoricals", nats: mixtureNLL, uniformBits: 8)
    print("""
      (bits per pixel = nats per image / (784 · ln 2); 8-bit models are comparable with each other,
       binarized ones only with binarized ones. Later lessons beat these numbers.)
      """)
    try metrics.log(step: 0, ["nll_bernoulli_nats": bernoulliNLL, "nll_categorical_nats": categoricalNLL,
                              "nll_mixture_nats": mixtureNLL])
    run.report.metrics += [
      ("test NLL, Bernoulli (binarized at 0.5)", nllText(bernoulliNLL)),
      ("test NLL, categorical (256 levels)", nllText(categoricalNLL)),
      ("test NLL, mixture of 10 per-class categoricals", nllText(mixtureNLL)),
    ]

    let gridCount = min(100, options.numSamples)
    let bernoulliSamples = bernoulli.sample(gridCount, using: &rng)
    let categoricalSamples = categorical.sample(gridCount, using: &rng)
    let mixtureSamples = mixture.sample(options.numSamples, using: &rng)
    try PNG.writeGrid(bernoulliSamples, columns: 10, scale: 2, to: run.folder.file("samples-bernoulli.png"))
    try PNG.writeGrid(categoricalSamples, columns: 10, scale: 2, to: run.folder.file("samples-categorical.png"))
    try PNG.writeGrid(mixtureSamples.slice(0..<gridCount), columns: 10, scale: 2,
                      to: run.folder.file("samples-mixture.png"))
    print("wrote samples-bernoulli.png, samples-categorical.png, samples-mixture.png:")
    print("each pixel is right on its own, but the pixels do not agree with each other: noise, not clothes.")
    try run.folder.writeSamples(mixtureSamples, model: "mixture of 10 per-class categoricals", seed: options.seed)
    print("wrote \(RunFolder.samplesFile): \(Format.count(options.numSamples)) samples of the mixture "
          + "(tensor 'samples', \(mixtureSamples.shape), values in [0, 1]; --num-samples to change)")

    let noise = "Each pixel is right on its own, but the pixels do not agree with each other: noise, not clothes."
    run.report.addFigure("samples-bernoulli.png", caption: "\(gridCount) samples of the Bernoulli model (binarized at 0.5). "
                         + noise)
    run.report.addFigure("samples-categorical.png", caption: "\(gridCount) samples of the 256-level categorical model. "
                         + noise)
    run.report.addFigure("samples-mixture.png", caption: "\(gridCount) samples of the mixture of 10 per-class "
                         + "categoricals. " + noise)
    run.report.addLink(RunFolder.samplesFile, text: "\(Format.count(options.numSamples)) samples of the mixture model "
                       + "(safetensors, tensor 'samples', N×1×28×28 in [0, 1])")
  }

  // MARK: - 3. Images are matrices: the GEMM twins

  /// Σ = Xcᵀ·Xc / (N − 1) for the first `--gemm-images` training images with both GEMM twins:
  /// checks that they agree, times them, and draws five rows of the correlation matrix
  /// (`pixel-correlations.png`).
  func pixelCovariance(_ train: FashionMNIST.Split, run: LessonRun) throws {
    Console.section("3. A batch of images is a matrix: the pixel covariance Σ = Xcᵀ·Xc / (N − 1)")
    let dims = pixelCount
    let count = min(gemmImages, train.count)
    let centered = centeredMatrix(train.images.slice(0..<count), dims: dims)   // N × 784
    print("X: \(count) images as rows of \(dims) pixels; Σ is \(dims) × \(dims), "
          + "\(Format.count(count * dims * dims)) multiply-adds")
    // Check before timing: the two twins must agree.
    let covarianceReference = MatMul.multiplyReference(centered, centered, transposeA: true) / Float(count - 1)
    let covariance = MatMul.multiply(centered, centered, transposeA: true) / Float(count - 1)
    let difference = covariance.maxAbsDifference(covarianceReference)
    let scale = covarianceReference.map(abs).max()
    print("max |optimized − reference| = \(Format.number(difference)) (entries up to \(Format.number(scale)))")
    precondition(difference <= 1e-4 * scale + 1e-6,
                 "the GEMM twins disagree by \(difference) on \(count)×\(dims) · \(dims)ᵀ: this is a bug, please report it")

    let flops = 2.0 * Double(count * dims * dims)
    let referenceTime = Timing.measure(warmup: 0, minRepeats: 1, minSeconds: 0) {
      _ = MatMul.multiplyReference(centered, centered, transposeA: true)
    }.min
    let optimizedTime = Timing.measure(warmup: 1, minRepeats: 5, minSeconds: 0.3) {
      _ = MatMul.multiply(centered, centered, transposeA: true)
    }.min
    print("reference (triple loop): \(Format.duration(referenceTime))  \(Format.gflops(flops, referenceTime)) GFLOP/s")
    print("optimized (packed SIMD, \(Format.threads(Parallel.threadCount))): "
          + "\(Format.duration(optimizedTime)), \(Format.gflops(flops, optimizedTime)) GFLOP/s")
    print("speed-up: \(Format.number(Float(referenceTime / optimizedTime)))×")
    run.report.metrics += [
      ("GEMM max |optimized − reference|", Format.number(difference)),
      ("GEMM reference (triple loop)", "\(Format.duration(referenceTime)), \(Format.gflops(flops, referenceTime)) GFLOP/s"),
      ("GEMM optimized (packed SIMD)", "\(Format.duration(optimizedTime)), \(Format.gflops(flops, optimizedTime)) GFLOP/s"),
      ("GEMM speed-up", "\(Format.number(Float(referenceTime / optimizedTime)))×"),
    ]

    let correlations = correlationMaps(covariance, pixels: [(14, 14), (5, 14), (22, 8), (14, 3), (22, 20)])
    try PNG.writeGrid(correlations, columns: 5, scale: 4, to: run.folder.file("pixel-correlations.png"))
    let meaning = "(red +1, white 0, blue −1): pixels move together, which an independent model cannot express."
    print("wrote pixel-correlations.png: how five pixels (black dots) correlate with every other pixel")
    print(meaning)
    run.report.addFigure("pixel-correlations.png", caption: "How five pixels (black dots) correlate with every other "
                         + "pixel " + meaning)
  }
}
