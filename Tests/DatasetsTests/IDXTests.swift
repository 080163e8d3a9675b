import Core
import Datasets
import Foundation
import Testing
import TestSupport

/// Pinned facts about one split of the bundled subset. The numbers were computed
/// once with Python from the .gz files (gzip.open(...).read(); sum of bytes 16…16+783
/// for the first image, of the last 784 bytes for the last, of all pixel bytes for
/// the total; bytes 8… for the labels), run on 2026-11-25.
struct SubsetFacts: Sendable, CustomTestStringConvertible {
  var prefix: String
  var count: Int
  var perClass: Int
  var firstLabels: [UInt8]
  var firstImageSum: Int
  var firstImageRow14Cols10to17: [UInt8]
  var lastImageSum: Int
  var lastLabel: UInt8
  var totalPixelSum: Int
  var testDescription: String { prefix }
}

let subsetFacts = [
  SubsetFacts(prefix: "train", count: 10_000, perClass: 1_000,
              firstLabels: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], firstImageSum: 76_247,
              firstImageRow14Cols10to17: [0, 0, 237, 226, 217, 223, 222, 219],
              lastImageSum: 88_546, lastLabel: 0, totalPixelSum: 573_133_949),
  SubsetFacts(prefix: "t10k", count: 2_000, perClass: 200,
              firstLabels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7], firstImageSum: 33_456,
              firstImageRow14Cols10to17: [0, 0, 98, 136, 110, 109, 110, 162],
              lastImageSum: 59_915, lastLabel: 9, totalPixelSum: 114_072_606),
]

/// Σ bytes, in a loop over a raw buffer (a closure per element is slow in debug builds).
func byteSum(_ bytes: ArraySlice<UInt8>) -> Int {
  bytes.withUnsafeBufferPointer { buffer in
    var total = 0
    for byte in buffer { total += Int(byte) }
    return total
  }
}

@Suite struct IDXReadingTests {
  @Test(arguments: subsetFacts)
  func bundledSubsetMatchesPinnedFacts(_ facts: SubsetFacts) throws {
    let images = try IDX.readImages(path: "\(bundledFolder)/\(facts.prefix)-images-idx3-ubyte.gz")
    let labels = try IDX.readLabels(path: "\(bundledFolder)/\(facts.prefix)-labels-idx1-ubyte.gz")
    #expect(images.count == facts.count)
    #expect(images.rows == 28 && images.cols == 28)
    #expect(images.pixels.count == facts.count * 784)
    #expect(labels.count == facts.count)

    var perClass = [Int](repeating: 0, count: 10)
    for label in labels { perClass[Int(label)] += 1 }
    #expect(perClass == [Int](repeating: facts.perClass, count: 10))

    #expect(Array(labels.prefix(10)) == facts.firstLabels)
    #expect(labels.last == facts.lastLabel)
    let first = images.pixels[0..<784]
    #expect(byteSum(first) == facts.firstImageSum)
    #expect(Array(first[(14 * 28 + 10)...(14 * 28 + 17)]) == facts.firstImageRow14Cols10to17)
    #expect(byteSum(images.pixels.suffix(784)) == facts.lastImageSum)
    #expect(byteSum(images.pixels[...]) == facts.totalPixelSum)
  }

  @Test(arguments: subsetFacts)
  func tensorIsNCHWAndScaledToUnitInterval(_ facts: SubsetFacts) throws {
    let images = try IDX.readImages(path: "\(bundledFolder)/\(facts.prefix)-images-idx3-ubyte.gz")
    let tensor = images.tensor()
    #expect(tensor.shape == [facts.count, 1, 28, 28])
    #expect(tensor[0, 0, 14, 12] == Float(facts.firstImageRow14Cols10to17[2]) / 255)
    let firstSum = tensor.data[0..<784].reduce(0.0) { $0 + Double($1) }
    #expect(abs(firstSum - Double(facts.firstImageSum) / 255) < 1e-3)
    #expect(tensor.data.min() == 0 && tensor.data.max() == 1)

    #expect(images.tensor(limit: 5).shape == [5, 1, 28, 28])
    #expect(images.tensor(limit: 5).data == Array(tensor.data[0..<(5 * 784)]))
    #expect(images.tensor(limit: 0).shape == [0, 1, 28, 28])
    #expect(images.tensor(limit: 1_000_000).shape == [facts.count, 1, 28, 28])
  }

