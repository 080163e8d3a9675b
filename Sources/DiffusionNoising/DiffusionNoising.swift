import Core

/// Diffusion models (Sohl-Dickstein et al. 2015; Ho, Jain & Abbeel 2020, "DDPM"): the
/// forward process adds Gaussian noise step by step until only noise is left,
///
///     q(x_t | x_{t−1}) = 𝒩(√(1−β_t)·x_{t−1}, β_t·I),   t = 1 … T,
///
/// and a network learns to undo it by predicting the noise.
///
/// - `DiffusionNoising+Reference.swift`: noising as defined, t single steps.
/// - `DiffusionNoising+ClosedForm.swift`: one jump, x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε.
/// - `NoiseSchedule.swift`: β_t (linear or cosine) and what follows from it, in Double.
/// - `Samplers.swift`: DDPM ancestral sampling and DDIM.
/// - `TimeEmbedding.swift`: the sinusoidal embedding of t that the noise predictors take.
///
/// Timesteps count from 1 (the first noising step) to T; t = 0 is the data itself.
/// Shapes: x_0 is [N, …] with items first; `timesteps` holds one t per item.
public enum DiffusionNoising {}
