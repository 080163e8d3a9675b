// Lesson 01 — Images, and the simplest generative model.
//
// Fashion-MNIST as tensors; the independent-pixel model as the baseline that every
// later lesson has to beat; and, since a batch of images is a matrix, the first twin
// pair: the reference and packed GEMM, checked against each other, then timed.
// Read README.md beside this file for the chapter.
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
    let started = Timing.now()
    let startDate = Date()

    // 1. The data, as tensors ------------------------------------------------------
    Console.section("1. Fashion-MNIST as tensors")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let run = try RunFolder.create(lesson: Self.lessonName, root: options.out)
    let metricsLog = try MetricsLog(run: run, start: startDate)
    let train = data.train, test = data.test
    print("train images: Tensor \(train.images.shape)  (N × C × H × W, values in [0, 1])")
    print("test images:  Tensor \(test.images.shape)")
    let pixels = train.images.data
    let mean = train.images.mean()
    let zeros = pixels.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    print("pixel mean \(Format.number(mean)), \(Format.number(100 * Float(zeros) / Float(pixels.count)))% of pixels are exactly 0 (background)")
    let perClass = (0..<10).map { c in train.labels.filter { $0 == c }.count }
    print("images per class: " + zip(FashionMNIST.classNames, perClass).map { "\($0) \($1)" }.joined(separator: ", "))

    let examples = examplesPerClass(train, perClass: 10)
    try PNG.writeGrid(examples, columns: 10, scale: 2, to: run.file("examples.png"))
    let classMeans = Tensor.stack((0..<10).map { c in
      train.images.gather(train.labels.indices.filter { train.labels[$0] == c }).meanOverFirstAxis()
    })
    try PNG.writeGrid(classMeans, columns: 10, scale: 3, to: run.file("class-means.png"))
    print("wrote examples.png (a row per class) and class-means.png (the mean image of each class)")

    // 2. The simplest generative model --------------------------------------------
    Console.section("2. Every pixel independent: the baseline")
    let dims = 28 * 28
    var rng = RNG(seed: options.seed)

    // (a) Bernoulli on binarized pixels: x_j ∈ {0,1}, p(x) = Π_j p_jˣʲ (1−p_j)¹⁻ˣʲ.
    let bernoulli = BernoulliPixels(fitting: train.images.binarized())
    let bernoulliNLL = bernoulli.negativeLogLikelihood(test.images.binarized())
    report("Bernoulli, binarized at 0.5", nats: bernoulliNLL, dims: dims, uniformBits: 1)

    // (b) A 256-way categorical per pixel on the raw 8-bit values: p(x) = Π_j π_j[x_j].
    let categorical = CategoricalPixels(fitting: train.images, dims: dims)
    let categoricalNLL = categorical.negativeLogLikelihood(test.images)
    report("Categorical, 256 levels (8-bit)", nats: categoricalNLL, dims: dims, uniformBits: 8)

    // (c) One more step: a mixture of ten such models, one per class, weighted by class
    // frequency: p(x) = Σ_c π_c Π_j π_{c,j}[x_j]. Knowing "what kind of thing" helps a lot.
    let mixture = ClassMixture(fitting: train, dims: dims)
    let mixtureNLL = mixture.negativeLogLikelihood(test.images)
    report("Mixture of 10 per-class categoricals", nats: mixtureNLL, dims: dims, uniformBits: 8)
    print("""
      (bits per pixel = nats per image / (784 · ln 2); 8-bit models are comparable with each other,
       binarized ones only with binarized ones. Later lessons beat these numbers.)
      """)
    try metricsLog.log(step: 0, ["nll_bernoulli_nats": bernoulliNLL, "nll_categorical_nats": categoricalNLL,
                                 "nll_mixture_nats": mixtureNLL])

    let gridCount = min(100, options.numSamples)
    let bernoulliSamples = bernoulli.sample(gridCount, using: &rng)
    let categoricalSamples = categorical.sample(gridCount, using: &rng)
    let mixtureSamples = mixture.sample(options.numSamples, using: &rng)
    try PNG.writeGrid(bernoulliSamples, columns: 10, scale: 2, to: run.file("samples-bernoulli.png"))
    try PNG.writeGrid(categoricalSamples, columns: 10, scale: 2, to: run.file("samples-categorical.png"))
    try PNG.writeGrid(mixtureSamples.slice(0..<gridCount), columns: 10, scale: 2, to: run.file("samples-mixture.png"))
    print("wrote samples-bernoulli.png, samples-categorical.png, samples-mixture.png:")
    print("each pixel is right on its own, but the pixels do not agree with each other: noise, not clothes.")
    try run.writeSamples(mixtureSamples, model: "mixture of 10 per-class categoricals", seed: options.seed)
    print("wrote \(RunFolder.samplesFile): \(Format.count(options.numSamples)) samples of the mixture "
          + "(tensor 'samples', \(mixtureSamples.shape), values in [0, 1]; --num-samples to change)")

    // 3. Images are matrices: the GEMM twins ------------------------------------------
    Console.section("3. A batch of images is a matrix: the pixel covariance Σ = Xcᵀ·Xc / (N − 1)")
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
    print("optimized (packed SIMD, \(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s")): "
          + "\(Format.duration(optimizedTime)), \(Format.gflops(flops, optimizedTime)) GFLOP/s")
    print("speed-up: \(Format.number(Float(referenceTime / optimizedTime)))×")

    let correlations = correlationMaps(covariance, pixels: [(14, 14), (5, 14), (22, 8), (14, 3), (22, 20)])
    try PNG.writeGrid(correlations, columns: 5, scale: 4, to: run.file("pixel-correlations.png"))
    print("wrote pixel-correlations.png: how five pixels (black dots) correlate with every other pixel")
    print("(red +1, white 0, blue −1): pixels move together, which an independent model cannot express.")

    // The run's page: what was run, the numbers, the pictures ----------------------------
    var report = RunReport(run: run, title: "Lesson 01 — Images, and the simplest generative model",
                           seed: options.seed, started: startDate)
    report.settings = [("seed", String(options.seed)), ("threads", String(Parallel.threadCount)),
                       ("gemm-images", String(gemmImages)), ("num-samples", String(options.numSamples))]
    report.dataset = data.description
    func nllLine(_ nats: Double) -> String {
      String(format: "%.1f nats/image = %.3f bits/pixel", nats, nats / (Double(dims) * log(2)))
    }
    report.metrics = [
      ("test NLL, Bernoulli (binarized at 0.5)", nllLine(bernoulliNLL)),
      ("test NLL, categorical (256 levels)", nllLine(categoricalNLL)),
      ("test NLL, mixture of 10 per-class categoricals", nllLine(mixtureNLL)),
      ("GEMM max |optimized − reference|", Format.number(difference)),
      ("GEMM reference (triple loop)", "\(Format.duration(referenceTime)), \(Format.gflops(flops, referenceTime)) GFLOP/s"),
      ("GEMM optimized (packed SIMD)", "\(Format.duration(optimizedTime)), \(Format.gflops(flops, optimizedTime)) GFLOP/s"),
      ("GEMM speed-up", "\(Format.number(Float(referenceTime / optimizedTime)))×"),
    ]
    report.addFigure("examples.png", caption: "Ten training examples of each class, a row per class.")
    report.addFigure("class-means.png", caption: "The mean image of each class.")
    let noise = "Each pixel is right on its own, but the pixels do not agree with each other: noise, not clothes."
    report.addFigure("samples-bernoulli.png", caption: "\(gridCount) samples of the Bernoulli model (binarized at 0.5). " + noise)
    report.addFigure("samples-categorical.png", caption: "\(gridCount) samples of the 256-level categorical model. " + noise)
    report.addFigure("samples-mixture.png", caption: "\(gridCount) samples of the mixture of 10 per-class categoricals. " + noise)
    report.addFigure("pixel-correlations.png", caption: "How five pixels (black dots) correlate with every other pixel "
                     + "(red +1, white 0, blue −1): pixels move together, which an independent model cannot express.")
    report.addLink("metrics.jsonl", text: "the metrics, one JSON object per line")
    report.addLink(RunFolder.samplesFile, text: "\(Format.count(options.numSamples)) samples of the mixture model "
                   + "(safetensors, tensor 'samples', N×1×28×28 in [0, 1])")
    metricsLog.close()
    try report.finish(started: started)
  }
}

