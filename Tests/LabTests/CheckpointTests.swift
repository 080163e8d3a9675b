import Core
import Foundation
@testable import Lab
import NN
import Testing

/// A small model that has everything a checkpoint must carry: parameters, a
/// BatchNorm's running statistics (buffers), Adam's moments and step count, and a
/// random generator that is consumed during training (noise on the inputs).
struct TinyRun {
  let model: Sequential
  let optimizer: Adam
  var noise: RNG

  init(initSeed: UInt64) {
    var rng = RNG(seed: initSeed)
    model = Sequential(Linear(inputSize: 2, outputSize: 8, rng: &rng), BatchNorm(features: 8), ReLU(),
                       Linear(inputSize: 8, outputSize: 1, rng: &rng))
    optimizer = Adam(parameters: model.parameters, learningRate: 0.01)
    noise = RNG(seed: 99, stream: 1)
  }

  /// Steps `range` of a regression y = sin(x₀) + x₁² on noisy inputs; returns the
  /// losses. The batch of step s is a function of s alone, as `Batches` is of (seed, epoch).
  mutating func train(_ range: Range<Int>) -> [Double] {
    var losses: [Double] = []
    for step in range {
      var batchRNG = RNG(seed: 5, stream: UInt64(step))
      var x = Tensor.uniform([16, 2], in: -1..<1, using: &batchRNG)
      let y = Tensor(shape: [16, 1], data: (0..<16).map { sin(x[$0, 0]) + x[$0, 1] * x[$0, 1] })
      for i in 0..<x.count { x.data[i] += 0.05 * noise.normal() }
      optimizer.zeroGradients()
      let prediction = model.forward(x, training: true)
      let loss = Losses.meanSquaredError(prediction, y)
      _ = model.backward(loss.gradient)
      optimizer.step()
      losses.append(loss.value)
    }
    return losses
  }

  func bits() -> [[UInt32]] {
    model.parameters.map { $0.parameter.value.data.map(\.bitPattern) }
      + model.buffers.map { $0.buffer.value.data.map(\.bitPattern) }
  }
}

@Suite struct CheckpointTests {
  func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("genlab-ckpt-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  func checkpoint(of run: TinyRun, step: Int) -> Checkpoint {
    var checkpoint = Checkpoint(lesson: "tiny", seed: 3, step: step, epoch: 0)
    checkpoint.settings["batch_size"] = "16"
    checkpoint.add(run.model, as: "model")
    checkpoint.add(run.optimizer, as: "adam")
    checkpoint.add(run.noise, as: "noise")
    return checkpoint
  }

  @Test func aCachedSpareNormalIsCarriedToo() throws {
    // Box–Muller makes normals in pairs; a generator stopped between the two must
    // hand out the same second one after resuming.
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var first = TinyRun(initSeed: 1)
    _ = first.train(0..<12)
    _ = first.noise.normal()
    #expect(first.noise.spareNormal != nil)
    let path = folder + "/checkpoint.safetensors"
    try checkpoint(of: first, step: 12).write(to: path)

    let loaded = try Checkpoint.read(path: path, lesson: "tiny")
    var resumed = TinyRun(initSeed: 777)  // another initialisation: everything must come from the file
    try loaded.restore(resumed.model, as: "model")
    try loaded.restore(resumed.optimizer, as: "adam")
    resumed.noise = try loaded.rng("noise")
    #expect(resumed.noise == first.noise)
    #expect(resumed.optimizer.stepCount == 12 && loaded.step == 12 && loaded.settings["batch_size"] == "16")
    let resumedLosses = resumed.train(12..<30)
    let firstLosses = first.train(12..<30)
    #expect(resumed.bits() == first.bits())
    #expect(resumedLosses.map(\.bitPattern) == firstLosses.map(\.bitPattern))
  }

  @Test func stoppingAndResumingChangesNothing() throws {
    // The plain case: stop at step 12 with nothing extra drawn, resume, compare
    // with a run that never stopped — weights, BatchNorm statistics, Adam state, losses.
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var unbroken = TinyRun(initSeed: 1)
    let unbrokenLosses = unbroken.train(0..<30)

    var first = TinyRun(initSeed: 1)
    _ = first.train(0..<12)
    let path = folder + "/checkpoint.safetensors"
    try checkpoint(of: first, step: 12).write(to: path)

    let loaded = try Checkpoint.read(path: path, lesson: "tiny")
    var resumed = TinyRun(initSeed: 42)
    #expect(resumed.bits() != first.bits())
    try loaded.restore(resumed.model, as: "model")
    try loaded.restore(resumed.optimizer, as: "adam")
    resumed.noise = try loaded.rng("noise")
    let resumedLosses = resumed.train(12..<30)

    #expect(resumed.bits() == unbroken.bits())
    #expect(resumedLosses.map(\.bitPattern) == Array(unbrokenLosses[12..<30]).map(\.bitPattern))
    let adamNames = resumed.optimizer.state.map(\.name)
    #expect(adamNames.count == 2 * resumed.model.parameters.count)
    for (name, tensor) in resumed.optimizer.state {
      let other = unbroken.optimizer.state.first { $0.name == name }!.tensor
      #expect(tensor.data.map(\.bitPattern) == other.data.map(\.bitPattern), "Adam state \(name)")
    }
  }

