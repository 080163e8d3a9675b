#!/usr/bin/env python3
"""JAX-on-CPU timings of the four DCGAN convolution layers, the peer for GenLab's
Convolution and TransposedConvolution twins (genlab-bench rows conv_* and convT_*).

Batch 64, float32, NCHW / OIHW, jit-compiled; forward alone and forward + backward
(gradients of sum(y * g) with respect to input and weight). Prints min and median
milliseconds over repeated calls. A tool, not a test dependency:

    pip install "jax[cpu]"
    XLA_FLAGS=--xla_force_host_platform_device_count=1 python3 bench/peers/conv_jax.py

JAX uses every core by default; pin it with `taskset -c 0` for a one-thread figure.
"""
import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

# (name, kind, C_in, C_out, H_in) with kernel 4, stride 2, padding 1.
LAYERS = [
    ("conv 1→64 28→14", "conv", 1, 64, 28),
    ("conv 64→128 14→7", "conv", 64, 128, 14),
    ("convT 128→64 7→14", "convT", 128, 64, 7),
    ("convT 64→1 14→28", "convT", 64, 1, 14),
]
BATCH, K, S, P = 64, 4, 2, 1


def conv(x, w):
    # y[n,o,i,j] = Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c,2i+p−1,2j+q−1]
    return jax.lax.conv_general_dilated(x, w, (S, S), ((P, P), (P, P)),
                                        dimension_numbers=("NCHW", "OIHW", "NCHW"))


def conv_transpose(x, w):
    # PyTorch's ConvTranspose2d(k=4, s=2, p=1) with weight C_in×C_out×KH×KW: the
    # gradient of conv with respect to its input, i.e. lax.conv_transpose with a
    # flipped kernel and padding k−1−p on each side.
    return jax.lax.conv_transpose(x, jnp.flip(w, (2, 3)), (S, S), ((K - 1 - P, K - 1 - P),) * 2,
                                  dimension_numbers=("NCHW", "IOHW", "NCHW"), transpose_kernel=False)


def timed(fn, args, seconds):
    out = fn(*args)
    jax.block_until_ready(out)
    times = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3, float(np.median(times)) * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"# jax {jax.__version__}, devices {jax.devices()}")
    print(f"{'layer':22} {'fwd min':>9} {'fwd med':>9} {'fwd+bwd min':>12} {'fwd+bwd med':>12}  (ms)")
    for name, kind, cin, cout, h in LAYERS:
        x = jnp.asarray(rng.uniform(-1, 1, (BATCH, cin, h, h)), jnp.float32)
        if kind == "conv":
            w = jnp.asarray(rng.uniform(-1, 1, (cout, cin, K, K)), jnp.float32)
            f = conv
        else:
            w = jnp.asarray(rng.uniform(-1, 1, (cin, cout, K, K)), jnp.float32)
            f = conv_transpose
        y = f(x, w)
        g = jnp.asarray(rng.uniform(-1, 1, y.shape), jnp.float32)
        forward = jax.jit(f)
        both = jax.jit(lambda x, w, g: jax.value_and_grad(lambda x, w: jnp.sum(f(x, w) * g), (0, 1))(x, w))
        fmin, fmed = timed(forward, (x, w), args.seconds)
        time.sleep(0.25)
        bmin, bmed = timed(both, (x, w, g), args.seconds)
        time.sleep(0.25)
        print(f"{name:22} {fmin:9.2f} {fmed:9.2f} {bmin:12.2f} {bmed:12.2f}")


if __name__ == "__main__":
    main()
