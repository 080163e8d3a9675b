// Lesson 05 — Autoencoder, then VAE.
//
// An autoencoder squeezes each image through a small code and rebuilds it; its codes
// cannot be sampled. A variational autoencoder (VAE) makes the code a distribution,
// q(z|x) = N(μ(x), σ²(x)), pulls it towards the prior N(0, I) with a KL term, and so
// becomes a generative model: decode z ~ N(0, I) and you get clothes. The lesson
// trains both, reports the negative ELBO in nats per image (with its two terms), checks
// it is a bound with an importance-weighted estimate, and draws reconstructions,
// samples, latent interpolations, a 2-D latent map and the training as an animation.
// Read README.md beside this file for the chapter.
import ArgumentParser
import Foundation
import GenLab

typealias Architecture = VariationalAutoencoder.Architecture
extension VariationalAutoencoder.Architecture: ExpressibleByArgument {}

@main
struct Lesson05: LessonCommand {
  static let lessonName = "lesson05-vae"
  static let abstract = "Autoencoder → VAE on Fashion-MNIST: ELBO in nats, IWAE, interpolation, a 2-D latent map."
  static let discussion = """
    Defaults: --epochs 10 (VAE), --batch-size 128, --lr 1e-3 (Adam), --every 1 (epochs between \
    snapshots and checkpoints), --num-samples 1000. The autoencoder trains for --ae-epochs and the 2-D \
    map VAE for --map-epochs.
    """

  @OptionGroup var options: LessonOptions

  @Option(help: "Encoder/decoder: mlp (784-400-latent-400-784) or conv (conv twins: 2 convs down, 2 transposed convs up).")
  var arch: Architecture = .mlp

  @Option(parsing: .unconditional, help: "Size of the latent code z.")
  var latent: Int = 20

  @Flag(help: "Threshold the images at 0.5, for a proper discrete Bernoulli likelihood (default: gray values as targets).")
  var binarize = false

  @Option(parsing: .unconditional, help: "Epochs of the plain autoencoder (0 skips it).")
  var aeEpochs: Int = 5

  @Option(parsing: .unconditional, help: "Epochs of the extra 2-D latent VAE drawn as a map (0 skips it; with --latent 2 the main VAE is the map).")
  var mapEpochs: Int = 10

  @Option(parsing: .unconditional, help: "Importance samples k of the IWAE estimate of log p(x).")
  var iwaeK: Int = 100

  @Option(parsing: .unconditional, help: "Test images the IWAE estimate uses.")
  var iwaeImages: Int = 1000

  static let defaultEpochs = 10, defaultBatchSize = 128, defaultEvery = 1
  static let defaultLearningRate: Float = 1e-3

  mutating func validate() throws {
    if latent < 1 || latent > 512 { throw ValidationError("--latent must be in 1…512, got \(latent)") }
    if aeEpochs < 0 { throw ValidationError("--ae-epochs must be 0 or more, got \(aeEpochs)") }
    if mapEpochs < 0 { throw ValidationError("--map-epochs must be 0 or more, got \(mapEpochs)") }
    if iwaeK < 1 { throw ValidationError("--iwae-k must be at least 1, got \(iwaeK)") }
    if iwaeImages < 1 { throw ValidationError("--iwae-images must be at least 1, got \(iwaeImages)") }
  }

