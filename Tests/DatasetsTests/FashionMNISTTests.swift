import Core
import Datasets
import Foundation
import Testing
import TestSupport

/// Four candidate folders, each a valid Fashion-MNIST folder with its own train
/// size (explicit 1, environment 2, system 3, bundled 4 images), so a load shows
/// which one it read.
final class LookupFixture {
  let temp: TempFolder
  let explicit: String, environment: String, system: String, bundled: String

  init() throws {
    temp = try TempFolder("lookup")
    explicit = try temp.folder("explicit")
    environment = try temp.folder("environment")
    system = try temp.folder("system")
    bundled = try temp.folder("bundled")
    for (folder, train) in [(explicit, 1), (environment, 2), (system, 3), (bundled, 4)] {
      try writeFashionFolder(folder, train: train, test: 1)
    }
  }

  var missing: String { temp.path + "/does-not-exist" }

  func locate(explicit: String?, environment: String?, system: String? = nil, bundled: String? = nil) throws -> DataSource {
    try FashionMNIST.locate(explicitPath: explicit,
                            environment: environment.map { ["GENLAB_DATA": $0] } ?? ["HOME": "/root"],
                            systemPath: system ?? missing, bundledPath: bundled ?? missing)
  }
}

@Suite struct FashionMNISTLookupTests {
  @Test func explicitBeatsEnvironmentBeatsSystemBeatsBundled() throws {
    let f = try LookupFixture()
    #expect(try f.locate(explicit: f.explicit, environment: f.environment, system: f.system, bundled: f.bundled)
            == .explicit(f.explicit))
    #expect(try f.locate(explicit: nil, environment: f.environment, system: f.system, bundled: f.bundled)
            == .environment(f.environment))
    #expect(try f.locate(explicit: nil, environment: nil, system: f.system, bundled: f.bundled)
            == .system(f.system))
    #expect(try f.locate(explicit: nil, environment: nil, system: nil, bundled: f.bundled)
            == .bundled(f.bundled))
    // Empty values count as not given.
    #expect(try f.locate(explicit: "", environment: "", system: f.system, bundled: f.bundled)
            == .system(f.system))
  }

  @Test func loadReadsTheChosenFolder() throws {
    let f = try LookupFixture()
    let cases: [(String?, String?, String?, Int)] = [
      (f.explicit, f.environment, f.system, 1),
      (nil, f.environment, f.system, 2),
      (nil, nil, f.system, 3),
      (nil, nil, nil, 4),
    ]
    for (explicit, environment, system, expectedTrain) in cases {
      let data = try FashionMNIST.load(explicitPath: explicit,
                                       environment: environment.map { ["GENLAB_DATA": $0] } ?? [:],
                                       systemPath: system ?? f.missing, bundledPath: f.bundled)
      #expect(data.train.count == expectedTrain)
      #expect(data.train.images.shape == [expectedTrain, 1, 28, 28])
      #expect(data.test.count == 1)
    }
  }

  /// A system folder that lacks a file is passed over (the package may be half-installed).
  @Test func incompleteSystemFolderFallsBackToBundled() throws {
    let f = try LookupFixture()
    try FileManager.default.removeItem(atPath: f.system + "/t10k-labels-idx1-ubyte.gz")
    #expect(try f.locate(explicit: nil, environment: nil, system: f.system, bundled: f.bundled) == .bundled(f.bundled))
  }

  /// A bad `--data` or `GENLAB_DATA` is an error that names it; no silent fallback.
  @Test func badExplicitOrEnvironmentPathIsAnError() throws {
    let f = try LookupFixture()
    var error = #expect(throws: DatasetError.self) {
      try f.locate(explicit: f.missing, environment: f.environment, system: f.system, bundled: f.bundled)
    }
    #expect(error == .folderNotFound(path: f.missing, origin: "--data"))
    #expect(error?.description.contains(f.missing) == true)

    error = #expect(throws: DatasetError.self) {
      try f.locate(explicit: nil, environment: f.missing, system: f.system, bundled: f.bundled)
    }
    #expect(error == .folderNotFound(path: f.missing, origin: "GENLAB_DATA"))

    try FileManager.default.removeItem(atPath: f.explicit + "/train-labels-idx1-ubyte.gz")
    error = #expect(throws: DatasetError.self) {
      try f.locate(explicit: f.explicit, environment: f.environment, system: f.system, bundled: f.bundled)
    }
    #expect(error == .missingFiles(folder: f.explicit, origin: "--data", missing: ["train-labels-idx1-ubyte.gz"]))
    #expect(error?.description.contains(f.explicit) == true)
    #expect(error?.description.contains("train-labels-idx1-ubyte.gz") == true)

    let file = f.environment + "/train-images-idx3-ubyte.gz"
    error = #expect(throws: DatasetError.self) {
      try f.locate(explicit: nil, environment: file, system: f.system, bundled: f.bundled)
    }
    guard case .unreadable(let path, let reason)? = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(path == file)
    #expect(reason.contains("GENLAB_DATA"))
  }

  @Test func nothingFoundSaysWhereItLookedAndWhatToDo() throws {
    let f = try LookupFixture()
    let error = #expect(throws: DatasetError.self) { try f.locate(explicit: nil, environment: nil) }
    guard case .noDataFound(_, let tried, _)? = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(tried.contains(f.missing))
    #expect(error?.description.contains("sudo apt-get install dataset-fashion-mnist") == true)
  }

  /// A damaged file in the chosen folder is reported, not skipped.
  @Test func damagedFileInChosenFolderIsAnError() throws {
    let f = try LookupFixture()
    let damaged = f.explicit + "/t10k-images-idx3-ubyte.gz"
    try Data([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]).write(to: URL(fileURLWithPath: damaged))
    let error = #expect(throws: DatasetError.self) {
      try FashionMNIST.load(explicitPath: f.explicit, environment: [:], systemPath: f.system, bundledPath: f.bundled)
    }
    guard case .corruptGzip(let path, _)? = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(path == damaged)
  }

  @Test func uncompressedFilesAreAccepted() throws {
    let temp = try TempFolder("plainfolder")
    try writeFashionFolder(temp.path, train: 5, test: 2, fill: 255, gzip: false)
    let data = try FashionMNIST.load(explicitPath: temp.path, environment: [:])
    #expect(data.source == .explicit(temp.path))
    #expect(data.train.count == 5 && data.test.count == 2)
    #expect(data.train.images.data.allSatisfy { $0 == 1 })
    #expect(data.train.labels == [0, 1, 2, 3, 4])
  }

  @Test func otherImageSizesAndLabelsAreRefused() throws {
    let temp = try TempFolder("size")
    try writeFashionFolder(temp.path, train: 3, test: 3)
    let imagesPath = temp.path + "/train-images-idx3-ubyte.gz"
    #expect(gzipWrite(imagesPath, idxImages(count: 3, rows: 32, cols: 32)))
    var error = #expect(throws: DatasetError.self) { try FashionMNIST.load(explicitPath: temp.path, environment: [:]) }
    #expect(error == .unexpectedImageSize(path: imagesPath, rows: 32, cols: 32, expectedRows: 28, expectedCols: 28))

    try writeFashionFolder(temp.path, train: 3, test: 3)
    let labelsPath = temp.path + "/t10k-labels-idx1-ubyte.gz"
    #expect(gzipWrite(labelsPath, idxLabels([0, 1, 12])))
    error = #expect(throws: DatasetError.self) { try FashionMNIST.load(explicitPath: temp.path, environment: [:]) }
    #expect(error == .labelOutOfRange(path: labelsPath, index: 2, label: 12, classes: 10))
  }
}

