import Core
import Foundation
import ImageIO
import Testing

/// A valid 28×20 RGB PNG from libpng, to cut and damage.
func samplePNG() throws -> [UInt8] {
  try PNG.encode(randomImage(width: 28, height: 20, format: .rgb, seed: 42))
}

/// Writes `bytes` to `folder/name` and reads it back as a PNG, returning the error.
func readError(_ bytes: [UInt8], named name: String, in folder: String,
               sourceLocation: SourceLocation = #_sourceLocation) -> ImageIOError? {
  let path = folder + "/" + name
  #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)), sourceLocation: sourceLocation)
  let error = imageIOError(sourceLocation: sourceLocation) { _ = try PNG.read(file: path) }
  if let error {
    #expect(error.description.contains(name), "description names the file: \(error)", sourceLocation: sourceLocation)
    #expect(error.path == path, sourceLocation: sourceLocation)
  }
  return error
}

@Suite("PNG errors")
struct PNGErrorTests {
  @Test("a missing file throws fileNotFound")
  func missingFile() throws {
    try withTemporaryFolder { folder in
      let path = folder + "/fashion.png"
      let error = imageIOError { _ = try PNG.read(file: path) }
      #expect(error == .fileNotFound(path: path))
      #expect(error?.description == "\(path): file not found")
    }
  }

