/// Autoregressive models: p(x) = Π_t p(x_t | x_<t), one token at a time (issue 9).
/// Being written: `CausalSelfAttention` is here; the character transformer and the two
/// sampling twins (recompute the prefix · keep a key/value cache) come next.
public enum Autoregressive {}
