import Core
import Foundation

/// Where a dataset was found, in lookup order.
public enum DataSource: Sendable, Equatable, CustomStringConvertible {
  /// A folder given on the command line (`--data PATH`).
  case explicit(String)
  /// A folder named by the `GENLAB_DATA` environment variable.
  case environment(String)
  /// The full set installed by a system package (Debian's `dataset-fashion-mnist`).
  case system(String)
  /// The small subset bundled in the repository's `Datasets/` folder.
  case bundled(String)

  /// The folder.
  public var path: String {
    switch self {
    case .explicit(let path), .environment(let path), .system(let path), .bundled(let path): return path
    }
  }

  public var description: String {
    switch self {
    case .explicit(let path): return "\(path) (--data)"
    case .environment(let path): return "\(path) (GENLAB_DATA)"
    case .system(let path): return "\(path) (Debian package)"
    case .bundled(let path): return "\(path) (bundled subset)"
    }
  }
}

/// Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 28×28 grey images of clothes in 10
/// classes, 60,000 for training and 10,000 for testing, in the IDX format of MNIST.
///
/// `load` looks for the four files in order and takes the first place that has them:
///
/// 1. `explicitPath`, the lesson's `--data PATH` — if given and wrong, an error;
/// 2. the folder in the environment variable `GENLAB_DATA` — if set and wrong, an error;
/// 3. `/usr/share/datasets/fashion-mnist` (`sudo apt-get install dataset-fashion-mnist`);
/// 4. the class-balanced subset bundled in `Datasets/fashion-mnist-subset`
///    (10,000 train + 2,000 test images, 1,000 / 200 per class).
///
/// Each file may be gzip-compressed (`.gz`, preferred when both exist) or plain.
public struct FashionMNIST: Sendable, CustomStringConvertible {
  /// Images and their labels.
  public struct Split: Sendable {
    /// N×1×28×28, pixel / 255 ∈ [0, 1].
    public var images: Tensor
    /// N class indices in 0..<10 (see `FashionMNIST.classNames`).
    public var labels: [Int]
    /// The file the images came from.
    public var imagesPath: String
    /// How many items the file holds (more than `count` when loaded with a limit).
    public var fileCount: Int

    public init(images: Tensor, labels: [Int], imagesPath: String = "", fileCount: Int? = nil) {
      precondition(images.rank >= 1 && images.shape[0] == labels.count,
                   "FashionMNIST.Split: \(images.shape) images but \(labels.count) labels")
      self.images = images
      self.labels = labels
      self.imagesPath = imagesPath
      self.fileCount = fileCount ?? labels.count
    }

    /// Number of items.
    public var count: Int { labels.count }

