#!/usr/bin/env python3
"""JAX-on-CPU peer of GenLab's lesson 07 DCGAN training step: the same networks,
initialisation, losses, optimiser and batch, timed per step for a speed comparison.
A tool, not a test dependency:

    pip install "jax[cpu]" numpy
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/peers/dcgan_jax.py [--forms default,subpixel,best] [--steps 120] [--rounds 6] [--parts] [--layers] [--json]

One thread:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
      XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
      taskset -c 0 python3 bench/peers/dcgan_jax.py

Networks (PyTorch layouts, NCHW, weights OIHW; ConvTranspose2d weights Cin×Cout×4×4):
  G: z ∈ R^100 → Linear(100→6272) → reshape 128×7×7 → BatchNorm2d(128) → ReLU
     → ConvT(128→64, k4 s2 p1) → BatchNorm2d(64) → ReLU → ConvT(64→1, k4 s2 p1) → tanh (28×28)
  D: Conv(1→64, k4 s2 p1) → LeakyReLU(0.2) → Conv(64→128, k4 s2 p1) → BatchNorm2d(128)
     → LeakyReLU(0.2) → flatten → Linear(6272→1) (a logit)
Weights N(0, 0.02), biases 0 (every layer has one), BatchNorm γ=1 β=0, training-mode batch
statistics in every pass (running statistics kept as PyTorch does, momentum 0.1). Step as
PyTorch's DCGAN example: fake = G(z) once; D update on BCE(D(real),1) + BCE(D(fake.detach()),0)
(two D passes, each with its own batch statistics); G update on the non-saturating BCE(D'(fake),1)
through the updated D, backward through the saved G forward (jax.vjp). Adam(2e-4, 0.5, 0.999,
ε 1e-8, written by hand) for both; batch 64 of Fashion-MNIST scaled to [−1, 1]. One jit per step.

Forms of the two transposed convs (--forms takes these names or 'first/second' per layer,
e.g. subpixel4/gemm, from CONVT):
  default   lax.conv_transpose (= conv_general_dilated, lhs_dilation 2, flipped kernel, pad 2)
  subpixel  one stride-1 3×3 conv, padding 1, 4·Cout output channels (the 4 output phases;
            zero taps where a phase has none, 9/4 of the multiply-adds), then pixel shuffle
  subpixel4 four stride-1 2×2 convs, one per phase (exact multiply-adds), stack, pixel shuffle
  gemm      einsum to N·H·W × Cout·16 columns, then 16 strided adds (col2im), crop
  best      subpixel4 for ConvT 128→64, default for ConvT 64→1 (fastest per layer below)
Checks (run first unless --no-check): every form against a float64 numpy scatter implementation
of ConvTranspose2d on a 2×3×5×4 input, 3→2 channels: max |diff| 5.4e-7 (default), 9.2e-7
(others), ≤ 1e-5 required. The other forms against default on both layer shapes at batch 64
(y, dx, dw, max diff relative to max |default|): ≤ 1.6e-6. Step 1 losses are the same for all
forms (D 1.7745, G 0.9534); after 131 steps they differ (G loss 1.81–1.92, D 0.35–0.37; the
same form with 1 vs 2 threads differs as much): float rounding amplified by GAN training.

Measured 2026-11-25 on "AMD EPYC" (/proc/cpuinfo: family 25, model 17 = Zen 4, AVX-512,
2 cores), jax 0.10.2, numpy 2.4.6. Other people's Swift builds and lesson runs shared the
machine; every run waited for ≥ 90 % idle over 3 s, the forms' timed steps are interleaved in
6 rounds of 20, and the script prints the other processes' CPU use (cores) during each round.
Step = D real+fake update + G update, block_until_ready, 10 warm-up steps then 120 timed:

  2 threads:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/peers/dcgan_jax.py --no-check --parts --json
  1 thread:   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
              intra_op_parallelism_threads=1" taskset -c 0 python3 bench/peers/dcgan_jax.py --no-check --layers --parts --json

  train step, ms            2 threads (min / median)   1 thread (min / median)
  default                   198.7 / 209.1              393.0 / 404.5
  subpixel                   93.2 / 100.7              177.4 / 188.6
  best (subpixel4/default)   81.0 /  90.1              169.2 / 176.4
  (others' CPU use ≤ 0.04 cores in every round of both runs. An earlier 2-thread run with
   another process taking ≈ 1 core in 3–4 of the 6 rounds: min 204 / 94 / 90, medians 291 / 122 / 167.)

  parts (--parts), ms min / median      2 threads                 1 thread
  G fwd+bwd (params)  default           152.5 / 157.1             291.2 / 295.9
                      subpixel           39.6 /  40.1              75.2 /  77.1
                      best               27.4 /  29.3              50.5 /  52.3
  D fwd+bwd (params + input, one batch)  19.8–21.4 / 20.7–22.5    35.3–36.2 / 36.8–38.1
  A step holds one G fwd+bwd and three D fwd+bwd (real, fake, and the G step's pass).

  ConvT layers alone (--layers; fwd, fwd + grads of x and w), ms min / median, 1 thread, quiet:
                       default       subpixel      subpixel4     gemm
  128→64 7→14  fwd     10.4 / 11.1   20.5 / 21.4    9.3 / 9.9    29.4 / 31.5
               f+b    278.8 / 281.9  62.0 / 66.9   31.9 / 33.3  223.5 / 232.4
  64→1 14→28   fwd      1.0 / 1.1     1.3 / 1.8     2.3 / 2.6     1.7 / 1.7
               f+b      5.0 / 6.3     4.3 / 5.3    10.5 / 11.4    5.9 / 6.5
  (2 threads, partly loaded, gives about the same: 128→64 f+b 280 / 64 / 33 / 131 ms min;
   XLA's weight gradient of the transposed conv is the slow part, as on the other machines.)
  Compile: 2–4.4 s per form.
Raw outputs: /tmp/dcgan_jax_results.txt (on the measuring machine only).
"""
import argparse
import datetime
import gzip
import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
BATCH, NZ = 64, 100
LR, B1, B2, EPS = 2e-4, 0.5, 0.999, 1e-8
BN_EPS, BN_MOMENTUM = 1e-5, 0.1
DN = ("NCHW", "OIHW", "NCHW")