  mutating func run() throws {
    var settings = try RunSettings(lesson: Self.lessonName, options: &options, counting: .epochs)
    let resumed = settings.checkpoint
    try settings.declare(&arch, flag: "--arch")
    try settings.declare(&latent, flag: "--latent")
    try settings.declare(&binarize, flag: "--binarize", label: "targets",
                         shown: { $0 ? "binarized at 0.5" : "gray values in [0, 1]" })
    let batchSize = try settings.batchSize(options, default: Self.defaultBatchSize)
    let learningRate = try settings.learningRate(options, default: Self.defaultLearningRate, label: "lr (Adam)")
    // Epochs may grow on resume, each model's from the epochs it has done (it keeps its optimizer and generator).
    let perEpoch = try stepsPerEpoch(resumed: resumed)
    func done(_ phase: Phase) -> Int { (Trainer.stepsDone(phase, in: resumed) + perEpoch - 1) / perEpoch }
    let epochs = try settings.epochs(options, default: Self.defaultEpochs, done: done(.vae), label: "epochs (VAE)")
    try settings.declare(&aeEpochs, flag: "--ae-epochs", onResume: .atLeast(done(.autoencoder)))
    if latent == 2 { mapEpochs = 0 }   // the VAE itself is the map
    try settings.declare(&mapEpochs, flag: "--map-epochs", onResume: .atLeast(done(.map)))
    let every = try settings.every(options, default: Self.defaultEvery, unit: "epoch(s)")
    settings.show("iwae-k", String(iwaeK))
    settings.show("iwae-images", String(iwaeImages))
    settings.show("num-samples", String(options.numSamples))

    Console.section("1. Data")
    let data = try FashionMNIST.load(explicitPath: options.data)
    print(data.description)
    let target = binarize ? "binarized at 0.5: a proper Bernoulli likelihood of 0/1 pixels"
                          : "gray values in [0, 1] used as Bernoulli targets (as most tutorials do; --binarize for 0/1)"
    print("likelihood: Bernoulli per pixel, targets \(target)")
    let trainImages = binarize ? data.train.images.binarized() : data.train.images
    let testImages = binarize ? data.test.images.binarized() : data.test.images
    guard resumed == nil || perEpoch == Batches(itemCount: trainImages.shape[0], batchSize: batchSize, seed: 0).count else {
      throw ValidationError("the checkpoint was trained on a data set of another size (\(perEpoch) batches an epoch): "
                            + "give the --data it was trained on")
    }
    let run = try TrainingRun(settings, title: "Lesson 05 — Autoencoder, then VAE", options: options,
                              dataset: data.description)
    let lab = Trainer(arch: arch, latent: latent, seed: options.seed, batchSize: batchSize, learningRate: learningRate,
                      implementation: options.impl, train: trainImages, test: testImages, folder: run.folder)
    lab.keep(in: run)
    run.metadata["steps_per_epoch"] = String(lab.stepsPerEpoch)
    try run.restore()
    try lab.carryOver(try run.carryOverMetrics(), from: resumed)

    var rng = RNG(seed: options.seed, stream: 50)   // pictures' randomness, apart from training's
    let pairs = interpolationPairs(data.test.labels)
    if aeEpochs > 0 { try plainAutoencoder(lab, pairs: pairs, every: every, rng: &rng, run: run) }
    checkReparameterizationTwins(latent: latent, seed: options.seed, run: run)
    let vae = try trainVAE(lab, epochs: epochs, batchSize: batchSize, learningRate: learningRate, every: every, run: run)
    importanceWeighting(vae, lab.test, run: run)
    try drawVAE(vae, lab, pairs: pairs, rng: &rng, run: run)
    try latentMap(lab, vae, labels: data.test.labels, every: every, run: run)
    try run.finish()
  }