  /// A hand-made file: 2 images of 2×3, pixels chosen so /255 is easy to check.
  @Test func handMadeFileDecodesExactly() throws {
    let temp = try TempFolder("hand")
    let pixels: [UInt8] = [0, 255, 51, 102, 153, 204,   // image 0: 0, 1, .2, .4, .6, .8
                           1, 2, 3, 4, 5, 6]
    let path = try temp.write("hand-idx3-ubyte", idxImages(count: 2, rows: 2, cols: 3, pixels: pixels))
    let images = try IDX.readImages(path: path)
    #expect(images == IDX.Images(count: 2, rows: 2, cols: 3, pixels: pixels))
    let tensor = images.tensor()
    #expect(tensor.shape == [2, 1, 2, 3])
    expectClose(Array(tensor.data[0..<6]), [0, 1, 0.2, 0.4, 0.6, 0.8], .exact)
    #expect(tensor[1, 0, 1, 2] == Float(6) / 255)
  }

  /// The same bytes read from gzip and plain files, whatever the file is called:
  /// gzip is recognised by its magic bytes, not its name.
  @Test func plainAndGzipFormsReadTheSame() throws {
    let temp = try TempFolder("plain")
    for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
      let gzipped = "\(bundledFolder)/\(name).gz"
      let isImages = name.contains("images")
      let plainBytes: [UInt8]
      if isImages {
        let images = try IDX.readImages(path: gzipped)
        plainBytes = idxImages(count: images.count, rows: images.rows, cols: images.cols, pixels: images.pixels)
      } else {
        plainBytes = idxLabels(try IDX.readLabels(path: gzipped))
      }
      let plain = try temp.write(name, plainBytes)
      let plainNamedGz = try temp.write("plain-but-named-\(name).gz", plainBytes)
      let gzipNamedPlain = try temp.write("gzip-but-named-\(name)", try readBytes(gzipped))
      if isImages {
        let reference = try IDX.readImages(path: gzipped)
        for path in [plain, plainNamedGz, gzipNamedPlain] {
          #expect(try IDX.readImages(path: path) == reference, "\(path)")
        }
      } else {
        let reference = try IDX.readLabels(path: gzipped)
        for path in [plain, plainNamedGz, gzipNamedPlain] {
          #expect(try IDX.readLabels(path: path) == reference, "\(path)")
        }
      }
    }
  }

  @Test func emptyFileOfZeroItemsIsFine() throws {
    let temp = try TempFolder("zero")
    let images = try IDX.readImages(path: try temp.write("zero-images", idxImages(count: 0, rows: 28, cols: 28)))
    #expect(images.count == 0 && images.pixels.isEmpty)
    #expect(images.tensor().shape == [0, 1, 28, 28])
    #expect(try IDX.readLabels(path: try temp.write("zero-labels", idxLabels([]))) == [])
  }
}

/// Every kind of damage gives its own error, and the message names the file.
@Suite struct IDXErrorTests {
  /// 3 images of 4×5: 16 header bytes + 60 pixel bytes.
  static let small = idxImages(count: 3, rows: 4, cols: 5)

  func expectNamesFile(_ error: DatasetError?, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    #expect(error.description.contains(name), "\(error)", sourceLocation: sourceLocation)
  }

