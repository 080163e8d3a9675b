import Core

/// Arithmetic coding: a model's next-symbol probabilities turned into a bit stream whose
/// length is (within a few bits) the model's total −log₂ p — prediction is compression.
/// Being written (issue 9).
public enum ArithmeticCoding {}
