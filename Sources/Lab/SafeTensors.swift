import Core
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes the safetensors format (Hugging Face), so checkpoints and
/// exported samples open unchanged in Python's `safetensors` library.
///
/// A file is
///
///     [8 bytes: N, UInt64 little-endian] [N bytes: UTF-8 JSON header] [data section]
///
/// The header maps each tensor name to `{"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]}`, offsets in bytes from the start of the data
/// section, plus an optional `"__metadata__": {string: string}`. Elements are
/// row-major and little-endian.
///
/// Writing produces F32 only, with the header padded with spaces to a multiple of
/// 8 bytes (so the data is 8-byte aligned), and the same input always gives the
/// same bytes. Reading accepts F32, F16, BF16 and F64 (converted to `Float`) and,
/// like the Python library, requires the tensors to cover the data section
/// exactly: no overlaps, no gaps, no bytes left over at the end.
public enum SafeTensors {
  /// The largest header accepted (the Python library's bound too).
  public static let maximumHeaderLength = 100_000_000

  // MARK: Writing

  /// Writes `tensors` in the given order (their names must be distinct and not
  /// `__metadata__`) with `metadata` to `path`, atomically: the bytes go to a
  /// temporary file in the same folder, are flushed to disk, and the temporary
  /// file is renamed over `path`. Readers see the old file or the new one, never half.
  public static func write(_ tensors: [(name: String, tensor: Tensor)],
                           metadata: [String: String] = [:], to path: String) throws {
    try write(tensors, metadata: metadata, to: path, failAfterBytes: nil)
  }

  /// Writes `tensors` sorted by name; see `write(_:metadata:to:)` for the rest.
  public static func write(_ tensors: [String: Tensor],
                           metadata: [String: String] = [:], to path: String) throws {
    let ordered = tensors.keys.sorted().map { (name: $0, tensor: tensors[$0]!) }
    try write(ordered, metadata: metadata, to: path)
  }

