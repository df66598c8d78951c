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

Exit status: 0 on success; 2 for bad arguments or unusable files (nothing
is written then); 1 on failure, including fits that failed (their rows keep
the error; ``--resume`` retries them); 130 when interrupted (Ctrl-C):
finished fits stay in the CSV and ``--resume`` goes on from there.

Results are never lost or silently mixed: an existing CSV is neither
overwritten (without ``--overwrite``) nor resumed from rows of other
settings (each row carries its seeds, split and configuration fingerprints);
a row torn by a killed write is run again; two runs cannot write to one
folder at once. ``--resume`` may extend a run with more repeats, rates,
estimators, cleaners or noise types: the first rows keep their seeds.

``--cleaner`` trains each estimator after a cleaner of skmislabel.cleaning
(``cnn+confident-learning``, ``cnn+knn``; ``none`` is the estimator on the
noisy labels): its rows get the detector's precision and recall against the
injected flips.

Examples::

    python benchmarks/noise_curve.py
    python benchmarks/noise_curve.py --quick
    python benchmarks/noise_curve.py --noise-type symmetric --noise-type pairflip \\
        --estimator cnn --estimator logreg --rates 0 0.2 0.4 --repeats 2
    python benchmarks/noise_curve.py --noise-type symmetric --noise-type part_dependent \\
        --noise-type confidence --noise-type pmd --noise-type borderline --repeats 2
    python benchmarks/noise_curve.py --noise-type symmetric --noise-type confidence \\
        --cleaner none --cleaner confident-learning --cleaner knn --repeats 2
    python benchmarks/noise_curve.py --backend dask --n-jobs 2
