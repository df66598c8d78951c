"""Time flip_labels on 60,000 and 10,000,000 labels, against cleanlab if installed.

Usage::

    python benchmarks/noise_speed.py [--repeats 7] [--out results] [--overwrite]

Then, for many classes (``--many-classes``, default 10,000 and 100,000 over
1,000,000 labels), it times symmetric, uniform and pairflip noise at rate 0.1:
these never build the K x K matrix, so time and memory stay linear in K.

Then it times the instance-dependent types (``--instance-types``, default
part_dependent and borderline) at rate 0.1 on 60,000 MNIST-sized samples:
random float32 features of shape (60000, 784) with 10 classes, or the MNIST
training images with ``--mnist PATH`` (an .npz with ``x_train`` and
``y_train``), ``--instance-repeats`` times each (default 3). Each row reports
seconds. An empty list skips a part: ``--sizes --many-classes`` times the
instance-dependent rows only.

For each size (10 classes) and rate (0.1, 0.4) it times
``flip_labels(y, noise_rate=rate, random_state=seed)`` and, when cleanlab is
installed, ``cleanlab.benchmarking.noise_generation.generate_noisy_labels``
with the same symmetric noise matrix (cleanlab's is the transpose of ours:
its columns sum to 1). The two are run alternately, ``--repeats`` times each,
and the medians and their ratio are printed and saved. The goal for
skmislabel (GOAL_SECONDS, printed with the 10M row) is 10M labels at rate
0.1 in at most 0.1 s on a 2-core machine that nothing else loads.
"""

import argparse
import platform
import sys
import time
from pathlib import Path

import _harness as harness
import numpy as np

import skmislabel
from skmislabel import flip_labels

N_CLASSES = 10
INSTANCE_NOISE_TYPES = ("part_dependent", "confidence", "pmd", "borderline")
# MNIST's size: 28 x 28 pixels.
N_PIXELS = 784
# The goal: 10M labels at rate 0.1 in at most this many seconds.
GOAL_N_LABELS, GOAL_RATE, GOAL_SECONDS = 10_000_000, 0.1, 0.1


def _time(function, *args, **kwargs):
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def _symmetric_matrix(rate):
    matrix = np.full((N_CLASSES, N_CLASSES), rate / (N_CLASSES - 1))
    np.fill_diagonal(matrix, 1 - rate)
    return matrix


def _instance_data(args):
    """Features and labels for the instance-dependent rows, and their name."""
    if args.mnist is not None:
        with np.load(args.mnist) as data:
            images, labels = data["x_train"], data["y_train"]
        n_samples = min(args.instance_samples, images.shape[0])
        return images[:n_samples].reshape(n_samples, -1), labels[:n_samples], "mnist"
    rng = np.random.default_rng(0)
    X = rng.random((args.instance_samples, N_PIXELS), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, args.instance_samples)
    return X, y, "random float32"