  /// The test hook: with `failAfterBytes` set, the write stops after that many
  /// bytes of the temporary file and fails, as a full disk would.
  static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String],
                    to path: String, failAfterBytes: Int?) throws {
    let bytes = try encode(tensors, metadata: metadata, path: path)
    try writeSafeTensorsAtomically(bytes, to: path, failAfterBytes: failAfterBytes)
  }

  /// The whole file's bytes: length, header, data.
  static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String],
                     path: String) throws -> [UInt8] {
    var seen = Set<String>()
    for (name, _) in tensors {
      if name == "__metadata__" {
        throw SafeTensorsError.cannotWrite(path: path, reason: "'__metadata__' is reserved and cannot name a tensor")
      }
      if !seen.insert(name).inserted {
        throw SafeTensorsError.cannotWrite(path: path, reason: "two tensors are named '\(name)'")
      }
    }
    // The header, written by hand so the bytes never depend on a JSON library's choices.
    var header = "{"
    var entries = [String]()
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(JSONText.string($0)):\(JSONText.string(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for (name, tensor) in tensors {
      let end = offset + 4 * tensor.count
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append("\(JSONText.string(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    header += entries.joined(separator: ",") + "}"
    var headerBytes = Array(header.utf8)
    while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }  // spaces: still valid JSON

    var bytes = [UInt8]()
    bytes.reserveCapacity(8 + headerBytes.count + offset)
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: headerBytes)
    for (_, tensor) in tensors {
      for value in tensor.data {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
      }
    }
    return bytes
  }

  // MARK: Reading

  /// The tensors and metadata of the file at `path`.
  public static func read(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    try read(bytes: readWholeFile(path), name: path)
  }

  /// The tensors and metadata in `bytes`; `name` is the file name that errors show.
  public static func read(bytes: [UInt8], name: String) throws
    -> (tensors: [String: Tensor], metadata: [String: String]) {
    let path = name
    guard bytes.count >= 8 else { throw SafeTensorsError.tooShort(path: path, size: bytes.count) }
    var length: UInt64 = 0
    for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard length <= UInt64(maximumHeaderLength), length <= UInt64(bytes.count - 8) else {
      throw SafeTensorsError.headerLengthAbsurd(path: path, length: length, fileSize: bytes.count)
    }
    let headerEnd = 8 + Int(length)
    let json: JSONValue
    do {
      json = try JSONDecoder().decode(JSONValue.self, from: Data(bytes[8..<headerEnd]))
    } catch {
      throw SafeTensorsError.headerNotJSON(path: path)
    }
    guard case let .object(header) = json else { throw SafeTensorsError.headerNotObject(path: path) }

    var metadata = [String: String]()
    if let value = header["__metadata__"] {
      guard case let .object(pairs) = value else {
        throw SafeTensorsError.invalidMetadata(path: path, problem: "it is not an object")
      }
      for (key, value) in pairs {
        guard case let .string(text) = value else {
          throw SafeTensorsError.invalidMetadata(path: path, problem: "the value of '\(key)' is not a string")
        }
        metadata[key] = text
      }
    }

    struct Entry { let name: String; let dtype: DType; let shape: [Int]; let begin: Int; let end: Int }
    let dataSize = bytes.count - headerEnd
    var entries = [Entry]()
    for name in header.keys.sorted() where name != "__metadata__" {
      guard case let .object(fields) = header[name]! else {
        throw SafeTensorsError.invalidEntry(path: path, tensor: name, problem: "it is not an object")
      }
      guard let dtypeValue = fields["dtype"] else { throw SafeTensorsError.missingField(path: path, tensor: name, field: "dtype") }
      guard let shapeValue = fields["shape"] else { throw SafeTensorsError.missingField(path: path, tensor: name, field: "shape") }
      guard let offsetsValue = fields["data_offsets"] else {
        throw SafeTensorsError.missingField(path: path, tensor: name, field: "data_offsets")
      }
      guard case let .string(dtypeName) = dtypeValue else {
        throw SafeTensorsError.invalidEntry(path: path, tensor: name, problem: "its dtype is not a string")
      }
      guard let dtype = DType(rawValue: dtypeName) else {
        throw SafeTensorsError.unsupportedDtype(path: path, tensor: name, dtype: dtypeName)
      }
      guard case let .array(shapeItems) = shapeValue else {
        throw SafeTensorsError.invalidEntry(path: path, tensor: name, problem: "its shape is not a list")
      }
      var shape = [Int]()
      for item in shapeItems {
        guard case let .integer(size) = item, size >= 0 else {
          throw SafeTensorsError.invalidShape(path: path, tensor: name, problem: "\(item) is not a whole number ≥ 0")
        }
        shape.append(size)
      }
      guard case let .array(offsetItems) = offsetsValue, offsetItems.count == 2,
            case let .integer(begin) = offsetItems[0], case let .integer(end) = offsetItems[1],
            begin >= 0, end >= 0 else {
        throw SafeTensorsError.invalidEntry(path: path, tensor: name,
                                            problem: "its data_offsets are not two whole numbers ≥ 0")
      }
      guard begin <= end else { throw SafeTensorsError.reversedOffsets(path: path, tensor: name, begin: begin, end: end) }
      guard end <= dataSize else {
        throw SafeTensorsError.offsetsOutOfRange(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
      }
      var expected = dtype.size
      for size in shape {
        let (product, overflow) = expected.multipliedReportingOverflow(by: size)
        guard !overflow else {
          throw SafeTensorsError.invalidShape(path: path, tensor: name, problem: "\(shape) holds too many elements")
        }
        expected = product
      }
      guard expected == end - begin else {
        throw SafeTensorsError.sizeMismatch(path: path, tensor: name, dtype: dtypeName, shape: shape,
                                            expected: expected, actual: end - begin)
      }
      entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
    }

    // Full coverage, as the Python library demands: sorted by position, each tensor
    // starts where the previous one ended, and the last one ends at the end of the file.
    let byPosition = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var covered = 0
    var previous: String?
    for entry in byPosition {
      if entry.begin < covered {
        throw SafeTensorsError.overlappingTensors(path: path, first: previous!, second: entry.name)
      }
      if entry.begin > covered {
        throw SafeTensorsError.uncoveredBytes(path: path, begin: covered, end: entry.begin)
      }
      covered = entry.end
      previous = entry.name
    }
    if covered < dataSize { throw SafeTensorsError.uncoveredBytes(path: path, begin: covered, end: dataSize) }

    var tensors = [String: Tensor]()
    bytes.withUnsafeBytes { raw in
      for entry in entries {
        let base = headerEnd + entry.begin
        let count = (entry.end - entry.begin) / entry.dtype.size
        let values = (0..<count).map { i in entry.dtype.decode(raw, at: base + i * entry.dtype.size) }
        tensors[entry.name] = Tensor(shape: entry.shape, data: values)
      }
    }
    return (tensors, metadata)
  }

  /// The element types the reader understands.
  enum DType: String {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"

    var size: Int {
      switch self {
      case .f32: 4
      case .f16, .bf16: 2
      case .f64: 8
      }
    }

    func decode(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Float {
      switch self {
      case .f32:
        return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
      case .f64:
        return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
      case .bf16:
        // bfloat16 is the top half of a float32.
        return Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << 16)
      case .f16:
        return halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
      }
    }

    /// IEEE half (1 sign, 5 exponent, 10 fraction bits) to float, by hand:
    /// `Float16` is missing on macOS x86-64.
    func halfToFloat(_ bits: UInt16) -> Float {
      let sign: Float = bits & 0x8000 != 0 ? -1 : 1
      let exponent = Int((bits >> 10) & 0x1f)
      let fraction = Float(bits & 0x3ff)
      switch exponent {
      case 0: return sign * fraction * 0x1p-24  // zero and subnormals
      case 0x1f: return fraction == 0 ? sign * .infinity : .nan
      default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
      }
    }
  }

  static func readWholeFile(_ path: String) throws -> [UInt8] {
    do {
      return try Files.read(path)
    } catch .notFound {
      throw SafeTensorsError.fileNotFound(path: path)
    } catch let .cannotRead(reason), let .cannotWrite(reason) {
      throw SafeTensorsError.cannotRead(path: path, reason: reason)
    }
  }
}

/// Writes `bytes` atomically (see `Files.writeAtomically`); with `failAfterBytes` set,
/// stops after that many bytes and fails (a test hook).
private func writeSafeTensorsAtomically(_ bytes: [UInt8], to path: String, failAfterBytes: Int?) throws {
  do {
    try Files.writeAtomically(bytes, to: path, failAfterBytes: failAfterBytes)
  } catch .notFound {
    throw SafeTensorsError.cannotWrite(path: path, reason: "not found")
  } catch let .cannotRead(reason), let .cannotWrite(reason) {
    throw SafeTensorsError.cannotWrite(path: path, reason: reason)
  }
}

/// A parsed JSON value; numbers that are whole and fit in `Int` are `.integer`.
/// `JSONDecoder` hides a number's text, so `2.0` and `2E0` count as the whole number 2
/// (Python's reader refuses them; `2.5`, `-1`, `"2"` and `true` are refused by both).
enum JSONValue: Decodable, CustomStringConvertible {
  case null, bool(Bool), integer(Int), number(Double), string(String)
  case array([JSONValue]), object([String: JSONValue])

  init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() { self = .null }
    else if let value = try? container.decode(Bool.self) { self = .bool(value) }
    else if let value = try? container.decode(Int.self) { self = .integer(value) }
    else if let value = try? container.decode(Double.self) { self = .number(value) }
    else if let value = try? container.decode(String.self) { self = .string(value) }
    else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
    else { self = .object(try container.decode([String: JSONValue].self)) }
  }

  var description: String {
    switch self {
    case .null: "null"
    case let .bool(value): "\(value)"
    case let .integer(value): "\(value)"
    case let .number(value): "\(value)"
    case let .string(value): JSONText.string(value)
    case let .array(values): "[" + values.map(\.description).joined(separator: ",") + "]"
    case .object: "an object"
    }
  }
}

