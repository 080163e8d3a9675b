import Foundation
import GenLab

/// What a row measured.
struct Measured {
  var contender: Contender
  /// Seconds to draw the 64 samples of the grid (nil for the data rows).
  var sampleSeconds: Double?
  /// The 64 samples, [64, 1, 28, 28] in [0, 1].
  var grid: Tensor
  /// The Fréchet distance in the classifier's features to the held-out images of the model's domain.
  var fid: Double
  var precision: Double
  var recall: Double

  var negativeLogLikelihood: Double? {
    switch contender.likelihood {
    case .exact(let value), .bound(let value, _): return value
    case .none: return nil
    }
  }

  /// The numbers for metrics.jsonl (NaN where a row has none).
  var metrics: KeyValuePairs<String, Double> {
    ["fid": fid, "precision": precision, "recall": recall, "nll_nats": negativeLogLikelihood ?? .nan,
     "nll_bits_per_dim": (negativeLogLikelihood ?? .nan) / (784 * log(2)),
     "sample64_seconds": sampleSeconds ?? .nan, "train_seconds": contender.trainSeconds ?? .nan,
     "parameters": contender.parameterCount.map(Double.init) ?? .nan]
  }
}

/// The capstone's judge (`SampleJudge`: the Fréchet distance in the classifier's features and
/// improved precision and recall with k = 3 neighbours) for each domain: the binarized models
/// are compared with binarized test images, the gray ones with gray test images. The data
/// rows — real training images drawn like samples — show how low each measure can go with
/// this many samples (the Fréchet distance of a finite sample is biased upward).
struct FeatureSpace {
  let judges: [Domain: SampleJudge]
  let count: Int
  let seed: UInt64

  init(_ classifier: FashionClassifier, data: CapstoneData, count: Int, seed: UInt64) {
    self.count = count
    self.seed = seed
    judges = [.gray: SampleJudge(classifier: classifier, heldOut: data.test, count: count, neighbours: Lesson11.neighbours),
              .binary: SampleJudge(classifier: classifier, heldOut: data.testBinary, count: count,
                                   neighbours: Lesson11.neighbours)]
  }

  /// Real training images drawn at random, in both domains: the floor of every measure.
  func dataRows(_ data: CapstoneData) -> [Contender] {
    func row(_ domain: Domain, _ images: Tensor) -> Contender {
      Contender(name: "Training images (\(domain.rawValue))",
                domain: domain, likelihood: .none("data"), trainSeconds: nil, cached: false, parameterCount: nil,
                sample: { count, rng in images.gather(Array(rng.permutation(images.shape[0]).prefix(count))) },
                slug: "data-\(domain.rawValue)")
    }
    return [row(.gray, data.train), row(.binary, data.trainBinary)]
  }

  /// Draws 64 samples (timed) and `count` more, and compares the latter with the test set.
  func measure(_ contender: Contender, index: Int) -> Measured {
    var rng = RNG(seed: seed, stream: 100 + UInt64(index))
    let started = Timing.now()
    let grid = contender.sample(64, &rng)
    let seconds = Timing.now() - started
    let samples = contender.sample(count, &rng)
    precondition(samples.shape == [count, 1, 28, 28], "\(contender.name): samples of shape \(samples.shape)")
    let score = judges[contender.domain]!.score(samples)
    let (fid, precision, recall) = (score.frechetDistance, score.precision, score.recall)
    let isData = contender.trainSeconds == nil
    print("\(contender.name): FID \(String(format: "%.2f", fid)), precision \(String(format: "%.2f", precision)), "
          + "recall \(String(format: "%.2f", recall))" + (isData ? "" : "; 64 samples in \(Format.duration(seconds))"))
    return Measured(contender: contender, sampleSeconds: isData ? nil : seconds, grid: grid, fid: fid,
                    precision: precision, recall: recall)
  }
}