// MARK: - The independent-pixel models

// `BernoulliPixels`, p(x) = Π_j p_jˣʲ (1 − p_j)¹⁻ˣʲ fitted by counting, lives in
// Sources/Models/IndependentPixels.swift: the capstone (lesson 11) scores it too.

/// p(x) = Π_j π_j[x_j] over the 256 grey levels, π_j fitted by counting with add-one
/// smoothing: π_j[v] = (count_j[v] + 1) / (N + 256).
struct CategoricalPixels {
  /// log π_j[v] at j·256 + v.
  var logProbability: [Double]
  /// Cumulative π_j, for sampling.
  var cumulative: [Double]

  init(fitting images: Tensor, dims: Int, weights: [Double]? = nil) {
    let n = images.shape[0]
    var counts = [Double](repeating: 1, count: dims * 256)       // add-one smoothing
    for i in 0..<n {
      for j in 0..<dims { counts[j * 256 + level(images.data[i * dims + j])] += 1 }
    }
    logProbability = counts
    cumulative = counts
    let total = Double(n) + 256
    for j in 0..<dims {
      var running = 0.0
      for v in 0..<256 {
        let p = counts[j * 256 + v] / total
        logProbability[j * 256 + v] = log(p)
        running += p
        cumulative[j * 256 + v] = running
      }
    }
  }

  /// log p(x) of image `i` of `images`.
  func logLikelihood(_ images: Tensor, _ i: Int) -> Double {
    let dims = logProbability.count / 256
    var total = 0.0
    for j in 0..<dims { total += logProbability[j * 256 + level(images.data[i * dims + j])] }
    return total
  }