  /// Trains the autoencoder, prints its test reconstruction loss and how its codes are spread
  /// (not N(0, 1)), and draws its reconstructions, decoded random codes and interpolations.
  func plainAutoencoder(_ lab: Trainer, pairs: [(Int, Int)], every: Int, rng: inout RNG, run: TrainingRun) throws {
    Console.section("2. A plain autoencoder: x → code (\(latent) numbers) → x̂")
    let (autoencoder, testImages, file) = (lab.models[.autoencoder]!, lab.test, run.folder.file)
    try lab.train(.autoencoder, epochs: aeEpochs, every: every, in: run)
    let ae = lab.evaluate(autoencoder, testImages)
    print("test reconstruction loss: \(nats(ae.reconstruction)) (Bernoulli, summed over 784 pixels)")
    try writeReconstructions(autoencoder, testImages, to: file("ae-reconstructions.png"))
    let codes = autoencoder.encode(testImages.slice(0..<2000)).mean
    let spread = codeSpread(codes)
    print("its codes: per-dimension means \(Format.number(spread.meanLow))…\(Format.number(spread.meanHigh)), "
          + "standard deviations \(Format.number(spread.stdLow))…\(Format.number(spread.stdHigh)): not N(0, 1)")
    let randomCodes = Tensor.normal([64, latent], using: &rng)
    try PNG.writeGrid(autoencoder.decodeMean(randomCodes), columns: 8, scale: 2, to: file("ae-random-codes.png"))
    try writeInterpolations(autoencoder, testImages, pairs: pairs, to: file("ae-interpolation.png"))
    print("wrote ae-reconstructions.png (top rows test images, below their reconstructions),")
    print("ae-random-codes.png (decoded z ~ N(0, I): the decoder never saw codes like these),")
    print("ae-interpolation.png (decoding straight lines between two images' codes)")
    run.report.metrics.append(("autoencoder: test reconstruction", nats(ae.reconstruction)))
    run.report.addFigure("ae-reconstructions.png", caption: "Autoencoder: test images (odd rows) and their reconstructions (even rows).")
    run.report.addFigure("ae-random-codes.png", caption: "Autoencoder: decoding random codes z ~ N(0, I). Its code space "
                     + "has no distribution to sample from, so most of these are not clothes.")
    run.report.addFigure("ae-interpolation.png", caption: "Autoencoder: decoding the straight line between two test "
                     + "images' codes (first and last column are the images).")
  }

  /// Trains the VAE for `epochs` and prints its negative ELBO on the training and test images,
  /// with its two terms, and the time of a step. Returns the trained VAE.
  func trainVAE(_ lab: Trainer, epochs: Int, batchSize: Int, learningRate: Float, every: Int,
                run: TrainingRun) throws -> VariationalAutoencoder {
    Console.section("4. A VAE: \(arch == .mlp ? "MLP 784-400-\(latent)-400-784" : "conv encoder/decoder, latent \(latent)"), "
                    + "\(epochs) epochs, batch \(batchSize), Adam lr \(learningRate)")
    let vae = lab.models[.vae]!, trainCount = lab.train.shape[0]
    print("parameters: \(Format.count(vae.parameterCount)) (\(Format.number(Float(vae.parameterCount) * 4 / 1e6)) MB as float32) "
          + "for \(Format.count(trainCount)) training images of 784 bytes (\(Format.number(Float(trainCount) * 784 / 1e6)) MB)")
    let summary = try lab.train(.vae, epochs: epochs, every: every, in: run)
    let trainValue = lab.evaluate(vae, lab.train)
    let testValue = lab.evaluate(vae, lab.test)
    print("negative ELBO, nats per image (reconstruction + KL):")
    print("  train \(elbo(trainValue))")
    print("  test  \(elbo(testValue))")
    if let step = summary.medianStepSeconds {
      print("a training step (batch \(batchSize), forward + backward + Adam) takes \(Format.duration(step)): "
            + "\(Format.duration(step * Double(lab.stepsPerEpoch))) an epoch")
    }
    run.report.metrics.append(("VAE −ELBO, train (nats/image)", elbo(trainValue)))
    run.report.metrics.append(("VAE −ELBO, test (nats/image)", elbo(testValue)))
    return vae
  }

