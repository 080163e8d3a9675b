#!/usr/bin/env python3
"""JAX-on-CPU peer of GenLab's lesson 09 diffusion U-Net: the training step and the DDIM
sampling run that genlab-bench times as unet_step and ddim_sample, the same network,
initialisation, loss, optimiser, weight average and batch. A tool, not a test dependency:

    pip install "jax[cpu]" numpy
    python3 bench/peers/unet_jax.py [--threads 2] [--repeats 20] [--forms default,subpixel,subpixel4] [--layers] [--json]

--threads N pins the process to the first N visible cores before JAX starts (N = 1 also sets
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1", as the other
peers' one-thread commands do with taskset -c 0). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are
removed from the environment before numpy loads (the other peers say `env -u` for them).

Network (GenLab's Models.UNet, C = 32 base channels, PyTorch layouts NCHW / OIHW, ConvTranspose2d
weights Cin×Cout×4×4; every conv, convT and Linear has a bias):
  t → sinusoid(64) (guided-diffusion's: sin(t·ω_i) then cos(t·ω_i), ω_i = 10000^(−i/32), in float64,
      stored as a float32 table for t = 0…T) → Linear 64→128 → SiLU → Linear 128→128 → SiLU = e
  x_t 1×28×28 → conv3×3 1→C → down1 C→C @28 ─────────────────────────────────────────┐ skip1
      → conv4×4 s2 p1 C→2C → down2 2C→2C @14 ─────────────────────────────┐ skip2    │
      → conv4×4 s2 p1 2C→2C → middle 2C→2C @7                             │          │
      → convT4×4 s2 p1 2C→2C (7→14) → concat [·, skip2] → up2 4C→2C @14  │          │
      → convT4×4 s2 p1 2C→C (14→28) → concat [·, skip1] → up1 2C→C @28 ───────────────┘
      → conv3×3 C→1 (weights and bias 0: the first ε̂ is 0, as in DDPM's code) = ε̂
  block(x, e) = SiLU(GN(conv3×3(SiLU(GN(conv3×3(x) + Linear(e)[per channel]))))), GN = GroupNorm(8
  groups, ε 1e-5, biased variance, γ = 1, β = 0: PyTorch's). 560,961 parameters, as GenLab's.
  Init as GenLab's (PyTorch's default): weight and bias U(±1/√fan_in), fan_in = in·k·k for conv and
  Linear, out·k·k for ConvTranspose2d (PyTorch takes it from weight dim 1).
Step (DenoisingDiffusion.step, DDPM's algorithm 1), one jit, (params, Adam state, average, x_0, key)
→ new state, buffers donated: t ~ U{1…1000} and ε ~ N(0, I) per image (from fold_in(key, step)),
x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (coefficients from ᾱ in float64, rounded to float32), linear β 1e-4…0.02,
L = mean over pixels of (ε̂ − ε)², gradients, Adam (lr 1e-3, β 0.9/0.999, ε 1e-8, GenLab's form
θ −= (lr/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + ε)), then the weight average θ̄ ← d·θ̄ + (1−d)·θ with
d = min(0.999, (1+n)/(10+n)) at update n (GenLab's WeightAverage). Batch 64 of 1×28×28 in [−1, 1]
(random uniform, as genlab-bench's). Float32 throughout.
Sampling (ddim_sample): DDIM, 20 network calls (t = 1000, 950, …, 50, then to 0), 16 images, x_T fixed,
averaged weights, x̂_0 clipped to [−1, 1], forward only. Forms: 'per-call' (one jitted function =
network + DDIM update, called 20 times from Python, as GenLab calls its predictor), 'unrolled' (the
20 calls written out in one jit), 'scan-unrolled' (lax.scan with unroll=True: the same program) and
'scan' (lax.scan, a while loop; not run unless asked). The rolled scan is ≈ 18× slower here: inside the while body XLA:CPU
keeps the convolutions in NCHW (dim_labels bf01_oi01->bf01, seen in the compiled HLO), apparently run
by a generic emitter instead of the NHWC fast path it picks outside loops (a 64→64 3×3 conv on
16×14×14, 20 times: 2.0 s in a scan, 49 ms unrolled, with another process on one core).

Forms of the two transposed convs (PyTorch ConvTranspose2d(k4, s2, p1): 7→14 and 14→28, checked):
  default   lax.conv_transpose, flipped kernel, padding k−1−p = 2 (= conv with lhs_dilation 2)
  dilated   the same written out: conv_general_dilated(lhs_dilation=(2, 2), pad 2, flipped kernel
            transposed to OIHW) — XLA sees the same convolution, so the same speed is expected
  subpixel  one stride-1 3×3 conv to 4·Cout channels (the 4 output phases), pixel shuffle
  subpixel4 four stride-1 2×2 convs, one per output phase, stacked, pixel shuffle
  best      the fastest form per layer from --layers on the measuring machine: subpixel4 for both
  (also 'first/second', e.g. subpixel4/default: upsample2's form, then upsample1's)
XLA's weight gradient of the transposed conv (a conv with lhs dilation) is slow on CPU (see
dcgan_jax.py); the sub-pixel forms make every conv in the backward a plain stride-1 conv.
Checks (unless --no-check): each form against a float64 numpy scatter ConvTranspose2d on a small
case (≤ 1e-5) and on both U-Net layer shapes against default (y, dx, dw); output sizes 7→14, 14→28;
the parameter count; step-1 loss of every form (the zero output conv gives ε̂ = 0, L = mean ε² ≈ 1).

Measured 2026-11-25/26 on "AMD EPYC" (/proc/cpuinfo: family 25, model 17 = Zen 4, AVX-512, 2 cores),
jax 0.10.2, numpy 2.4.6. Timed = one jitted call + block_until_ready; the compiling call and 3 warm-up
calls are not timed; the forms' steps interleaved in 4 rounds; the script prints the other processes'
CPU use per round (≤ 0.02 cores in every round of the runs below):

  2 threads:  python3 bench/peers/unet_jax.py --threads 2 --repeats 24 --forms default,subpixel,subpixel4 --sample-forms per-call,unrolled --no-check
  1 thread:   python3 bench/peers/unet_jax.py --threads 1 --repeats 16 --forms default,subpixel,subpixel4 --sample-forms per-call,unrolled --no-check

  unet_step (batch 64), ms      2 threads (min / median)   1 thread (min / median)
  default (lax.conv_transpose)  740.1 / 780.4              1169.2 / 1201.6
  subpixel                      569.2 / 605.2               764.7 /  784.5
  subpixel4 (= best)            525.6 / 559.5               731.0 /  740.0
  dilated gave default's times (same HLO; 780 / 784 ms min in a run with ≈ 1 core taken by others).
  Step-1 loss 0.9905 in every form, the same losses after 28 steps (0.2587) in every form.
  Compile 5–9 s per form.

  ddim_sample (20 calls, 16 images), ms   2 threads      1 thread
  per-call (20 jitted calls)              747.5 / 767.1  876.5 / 882.1
  unrolled (one jit)                      730.7 / 745.4  857.7 / 878.0
  scan (lax.scan, rolled)                 13,418 / 13,439 (3 runs, quiet): the while-loop NCHW problem above
  Sampling scales poorly with threads (×1.17) and costs ≈ 37 ms per batch-16 forward, about what a
  training step spends per image on forward + backward; the convT form makes no difference there
  (per-call with subpixel4: 779 ms min vs default 755 ms in the same minute).

  ConvT layers alone (--layers, batch 64; fwd, fwd + grads of x and w), ms min / median, 2 threads,
  with ≈ 1 core taken by another process in that run (relative order is what matters):
                        default        dilated        subpixel       subpixel4
  64→64 7→14    fwd      4.0 / 4.6      5.1 / 6.0      5.6 / 5.9      5.1 / 5.3
                f+b     71.7 / 73.4    72.1 / 73.8    17.2 / 18.6    10.4 / 11.0
  64→32 14→28   fwd     10.3 / 10.9    15.2 / 17.9    20.7 / 29.0    11.7 / 12.0
                f+b    170.9 / 173.2  341.8 / 376.3   48.0 / 61.2    29.3 / 29.9
  XLA's transposed-conv weight gradient is the slow part: ≈ 240 ms of default's step at 2 threads
  (≈ 215 ms of it saved by subpixel4).
Raw outputs: /tmp/unet_jax_2t.txt, /tmp/unet_jax_2t_b.txt, /tmp/unet_jax_1t.txt (measuring machine only).
"""
import argparse
import datetime
import json
import os
import platform
import sys
import time

