import Foundation
@testable import Lab
import Testing

@Suite struct RunFolderTests {
  func temporaryRoot() -> String {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("genlab-lab-\(UUID().uuidString)").path
    return root
  }

  @Test func createsTimestampedFolderAndNeverReusesIt() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let date = Date(timeIntervalSince1970: 1_800_000_000)
    let first = try RunFolder.create(lesson: "lesson01-images", root: root, date: date)
    let second = try RunFolder.create(lesson: "lesson01-images", root: root, date: date)
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: first.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    #expect(first.path.hasPrefix(root + "/lesson01-images/"))
    #expect(second.path == first.path + "-2")
    #expect(first.file("grid.png") == first.path + "/grid.png")
    // yyyy-MM-dd_HH-mm-ss
    let name = (first.path as NSString).lastPathComponent
    #expect(name.count == 19 && name.split(separator: "_").count == 2)
  }

  @Test func unwritableRootIsAClearError() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    // A plain file where the lesson folder should go.
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: root + "/lesson01-images", contents: Data("x".utf8))
    #expect {
      try RunFolder.create(lesson: "lesson01-images", root: root)
    } throws: { error in
      guard case let LabError.cannotCreateFolder(path, reason) = error else { return false }
      return path.contains("lesson01-images") && "\(error)".contains("--out")
        && reason == "\(root)/lesson01-images is a file, not a folder"
    }
    // A file further up the path is named too.
    #expect {
      try RunFolder.create(lesson: "lesson02-convolution", root: root + "/lesson01-images/deeper")
    } throws: { error in
      "\(error)".contains("\(root)/lesson01-images is a file, not a folder")
    }
  }
}

@Suite struct FormatTests {
  @Test(arguments: [
    (Float(0.123456), "0.1235"), (12.3456, "12.35"), (1234.56, "1235"), (0.0000123, "1.230e-05"),
    (0, "0"), (-2.5, "-2.500"), (123456, "1.235e+05"),
  ])
  func numbers(value: Float, expected: String) {
    #expect(Format.number(value) == expected)
  }

  @Test func durationsAndCounts() {
    #expect(Format.duration(0.00085) == "850 µs")
    #expect(Format.duration(0.0123) == "12.3 ms")
    #expect(Format.duration(4.24) == "4.2 s")
    #expect(Format.duration(185) == "3 min 05 s")
    #expect(Format.duration(3720) == "1 h 02 min")
    #expect(Format.count(60000) == "60,000")
    #expect(Format.bytes(812) == "812 B" && Format.bytes(45_300) == "45.3 kB" && Format.bytes(1_234_567) == "1.23 MB")
    #expect(Format.bytes(999_999) == "1.00 MB" && Format.bytes(452_000) == "452 kB" && Format.bytes(2_000_000_000) == "2.00 GB")
    #expect(Format.count(999) == "999")
    #expect(Format.count(-1234567) == "-1,234,567")
  }
}

@Suite struct ProgressTests {
  @Test func plainLineHasStepMetricsRateAndETA() {
    let progress = Progress(total: 100, label: "training", interactive: false)
    let line = progress.line(25, [("loss", 0.5)], Date().addingTimeInterval(10), bar: false)
    #expect(line.hasPrefix("training  25/100  loss 0.5000"))
    #expect(line.contains("step/s"))
    #expect(line.contains("ETA"))
    let done = progress.line(100, [], Date().addingTimeInterval(10), bar: true)
    #expect(done.contains("[████████████████████████]"))
    #expect(done.contains("in "))
  }
}

@Suite struct LessonOptionsTests {
  @Test func parsesSharedFlags() throws {
    let options = try LessonOptions.parse(["--seed", "7", "--threads", "1", "--impl", "reference",
                                           "--data", "/tmp/x", "--out", "elsewhere"])
    #expect(options.seed == 7)
    #expect(options.threads == 1)
    #expect(options.impl == .reference)
    #expect(options.data == "/tmp/x")
    #expect(options.out == "elsewhere")
  }

  @Test func defaults() throws {
    let options = try LessonOptions.parse([])
    #expect(options.seed == 0 && options.threads == nil && options.impl == .optimized && options.out == "runs")
  }

  /// A lesson may have its own sample count; a typed --num-samples still wins, even when
  /// it equals the shared default.
  @Test func lessonDefaultForNumSamples() throws {
    let typed = ["lesson", "--num-samples", "1000"]
    let options = try LessonOptions.parse(Array(typed.dropFirst()))
    #expect(options.numSamples(lessonDefault: 256, arguments: typed) == 1000)
    #expect(try LessonOptions.parse([]).numSamples(lessonDefault: 256, arguments: ["lesson"]) == 256)
    #expect(try LessonOptions.parse(["--num-samples=40"]).numSamples(lessonDefault: 256,
                                                                       arguments: ["lesson", "--num-samples=40"]) == 40)
  }

  /// Each bad value is refused with a message that names its flag.
  @Test(arguments: [["--threads", "0"], ["--impl", "fast"], ["--seed", "-1"], ["--data", ""], ["--steps", "-5"],
                    ["--lr", "nan"], ["--epochs", "2", "--steps", "3"]])
  func rejectsBadValues(arguments: [String]) {
    do {
      _ = try LessonOptions.parse(arguments)
      Issue.record("\(arguments) was accepted")
    } catch {
      let message = LessonOptions.message(for: error)
      #expect(message.contains(arguments[0]) || message.contains(arguments[0].dropFirst(2)), "\(arguments): \(message)")
    }
  }
}

@Suite struct TimingTests {
  @Test func measureRunsAtLeastMinRepeats() {
    var calls = 0
    let m = Timing.measure(warmup: 2, minRepeats: 5, minSeconds: 0) { calls += 1 }
    #expect(calls == 7)
    #expect(m.seconds.count == 5)
  }

  @Test func minimumAndMedianOfKnownTimes() {
    #expect(Measurement(seconds: [3, 1, 2]).min == 1)
    #expect(Measurement(seconds: [3, 1, 2]).median == 2)
    #expect(Measurement(seconds: [4, 1, 3, 2]).median == 2.5)
    #expect(Measurement(seconds: []).median.isNaN && Measurement(seconds: []).min.isNaN)
  }
}
