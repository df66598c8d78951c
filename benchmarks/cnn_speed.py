"""Time CNNClassifier.fit against the same network in plain Keras.

Usage::

    python benchmarks/cnn_speed.py [--epochs 5] [--batch-sizes 32 128] [--repeats 3]

On the lesson's data (``load_mnist``: 15,000 training images) it fits, for
each batch size and alternating within each repeat:

- ``ours``: ``CNNClassifier(epochs=..., batch_size=..., random_state=r).fit``;
- ``keras``: the same network built and compiled in plain Keras with the
  same settings (``steps_per_execution=32``), then ``model.fit``;
- ``keras-default``: the same, compiled with Keras' defaults
  (``steps_per_execution=1``), as the lesson's script does.

It prints and saves the median seconds per fit and per epoch, the median
ratio ours / keras (the wrapper's overhead; goal at most 1.02) and ours /
keras-default, and the achieved GFLOP/s next to the peak rate of a float32
matrix product timed in the same run. Plain Keras builds and traces a new
model on every fit; CNNClassifier reuses one traced network per architecture
(see skmislabel.cnn), which is part of what is measured. FLOPs per training
sample are counted as three times the forward pass's 2 x multiply-adds
(forward, and two products backward).
"""

import argparse
import platform
import sys
import time

import _data
import _harness as harness
import numpy as np


def _forward_flops_per_sample(image_side=28, filters=32, kernel=3, dense_units=128, n_classes=10):
    conv_side = image_side - kernel + 1
    conv = conv_side * conv_side * filters * kernel * kernel
    flattened = (conv_side // 2) ** 2 * filters
    dense = flattened * dense_units + dense_units * n_classes
    return 2 * (conv + dense)


def _matmul_gflops(tf, size=4096, repeats=5):
    """Peak (best of ``repeats``) float32 matrix-product rate, in GFLOP/s."""
    a = tf.random.normal((size, size), dtype=tf.float32, seed=0)
    b = tf.random.normal((size, size), dtype=tf.float32, seed=1)
    tf.matmul(a, b).numpy()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.matmul(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / min(times) / 1e9


def _plain_keras_fit(keras, X, y, epochs, batch_size, steps_per_execution):
    model = _data.lesson_network(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        steps_per_execution=steps_per_execution,
    )
    model.fit(X.reshape(-1, 28, 28, 1), y, epochs=epochs, batch_size=batch_size, verbose=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each (at least 3)")
    harness.add_report_arguments(parser, "cnn_speed")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.epochs < 1:
        parser.error("--repeats and --epochs must be at least 1")
    harness.claim_report(parser, args, "cnn_speed")

    import keras
    import tensorflow as tf

    import skmislabel
    from skmislabel import CNNClassifier
    from skmislabel.datasets import load_mnist

    X, y = load_mnist(subset="train", return_X_y=True)
    train_flops_per_epoch = 3 * _forward_flops_per_sample() * X.shape[0]
    peak = _matmul_gflops(tf)
    print(
        f"float32 matmul 4096^2 peak: {peak:.0f} GFLOP/s; one epoch = "
        f"{train_flops_per_epoch / 1e9:.1f} GFLOP -> {train_flops_per_epoch / 1e9 / peak:.3f} s "
        "at that rate"
    )

    runners = {
        "ours": lambda batch, seed: CNNClassifier(
            epochs=args.epochs, batch_size=batch, random_state=seed
        ).fit(X, y),
        "keras": lambda batch, seed: _plain_keras_fit(keras, X, y, args.epochs, batch, 32),
        "keras-default": lambda batch, seed: _plain_keras_fit(keras, X, y, args.epochs, batch, 1),
    }
    rows = []
    print(
        f"{'batch':>5} {'variant':>14} {'s/fit':>7} {'s/epoch':>8} {'GFLOP/s':>8} {'ours/this':>9}"
    )
    for batch in args.batch_sizes:
        times = {name: [] for name in runners}
        for seed in range(args.repeats):
            order = list(runners) if seed % 2 == 0 else list(reversed(runners))
            for name in order:
                start = time.perf_counter()
                runners[name](batch, seed)
                times[name].append(time.perf_counter() - start)
        for name, measured in times.items():
            ratios = np.array(times["ours"]) / np.array(measured)
            median = float(np.median(measured))
            row = {
                "batch_size": batch,
                "variant": name,
                "seconds_per_fit": measured,
                "median_seconds_per_fit": median,
                "median_seconds_per_epoch": median / args.epochs,
                "gflops": train_flops_per_epoch * args.epochs / median / 1e9,
                "median_ratio_ours_over_this": float(np.median(ratios)),
            }
            rows.append(row)
            print(
                f"{batch:>5} {name:>14} {median:7.2f} {row['median_seconds_per_epoch']:8.3f} "
                f"{row['gflops']:8.1f} {row['median_ratio_ours_over_this']:9.3f}"
            )

    report = {
        "benchmark": "cnn_speed",
        "skmislabel": skmislabel.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "epochs": args.epochs,
        "n_train": int(X.shape[0]),
        "repeats": args.repeats,
        "matmul_gflops": peak,
        "train_gflop_per_epoch": train_flops_per_epoch / 1e9,
        "rows": rows,
    }
    harness.save_report(args, "cnn_speed", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
