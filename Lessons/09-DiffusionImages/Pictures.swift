// Lesson 09's measurements and pictures: the noising twins side by side, the held-out
// loss, sampling from a fixed x_T, the reverse process as a strip and an animation.
import Foundation
import GenLab

func sci(_ value: Double) -> String { String(format: "%.3g", value) }


/// The reference twin (t single steps) against the closed form (one jump) on one image:
/// 200 copies noised both ways must have the same per-pixel mean √ᾱ_t·x₀ and variance
/// 1 − ᾱ_t; and at t = T, on a batch of 64, the closed form is what makes training cheap.
func compareNoisingTwins(_ images: Tensor, schedule: NoiseSchedule, rng: inout RNG) -> [(String, String)] {
  let T = schedule.steps, copies = 200
  let x0 = images.gather([Int](repeating: 0, count: copies))
  let pixels = x0.count / copies
  var rows: [(String, String)] = []
  for t in [max(1, T / 10), T / 2] {
    let timesteps = [Int](repeating: t, count: copies)
    let chain = DiffusionNoising.noiseReference(x0, timesteps: timesteps, schedule: schedule, rng: &rng).noisy
    let jump = DiffusionNoising.noise(x0, timesteps: timesteps, schedule: schedule, rng: &rng).noisy
    let variance = 1 - schedule.alphaBar(t)
    var worst = 0.0, chainVariance = 0.0, jumpVariance = 0.0
    for p in 0..<pixels {
      var sums = (0.0, 0.0, 0.0, 0.0)
      for n in 0..<copies {
        let a = Double(chain.data[n * pixels + p]), b = Double(jump.data[n * pixels + p])
        sums.0 += a; sums.1 += a * a; sums.2 += b; sums.3 += b * b
      }
      let (meanA, meanB) = (sums.0 / Double(copies), sums.2 / Double(copies))
      chainVariance += sums.1 / Double(copies) - meanA * meanA
      jumpVariance += sums.3 / Double(copies) - meanB * meanB
      // The difference of two means of `copies` draws has standard error √(2·(1−ᾱ)/copies).
      worst = max(worst, abs(meanA - meanB) / (2 * variance / Double(copies)).squareRoot())
    }
    let line = "t = \(t): per-pixel variance chain \(Format.fixed(chainVariance / Double(pixels))), closed form "
      + "\(Format.fixed(jumpVariance / Double(pixels))), theory 1 − ᾱ_t = \(Format.fixed(variance)); largest gap between the "
      + "means over \(pixels) pixels: \(String(format: "%.1f", worst)) standard errors (the largest of \(pixels) "
      + "independent ones is typically 3–3.5; beyond 5 would be a bug)"
    print(line)
    rows.append(("noising twins at t = \(t) (\(copies) copies of one image)", line.components(separatedBy: ": ").dropFirst().joined(separator: ": ")))
  }
  let batch = images.slice(0..<min(64, images.shape[0]))
  let all = [Int](repeating: T, count: batch.shape[0])
  let (_, chainTime) = Timing.timed { DiffusionNoising.noiseReference(batch, timesteps: all, schedule: schedule, rng: &rng) }
  let (_, jumpTime) = Timing.timed { DiffusionNoising.noise(batch, timesteps: all, schedule: schedule, rng: &rng) }
  let speed = "chain \(Format.duration(chainTime)), closed form \(Format.duration(jumpTime)) "
    + "(\(Int((chainTime / jumpTime).rounded()))× faster)"
  print("noising \(batch.shape[0]) images to t = T = \(T): " + speed)
  print("training draws a fresh t for every image of every batch: the chain would cost T/2 steps on average, the jump one")
  rows.append(("noising \(batch.shape[0]) images to t = T", speed))
  return rows
}

/// DDPM's T ancestral steps from a given x_T (`rng` draws each step's noise); x̂₀ is
/// clipped to [−1, 1], the range of the data.
func ddpm(from start: Tensor, model: DenoisingDiffusion, rng: inout RNG,
          observe: (Int, Tensor) -> Void = { _, _ in }) -> Tensor {
  DiffusionNoising.sampleDDPM(from: start, schedule: model.schedule, clip: -1...1, rng: &rng,
                              observe: observe) { model.predictNoise($0, $1) }
}

/// DDIM with `steps` network calls from a given x_T: deterministic, no generator.
func ddim(from start: Tensor, steps: Int, model: DenoisingDiffusion) -> Tensor {
  DiffusionNoising.sampleDDIM(from: start, steps: steps, schedule: model.schedule, clip: -1...1) { model.predictNoise($0, $1) }
}