  @Test func missingFileIsNamed() throws {
    let path = "/nonexistent-genlab-folder/train-images-idx3-ubyte.gz"
    let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: path) }
    #expect(error == .fileNotFound(path: path))
    expectNamesFile(error, path)
  }

  @Test func folderIsNotAFile() throws {
    let temp = try TempFolder("dir")
    let error = #expect(throws: DatasetError.self) { try IDX.readLabels(path: temp.path) }
    guard case .unreadable(let path, _)? = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(path == temp.path)
  }

  struct MagicCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var readAsImages: Bool
    var hint: String
    var testDescription: String { name }
  }

  static let magicCases = [
    MagicCase(name: "labels read as images", bytes: idxLabels([1, 2, 3]), readAsImages: true, hint: "swapped"),
    MagicCase(name: "images read as labels", bytes: small, readAsImages: false, hint: "swapped"),
    MagicCase(name: "HTML page", bytes: Array("<!DOCTYPE html><html>not found</html>".utf8),
              readAsImages: true, hint: "HTML"),
    MagicCase(name: "IDX of floats", bytes: [0, 0, 0x0d, 3] + [UInt8](repeating: 0, count: 40),
              readAsImages: true, hint: "element type 0x0d"),
    MagicCase(name: "zip archive", bytes: [0x50, 0x4b, 3, 4] + [UInt8](repeating: 0, count: 40),
              readAsImages: true, hint: "zip"),
    MagicCase(name: "random bytes", bytes: [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4], readAsImages: false, hint: "de ad be ef"),
    MagicCase(name: "short and wrong", bytes: [7], readAsImages: true, hint: "starts with 07"),
  ]

  @Test(arguments: magicCases, [false, true])
  func wrongMagicIsReportedWithAHint(_ magic: MagicCase, gzip: Bool) throws {
    let temp = try TempFolder("magic")
    let name = "magic-\(gzip ? "gz" : "plain")"
    let path = gzip ? try temp.writeGzip(name, magic.bytes) : try temp.write(name, magic.bytes)
    let error = #expect(throws: DatasetError.self) {
      if magic.readAsImages { _ = try IDX.readImages(path: path) } else { _ = try IDX.readLabels(path: path) }
    }
    guard case .badMagic(let errorPath, let found, let expected)? = error else {
      Issue.record("expected badMagic, got \(String(describing: error))"); return
    }
    #expect(errorPath == path)
    #expect(found == Array(magic.bytes.prefix(4)))
    #expect(expected == (magic.readAsImages ? IDX.imageMagic : IDX.labelMagic))
    expectNamesFile(error, name)
    #expect(error?.description.contains(magic.hint) == true, "\(String(describing: error))")
  }

  /// Cut inside the 16-byte image header (at 0…3 bytes the magic that is there is right).
  @Test(arguments: [0, 1, 3, 4, 8, 12, 15], [false, true])
  func truncatedHeader(length: Int, gzip: Bool) throws {
    let temp = try TempFolder("header")
    let name = "cut-header-images"
    let bytes = Array(Self.small.prefix(length))
    let path = gzip ? try temp.writeGzip(name, bytes) : try temp.write(name, bytes)
    let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: path) }
    #expect(error == .truncatedHeader(path: path, bytes: length, expected: 16))
    expectNamesFile(error, name)
  }

  @Test(arguments: [0, 4, 7])
  func truncatedLabelHeader(length: Int) throws {
    let temp = try TempFolder("lheader")
    let path = try temp.write("cut-labels", Array(idxLabels([1, 2, 3]).prefix(length)))
    let error = #expect(throws: DatasetError.self) { try IDX.readLabels(path: path) }
    #expect(error == .truncatedHeader(path: path, bytes: length, expected: 8))
  }

  /// Cut inside the 60 pixel bytes; the gzip case is a whole, valid gzip stream of a
  /// short file, so it is the IDX data that is short, not the gzip stream.
  @Test(arguments: [16, 17, 46, 75], [false, true])
  func truncatedData(length: Int, gzip: Bool) throws {
    let temp = try TempFolder("data")
    let name = "cut-data-images"
    let bytes = Array(Self.small.prefix(length))
    let path = gzip ? try temp.writeGzip(name, bytes) : try temp.write(name, bytes)
    let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: path) }
    #expect(error == .truncatedData(path: path, dimensions: [3, 4, 5], bytes: length - 16, expected: 60))
    expectNamesFile(error, name)
    #expect(error?.description.contains("header says 3 images of 4×5, file holds \(length - 16) bytes of pixels (expected 60)") == true,
            "\(String(describing: error))")
  }

  @Test func truncatedLabels() throws {
    let temp = try TempFolder("labels")
    let path = try temp.write("cut-labels", Array(idxLabels([1, 2, 3, 4]).dropLast()))
    let error = #expect(throws: DatasetError.self) { try IDX.readLabels(path: path) }
    #expect(error == .truncatedData(path: path, dimensions: [4], bytes: 3, expected: 4))
  }

  /// The real training file cut short: the error gives the real header's numbers.
  @Test func truncatedRealFile() throws {
    let temp = try TempFolder("real")
    let images = try IDX.readImages(path: "\(bundledFolder)/t10k-images-idx3-ubyte.gz")
    let plain = idxImages(count: images.count, rows: 28, cols: 28, pixels: images.pixels)
    let path = try temp.write("t10k-images-idx3-ubyte", Array(plain.prefix(16 + 1234)))
    let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: path) }
    #expect(error?.description == "\(path): header says 2,000 images of 28×28, file holds 1,234 bytes of pixels (expected 1,568,000) — the file is cut short")
  }

  @Test(arguments: [1, 100], [false, true])
  func trailingBytes(extra: Int, gzip: Bool) throws {
    let temp = try TempFolder("trailing")
    let name = "long-images"
    let bytes = Self.small + [UInt8](repeating: 9, count: extra)
    let path = gzip ? try temp.writeGzip(name, bytes) : try temp.write(name, bytes)
    let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: path) }
    #expect(error == .trailingBytes(path: path, dimensions: [3, 4, 5], extra: extra))
    expectNamesFile(error, name)
  }

  struct GzipDamage: Sendable, CustomTestStringConvertible {
    var name: String
    var damage: @Sendable ([UInt8]) -> [UInt8]
    var testDescription: String { name }
  }

  static let gzipDamages = [
    GzipDamage(name: "bytes flipped mid-stream") { bytes in
      var out = bytes
      for i in stride(from: bytes.count / 2, to: bytes.count / 2 + 64, by: 1) { out[i] ^= 0x5a }
      return out
    },
    GzipDamage(name: "cut in half") { Array($0.prefix($0.count / 2)) },
    GzipDamage(name: "trailer cut off") { Array($0.dropLast(8)) },
    GzipDamage(name: "CRC changed") { bytes in
      var out = bytes
      out[bytes.count - 8] ^= 0xff
      return out
    },
    GzipDamage(name: "length changed") { bytes in
      var out = bytes
      out[bytes.count - 4] ^= 0x01
      return out
    },
    GzipDamage(name: "unknown method") { bytes in
      var out = bytes
      out[2] = 7   // compression method: only 8 (deflate) exists
      return out
    },
    GzipDamage(name: "only the magic") { _ in [0x1f, 0x8b] },
  ]

  /// Damage to a real gzip file (the bundled test labels) is caught by zlib.
  @Test(arguments: gzipDamages)
  func corruptGzip(_ damage: GzipDamage) throws {
    let temp = try TempFolder("gzip")
    let original = try readBytes("\(bundledFolder)/t10k-labels-idx1-ubyte.gz")
    let path = try temp.write("t10k-labels-idx1-ubyte.gz", damage.damage(original))
    let error = #expect(throws: DatasetError.self) { try IDX.readLabels(path: path) }
    guard case .corruptGzip(let errorPath, let detail)? = error else {
      Issue.record("expected corruptGzip, got \(String(describing: error))"); return
    }
    #expect(errorPath == path)
    #expect(!detail.isEmpty)
    #expect(!detail.contains(path), "zlib's copy of the path is stripped: \(detail)")
    expectNamesFile(error, "t10k-labels-idx1-ubyte.gz")
  }

  struct Dimensions: Sendable, CustomTestStringConvertible {
    var count: UInt32, rows: UInt32, cols: UInt32
    var testDescription: String { "\(count)×\(rows)×\(cols)" }
  }

  /// Headers whose sizes would need more than 2³¹ bytes (or an image of no pixels)
  /// are refused before anything is allocated.
  @Test(arguments: [
    Dimensions(count: .max, rows: .max, cols: .max),
    Dimensions(count: 2_739_147, rows: 28, cols: 28),     // 2_147_491_248 > 2³¹ = 2_147_483_648
    Dimensions(count: 1, rows: 65_536, cols: 65_536),
    Dimensions(count: 10, rows: 0, cols: 28),
    Dimensions(count: 10, rows: 28, cols: 0),
  ])
  func absurdDimensions(_ dims: Dimensions) throws {
    let temp = try TempFolder("absurd")
    let bytes = bigEndian(IDX.imageMagic) + bigEndian(dims.count) + bigEndian(dims.rows) + bigEndian(dims.cols) + [1, 2, 3]
    let path = try temp.write("huge-images", bytes)
    let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: path) }
    #expect(error == .absurdDimensions(path: path, dimensions: [Int(dims.count), Int(dims.rows), Int(dims.cols)],
                                       limit: IDX.byteLimit))
    expectNamesFile(error, "huge-images")
  }

  @Test func absurdLabelCount() throws {
    let temp = try TempFolder("absurd-labels")
    let path = try temp.write("huge-labels", bigEndian(IDX.labelMagic) + bigEndian(.max) + [1, 2])
    let error = #expect(throws: DatasetError.self) { try IDX.readLabels(path: path) }
    #expect(error == .absurdDimensions(path: path, dimensions: [Int(UInt32.max)], limit: IDX.byteLimit))
  }

  /// Just under the limit is accepted as a header; the file then is simply short.
  @Test func largeButPlausibleHeaderIsJustTruncated() throws {
    let temp = try TempFolder("large")
    let path = try temp.write("large-images", idxImages(count: 2_000_000, rows: 28, cols: 28, pixels: [1, 2, 3]))
    let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: path) }
    #expect(error == .truncatedData(path: path, dimensions: [2_000_000, 28, 28], bytes: 3, expected: 1_568_000_000))
  }

  @Test func imageAndLabelCountsMustAgree() throws {
    let temp = try TempFolder("mismatch")
    let imagesPath = try temp.write("three-images", Self.small)
    let labelsPath = try temp.write("two-labels", idxLabels([1, 2]))
    let error = #expect(throws: DatasetError.self) {
      try IDX.readLabeledImages(imagesPath: imagesPath, labelsPath: labelsPath)
    }
    #expect(error == .countMismatch(imagesPath: imagesPath, images: 3, labelsPath: labelsPath, labels: 2))
    expectNamesFile(error, "three-images")
    expectNamesFile(error, "two-labels")
  }

  @Test func labelsMustBeInRange() throws {
    let temp = try TempFolder("range")
    let imagesPath = try temp.write("images", Self.small)
    let labelsPath = try temp.write("bad-labels", idxLabels([3, 10, 200]))
    let error = #expect(throws: DatasetError.self) {
      try IDX.readLabeledImages(imagesPath: imagesPath, labelsPath: labelsPath, classes: 10)
    }
    #expect(error == .labelOutOfRange(path: labelsPath, index: 1, label: 10, classes: 10))
    expectNamesFile(error, "bad-labels")
    let fine = try IDX.readLabeledImages(imagesPath: imagesPath, labelsPath: labelsPath)
    #expect(fine.labels == [3, 10, 200])
  }
}
