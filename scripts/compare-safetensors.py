#!/usr/bin/env python3
"""Compares two safetensors files that are not byte-identical: every tensor must have the same
name, dtype, shape and bytes, and the metadata must be equal except for the keys named on the
command line (present in either file, with any value). An argument `tensor:PREFIX` allows tensors
whose names start with PREFIX to be in one file only. Prints what differed; exit status 0 when
only allowed keys did.

    compare-safetensors.py BASE NEW [allowed-key | tensor:PREFIX ...]

Standard library only (used by scripts/same-outputs.sh).
"""
import json
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        tensors[name] = (info["dtype"], info["shape"], body[start:end])
    return tensors, metadata


def main():
    base_path, new_path = sys.argv[1], sys.argv[2]
    allowed = {a for a in sys.argv[3:] if not a.startswith("tensor:")}
    prefixes = tuple(a[len("tensor:"):] for a in sys.argv[3:] if a.startswith("tensor:"))
    base, base_meta = read(base_path)
    new, new_meta = read(new_path)
    problems = []
    one_sided = set(base) ^ set(new)
    extra = sorted(n for n in one_sided if prefixes and n.startswith(prefixes))
    unexplained = sorted(one_sided - set(extra))
    if unexplained:
        problems.append("tensor names differ: only in base %s, only here %s"
                        % (sorted(set(base) - set(new))[:3], sorted(set(new) - set(base))[:3]))
    for name in sorted(set(base) & set(new)):
        if base[name] != new[name]:
            problems.append("tensor %s differs" % name)
    changed = []
    for key in sorted(set(base_meta) | set(new_meta)):
        if base_meta.get(key) != new_meta.get(key):
            (changed if key in allowed else problems).append(
                "metadata %s: %r → %r" % (key, base_meta.get(key), new_meta.get(key)))
    if problems:
        print("; ".join(problems[:5]) + ("; …" if len(problems) > 5 else ""))
        sys.exit(1)
    tensors = "tensors identical" + (" (and %d allowed in one file only)" % len(extra) if extra else "")
    print(tensors + "; metadata identical but for " + (", ".join(changed) if changed else "nothing"))


main()
