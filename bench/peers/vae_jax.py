#!/usr/bin/env python3
"""JAX-on-CPU peer of GenLab's lesson 05 VAE: the same model, loss, initialisation,
optimiser and batching, for a quality (test negative ELBO) and a speed (train step,
seconds per epoch) comparison. A tool, not a test dependency:

    pip install "jax[cpu]" numpy
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/peers/vae_jax.py [--binarize] [--epochs 10] [--seed 0] [--json]

One thread:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
      XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
      taskset -c 0 python3 bench/peers/vae_jax.py --epochs 0   # timing only

Model: MLP VAE 784-400-20-400-784. Encoder h = ReLU(x·W1ᵀ+b1), μ = h·Wμᵀ+bμ,
logσ² = h·Wvᵀ+bv; z = μ + exp(½logσ²)·ε; decoder h2 = ReLU(z·W3ᵀ+b3), logits = h2·W4ᵀ+b4.
Weights out×in, weight and bias ~ U(−1/√fan_in, 1/√fan_in) (PyTorch Linear default).
Loss per image: Σ_pixels BCE-with-logits + KL, KL = −½ Σ_j (1 + logσ² − μ² − σ²);
the mean over the batch is minimised. Targets are the gray values x = pixel/255
(or, with --binarize, x > 0.5), used both as input and as Bernoulli target.
Adam lr 1e-3, β 0.9/0.999, ε 1e-8 (PyTorch/optax form, written by hand), batch 128,
reshuffled every epoch, the last partial batch of 96 included (469 steps per epoch).
Evaluation: negative ELBO in nats per image on the 10,000 test images, one ε per image.

Measured 2026-11-25 on "AMD EPYC" (/proc/cpuinfo: family 25, model 17 = Zen 4, AVX-512,
2 cores, 2.6 GHz), jax 0.10.2, numpy 2.4.6, seed 0. Other people's Swift builds shared
the machine, so the speed figures below are the best quiet-window runs (the CPUs ≥ 90 %
idle over 3 s before starting); the quality figures do not depend on that.

  2 threads:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/peers/vae_jax.py --epochs 10 [--binarize] --json
  1 thread:   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
              intra_op_parallelism_threads=1" taskset -c 0 python3 bench/peers/vae_jax.py --epochs 10 --json

Quality after 10 epochs (test −ELBO on 10,000 images, nats/image, one ε per image):
  gray [0,1] targets:  244.37 = recon 229.03 + KL 15.34;  train (epoch 10 mean) 242.56
                       (1-thread run: 244.37 = 229.10 + 15.27; train 242.56 — same to 0.01)
  --binarize:          128.48 = recon 102.24 + KL 26.25;  train (epoch 10 mean) 125.67
  per-epoch train −ELBO, gray:     284.74 256.43 250.69 247.77 246.06 244.99 244.11 243.49 243.00 242.56
  per-epoch test  −ELBO, gray:     263.00 254.57 250.61 248.36 247.38 246.38 245.53 245.11 244.74 244.37
  per-epoch train −ELBO, binarize: 196.58 149.87 139.59 134.84 131.91 129.96 128.56 127.42 126.42 125.67
  per-epoch test  −ELBO, binarize: 160.23 145.00 138.31 135.31 132.80 131.65 130.29 129.88 128.77 128.48

Speed (train step = gather + forward + backward + Adam, batch 128, jit, timed one step at
a time with block_until_ready after 20 warm-up steps, 200–400 steps; ≈ 0.42 GFLOP per step
in the matmuls):
  2 threads: step min 3.0–3.2 ms, median 3.8 ms; 1.8–1.9 s per epoch of 469 steps
             (Python dispatch adds ≈ 0.4 s per epoch over 469 × min step)
  1 thread:  step min 5.6–5.8 ms, median 6.0–6.1 ms; 2.8 s per epoch
  jit compile of the two batch shapes (128, 96) + eval: 2–3.5 s (gray), ≈ 5.7 s (binarize)
Raw outputs: /tmp/vae_jax_results.txt (on the measuring machine only).
"""
import argparse
import gzip
import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
SIZES = [("enc1", 784, 400), ("mu", 400, 20), ("logvar", 400, 20), ("dec1", 20, 400), ("dec2", 400, 784)]
BATCH = 128
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-8


def load_images(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)


