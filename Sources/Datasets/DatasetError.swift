/// What can be wrong with a data file or a data folder. Every case names the file
/// (its path as given) and says what is wrong in plain English, e.g.
///
///     …/train-images-idx3-ubyte.gz: header says 60,000 images of 28×28, file holds
///     1,234 bytes of pixels (expected 47,040,000) — the file is cut short
///
/// Bad files are user input, not programmer errors: the readers throw these and
/// never trap on bad bytes.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
  /// Nothing at `path`.
  case fileNotFound(path: String)
  /// `path` exists but cannot be read (a folder, no permission, an I/O error).
  case unreadable(path: String, reason: String)
  /// The first four bytes are not the expected IDX magic number.
  case badMagic(path: String, found: [UInt8], expected: UInt32)
  /// The file ends inside the header.
  case truncatedHeader(path: String, bytes: Int, expected: Int)
  /// The header promises more items than the file holds.
  /// `dimensions` is the header's [count] (labels) or [count, rows, cols] (images).
  case truncatedData(path: String, dimensions: [Int], bytes: Int, expected: Int)
  /// The data is followed by bytes the header does not account for.
  case trailingBytes(path: String, dimensions: [Int], extra: Int)
  /// The gzip stream is damaged or cut short; `detail` is zlib's message.
  case corruptGzip(path: String, detail: String)
  /// The header's sizes would need more than `limit` bytes, or an image has no pixels.
  case absurdDimensions(path: String, dimensions: [Int], limit: Int)
  /// An image file and its label file disagree on the number of items.
  case countMismatch(imagesPath: String, images: Int, labelsPath: String, labels: Int)
  /// A label outside 0..<classes (the first such one).
  case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)
  /// Images of another size than the dataset's (Fashion-MNIST is 28×28).
  case unexpectedImageSize(path: String, rows: Int, cols: Int, expectedRows: Int, expectedCols: Int)
  /// A data folder chosen by `origin` (e.g. "--data", "GENLAB_DATA") does not exist.
  case folderNotFound(path: String, origin: String)
  /// A data folder chosen by `origin` (e.g. "--data", "GENLAB_DATA") lacks some files.
  case missingFiles(folder: String, origin: String, missing: [String])
  /// No data folder was found anywhere; `tried` lists the places, in order.
  case noDataFound(dataset: String, tried: [String], hint: String)
  /// A text file is not valid UTF-8: the byte sequence starting at byte `offset`
  /// (0-based, in line `line`, 1-based) is malformed; `byte` is the byte there.
  case invalidUTF8(path: String, offset: Int, line: Int, byte: UInt8)
  /// A word list holds no words (no bytes, or only empty lines).
  case emptyWordList(path: String)

  public var description: String {
    switch self {
    case .fileNotFound(let path):
      return "\(path): no such file or folder"
    case .unreadable(let path, let reason):
      return "\(path): cannot be read (\(reason))"
    case .badMagic(let path, let found, let expected):
      let foundText = found.map { hex2($0) }.joined(separator: " ")
      let expectedText = bytesOf(expected).map { hex2($0) }.joined(separator: " ")
      return "\(path): not an IDX \(idxKind(expected)) file: starts with \(foundText), expected \(expectedText)"
        + " (magic 0x\(hex8(expected)))" + magicHint(found: found, expected: expected)
    case .truncatedHeader(let path, let bytes, let expected):
      return "\(path): file ends inside the header: \(grouped(bytes)) byte\(bytes == 1 ? "" : "s"), "
        + "the header alone is \(expected) bytes"
    case .truncatedData(let path, let dimensions, let bytes, let expected):
      return "\(path): header says \(itemsText(dimensions)), file holds \(grouped(bytes)) bytes of "
        + "\(dimensions.count == 1 ? "labels" : "pixels") (expected \(grouped(expected))) — the file is cut short"
    case .trailingBytes(let path, let dimensions, let extra):
      return "\(path): header says \(itemsText(dimensions)), but \(grouped(extra)) more "
        + (extra == 1 ? "byte follows" : "bytes follow") + " the data — a damaged or different file"
    case .corruptGzip(let path, let detail):
      return "\(path): the gzip stream is damaged (\(detail)); download or install the file again"
    case .absurdDimensions(let path, let dimensions, let limit):
      let sizes = dimensions.map(grouped).joined(separator: " × ")
      return "\(path): header dimensions \(sizes) are not plausible "
        + "(no pixels, or more than \(grouped(limit)) bytes); the header is damaged"
    case .countMismatch(let imagesPath, let images, let labelsPath, let labels):
      return "\(imagesPath): holds \(grouped(images)) images but \(labelsPath) holds \(grouped(labels)) labels"
    case .labelOutOfRange(let path, let index, let label, let classes):
      return "\(path): label \(label) at item \(grouped(index)) is outside 0…\(classes - 1)"
    case .unexpectedImageSize(let path, let rows, let cols, let expectedRows, let expectedCols):
      return "\(path): images are \(rows)×\(cols), expected \(expectedRows)×\(expectedCols)"
    case .folderNotFound(let path, let origin):
      return "\(path) (from \(origin)): no such folder"
    case .missingFiles(let folder, let origin, let missing):
      return "\(folder) (from \(origin)): missing \(missing.joined(separator: ", "))"
        + " (each may also be uncompressed, without .gz)"
    case .noDataFound(let dataset, let tried, let hint):
      return "\(dataset): no data found; tried \(tried.joined(separator: "; ")). \(hint)"
    case .invalidUTF8(let path, let offset, let line, let byte):
      return "\(path): not valid UTF-8: the bytes at offset \(grouped(offset)) (line \(grouped(line))) "
        + "start with 0x\(hex2(byte)), which is not a well-formed UTF-8 sequence — "
        + "is the file in another encoding (Latin-1?) or binary? Convert it with `iconv -t UTF-8`"
    case .emptyWordList(let path):
      return "\(path): the word list is empty (no lines with a word); expected one word per line"
    }
  }
}