/// Section 5: every measure of every contender on one table, in the report and on the terminal, and
/// `comparison.svg`: the sample grids with their Fréchet distances, and quality against time to draw.
func showTable(_ results: [Measured], data: CapstoneData, sampleCount: Int, classifierAccuracy: Double,
               run: LessonRun) throws {
  Console.section("5. The table")
  let header = ["model", "trained on", "test −log p(x): nats/image, bits/dim", "likelihood",
                "classifier FID ↓", "precision ↑", "recall ↑", "training", "64 samples", "parameters",
                "weights (% of data)"]
  let images = data.train.shape[0]
  // The training set as stored: 8-bit gray pixels, or 1 bit a pixel once binarized.
  let dataBytes: [Domain: Int] = [.gray: images * 784, .binary: images * 784 / 8]
  let rows = results.map { m -> [String] in
    let c = m.contender
    var nll = "n/a", bits = "n/a", kind: String
    switch c.likelihood {
    case .exact(let value):
      nll = String(format: "%.1f", value); bits = String(format: "%.3f", value / (784 * log(2))); kind = "exact"
    case .bound(let value, let which):
      nll = String(format: "≤ %.1f", value); bits = String(format: "≤ %.3f", value / (784 * log(2)))
      kind = "bound (\(which))"
    case .none(let why):
      kind = "none (\(why))"
    }
    let training = c.trainSeconds.map { Format.duration($0) + (c.cached ? " (cached)" : "") } ?? "—"
    let size: String
    if let parameters = c.parameterCount {
      let bytes = 4 * parameters, stored = dataBytes[c.domain]!
      size = "\(Format.bytes(bytes)) (\(String(format: "%.1f", 100 * Double(bytes) / Double(stored))) %)"
    } else {
      size = "—"
    }
    let likelihood = nll == "n/a" ? "n/a" : "\(nll) · \(bits)"
    return [c.name, c.domain.rawValue, likelihood, kind, String(format: "%.2f", m.fid),
            String(format: "%.2f", m.precision), String(format: "%.2f", m.recall), training,
            m.sampleSeconds.map(Format.duration) ?? "—", c.parameterCount.map(Format.count) ?? "—", size]
  }
  let note = "−log p(x) on the \(Format.count(data.testBinary.shape[0])) binarized test images (exact, or an upper bound "
    + "for the VAE); bits/dim = nats / (784·ln 2). Classifier FID: the Fréchet distance between \(sampleCount) "
    + "samples and the test images of the same domain in the 128 penultimate features of a classifier trained here "
    + "(\(String(format: "%.1f", 100 * classifierAccuracy)) % test accuracy) — not comparable with Inception FID. "
    + "Precision/recall: k = \(Lesson11.neighbours) nearest-neighbour balls, \(sampleCount) samples against "
    + "\(sampleCount) test images. The data rows draw real training images: the floor for this many samples. "
    + "n/a: a GAN defines no density; DDPM's variational bound exists but is not computed here; the VAE's decoder "
    + "means are not samples of the model. Weights: the parameters needed to sample, as float32, and their share of "
    + "the training set as stored (\(Format.bytes(dataBytes[.gray]!)) of 8-bit gray pixels, or "
    + "\(Format.bytes(dataBytes[.binary]!)) at 1 bit a pixel binarized). The VAE's bound is on the first "
    + "\(Format.count(min(Trainers.iwaeImages, data.testBinary.shape[0]))) test images."
  let all = [header] + rows
  let widths = header.indices.map { column in all.map { $0[column].count }.max()! }
  let shown = [0, 1, 2, 4, 5, 6, 7, 8, 9]          // the terminal skips the long columns
  print(all.map { cells in
    shown.map { cells[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
  }.joined(separator: "\n"))
  run.report.addTable("The models side by side", header: header, rows: rows, note: note)
  try Figure(results: results).write(to: run.folder.file("comparison.svg"))
  run.report.addFigure("comparison.svg", caption: "64 samples of each model (the data rows are real images), with its "
                       + "classifier Fréchet distance against held-out images of its domain, and sample quality against "
                       + "the time to draw 64 images.")
}