def _time_instance_noise(args):
    """Seconds of flip_labels with each instance-dependent type at rate 0.1."""
    rows = []
    if not args.instance_types:
        return rows
    from skmislabel._confidence_noise import PROBABILITY_CACHE

    def draw(noise_type, seed):
        # confidence and pmd would otherwise reuse the out-of-fold
        # probabilities of an earlier draw: time the model, not the cache.
        PROBABILITY_CACHE.clear()
        return _time(flip_labels, y, X=X, noise_rate=0.1, noise_type=noise_type, random_state=seed)

    X, y, data_name = _instance_data(args)
    print(f"{'noise_type':>15} {'n_samples':>10} {'n_features':>10} {'data':>15} {'seconds':>8}")
    for noise_type in args.instance_types:
        times = [draw(noise_type, seed) for seed in range(args.instance_repeats)]
        rows.append(
            {
                "noise_type": noise_type,
                "n_samples": int(X.shape[0]),
                "n_features": int(X.shape[1]),
                "data": data_name,
                "dtype": str(X.dtype),
                "noise_rate": 0.1,
                "skmislabel_median_s": float(np.median(times)),
                "skmislabel_all_s": times,
            }
        )
        print(
            f"{noise_type:>15} {X.shape[0]:>10} {X.shape[1]:>10} {data_name:>15} "
            f"{np.median(times):8.2f}"
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each (default 7)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[60_000, 10_000_000])
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.4])
    parser.add_argument("--many-classes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--many-classes-labels", type=int, default=1_000_000)
    parser.add_argument(
        "--instance-types",
        nargs="*",
        choices=INSTANCE_NOISE_TYPES,
        default=["part_dependent", "borderline"],
    )
    parser.add_argument("--instance-samples", type=int, default=60_000)
    parser.add_argument("--instance-repeats", type=int, default=3)
    parser.add_argument(
        "--mnist", type=Path, default=None, help="MNIST .npz instead of random features"
    )
    harness.add_report_arguments(parser, "noise_speed")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.instance_repeats < 1:
        parser.error("--repeats and --instance-repeats must be at least 1")
    harness.claim_report(parser, args, "noise_speed")

    try:
        from cleanlab.benchmarking.noise_generation import generate_noisy_labels
    except ImportError:
        generate_noisy_labels = None

    rows = []
    print(
        f"{'n_labels':>10} {'rate':>5} {'skmislabel s':>13} {'cleanlab s':>11} "
        f"{'cleanlab/ours':>14}"
    )
    for n_labels in args.sizes:
        y = np.random.default_rng(0).integers(0, N_CLASSES, n_labels)
        for rate in args.rates:
            ours, theirs = [], []
            matrix_t = _symmetric_matrix(rate).T
            for seed in range(args.repeats):
                ours.append(_time(flip_labels, y, noise_rate=rate, random_state=seed))
                if generate_noisy_labels is not None:
                    theirs.append(_time(generate_noisy_labels, y, matrix_t))
            row = {
                "n_labels": n_labels,
                "noise_rate": rate,
                "skmislabel_median_s": float(np.median(ours)),
                "skmislabel_all_s": ours,
            }
            if theirs:
                row["cleanlab_median_s"] = float(np.median(theirs))
                row["cleanlab_over_skmislabel"] = (
                    row["cleanlab_median_s"] / row["skmislabel_median_s"]
                )
            rows.append(row)
            cleanlab_s = f"{row['cleanlab_median_s']:11.4f}" if theirs else f"{'-':>11}"
            ratio = f"{row['cleanlab_over_skmislabel']:14.1f}" if theirs else f"{'-':>14}"
            ours_s = f"{row['skmislabel_median_s']:13.4f}"
            goal = ""
            if (n_labels, rate) == (GOAL_N_LABELS, GOAL_RATE):
                met = row["skmislabel_median_s"] <= GOAL_SECONDS
                goal = f"  goal <= {GOAL_SECONDS} s: {'met' if met else 'missed'}"
            print(f"{n_labels:>10} {rate:>5} {ours_s} {cleanlab_s} {ratio}{goal}")

    many_class_rows = []
    if args.many_classes:
        print(f"{'n_classes':>10} {'n_labels':>10} {'noise_type':>10} {'skmislabel s':>13}")
    for n_classes in args.many_classes:
        y = np.random.default_rng(0).integers(0, n_classes, args.many_classes_labels)
        for noise_type in ("symmetric", "uniform", "pairflip"):
            times = [
                _time(flip_labels, y, noise_rate=0.1, noise_type=noise_type, random_state=seed)
                for seed in range(args.repeats)
            ]
            many_class_rows.append(
                {
                    "n_classes": n_classes,
                    "n_labels": args.many_classes_labels,
                    "noise_type": noise_type,
                    "noise_rate": 0.1,
                    "skmislabel_median_s": float(np.median(times)),
                    "skmislabel_all_s": times,
                }
            )
            print(
                f"{n_classes:>10} {args.many_classes_labels:>10} {noise_type:>10} "
                f"{np.median(times):13.4f}"
            )

    instance_rows = _time_instance_noise(args)

    report = {
        "benchmark": "noise_speed",
        "skmislabel": skmislabel.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "repeats": args.repeats,
        "cleanlab": None if generate_noisy_labels is None else __import__("cleanlab").__version__,
        "rows": rows,
        "many_class_rows": many_class_rows,
        "instance_rows": instance_rows,
    }
    harness.save_report(args, "noise_speed", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
