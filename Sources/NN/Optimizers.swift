// SGD (with momentum and weight decay) and Adam, with PyTorch's semantics.
//
// Both updates are elementwise, so each is one tight loop over raw buffers (value,
// gradient and the optimizer's own moments), with every per-step constant (bias
// corrections, step size) computed once per step. A large parameter is cut into chunks
// of a fixed size that threads share (`Parallel.forEach`); because no element depends on
// another, the numbers are bit-identical for any thread count.
import Core
import Foundation

/// Elements per chunk of the parallel update: 32 768 floats is 128 KiB per buffer, big
/// enough that a chunk outweighs handing it to a thread, small enough that a 650k-parameter
/// weight still splits into ~20 chunks. Fixed, so the split never depends on the machine.
private let optimizerChunkSize = 32_768

/// Runs `body(range)` over `0..<count` in chunks of `optimizerChunkSize`, in parallel
/// when there is more than one chunk.
@inline(__always)
private func forEachOptimizerChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
  let chunks = (count + optimizerChunkSize - 1) / optimizerChunkSize
  Parallel.forEach(chunks) { chunk in
    body((chunk * optimizerChunkSize)..<Swift.min(count, (chunk + 1) * optimizerChunkSize))
  }
}

/// Checks that a parameter's gradient has its value's shape (a layer that wrote a
/// wrong-shaped gradient is a programmer error).
private func checkGradientShape(_ optimizer: String, _ name: String, _ parameter: Parameter) {
  precondition(parameter.gradient.shape == parameter.value.shape,
               "\(optimizer): parameter \(name) has shape \(parameter.value.shape), its gradient \(parameter.gradient.shape)")
}

/// Restores one state tensor per parameter from `tensors` under `prefix + name`,
/// checking names and shapes; throws on the first one that is missing or mis-shaped.
private func loadStateTensors(_ tensors: [String: Tensor], prefix: String,
                      parameters: [(name: String, parameter: Parameter)]) throws(OptimizerStateError) -> [Tensor] {
  var loaded = [Tensor]()
  loaded.reserveCapacity(parameters.count)
  for (name, parameter) in parameters {
    let key = prefix + name
    guard let tensor = tensors[key] else { throw .missing(name: key) }
    guard tensor.shape == parameter.value.shape else {
      throw .shapeMismatch(name: key, expected: parameter.value.shape, found: tensor.shape)
    }
    loaded.append(tensor)
  }
  return loaded
}

/// Stochastic gradient descent with momentum and L2 weight decay, as `torch.optim.SGD`
/// (no dampening, no Nesterov):
///
///     g   = dL/dθ + weightDecay·θ
///     buf = momentum·buf + g          (buf = g at the first step)
///     θ  ← θ − learningRate·buf       (θ ← θ − learningRate·g when momentum = 0)
///
/// The momentum buffers start at zero, which makes the first step's buf = momentum·0 + g = g
/// exactly, so no "first step" flag is needed (and a resumed run needs none either).
/// State: `momentum.<name>` for every parameter, only when momentum ≠ 0.
public final class SGD: Optimizer {
  public let parameters: [(name: String, parameter: Parameter)]
  public var learningRate: Float
  public let momentum: Float
  public let weightDecay: Float
  public var stepCount = 0
  /// buf, one per parameter (empty when momentum = 0).
  private var momentumBuffers: [Tensor]

  public init(parameters: [(name: String, parameter: Parameter)], learningRate: Float,
              momentum: Float = 0, weightDecay: Float = 0) {
    precondition(learningRate >= 0, "SGD: learning rate \(learningRate) must be ≥ 0")
    precondition(momentum >= 0, "SGD: momentum \(momentum) must be ≥ 0")
    self.parameters = parameters
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.momentumBuffers = momentum != 0 ? parameters.map { Tensor(zeros: $0.parameter.value.shape) } : []
  }

  public func step() {
    let (learningRate, momentum, weightDecay) = (learningRate, momentum, weightDecay)
    for (index, (name, parameter)) in parameters.enumerated() {
      checkGradientShape("SGD", name, parameter)
      let count = parameter.value.count
      parameter.value.withUnsafeMutableBufferPointer { value in
        parameter.gradient.withUnsafeBufferPointer { gradient in
          let value = value
          if momentum == 0 {
            forEachOptimizerChunk(count) { range in
              for i in range {
                let g = gradient[i] + weightDecay * value[i]
                value[i] -= learningRate * g
              }
            }
          } else {
            momentumBuffers[index].withUnsafeMutableBufferPointer { buffer in
              let buffer = buffer
              forEachOptimizerChunk(count) { range in
                for i in range {
                  let g = gradient[i] + weightDecay * value[i]
                  let b = momentum * buffer[i] + g
                  buffer[i] = b
                  value[i] -= learningRate * b
                }
              }
            }
          }
        }
      }
    }
    stepCount += 1
  }

  public var state: [(name: String, tensor: Tensor)] {
    zip(parameters, momentumBuffers).map { (name: "momentum.\($0.0.name)", tensor: $0.1) }
  }