  /// −IWAE_k in nats per image on `--iwae-images` test images, for k = 1, 10 and `--iwae-k` (the
  /// same draws for every k: `VariationalAutoencoder.importanceWeightedBounds`):
  ///
  ///   log p(x) ≥ IWAE_k = E[ log (1/k) Σ_s p(x|z_s)·p(z_s) / q(z_s|x) ],  z_s ~ q(z|x),
  ///
  /// with k = 1 the ELBO. The bound tightens as k grows (Burda et al., 2015).
  func importanceWeighting(_ vae: VariationalAutoencoder, _ testImages: Tensor, run: TrainingRun) {
    Console.section("5. The ELBO is a bound: importance weighting with k samples")
    let subset = testImages.slice(0..<min(iwaeImages, testImages.shape[0]))
    var iwaeRNG = RNG(seed: options.seed, stream: 51)
    let ks = [1, 10, iwaeK].filter { $0 <= iwaeK }.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
    let bounds = vae.importanceWeightedBounds(subset, samples: ks, rng: &iwaeRNG)
      .map { $0.reduce(0, +) / Double(subset.shape[0]) }
    print("on \(Format.count(subset.shape[0])) test images, −log p(x) ≤ −IWAE_k (nats per image):")
    for (k, value) in zip(ks, bounds) {
      print("  k = \(k)\(String(repeating: " ", count: max(0, 4 - String(k).count)))\(nats(value))"
            + (k == 1 ? "   (k = 1 is the ELBO)" : ""))
      run.report.metrics.append(("−IWAE, k = \(k) (\(subset.shape[0]) test images)", nats(value)))
    }
    if bounds.count > 1 {
      print("more samples, a tighter bound: the ELBO sits \(Format.number(Float(bounds[0] - bounds[bounds.count - 1]))) nats "
            + "above the k = \(iwaeK) estimate of −log p(x).")
    }
  }

  /// The VAE's reconstructions, 64 samples from the prior, interpolations between codes,
  /// `--num-samples` samples, the training animation and the curves.
  func drawVAE(_ vae: VariationalAutoencoder, _ lab: Trainer, pairs: [(Int, Int)], rng: inout RNG,
               run: TrainingRun) throws {
    Console.section("6. What the VAE learned")
    let file = run.folder.file
    try writeReconstructions(vae, lab.test, to: file("vae-reconstructions.png"))
    let prior = Tensor.normal([64, latent], using: &rng)
    try PNG.writeGrid(vae.decodeMean(prior), columns: 8, scale: 2, to: file("vae-samples.png"))
    try writeInterpolations(vae, lab.test, pairs: pairs, to: file("vae-interpolation.png"))
    print("wrote vae-reconstructions.png, vae-samples.png (decoded z ~ N(0, I): now they are clothes),")
    print("vae-interpolation.png (straight lines between the codes μ(x) of two test images of different classes)")
    run.report.addFigure("vae-reconstructions.png", caption: "VAE: test images (odd rows) and the decoder's mean for their code μ(x) (even rows).")
    run.report.addFigure("vae-samples.png", caption: "VAE: 64 samples, z ~ N(0, I) decoded to Bernoulli means.")
    run.report.addFigure("vae-interpolation.png", caption: "VAE: decoding the straight line between μ(x) of two test images of different classes.")
    let samples = vae.sampleMeans(options.numSamples, rng: &rng)
    try run.writeSamples(samples, model: "VAE (\(arch.rawValue), latent \(latent)), Bernoulli means")
    print("wrote \(RunFolder.samplesFile): \(Format.count(options.numSamples)) samples (Bernoulli means σ(logits))")
    if try lab.frames.writeAnimation("vae-training.gif", delay: 50) {
      run.report.addFigure("vae-training.gif", caption: "Training, one frame per epoch: the same 64 codes z ~ N(0, I) "
                           + "decoded as the VAE learns.")
    }
    try lab.writeCurves(to: file("loss-curves.svg"), termsTo: file("elbo-terms.svg"))
    print("wrote vae-training.gif (the same 64 codes decoded after every epoch) and loss-curves.svg, elbo-terms.svg")
    run.report.addFigure("loss-curves.svg", caption: "Negative ELBO (nats per image) on the training batches and the test set, per epoch.")
    run.report.addFigure("elbo-terms.svg", caption: "The two terms of the test negative ELBO: reconstruction and KL.")
  }