    /// The items at `indices`, in that order (a mini-batch).
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [Int]) {
      (images.gather(indices), indices.map { labels[$0] })
    }
  }

  public var train: Split
  public var test: Split
  /// Where the files were found.
  public var source: DataSource

  /// The ten classes, by label.
  public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
  /// The four file names, without `.gz`.
  public static let trainImagesFile = "train-images-idx3-ubyte"
  public static let trainLabelsFile = "train-labels-idx1-ubyte"
  public static let testImagesFile = "t10k-images-idx3-ubyte"
  public static let testLabelsFile = "t10k-labels-idx1-ubyte"
  static let fileNames = [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile]

  /// Where Debian's `dataset-fashion-mnist` package installs the full set.
  public static let systemPath = "/usr/share/datasets/fashion-mnist"
  /// The name of the environment variable that points at a data folder.
  public static let environmentVariable = "GENLAB_DATA"

  /// The bundled subset: `<repo>/Datasets/fashion-mnist-subset`, the repository found
  /// from this source file's compile-time path (…/Sources/Datasets/FashionMNIST.swift),
  /// or else `Datasets/fashion-mnist-subset` under the current directory (for a binary
  /// moved away from its checkout). If neither exists, the first, for error messages.
  public static var bundledPath: String {
    Bundled.path("fashion-mnist-subset", exists: isDirectory)
  }

  /// Finds the data folder (see the lookup order above) without reading the files.
  /// Throws if `explicitPath` or `GENLAB_DATA` is given but lacks the files, or if no
  /// place has them.
  public static func locate(explicitPath: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            systemPath: String = FashionMNIST.systemPath,
                            bundledPath: String = FashionMNIST.bundledPath) throws -> DataSource {
    if let explicitPath, !explicitPath.isEmpty {
      try requireFiles(in: explicitPath, origin: "--data")
      return .explicit(explicitPath)
    }
    if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
      try requireFiles(in: fromEnvironment, origin: environmentVariable)
      return .environment(fromEnvironment)
    }
    if missingFiles(in: systemPath).isEmpty { return .system(systemPath) }
    if missingFiles(in: bundledPath).isEmpty { return .bundled(bundledPath) }
    throw DatasetError.noDataFound(
      dataset: "Fashion-MNIST",
      tried: ["--data (not given)", "\(environmentVariable) (not set)", systemPath, bundledPath],
      hint: "Install the full set with `sudo apt-get install dataset-fashion-mnist`, "
        + "or pass --data FOLDER with \(fileNames.map { $0 + ".gz" }.joined(separator: ", ")).")
  }

  /// Finds the data (see `locate`) and reads it: both splits as tensors in [0, 1].
  ///
  /// - Parameter limit: keep only the first `limit` items of each split (for smoke runs);
  ///   the whole files are still read and checked.
  public static func load(explicitPath: String? = nil,
                          environment: [String: String] = ProcessInfo.processInfo.environment,
                          systemPath: String = FashionMNIST.systemPath,
                          bundledPath: String = FashionMNIST.bundledPath,
                          limit: Int? = nil) throws -> FashionMNIST {
    let source = try locate(explicitPath: explicitPath, environment: environment,
                            systemPath: systemPath, bundledPath: bundledPath)
    return try load(from: source, limit: limit)
  }

  /// Reads the four files from `source`'s folder.
  public static func load(from source: DataSource, limit: Int? = nil) throws -> FashionMNIST {
    let folder = source.path
    let train = try readSplit(images: try path(of: trainImagesFile, in: folder),
                              labels: try path(of: trainLabelsFile, in: folder), limit: limit)
    let test = try readSplit(images: try path(of: testImagesFile, in: folder),
                             labels: try path(of: testLabelsFile, in: folder), limit: limit)
    return FashionMNIST(train: train, test: test, source: source)
  }

  /// One line for the console, e.g. "Fashion-MNIST from /usr/share/datasets/fashion-mnist
  /// (Debian package): 60,000 train + 10,000 test images, 28×28".
  public var description: String {
    let size = train.images.rank == 4 ? "\(train.images.shape[2])×\(train.images.shape[3])" : "?"
    var line = "Fashion-MNIST from \(source): \(grouped(train.count)) train + \(grouped(test.count)) test images, \(size)"
    if train.count < train.fileCount || test.count < test.fileCount {
      line += " (the first of \(grouped(train.fileCount)) + \(grouped(test.fileCount)))"
    } else if case .bundled = source {
      line += " (for the full 60,000 + 10,000: sudo apt-get install dataset-fashion-mnist)"
    }
    return line
  }

  // MARK: - Files

  static func readSplit(images imagesPath: String, labels labelsPath: String, limit: Int?) throws -> Split {
    let (images, labels) = try IDX.readLabeledImages(imagesPath: imagesPath, labelsPath: labelsPath,
                                                     classes: classNames.count)
    guard images.rows == 28 && images.cols == 28 else {
      throw DatasetError.unexpectedImageSize(path: imagesPath, rows: images.rows, cols: images.cols,
                                             expectedRows: 28, expectedCols: 28)
    }
    let tensor = images.tensor(limit: limit)
    let kept = tensor.shape[0]
    return Split(images: tensor, labels: labels[0..<kept].map { Int($0) }, imagesPath: imagesPath,
                 fileCount: images.count)
  }

  /// `folder/name.gz` if it exists, else `folder/name`; throws `fileNotFound` naming the `.gz`.
  static func path(of name: String, in folder: String) throws -> String {
    let base = (folder.hasSuffix("/") ? String(folder.dropLast()) : folder) + "/" + name
    if isFile(base + ".gz") { return base + ".gz" }
    if isFile(base) { return base }
    throw DatasetError.fileNotFound(path: base + ".gz")
  }

  /// The file names (with `.gz`) that are in neither form in `folder`.
  static func missingFiles(in folder: String) -> [String] {
    fileNames.filter { (try? path(of: $0, in: folder)) == nil }.map { $0 + ".gz" }
  }

  static func requireFiles(in folder: String, origin: String) throws {
    guard isDirectory(folder) else {
      if isFile(folder) {
        throw DatasetError.unreadable(path: folder, reason: "\(origin) needs a folder holding the four IDX files, not a file")
      }
      throw DatasetError.folderNotFound(path: folder, origin: origin)
    }
    let missing = missingFiles(in: folder)
    if !missing.isEmpty { throw DatasetError.missingFiles(folder: folder, origin: origin, missing: missing) }
  }
}

func isDirectory(_ path: String) -> Bool {
  var directory: ObjCBool = false
  return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
}

func isFile(_ path: String) -> Bool {
  var directory: ObjCBool = false
  return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue
}
