import Core
import NN

/// Where a network's time goes: each layer of a `Sequential`, forward and backward,
/// timed on one batch (training mode). For "check, then time" sections and for the
/// profile a closing note asks for.
public enum LayerProfile {
  public struct Row: Sendable {
    /// The layer's position and type, e.g. `4 ConvTranspose2d`.
    public var layer: String
    /// Output shape of the forward pass.
    public var outputShape: [Int]
    /// Minimum seconds over the repeats.
    public var forward: Double
    public var backward: Double
  }

  /// Times every layer of `model` on `input`: the whole forward once to get each
  /// layer's input, then each layer's forward and (right after it, so the layer's
  /// cache is its own) backward with a gradient of ones, `repeats` times. The model's
  /// parameter gradients are zeroed afterwards; BatchNorm running statistics move as in
  /// training (profile a copy if that matters).
  public static func measure(_ model: Sequential, input: Tensor, repeats: Int = 5) -> [Row] {
    var inputs: [Tensor] = [input]
    for layer in model.layers { inputs.append(layer.forward(inputs.last!, training: true)) }
    var rows: [Row] = []
    for (index, layer) in model.layers.enumerated() {
      let x = inputs[index]
      let ones = Tensor(shape: inputs[index + 1].shape, repeating: 1)
      var forwardTimes: [Double] = [], backwardTimes: [Double] = []
      for _ in 0..<max(1, repeats) {
        let t0 = Timing.now()
        _ = layer.forward(x, training: true)
        let t1 = Timing.now()
        _ = layer.backward(ones)
        let t2 = Timing.now()
        forwardTimes.append(t1 - t0)
        backwardTimes.append(t2 - t1)
      }
      rows.append(Row(layer: "\(index) \(String(describing: type(of: layer)))", outputShape: inputs[index + 1].shape,
                      forward: forwardTimes.min()!, backward: backwardTimes.min()!))
    }
    model.zeroGradients()
    return rows
  }

  /// The rows as an aligned table with each layer's share of the total.
  public static func table(_ rows: [Row]) -> String {
    let total = rows.reduce(0) { $0 + $1.forward + $1.backward }
    var lines = ["layer                      output            forward   backward   share"]
    for row in rows {
      let share = total > 0 ? 100 * (row.forward + row.backward) / total : 0
      lines.append(row.layer.padding(toLength: 27, withPad: " ", startingAt: 0)
                   + "\(row.outputShape)".padding(toLength: 16, withPad: " ", startingAt: 0)
                   + Format.duration(row.forward).leftPadded(10) + Format.duration(row.backward).leftPadded(11)
                   + String(format: "%7.1f%%", share))
    }
    lines.append("total".padding(toLength: 43, withPad: " ", startingAt: 0)
                 + Format.duration(rows.reduce(0) { $0 + $1.forward }).leftPadded(10)
                 + Format.duration(rows.reduce(0) { $0 + $1.backward }).leftPadded(11))
    return lines.joined(separator: "\n")
  }
}

extension String {
  /// The string right-aligned in `width` columns (spaces in front; unchanged if longer).
  public func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