  public func loadState(_ tensors: [String: Tensor]) throws(OptimizerStateError) {
    guard momentum != 0 else { return }
    momentumBuffers = try loadStateTensors(tensors, prefix: "momentum.", parameters: parameters)
  }
}

/// Adam (Kingma & Ba, 2015), as `torch.optim.Adam` and `optax.adam`:
///
///     m ← β1·m + (1 − β1)·g                 first moment (mean of g)
///     v ← β2·v + (1 − β2)·g²                second moment (uncentred variance of g)
///     t ← t + 1
///     θ ← θ − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
///
/// The bias corrections 1 − β1ᵗ and 1 − β2ᵗ undo the pull of the zero start towards 0 in
/// the first steps. They are computed once per step in Double and folded into two Float
/// constants, so the loop per element is
///
///     θ ← θ − stepSize · m / (√v · 1/√(1 − β2ᵗ) + ε),   stepSize = lr / (1 − β1ᵗ)
///
/// (PyTorch's own arrangement). State: `m.<name>`, `v.<name>`; `stepCount` is t.
public final class Adam: Optimizer {
  public let parameters: [(name: String, parameter: Parameter)]
  public var learningRate: Float
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  /// t, the number of updates made; the bias corrections use it.
  public var stepCount = 0
  /// m and v, one per parameter, in the order of `parameters`.
  private var firstMoments: [Tensor]
  private var secondMoments: [Tensor]

  public init(parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3,
              beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    precondition(learningRate >= 0, "Adam: learning rate \(learningRate) must be ≥ 0")
    precondition((0..<1).contains(beta1) && (0..<1).contains(beta2),
                 "Adam: β1 = \(beta1) and β2 = \(beta2) must lie in [0, 1)")
    self.parameters = parameters
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.firstMoments = parameters.map { Tensor(zeros: $0.parameter.value.shape) }
    self.secondMoments = parameters.map { Tensor(zeros: $0.parameter.value.shape) }
  }

  public func step() {
    stepCount += 1
    let t = Double(stepCount)
    let biasCorrection1 = 1 - pow(Double(beta1), t)            // 1 − β1ᵗ
    let biasCorrection2 = 1 - pow(Double(beta2), t)            // 1 − β2ᵗ
    let stepSize = Float(Double(learningRate) / biasCorrection1)
    let inverseRootCorrection2 = Float(1 / biasCorrection2.squareRoot())
    let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)

    for (index, (name, parameter)) in parameters.enumerated() {
      checkGradientShape("Adam", name, parameter)
      let count = parameter.value.count
      parameter.value.withUnsafeMutableBufferPointer { value in
        parameter.gradient.withUnsafeBufferPointer { gradient in
          firstMoments[index].withUnsafeMutableBufferPointer { m in
            secondMoments[index].withUnsafeMutableBufferPointer { v in
              let (value, m, v) = (value, m, v)
              forEachOptimizerChunk(count) { range in
                adamUpdate(value: value.baseAddress! + range.lowerBound, gradient: gradient.baseAddress! + range.lowerBound,
                           m: m.baseAddress! + range.lowerBound, v: v.baseAddress! + range.lowerBound,
                           count: range.count, beta1: beta1, beta2: beta2, stepSize: stepSize,
                           inverseRootCorrection2: inverseRootCorrection2, epsilon: epsilon)
              }
            }
          }
        }
      }
    }
  }

  public var state: [(name: String, tensor: Tensor)] {
    zip(parameters, firstMoments).map { (name: "m.\($0.0.name)", tensor: $0.1) }
      + zip(parameters, secondMoments).map { (name: "v.\($0.0.name)", tensor: $0.1) }
  }

  public func loadState(_ tensors: [String: Tensor]) throws(OptimizerStateError) {
    let m = try loadStateTensors(tensors, prefix: "m.", parameters: parameters)
    let v = try loadStateTensors(tensors, prefix: "v.", parameters: parameters)
    firstMoments = m
    secondMoments = v
  }
}

/// One Adam update of `count` elements, written as a plain counted loop over pointers so
/// the compiler turns it into vector instructions (sqrt and division included); every lane
/// does exactly this arithmetic, so the result does not depend on how the range was cut.
@inline(never)
private func adamUpdate(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
                beta1: Float, beta2: Float, stepSize: Float, inverseRootCorrection2: Float, epsilon: Float) {
  let (oneMinusBeta1, oneMinusBeta2) = (1 - beta1, 1 - beta2)
  for i in 0..<count {
    let g = gradient[i]
    let mi = beta1 * m[i] + oneMinusBeta1 * g                  // m ← β1·m + (1 − β1)·g
    let vi = beta2 * v[i] + oneMinusBeta2 * (g * g)            // v ← β2·v + (1 − β2)·g²
    m[i] = mi
    v[i] = vi
    // v ≥ 0, so |v| = v; saying so lets the compiler use the vector sqrt instruction
    // instead of libm's sqrtf (which must be ready to set errno for a negative input).
    value[i] -= stepSize * mi / (abs(vi).squareRoot() * inverseRootCorrection2 + epsilon)
  }
}
