/// Autoregressive models: p(x) = Π_t p(x_t | x_<t), one token at a time.
/// `CausalSelfAttention` and `CharTransformer` (forward and backward written out), the
/// sampling twins (`generateReference` recomputes the prefix, `generate` keeps a
/// key/value cache), and the model as a compressor (`Compression.swift`). Lesson 10.
public enum Autoregressive {}
