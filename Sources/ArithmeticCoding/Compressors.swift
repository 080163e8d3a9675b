import Foundation

/// A general-purpose compressor run as an outside program — the yardstick for
/// "prediction is compression": a model that predicts the next character with
/// probability p can code it in −log₂ p bits, so its bits per character compare
/// directly with a compressor's
///
///     bits per character = 8 · compressed bytes / characters.
///
/// The program reads the bytes on stdin and writes the compressed stream on stdout
/// (`gzip -9 -c`, …); only the size of that stream is kept. The input goes through a
/// temporary file and stderr into another, so the program never blocks on a full pipe
/// while we block on its output, whatever the input size.
public struct Compressor: Sendable, Hashable, CustomStringConvertible {
  /// The program's name, looked up on `PATH` (or a path, if it holds a "/").
  public var program: String
  /// Its arguments: compress stdin to stdout.
  public var arguments: [String]
  /// The Debian package that installs the program (for the error when it is missing).
  public var debianPackage: String

  public init(program: String, arguments: [String], debianPackage: String) {
    self.program = program
    self.arguments = arguments
    self.debianPackage = debianPackage
  }

  /// DEFLATE (LZ77 with a 32 KiB window + Huffman codes), slowest and best setting.
  public static let gzip = Compressor(program: "gzip", arguments: ["-9", "-c"], debianPackage: "gzip")
  /// Burrows–Wheeler transform in 900 kB blocks + move-to-front + Huffman codes.
  public static let bzip2 = Compressor(program: "bzip2", arguments: ["-9", "-c"], debianPackage: "bzip2")
  /// LZMA2 (LZ77 with a 64 MiB window + adaptive binary range coding), preset 9.
  public static let xz = Compressor(program: "xz", arguments: ["-9", "-c"], debianPackage: "xz-utils")
  /// LZMA2 preset 9 with `--extreme`: a slower, more thorough match search.
  public static let xzExtreme = Compressor(program: "xz", arguments: ["-9e", "-c"], debianPackage: "xz-utils")
  /// The four, weakest first, as lesson 10 compares them.
  public static let all: [Compressor] = [.gzip, .bzip2, .xz, .xzExtreme]

  /// The command as typed, e.g. "xz -9e" (without `-c`).
  public var description: String {
    ([program] + arguments.filter { $0 != "-c" }).joined(separator: " ")
  }

  /// The size in bytes of `bytes` compressed by this program.
  public func compressedSize(_ bytes: [UInt8]) throws -> Int {
    let executable = try Compressor.locate(program, package: debianPackage)
    let temporary = FileManager.default.temporaryDirectory
      .appendingPathComponent("genlab-compress-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: temporary) }
    let inputURL = temporary.appendingPathComponent("input")
    let errorURL = temporary.appendingPathComponent("stderr")
    do {
      try Data(bytes).write(to: inputURL)
      try Data().write(to: errorURL)
    } catch {
      throw CompressorError.cannotRun(command: description, reason: "cannot write a temporary file in "
                                        + "\(temporary.path): \(error.localizedDescription)")
    }
    guard let input = FileHandle(forReadingAtPath: inputURL.path),
          let errors = FileHandle(forWritingAtPath: errorURL.path) else {
      throw CompressorError.cannotRun(command: description, reason: "cannot open the temporary files in \(temporary.path)")
    }
    defer { try? input.close(); try? errors.close() }

    let output = Pipe()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    do {
      try process.run()
    } catch {
      throw CompressorError.cannotRun(command: description, reason: error.localizedDescription)
    }
    // Reading to the end while the program writes: the pipe never fills up.
    let compressed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationReason == .exit && process.terminationStatus == 0 else {
      let message = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
      throw CompressorError.failed(command: description, status: process.terminationStatus,
                                   signalled: process.terminationReason == .uncaughtSignal,
                                   stderr: String(message.prefix(500)).trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return compressed.count
  }

  /// The size of `text`'s UTF-8 bytes compressed by this program.
  public func compressedSize(_ text: String) throws -> Int {
    try compressedSize(Array(text.utf8))
  }

  /// The cost of `heldOut` when the compressor has already seen `train`:
  ///
  ///     size(compress(train + heldOut)) − size(compress(train))
  ///
  /// — what a model trained on `train` is compared with, since it too has "seen" the
  /// training text. It can be below the standalone size by a lot (xz finds whole words
  /// of `heldOut` in `train`) or by little (gzip only looks 32 KiB back).
  public func conditionalSize(of heldOut: [UInt8], given train: [UInt8]) throws -> Int {
    try compressedSize(train + heldOut) - compressedSize(train)
  }

  /// `conditionalSize` of the texts' UTF-8 bytes.
  public func conditionalSize(of heldOut: String, given train: String) throws -> Int {
    try conditionalSize(of: Array(heldOut.utf8), given: Array(train.utf8))
  }

  /// bits per character = 8 · bytes / characters.
  public static func bitsPerCharacter(bytes: Int, characters: Int) -> Double {
    precondition(characters > 0, "Compressor.bitsPerCharacter: no characters")
    return 8 * Double(bytes) / Double(characters)
  }

  /// The full path of `program`: itself if it holds a "/", else the first executable
  /// file of that name in a folder of `PATH` (or the usual folders when `PATH` is unset).
  static func locate(_ program: String, package: String,
                     environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
    let manager = FileManager.default
    if program.contains("/") {
      if manager.isExecutableFile(atPath: program) { return program }
      throw CompressorError.programNotFound(program: program, debianPackage: package, searched: [program])
    }
    let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
      .split(separator: ":").map(String.init).filter { !$0.isEmpty }
    for folder in folders {
      let candidate = folder + "/" + program
      var isFolder: ObjCBool = false
      if manager.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
         manager.isExecutableFile(atPath: candidate) {
        return candidate
      }
    }
    throw CompressorError.programNotFound(program: program, debianPackage: package, searched: folders)
  }
}

/// What can go wrong when running a compressor; each names the command.
public enum CompressorError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The program is not installed (not in any folder of `PATH`).
  case programNotFound(program: String, debianPackage: String, searched: [String])
  /// The program exists but could not be started, or its files could not be set up.
  case cannotRun(command: String, reason: String)
  /// The program ended with a non-zero status (or was killed by a signal: `signalled`).
  case failed(command: String, status: Int32, signalled: Bool, stderr: String)

  public var description: String {
    switch self {
    case let .programNotFound(program, package, searched):
      return "\(program): program not found (looked in \(searched.joined(separator: ", "))); "
        + "install it with `sudo apt-get install \(package)`"
    case let .cannotRun(command, reason):
      return "\(command): cannot be run (\(reason))"
    case let .failed(command, status, signalled, stderr):
      let how = signalled ? "was killed by signal \(status)" : "exited with status \(status)"
      return "\(command) \(how)" + (stderr.isEmpty ? "" : ": \(stderr)")
    }
  }
}
