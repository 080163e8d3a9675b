// genlab-inspect: says what a file GenLab reads or writes holds — a checkpoint (its
// lesson, step, settings and tensors), any safetensors file (samples), a PNG, an IDX file
// (plain or gzip), a word list — or exactly why it cannot be read.
//
//     swift run genlab-inspect runs/lesson09-diffusionimages/<time>/checkpoint.safetensors
//     swift run genlab-inspect runs/lesson07-dcgan/<time>/samples-final.png Datasets/words/words.txt
//
// Exit status 0 when every file reads, 1 when one does not.
import ArgumentParser
import Foundation
import GenLab

@main
struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "genlab-inspect",
    abstract: "Says what a checkpoint, safetensors, PNG, IDX or word-list file holds, or why it cannot be read.")

  @Argument(help: ArgumentHelp("Files to read.", valueName: "file"))
  var files: [String]

  mutating func run() throws {
    var failed = 0
    for file in files {
      do {
        print(try describe(file))
      } catch {
        failed += 1
        print("\(file): cannot be read: \(error)")
      }
    }
    if failed > 0 { throw ExitCode(1) }
  }

  func describe(_ path: String) throws -> String {
    let lower = path.lowercased()
    if lower.hasSuffix(".safetensors") {
      let (tensors, metadata) = try SafeTensors.read(path: path)
      if metadata["format"] != nil {
        let checkpoint = try Checkpoint.read(path: path)
        let settings = checkpoint.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(path): checkpoint of \(checkpoint.lesson), step \(checkpoint.step), epoch \(checkpoint.epoch), "
          + "seed \(checkpoint.seed); \(tensors.count) tensors, \(Format.count(tensors.values.reduce(0) { $0 + $1.count })) "
          + "numbers" + (settings.isEmpty ? "" : "; settings: \(settings)")
      }
      let list = tensors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.shape)" }.joined(separator: ", ")
      return "\(path): safetensors, \(tensors.count) tensors: \(list)"
        + (metadata.isEmpty ? "" : "; metadata: " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
    if lower.hasSuffix(".png") {
      let image = try PNG.read(file: path)
      return "\(path): PNG, \(image.width)×\(image.height), \(image.format)"
    }
    if lower.contains("idx3-ubyte") {
      let images = try IDX.readImages(path: path)
      return "\(path): IDX images, \(Format.count(images.count)) of \(images.rows)×\(images.cols)"
    }
    if lower.contains("idx1-ubyte") {
      let labels = try IDX.readLabels(path: path)
      return "\(path): IDX labels, \(Format.count(labels.count)), values \(labels.min() ?? 0)…\(labels.max() ?? 0)"
    }
    let words = try WordList.read(path: path)
    return "\(path): a word list of \(Format.count(words.count)) words, \(CharacterVocabulary(words: words).count) "
      + "distinct characters with the newline"
  }
}
