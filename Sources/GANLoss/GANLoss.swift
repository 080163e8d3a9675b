import Core

/// The losses of a GAN, twice: from probabilities D = σ(logit), as the textbook
/// writes them (`GANLoss+Reference.swift`), and from logits with softplus, stable for
/// any logit (`GANLoss+Logits.swift`).
public enum GANLoss {}