# ---------------------------------------------------------------------------
# Transposed convolution k4 s2 p1, PyTorch ConvTranspose2d semantics:
#   x: N×Cin×H×W, w: Cin×Cout×4×4 (PyTorch layout), y: N×Cout×2H×2W,
#   y[n,o,2i−1+p,2j−1+q] += x[n,c,i,j] · w[c,o,p,q]   (taps falling outside are dropped).

def convT_numpy(x, w, stride=2, pad=1):
    """Reference: the scatter definition, in float64."""
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    full = np.zeros((n, cout, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            contrib = np.einsum("nc,copq->nopq", x[:, :, i, j], w)
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += contrib
    return full[:, :, pad:full.shape[2] - pad, pad:full.shape[3] - pad]


def convT_default(x, w):
    """lax.conv_transpose (lowers to conv_general_dilated with lhs_dilation 2): the
    gradient of a k4 s2 p1 conv with respect to its input, i.e. a flipped kernel and
    padding k−1−p = 2 on each side of the dilated input."""
    return jax.lax.conv_transpose(x, jnp.flip(w, (2, 3)), (2, 2), ((2, 2), (2, 2)),
                                  dimension_numbers=("NCHW", "IOHW", "NCHW"), transpose_kernel=False)


def pixel_shuffle(y, cout):
    """N×(Cout·2·2)×H×W, channel index o·4 + a·2 + b  →  N×Cout×2H×2W with
    out[n,o,2i+a,2j+b] (PyTorch's PixelShuffle(2))."""
    n, _, h, w = y.shape
    y = y.reshape(n, cout, 2, 2, h, w).transpose(0, 1, 4, 2, 5, 3)
    return y.reshape(n, cout, 2 * h, 2 * w)


# Output row 2m+a collects input rows m−1+r (r = 0, 1, 2 over x padded by 1) with kernel
# row 3+a−2r, when that is in 0…3: phase a=0 uses (x[m−1]·w[3], x[m]·w[1]), phase a=1
# uses (x[m]·w[2], x[m+1]·w[0]). Same for columns.
_TAP = np.array([[3 + a - 2 * r if 0 <= 3 + a - 2 * r <= 3 else -1 for r in range(3)] for a in range(2)])


def _subpixel_kernel3(w):
    """Cin×Cout×4×4 → (Cout·4)×Cin×3×3 stride-1 kernel (zeros where a phase has no tap)."""
    cin, cout = w.shape[:2]
    wz = jnp.concatenate([w, jnp.zeros((cin, cout, 1, 4), w.dtype)], axis=2)       # row index −1 → zero row
    wz = jnp.concatenate([wz, jnp.zeros((cin, cout, 5, 1), w.dtype)], axis=3)
    rows = _TAP[:, None, :, None]          # a, b, r, s
    cols = _TAP[None, :, None, :]
    k = wz[:, :, rows, cols]               # Cin×Cout×2×2×3×3  (a, b, r, s)
    return k.transpose(1, 2, 3, 0, 4, 5).reshape(cout * 4, cin, 3, 3)


def convT_subpixel(x, w):
    """One stride-1 3×3 conv (padding 1) producing the 4 output phases as 4·Cout
    channels, then a pixel shuffle. 9/4 of the multiply-adds of the scatter form
    (the phases' zero taps), but one plain convolution forward and backward."""
    cout = w.shape[1]
    y = jax.lax.conv_general_dilated(x, _subpixel_kernel3(w), (1, 1), ((1, 1), (1, 1)),
                                     dimension_numbers=DN)
    return pixel_shuffle(y, cout)


def convT_subpixel4(x, w):
    """Four stride-1 2×2 convs, one per output phase (exact multiply-adds), stacked and
    pixel-shuffled. Phase a reads input rows (m−1, m) for a=0 and (m, m+1) for a=1."""
    cout = w.shape[1]
    outs = []
    for a in range(2):
        for b in range(2):
            ra = [3 - a - 2 * r for r in range(2)]
            cb = [3 - b - 2 * s for s in range(2)]
            k = w[:, :, ra][:, :, :, cb].transpose(1, 0, 2, 3)            # Cout×Cin×2×2
            pad = ((1 - a, a), (1 - b, b))
            outs.append(jax.lax.conv_general_dilated(x, k, (1, 1), pad, dimension_numbers=DN))
    y = jnp.stack(outs, axis=2)                                            # N×Cout×4×H×W
    n, _, _, h, wd = y.shape
    return pixel_shuffle(y.reshape(n, cout * 4, h, wd), cout)


def convT_gemm(x, w):
    """GEMM + col2im (GenLab's own formulation): cols = xᵀ·W (N·H·W × Cout·16), then the
    16 kernel taps added into the stride-2 output grid, the border cropped."""
    n, cin, h, wd = x.shape
    cout = w.shape[1]
    cols = jnp.einsum("nchw,copq->nohwpq", x, w)
    full = jnp.zeros((n, cout, 2 * h + 2, 2 * wd + 2), x.dtype)
    for p in range(4):
        for q in range(4):
            full = full.at[:, :, p:p + 2 * h:2, q:q + 2 * wd:2].add(cols[..., p, q])
    return full[:, :, 1:2 * h + 1, 1:2 * wd + 1]


CONVT = {"default": convT_default, "subpixel": convT_subpixel, "subpixel4": convT_subpixel4, "gemm": convT_gemm}
# 'best' is the fastest form per layer on this machine (set from --layers timings, see the header).
FORMS = {
    "default": ("default", "default"),
    "subpixel": ("subpixel", "subpixel"),
    "best": ("subpixel4", "default"),
}


def form_layers(form):
    """A name from FORMS, or 'first/second' naming a CONVT form for each layer."""
    return FORMS[form] if form in FORMS else tuple(form.split("/"))


# ---------------------------------------------------------------------------
# Networks (PyTorch layouts). Params and BatchNorm running statistics are pytrees.

def conv(x, w, b):
    y = jax.lax.conv_general_dilated(x, w, (2, 2), ((1, 1), (1, 1)), dimension_numbers=DN)
    return y + b[None, :, None, None]


def batchnorm(x, p, s):
    """BatchNorm2d in training mode: batch statistics (biased variance) normalise, the
    running statistics get the unbiased variance with momentum 0.1 (PyTorch)."""
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    cnt = x.shape[0] * x.shape[2] * x.shape[3]
    y = (x - mean[None, :, None, None]) * jax.lax.rsqrt(var + BN_EPS)[None, :, None, None]
    y = y * p["g"][None, :, None, None] + p["b"][None, :, None, None]
    mean_, var_ = jax.lax.stop_gradient(mean), jax.lax.stop_gradient(var)
    new_s = {"mean": (1 - BN_MOMENTUM) * s["mean"] + BN_MOMENTUM * mean_,
             "var": (1 - BN_MOMENTUM) * s["var"] + BN_MOMENTUM * var_ * cnt / (cnt - 1)}
    return y, new_s


def leaky(x):
    return jnp.where(x > 0, x, 0.2 * x)


def generator(p, s, z, form):
    c1, c2 = (CONVT[f] for f in form_layers(form))
    h = z @ p["fc"]["w"].T + p["fc"]["b"]
    h = h.reshape(z.shape[0], 128, 7, 7)
    h, s0 = batchnorm(h, p["bn0"], s["bn0"])
    h = jax.nn.relu(h)
    h = c1(h, p["ct1"]["w"]) + p["ct1"]["b"][None, :, None, None]
    h, s1 = batchnorm(h, p["bn1"], s["bn1"])
    h = jax.nn.relu(h)
    h = c2(h, p["ct2"]["w"]) + p["ct2"]["b"][None, :, None, None]
    return jnp.tanh(h), {"bn0": s0, "bn1": s1}


def discriminator(p, s, x):
    h = leaky(conv(x, p["c1"]["w"], p["c1"]["b"]))
    h = conv(h, p["c2"]["w"], p["c2"]["b"])
    h, s1 = batchnorm(h, p["bn"], s["bn"])
    h = leaky(h).reshape(x.shape[0], -1)
    return (h @ p["fc"]["w"].T + p["fc"]["b"])[:, 0], {"bn": s1}


def init(key):
    ks = jax.random.split(key, 5)
    nrm = lambda k, shape: 0.02 * jax.random.normal(k, shape, jnp.float32)
    zeros, ones = (lambda n: jnp.zeros((n,), jnp.float32)), (lambda n: jnp.ones((n,), jnp.float32))
    bn = lambda n: {"g": ones(n), "b": zeros(n)}
    bns = lambda n: {"mean": zeros(n), "var": ones(n)}
    g = {"fc": {"w": nrm(ks[0], (128 * 7 * 7, NZ)), "b": zeros(128 * 7 * 7)}, "bn0": bn(128),
         "ct1": {"w": nrm(ks[1], (128, 64, 4, 4)), "b": zeros(64)}, "bn1": bn(64),
         "ct2": {"w": nrm(ks[2], (64, 1, 4, 4)), "b": zeros(1)}}
    d = {"c1": {"w": nrm(ks[3], (64, 1, 4, 4)), "b": zeros(64)},
         "c2": {"w": nrm(ks[4], (128, 64, 4, 4)), "b": zeros(128)}, "bn": bn(128),
         "fc": {"w": nrm(jax.random.fold_in(key, 9), (1, 128 * 7 * 7)), "b": zeros(1)}}
    gs = {"bn0": bns(128), "bn1": bns(64)}
    ds = {"bn": bns(128)}
    return g, gs, d, ds


def bce_logits(logits, target):
    """Mean BCE with logits: max(l,0) − l·t + log(1 + e^{−|l|})."""
    return jnp.mean(jnp.maximum(logits, 0.0) - logits * target + jnp.log1p(jnp.exp(-jnp.abs(logits))))


def adam_init(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return {"m": zeros, "v": zeros, "t": jnp.zeros((), jnp.int32)}


def adam(params, opt, grads):
    t = opt["t"] + 1
    m = jax.tree_util.tree_map(lambda m, g: B1 * m + (1 - B1) * g, opt["m"], grads)
    v = jax.tree_util.tree_map(lambda v, g: B2 * v + (1 - B2) * g * g, opt["v"], grads)
    tf = t.astype(jnp.float32)
    c1, c2 = 1 - B1 ** tf, 1 - B2 ** tf
    params = jax.tree_util.tree_map(lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + EPS), params, m, v)
    return params, {"m": m, "v": v, "t": t}


def make_step(form):
    def step(state, data, idx, key):
        """PyTorch's DCGAN example: fake = G(z) once; D step on real (target 1) and
        fake.detach() (target 0), each pass with its own batch statistics; then the
        G step, non-saturating loss BCE(D'(fake), 1) through the updated D, backward
        through the saved G forward (jax.vjp)."""
        g, gs, gopt, d, ds, dopt = state
        real = data[idx]
        z = jax.random.normal(jax.random.fold_in(key, dopt["t"]), (real.shape[0], NZ), jnp.float32)
        fake, g_vjp, gs = jax.vjp(lambda gp: generator(gp, gs, z, form), g, has_aux=True)

        def d_loss(dp, ds):
            out_r, ds = discriminator(dp, ds, real)
            out_f, ds = discriminator(dp, ds, jax.lax.stop_gradient(fake))
            return bce_logits(out_r, 1.0) + bce_logits(out_f, 0.0), ds
        (ld, ds), dgrad = jax.value_and_grad(d_loss, has_aux=True)(d, ds)
        d, dopt = adam(d, dopt, dgrad)

        def g_loss(x, ds):
            out, ds = discriminator(d, ds, x)
            return bce_logits(out, 1.0), ds
        (lg, ds), dfake = jax.value_and_grad(g_loss, has_aux=True)(fake, ds)
        (ggrad,) = g_vjp(dfake)
        g, gopt = adam(g, gopt, ggrad)
        return (g, gs, gopt, d, ds, dopt), ld, lg
    return jax.jit(step)


# ---------------------------------------------------------------------------

def load_real(n):
    """First n Fashion-MNIST training images scaled to [−1, 1] (random if absent)."""
    try:
        with gzip.open(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"), "rb") as f:
            raw = f.read()
        x = np.frombuffer(raw, dtype=np.uint8, offset=16)[:n * 784].astype(np.float32)
        return x.reshape(n, 1, 28, 28) / 127.5 - 1.0, "fashion-mnist"
    except OSError:
        return np.random.default_rng(0).uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32), "random"


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


def timed(fn, args, n, warm):
    for _ in range(warm):
        jax.block_until_ready(fn(*args))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3, float(np.median(times)) * 1e3


def machine_sample():
    """(wall time, machine busy jiffies, this process's CPU seconds) for others_busy."""
    with open("/proc/stat") as f:
        v = [int(t) for t in f.readline().split()[1:9]]
    t = os.times()
    return time.perf_counter(), sum(v) - v[3] - v[4], t.user + t.system


def others_busy(start):
    """Cores' worth of CPU used by other processes since machine_sample() (0 = quiet)."""
    w1, b1, s1 = machine_sample()
    w0, b0, s0 = start
    hz = os.sysconf("SC_CLK_TCK")
    return max(0.0, ((b1 - b0) / hz - (s1 - s0)) / max(w1 - w0, 1e-9))


def check_equivalence():
    """Forms against the numpy scatter reference (small case) and against each other
    (the two layer shapes, values and gradients). Returns the max abs differences."""
    rng = np.random.default_rng(1)
    res = {}
    x = rng.standard_normal((2, 3, 5, 4))
    w = rng.standard_normal((3, 2, 4, 4))
    ref = convT_numpy(x, w)
    for name, f in CONVT.items():
        res[f"{name}_vs_numpy_2x3x5x4"] = float(np.abs(np.asarray(f(jnp.float32(x), jnp.float32(w))) - ref).max())
    for cin, cout, h in ((128, 64, 7), (64, 1, 14)):
        x = jnp.asarray(rng.standard_normal((BATCH, cin, h, h)), jnp.float32)
        w = jnp.asarray(0.02 * rng.standard_normal((cin, cout, 4, 4)), jnp.float32)
        gy = jnp.asarray(rng.standard_normal((BATCH, cout, 2 * h, 2 * h)), jnp.float32)
        outs = {}
        for name, f in CONVT.items():
            y, vjp = jax.vjp(jax.jit(f), x, w)
            outs[name] = (y, *vjp(gy))
        base = outs["default"]
        for name, o in outs.items():
            if name == "default":
                continue
            for part, a, b in zip(("y", "dx", "dw"), o, base):
                scale = float(jnp.abs(b).max())
                res[f"{name}_vs_default_{cin}to{cout}_{part}_rel"] = float(jnp.abs(a - b).max()) / scale
    return res


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", default="default,subpixel,best")
    parser.add_argument("--steps", type=int, default=120, help="timed steps per form")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6, help="interleave the forms' timed steps in this many rounds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parts", action="store_true", help="also time G fwd+bwd and D fwd+bwd alone")
    parser.add_argument("--layers", action="store_true", help="also time each ConvT layer fwd+bwd in every form")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    cpu = cpu_info()
    print(f"CPU: {cpu['model_name']} (family {cpu['family']}, model {cpu['model']}, avx512f {cpu['flags_avx512f']}), "
          f"{cpu['visible_cores']} visible cores; jax {jax.__version__}, numpy {np.__version__}; "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"loadavg {os.getloadavg()[0]:.2f}", flush=True)
    out = {"script": "bench/peers/dcgan_jax.py", "cpu": cpu, "jax": jax.__version__, "numpy": np.__version__,
           "xla_flags": os.environ.get("XLA_FLAGS", ""), "batch": BATCH, "forms": FORMS,
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
           "loadavg_start": os.getloadavg()[0]}

    if not args.no_check:
        eq = check_equivalence()
        out["equivalence"] = eq
        for k, v in eq.items():
            print(f"check {k:40s} {v:.2e}")
        worst = max(v for k, v in eq.items() if "numpy" in k)
        print(f"check: max |form − numpy scatter| = {worst:.2e} ({'ok' if worst <= 1e-5 else 'FAIL'})", flush=True)

    data_np, source = load_real(1024)
    data = jnp.asarray(data_np)
    idx = jnp.arange(BATCH, dtype=jnp.int32)
    key = jax.random.PRNGKey(args.seed)
    forms = [f for f in args.forms.split(",") if f]

    if args.layers:
        out["layers"] = {}
        rng = np.random.default_rng(0)
        print(f"{'ConvT layer fwd+bwd':24} {'form':10} {'fwd min':>8} {'fwd med':>8} {'f+b min':>8} {'f+b med':>8} (ms)")
        for cin, cout, h in ((128, 64, 7), (64, 1, 14)):
            x = jnp.asarray(rng.uniform(-1, 1, (BATCH, cin, h, h)), jnp.float32)
            w = jnp.asarray(rng.uniform(-1, 1, (cin, cout, 4, 4)), jnp.float32)
            gy = jnp.asarray(rng.uniform(-1, 1, (BATCH, cout, 2 * h, 2 * h)), jnp.float32)
            for name, f in CONVT.items():
                fwd = jax.jit(f)
                both = jax.jit(lambda x, w, gy, f=f: jax.value_and_grad(lambda x, w: jnp.sum(f(x, w) * gy), (0, 1))(x, w))
                fm = timed(fwd, (x, w), max(args.steps, 50), 5)
                bm = timed(both, (x, w, gy), max(args.steps, 50), 5)
                label = f"convT {cin}→{cout} {h}→{2 * h}"
                out["layers"][f"{label} {name}"] = {"fwd": fm, "fwd_bwd": bm}
                print(f"{label:24} {name:10} {fm[0]:8.2f} {fm[1]:8.2f} {bm[0]:8.2f} {bm[1]:8.2f}", flush=True)

    out["steps"] = {}
    print(f"data: {source}; batch {BATCH}; {args.warmup} warm-up steps, then {args.rounds} rounds of "
          f"{args.steps // args.rounds} timed steps per form, the forms interleaved")
    runs = {}
    for form in forms:
        g, gs, d, ds = init(jax.random.PRNGKey(args.seed))
        state = (g, gs, adam_init(g), d, ds, adam_init(d))
        step = make_step(form)
        t0 = time.perf_counter()
        state, ld, lg = step(state, data, idx, key)
        jax.block_until_ready(state)
        compile_s = time.perf_counter() - t0
        first = (float(ld), float(lg))
        for _ in range(args.warmup):
            state, ld, lg = step(state, data, idx, key)
        jax.block_until_ready(state)
        runs[form] = {"step": step, "state": state, "times": [], "others": [], "compile_s": compile_s, "first": first}
    nb = data.shape[0] // BATCH
    for r in range(args.rounds):
        for form in forms:
            run = runs[form]
            step, state = run["step"], run["state"]
            sample = machine_sample()
            for i in range(args.steps // args.rounds):
                ix = (idx + BATCH * (i % nb)) % data.shape[0]
                t0 = time.perf_counter()
                state, ld, lg = step(state, data, ix, key)
                jax.block_until_ready((state, ld, lg))
                run["times"].append(time.perf_counter() - t0)
            run["others"].append(others_busy(sample))
            run["state"], run["last"] = state, (float(ld), float(lg))
    for form in forms:
        run = runs[form]
        times = run["times"]
        mn, md = min(times) * 1e3, float(np.median(times)) * 1e3
        first, ld, lg = run["first"], *run["last"]
        row = {"min_ms": mn, "median_ms": md, "compile_s": run["compile_s"], "first_losses": first,
               "last_losses": run["last"], "steps": len(times), "layers": form_layers(form),
               "others_busy_cores_per_round": run["others"]}
        if args.parts:
            g, gs, d, ds = init(jax.random.PRNGKey(args.seed))
            z = jax.random.normal(key, (BATCH, NZ), jnp.float32)
            real = data[idx]
            gy = jnp.asarray(np.random.default_rng(2).standard_normal((BATCH, 1, 28, 28)), jnp.float32)
            g_fb = jax.jit(lambda g, gs, z, gy, form=form: jax.value_and_grad(
                lambda g: jnp.sum(generator(g, gs, z, form)[0] * gy))(g))
            d_fb = jax.jit(lambda d, ds, x: jax.value_and_grad(
                lambda d, x: bce_logits(discriminator(d, ds, x)[0], 1.0), (0, 1))(d, x))
            sample = machine_sample()
            row["G_fwd_bwd"] = timed(g_fb, (g, gs, z, gy), max(args.steps, 50), 5)
            row["D_fwd_bwd"] = timed(d_fb, (d, ds, real), max(args.steps, 50), 5)
            row["others_busy_cores_parts"] = others_busy(sample)
        out["steps"][form] = row
        busy = ", ".join(f"{b:.2f}" for b in run["others"])
        msg = (f"step [{form:8s}] (ConvT forms {'/'.join(form_layers(form))}): min {mn:7.2f} ms, median {md:7.2f} ms "
               f"over {len(times)} steps; compile {run['compile_s']:.2f} s; losses D {first[0]:.4f} G {first[1]:.4f} "
               f"(step 1) → D {ld:.4f} G {lg:.4f}\n   other processes' CPU use per round (cores): {busy}")
        if args.parts:
            msg += (f"\n   G fwd+bwd (params): min {row['G_fwd_bwd'][0]:.2f} median {row['G_fwd_bwd'][1]:.2f} ms; "
                    f"D fwd+bwd (params+input, one batch): min {row['D_fwd_bwd'][0]:.2f} median {row['D_fwd_bwd'][1]:.2f} ms"
                    f" (others {row['others_busy_cores_parts']:.2f} cores)")
        print(msg, flush=True)
    out["loadavg_end"] = os.getloadavg()[0]
    print(f"loadavg at end {out['loadavg_end']:.2f}")
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