"""

import argparse
import csv
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ESTIMATORS = ("cnn", "logreg", "knn")
# "none" trains on the noisy labels as they are; the others clean them first
# (skmislabel.cleaning), and the rows get the detector's precision and recall.
CLEANERS = ("none", "confident-learning", "knn")
DATASETS = ("mnist", "mnist-full", "digits")
# The noise types a rate sweeps: the class-conditional ones with a rate and
# the instance-dependent ones (their options: --n-neighbors, --pmd-type, ...).
NOISE_TYPES = (
    "symmetric",
    "uniform",
    "pairflip",
    "part_dependent",
    "confidence",
    "pmd",
    "borderline",
)
# Measured with plain Keras on the lesson's data (5 epochs, batch 32, 3 seeds):
# the reference the lesson's numbers are compared with.
LESSON_REFERENCE = {"clean": (0.9705, 0.004), "lesson 10% (uniform randint(0, 9))": (0.9548, 0.003)}
DEFAULTS = {"dataset": "mnist", "rates": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], "repeats": 3, "epochs": 5}
QUICK_DEFAULTS = {"dataset": "digits", "rates": [0.0, 0.2, 0.4], "repeats": 1, "epochs": 2}


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
        help="repeat to compare types (default: symmetric); the instance-dependent "
        "ones (part_dependent, confidence, pmd, borderline) follow each image",
    )
    parser.add_argument(
        "--flip-rate-std",
        type=float,
        default=0.1,
        help="part_dependent: std of the per-sample flip rates (default 0.1)",
    )
    parser.add_argument(
        "--noise-cv",
        type=int,
        default=5,
        help="confidence, pmd: folds of the out-of-fold probabilities of the "
        "noise estimator, a scaled logistic regression (default 5)",
    )
    parser.add_argument(
        "--pmd-type", choices=("I", "II", "III"), default="I", help="pmd: polynomial (default I)"
    )
    parser.add_argument(
        "--n-neighbors", type=int, default=5, help="borderline: neighbours (default 5)"
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
    parser.add_argument(
        "--cleaner",
        dest="cleaners",
        action="append",
        choices=CLEANERS,
        help="repeat to compare: none (train on the noisy labels), confident-learning "
        "(ConfidentLearningCleaner), knn (NeighborhoodCleaner); a cleaned model is "
        "named estimator+cleaner (default: none)",
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        help="fits in parallel (default: chosen from the core count, see "
        "default_parallelism; 1 runs one fit after another with all TensorFlow threads)",
    )
    parser.add_argument("--backend", choices=("loky", "dask"), default="loky")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address (default: a local cluster on 127.0.0.1)",
    )
    parser.add_argument("--data-home", help="folder of mnist.npz for --dataset mnist-full")
    parser.add_argument(
        "--seed", type=int, default=0, help="random_state of the whole run, in [0, 2**32)"
    )
    parser.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny end-to-end run: defaults become digits (3-fold CV instead "
        "of 5), rates 0 0.2 0.4, 1 repeat, 2 epochs (options given explicitly "
        "still apply)",
    )
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument(
        "--resume",
        action="store_true",
        help="go on from OUT/noise_curve.csv, or extend it (more repeats, rates, "
        "estimators, noise types): its complete rows are kept, torn or failed "
        "ones are run again, rows of other settings are refused",
    )
    existing.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the results already in OUT (without it, or --resume, an "
        "existing run is never touched)",
    )
    return parser


def _parse(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    args.noise_types = args.noise_types or ["symmetric"]
    args.estimators = args.estimators or ["cnn"]
    args.cleaners = args.cleaners or ["none"]
    for name in ("estimators", "cleaners", "noise_types"):
        values = getattr(args, name)
        if len(set(values)) != len(values):
            parser.error(f"--{name[:-1].replace('_', '-')} must not repeat a value; got {values}")
    for name, default in (QUICK_DEFAULTS if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if any(not 0 <= rate <= 1 for rate in args.rates):
        parser.error(f"--rates must lie in [0, 1]; got {args.rates}")
    if len(set(args.rates)) != len(args.rates):
        parser.error(f"--rates must not repeat a rate; got {args.rates}")
    for name in ("repeats", "epochs", "batch_size", "n_jobs", "n_neighbors"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.noise_cv < 2:
        parser.error(f"--noise-cv must be at least 2; got {args.noise_cv}")
    if not args.flip_rate_std >= 0:
        parser.error(f"--flip-rate-std must be at least 0; got {args.flip_rate_std}")
    if args.scheduler and args.backend != "dask":
        parser.error("--scheduler needs --backend dask")
    if not 0 <= args.seed < 2**32:
        parser.error(f"--seed must be in [0, 2**32); got {args.seed}")
    args.rates = sorted(set(args.rates))
    return args


def _available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_parallelism(estimator_name, dataset="mnist", cores=None):
    """``(n_jobs, tf_threads)`` for a sweep of one estimator on this machine.

    scikit-learn models run one fit per core. The CNN runs one fit after
    another in this process, with TensorFlow's own thread pools: a fit
    already keeps the cores busy (its training loop runs in the graph,
    ``steps_per_execution=32``), so worker processes with one thread each
    only add contention and start-up. Measured with benchmarks/curve_speed.py
    on 2 cores: 6 lesson fits took 85.8 s one after another and 97.5 s in two
    workers (see docs/user_guide/noise_curves.rst); ``--n-jobs`` overrides it.
    """
    cores = cores or _available_cores()
    if estimator_name != "cnn":
        return cores, None
    return 1, None


def _parallelism(estimator_name, args):
    """``(n_jobs, tf_threads)``: --n-jobs if given, else the machine's default."""
    if args.n_jobs is None:
        return default_parallelism(estimator_name, args.dataset)
    if estimator_name != "cnn" or args.n_jobs == 1:
        return args.n_jobs, None
    return args.n_jobs, max(1, _available_cores() // args.n_jobs)


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


def _tf_threads(args):
    return _parallelism("cnn", args)[1]


def _models(args):
    """``(label, estimator name, cleaner)`` of every model the run trains."""
    return [
        (name if cleaner == "none" else f"{name}+{cleaner}", name, cleaner)
        for name in args.estimators
        for cleaner in args.cleaners
    ]


def _model(name, cleaner, args):
    """The estimator, after its cleaner when there is one."""
    estimator = _estimator(name, args)
    if cleaner == "none":
        return estimator
    from skmislabel import make_pipeline
    from skmislabel.cleaning import ConfidentLearningCleaner, NeighborhoodCleaner

    step = ConfidentLearningCleaner() if cleaner == "confident-learning" else NeighborhoodCleaner()
    return make_pipeline(step, estimator)


def _estimator(name, args):
    if name == "cnn":
        from skmislabel import CNNClassifier

        return CNNClassifier(
            epochs=args.epochs, batch_size=args.batch_size, tf_threads=_tf_threads(args)
        )
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=300)
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier()


