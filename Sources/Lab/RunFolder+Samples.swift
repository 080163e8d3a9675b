import Core

extension RunFolder {
  /// The file name every image-generating lesson writes its final samples to.
  public static let samplesFile = "samples.safetensors"

  /// Writes `samples` (N×C×H×W, values in [0, 1]) as the one float32 tensor
  /// `samples` of `samples.safetensors`, with `model` and `lesson` in its metadata,
  /// so anyone can evaluate them with their own tools:
  ///
  ///     from safetensors.numpy import load_file
  ///     x = load_file("samples.safetensors")["samples"]   # (N, C, H, W) float32
  ///
  /// Returns the file's path.
  @discardableResult
  public func writeSamples(_ samples: Tensor, model: String, seed: UInt64) throws -> String {
    precondition(samples.rank == 4, "writeSamples: samples must be N×C×H×W, got shape \(samples.shape)")
    let outside = samples.data.firstIndex { !($0 >= 0 && $0 <= 1) }
    precondition(outside == nil,
                 "writeSamples: samples must lie in [0, 1]; element \(outside ?? 0) is \(samples.data[outside ?? 0])")
    let path = file(Self.samplesFile)
    try SafeTensors.write([(name: "samples", tensor: samples)],
                          metadata: ["lesson": lesson, "model": model, "seed": String(seed),
                                     "layout": "NCHW", "range": "[0, 1]"],
                          to: path)
    return path
  }
}
