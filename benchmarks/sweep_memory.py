"""Memory of the worker processes over a long parallel CNN sweep.

Usage::

    python benchmarks/sweep_memory.py [--fits 100] [--n-jobs 2] [--out results] [--overwrite]

Runs ``noise_curve`` with the CNN (1 epoch, small network, on scikit-learn's
8x8 digits) for ``--fits`` fits in ``--n-jobs`` loky worker processes, with
one TensorFlow thread each, and after every finished fit records the resident
memory (RSS) of each worker. It prints each worker's RSS after its first
tenth of the fits and at the end, and its peak: memory that grows with the
number of fits would show as a steady climb. Needs psutil (the
``benchmarks`` extra).
"""

import argparse
import sys

import _harness as harness
import numpy as np
import psutil
from sklearn.datasets import load_digits

from skmislabel import CNNClassifier
from skmislabel.model_selection import noise_curve


def _worker_rss_mb():
    """RSS of each child process of this one, by pid, in MB."""
    rss = {}
    for child in psutil.Process().children(recursive=True):
        try:
            rss[child.pid] = child.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    return rss


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=100)
    parser.add_argument("--n-jobs", type=int, default=2)
    harness.add_report_arguments(parser, "sweep_memory")
    args = parser.parse_args(argv)
    if args.fits < 10 or args.n_jobs < 1:
        parser.error("--fits must be at least 10 and --n-jobs at least 1")
    harness.claim_report(parser, args, "sweep_memory")
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    n_rates = 10
    repeats = -(-args.fits // n_rates)
    samples = []

    def record(row):
        samples.append(_worker_rss_mb())

    noise_curve(
        CNNClassifier(epochs=1, filters=8, dense_units=32, tf_threads=1),
        X,
        y,
        noise_rates=np.linspace(0, 0.45, n_rates),
        cv=[(np.arange(1200), np.arange(1200, len(y)))],
        n_repeats=repeats,
        random_state=0,
        n_jobs=args.n_jobs,
        callback=record,
    )
    # Workers are the children seen in most samples (loky's manager process too
    # is a child, but small).
    pids = sorted({pid for sample in samples for pid in sample})
    tenth = max(1, len(samples) // 10)
    report = {"fits": len(samples), "n_jobs": args.n_jobs, "workers": []}
    print(f"{len(samples)} fits; RSS per child process (MB):")
    print(f"{'pid':>8} {'after 1/10':>11} {'at the end':>11} {'peak':>8}")
    for pid in pids:
        series = [sample[pid] for sample in samples if pid in sample]
        early = next((sample[pid] for sample in samples[tenth - 1 :] if pid in sample), np.nan)
        row = {"pid": pid, "early_mb": early, "end_mb": series[-1], "peak_mb": max(series)}
        report["workers"].append(row)
        print(f"{pid:>8} {early:>11.0f} {series[-1]:>11.0f} {max(series):>8.0f}")
    harness.save_report(args, "sweep_memory", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
