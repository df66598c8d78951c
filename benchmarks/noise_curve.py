"""Accuracy against the rate of mislabeled training labels: the lesson, extended.

With no arguments it reproduces and extends the lesson on the bundled MNIST
subset: the lesson's CNN trained on the first 15,000 training images with
0%, 10%, ..., 50% of their labels flipped (symmetric noise), 3 repeats with
new noise and new model seeds, scored on the first 2,000 test images' clean
labels, 5 epochs of batch 32. It writes

- ``results/noise_curve.csv``: one row per fit, appended as each finishes;
- ``results/noise_curve.png``: the noise curve and the lesson's clean vs 10%
  picture;
- ``results/noise_curve.json``: versions, parameters, machine, wall time;

and prints a table with the lesson's comparison (clean vs 10%).

Exit status: 0 on success, 2 for bad arguments, 1 on failure, 130 when
interrupted (Ctrl-C): finished fits stay in the CSV and ``--resume`` goes on
from there.

Examples::

    python benchmarks/noise_curve.py
    python benchmarks/noise_curve.py --quick
    python benchmarks/noise_curve.py --noise-type symmetric --noise-type pairflip \\
        --estimator cnn --estimator logreg --rates 0 0.2 0.4 --repeats 2
    python benchmarks/noise_curve.py --backend dask --n-jobs 2
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ESTIMATORS = ("cnn", "logreg", "knn")
DATASETS = ("mnist", "mnist-full", "digits")
NOISE_TYPES = ("symmetric", "uniform", "pairflip")
# Measured with plain Keras on the lesson's data (5 epochs, batch 32, 3 seeds):
# the reference the lesson's numbers are compared with.
LESSON_REFERENCE = {"clean": (0.9705, 0.004), "lesson 10% (uniform randint(0, 9))": (0.9548, 0.003)}
DEFAULTS = {"dataset": "mnist", "rates": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], "repeats": 3, "epochs": 5}
QUICK_DEFAULTS = {"dataset": "digits", "rates": [0.0, 0.2, 0.4], "repeats": 1, "epochs": 2}
# Settings that must match for --resume to continue a run.
RESUME_KEYS = (
    "dataset",
    "noise_types",
    "rates",
    "repeats",
    "epochs",
    "batch_size",
    "estimators",
    "seed",
)


def _parser():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "--dataset",
        choices=DATASETS,
        help="mnist: the bundled lesson subset (15,000/2,000, fixed split); "
        "mnist-full: 60,000/10,000 from fetch_mnist; digits: scikit-learn's "
        "8x8 digits, 5-fold CV (default: mnist)",
    )
    parser.add_argument(
        "--noise-type",
        dest="noise_types",
        action="append",
        choices=NOISE_TYPES,
        help="repeat to compare types (default: symmetric)",
    )
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        help="noise rates in [0, 1] (default: 0 0.1 0.2 0.3 0.4 0.5)",
    )
    parser.add_argument(
        "--repeats", type=int, help="repeats with new noise and model seeds (default 3)"
    )
    parser.add_argument("--epochs", type=int, help="CNN epochs (default 5)")
    parser.add_argument("--batch-size", type=int, default=32, help="CNN batch size")
    parser.add_argument(
        "--estimator",
        dest="estimators",
        action="append",
        choices=ESTIMATORS,
        help="repeat to compare: cnn (the lesson's), logreg, knn (default: cnn)",
    )
    parser.add_argument("--n-jobs", type=int, default=1, help="fits in parallel")
    parser.add_argument("--backend", choices=("loky", "dask"), default="loky")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address (default: a local cluster on 127.0.0.1)",
    )
    parser.add_argument("--data-home", help="folder of mnist.npz for --dataset mnist-full")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the whole run")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny end-to-end run: defaults become digits, rates 0 0.2 0.4, "
        "1 repeat, 2 epochs (options given explicitly still apply)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip the fits already in OUT/noise_curve.csv"
    )
    return parser


def _parse(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    args.noise_types = args.noise_types or ["symmetric"]
    args.estimators = args.estimators or ["cnn"]
    for name, default in (QUICK_DEFAULTS if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if any(not 0 <= rate <= 1 for rate in args.rates):
        parser.error(f"--rates must lie in [0, 1]; got {args.rates}")
    for name in ("repeats", "epochs", "batch_size", "n_jobs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.scheduler and args.backend != "dask":
        parser.error("--scheduler needs --backend dask")
    args.rates = sorted(set(args.rates))
    return args


def _load(args):
    from sklearn.model_selection import StratifiedKFold

    if args.dataset == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        cv = StratifiedKFold(n_splits=3 if args.quick else 5, shuffle=True, random_state=args.seed)
        return (X / 16).astype(np.float32), y, cv
    if args.dataset == "mnist":
        from skmislabel.datasets import load_mnist

        X, y = load_mnist(subset="all", return_X_y=True)
        n_train = 15_000
    else:
        from skmislabel.datasets import fetch_mnist

        X, y = fetch_mnist(subset="all", data_home=args.data_home, return_X_y=True)
        n_train = 60_000
    # The lesson's fixed split: train on the training images, test on the test images.
    return X, y, [(np.arange(n_train), np.arange(n_train, len(y)))]


def _estimator(name, args):
    if name == "cnn":
        from skmislabel import CNNClassifier

        threads = max(1, (os.cpu_count() or 1) // args.n_jobs) if args.n_jobs > 1 else None
        return CNNClassifier(epochs=args.epochs, batch_size=args.batch_size, tf_threads=threads)
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=300)
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier()


def _settings(args):
    return {
        "dataset": args.dataset,
        "noise_types": args.noise_types,
        "rates": args.rates,
        "repeats": args.repeats,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "estimators": args.estimators,
        "seed": args.seed,
        "n_jobs": args.n_jobs,
        "backend": args.backend,
        "quick": args.quick,
    }


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": sys.version.split()[0]}
    for package in (
        "skmislabel",
        "numpy",
        "scikit-learn",
        "imbalanced-learn",
        "pandas",
        "tensorflow",
        "keras",
        "scikeras",
        "joblib",
        "dask",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions


def _write_json(path, report):
    temporary = path.with_suffix(".json.part")
    temporary.write_text(json.dumps(report, indent=2, default=str))
    temporary.replace(path)


class _CsvAppender:
    """Append each finished fit to the CSV at once, so an interruption loses
    at most the fits still running."""

    def __init__(self, path, columns, keep_existing):
        self.path, self.columns = path, list(columns)
        if not keep_existing or not path.exists():
            path.write_text(",".join(self.columns) + "\n")

    def __call__(self, row):
        import csv

        with open(self.path, "a", newline="") as file:
            csv.DictWriter(file, fieldnames=self.columns).writerow(
                {column: row[column] for column in self.columns}
            )
            file.flush()
            os.fsync(file.fileno())


def _summary_table(frame):
    summary = (
        frame.groupby(["estimator", "noise_type", "noise_rate"])
        .agg(
            test_mean=("test_score", "mean"),
            test_std=("test_score", "std"),
            train_mean=("train_score", "mean"),
            realised=("realised_noise_rate", "mean"),
            fits=("test_score", "size"),
            fit_seconds=("fit_time", "mean"),
        )
        .reset_index()
    )
    return summary


def _print_report(summary):
    print()
    print(
        f"{'estimator':>10} {'noise':>10} {'rate':>5} {'test accuracy':>17} "
        f"{'train (clean)':>13} {'flipped':>8} {'fits':>5} {'s/fit':>6}"
    )
    for row in summary.itertuples(index=False):
        std = 0.0 if np.isnan(row.test_std) else row.test_std
        print(
            f"{row.estimator:>10} {row.noise_type:>10} {row.noise_rate:>5.2f} "
            f"{row.test_mean:>9.4f} ± {std:.4f} {row.train_mean:>13.4f} "
            f"{row.realised:>8.3f} {row.fits:>5d} {row.fit_seconds:>6.1f}"
        )
    clean = summary[np.isclose(summary["noise_rate"], 0)]
    ten = summary[np.isclose(summary["noise_rate"], 0.1)]
    if len(clean) and len(ten):
        print("\nThe lesson's comparison (test accuracy on clean labels, mean ± std):")
        for row in clean.itertuples(index=False):
            std = 0.0 if np.isnan(row.test_std) else row.test_std
            print(f"  {row.estimator}, clean training labels: {row.test_mean:.4f} ± {std:.4f}")
        for row in ten.itertuples(index=False):
            std = 0.0 if np.isnan(row.test_std) else row.test_std
            drop = clean[clean["estimator"] == row.estimator]["test_mean"].iloc[0] - row.test_mean
            print(
                f"  {row.estimator}, 10% {row.noise_type} noise: {row.test_mean:.4f} ± "
                f"{std:.4f} (drop {drop:.4f})"
            )
        for label, (mean, std) in LESSON_REFERENCE.items():
            print(f"  reference, plain Keras here, {label}: {mean:.4f} ± {std:.3f}")


def _plot(frame, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skmislabel.plotting import CleanVsNoisyDisplay, NoiseCurveDisplay

    rates = frame["noise_rate"].to_numpy()
    compare = np.isclose(rates, 0).any() and np.isclose(rates, 0.1).any()
    figure, axes = plt.subplots(
        1, 2 if compare else 1, figsize=(12 if compare else 7, 4.5), squeeze=False
    )
    NoiseCurveDisplay.from_results(frame, ax=axes[0, 0])
    axes[0, 0].set_title("Test accuracy against training-label noise")
    if compare:
        CleanVsNoisyDisplay.from_results(frame, noise_rate=0.1, ax=axes[0, 1])
        axes[0, 1].set_title("The lesson: clean vs 10% mislabeled")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _dask_client(args):
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        return Client(args.scheduler)
    cluster = LocalCluster(
        n_workers=args.n_jobs,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return Client(cluster)


def run(args):
    import contextlib

    import joblib
    import pandas as pd

    try:
        from tqdm import tqdm
    except ImportError:
        print("error: the progress bar needs tqdm: pip install '.[benchmarks]'", file=sys.stderr)
        return 1

    from skmislabel.model_selection import RESULT_COLUMNS, noise_curve

    args.out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = args.out / "noise_curve.csv", args.out / "noise_curve.json"
    png_path = args.out / "noise_curve.png"
    settings = _settings(args)
    earlier = None
    if args.resume and csv_path.exists():
        if json_path.exists():
            previous = json.loads(json_path.read_text()).get("parameters", {})
            changed = [key for key in RESUME_KEYS if previous.get(key) != settings[key]]
            if changed:
                print(
                    f"error: --resume with settings that differ from the saved run: {changed}",
                    file=sys.stderr,
                )
                return 2
        # A run killed mid-write may leave a torn last line: skip it.
        task_columns = ["estimator", "noise_type", "noise_rate", "repeat", "fold"]
        earlier = (
            pd.read_csv(csv_path, on_bad_lines="skip")
            .dropna(subset=[*task_columns, "test_score"])
            .drop_duplicates(subset=task_columns, keep="last")
        )
    report = {
        "benchmark": "noise_curve",
        "status": "running",
        "parameters": settings,
        "versions": _versions(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _write_json(json_path, report)

    X, y, cv = _load(args)
    n_splits = len(cv) if isinstance(cv, list) else cv.get_n_splits()
    total = len(args.estimators) * len(args.noise_types) * len(args.rates) * args.repeats * n_splits
    already = 0 if earlier is None else len(earlier)
    appender = _CsvAppender(csv_path, RESULT_COLUMNS, keep_existing=earlier is not None)
    progress = tqdm(
        total=total,
        initial=min(already, total),
        unit="fit",
        desc="noise curve",
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def on_fit(row):
        appender(row)
        progress.update(1)
        progress.set_postfix(rate=row["noise_rate"], score=f"{row['test_score']:.4f}")

    start = time.perf_counter()
    frames = []
    n_jobs = args.n_jobs
    backend = contextlib.nullcontext()
    client = None
    if args.backend == "dask":
        client = _dask_client(args)
        backend = joblib.parallel_config(backend="dask")
        n_jobs = -1
    try:
        with backend:
            for estimator_name in args.estimators:
                for noise_type in args.noise_types:
                    frames.append(
                        noise_curve(
                            _estimator(estimator_name, args),
                            X,
                            y,
                            noise_rates=args.rates,
                            noise_type=noise_type,
                            cv=cv,
                            n_repeats=args.repeats,
                            random_state=args.seed,
                            n_jobs=n_jobs,
                            estimator_name=estimator_name,
                            as_frame=True,
                            callback=on_fit,
                            resume_from=earlier,
                        )
                    )
    except KeyboardInterrupt:
        progress.close()
        report.update(status="interrupted", wall_time_s=time.perf_counter() - start)
        _write_json(json_path, report)
        print(
            f"\ninterrupted: finished fits are in {csv_path}; rerun with --resume to go on.",
            file=sys.stderr,
        )
        return 130
    finally:
        if client is not None:
            client.close()
    progress.close()
    wall_time = time.perf_counter() - start

    frame = pd.concat(frames, ignore_index=True)
    # Rewritten sorted and whole: the appended rows may be in any order.
    temporary = csv_path.with_suffix(".csv.part")
    frame.to_csv(temporary, index=False)
    temporary.replace(csv_path)
    _plot(frame, png_path)
    summary = _summary_table(frame)
    report.update(
        status="complete",
        wall_time_s=wall_time,
        n_fits_run=total - already,
        n_fits_total=len(frame),
        summary=summary.to_dict("records"),
    )
    _write_json(json_path, report)
    _print_report(summary)
    print(f"\nwall time {wall_time:.1f} s; wrote {csv_path}, {png_path}, {json_path}")
    return 0


def main(argv=None):
    args = _parse(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the exit status says failure; the traceback says why
        import traceback

        traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