T, BATCH, SAMPLES, DDIM_CALLS = 1000, 64, 16, 20
C, GROUPS, TEMB, EMB = 32, 8, 64, 128
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-8
GN_EPS, DECAY = 1e-5, 0.999


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2, help="pin to this many cores (1 also sets XLA's one-thread flags)")
    p.add_argument("--repeats", type=int, default=20, help="timed steps per form and timed sampling runs per form")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps/runs after the compiling call")
    p.add_argument("--rounds", type=int, default=4, help="interleave the forms' timed repeats in this many rounds")
    p.add_argument("--forms", default="default,subpixel,subpixel4", help="convT forms for the step (see FORMS)")
    p.add_argument("--sample-forms", default="per-call,unrolled",
                   help="per-call, unrolled, scan-unrolled, scan (scan: at most 3 timed runs, it is slow)")
    p.add_argument("--sample-convt", default="default", help="convT form used for sampling (forward only)")
    p.add_argument("--layers", action="store_true", help="also time each convT layer (fwd, fwd+bwd) in every form")
    p.add_argument("--no-check", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    return p.parse_args()


def configure_threads(n):
    """Before JAX (and numpy) load: pin to the first n visible cores; for n = 1 also XLA's flags."""
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(var, None)
    cores = sorted(os.sched_getaffinity(0))
    if n is not None and 1 <= n < len(cores):
        os.sched_setaffinity(0, cores[:n])
    if n == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()


if __name__ == "__main__":
    ARGS = parse_args()
    configure_threads(ARGS.threads)

import jax  # noqa: E402  (after the thread set-up above)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

DN = ("NCHW", "OIHW", "NCHW")


# ---------------------------------------------------------------------------
# Schedule tables (float64, then float32), indexed by t = 0…T (t = 0: ᾱ = 1).

def schedule_tables():
    # GenLab's NoiseSchedule.linear: β_i = i·(β_T − β_1)/(T − 1) + β_1, the last set to β_T exactly.
    betas = np.array([1e-4 + i * ((0.02 - 1e-4) / (T - 1)) for i in range(T)], dtype=np.float64)
    betas[-1] = 0.02
    alpha_bar = np.concatenate([[1.0], np.cumprod(1.0 - betas)])
    half = TEMB // 2
    freqs = np.array([10000.0 ** (-i / half) for i in range(half)])
    ang = np.arange(T + 1, dtype=np.float64)[:, None] * freqs[None, :]
    emb = np.concatenate([np.sin(ang), np.cos(ang)], axis=1)
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    return {"sqrt_ab": f32(np.sqrt(alpha_bar)), "sqrt_1mab": f32(np.sqrt(1 - alpha_bar)),
            "inv_sqrt_ab": f32(1 / np.sqrt(alpha_bar)), "temb": f32(emb), "alpha_bar": alpha_bar}


TABLES = schedule_tables()
DDIM_TS = [T - i * T // DDIM_CALLS for i in range(DDIM_CALLS)]       # 1000, 950, …, 50
DDIM_PREV = DDIM_TS[1:] + [0]


# ---------------------------------------------------------------------------
# Transposed convolution k4 s2 p1, PyTorch ConvTranspose2d semantics:
#   x: N×Cin×H×W, w: Cin×Cout×4×4, y: N×Cout×2H×2W,
#   y[n,o,2i−1+p,2j−1+q] += x[n,c,i,j] · w[c,o,p,q]   (taps falling outside are dropped).

def convT_numpy(x, w, stride=2, pad=1):
    """Reference: the scatter definition, in float64."""
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    full = np.zeros((n, cout, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("nc,copq->nopq", x[:, :, i, j], w)
    return full[:, :, pad:full.shape[2] - pad, pad:full.shape[3] - pad]


def convT_default(x, w):
    return jax.lax.conv_transpose(x, jnp.flip(w, (2, 3)), (2, 2), ((2, 2), (2, 2)),
                                  dimension_numbers=("NCHW", "IOHW", "NCHW"), transpose_kernel=False)


def convT_dilated(x, w):
    """Stride-1 conv over the input dilated by 2 (zeros between pixels), padded by k−1−p = 2,
    with the kernel flipped and its in/out axes swapped (OIHW)."""
    k = jnp.flip(w, (2, 3)).transpose(1, 0, 2, 3)
    return jax.lax.conv_general_dilated(x, k, (1, 1), ((2, 2), (2, 2)), lhs_dilation=(2, 2), dimension_numbers=DN)


def pixel_shuffle(y, cout):
    """N×(Cout·2·2)×H×W, channel o·4 + a·2 + b → N×Cout×2H×2W, out[n,o,2i+a,2j+b]."""
    n, _, h, w = y.shape
    return y.reshape(n, cout, 2, 2, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, cout, 2 * h, 2 * w)


# Output row 2m+a takes input rows m−1+r (r = 0, 1, 2 over x padded by 1) with kernel row 3+a−2r
# when that is in 0…3.
_TAP = np.array([[3 + a - 2 * r if 0 <= 3 + a - 2 * r <= 3 else -1 for r in range(3)] for a in range(2)])


def convT_subpixel(x, w):
    cin, cout = w.shape[:2]
    wz = jnp.concatenate([w, jnp.zeros((cin, cout, 1, 4), w.dtype)], axis=2)    # index −1 → zero row
    wz = jnp.concatenate([wz, jnp.zeros((cin, cout, 5, 1), w.dtype)], axis=3)
    k = wz[:, :, _TAP[:, None, :, None], _TAP[None, :, None, :]]                 # Cin×Cout×a×b×3×3
    k = k.transpose(1, 2, 3, 0, 4, 5).reshape(cout * 4, cin, 3, 3)
    y = jax.lax.conv_general_dilated(x, k, (1, 1), ((1, 1), (1, 1)), dimension_numbers=DN)
    return pixel_shuffle(y, cout)


def convT_subpixel4(x, w):
    cout = w.shape[1]
    outs = []
    for a in range(2):
        for b in range(2):
            ra = [3 - a - 2 * r for r in range(2)]
            cb = [3 - b - 2 * s for s in range(2)]
            k = w[:, :, ra][:, :, :, cb].transpose(1, 0, 2, 3)                     # Cout×Cin×2×2
            outs.append(jax.lax.conv_general_dilated(x, k, (1, 1), ((1 - a, a), (1 - b, b)), dimension_numbers=DN))
    y = jnp.stack(outs, axis=2)
    n, _, _, h, wd = y.shape
    return pixel_shuffle(y.reshape(n, cout * 4, h, wd), cout)


CONVT = {"default": convT_default, "dilated": convT_dilated, "subpixel": convT_subpixel, "subpixel4": convT_subpixel4}
# (upsample2 2C→2C 7→14, upsample1 2C→C 14→28). 'best' = the fastest per layer with --layers here.
FORMS = {name: (name, name) for name in CONVT}
FORMS["best"] = ("subpixel4", "subpixel4")


def form_layers(form):
    return FORMS[form] if form in FORMS else tuple(form.split("/"))


# ---------------------------------------------------------------------------
# Network.

def uniform(key, shape, fan_in):
    b = 1.0 / np.sqrt(fan_in)
    return jax.random.uniform(key, shape, jnp.float32, -b, b)


def init_params(key):
    keys = iter(jax.random.split(key, 64))

    def linear(i, o):
        return {"w": uniform(next(keys), (o, i), i), "b": uniform(next(keys), (o,), i)}

    def conv(i, o, k):
        return {"w": uniform(next(keys), (o, i, k, k), i * k * k), "b": uniform(next(keys), (o,), i * k * k)}

    def convT(i, o, k):
        return {"w": uniform(next(keys), (i, o, k, k), o * k * k), "b": uniform(next(keys), (o,), o * k * k)}

    def gn(c):
        return {"g": jnp.ones((c,), jnp.float32), "b": jnp.zeros((c,), jnp.float32)}

    def block(i, o):
        return {"conv1": conv(i, o, 3), "time": linear(EMB, o), "gn1": gn(o), "conv2": conv(o, o, 3), "gn2": gn(o)}

    return {
        "time1": linear(TEMB, EMB), "time2": linear(EMB, EMB),
        "input": conv(1, C, 3), "down1": block(C, C), "downsample1": conv(C, 2 * C, 4),
        "down2": block(2 * C, 2 * C), "downsample2": conv(2 * C, 2 * C, 4), "middle": block(2 * C, 2 * C),
        "upsample2": convT(2 * C, 2 * C, 4), "up2": block(4 * C, 2 * C),
        "upsample1": convT(2 * C, C, 4), "up1": block(2 * C, C),
        "output": {"w": jnp.zeros((1, C, 3, 3), jnp.float32), "b": jnp.zeros((1,), jnp.float32)},
    }


def linear(p, x):
    return x @ p["w"].T + p["b"]


def conv(p, x, stride=1, pad=1):
    y = jax.lax.conv_general_dilated(x, p["w"], (stride, stride), ((pad, pad), (pad, pad)), dimension_numbers=DN)
    return y + p["b"][None, :, None, None]


def group_norm(p, x):
    n, c, h, w = x.shape
    xg = x.reshape(n, GROUPS, (c // GROUPS) * h * w)
    mu = xg.mean(axis=2, keepdims=True)
    var = jnp.square(xg - mu).mean(axis=2, keepdims=True)
    xh = ((xg - mu) * jax.lax.rsqrt(var + GN_EPS)).reshape(n, c, h, w)
    return xh * p["g"][None, :, None, None] + p["b"][None, :, None, None]


silu = jax.nn.silu   # x·σ(x)


def block(p, x, e):
    h = conv(p["conv1"], x) + linear(p["time"], e)[:, :, None, None]
    h = silu(group_norm(p["gn1"], h))
    return silu(group_norm(p["gn2"], conv(p["conv2"], h)))


def unet(p, x, temb, form):
    ct2, ct1 = (CONVT[f] for f in form_layers(form))
    e = silu(linear(p["time2"], silu(linear(p["time1"], temb))))
    skip1 = block(p["down1"], conv(p["input"], x), e)
    skip2 = block(p["down2"], conv(p["downsample1"], skip1, 2, 1), e)
    m = block(p["middle"], conv(p["downsample2"], skip2, 2, 1), e)
    u = ct2(m, p["upsample2"]["w"]) + p["upsample2"]["b"][None, :, None, None]
    u2 = block(p["up2"], jnp.concatenate([u, skip2], axis=1), e)
    u = ct1(u2, p["upsample1"]["w"]) + p["upsample1"]["b"][None, :, None, None]
    u1 = block(p["up1"], jnp.concatenate([u, skip1], axis=1), e)
    return conv(p["output"], u1)


def count_params(tree):
    return sum(int(np.prod(a.shape)) for a in jax.tree_util.tree_leaves(tree))


# ---------------------------------------------------------------------------
# Training step and sampling.

def init_state(key):
    params = init_params(key)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    opt = {"m": zeros, "v": jax.tree_util.tree_map(jnp.zeros_like, params), "t": jnp.zeros((), jnp.int32)}
    ema = {"w": jax.tree_util.tree_map(jnp.copy, params), "n": jnp.zeros((), jnp.int32)}
    return params, opt, ema


def make_step(form):
    sqrt_ab, sqrt_1mab, temb_table = (jnp.asarray(TABLES[k]) for k in ("sqrt_ab", "sqrt_1mab", "temb"))

    def step(params, opt, ema, x0, key):
        k_t, k_eps = jax.random.split(jax.random.fold_in(key, opt["t"]))
        t = jax.random.randint(k_t, (x0.shape[0],), 1, T + 1)
        eps = jax.random.normal(k_eps, x0.shape, jnp.float32)
        xt = sqrt_ab[t][:, None, None, None] * x0 + sqrt_1mab[t][:, None, None, None] * eps
        temb = temb_table[t]
        loss, grads = jax.value_and_grad(lambda p: jnp.mean(jnp.square(unet(p, xt, temb, form) - eps)))(params)
        # Adam, GenLab's form.
        n = opt["t"] + 1
        nf = n.astype(jnp.float32)
        step_size = LR / (1 - B1 ** nf)
        inv_root_c2 = 1 / jnp.sqrt(1 - B2 ** nf)
        m = jax.tree_util.tree_map(lambda m, g: B1 * m + (1 - B1) * g, opt["m"], grads)
        v = jax.tree_util.tree_map(lambda v, g: B2 * v + (1 - B2) * g * g, opt["v"], grads)
        params = jax.tree_util.tree_map(lambda p, m, v: p - step_size * m / (jnp.sqrt(v) * inv_root_c2 + EPS),
                                        params, m, v)
        # Weight average, d = min(decay, (1 + n)/(10 + n)).
        u = ema["n"] + 1
        uf = u.astype(jnp.float32)
        d = jnp.minimum(DECAY, (1 + uf) / (10 + uf))
        avg = jax.tree_util.tree_map(lambda a, p: d * a + (1 - d) * p, ema["w"], params)
        return params, {"m": m, "v": v, "t": n}, {"w": avg, "n": u}, loss

    return jax.jit(step, donate_argnums=(0, 1, 2))


def ddim_update(params, x, t, prev, form):
    """One network call and DDIM's η = 0 update from t to prev, x̂_0 clipped to [−1, 1]."""
    temb = jnp.broadcast_to(jnp.asarray(TABLES["temb"])[t], (x.shape[0], TEMB))
    eps = unet(params, x, temb, form)
    x0 = jnp.clip((x - jnp.asarray(TABLES["sqrt_1mab"])[t] * eps) * jnp.asarray(TABLES["inv_sqrt_ab"])[t], -1.0, 1.0)
    return jnp.asarray(TABLES["sqrt_ab"])[prev] * x0 + jnp.asarray(TABLES["sqrt_1mab"])[prev] * eps


def make_sampler(kind, form):
    ts, prevs = jnp.asarray(DDIM_TS, jnp.int32), jnp.asarray(DDIM_PREV, jnp.int32)
    if kind == "per-call":
        call = jax.jit(lambda p, x, t, prev: ddim_update(p, x, t, prev, form))
        pairs = [(np.int32(t), np.int32(prev)) for t, prev in zip(DDIM_TS, DDIM_PREV)]   # one compile for all t

        def sample(params, x):
            for t, prev in pairs:
                x = call(params, x, t, prev)
            return x
        return sample
    if kind in ("scan", "scan-unrolled"):
        def run(params, x):
            def body(x, tp):
                return ddim_update(params, x, tp[0], tp[1], form), None
            return jax.lax.scan(body, x, (ts, prevs), unroll=(kind == "scan-unrolled"))[0]
        return jax.jit(run)
    if kind == "unrolled":
        def run(params, x):
            for t, prev in zip(DDIM_TS, DDIM_PREV):   # Python ints: 20 copies of the network in one program
                x = ddim_update(params, x, t, prev, form)
            return x
        return jax.jit(run)
    raise ValueError(f"unknown sampling form {kind!r}")


# ---------------------------------------------------------------------------
# Helpers shared with the other peers.

def cpu_info():
    info = {"model_name": platform.processor() or "?", "family": "?", "model": "?", "flags_avx512f": False}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k == "model name":
                    info["model_name"] = v
                elif k == "cpu family":
                    info["family"] = v
                elif k == "model":
                    info["model"] = v
                elif k == "flags":
                    info["flags_avx512f"] = "avx512f" in v.split()
                elif k == "processor" and v != "0":
                    break
    except OSError:
        pass
    info["visible_cores"] = len(os.sched_getaffinity(0))
    return info


def machine_sample():
    with open("/proc/stat") as f:
        v = [int(t) for t in f.readline().split()[1:9]]
    t = os.times()
    return time.perf_counter(), sum(v) - v[3] - v[4], t.user + t.system


def others_busy(start):
    """Cores' worth of CPU used by other processes since machine_sample() (0 = quiet)."""
    w1, b1, s1 = machine_sample()
    w0, b0, s0 = start
    return max(0.0, ((b1 - b0) / os.sysconf("SC_CLK_TCK") - (s1 - s0)) / max(w1 - w0, 1e-9))


def timed(fn, args, n, warm):
    for _ in range(warm):
        jax.block_until_ready(fn(*args))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3, float(np.median(times)) * 1e3


def check_equivalence():
    rng = np.random.default_rng(1)
    res = {}
    x = rng.standard_normal((2, 3, 5, 4))
    w = rng.standard_normal((3, 2, 4, 4))
    ref = convT_numpy(x, w)
    for name, f in CONVT.items():
        res[f"{name}_vs_numpy_2x3x5x4"] = float(np.abs(np.asarray(f(jnp.float32(x), jnp.float32(w))) - ref).max())
    shapes = {}
    for cin, cout, h in ((2 * C, 2 * C, 7), (2 * C, C, 14)):
        x = jnp.asarray(rng.standard_normal((BATCH, cin, h, h)), jnp.float32)
        w = jnp.asarray(0.05 * rng.standard_normal((cin, cout, 4, 4)), jnp.float32)
        gy = jnp.asarray(rng.standard_normal((BATCH, cout, 2 * h, 2 * h)), jnp.float32)
        outs = {}
        for name, f in CONVT.items():
            y, vjp = jax.vjp(jax.jit(f), x, w)
            outs[name] = (y, *vjp(gy))
            shapes[f"{cin}to{cout} {name}"] = f"{h}→{y.shape[2]}×{y.shape[3]}"
        base = outs["default"]
        for name, o in outs.items():
            if name != "default":
                for part, a, b in zip(("y", "dx", "dw"), o, base):
                    res[f"{name}_vs_default_{cin}to{cout}_{part}_rel"] = float(jnp.abs(a - b).max()) / float(jnp.abs(b).max())
    return res, shapes


# ---------------------------------------------------------------------------

def main(args):
    cpu = cpu_info()
    now = datetime.datetime.now(datetime.timezone.utc)
    print(f"CPU: {cpu['model_name']} (family {cpu['family']}, model {cpu['model']}, avx512f {cpu['flags_avx512f']}), "
          f"{cpu['visible_cores']} visible cores (--threads {args.threads}); jax {jax.__version__}, numpy {np.__version__}; "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}; {now:%Y-%m-%d %H:%M} UTC; loadavg {os.getloadavg()[0]:.2f}",
          flush=True)
    out = {"script": "bench/peers/unet_jax.py", "cpu": cpu, "jax": jax.__version__, "numpy": np.__version__,
           "threads": args.threads, "xla_flags": os.environ.get("XLA_FLAGS", ""), "date": now.isoformat(timespec="minutes"),
           "loadavg_start": os.getloadavg()[0], "forms": {k: FORMS.get(k) for k in args.forms.split(",")}}

    key = jax.random.PRNGKey(args.seed)
    params = init_params(key)
    n_params = count_params(params)
    out["parameters"] = n_params
    print(f"parameters: {n_params:,} (GenLab's U-Net at C = 32: 560,961 — {'match' if n_params == 560961 else 'MISMATCH'})")

    if not args.no_check:
        eq, shapes = check_equivalence()
        out["equivalence"], out["convT_shapes"] = eq, shapes
        print("convT output sizes: " + ", ".join(f"{k} {v}" for k, v in shapes.items()))
        for k, v in eq.items():
            print(f"check {k:40s} {v:.2e}")
        worst = max(v for k, v in eq.items() if "numpy" in k)
        print(f"check: max |form − numpy scatter| = {worst:.2e} ({'ok' if worst <= 1e-5 else 'FAIL'})", flush=True)

    x0 = jnp.asarray(np.random.default_rng(args.seed).uniform(-1, 1, (BATCH, 1, 28, 28)).astype(np.float32))
    forms = [f for f in args.forms.split(",") if f]

    if args.layers:
        out["layers"] = {}
        rng = np.random.default_rng(0)
        n = max(args.repeats, 20)
        print(f"{'ConvT layer':22} {'form':10} {'fwd min':>8} {'fwd med':>8} {'f+b min':>8} {'f+b med':>8} (ms; f+b = grads of x and w)")
        for cin, cout, h in ((2 * C, 2 * C, 7), (2 * C, C, 14)):
            x = jnp.asarray(rng.uniform(-1, 1, (BATCH, cin, h, h)), jnp.float32)
            w = jnp.asarray(rng.uniform(-0.05, 0.05, (cin, cout, 4, 4)), jnp.float32)
            gy = jnp.asarray(rng.uniform(-1, 1, (BATCH, cout, 2 * h, 2 * h)), jnp.float32)
            for name, f in CONVT.items():
                fwd = jax.jit(f)
                both = jax.jit(lambda x, w, gy, f=f: jax.grad(lambda x, w: jnp.sum(f(x, w) * gy), (0, 1))(x, w))
                fm, bm = timed(fwd, (x, w), n, 3), timed(both, (x, w, gy), n, 3)
                label = f"convT {cin}→{cout} {h}→{2 * h}"
                out["layers"][f"{label} {name}"] = {"fwd": fm, "fwd_bwd": bm}
                print(f"{label:22} {name:10} {fm[0]:8.2f} {fm[1]:8.2f} {bm[0]:8.2f} {bm[1]:8.2f}", flush=True)

    # Training step: compile (first call, not timed), warm up, then interleaved timed rounds.
    runs = {}
    per_round = max(1, args.repeats // args.rounds)
    print(f"step: batch {BATCH}, C = {C}; compile call + {args.warmup} warm-up steps, then {args.rounds} rounds of "
          f"{per_round} timed steps per form, forms interleaved", flush=True)
    for form in forms:
        step = make_step(form)
        params, opt, ema = init_state(key)
        t0 = time.perf_counter()
        params, opt, ema, loss = step(params, opt, ema, x0, key)
        jax.block_until_ready(loss)
        compile_s = time.perf_counter() - t0
        first = float(loss)
        for _ in range(args.warmup):
            params, opt, ema, loss = step(params, opt, ema, x0, key)
        jax.block_until_ready((params, opt, ema, loss))
        runs[form] = {"step": step, "state": (params, opt, ema), "times": [], "others": [], "compile_s": compile_s,
                      "first_loss": first}
    for _ in range(args.rounds):
        for form in forms:
            run = runs[form]
            step, (params, opt, ema) = run["step"], run["state"]
            sample = machine_sample()
            for _ in range(per_round):
                t0 = time.perf_counter()
                params, opt, ema, loss = step(params, opt, ema, x0, key)
                jax.block_until_ready((params, opt, ema, loss))
                run["times"].append(time.perf_counter() - t0)
            run["others"].append(others_busy(sample))
            run["state"], run["last_loss"] = (params, opt, ema), float(loss)
    out["steps"] = {}
    for form in forms:
        run = runs[form]
        mn, md = min(run["times"]) * 1e3, float(np.median(run["times"])) * 1e3
        out["steps"][form] = {"min_ms": mn, "median_ms": md, "compile_s": run["compile_s"], "steps": len(run["times"]),
                              "first_loss": run["first_loss"], "last_loss": run["last_loss"],
                              "layers": form_layers(form), "others_busy_cores_per_round": run["others"]}
        print(f"unet_step [{form:9s}] (convT {'/'.join(form_layers(form))}): min {mn:8.2f} ms, median {md:8.2f} ms over "
              f"{len(run['times'])} steps; compile {run['compile_s']:.2f} s; loss {run['first_loss']:.4f} (step 1) → "
              f"{run['last_loss']:.4f} (step {int(run['state'][1]['t'])})\n   other processes' CPU use per round "
              f"(cores): {', '.join(f'{b:.2f}' for b in run['others'])}", flush=True)

    # Sampling: DDIM, 20 calls, 16 images, averaged weights of the first form's trained state.
    ema_w = runs[forms[0]]["state"][2]["w"] if forms else init_params(key)
    xT = jnp.asarray(np.random.default_rng(args.seed + 1).standard_normal((SAMPLES, 1, 28, 28)).astype(np.float32))
    out["sampling"] = {}
    results = {}
    for kind in [k for k in args.sample_forms.split(",") if k]:
        sampler = make_sampler(kind, args.sample_convt)
        t0 = time.perf_counter()
        results[kind] = np.asarray(jax.block_until_ready(sampler(ema_w, xT)))
        compile_s = time.perf_counter() - t0
        sample = machine_sample()
        reps = min(args.repeats, 3) if kind == "scan" else args.repeats
        mn, md = timed(sampler, (ema_w, xT), reps, 0 if kind == "scan" else args.warmup)
        busy = others_busy(sample)
        out["sampling"][kind] = {"min_ms": mn, "median_ms": md, "compile_s": compile_s, "runs": reps,
                                 "convT": args.sample_convt, "others_busy_cores": busy}
        print(f"ddim_sample [{kind:8s}] ({DDIM_CALLS} calls, {SAMPLES} images, convT {args.sample_convt}): min {mn:8.2f} ms, "
              f"median {md:8.2f} ms over {reps} runs; compile {compile_s:.2f} s; others {busy:.2f} cores", flush=True)
    if len(results) > 1:
        a = list(results.values())[0]
        diff = max(float(np.abs(a - b).max()) for b in results.values())
        print(f"sampling forms agree: max |diff| {diff:.2e}; x_0 range [{a.min():.3f}, {a.max():.3f}]")
    out["loadavg_end"] = os.getloadavg()[0]
    print(f"loadavg at end {out['loadavg_end']:.2f}")
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main(ARGS)
