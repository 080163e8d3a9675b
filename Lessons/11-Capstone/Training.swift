import Foundation
import GenLab

/// Trains (or loads) every model and describes it as rows of the table. The training
/// steps are the models' own (`Sources/Models`); this file only runs them.
struct Trainers {
  let data: CapstoneData
  /// The lesson's flags: how long each model trains. The defaults fit the whole lesson in about
  /// half an hour on 2 cores when nothing is cached; every number is a flag.
  let budgets: Lesson11
  let cache: ModelCache
  let seed: UInt64
  let implementation: Implementation

  /// The VAE's importance-weighted bound is computed on this many test images (k = 100 each).
  static let iwaeImages = 1000

  /// Settings every cached model shares.
  var common: [String: String] { ["seed": String(seed), "data": data.key, "impl": implementation.rawValue] }

  /// The cached weights of `name` when they were trained with `settings`; otherwise `steps`
  /// training steps over shuffled batches of the training images (`step(indices)` trains on
  /// one and returns its losses, which the loop checks for NaN in the `guarded` models, by
  /// default the `keep` ones), then the `keep` models cached. Returns the training seconds (the
  /// cached ones when loaded). Ctrl-C ends the loop after the step in progress (`TrainingInterrupted`).
  func trainOrLoad(_ name: String, label: String, settings: [String: String], keep: [(String, any Trainable)],
                   guarded: [(String, any Trainable)]? = nil, steps: Int, batchSize: Int, batchSeed: UInt64,
                   step: ([Int]) -> TrainingLoop.Values) throws -> (seconds: Double, cached: Bool) {
    try cache.trainOrLoad(name, settings: settings, keep: keep, seed: seed, steps: steps) {
      let count = data.train.shape[0]
      precondition(count >= batchSize, "\(label): batch \(batchSize) is larger than the \(count) training images")
      var batches = StepBatches(itemCount: count, batchSize: batchSize, seed: batchSeed)
      var loop = TrainingLoop(label: label, total: steps, parameters: prefixedParameters(guarded ?? keep))
      try loop.run { step(batches.indices(step: $0)) }
    }
  }

  // MARK: The classifier that measures sample quality

  func classifier() throws -> (model: FashionClassifier, seconds: Double, cached: Bool) {
    var rng = RNG(seed: seed, stream: 11)
    let model = FashionClassifier(implementation: implementation, rng: &rng)
    let batch = 64, learningRate: Float = 1e-3
    let steps = budgets.classifierEpochs * (data.train.shape[0] / batch)
    let settings = common.merging(["model": "FashionClassifier", "epochs": String(budgets.classifierEpochs),
                                   "batch_size": String(batch), "lr": String(learningRate)]) { $1 }
    let optimizer = Adam(parameters: model.parameters, learningRate: learningRate)
    let labels = data.source.train.labels
    let result = try trainOrLoad("classifier", label: "classifier", settings: settings, keep: [("classifier", model)],
                                 steps: steps, batchSize: batch, batchSeed: seed ^ 11) { indices in
      [("cross-entropy", model.step(data.train.gather(indices), labels: indices.map { labels[$0] }, optimizer: optimizer))]
    }
    return (model, result.seconds, result.cached)
  }

  // MARK: The five models

  /// Every pixel its own coin, fitted by counting (lesson 01): the baseline every model must beat.
  func independentPixels() -> Contender {
    let started = Timing.now()
    let model = BernoulliPixels(fitting: data.trainBinary)
    let seconds = Timing.now() - started
    let nll = model.negativeLogLikelihood(data.testBinary)
    print("independent pixels: 784 Bernoulli parameters, counted in \(Format.duration(seconds)); "
          + "test −log p(x) = \(nats(nll)) (exact)")
    return Contender(name: "Independent pixels",
                     domain: .binary, likelihood: .exact(nll), trainSeconds: seconds, cached: false,
                     parameterCount: model.parameterCount, sample: { model.sample($0, using: &$1) },
                     slug: "independent-pixels")
  }