  /// The VAE with a 2-D code (the main VAE itself with `--latent 2`, else the extra map VAE,
  /// trained here): the test images' codes coloured by class, and its decoder over a grid of codes.
  func latentMap(_ lab: Trainer, _ vae: VariationalAutoencoder, labels: [Int], every: Int, run: TrainingRun) throws {
    guard let mapModel = latent == 2 ? vae : (mapEpochs > 0 ? lab.models[.map] : nil) else { return }
    Console.section("7. A VAE with a 2-D code, drawn as a map")
    let (testImages, file) = (lab.test, run.folder.file)
    if mapModel !== vae { try lab.train(.map, epochs: mapEpochs, every: every, in: run) }
    let mapValue = lab.evaluate(mapModel, testImages)
    print("2-D VAE: test −ELBO \(elbo(mapValue))")
    let means = mapModel.encode(testImages).mean
    var scatter = ScatterPlot(means, classes: labels, classNames: FashionMNIST.classNames,
                              title: "μ(x) of the \(Format.count(testImages.shape[0])) test images",
                              xLabel: "z₁", yLabel: "z₂")
    scatter.radius = 1.5
    try scatter.write(to: file("latent-map.svg"))
    try PNG.writeGrid(manifold(mapModel, side: 15, range: 2), columns: 15, padding: 0, scale: 2,
                      to: file("latent-manifold.png"))
    print("wrote latent-map.svg (the test set's codes, coloured by class) and latent-manifold.png")
    print("(decoding a 15×15 grid of codes over [−2, 2]²: z₁ left to right, z₂ bottom to top)")
    run.report.metrics.append(("2-D VAE −ELBO, test (nats/image)", elbo(mapValue)))
    run.report.addFigure("latent-map.svg", caption: "The 2-D VAE's codes μ(x) of the test images, coloured by class.")
    run.report.addFigure("latent-manifold.png", caption: "The 2-D VAE's decoder over a 15×15 grid of codes in [−2, 2]² "
                     + "(z₁ left to right, z₂ bottom to top).")
  }

  /// Batches an epoch of the data the checkpoint was trained on (1 for a fresh run: nothing is done yet).
  func stepsPerEpoch(resumed: Checkpoint?) throws -> Int {
    guard let resumed else { return 1 }
    guard let count = resumed.metadata["steps_per_epoch"].flatMap(Int.init), count > 0 else {
      throw CheckpointError.missingMetadata(path: resumed.path ?? "checkpoint", key: "steps_per_epoch")
    }
    return count
  }
}

// MARK: - Formatting

func nats(_ value: Double) -> String { String(format: "%.2f nats", value) }

func elbo(_ value: ELBOTerms) -> String {
  String(format: "%.2f = %.2f reconstruction + %.2f KL", value.total, value.reconstruction, value.kl)
}

/// Eight pairs of test images of different classes, the same for every run.
func interpolationPairs(_ labels: [Int]) -> [(Int, Int)] {
  let classPairs = [(0, 9), (1, 8), (2, 5), (3, 7), (4, 6), (5, 0), (7, 1), (8, 3)]
  func first(_ c: Int, after skip: Int) -> Int {
    labels.indices.filter { labels[$0] == c }.dropFirst(skip).first ?? 0
  }
  return classPairs.enumerated().map { i, pair in (first(pair.0, after: i), first(pair.1, after: i)) }
}

/// Per-dimension spread of a batch of codes [N, D].
func codeSpread(_ codes: Tensor) -> (meanLow: Float, meanHigh: Float, stdLow: Float, stdHigh: Float) {
  let n = codes.shape[0], d = codes.shape[1]
  var means: [Float] = [], stds: [Float] = []
  for j in 0..<d {
    let column = (0..<n).map { Double(codes.data[$0 * d + j]) }
    let mean = column.reduce(0, +) / Double(n)
    let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
    means.append(Float(mean)); stds.append(Float(variance.squareRoot()))
  }
  return (means.min()!, means.max()!, stds.min()!, stds.max()!)
}
