import Core

/// The reparameterization trick of a VAE, twice: a per-element reference with a
/// Monte-Carlo KL (`Reparameterization+Reference.swift`) and a vectorized twin
/// with the closed-form KL and a fused backward (`Reparameterization+ClosedForm.swift`).
public enum Reparameterization {}
