import CZlib
import Datasets
import Foundation
import Testing
import TestSupport

/// A fresh folder under the system temp folder, removed when the value goes away.
final class TempFolder {
  let path: String

  init(_ label: String = "test") throws {
    path = FileManager.default.temporaryDirectory
      .appendingPathComponent("genlab-datasets-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// A sub-folder (created).
  func folder(_ name: String) throws -> String {
    let sub = path + "/" + name
    try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
    return sub
  }

  /// Writes `bytes` to `name` as they are; returns the path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let file = path + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    return file
  }

  /// Writes `bytes` gzip-compressed (by zlib) to `name`; returns the path.
  @discardableResult
  func writeGzip(_ name: String, _ bytes: [UInt8]) throws -> String {
    let file = path + "/" + name
    try #require(gzipWrite(file, bytes))
    return file
  }
}

/// Compresses `bytes` into a gzip file with zlib's gz* API.
func gzipWrite(_ path: String, _ bytes: [UInt8]) -> Bool {
  guard let stream = gzopen(path, "wb") else { return false }
  let written = bytes.withUnsafeBytes { gzwrite(stream, $0.baseAddress, UInt32($0.count)) }
  return gzclose(stream) == Z_OK && Int(written) == bytes.count
}

func readBytes(_ path: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// 4 big-endian bytes.
func bigEndian(_ value: UInt32) -> [UInt8] {
  [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
}

/// An IDX image file: header (magic, count, rows, cols) then the pixels.
func idxImages(count: Int, rows: Int, cols: Int, pixels: [UInt8]? = nil) -> [UInt8] {
  let body = pixels ?? (0..<(count * rows * cols)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
  return bigEndian(IDX.imageMagic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows))
    + bigEndian(UInt32(cols)) + body
}

/// An IDX label file: header (magic, count) then one byte per label.
func idxLabels(_ labels: [UInt8]) -> [UInt8] {
  bigEndian(IDX.labelMagic) + bigEndian(UInt32(labels.count)) + labels
}

/// Writes a Fashion-MNIST-shaped folder of `train` + `test` images of 28×28
/// (labels n mod 10, pixels all `fill`), gzip or plain.
func writeFashionFolder(_ folder: String, train: Int, test: Int, fill: UInt8 = 0, gzip: Bool = true) throws {
  for (prefix, count) in [("train", train), ("t10k", test)] {
    let images = idxImages(count: count, rows: 28, cols: 28,
                           pixels: [UInt8](repeating: fill, count: count * 784))
    let labels = idxLabels((0..<count).map { UInt8($0 % 10) })
    for (name, bytes) in [("\(prefix)-images-idx3-ubyte", images), ("\(prefix)-labels-idx1-ubyte", labels)] {
      if gzip {
        #expect(gzipWrite(folder + "/" + name + ".gz", bytes))
      } else {
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
      }
    }
  }
}

/// The bundled subset's folder in this checkout.
let bundledFolder = repositoryRoot + "/Datasets/fashion-mnist-subset"