/// What can be wrong with a safetensors file; each description names the file.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
  case fileNotFound(path: String)
  case cannotRead(path: String, reason: String)
  case cannotWrite(path: String, reason: String)
  case tooShort(path: String, size: Int)
  case headerLengthAbsurd(path: String, length: UInt64, fileSize: Int)
  case headerNotJSON(path: String)
  case headerNotObject(path: String)
  case invalidMetadata(path: String, problem: String)
  case invalidEntry(path: String, tensor: String, problem: String)
  case missingField(path: String, tensor: String, field: String)
  case unsupportedDtype(path: String, tensor: String, dtype: String)
  case invalidShape(path: String, tensor: String, problem: String)
  case reversedOffsets(path: String, tensor: String, begin: Int, end: Int)
  case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
  case sizeMismatch(path: String, tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
  case overlappingTensors(path: String, first: String, second: String)
  case uncoveredBytes(path: String, begin: Int, end: Int)

  public var description: String {
    switch self {
    case let .fileNotFound(path):
      return "\(path): no such file"
    case let .cannotRead(path, reason):
      return "\(path): cannot read the file: \(reason)"
    case let .cannotWrite(path, reason):
      return "\(path): cannot write the file: \(reason)"
    case let .tooShort(path, size):
      return "\(path): the file holds \(size) bytes, fewer than the 8 that give the header's length; it is not a safetensors file"
    case let .headerLengthAbsurd(path, length, fileSize):
      return "\(path): the header claims \(length) bytes, but the file holds only \(fileSize) bytes "
        + "(and headers above \(SafeTensors.maximumHeaderLength) bytes are refused); the file is truncated or not a safetensors file"
    case let .headerNotJSON(path):
      return "\(path): the header is not valid UTF-8 JSON"
    case let .headerNotObject(path):
      return "\(path): the header is JSON but not an object of tensor names"
    case let .invalidMetadata(path, problem):
      return "\(path): __metadata__ must map strings to strings, but \(problem)"
    case let .invalidEntry(path, tensor, problem):
      return "\(path): the entry of tensor '\(tensor)' is malformed: \(problem)"
    case let .missingField(path, tensor, field):
      return "\(path): the entry of tensor '\(tensor)' has no \"\(field)\""
    case let .unsupportedDtype(path, tensor, dtype):
      return "\(path): tensor '\(tensor)' has dtype '\(dtype)'; GenLab reads F32, F16, BF16 and F64 only"
    case let .invalidShape(path, tensor, problem):
      return "\(path): the shape of tensor '\(tensor)' is invalid: \(problem)"
    case let .reversedOffsets(path, tensor, begin, end):
      return "\(path): tensor '\(tensor)' ends (byte \(end)) before it begins (byte \(begin))"
    case let .offsetsOutOfRange(path, tensor, begin, end, dataSize):
      return "\(path): tensor '\(tensor)' spans bytes \(begin)..<\(end), past the end of the \(dataSize)-byte data section; the file is truncated"
    case let .sizeMismatch(path, tensor, dtype, shape, expected, actual):
      return "\(path): tensor '\(tensor)' is \(dtype) of shape \(shape), which needs \(expected) bytes, but its offsets span \(actual)"
    case let .overlappingTensors(path, first, second):
      return "\(path): tensors '\(first)' and '\(second)' overlap in the data section"
    case let .uncoveredBytes(path, begin, end):
      return "\(path): bytes \(begin)..<\(end) of the data section belong to no tensor (safetensors requires every byte to be covered)"
    }
  }
}
