"""Wall time of a small noise curve three ways: the lesson's loop, ours, ours in parallel.

Usage::

    python benchmarks/curve_speed.py [--rounds 2] [--epochs 5] [--out results] [--overwrite]

The same 6 fits of the lesson's CNN (symmetric noise at rates 0, 0.2 and 0.4,
2 repeats, batch 32, the lesson's 15,000 / 2,000 split) are run three ways,
each in a fresh Python process so that its wall time includes what a user
waits for (imports, start-up, tracing), alternating within each round:

- ``plain-keras``: the loop as the lesson writes it: per fit, build the
  network, ``compile`` with Keras' defaults, ``fit``, ``evaluate``, one fit
  after the other (labels from ``flip_labels`` with the same seeds as ours,
  so the noise is identical);
- ``ours-sequential``: ``noise_curve(CNNClassifier(...), n_jobs=1)``;
- ``ours-parallel``: ``noise_curve(..., n_jobs=cores)`` with one TensorFlow
  thread per worker process (``tf_threads=1``).

``benchmarks/noise_curve.py`` runs the CNN the faster of our two ways by
default (``default_parallelism``); the table marks which one that is.

It prints and saves the median wall time of each way, its ratio to the plain
loop's, the mean test accuracy of each way with its standard error, and the
peak resident memory of each process (and of its largest worker).
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import _data
import _harness as harness
import numpy as np

WAYS = ("plain-keras", "ours-sequential", "ours-parallel")
RATES = (0.0, 0.2, 0.4)
REPEATS = 2


def _peak_rss_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _plain_keras(epochs, X, y, split):
    import keras

    from skmislabel import flip_labels
    from skmislabel.model_selection import repeat_seeds

    train, test = split
    scores = []
    for repeat, (noise_seed, model_seed) in enumerate(repeat_seeds(0, REPEATS)):
        for rate in RATES:
            y_noisy, _ = flip_labels(y[train], noise_rate=rate, random_state=noise_seed)
            keras.utils.set_random_seed(model_seed)
            model = _data.lesson_network(keras)
            model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
            images = X.reshape(-1, 28, 28, 1)
            model.fit(images[train], y_noisy, epochs=epochs, batch_size=32, verbose=0)
            _, accuracy = model.evaluate(images[test], y[test], verbose=0)
            scores.append({"noise_rate": rate, "repeat": repeat, "test_score": float(accuracy)})
    return scores


def _ours(epochs, X, y, split, n_jobs, tf_threads):
    from skmislabel import CNNClassifier
    from skmislabel.model_selection import noise_curve

    frame = noise_curve(
        CNNClassifier(epochs=epochs, tf_threads=tf_threads),
        X,
        y,
        noise_rates=RATES,
        cv=[split],
        n_repeats=REPEATS,
        random_state=0,
        n_jobs=n_jobs,
    ).frame
    return frame[["noise_rate", "repeat", "test_score"]].to_dict("records")


def _default_parallelism():
    """What benchmarks/noise_curve.py picks for the CNN when --n-jobs is not given."""
    sys.path.insert(0, str(Path(__file__).parent))
    from noise_curve import default_parallelism

    return default_parallelism("cnn", "mnist")


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _child(way, epochs):
    """Run one way in this process and print its result as one JSON line."""
    X, y, train, test = _data.lesson_mnist()
    split = (train, test)
    start = time.perf_counter()
    if way == "plain-keras":
        scores = _plain_keras(epochs, X, y, split)
        n_jobs, tf_threads = 1, None
    elif way == "ours-sequential":
        n_jobs, tf_threads = 1, None
        scores = _ours(epochs, X, y, split, n_jobs, tf_threads)
    else:
        n_jobs, tf_threads = _cores(), 1
        scores = _ours(epochs, X, y, split, n_jobs, tf_threads)
    own, workers = _peak_rss_mb()
    print(
        json.dumps(
            {
                "fits_seconds": time.perf_counter() - start,
                "scores": scores,
                "n_jobs": n_jobs,
                "tf_threads": tf_threads,
                "peak_rss_mb": own,
                "peak_worker_rss_mb": workers,
            }
        )
    )


def _run_way(way, epochs):
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, "--child", way, "--epochs", str(epochs)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{way} failed:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["wall_seconds"] = wall
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--epochs", type=int, default=5)
    harness.add_report_arguments(parser, "curve_speed")
    parser.add_argument("--child", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.epochs < 1:
        parser.error("--rounds and --epochs must be at least 1")
    if args.child:
        _child(args.child, args.epochs)
        return 0
    harness.claim_report(parser, args, "curve_speed")

    runs = {way: [] for way in WAYS}
    for round_index in range(args.rounds):
        # Alternate the order so that drifts of the shared machine hit every way.
        order = WAYS if round_index % 2 == 0 else WAYS[::-1]
        for way in order:
            report = _run_way(way, args.epochs)
            runs[way].append(report)
            print(
                f"round {round_index + 1} {way:>16}: {report['wall_seconds']:6.1f} s wall "
                f"(n_jobs={report['n_jobs']}, tf_threads={report['tf_threads']})",
                flush=True,
            )

    plain_wall = np.median([run["wall_seconds"] for run in runs["plain-keras"]])
    default = tuple(_default_parallelism())
    summary = []
    print(
        f"\n{'way':>16} {'wall (median)':>14} {'/ plain':>8} {'test acc.':>18} "
        f"{'peak RSS MB':>12} {'worker RSS MB':>14}"
    )
    for way in WAYS:
        walls = [run["wall_seconds"] for run in runs[way]]
        scores = [score["test_score"] for run in runs[way] for score in run["scores"]]
        mean = float(np.mean(scores))
        # One standard error of the mean over the fits of all rounds.
        standard_error = float(np.std(scores, ddof=1) / np.sqrt(len(scores)))
        row = {
            "way": way,
            "wall_seconds_median": float(np.median(walls)),
            "wall_seconds": walls,
            "ratio_to_plain": float(np.median(walls) / plain_wall),
            "test_accuracy_mean": mean,
            "test_accuracy_se": standard_error,
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs[way]),
            "peak_worker_rss_mb": max(run["peak_worker_rss_mb"] for run in runs[way]),
            "n_jobs": runs[way][0]["n_jobs"],
            "tf_threads": runs[way][0]["tf_threads"],
            "is_default": way != "plain-keras"
            and (runs[way][0]["n_jobs"], runs[way][0]["tf_threads"]) == default,
        }
        summary.append(row)
        print(
            f"{way:>16} {row['wall_seconds_median']:>12.1f} s {row['ratio_to_plain']:>8.2f} "
            f"{mean:>10.4f} ± {standard_error:.4f} {row['peak_rss_mb']:>12.0f} "
            f"{row['peak_worker_rss_mb']:>14.0f}" + ("  (default)" if row["is_default"] else "")
        )
    harness.save_report(
        args,
        "curve_speed",
        {
            "benchmark": "curve_speed",
            "epochs": args.epochs,
            "rounds": args.rounds,
            "rates": RATES,
            "repeats": REPEATS,
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
            "summary": summary,
            "runs": runs,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
