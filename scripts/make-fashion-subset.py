#!/usr/bin/env python3
"""Make the class-balanced Fashion-MNIST subset bundled in Datasets/fashion-mnist-subset/.

From the full set (Debian's dataset-fashion-mnist package puts it in
/usr/share/datasets/fashion-mnist) it keeps, in the original file order,

  train: the first 1,000 images of each of the 10 classes  -> 10,000 images
  t10k:  the first   200 images of each of the 10 classes  ->  2,000 images

and writes them as IDX files gzip-compressed with a fixed header (mtime 0, the
file name without .gz), so running it twice gives the same bytes (with the
same zlib). Standard library only.

    python3 scripts/make-fashion-subset.py                # defaults below
    python3 scripts/make-fashion-subset.py --source DIR --out DIR
"""

import argparse
import gzip
import hashlib
import os
import struct
import sys

IMAGE_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (count, rows, cols)
LABEL_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (count)
CLASSES = 10

SPLITS = [
    # (prefix, images kept per class)
    ("train", 1000),
    ("t10k", 200),
]


def read_gz(path):
    with gzip.open(path, "rb") as f:
        return f.read()


def read_images(path):
    data = read_gz(path)
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IMAGE_MAGIC:
        sys.exit(f"{path}: magic {magic:#010x}, expected {IMAGE_MAGIC:#010x}")
    size = rows * cols
    if len(data) != 16 + count * size:
        sys.exit(f"{path}: {len(data) - 16} bytes of pixels, expected {count * size}")
    return count, rows, cols, data[16:]


def read_labels(path):
    data = read_gz(path)
    magic, count = struct.unpack(">II", data[:8])
    if magic != LABEL_MAGIC:
        sys.exit(f"{path}: magic {magic:#010x}, expected {LABEL_MAGIC:#010x}")
    if len(data) != 8 + count:
        sys.exit(f"{path}: {len(data) - 8} labels, expected {count}")
    return data[8:]


def write_gz(path, payload):
    """gzip with mtime 0 and a fixed name in the header: byte-reproducible."""
    name = os.path.basename(path)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename=name, mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
            f.write(payload)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", default="/usr/share/datasets/fashion-mnist",
                        help="folder with the four full-set .gz files")
    parser.add_argument("--out", default=os.path.join(here, "..", "Datasets", "fashion-mnist-subset"),
                        help="folder to write the subset to")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    for prefix, per_class in SPLITS:
        images_name = f"{prefix}-images-idx3-ubyte.gz"
        labels_name = f"{prefix}-labels-idx1-ubyte.gz"
        count, rows, cols, pixels = read_images(os.path.join(args.source, images_name))
        labels = read_labels(os.path.join(args.source, labels_name))
        if len(labels) != count:
            sys.exit(f"{prefix}: {count} images but {len(labels)} labels")

        # The first `per_class` of each class, in file order.
        taken = [0] * CLASSES
        keep = []
        for index, label in enumerate(labels):
            if taken[label] < per_class:
                taken[label] += 1
                keep.append(index)
        if taken != [per_class] * CLASSES:
            sys.exit(f"{prefix}: not enough images per class: {taken}")

        size = rows * cols
        out_pixels = b"".join(pixels[i * size:(i + 1) * size] for i in keep)
        out_labels = bytes(labels[i] for i in keep)
        n = len(keep)
        write_gz(os.path.join(args.out, images_name),
                 struct.pack(">IIII", IMAGE_MAGIC, n, rows, cols) + out_pixels)
        write_gz(os.path.join(args.out, labels_name),
                 struct.pack(">II", LABEL_MAGIC, n) + out_labels)
        print(f"{prefix}: kept {n} of {count} images ({per_class} per class), "
              f"last index kept {keep[-1]}")

    for name in sorted(os.listdir(args.out)):
        if name.endswith(".gz"):
            path = os.path.join(args.out, name)
            with open(path, "rb") as f:
                blob = f.read()
            print(f"{hashlib.sha256(blob).hexdigest()}  {name}  ({len(blob):,} bytes)")


if __name__ == "__main__":
    main()
