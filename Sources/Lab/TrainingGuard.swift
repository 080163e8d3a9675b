import Core
import NN

/// Stops training at the first step whose loss, gradients or weights stop being finite
/// numbers, and says where it happened: a NaN is never learnt from, and the checkpoint of
/// the last good step stays as it is (lessons write checkpoints only after this check).
///
/// Call it after each optimizer step with the step's losses and the parameters updated.
/// A non-finite loss was made by the forward pass (the weights it used passed the previous
/// check). With a finite loss, a NaN can still come from the backward pass, and it spreads: a non-finite gradient made in the backward pass at layer k reaches every
/// layer before k, and Adam's update turns it into non-finite weights. So the guard names
/// the **last** parameter (in forward order) whose gradient is not finite — where the
/// backward pass first produced one — or, if every gradient is finite, the first
/// parameter whose value is not.
public enum TrainingGuard {
  public static func check(step: Int, losses: [(name: String, value: Double)],
                           parameters: [(name: String, parameter: Parameter)]) throws(LabError) {
    if let badLoss = losses.first(where: { !$0.value.isFinite }) {
      // The weights going into this step passed the previous step's check, so the forward
      // pass made the NaN (any non-finite gradient now is its consequence). The largest
      // weight tells a learning rate that blew the weights up from a log of zero.
      var origin = "the loss itself: the forward pass made it from finite weights (a log of zero, an exp that "
        + "overflowed, a division by zero)"
      if let (name, largest) = largestWeight(parameters) {
        origin += "; the largest weight is \(largest) in \(name)"
      }
      throw .nonFiniteLoss(step: step, name: badLoss.name, value: Float(badLoss.value), origin: origin)
    }
    if let origin = nonFiniteOrigin(parameters) {
      throw .nonFiniteLoss(step: step, name: losses.map(\.name).joined(separator: " and "),
                           value: Float(losses.first?.value ?? 0), origin: origin)
    }
  }

  /// The parameter with the largest |weight| (finite ones), and that magnitude.
  static func largestWeight(_ parameters: [(name: String, parameter: Parameter)]) -> (String, Float)? {
    var best: (String, Float)?
    for (name, parameter) in parameters {
      let largest = parameter.value.withUnsafeBufferPointer { $0.reduce(Float(0)) { max($0, $1.isFinite ? abs($1) : 0) } }
      if largest > (best?.1 ?? -1) { best = (name, largest) }
    }
    return best
  }

  /// Where a non-finite number is, or nil when every gradient and weight is finite.
  public static func nonFiniteOrigin(_ parameters: [(name: String, parameter: Parameter)]) -> String? {
    if let last = parameters.last(where: { firstNonFinite($0.parameter.gradient) != nil }) {
      let (index, value) = firstNonFinite(last.parameter.gradient)!
      return "the gradient of \(last.name) (element \(unflatten(index, last.parameter.gradient.shape)) is \(value)); "
        + "the backward pass reached no layer after it with a non-finite gradient"
    }
    if let first = parameters.first(where: { firstNonFinite($0.parameter.value) != nil }) {
      let (index, value) = firstNonFinite(first.parameter.value)!
      return "the weights of \(first.name) (element \(unflatten(index, first.parameter.value.shape)) is \(value))"
    }
    return nil
  }

  /// The first element that is NaN or ±∞, with its flat index.
  static func firstNonFinite(_ tensor: Tensor) -> (Int, Float)? {
    tensor.withUnsafeBufferPointer { values in
      // Summing x·0 is 0 for every finite x and NaN otherwise: one cheap pass (16 lanes at
      // a time — it runs after every training step), then a search only when it fails.
      var lanes = SIMD16<Float>(repeating: 0)
      var i = 0
      if let base = values.baseAddress {
        while i + 16 <= values.count {
          lanes += UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self) * 0
          i += 16
        }
      }
      var probe = lanes.sum()
      while i < values.count {
        probe += values[i] * 0
        i += 1
      }
      guard probe.isNaN else { return nil }
      let index = values.firstIndex { !$0.isFinite }!
      return (index, values[index])
    }
  }
}
