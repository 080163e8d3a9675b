#!/usr/bin/env python3
"""numpy / OpenBLAS sgemm timings, the peer that GenLab's MatMul.gemm is measured against.

C = op(A) · op(B) in float32 for the same shapes genlab-bench times, printing the
minimum time over several repetitions and the GFLOP/s it means (2·M·K·N flops).
A tool, not a test dependency. Set the thread count and unset the variables that
slow current numpy on these machines in the command, e.g.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 bench/peers/gemm_numpy.py

op(A) = Aᵀ means A is stored K×M and passed as the view `a.T` (numpy hands BLAS a
transpose flag, no copy); likewise op(B) = Bᵀ means B is stored N×K.
"""
import argparse
import os
import sys
import time

import numpy as np

# (M, K, N, transA, transB): square sizes, then the DCGAN conv GEMMs (im2col forward
# shapes, and the transposed forms their backward passes use).
SHAPES = [
    (64, 64, 64, False, False),
    (128, 128, 128, False, False),
    (256, 256, 256, False, False),
    (512, 512, 512, False, False),
    (1024, 1024, 1024, False, False),
    (64, 16, 12544, False, False),
    (128, 1024, 3136, False, False),
    (1024, 128, 3136, False, False),
    (16, 64, 12544, False, False),
    (64, 16, 12544, False, True),
    (128, 1024, 3136, False, True),
    (1024, 128, 3136, False, True),
    (16, 64, 12544, False, True),
    (64, 16, 12544, True, False),
    (128, 1024, 3136, True, False),
    (1024, 128, 3136, True, False),
    (16, 64, 12544, True, False),
    # the weight gradients of those convs: dW = dY·colsᵀ (long K, short N)
    (64, 12544, 16, False, True),
    (128, 3136, 1024, False, True),
]


def label(m, k, n, ta, tb):
    return f"{m}x{k}x{n}{' Aᵀ' if ta else ''}{' Bᵀ' if tb else ''}"


def time_one(m, k, n, ta, tb, min_seconds, min_reps):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    opa = a.T if ta else a
    opb = b.T if tb else b
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(opa, opb, out=c)  # warm up (pages, threads)
    best = float("inf")
    reps = 0
    start = time.perf_counter()
    while reps < min_reps or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        np.matmul(opa, opb, out=c)
        best = min(best, time.perf_counter() - t0)
        reps += 1
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.4, help="time spent per shape (default 0.4)")
    parser.add_argument("--reps", type=int, default=5, help="minimum repetitions per shape")
    parser.add_argument("--pause", type=float, default=0.25,
                        help="pause between shapes so OpenBLAS's spinning threads go idle (default 0.25 s)")
    parser.add_argument("--filter", default="", help="only shapes whose label contains this text")
    args = parser.parse_args()

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"# numpy {np.__version__}, OPENBLAS_NUM_THREADS={threads}")
    print(f"{'shape (MxKxN)':<22} {'ms_min':>9} {'GFLOP/s':>8}")
    for m, k, n, ta, tb in SHAPES:
        name = label(m, k, n, ta, tb)
        if args.filter and args.filter not in name:
            continue
        seconds = time_one(m, k, n, ta, tb, args.seconds, args.reps)
        print(f"{name:<22} {seconds * 1e3:9.4f} {2 * m * k * n / seconds / 1e9:8.1f}", flush=True)
        time.sleep(args.pause)
    return 0


if __name__ == "__main__":
    sys.exit(main())
