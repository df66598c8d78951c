"""Build the lesson's MNIST subset shipped in ``skmislabel/datasets/data``.

Run once from the repository root, against the full Keras-format MNIST::

    python -m skmislabel.datasets._build_mnist_lesson ../shared/data/mnist.npz

It keeps the first 15,000 training and the first 2,000 test images, as the
lesson does, and writes them compressed (about 3 MB) with ``allow_pickle``
safe dtypes only. The output is deterministic: the same input gives the same
arrays.
"""

import argparse
import hashlib
from pathlib import Path

import numpy as np

N_TRAIN = 15_000
N_TEST = 2_000
OUTPUT = Path(__file__).parent / "data" / "mnist_lesson.npz"


def build(source, output=OUTPUT):
    with np.load(source, allow_pickle=False) as full:
        arrays = {
            "x_train": full["x_train"][:N_TRAIN],
            "y_train": full["y_train"][:N_TRAIN],
            "x_test": full["x_test"][:N_TEST],
            "y_test": full["y_test"][:N_TEST],
        }
    for name, array in arrays.items():
        if array.dtype != np.uint8:
            raise ValueError(f"{source}: {name} should be uint8, got {array.dtype}")
    np.savez_compressed(output, **arrays)
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="Keras-format mnist.npz")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    output = build(args.source, args.output)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    print(f"wrote {output} ({output.stat().st_size / 1e6:.2f} MB, sha256 {digest})")


if __name__ == "__main__":
    main()