/// DDIM with `steps` network calls and noise η (η = 0 gives the deterministic sampler's numbers
/// and draws nothing from `rng`).
func ddim(from start: Tensor, steps: Int, eta: Double, model: DenoisingDiffusion, rng: inout RNG) -> Tensor {
  DiffusionNoising.sampleDDIM(from: start, steps: steps, schedule: model.schedule, clip: -1...1, eta: eta,
                              rng: &rng) { model.predictNoise($0, $1) }
}

/// The training snapshot: DDIM with a few steps from fixed x_T.
func snapshot(_ model: DenoisingDiffusion, noise: Tensor) -> Tensor {
  ddim(from: noise, steps: min(Lesson09.snapshotSteps, model.schedule.steps), model: model)
}

/// `count` DDIM samples in [0, 1], 64 at a time.
func drawSamples(_ model: DenoisingDiffusion, count: Int, steps: Int, eta: Double, rng: inout RNG) -> Tensor {
  Tensor.inChunks(count, of: 64) {
    ddim(from: Tensor.normal([$0, 1, 28, 28], using: &rng), steps: steps, eta: eta, model: model, rng: &rng).fromMinusOneToOne()
  }
}

/// Held-out images with t and ε drawn once: the same question every time it is asked.
struct EvaluationBatch {
  let noisy: Tensor
  let noise: Tensor
  let timesteps: [Int]

  /// The first `count` images, each at its own t drawn uniformly from 1…T.
  init(_ images: Tensor, count: Int, schedule: NoiseSchedule, rng: inout RNG) {
    let clean = images.slice(0..<min(count, images.shape[0]))
    let timesteps = (0..<clean.shape[0]).map { _ in 1 + rng.int(below: schedule.steps) }
    self.init(clean, timesteps: timesteps, schedule: schedule, rng: &rng)
  }

  /// `clean` images at the given timesteps (one per image).
  init(_ clean: Tensor, timesteps: [Int], schedule: NoiseSchedule, rng: inout RNG) {
    self.timesteps = timesteps
    (noisy, noise) = DiffusionNoising.noise(clean, timesteps: timesteps, schedule: schedule, rng: &rng)
  }

  /// The mean squared error of ε̂ (weight average) against ε, 64 images at a time.
  func loss(_ model: DenoisingDiffusion) -> Double {
    var total = 0.0
    for first in stride(from: 0, to: timesteps.count, by: 64) {
      let range = first..<min(first + 64, timesteps.count)
      let predicted = model.predictNoise(noisy.slice(range), Array(timesteps[range]))
      total += Losses.meanSquaredError(predicted, noise.slice(range), reduction: .sum).value
    }
    return total / Double(noise.count)
  }
}

/// Keeps what the pictures of the reverse process need: the first rows' images at the
/// strip's timesteps, and a grid frame every `interval` steps for the animation.
final class ReverseRecorder {
  let T: Int
  let stripTimes: [Int]
  let interval: Int
  private(set) var kept: [Int: Tensor] = [:]
  private(set) var frames: [Image] = []

  init(T: Int) {
    self.T = T
    stripTimes = Array(Set([1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0].map { Int((Double(T) * $0).rounded()) }))
      .sorted(by: >)
    interval = max(1, T / 50)
  }

  func observe(_ t: Int, _ x: Tensor) {
    if stripTimes.contains(t) { kept[t] = x }
    if t % interval == 0 {
      frames.append(Image(grid: x.map { min(max($0, -1), 1) }, columns: 8, range: .minusOneToOne, scale: 2))
    }
  }

  var delays: [Int] { frames.isEmpty ? [] : [Int](repeating: 6, count: frames.count - 1) + [300] }

  /// Rows of the first `rows` samples, one column per strip time: [rows·columns, 1, 28, 28].
  func strip(rows: Int) -> Tensor {
    Tensor.stack((0..<rows).flatMap { r in stripTimes.map { kept[$0]![item: r].map { min(max($0, -1), 1) } } })
  }
}

/// The loss curve, carried over from an earlier run on resume.
struct History {
  var points: [(step: Int, train: Double, test: Double)] = []

  init(_ entries: [MetricsLog.Entry]) {
    for entry in entries {
      guard let train = entry.values["loss"], let test = entry.values["test_loss"] else { continue }
      points.append((entry.step, train, test))
    }
  }

  func writeCurve(to path: String) throws {
    let steps = points.map { Double($0.step) }
    var plot = LinePlot(title: "ε-prediction loss", xLabel: "step", yLabel: "mean (ε̂ − ε)²", logY: true)
    plot.add("training batches", x: steps, y: points.map(\.train))
    plot.add("256 held-out images (weight average)", x: steps, y: points.map(\.test))
    try plot.write(to: path)
  }
}
