
/// Arithmetic coding: a model's next-symbol probabilities turned into a bit stream whose
/// length is (within a few bits) the model's total −log₂ p — prediction is compression.
///
/// A symbol the model gives probability p costs −log₂ p bits; an arithmetic coder narrows
/// an interval by the factor p for every symbol, and a number inside an interval of width
/// W = Π p_i takes ⌈−log₂ W⌉ + 1 bits to name, so the stream is Σ −log₂ p_i + ≤ 2 bits.
///
/// - `FrequencyTable.swift`: the model's probabilities rounded to integer frequencies with
///   a fixed total (2¹⁶ by default), every symbol ≥ 1; the rounding costs < −log₂(1 − n/T)
///   bits per symbol.
/// - `ArithmeticEncoder.swift`: 32-bit low/high coder with the pending-bits (E3) rule of
///   Witten, Neal & Cleary (1987), a shortest termination, no trailing zero bytes.
/// - `ArithmeticDecoder.swift`: its mirror; missing bytes read as zeros; `finish()` checks
///   that the stream is exactly what the encoder writes for the decoded symbols.
/// - `CountModels.swift`: `NextSymbolModel`, and the add-α unigram and bigram baselines.
///
/// Symbols are `Int`s in 0..<n. The stream does not record how many symbols it holds: the
/// caller stores the count (or codes an end-of-text symbol).
public enum ArithmeticCoding {
  /// Encodes `symbols` with the tables `model` gives step by step (context = the symbols
  /// before). The decoder must see the same tables: `decode(_:count:model:)`.
  public static func encode(_ symbols: [Int], model: some NextSymbolModel) -> [UInt8] {
    encodeMeasuring(symbols, model: model).bytes
  }

  /// `encode`, and the ideal code length Σ −log₂ q(s_i | s_<i) under the same tables
  /// (`idealBits`) from the same pass — for a model whose tables are expensive to make.
  public static func encodeMeasuring(_ symbols: [Int], model: some NextSymbolModel) -> (bytes: [UInt8], idealBits: Double) {
    var encoder = ArithmeticEncoder()
    var bits = 0.0
    for i in symbols.indices {
      let table = model.frequencyTable(after: symbols[..<i])
      bits += table.codeLength(symbols[i])
      encoder.encode(symbols[i], with: table)
    }
    return (encoder.finish(), bits)
  }

  /// Decodes `count` symbols from `bytes` with the tables `model` gives, and checks that
  /// `bytes` is exactly what `encode` writes for them (else throws `ArithmeticDecoder.StreamError`).
  public static func decode(_ bytes: [UInt8], count: Int, model: some NextSymbolModel) throws -> [Int] {
    precondition(count >= 0, "ArithmeticCoding.decode: count is \(count); it must be ≥ 0")
    var decoder = ArithmeticDecoder(bytes)
    var symbols: [Int] = []
    symbols.reserveCapacity(count)
    for _ in 0..<count {
      symbols.append(decoder.decode(with: model.frequencyTable(after: symbols[...])))
    }
    try decoder.finish()
    return symbols
  }

  /// The ideal code length Σ −log₂ q(s_i | s_<i) in bits under the *quantised* tables the
  /// coder uses (what the stream length is compared with).
  public static func idealBits(_ symbols: [Int], model: some NextSymbolModel) -> Double {
    var bits = 0.0
    for i in symbols.indices {
      bits += model.frequencyTable(after: symbols[..<i]).codeLength(symbols[i])
    }
    return bits
  }
}
