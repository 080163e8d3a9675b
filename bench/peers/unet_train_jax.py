#!/usr/bin/env python3
"""Trains lesson 09's U-Net in JAX on Fashion-MNIST and writes DDIM samples at chosen steps, so
GenLab's quality per training step can be compared with an independent implementation of the
same recipe (issue 20). The network, initialisation, loss, Adam, weight average and schedule are
`unet_jax.py`'s (the peer genlab-bench's unet_step is timed against); this script adds the data,
the training loop and the sampler that lesson 09 uses for samples.safetensors:

    pip install "jax[cpu]" numpy
    python3 bench/peers/unet_train_jax.py --at 500,1000,2000 --out /tmp/jax-unet [--seed 0] [--threads 2]
    swift run -c release genlab-score /tmp/jax-unet/samples-01000.safetensors   # the capstone's judge

Recipe (lesson 09's defaults): Fashion-MNIST training images scaled to [−1, 1]; batches of 64 drawn
by a fresh permutation each epoch (numpy's generator, not GenLab's: the same recipe, not the same
batches); t ~ U{1…1000}, ε ~ N(0, I); linear β 1e-4…0.02; L = mean (ε̂ − ε)²; Adam lr 1e-3; the
weight average d = min(0.999, (1+n)/(10+n)). At every step in --at: --samples images drawn with DDIM
(--ddim-steps network calls, t = T, T − T/k, …, then 0; η = 0; x̂_0 clipped to [−1, 1]) from the
averaged weights, mapped to [0, 1] and written as samples-NNNNN.safetensors (tensor 'samples',
N×1×28×28, float32), which `genlab-score` reads. Knobs for the experiments of lesson 09's README
(each changes one thing): --lr, --decay, --batch-size, --warmup (linear lr warm-up steps),
--clip-norm (global gradient-norm clipping), --channels.

Measured 2026-12-08 on an Intel Xeon (family 6 model 207, Emerald Rapids, AVX-512, 2 cores),
jax 0.10.2, seed 0, this script pinned to one core (`taskset -c 1 … --threads 1`) beside lesson 09
on the other (`taskset -c 0 lesson09-diffusionimages --threads 1 --batch-size 64 --min-snr 0
--eta 0`, its recipe before the change), both scored with `genlab-score` (1,000 samples):

    steps   JAX peer (FID / precision / recall)   GenLab lesson 09
    500     387.0 / 0.48 / 0.06                   351.9 / 0.46 / 0.15
    1000    257.1 / 0.55 / 0.37                   229.0 / 0.52 / 0.45
    JAX ≈ 1.1–1.2 s a step on one thread here; GenLab ≈ 0.9–1.2 s.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--at", default="500,1000,2000", help="steps at which to write samples (the last is the run's length)")
    p.add_argument("--out", required=True, help="folder for samples-NNNNN.safetensors and log.jsonl")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="folder with the IDX files (.gz or not)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--ddim-steps", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--decay", type=float, default=0.999)
    p.add_argument("--warmup", type=int, default=0, help="linear learning-rate warm-up over this many steps")
    p.add_argument("--clip-norm", type=float, default=0.0, help="clip the global gradient norm to this (0: off)")
    p.add_argument("--channels", type=int, default=32)
    return p.parse_args()


if __name__ == "__main__":
    ARGS = parse_args()
    sys.argv = [sys.argv[0]]
    sys.path.insert(0, HERE)
    import unet_jax as U   # noqa: E402
    U.configure_threads(ARGS.threads)
    U.C = ARGS.channels

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def read_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            raw = (gzip.open if name.endswith(".gz") else open)(path, "rb").read()
            magic, count = struct.unpack(">II", raw[:8])
            if magic != 2051:
                sys.exit(f"{path}: not an IDX image file (magic {magic})")
            rows, cols = struct.unpack(">II", raw[8:16])
            data = np.frombuffer(raw, np.uint8, count * rows * cols, 16)
            return data.reshape(count, 1, rows, cols).astype(np.float32) / 255.0
    sys.exit(f"no {stem} in {folder}")


def write_samples(path, images):
    """safetensors with one F32 tensor 'samples'."""
    data = np.ascontiguousarray(images, dtype="<f4").tobytes()
    header = json.dumps({"samples": {"dtype": "F32", "shape": list(images.shape), "data_offsets": [0, len(data)]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)
    os.replace(path + ".tmp", path)


def make_train_step(args):
    sqrt_ab, sqrt_1mab, temb_table = (jnp.asarray(U.TABLES[k]) for k in ("sqrt_ab", "sqrt_1mab", "temb"))
    tree = jax.tree_util.tree_map

    def step(params, opt, ema, x0, key):
        k_t, k_eps = jax.random.split(jax.random.fold_in(key, opt["t"]))
        t = jax.random.randint(k_t, (x0.shape[0],), 1, U.T + 1)
        eps = jax.random.normal(k_eps, x0.shape, jnp.float32)
        xt = sqrt_ab[t][:, None, None, None] * x0 + sqrt_1mab[t][:, None, None, None] * eps
        loss, grads = jax.value_and_grad(lambda p: jnp.mean(jnp.square(U.unet(p, xt, temb_table[t], "best") - eps)))(params)
        if args.clip_norm > 0:
            norm = jnp.sqrt(sum(jnp.sum(g * g) for g in jax.tree_util.tree_leaves(grads)))
            grads = tree(lambda g: g * jnp.minimum(1.0, args.clip_norm / (norm + 1e-6)), grads)
        n = opt["t"] + 1
        nf = n.astype(jnp.float32)
        lr = args.lr * (jnp.minimum(1.0, nf / args.warmup) if args.warmup > 0 else 1.0)
        step_size = lr / (1 - U.B1 ** nf)
        inv_root_c2 = 1 / jnp.sqrt(1 - U.B2 ** nf)
        m = tree(lambda m, g: U.B1 * m + (1 - U.B1) * g, opt["m"], grads)
        v = tree(lambda v, g: U.B2 * v + (1 - U.B2) * g * g, opt["v"], grads)
        params = tree(lambda p, m, v: p - step_size * m / (jnp.sqrt(v) * inv_root_c2 + U.EPS), params, m, v)
        u = ema["n"] + 1
        uf = u.astype(jnp.float32)
        d = jnp.minimum(args.decay, (1 + uf) / (10 + uf))
        avg = tree(lambda a, p: d * a + (1 - d) * p, ema["w"], params)
        return params, {"m": m, "v": v, "t": n}, {"w": avg, "n": u}, loss

    return jax.jit(step, donate_argnums=(0, 1, 2))


def sample(params, count, ddim_steps, seed):
    call = jax.jit(lambda p, x, t, prev: U.ddim_update(p, x, t, prev, "default"))
    ts = [U.T - i * U.T // ddim_steps for i in range(ddim_steps)]
    pairs = [(np.int32(t), np.int32(prev)) for t, prev in zip(ts, ts[1:] + [0])]
    x_all = np.asarray(jax.random.normal(jax.random.PRNGKey(seed + 7919), (count, 1, 28, 28), jnp.float32))
    out = []
    for start in range(0, count, 200):
        x = jnp.asarray(x_all[start:start + 200])
        for t, prev in pairs:
            x = call(params, x, t, prev)
        out.append(np.asarray(x))
    return np.clip((np.concatenate(out) + 1) / 2, 0, 1)


def main(args):
    os.makedirs(args.out, exist_ok=True)
    at = sorted(int(s) for s in args.at.split(","))
    images = read_idx(args.data, "train-images-idx3-ubyte") * 2 - 1
    print(f"{images.shape[0]} training images; C = {U.C}; batch {args.batch_size}; lr {args.lr}; decay {args.decay}; "
          f"warm-up {args.warmup}; clip {args.clip_norm}; steps {at}; cpu {U.cpu_info()['model_name']}", flush=True)
    params, opt, ema = U.init_state(jax.random.PRNGKey(args.seed))
    step = make_train_step(args)
    key = jax.random.PRNGKey(args.seed + 1)
    rng = np.random.default_rng(args.seed)
    order, position = rng.permutation(images.shape[0]), 0
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    losses, started = [], time.perf_counter()
    for n in range(1, at[-1] + 1):
        if position + args.batch_size > images.shape[0]:
            order, position = rng.permutation(images.shape[0]), 0
        batch = jnp.asarray(images[order[position:position + args.batch_size]])
        position += args.batch_size
        params, opt, ema, loss = step(params, opt, ema, batch, key)
        losses.append(float(loss))
        if n % 100 == 0:
            elapsed = time.perf_counter() - started
            print(f"step {n}: loss {np.mean(losses[-100:]):.4f}  {elapsed / n * 1000:.0f} ms/step", flush=True)
            log.write(json.dumps({"step": n, "loss": float(np.mean(losses[-100:])), "seconds": elapsed}) + "\n")
            log.flush()
        if n in at:
            t0 = time.perf_counter()
            samples = sample(ema["w"], args.samples, args.ddim_steps, args.seed)
            path = os.path.join(args.out, f"samples-{n:05d}.safetensors")
            write_samples(path, samples)
            print(f"wrote {path} ({args.samples} samples, DDIM {args.ddim_steps}, {time.perf_counter() - t0:.0f} s)",
                  flush=True)
            started += time.perf_counter() - t0


if __name__ == "__main__":
    main(ARGS)