  @Test("a folder throws cannotRead")
  func folder() throws {
    try withTemporaryFolder { folder in
      let error = imageIOError { _ = try PNG.read(file: folder) }
      guard case .cannotRead(let path, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
      #expect(path == folder && reason.contains("folder"))
    }
  }

  @Test("a text file throws notPNG and shows its first bytes")
  func textFile() throws {
    try withTemporaryFolder { folder in
      let error = readError(Array("hello world, not a picture\n".utf8), named: "fashion.png", in: folder)
      guard case .notPNG(_, let detail) = error else { Issue.record("got \(String(describing: error))"); return }
      #expect(detail.contains("68 65 6C 6C 6F 20 77 6F") && detail.contains("\"hello wo\""), "\(detail)")
    }
  }

  @Test("an empty file throws notPNG")
  func emptyFile() throws {
    try withTemporaryFolder { folder in
      let error = readError([], named: "empty.png", in: folder)
      guard case .notPNG(_, let detail) = error else { Issue.record("got \(String(describing: error))"); return }
      #expect(detail.contains("empty"))
    }
  }

  @Test("a gzip or IDX file is named as such")
  func otherFormats() throws {
    try withTemporaryFolder { folder in
      let gzip = readError([0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3], named: "images.gz", in: folder)
      #expect(gzip?.description.contains("gzip") == true)
      let idx = readError([0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 28], named: "train-images-idx3-ubyte", in: folder)
      #expect(idx?.description.contains("IDX") == true)
    }
  }

  /// Cut points: inside the signature, right after it, right after IHDR (8 + 25 = 33),
  /// inside IDAT (half), inside IEND (all but 1) and just before IEND (all but 12).
  @Test("a truncated file throws truncated",
        arguments: ["5", "8", "33", "half", "all-but-12", "all-but-1"])
  func truncated(cut: String) throws {
    let png = try samplePNG()
    let length = switch cut {
    case "half": png.count / 2
    case "all-but-12": png.count - 12
    case "all-but-1": png.count - 1
    default: Int(cut)!
    }
    try withTemporaryFolder { folder in
      let error = readError(Array(png.prefix(length)), named: "grid.png", in: folder)
      guard case .truncated(_, let detail) = error else { Issue.record("cut at \(cut): got \(String(describing: error))"); return }
      #expect(detail.contains("ends after \(length) bytes"), "\(detail)")
      let expectedPlace = switch cut {
      case "5": "inside the 8-byte PNG signature"
      case "8": "right after the 8-byte signature"
      case "33": "right after the IHDR chunk"
      case "half": "inside the IDAT chunk"
      case "all-but-12": "right after the IDAT chunk"
      default: "inside the IEND chunk"
      }
      #expect(detail.contains(expectedPlace), "cut at \(cut): \(detail)")
    }
    // The same from memory names the given name.
    let error = imageIOError { _ = try PNG.read(data: Array(png.prefix(length)), name: "sample #3") }
    #expect(error?.description.hasPrefix("sample #3: truncated PNG") == true, "\(String(describing: error))")
  }

  /// libpng inflates IDAT as it reads, so zlib notices first: a damaged zlib header
  /// ("incorrect header check") or a wrong Adler-32 of the pixels ("incorrect data check").
  @Test("a flipped byte in IDAT throws corrupt", arguments: [0, 1, 10, 30])
  func flippedByteInIDAT(position: Int) throws {
    var png = try samplePNG()
    let idat = try #require(chunkOffset("IDAT", in: png))
    png[idat + 8 + position] ^= 0x10
    try withTemporaryFolder { folder in
      let error = readError(png, named: "grid.png", in: folder)
      guard case .corrupt(_, let message) = error else { Issue.record("got \(String(describing: error))"); return }
      #expect(message.hasPrefix("IDAT: incorrect"), "\(message)")
      #expect(error!.description.contains("truncated or corrupt PNG: libpng says '"))
    }
  }

  @Test("damaged compressed data with a valid CRC throws corrupt (libpng finds the zlib error)")
  func badZlibHeader() throws {
    var png = handMadePNG(width: 2, height: 2, bitDepth: 8, colorType: 0, rows: [[1, 2], [3, 4]])
    let idat = try #require(chunkOffset("IDAT", in: png))
    let length = png[idat..<(idat + 4)].reduce(0) { $0 << 8 | Int($1) }
    png[idat + 8 + 1] ^= 0x01  // zlib header no longer a multiple of 31
    let crc = bigEndian(crc32(png[(idat + 4)..<(idat + 8 + length)]))
    png.replaceSubrange((idat + 8 + length)..<(idat + 12 + length), with: crc)
    let error = imageIOError { _ = try PNG.read(data: png, name: "damaged.png") }
    guard case .corrupt(let name, let message) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(name == "damaged.png" && !message.isEmpty)
  }

  @Test("a bad filter type byte throws corrupt")
  func badFilter() throws {
    // Filter bytes are 0–4; handMadePNG writes 0, so put 9 in the first raw byte by hand:
    // the stored block starts after the zlib header (2) and block header (5).
    var png = handMadePNG(width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [[1, 2]])
    let idat = try #require(chunkOffset("IDAT", in: png))
    let length = png[idat..<(idat + 4)].reduce(0) { $0 << 8 | Int($1) }
    png[idat + 8 + 7] = 9
    // fix Adler-32 and CRC so only the filter byte is wrong
    let raw: [UInt8] = [9, 1, 2]
    png.replaceSubrange((idat + 8 + length - 4)..<(idat + 8 + length), with: bigEndian(adler32(raw)))
    let crc = bigEndian(crc32(png[(idat + 4)..<(idat + 8 + length)]))
    png.replaceSubrange((idat + 8 + length)..<(idat + 12 + length), with: crc)
    let error = imageIOError { _ = try PNG.read(data: png, name: "filter.png") }
    guard case .corrupt(_, let message) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(message.contains("filter"), "\(message)")
  }

  @Test("a header asking for 10⁶ × 10⁶ pixels throws tooLarge instead of allocating 4 TB")
  func hugeHeader() throws {
    var png = handMadePNG(width: 1, height: 1, bitDepth: 8, colorType: 6, rows: [[1, 2, 3, 4]])
    let header = bigEndian(1_000_000) + bigEndian(1_000_000) + [8, 6, 0, 0, 0]
    png.replaceSubrange(8..<33, with: chunk("IHDR", header))
    let error = imageIOError { _ = try PNG.read(data: png, name: "huge.png") }
    #expect(error == .tooLarge(path: "huge.png", width: 1_000_000, height: 1_000_000))
    #expect(error?.description.contains("huge.png") == true)
  }

  @Test("writing into a missing folder throws cannotWrite and creates nothing")
  func missingFolder() throws {
    try withTemporaryFolder { folder in
      let path = folder + "/runs/001/samples.png"
      let error = imageIOError { try PNG.write(Image(width: 1, height: 1, format: .gray, repeating: 0), to: path) }
      guard case .cannotWrite(let errorPath, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
      #expect(errorPath == path)
      #expect(reason.contains("\(folder)/runs/001") && reason.contains("does not exist"), "\(reason)")
      #expect(error!.description.contains("samples.png"))
      #expect(!FileManager.default.fileExists(atPath: folder + "/runs"))
    }
  }

  @Test("writing onto a folder or below a file throws cannotWrite and leaves no temporary file")
  func notAFile() throws {
    try withTemporaryFolder { folder in
      let image = Image(width: 1, height: 1, format: .gray, repeating: 0)
      try FileManager.default.createDirectory(atPath: folder + "/taken.png", withIntermediateDirectories: false)
      let onFolder = imageIOError { try PNG.write(image, to: folder + "/taken.png") }
      guard case .cannotWrite = onFolder else { Issue.record("got \(String(describing: onFolder))"); return }
      #expect(onFolder!.description.contains("taken.png"))

      #expect(FileManager.default.createFile(atPath: folder + "/plain", contents: Data([1])))
      let belowFile = imageIOError { try PNG.write(image, to: folder + "/plain/x.png") }
      guard case .cannotWrite(_, let reason) = belowFile else { Issue.record("got \(String(describing: belowFile))"); return }
      #expect(reason.contains("not a folder"))
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["plain", "taken.png"])
    }
  }
}
