// genlab-score: how good are these samples? The capstone's judge on any samples.safetensors:
// the Fréchet distance in a Fashion-MNIST classifier's features, and improved precision and
// recall, against the test images — with the score of real training images beside it (the
// floor for this many samples).
//
//     swift run -c release lesson11-capstone            # once: trains and caches the judge
//     swift run -c release genlab-score runs/lesson07-dcgan/<time>/samples.safetensors
//
// The classifier is lesson 11's (runs/cache/lesson11-capstone/classifier.safetensors by
// default), so the numbers are comparable with the capstone's table. Exit status 0 when
// every file was scored.
import ArgumentParser
import Foundation
import GenLab

@main
struct Score: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "genlab-score",
    abstract: "Scores samples.safetensors files (N×1×28×28 in [0, 1]) with the capstone's judge: classifier FID, precision, recall.")

  @Argument(help: ArgumentHelp("samples.safetensors files (tensor 'samples', N×1×28×28, values in [0, 1]).", valueName: "file"))
  var files: [String]

  @Option(help: ArgumentHelp("The judge: a classifier checkpoint written by lesson 11.", valueName: "path"))
  var classifier = "runs/cache/lesson11-capstone/classifier.safetensors"

  @Option(help: ArgumentHelp("Folder holding Fashion-MNIST (default: GENLAB_DATA, the system's package, the bundled subset).",
                             valueName: "path"))
  var data: String?

  @Option(parsing: .unconditional, help: "Samples of each file to score (default: all; the capstone uses 500).")
  var count: Int?

  @Option(parsing: .unconditional, help: "Seed of the real training images drawn for the floor.")
  var seed: UInt64 = 0

  mutating func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one samples.safetensors file") }
    if let count, count < 4 { throw ValidationError("--count must be at least 4 (precision and recall use 3 neighbours), got \(count)") }
  }

  mutating func run() throws {
    Allocator.keepFreedBuffers()
    guard FileManager.default.fileExists(atPath: classifier) else {
      throw ValidationError("no judge at \(classifier): run `swift run -c release lesson11-capstone` once (it trains "
                            + "and caches the classifier, about 2.5 minutes on 2 cores), or give --classifier PATH")
    }
    let checkpoint = try Checkpoint.read(path: classifier, lesson: "lesson11-capstone")
    var rng = RNG(seed: 0)
    let judgeModel = FashionClassifier(rng: &rng)
    try checkpoint.restore(judgeModel, as: "classifier")
    let mnist = try FashionMNIST.load(explicitPath: data)
    print("judge: \(classifier) (\(checkpoint.settings["epochs"] ?? "?") epochs on \(checkpoint.settings["data"] ?? "?"))")
    print("held out: \(mnist.description)")
    var failed = 0
    for file in files {
      do {
        print(try score(file, judge: judgeModel, data: mnist))
      } catch {
        failed += 1
        print("\(file): cannot be scored: \(error)")
      }
    }
    if failed > 0 { throw ExitCode(1) }
  }

  /// One line: the file's score and the floor of real images of its domain.
  func score(_ file: String, judge model: FashionClassifier, data: FashionMNIST) throws -> String {
    let (tensors, _) = try SafeTensors.read(path: file)
    guard let all = tensors["samples"] else {
      throw ValidationError("it has no tensor 'samples' (it holds \(tensors.keys.sorted().joined(separator: ", ")))")
    }
    guard all.rank == 4, Array(all.shape.dropFirst()) == [1, 28, 28] else {
      throw ValidationError("its samples have shape \(all.shape), not N×1×28×28")
    }
    guard all.data.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw ValidationError("its samples are not all in [0, 1]") }
    let n = min(count ?? all.shape[0], all.shape[0], data.test.count)
    guard n >= 4 else { throw ValidationError("it holds \(all.shape[0]) samples; at least 4 are needed") }
    let samples = all.slice(0..<n)
    // Samples that are all 0 or 1 come from a binarized model: compare them with binarized images.
    let binary = samples.data.allSatisfy { $0 == 0 || $0 == 1 }
    let test = binary ? data.test.images.binarized() : data.test.images
    let train = binary ? data.train.images.binarized() : data.train.images
    let judge = SampleJudge(classifier: model, heldOut: test, count: n)
    let result = judge.score(samples)
    var rng = RNG(seed: seed, stream: 100)
    let floor = judge.score(train.gather(Array(rng.permutation(train.shape[0]).prefix(n))))
    return "\(file): \(Format.count(n)) \(binary ? "binarized" : "gray") samples: classifier FID "
      + String(format: "%.1f, precision %.2f, recall %.2f", result.frechetDistance, result.precision, result.recall)
      + String(format: " (real training images: FID %.1f, precision %.2f, recall %.2f)",
               floor.frechetDistance, floor.precision, floor.recall)
  }
}