  /// The VAE of lesson 05 (MLP, 20-D code) on binarized images: a bound on −log p(x).
  /// Two rows: its samples x ~ p(x | z) (binary, what the likelihood is about) and the
  /// decoder's means σ(logits) (what papers show; gray).
  func vae() throws -> [Contender] {
    var rng = RNG(seed: seed, stream: 13)
    let model = VariationalAutoencoder(architecture: .mlp, latent: 20, variational: true,
                                       implementation: implementation, rng: &rng)
    let batch = 128, learningRate: Float = 1e-3
    let steps = budgets.vaeEpochs * (data.train.shape[0] / batch)
    let settings = common.merging(["model": "VAE mlp latent 20", "epochs": String(budgets.vaeEpochs),
                                   "batch_size": String(batch), "lr": String(learningRate)]) { $1 }
    let optimizer = Adam(parameters: model.parameters, learningRate: learningRate)
    var noise = RNG(seed: seed, stream: 14)
    let result = try trainOrLoad("vae", label: "VAE", settings: settings, keep: [("vae", model)],
                                 steps: steps, batchSize: batch, batchSeed: seed ^ 13) { indices in
      [("−ELBO", model.step(data.trainBinary.gather(indices), optimizer: optimizer, rng: &noise).loss)]
    }
    var evaluation = RNG(seed: seed, stream: 15)
    let elbo = model.evaluate(data.testBinary, rng: &evaluation)
    let iwaeImages = min(Self.iwaeImages, data.testBinary.shape[0]), k = 100
    let iwae = mean(model.importanceWeightedBound(data.testBinary.slice(0..<iwaeImages), samples: k, rng: &evaluation))
    print("VAE: \(Format.count(model.parameterCount)) parameters; test −ELBO = \(nats(elbo.total)) "
          + "(reconstruction \(nats(elbo.reconstruction)) + KL \(nats(elbo.kl))); IWAE bound with k = \(k) on the first "
          + "\(iwaeImages) test images: \(nats(iwae))")
    let codes = { (count: Int, rng: inout RNG) in Tensor.normal([count, model.latent], using: &rng) }
    let draws = Contender(
      name: "VAE", domain: .binary,
      likelihood: .bound(iwae, "IWAE k = \(k); −ELBO \(String(format: "%.1f", elbo.total))"),
      trainSeconds: result.seconds, cached: result.cached, parameterCount: model.parameterCount,
      sample: { count, rng in
        let probabilities = model.decodeMean(codes(count, &rng))
        return probabilities.map { p in rng.uniform() < p ? 1 : 0 }
      }, slug: "vae")
    let means = Contender(
      name: "VAE (decoder means)", domain: .gray,
      likelihood: .none("means, not samples"), trainSeconds: result.seconds, cached: result.cached,
      parameterCount: model.parameterCount, sample: { count, rng in model.decodeMean(codes(count, &rng)) },
      slug: "vae-means")
    return [draws, means]
  }

  /// The DCGAN of lesson 07 on gray images: sharp samples, no likelihood.
  func dcgan() throws -> Contender {
    var rng = RNG(seed: seed, stream: 16)
    let gan = DCGAN(implementation: implementation, rng: &rng)
    let batch = 64
    let steps = budgets.dcganSteps
    let settings = common.merging(["model": "DCGAN", "steps": String(steps), "batch_size": String(batch),
                                   "lr": "0.0002"]) { $1 }
    let images = data.train.map { 2 * $0 - 1 }
    var noise = RNG(seed: seed, stream: 17)
    let result = try trainOrLoad("dcgan", label: "DCGAN", settings: settings, keep: [("generator", gan.generator)],
                                 guarded: [("generator", gan.generator), ("discriminator", gan.discriminator)],
                                 steps: steps, batchSize: batch, batchSeed: seed ^ 16) { indices in
      let r = gan.step(real: images.gather(indices), noise: &noise)
      return [("D loss", r.discriminatorLoss), ("G loss", r.generatorLoss)]
    }
    print("DCGAN: generator \(Format.count(gan.generator.parameterCount)) parameters (the discriminator's "
          + "\(Format.count(gan.discriminator.parameterCount)) are needed only to train)")
    return Contender(name: "DCGAN", domain: .gray,
                     likelihood: .none("no density"),
                     trainSeconds: result.seconds, cached: result.cached,
                     parameterCount: gan.generator.parameterCount,
                     sample: { count, rng in
                       Tensor.inChunks(count, of: 500) { gan.generate(Tensor.normal([$0, DCGAN.latentSize], using: &rng)).fromMinusOneToOne() }
                     }, slug: "dcgan")
  }