def prepare(pixels, binarize):
    x = pixels.astype(np.float32) / 255.0
    return (x > 0.5).astype(np.float32) if binarize else x


def init_params(key):
    params = {}
    for name, fan_in, fan_out in SIZES:
        key, kw, kb = jax.random.split(key, 3)
        bound = 1.0 / np.sqrt(fan_in)
        params[name] = {
            "w": jax.random.uniform(kw, (fan_out, fan_in), jnp.float32, -bound, bound),
            "b": jax.random.uniform(kb, (fan_out,), jnp.float32, -bound, bound),
        }
    return params


def linear(p, x):
    return x @ p["w"].T + p["b"]


def loss_terms(params, x, eps):
    """Per-image reconstruction (BCE summed over pixels) and KL, each of shape [B]."""
    h = jax.nn.relu(linear(params["enc1"], x))
    mu = linear(params["mu"], h)
    logvar = linear(params["logvar"], h)
    z = mu + jnp.exp(0.5 * logvar) * eps
    h2 = jax.nn.relu(linear(params["dec1"], z))
    logits = linear(params["dec2"], h2)
    # BCE with logits, stable: max(l,0) − l·x + log(1 + e^{−|l|})
    bce = jnp.maximum(logits, 0.0) - logits * x + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    recon = bce.sum(axis=1)
    kl = -0.5 * (1.0 + logvar - mu * mu - jnp.exp(logvar)).sum(axis=1)
    return recon, kl


def mean_loss(params, x, eps):
    recon, kl = loss_terms(params, x, eps)
    return (recon + kl).mean()


def adam_init(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return {"m": zeros, "v": zeros, "t": jnp.zeros((), jnp.int32)}


@jax.jit
def train_step(params, opt, data, idx, key):
    """One step on the batch data[idx] (any batch size): gather, ε ~ N(0,1) from
    fold_in(key, step), forward + backward + Adam update. Gathering and drawing ε in
    the jitted function keeps the Python loop to one dispatch per step."""
    x = data[idx]
    t = opt["t"] + 1
    eps = jax.random.normal(jax.random.fold_in(key, t), (x.shape[0], 20), jnp.float32)
    loss, grads = jax.value_and_grad(mean_loss)(params, x, eps)
    m = jax.tree_util.tree_map(lambda m, g: B1 * m + (1 - B1) * g, opt["m"], grads)
    v = jax.tree_util.tree_map(lambda v, g: B2 * v + (1 - B2) * g * g, opt["v"], grads)
    tf = t.astype(jnp.float32)
    c1, c2 = 1 - B1 ** tf, 1 - B2 ** tf
    params = jax.tree_util.tree_map(
        lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + EPS), params, m, v)
    return params, {"m": m, "v": v, "t": t}, loss


@jax.jit
def evaluate(params, x, key):
    eps = jax.random.normal(key, (x.shape[0], 20), jnp.float32)
    recon, kl = loss_terms(params, x, eps)
    return recon.mean(), kl.mean()