  func negativeLogLikelihood(_ images: Tensor) -> Double {
    let n = images.shape[0]
    return -(0..<n).reduce(0.0) { $0 + logLikelihood(images, $1) } / Double(n)
  }

  func sample(_ count: Int, using rng: inout RNG) -> Tensor {
    var out = Tensor(zeros: [count, 1, 28, 28])
    for i in 0..<count { fill(&out, image: i, using: &rng) }
    return out
  }

  /// Draws every pixel of image `i` of `out` by inverting the cumulative distribution.
  func fill(_ out: inout Tensor, image i: Int, using rng: inout RNG) {
    let dims = logProbability.count / 256
    for j in 0..<dims {
      let u = rng.uniformDouble() * cumulative[j * 256 + 255]
      var v = 0
      while v < 255 && cumulative[j * 256 + v] < u { v += 1 }
      out.data[i * dims + j] = Float(v) / 255
    }
  }
}

/// p(x) = Σ_c π_c p_c(x), one CategoricalPixels per class; log p(x) by log-sum-exp.
struct ClassMixture {
  var components: [CategoricalPixels]
  var logWeight: [Double]
  var weight: [Double]

  init(fitting split: FashionMNIST.Split, dims: Int) {
    components = (0..<10).map { c in
      CategoricalPixels(fitting: split.images.gather(split.labels.indices.filter { split.labels[$0] == c }),
                        dims: dims)
    }
    weight = (0..<10).map { c in Double(split.labels.filter { $0 == c }.count) / Double(split.count) }
    logWeight = weight.map { log($0) }
  }

  func negativeLogLikelihood(_ images: Tensor) -> Double {
    let n = images.shape[0]
    var total = 0.0
    for i in 0..<n {
      let terms = (0..<10).map { logWeight[$0] + components[$0].logLikelihood(images, i) }
      let top = terms.max()!
      total -= top + log(terms.reduce(0.0) { $0 + exp($1 - top) })
    }
    return total / Double(n)
  }

  func sample(_ count: Int, using rng: inout RNG) -> Tensor {
    var out = Tensor(zeros: [count, 1, 28, 28])
    for i in 0..<count {
      // Pick a class by its weight, then every pixel from that class's model.
      var u = rng.uniformDouble(), c = 0
      while c < 9 && u >= weight[c] { u -= weight[c]; c += 1 }
      components[c].fill(&out, image: i, using: &rng)
    }
    return out
  }
}

// MARK: - Helpers

func level(_ value: Float) -> Int { Int((value * 255).rounded()) }

func examplesPerClass(_ split: FashionMNIST.Split, perClass: Int) -> Tensor {
  var picked: [Int] = []
  for c in 0..<10 { picked += split.labels.indices.filter { split.labels[$0] == c }.prefix(perClass) }
  return split.images.gather(picked)
}

/// Images as rows of a matrix, with each pixel's mean over the images subtracted.
func centeredMatrix(_ images: Tensor, dims: Int) -> Tensor {
  let matrix = images.reshaped([images.shape[0], dims])
  let pixelMean = matrix.meanOverFirstAxis()
  var centered = matrix
  for i in 0..<matrix.shape[0] {
    for j in 0..<dims { centered.data[i * dims + j] -= pixelMean.data[j] }
  }
  return centered
}

/// Row (r, c) of the correlation matrix ρ_ij = Σ_ij / √(Σ_ii Σ_jj) as a 3×28×28 colour
/// image: red for +1, white for 0, blue for −1, and the pixel itself in black.
func correlationMaps(_ covariance: Tensor, pixels: [(Int, Int)]) -> Tensor {
  let dims = covariance.shape[0]
  let maps = pixels.map { (row, column) -> Tensor in
    let i = row * 28 + column
    var map = Tensor(zeros: [3, 28, 28])
    for j in 0..<dims {
      let denominator = (covariance.data[i * dims + i] * covariance.data[j * dims + j]).squareRoot()
      let rho = denominator > 1e-12 ? covariance.data[i * dims + j] / denominator : 0
      let fade = 1 - abs(rho)
      let (red, green, blue): (Float, Float, Float) =
        j == i ? (0, 0, 0) : rho >= 0 ? (1, fade, fade) : (fade, fade, 1)
      map.data[j] = red
      map.data[dims + j] = green
      map.data[2 * dims + j] = blue
    }
    return map
  }
  return Tensor.stack(maps)
}

func report(_ name: String, nats: Double, dims: Int, uniformBits: Double) {
  let bitsPerPixel = nats / (Double(dims) * log(2))
  let padded = name.padding(toLength: 38, withPad: " ", startingAt: 0)
  print("\(padded) test NLL \(String(format: "%7.1f", nats)) nats/image = "
        + "\(String(format: "%.3f", bitsPerPixel)) bits/pixel  (uniform guess: \(Int(uniformBits)) bit\(uniformBits == 1 ? "" : "s")/pixel)")
}