@Suite struct FashionMNISTBundledTests {
  @Test func bundledPathIsFoundFromTheSourceFile() {
    #expect(FashionMNIST.bundledPath == bundledFolder)
  }

  /// With no --data, no GENLAB_DATA and no system package, the bundled subset loads.
  @Test func bundledSubsetLoads() throws {
    let data = try FashionMNIST.load(environment: [:], systemPath: "/nonexistent-genlab-system-folder")
    #expect(data.source == .bundled(bundledFolder))
    #expect(data.train.images.shape == [10_000, 1, 28, 28])
    #expect(data.test.images.shape == [2_000, 1, 28, 28])
    #expect(data.train.count == 10_000 && data.test.count == 2_000)
    #expect(data.train.labels.prefix(3) == [9, 0, 0])
    #expect(data.test.labels.allSatisfy { (0..<10).contains($0) })
    #expect(data.description.hasPrefix("Fashion-MNIST from \(bundledFolder) (bundled subset): 10,000 train + 2,000 test images, 28×28"),
            "\(data.description)")
    #expect(!data.description.contains("\n"))
  }

  @Test(arguments: [0, 1, 100, 50_000])
  func limitKeepsTheFirstItems(limit: Int) throws {
    let data = try FashionMNIST.load(environment: [:], systemPath: "/nonexistent-genlab-system-folder", limit: limit)
    #expect(data.train.count == min(limit, 10_000))
    #expect(data.test.count == min(limit, 2_000))
    #expect(data.train.images.shape == [min(limit, 10_000), 1, 28, 28])
    #expect(data.train.fileCount == 10_000 && data.test.fileCount == 2_000)
    #expect(data.description.contains("(the first of 10,000 + 2,000)") == (limit < 10_000))
  }

  @Test func batchGathersImagesAndLabels() throws {
    let data = try FashionMNIST.load(environment: [:], systemPath: "/nonexistent-genlab-system-folder", limit: 20)
    let (images, labels) = data.train.batch([3, 0, 19])
    #expect(images.shape == [3, 1, 28, 28])
    #expect(labels == [data.train.labels[3], data.train.labels[0], data.train.labels[19]])
    #expect(images[item: 1] == data.train.images[item: 0])
    #expect(images[item: 0] == data.train.images[item: 3])
  }

  @Test func classNames() {
    #expect(FashionMNIST.classNames.count == 10)
    #expect(FashionMNIST.classNames[0] == "T-shirt/top" && FashionMNIST.classNames[9] == "Ankle boot")
  }

  static let systemInstalled = FileManager.default.fileExists(atPath: FashionMNIST.systemPath + "/train-images-idx3-ubyte.gz")

  /// The full set, where Debian's dataset-fashion-mnist is installed (it is on the
  /// development machines). Sums computed with Python from the .gz files.
  @Test(.enabled(if: systemInstalled, "needs dataset-fashion-mnist"))
  func systemFullSetIsFoundAndRead() throws {
    let data = try FashionMNIST.load(environment: [:], limit: 2)
    #expect(data.source == .system(FashionMNIST.systemPath))
    #expect(data.description.contains("(Debian package)"))
    #expect(try IDX.readLabels(path: FashionMNIST.systemPath + "/train-labels-idx1-ubyte.gz").count == 60_000)
    #expect(try IDX.readLabels(path: FashionMNIST.systemPath + "/t10k-labels-idx1-ubyte.gz").count == 10_000)
    let firstTrainSum = data.train.images.data[0..<784].reduce(0.0) { $0 + Double($1) }
    let firstTestSum = data.test.images.data[0..<784].reduce(0.0) { $0 + Double($1) }
    #expect(abs(firstTrainSum - 76_247.0 / 255) < 1e-3)
    #expect(abs(firstTestSum - 33_456.0 / 255) < 1e-3)
  }
}