def cpu_info():
    info = {"model_name": platform.processor() or "?", "family": "?", "model": "?"}
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
                elif k == "processor" and v != "0":
                    break
    except OSError:
        pass
    info["visible_cores"] = len(os.sched_getaffinity(0))
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--binarize", action="store_true", help="threshold at 0.5, as input and target")
    parser.add_argument("--timing-steps", type=int, default=200)
    parser.add_argument("--no-epoch-eval", action="store_true", help="skip the test evaluation after each epoch")
    parser.add_argument("--json", action="store_true", help="print a final JSON line with everything")
    args = parser.parse_args()

    cpu = cpu_info()
    print(f"CPU: {cpu['model_name']} (family {cpu['family']}, model {cpu['model']}), "
          f"{cpu['visible_cores']} visible cores; jax {jax.__version__}, numpy {np.__version__}, "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")
    mode = "binarized" if args.binarize else "gray"
    train_x = jnp.asarray(prepare(load_images("train-images-idx3-ubyte.gz"), args.binarize))
    test_x = jnp.asarray(prepare(load_images("t10k-images-idx3-ubyte.gz"), args.binarize))
    n = train_x.shape[0]
    steps_per_epoch = (n + BATCH - 1) // BATCH
    print(f"data: {n} train / {test_x.shape[0]} test images, targets {mode}; "
          f"batch {BATCH}, {steps_per_epoch} steps per epoch, seed {args.seed}")

    key = jax.random.PRNGKey(args.seed)
    key, k_init = jax.random.split(key)
    params = init_params(k_init)
    opt = adam_init(params)
    rng = np.random.default_rng(args.seed)
    eval_key = jax.random.PRNGKey(args.seed + 1000)

    # Compile both batch shapes (128 and the last 96) before timing, on copies.
    t0 = time.perf_counter()
    for b in sorted({BATCH, n % BATCH or BATCH}):
        jax.block_until_ready(train_step(params, opt, train_x, np.arange(b, dtype=np.int32), key))
    jax.block_until_ready(evaluate(params, test_x, eval_key))
    compile_s = time.perf_counter() - t0

    history = []
    epoch_seconds = []
    for epoch in range(1, args.epochs + 1):
        perm = rng.permutation(n).astype(np.int32)
        batches = [perm[i:i + BATCH] for i in range(0, n, BATCH)]
        losses = []
        t0 = time.perf_counter()
        for idx in batches:
            params, opt, loss = train_step(params, opt, train_x, idx, key)
            losses.append(loss)
        jax.block_until_ready(params)
        sizes = np.array([len(b) for b in batches], dtype=np.float64)
        train_loss = float(np.dot(np.array(losses, dtype=np.float64), sizes) / n)
        secs = time.perf_counter() - t0
        epoch_seconds.append(secs)
        row = {"epoch": epoch, "train_neg_elbo": train_loss, "seconds": secs}
        msg = f"epoch {epoch:2d}: train −ELBO {train_loss:8.3f} nats/image, {secs:6.2f} s"
        if not args.no_epoch_eval or epoch == args.epochs:
            r, kl = evaluate(params, test_x, eval_key)
            r, kl = float(r), float(kl)
            row.update(test_neg_elbo=r + kl, test_recon=r, test_kl=kl)
            msg += f"; test −ELBO {r + kl:8.3f} (recon {r:8.3f}, KL {kl:6.3f})"
        history.append(row)
        print(msg, flush=True)

    # Step timing: fixed batch of 128, params keep updating, one step per measurement.
    idx = np.arange(BATCH, dtype=np.int32)
    for _ in range(20):
        params, opt, loss = train_step(params, opt, train_x, idx, key)
    jax.block_until_ready(params)
    times = []
    for _ in range(args.timing_steps):
        t0 = time.perf_counter()
        params, opt, loss = train_step(params, opt, train_x, idx, key)
        jax.block_until_ready((params, opt, loss))
        times.append(time.perf_counter() - t0)
    step_min, step_med = min(times) * 1e3, float(np.median(times)) * 1e3
    print(f"train step (batch {BATCH}, gather+fwd+bwd+Adam, jit): min {step_min:.3f} ms, "
          f"median {step_med:.3f} ms over {args.timing_steps} steps; "
          f"compile {compile_s:.2f} s")
    if epoch_seconds:
        print(f"seconds per epoch: min {min(epoch_seconds):.3f}, median {float(np.median(epoch_seconds)):.3f} "
              f"(first {epoch_seconds[0]:.3f})")
        last = history[-1]
        print(f"final ({args.epochs} epochs, {mode}): test −ELBO {last['test_neg_elbo']:.3f} nats/image "
              f"= recon {last['test_recon']:.3f} + KL {last['test_kl']:.3f}; "
              f"train (last epoch) {last['train_neg_elbo']:.3f}")

    if args.json:
        out = {
            "script": "bench/peers/vae_jax.py", "mode": mode, "epochs": args.epochs, "seed": args.seed,
            "batch": BATCH, "steps_per_epoch": steps_per_epoch, "cpu": cpu,
            "jax": jax.__version__, "numpy": np.__version__, "xla_flags": os.environ.get("XLA_FLAGS", ""),
            "step_ms_min": step_min, "step_ms_median": step_med, "timing_steps": args.timing_steps,
            "compile_s": compile_s, "epoch_seconds": epoch_seconds, "history": history,
        }
        if history:
            out.update({k: history[-1][k] for k in ("train_neg_elbo", "test_neg_elbo", "test_recon", "test_kl")})
            out["seconds_per_epoch_median"] = float(np.median(epoch_seconds))
        print(json.dumps(out))


if __name__ == "__main__":
    main()