  @Test func rngStateRoundTripsWithAndWithoutASpareNormal() throws {
    var rng = RNG(seed: 12345, stream: 3)
    for _ in 0..<5 { _ = rng.next() }
    #expect(Checkpoint.decode(Checkpoint.encode(rng)) == rng)
    _ = rng.normal()
    #expect(rng.spareNormal != nil)
    let decoded = Checkpoint.decode(Checkpoint.encode(rng))
    #expect(decoded == rng)
    var a = rng, b = decoded!
    #expect((0..<10).map { _ in a.normal() } == (0..<10).map { _ in b.normal() })
    #expect(Checkpoint.decode("1,2,3") == nil)
    #expect(Checkpoint.decode("0,0,0,0,-") == nil)
    #expect(Checkpoint.decode("1,2,3,zz,-") == nil)
  }

  @Test func pythonNamesAndMetadataAreInTheFile() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let run = TinyRun(initSeed: 1)
    let path = folder + "/c.safetensors"
    try checkpoint(of: run, step: 0).write(to: path)
    let (tensors, metadata) = try SafeTensors.read(path: path)
    #expect(tensors["model.0.weight"]?.shape == [8, 2])
    #expect(tensors["model.1.running_var"]?.shape == [8])
    #expect(tensors["optimizer.adam.m.0.weight"]?.shape == [8, 2])
    #expect(metadata["format"] == Checkpoint.format && metadata["lesson"] == "tiny")
    #expect(metadata["setting.batch_size"] == "16" && metadata["optimizer.adam.step"] == "0")
  }

  @Test func wrongFilesAndModelsAreNamedErrors() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let run = TinyRun(initSeed: 1)
    let path = folder + "/c.safetensors"
    try checkpoint(of: run, step: 4).write(to: path)

    #expect(throws: CheckpointError.wrongLesson(path: path, expected: "lesson05-vae", found: "tiny")) {
      try Checkpoint.read(path: path, lesson: "lesson05-vae")
    }
    let plain = folder + "/samples.safetensors"
    try SafeTensors.write([(name: "samples", tensor: Tensor(zeros: [2, 1, 2, 2]))], to: plain)
    #expect {
      try Checkpoint.read(path: plain)
    } throws: { error in
      guard case let CheckpointError.notACheckpoint(p, reason) = error else { return false }
      return p == plain && reason.contains("samples.safetensors")
    }

    let loaded = try Checkpoint.read(path: path)
    var rng = RNG(seed: 0)
    let wider = Sequential(Linear(inputSize: 2, outputSize: 9, rng: &rng), BatchNorm(features: 9), ReLU(),
                           Linear(inputSize: 9, outputSize: 1, rng: &rng))
    #expect(throws: CheckpointError.shapeMismatch(path: path, name: "model.0.weight", expected: [9, 2], found: [8, 2])) {
      try loaded.restore(wider, as: "model")
    }
    let shorter = Sequential(Linear(inputSize: 2, outputSize: 8, rng: &rng), BatchNorm(features: 8))
    #expect {
      try loaded.restore(shorter, as: "model")
    } throws: { error in
      guard case let CheckpointError.unexpectedTensors(p, names) = error else { return false }
      return p == path && names.contains("model.3.weight")
    }
    let other = Sequential(Linear(inputSize: 2, outputSize: 8, rng: &rng))
    #expect(throws: CheckpointError.missingTensor(path: path, name: "encoder.0.weight")) {
      try loaded.restore(other, as: "encoder")
    }
    #expect(throws: CheckpointError.missingMetadata(path: path, key: "rng.absent")) {
      try loaded.rng("absent")
    }
    let sgd = SGD(parameters: run.model.parameters, learningRate: 0.1, momentum: 0.9)
    #expect {
      try loaded.restore(sgd, as: "sgd")
    } throws: { error in
      guard case let CheckpointError.optimizerState(p, problem) = error else { return false }
      return p == path && problem.contains("momentum.0.weight")
    }
    #expect("\(CheckpointError.settingMismatch(path: "c", flag: "--arch", checkpoint: "mlp", given: "conv"))"
      .contains("drop --arch"))
  }

  @Test func aCheckpointWriteThatFailsLeavesTheOldOneLoadable() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var run = TinyRun(initSeed: 1)
    let path = folder + "/checkpoint.safetensors"
    try checkpoint(of: run, step: 0).write(to: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    _ = run.train(0..<3)
    // The newer checkpoint's bytes, written through the fail-after-k-bytes hook.
    let newer = checkpoint(of: run, step: 3)
    var tensors: [(name: String, tensor: Tensor)] = []
    for name in newer.tensorNames { tensors.append((name, newer.tensor(name)!)) }
    #expect(throws: SafeTensorsError.cannotWrite(path: path, reason: "simulated failure after 100 bytes")) {
      try SafeTensors.write(tensors, metadata: [:], to: path, failAfterBytes: 100)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try Checkpoint.read(path: path).step == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["checkpoint.safetensors"])
  }
}
