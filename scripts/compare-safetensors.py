#!/usr/bin/env python3
"""Compares two safetensors files that are not byte-identical: every tensor must have the same
name, dtype, shape and bytes, and the metadata must be equal except for the keys named on the
command line (present in either file, with any value). Prints what differed; exit status 0 when
only allowed keys did.

    compare-safetensors.py BASE NEW [allowed-key ...]

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
    base_path, new_path, allowed = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    base, base_meta = read(base_path)
    new, new_meta = read(new_path)
    problems = []
    if sorted(base) != sorted(new):
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
    print("tensors identical; metadata identical but for " + (", ".join(changed) if changed else "nothing"))


main()
