import Core
import Foundation
@testable import Lab
import Testing

@Suite struct SafeTensorsTests {
  func temporaryFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("genlab-safetensors-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }

  /// A file with `header` (padded with spaces to 8 bytes) followed by `data`.
  func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
    var headerBytes = Array(header.utf8)
    while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
    var bytes = [UInt8]()
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + headerBytes + data
  }

  /// Reading `bytes` as "bad.safetensors" throws exactly `expected`, whose text names the file.
  func expectRejected(_ bytes: [UInt8], _ expected: SafeTensorsError,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: expected, sourceLocation: sourceLocation) {
      try SafeTensors.read(bytes: bytes, name: "bad.safetensors")
    }
    #expect(expected.description.hasPrefix("bad.safetensors: "), sourceLocation: sourceLocation)
  }

  // MARK: Round trips and interop

  @Test func roundTripOfSeveralTensorsAndMetadata() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var rng = RNG(seed: 7)
    let tensors: [String: Tensor] = [
      "scalar": Tensor(3.25),
      "empty": Tensor(zeros: [0]),
      "empty2d": Tensor(zeros: [3, 0]),
      "matrix": Tensor(shape: [2, 3], data: [1, -2, 0.5, .infinity, -0.0, Float(bitPattern: 0x0001_16C2)]),  // a subnormal, ≈ 1e-40
      "big": Tensor.normal([10, 100], using: &rng),
    ]
    let metadata = ["lesson": "05", "note": "quotes \" and \\ and\nnewline, ünïcode ✓"]
    let path = folder + "/model.safetensors"
    try SafeTensors.write(tensors, metadata: metadata, to: path)
    let (read, readMetadata) = try SafeTensors.read(path: path)
    #expect(read == tensors)
    #expect(readMetadata == metadata)
    // Nothing but the file itself is left in the folder.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model.safetensors"])
  }

  @Test func bytesAreDeterministicAndLaidOutAsSpecified() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let tensors: [String: Tensor] = ["b": Tensor(shape: [2], data: [1.5, -2]), "a": Tensor(shape: [1, 1], data: [1])]
    let metadata = ["z": "1", "y": "2"]
    try SafeTensors.write(tensors, metadata: metadata, to: folder + "/one.safetensors")
    try SafeTensors.write(tensors, metadata: metadata, to: folder + "/two.safetensors")
    let one = try SafeTensors.readWholeFile(folder + "/one.safetensors")
    let two = try SafeTensors.readWholeFile(folder + "/two.safetensors")
    #expect(one == two)
    // Names sorted, metadata first with sorted keys, header padded to 8 bytes with spaces.
    let header = #"{"__metadata__":{"y":"2","z":"1"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"#
      + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
    let expected = file(header, data: [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0])
    #expect(one == expected)
    #expect((one.count - 12) % 8 == 0)
  }

  @Test func givenOrderIsKeptAndDuplicateOrReservedNamesAreRefused() throws {
    let tensors = [(name: "z", tensor: Tensor(1)), (name: "a", tensor: Tensor(2))]
    let bytes = try SafeTensors.encode(tensors, metadata: [:], path: "x.safetensors")
    let text = String(decoding: bytes[8...], as: UTF8.self)
    #expect(text.hasPrefix(#"{"z":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a""#))
    #expect(throws: SafeTensorsError.cannotWrite(path: "x.safetensors", reason: "two tensors are named 'a'")) {
      try SafeTensors.encode([(name: "a", tensor: Tensor(1)), (name: "a", tensor: Tensor(2))], metadata: [:], path: "x.safetensors")
    }
    #expect(throws: SafeTensorsError.self) {
      try SafeTensors.encode([(name: "__metadata__", tensor: Tensor(1))], metadata: [:], path: "x.safetensors")
    }
  }

  /// Made with Python 3.11.7, safetensors 0.8.0, numpy 2.4.6:
  ///
  ///     import numpy as np, safetensors.numpy
  ///     safetensors.numpy.save_file({"a": np.arange(6, dtype=np.float32).reshape(2,3),
  ///                                  "b": np.array([1.5,-2], np.float32)}, path, metadata={"lesson":"test"})
  ///
  /// The reverse was checked once by hand: a file written by `SafeTensors.write` (the
  /// round-trip tensors above, metadata included) loaded with `safetensors.numpy.load_file`
  /// and `safe_open(...).metadata()` in the same Python gave back the same shapes,
  /// values and metadata.
  static let fromPython: [UInt8] = [
    0x98, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x5f, 0x5f, 0x6d, 0x65, 0x74, 0x61,
    0x64, 0x61, 0x74, 0x61, 0x5f, 0x5f, 0x22, 0x3a, 0x7b, 0x22, 0x6c, 0x65, 0x73, 0x73, 0x6f, 0x6e,
    0x22, 0x3a, 0x22, 0x74, 0x65, 0x73, 0x74, 0x22, 0x7d, 0x2c, 0x22, 0x61, 0x22, 0x3a, 0x7b, 0x22,
    0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68,
    0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x32, 0x2c, 0x33, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61,
    0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x30, 0x2c, 0x32, 0x34, 0x5d,
    0x7d, 0x2c, 0x22, 0x62, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22,
    0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x32, 0x5d,
    0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a,
    0x5b, 0x32, 0x34, 0x2c, 0x33, 0x32, 0x5d, 0x7d, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40,
    0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xa0, 0x40, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0,
  ]

  @Test func readsAFileWrittenByPythonsSafetensors() throws {
    let (tensors, metadata) = try SafeTensors.read(bytes: Self.fromPython, name: "python.safetensors")
    #expect(tensors == ["a": Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5]),
                        "b": Tensor(shape: [2], data: [1.5, -2])])
    #expect(metadata == ["lesson": "test"])
  }

  @Test func decodesF16BF16AndF64ToFloat() throws {
    // Bit patterns by hand: F16 1.0 = 0x3C00, −2.5 = 0xC100, smallest subnormal 2⁻²⁴ = 0x0001;
    // BF16 1.0 = 0x3F80, −2.0 = 0xC000; F64 0.1 = 0x3FB999999999999A.
    let header = #"{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"#
      + #""g":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]},"#
      + #""d":{"dtype":"F64","shape":[],"data_offsets":[10,18]}}"#
    let data: [UInt8] = [0x00, 0x3c, 0x00, 0xc1, 0x01, 0x00, 0x80, 0x3f, 0x00, 0xc0,
                         0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f]
    let (tensors, _) = try SafeTensors.read(bytes: file(header, data: data), name: "mixed.safetensors")
    #expect(tensors["h"] == Tensor(shape: [3], data: [1, -2.5, 0x1p-24]))
    #expect(tensors["g"] == Tensor(shape: [2], data: [1, -2]))
    #expect(tensors["d"] == Tensor(Float(0.1)))
  }

  // MARK: Atomic writes

  @Test(arguments: [0, 5, 8, 100])
  func failedWriteLeavesTheOldFileIntactAndNoTemporaryFile(failAfterBytes: Int) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/checkpoint.safetensors"
    try SafeTensors.write(["w": Tensor(shape: [2], data: [1, 2])], to: path)
    let old = try SafeTensors.readWholeFile(path)
    let new = [(name: "w", tensor: Tensor(shape: [50], repeating: 9))]
    #expect(throws: SafeTensorsError.cannotWrite(path: path, reason: "simulated failure after \(failAfterBytes) bytes")) {
      try SafeTensors.write(new, metadata: [:], to: path, failAfterBytes: failAfterBytes)
    }
    #expect(try SafeTensors.readWholeFile(path) == old)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["checkpoint.safetensors"])
    // And without the injected failure the same write replaces the file.
    try SafeTensors.write(new, metadata: [:], to: path, failAfterBytes: nil)
    #expect(try SafeTensors.read(path: path).tensors == ["w": Tensor(shape: [50], repeating: 9)])
  }

  @Test func writingIntoAMissingFolderIsAClearError() throws {
    let path = "/nonexistent-genlab-folder/x.safetensors"
    #expect {
      try SafeTensors.write(["a": Tensor(1)], to: path)
    } throws: { error in
      guard case let SafeTensorsError.cannotWrite(errorPath, reason) = error else { return false }
      return errorPath == path && reason.contains("does not exist") && "\(error)".contains(path)
    }
  }

  // MARK: Corrupt files, one test per case

  @Test func missingFile() {
    let path = "/nonexistent-genlab-folder/missing.safetensors"
    #expect(throws: SafeTensorsError.fileNotFound(path: path)) { try SafeTensors.read(path: path) }
    #expect(SafeTensorsError.fileNotFound(path: path).description.contains(path))
  }

  @Test func folderInsteadOfFile() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect {
      try SafeTensors.read(path: folder)
    } throws: { error in
      guard case let SafeTensorsError.cannotRead(path, _) = error else { return false }
      return path == folder && "\(error)".contains(folder)
    }
  }

  @Test func fileShorterThanEightBytes() {
    expectRejected([0x10, 0, 0], .tooShort(path: "bad.safetensors", size: 3))
  }

  @Test func headerLengthLargerThanTheFile() {
    let bytes: [UInt8] = [0x20, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)
    expectRejected(bytes, .headerLengthAbsurd(path: "bad.safetensors", length: 32, fileSize: 10))
  }

  @Test func headerLengthAbsurdlyLarge() {
    let bytes: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0x80] + Array("{}".utf8)
    expectRejected(bytes, .headerLengthAbsurd(path: "bad.safetensors", length: 1 << 63, fileSize: 10))
  }

  @Test func headerNotJSON() {
    expectRejected(file(#"{"a": {"dtype": "F32""#), .headerNotJSON(path: "bad.safetensors"))
  }

  @Test func headerNotUTF8() {
    var bytes = file("{}")
    bytes[8] = 0xff
    expectRejected(bytes, .headerNotJSON(path: "bad.safetensors"))
  }

  @Test func headerNotAnObject() {
    expectRejected(file("[1, 2]"), .headerNotObject(path: "bad.safetensors"))
  }

  @Test func entryNotAnObject() {
    expectRejected(file(#"{"a": 3}"#), .invalidEntry(path: "bad.safetensors", tensor: "a", problem: "it is not an object"))
  }

  @Test(arguments: ["dtype", "shape", "data_offsets"])
  func entryMissingAField(field: String) {
    let fields = [#""dtype":"F32""#, #""shape":[1]"#, #""data_offsets":[0,4]"#]
      .filter { !$0.hasPrefix("\"\(field)\"") }
    expectRejected(file(#"{"a":{"# + fields.joined(separator: ",") + "}}", data: [0, 0, 0, 0]),
                   .missingField(path: "bad.safetensors", tensor: "a", field: field))
  }

  @Test(arguments: ["I64", "F8_E4M3", "float32"])
  func unsupportedDtype(dtype: String) {
    expectRejected(file(#"{"a":{"dtype":"\#(dtype)","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                   .unsupportedDtype(path: "bad.safetensors", tensor: "a", dtype: dtype))
  }

  @Test(arguments: ["-1", "2.5", "\"2\"", "true"])
  func negativeOrNonIntegerShapeEntry(entry: String) {
    let bytes = file(#"{"a":{"dtype":"F32","shape":[\#(entry)],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
    #expect {
      try SafeTensors.read(bytes: bytes, name: "bad.safetensors")
    } throws: { error in
      guard case let SafeTensorsError.invalidShape(path, tensor, problem) = error else { return false }
      return path == "bad.safetensors" && tensor == "a" && problem.contains("whole number")
        && "\(error)".hasPrefix("bad.safetensors: ")
    }
  }

  @Test func offsetsNotTwoWholeNumbers() {
    expectRejected(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, data: [0, 0, 0, 0]),
                   .invalidEntry(path: "bad.safetensors", tensor: "a", problem: "its data_offsets are not two whole numbers ≥ 0"))
  }

  @Test func sizeDoesNotMatchShape() {
    expectRejected(file(#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: [UInt8](repeating: 0, count: 20)),
                   .sizeMismatch(path: "bad.safetensors", tensor: "a", dtype: "F32", shape: [2, 3], expected: 24, actual: 20))
  }

  @Test func offsetsPastTheDataSection() {
    expectRejected(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
                   .offsetsOutOfRange(path: "bad.safetensors", tensor: "a", begin: 0, end: 8, dataSize: 4))
  }

  @Test func reversedOffsets() {
    expectRejected(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]),
                   .reversedOffsets(path: "bad.safetensors", tensor: "a", begin: 4, end: 0))
  }

  @Test func overlappingTensors() {
    let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
    expectRejected(file(header, data: [UInt8](repeating: 0, count: 12)),
                   .overlappingTensors(path: "bad.safetensors", first: "a", second: "b"))
  }

  @Test func gapBetweenTensors() {
    let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
    expectRejected(file(header, data: [UInt8](repeating: 0, count: 12)),
                   .uncoveredBytes(path: "bad.safetensors", begin: 4, end: 8))
  }

  @Test func bytesLeftOverAtTheEnd() {
    expectRejected(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 6)),
                   .uncoveredBytes(path: "bad.safetensors", begin: 4, end: 6))
  }

  @Test func metadataValuesMustBeStrings() {
    expectRejected(file(#"{"__metadata__":{"epoch":3}}"#),
                   .invalidMetadata(path: "bad.safetensors", problem: "the value of 'epoch' is not a string"))
  }
}
