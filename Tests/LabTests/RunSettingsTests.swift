import ArgumentParser
import Foundation
@testable import Lab
import Testing

/// The rules of `RunSettings`: one declaration gives the value, the stored setting and the
/// report row; on resume a run-defining setting is the checkpoint's or refused, a length may
/// grow, a free one may change.
@Suite struct RunSettingsTests {
  enum Arch: String { case mlp, conv }

  func resumed(_ settings: [String: String], step: Int = 300, arguments: [String]) -> RunSettings {
    var checkpoint = Checkpoint(lesson: "tiny", seed: 7, step: step)
    checkpoint.settings = settings
    return RunSettings(lesson: "tiny", checkpoint: checkpoint, arguments: ["tiny"] + arguments)
  }

  @Test func aFreshRunTakesTheFlagsOrTheDefaultsAndStoresAndShowsEachOnce() throws {
    var settings = RunSettings(lesson: "tiny", checkpoint: nil, arguments: ["tiny", "--latent", "8"])
    var latent = 8, arch = Arch.conv, binarize = false
    try settings.declare(&latent, flag: "--latent")
    try settings.declare(&arch, flag: "--arch", label: "network")
    try settings.declare(&binarize, flag: "--binarize", shown: { $0 ? "0/1" : "gray" })
    let steps = try settings.value(nil as Int?, flag: "--steps", default: 100, onResume: .atLeast(0))
    let rate = try settings.value(2e-3 as Float?, flag: "--lr", key: "lr", label: "lr (Adam)", default: 1e-3)
    try settings.require("vocabulary", equals: "abc", flag: "--words")
    settings.show("threads", "2")
    #expect(latent == 8 && arch == .conv && !binarize && steps == 100 && rate == 2e-3)
    #expect(settings.stored == ["latent": "8", "arch": "conv", "binarize": "false", "steps": "100", "lr": "0.002",
                                "vocabulary": "abc"])
    #expect(settings.table.map(\.key) == ["latent", "network", "binarize", "steps", "lr (Adam)", "threads"])
    #expect(settings.table.map(\.value) == ["8", "conv", "gray", "100", "0.002", "2"])
    #expect(RunSettings.key(of: "--batch-size") == "batch_size")
  }

  @Test func aResumedRunTakesTheCheckpointsSettingsUnlessAFlagSaysOtherwise() throws {
    var settings = resumed(["latent": "2", "arch": "conv", "binarize": "true", "lr": "0.002"], arguments: [])
    var latent = 20, arch = Arch.mlp, binarize = false, hidden = 5
    try settings.declare(&latent, flag: "--latent")
    try settings.declare(&arch, flag: "--arch")
    try settings.declare(&binarize, flag: "--binarize")
    try settings.declare(&hidden, flag: "--hidden")      // not in the checkpoint: the value stays
    let rate = try settings.value(nil as Float?, flag: "--lr", key: "lr", default: 1e-3)
    #expect(latent == 2 && arch == .conv && binarize && hidden == 5 && rate == 0.002)
  }

  @Test func aRunDefiningFlagThatContradictsTheCheckpointIsRefusedByName() throws {
    var agreeing = resumed(["latent": "2"], arguments: ["--latent", "2"])
    var same = 2
    try agreeing.declare(&same, flag: "--latent")
    var settings = resumed(["latent": "2", "lr": "0.0002"], arguments: ["--latent=20", "--lr", "1e-3"])
    var other = 20
    #expect(throws: CheckpointError.settingMismatch(path: "checkpoint", flag: "--latent", checkpoint: "2", given: "20")) {
      try settings.declare(&other, flag: "--latent")
    }
    #expect(throws: CheckpointError.settingMismatch(path: "checkpoint", flag: "--lr", checkpoint: "0.0002", given: "0.001")) {
      _ = try settings.value(1e-3 as Float?, flag: "--lr", key: "lr", default: 2e-4)
    }
    #expect("\(CheckpointError.settingMismatch(path: "c", flag: "--arch", checkpoint: "mlp", given: "conv"))"
      .contains("drop --arch"))
  }

  @Test func aLengthMayGrowButNotBelowWhatTheCheckpointHasDone() throws {
    var settings = resumed(["steps": "300", "every": "50"], step: 300, arguments: [])
    #expect(try settings.value(nil as Int?, flag: "--steps", default: 100, onResume: .atLeast(300)) == 300)
    var grown = resumed(["steps": "300"], step: 300, arguments: ["--steps", "500"])
    #expect(try grown.value(500 as Int?, flag: "--steps", default: 100, onResume: .atLeast(300)) == 500)
    var shrunk = resumed(["steps": "300"], step: 200, arguments: ["--steps", "100"])
    #expect(throws: ValidationError.self) {
      _ = try shrunk.value(100 as Int?, flag: "--steps", default: 100, onResume: .atLeast(200))
    }
    // A free setting may change; not typed, it is the checkpoint's.
    #expect(try settings.value(nil as Int?, flag: "--every", default: 10, onResume: .free) == 50)
    var changed = resumed(["every": "50"], arguments: ["--every", "7"])
    #expect(try changed.value(7 as Int?, flag: "--every", default: 10, onResume: .free) == 7)
  }

  @Test func aValueTheDataDefinesMustMatchAndAStoredValueMustParse() throws {
    var settings = resumed(["vocabulary": "abc", "steps": "three hundred", "arch": "transformer"], arguments: [])
    try settings.require("vocabulary", equals: "abc", flag: "--words")
    var other = resumed(["vocabulary": "abc"], arguments: [])
    #expect(throws: CheckpointError.settingMismatch(path: "checkpoint", flag: "--words", checkpoint: "abc", given: "abd")) {
      try other.require("vocabulary", equals: "abd", flag: "--words")
    }
    #expect(throws: CheckpointError.invalidMetadata(path: "checkpoint", key: "setting.steps", value: "three hundred")) {
      _ = try settings.value(nil as Int?, flag: "--steps", default: 100, onResume: .atLeast(0))
    }
    var arch = Arch.mlp
    #expect(throws: CheckpointError.invalidMetadata(path: "checkpoint", key: "setting.arch", value: "transformer")) {
      try settings.declare(&arch, flag: "--arch")
    }
  }
}