  /// A PixelCNN on binarized images: the exact likelihood, one pixel at a time.
  func pixelCNN() throws -> Contender {
    var rng = RNG(seed: seed, stream: 18)
    let model = PixelCNN(channels: budgets.pixelcnnChannels, implementation: implementation, rng: &rng)
    let batch = 64, learningRate: Float = 1e-3
    let steps = budgets.pixelcnnSteps
    let settings = common.merging(["model": "PixelCNN", "steps": String(steps), "channels": String(budgets.pixelcnnChannels),
                                   "batch_size": String(batch), "lr": String(learningRate)]) { $1 }
    let optimizer = Adam(parameters: model.parameters, learningRate: learningRate)
    let result = try trainOrLoad("pixelcnn", label: "PixelCNN", settings: settings, keep: [("pixelcnn", model)],
                                 steps: steps, batchSize: batch, batchSeed: seed ^ 18) { indices in
      [("−log p", model.step(data.trainBinary.gather(indices), optimizer: optimizer))]
    }
    let started = Timing.now()
    let nll = mean(model.negativeLogLikelihood(data.testBinary))
    print("PixelCNN: \(Format.count(model.parameterCount)) parameters; test −log p(x) = \(nats(nll)) (exact; "
          + "\(Format.duration(Timing.now() - started)) for \(Format.count(data.testBinary.shape[0])) images in one pass each)")
    return Contender(name: "PixelCNN", domain: .binary,
                     likelihood: .exact(nll), trainSeconds: result.seconds, cached: result.cached,
                     parameterCount: model.parameterCount,
                     sample: { count, rng in Tensor.inChunks(count, of: 500) { model.sample($0, rng: &rng) } }, slug: "pixelcnn")
  }

  /// The diffusion model of lesson 09 on gray images (its recipe: min-SNR-5 loss weighting); two rows:
  /// DDIM with η = 1 (fresh noise at every jump, lesson 09's default) and 50 or 10 network calls.
  func diffusion() throws -> [Contender] {
    var rng = RNG(seed: seed, stream: 19)
    let model = DenoisingDiffusion(schedule: .scaledLinear(steps: 1000), baseChannels: budgets.diffusionChannels,
                                   learningRate: 1e-3, recipe: .init(minSNR: 5), implementation: implementation, rng: &rng)
    let batch = 64
    let steps = budgets.diffusionSteps
    let settings = common.merging(["model": "DDPM U-Net", "steps": String(steps), "channels": String(budgets.diffusionChannels),
                                   "batch_size": String(batch), "lr": "0.001", "T": "1000", "min_snr": "5"]) { $1 }
    let images = data.train.map { 2 * $0 - 1 }
    var noise = RNG(seed: seed, stream: 20)
    let result = try trainOrLoad("diffusion", label: "diffusion", settings: settings,
                                 keep: [("unet", model.network), ("average", model.average)],
                                 guarded: [("unet", model.network)],
                                 steps: steps, batchSize: batch, batchSeed: seed ^ 19) { indices in
      [("ε loss", model.step(images.gather(indices), rng: &noise).loss)]
    }
    print("diffusion: U-Net \(Format.count(model.parameterCount)) parameters, T = 1000; samples use the weights' moving average")
    func ddim(_ calls: Int) -> Contender {
      Contender(name: "Diffusion, DDIM \(calls)",
                domain: .gray, likelihood: .none("bound not computed"),
                trainSeconds: result.seconds, cached: result.cached, parameterCount: model.parameterCount,
                sample: { count, rng in
                  Tensor.inChunks(count, of: 100) { n in
                    let start = Tensor.normal([n, 1, 28, 28], using: &rng)
                    return DiffusionNoising.sampleDDIM(from: start, steps: calls, schedule: model.schedule, clip: -1...1,
                                                       eta: 1, rng: &rng) { model.predictNoise($0, $1) }.fromMinusOneToOne()
                  }
                }, slug: "diffusion-ddim\(calls)")
    }
    return [ddim(50), ddim(10)]
  }
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

/// "123.4 nats (0.227 bits/dim)".
func nats(_ value: Double) -> String { String(format: "%.1f nats (%.3f bits/dim)", value, value / (784 * log(2))) }