def _injector(noise_type, args):
    """The injector of one noise type, with the options given on the command line."""
    from skmislabel import LabelNoiseInjector

    return LabelNoiseInjector(
        noise_type=noise_type,
        flip_rate_std=args.flip_rate_std,
        noise_cv=args.noise_cv,
        pmd_type=args.pmd_type,
        n_neighbors=args.n_neighbors,
    )


def _settings(args):
    return {
        "dataset": args.dataset,
        "noise_types": args.noise_types,
        "noise_options": {
            "flip_rate_std": args.flip_rate_std,
            "noise_cv": args.noise_cv,
            "pmd_type": args.pmd_type,
            "n_neighbors": args.n_neighbors,
        },
        "rates": args.rates,
        "repeats": args.repeats,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "estimators": args.estimators,
        "cleaners": args.cleaners,
        "seed": args.seed,
        "n_jobs": args.n_jobs,
        "parallelism": {name: _parallelism(name, args) for name in args.estimators},
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


class _Refused(Exception):
    """Arguments or files this run cannot use: exit status 2, nothing written."""


def _write_json(path, report):
    temporary = path.with_suffix(".json.part")
    temporary.write_text(json.dumps(report, indent=2, default=str))
    temporary.replace(path)


def _prepare_folder(out):
    """Create OUT and take its lock, or refuse with the reason."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Opening the lock file also proves that the folder is writable
        # (os.access says yes to root even on a read-only file system).
        lock = open(out / "noise_curve.lock", "a")
    except OSError as exc:
        raise _Refused(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks, one run at a time is on the user
        return lock
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise _Refused(
            f"--out {out}: another run is writing there (it holds noise_curve.lock); "
            "wait for it or choose another --out"
        ) from None
    return lock


# How each column of the results CSV is parsed back; NaN stands for empty.
def _parse_int(text):
    return int(text)


def _parse_float(text):
    return math.nan if text in ("", "nan", "NaN") else float(text)


def _column_parsers(columns):
    from skmislabel.model_selection import RESULT_TYPES

    parse = {str: str, int: _parse_int, float: _parse_float}
    return {column: parse[RESULT_TYPES[column]] for column in columns}


def _read_results(path, columns):
    """The rows of an earlier run's CSV, parsed, as a DataFrame.

    A last line without its newline is a row torn by a killed write: it is
    dropped (and so run again). Anything else that does not parse means the
    file is not a results CSV of this version (or of the previous one, whose
    rows lack the detection columns): refused, never guessed at.
    """
    from skmislabel.model_selection import DETECTION_COLUMNS

    data = path.read_bytes()
    if not data.strip():
        raise _Refused(f"--resume: {path} is empty; pass --overwrite to start a new run there")
    if b"\0" in data:
        raise _Refused(f"--resume: {path} is a binary file, not a results CSV")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(f"--resume: {path} is not UTF-8 text, not a results CSV") from None
    lines = text.split("\n")
    torn = lines.pop()  # "" when the file ends with a newline, as complete rows do
    try:
        records = list(csv.reader(lines))
        header = records.pop(0) if records else next(csv.reader([torn]))
    except csv.Error as exc:
        raise _Refused(f"--resume: {path} is not a readable CSV ({exc})") from None
    legacy = [column for column in columns if column not in DETECTION_COLUMNS]
    if header == legacy:
        # Saved before the detection columns existed: read as NaN.
        return _read_results_with_header(path, records, torn, header, columns)
    if header != list(columns):
        raise _Refused(
            f"--resume: {path} has the columns {header}, not those of this version's "
            f"results {list(columns)}; pass --overwrite or another --out"
        )
    return _read_results_with_header(path, records, torn, header, columns)


def _read_results_with_header(path, records, torn, header, columns):
    """Parse the records of a results CSV whose columns are ``header``; the
    ``columns`` it lacks are NaN."""
    import pandas as pd

    parsers = _column_parsers(header)
    rows = []
    for line_number, record in enumerate(records, start=2):
        if len(record) != len(header):
            raise _Refused(
                f"--resume: {path} line {line_number} has {len(record)} fields, not "
                f"{len(header)}: the file is damaged; pass --overwrite to start over"
            )
        try:
            rows.append({column: parsers[column](value) for column, value in zip(header, record)})
        except ValueError as exc:
            raise _Refused(
                f"--resume: {path} line {line_number} does not parse ({exc}); "
                "pass --overwrite to start over"
            ) from None
    if torn:
        print(f"--resume: dropped a torn last row of {path}; it will be run again", file=sys.stderr)
    return pd.DataFrame(rows, columns=list(columns))


def _check_rows_belong_to_run(rows, args, cv_splits):
    """Refuse rows that this run would drop or that were computed with other
    seeds, splits or model settings: resuming must neither lose nor mix results."""
    from skmislabel import make_pipeline
    from skmislabel.model_selection import (
        PROVENANCE_COLUMNS,
        TASK_COLUMNS,
        config_fingerprint,
        repeat_seeds,
        split_fingerprint,
    )

    seeds = repeat_seeds(args.seed, args.repeats)
    configurations = {
        (label, noise_type): config_fingerprint(
            make_pipeline(_injector(noise_type, args), _model(name, cleaner, args))
        )
        for label, name, cleaner in _models(args)
        for noise_type in args.noise_types
    }
    fingerprints = [split_fingerprint(train, test) for train, test in cv_splits]
    rates = np.asarray(args.rates)
    for record in rows.to_dict("records"):
        task = {name: record[name] for name in TASK_COLUMNS}
        belongs = (
            record["estimator"] in {label for label, _, _ in _models(args)}
            and record["noise_type"] in args.noise_types
            and np.isclose(rates, record["noise_rate"], rtol=0, atol=1e-12).any()
            and 0 <= record["repeat"] < args.repeats
            and 0 <= record["fold"] < len(fingerprints)
        )
        if not belongs:
            raise _Refused(
                f"--resume: the saved row {task} is not part of this run's settings, "
                "and resuming would drop it; rerun with the saved run's settings or "
                "choose another --out"
            )
        expected = (
            *seeds[record["repeat"]],
            fingerprints[record["fold"]],
            configurations[record["estimator"], record["noise_type"]],
        )
        found = tuple(record[column] for column in PROVENANCE_COLUMNS)
        if found != expected:
            raise _Refused(
                f"--resume: the saved row {task} was computed with {PROVENANCE_COLUMNS} = "
                f"{found}, but this run uses {expected}: it belongs to another --seed, "
                "data set, split or model setting (--epochs, --batch-size); choose "
                "another --out"
            )


class _CsvAppender:
    """Append each finished fit to the CSV at once, so an interruption loses
    at most the fits still running; each row is one write ending in a newline,
    so a killed write leaves a last line without one, which --resume drops."""

    def __init__(self, path, columns):
        self.path, self.columns = path, list(columns)

    def _formatted(self, row):
        """The row's values as written: a count read back as a float (its
        column allows NaN, for failed fits) is written as the int it was, so
        a resumed file keeps the text of the rows it reuses."""
        row = {column: row[column] for column in self.columns}
        count = row["n_flipped"]
        if isinstance(count, float) and count.is_integer():
            row["n_flipped"] = int(count)
        return row

    def write_all(self, rows):
        """Replace the file, atomically, by the header and ``rows``."""
        temporary = self.path.with_suffix(".csv.part")
        with open(temporary, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=self.columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(self._formatted(row) for row in rows)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self.path)

    def __call__(self, row):
        import io

        line = io.StringIO()
        csv.DictWriter(line, fieldnames=self.columns, lineterminator="\n").writerow(
            self._formatted(row)
        )
        with open(self.path, "a", newline="") as file:
            file.write(line.getvalue())
            file.flush()
            os.fsync(file.fileno())


def _summary_table(frame):
    summary = (
        frame.groupby(["estimator", "noise_type", "noise_rate"])
        .agg(
            test_mean=("test_score", "mean"),
            test_std=("test_score", "std"),
            train_mean=("train_score", "mean"),
            flip_rate=("flip_rate", "mean"),
            fits=("test_score", "count"),
            failed=("error", lambda errors: int((errors.fillna("") != "").sum())),
            fit_seconds=("fit_time", "mean"),
            precision=("detection_precision", "mean"),
            recall=("detection_recall", "mean"),
        )
        .reset_index()
    )
    return summary


def _print_report(summary):
    any_failed = summary["failed"].sum() > 0
    # Precision and recall of the cleaners' suspects against the true flips.
    any_cleaner = summary[["precision", "recall"]].notna().any().any()
    width = max(10, *summary["estimator"].str.len())
    print()
    print(
        f"{'estimator':>{width}} {'noise':>14} {'rate':>5} {'test accuracy':>17} "
        f"{'train (clean)':>13} {'flipped':>8} {'fits':>5} {'s/fit':>6}"
        + (f" {'precision':>9} {'recall':>6}" if any_cleaner else "")
        + (f" {'failed':>6}" if any_failed else "")
    )
    for row in summary.itertuples(index=False):
        std = 0.0 if np.isnan(row.test_std) else row.test_std
        print(
            f"{row.estimator:>{width}} {row.noise_type:>14} {row.noise_rate:>5.2f} "
            f"{row.test_mean:>9.4f} ± {std:.4f} {row.train_mean:>13.4f} "
            f"{row.flip_rate:>8.3f} {row.fits:>5d} {row.fit_seconds:>6.1f}"
            + (f" {row.precision:>9.3f} {row.recall:>6.3f}" if any_cleaner else "")
            + (f" {row.failed:>6d}" if any_failed else "")
        )
    clean = summary[np.isclose(summary["noise_rate"], 0)]
    ten = summary[np.isclose(summary["noise_rate"], 0.1)]
    if len(clean) and len(ten):
        print("\nThe lesson's comparison (test accuracy on clean labels, mean ± std):")
        # Every noise type has its rate-0 rows: the same fits, shown once.
        for row in clean.drop_duplicates("estimator").itertuples(index=False):
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

    # The Displays count failed fits (rows with an error) as missing; the
    # comparison panel needs fits that succeeded at both rates.
    rates = frame.loc[frame["error"].fillna("") == "", "noise_rate"].to_numpy()
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
        n_workers=args.n_jobs or _available_cores(),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return Client(cluster)


def _exit_with_parent(parent_pid):
    """Initializer of the loky workers: exit when this script's process is
    gone, even killed by SIGKILL, instead of idling on as orphans holding the
    memory of a TensorFlow runtime each (loky's idle timeout is 5 minutes)."""
    import threading

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _splits(cv, X, y):
    if isinstance(cv, list):
        return cv
    return list(cv.split(X, y))


def run(args):
    """Run the benchmark while holding OUT's lock, so that no other run writes
    there until every file of this one is complete."""
    lock = _prepare_folder(args.out)
    try:
        return _run_locked(args)
    finally:
        lock.close()


def _run_locked(args):
    import joblib
    import pandas as pd

    try:
        from tqdm import tqdm
    except ImportError:
        print("error: the progress bar needs tqdm: pip install '.[benchmarks]'", file=sys.stderr)
        return 1

    from skmislabel.model_selection import (
        RESULT_COLUMNS,
        TASK_COLUMNS,
        ResumeMismatchError,
        noise_curve,
    )

    csv_path, json_path = args.out / "noise_curve.csv", args.out / "noise_curve.json"
    png_path = args.out / "noise_curve.png"
    settings = _settings(args)
    existing = [path for path in (csv_path, json_path, png_path) if path.exists()]
    if existing and not (args.resume or args.overwrite):
        raise _Refused(
            f"--out {args.out} already holds a run ({', '.join(p.name for p in existing)}); "
            "pass --resume to continue it or --overwrite to replace it"
        )
    X, y, cv = _load(args)
    cv_splits = _splits(cv, X, y)
    earlier = None
    if args.resume and csv_path.exists():
        # The rows themselves say what computed them: a run may be extended
        # (more repeats, rates, estimators or noise types) but never mixed
        # with rows of other settings, nor shrunk so that rows are dropped.
        earlier = _read_results(csv_path, RESULT_COLUMNS)
        _check_rows_belong_to_run(earlier, args, cv_splits)

    # Every check passed: from here on files are written.
    if args.overwrite:
        # A figure of the replaced run must not sit beside the new results.
        png_path.unlink(missing_ok=True)
    appender = _CsvAppender(csv_path, RESULT_COLUMNS)
    appender.write_all([] if earlier is None else earlier.to_dict("records"))
    report = {
        "benchmark": "noise_curve",
        "status": "running",
        "parameters": settings,
        "versions": _versions(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _write_json(json_path, report)

    n_splits = len(cv_splits)
    total = len(_models(args)) * len(args.noise_types) * len(args.rates) * args.repeats * n_splits
    reusable = 0
    if earlier is not None:
        complete = earlier[(earlier["error"] == "") & earlier["test_score"].notna()]
        reusable = len(complete.drop_duplicates(subset=list(TASK_COLUMNS)))
    progress = tqdm(
        total=total,
        initial=reusable,
        unit="fit",
        desc="noise curve",
        file=sys.stderr,
        dynamic_ncols=True,
    )
    n_fits_run = 0

    def on_fit(row):
        nonlocal n_fits_run
        appender(row)
        n_fits_run += 1
        progress.update(1)
        progress.set_postfix(rate=row["noise_rate"], score=f"{row['test_score']:.4f}")

    start = time.perf_counter()
    frames = []
    backend = joblib.parallel_config(
        backend="loky", initializer=_exit_with_parent, initargs=(os.getpid(),)
    )
    client = None
    try:
        if args.backend == "dask":
            client = _dask_client(args)
            backend = joblib.parallel_config(backend="dask")
        with backend:
            for label, estimator_name, cleaner in _models(args):
                n_jobs = -1 if client is not None else _parallelism(estimator_name, args)[0]
                for noise_type in args.noise_types:
                    frame = noise_curve(
                        _model(estimator_name, cleaner, args),
                        X,
                        y,
                        noise_rates=args.rates,
                        injector=_injector(noise_type, args),
                        cv=cv_splits,
                        n_repeats=args.repeats,
                        random_state=args.seed,
                        n_jobs=n_jobs,
                        estimator_name=label,
                        callback=on_fit,
                        resume_from=earlier,
                    ).frame
                    frames.append(frame)
    except KeyboardInterrupt:
        progress.close()
        report.update(status="interrupted", wall_time_s=time.perf_counter() - start)
        _write_json(json_path, report)
        print(
            f"\ninterrupted: finished fits are in {csv_path}; rerun with --resume to go on.",
            file=sys.stderr,
        )
        return 130
    except ResumeMismatchError as exc:
        report.update(status="refused", error=str(exc))
        _write_json(json_path, report)
        raise _Refused(f"--resume: {exc}") from None
    except BaseException as exc:
        report.update(
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            wall_time_s=time.perf_counter() - start,
        )
        _write_json(json_path, report)
        raise
    finally:
        if client is not None:
            client.close()
    progress.close()
    wall_time = time.perf_counter() - start

    frame = pd.concat(frames, ignore_index=True)
    # Rewritten sorted and whole: the appended rows may be in any order.
    appender.write_all(frame.to_dict("records"))
    summary = _summary_table(frame)
    failed = frame[frame["error"].fillna("") != ""]
    if len(failed) < len(frame):
        _plot(frame, png_path)
    report.update(
        status="complete" if failed.empty else "complete with failed fits",
        wall_time_s=wall_time,
        n_fits_run=n_fits_run,
        n_fits_total=len(frame),
        n_fits_failed=len(failed),
        summary=summary.to_dict("records"),
    )
    _write_json(json_path, report)
    _print_report(summary)
    print(f"\nwall time {wall_time:.1f} s; wrote {csv_path}, {png_path}, {json_path}")
    if not failed.empty:
        print(
            f"error: {len(failed)} of {len(frame)} fits failed (first: "
            f"{failed['error'].iloc[0]}); their rows keep the error, --resume reruns them",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv=None):
    args = _parse(argv)
    try:
        return run(args)
    except _Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