// MARK: - Formatting helpers (also used by the loaders' one-line descriptions)

/// 60000 → "60,000".
func grouped(_ value: Int) -> String {
  let digits = String(value.magnitude)
  var out = ""
  for (i, digit) in digits.enumerated() {
    if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(digit)
  }
  return value < 0 ? "-" + out : out
}

private func hex2(_ byte: UInt8) -> String {
  let text = String(byte, radix: 16)
  return byte < 16 ? "0" + text : text
}

private func hex8(_ word: UInt32) -> String {
  let text = String(word, radix: 16)
  return String(repeating: "0", count: 8 - text.count) + text
}

private func bytesOf(_ word: UInt32) -> [UInt8] {
  [UInt8(word >> 24), UInt8((word >> 16) & 0xff), UInt8((word >> 8) & 0xff), UInt8(word & 0xff)]
}

private func idxKind(_ magic: UInt32) -> String {
  switch magic {
  case IDX.imageMagic: return "images"
  case IDX.labelMagic: return "labels"
  default: return "0x\(hex8(magic))"
  }
}

/// "10,000 images of 28×28" or "10,000 labels".
private func itemsText(_ dimensions: [Int]) -> String {
  guard let count = dimensions.first else { return "no items" }
  if dimensions.count == 3 {
    return "\(grouped(count)) image\(count == 1 ? "" : "s") of \(dimensions[1])×\(dimensions[2])"
  }
  return "\(grouped(count)) label\(count == 1 ? "" : "s")"
}

/// A guess at what the file is instead, from its first bytes.
private func magicHint(found: [UInt8], expected: UInt32) -> String {
  let word = found.count == 4 ? found.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : nil
  if word == IDX.labelMagic && expected == IDX.imageMagic {
    return "; this is a label file — are the images and labels files swapped?"
  }
  if word == IDX.imageMagic && expected == IDX.labelMagic {
    return "; this is an image file — are the images and labels files swapped?"
  }
  if found.count == 4 && found[0] == 0 && found[1] == 0 {
    return "; an IDX file of element type 0x\(hex2(found[2])) with \(found[3]) dimension(s), "
      + "not unsigned bytes with \(expected & 0xff)"
  }
  if found.first == UInt8(ascii: "<") {
    return "; it looks like an HTML or XML page (a failed download?)"
  }
  if found.starts(with: [0x50, 0x4b]) {
    return "; it looks like a zip archive: unzip it first"
  }
  return ""
}
