"""What recovers the accuracy: noise-robust training against cross-entropy.

With no arguments it trains the lesson's CNN on the bundled MNIST subset
(first 15,000 training images, labels flipped; scored on the first 2,000
test images' clean labels) in the memorization regime the field studies:
20 epochs of batch 128, at symmetric noise 0%, 50%, 60% and pairflip
noise 20%, 45%, 2 repeats, with every method:

- ``cross_entropy`` (the baseline) and the robust losses of
  ``skmislabel.losses``: ``label_smoothing``, ``bootstrap_soft``,
  ``bootstrap_hard``, ``gce``, ``sce``, ``nce_rce``, each with its paper's
  defaults (``CNNClassifier(loss=...)``);
- ``forward`` and ``backward`` loss correction with the known ``T`` (the
  injector's ``transition_matrix_``), and ``forward_estimated`` with ``T``
  estimated from anchor points of the same repeat's cross-entropy network
  after its last epoch (what ``loss__transition_matrix="estimate"`` does,
  without training that network twice);
- ``coteaching``: ``CoTeachingClassifier`` with ``forget_rate`` = the
  noise rate (known here), ``n_gradual_epochs=10``.

Within a repeat every method sees the same noisy labels and the same
initial seed. Each fit is recorded after every epoch
(``skmislabel.model_selection.memorization_curve``): test accuracy, and on
the training set the share of flipped labels predicted as the noisy label
(memorized) or the true one (corrected). It writes

- ``results/remedies.csv``: one row per fit and epoch, appended as each fit
  finishes;
- ``results/remedies.png``: last- and best-epoch test accuracy per method and
  noise; ``results/memorization.png``: cross-entropy against the best remedy
  at symmetric 50%, epoch by epoch (when that noise is in the run);
- ``results/remedies.json``: versions, settings, the summary table, the
  estimated T's error against the true one, machine, wall time;

and prints the table (mean ± std over repeats, ddof=1).

Exit status: 0 on success; 2 for bad arguments or unusable files (no result
is written then); 1 when a fit failed (its rows keep the error and no
number; ``--resume`` retries it); 130 when interrupted: finished fits stay
in the CSV and ``--resume`` goes on from there. A fit's rows are written
together; a fit torn by a killed write is run again, rows of other settings
are refused, and two runs cannot write to one folder at once.

Examples::

    python benchmarks/remedies.py
    python benchmarks/remedies.py --quick
    python benchmarks/remedies.py --method cross_entropy --method gce \\
        --symmetric 0.5 --pairflip 0.45 --repeats 3
"""

import argparse
import concurrent.futures
import csv
import hashlib
import json
import math
import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

METHODS = (
    "cross_entropy",
    "label_smoothing",
    "bootstrap_soft",
    "bootstrap_hard",
    "gce",
    "sce",
    "nce_rce",
    "forward",
    "backward",
    "forward_estimated",
    "coteaching",
)
# Methods that need the same repeat's cross-entropy network first.
NEEDS_CROSS_ENTROPY = ("forward_estimated",)
DEFAULTS = {
    "dataset": "mnist",
    "symmetric": [0.5, 0.6, 0.0],
    "pairflip": [0.45, 0.2],
    "repeats": 2,
    "epochs": 20,
}
QUICK_DEFAULTS = {
    "dataset": "digits",
    "symmetric": [0.4],
    "pairflip": [0.3],
    "repeats": 1,
    "epochs": 3,
}
COLUMNS = (
    "method",
    "noise_type",
    "noise_rate",
    "repeat",
    "epoch",
    "test_accuracy",
    "memorized",
    "corrected",
    "clean_accuracy",
    "n_flipped",
    "fit_time",
    "noise_seed",
    "model_seed",
    "settings",
    "estimated_transition_matrix",
    "error",
)
TASK_COLUMNS = ("method", "noise_type", "noise_rate", "repeat")
# Memorization is measured after every epoch on this many training images
# (the same random ones at every epoch): predicting all 15,000 would add
# about half an epoch's time per epoch.
MEASURED_TRAINING_SAMPLES = 3000
FLOAT_COLUMNS = ("noise_rate", "test_accuracy", "memorized", "corrected", "clean_accuracy")


def _parser():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "--method",
        dest="methods",
        action="append",
        choices=METHODS,
        help="repeat to choose (default: all); cross_entropy is always run when "
        "forward_estimated is",
    )
    parser.add_argument(
        "--symmetric",
        type=float,
        nargs="*",
        help="symmetric noise rates, run in this order (default 0.5 0.6 0)",
    )
    parser.add_argument(
        "--pairflip",
        type=float,
        nargs="*",
        help="pairflip rates, run in this order (default 0.45 0.2)",
    )
    parser.add_argument("--repeats", type=int, help="repeats with new noise and seeds (default 2)")
    parser.add_argument("--epochs", type=int, help="epochs per fit (default 20)")
    parser.add_argument("--batch-size", type=int, default=128, help="default 128")
    parser.add_argument(
        "--dataset",
        choices=("mnist", "digits"),
        help="mnist: the bundled lesson subset; digits: scikit-learn's 8x8 digits, "
        "first 1,200 to train, the rest to test (default: mnist)",
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        help="fits in parallel, each in its own process with 1 TensorFlow thread "
        "(default: the number of cores, at most 4)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the whole run, in [0, 2**31)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny end-to-end run: digits, symmetric 0.4, pairflip 0.3, 1 repeat, "
        "3 epochs (options given explicitly still apply)",
    )
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument(
        "--resume", action="store_true", help="continue the run whose CSV is in OUT"
    )
    existing.add_argument(
        "--overwrite", action="store_true", help="replace the results already in OUT"
    )
    return parser


def _parse(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    defaults = QUICK_DEFAULTS if args.quick else DEFAULTS
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.methods = list(args.methods or METHODS)
    if len(set(args.methods)) != len(args.methods):
        parser.error(f"--method must not repeat a value; got {args.methods}")
    if any(method in NEEDS_CROSS_ENTROPY for method in args.methods):
        if "cross_entropy" not in args.methods:
            args.methods.insert(0, "cross_entropy")
    for name in ("symmetric", "pairflip"):
        rates = getattr(args, name)
        if len(set(rates)) != len(rates):
            parser.error(f"--{name} must not repeat a value; got {rates}")
        if any(not 0 <= rate < 1 for rate in rates):
            parser.error(f"--{name} rates must be in [0, 1); got {rates}")
    if any(rate == 0 for rate in args.pairflip):
        parser.error("--pairflip 0 is clean training; give it as --symmetric 0")
    if not args.symmetric and not args.pairflip:
        parser.error("give at least one rate with --symmetric or --pairflip")
    for name in ("repeats", "epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.n_jobs is None:
        args.n_jobs = min(os.cpu_count() or 1, 4)
    if args.n_jobs < 1:
        parser.error("--n-jobs must be at least 1")
    if not 0 <= args.seed < 2**31:
        parser.error(f"--seed must be in [0, 2**31); got {args.seed}")
    return args


# --------------------------------------------------------------------------
# The tasks
# --------------------------------------------------------------------------
def _conditions(args):
    """The noise conditions, symmetric and pairflip alternating in the order
    given, so that the first rates of each come first."""
    symmetric = [("symmetric", rate) for rate in args.symmetric]
    pairflip = [("pairflip", rate) for rate in args.pairflip]
    ordered = []
    for index in range(max(len(symmetric), len(pairflip))):
        ordered += symmetric[index : index + 1] + pairflip[index : index + 1]
    return ordered


def _seed(*parts):
    """A seed in [0, 2**31) from the run's seed and the task's names: the
    same in every process and on every resume."""
    digest = hashlib.sha256(json.dumps(parts).encode()).digest()
    return int.from_bytes(digest[:4], "little") % 2**31


def _tasks(args):
    """Every fit, cross-entropy first so that the methods needing its
    network find it early."""
    tasks = []
    for noise_type, rate in _conditions(args):
        for repeat in range(args.repeats):
            for method in args.methods:
                tasks.append(
                    {
                        "method": method,
                        "noise_type": noise_type,
                        "noise_rate": rate,
                        "repeat": repeat,
                        # Shared by every method of a repeat: paired comparisons.
                        "noise_seed": _seed(args.seed, "noise", noise_type, rate, repeat),
                        "model_seed": _seed(args.seed, "model", repeat),
                    }
                )
    return tasks


def _settings(args):
    """What decides a fit's numbers besides its task: a resumed row must have
    been computed with these."""
    settings = {
        "dataset": args.dataset,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "measured_training_samples": MEASURED_TRAINING_SAMPLES,
    }
    return (
        "sha256:" + hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    )


def _task_key(row):
    return (row["method"], row["noise_type"], float(row["noise_rate"]), int(row["repeat"]))


# --------------------------------------------------------------------------
# In the worker processes
# --------------------------------------------------------------------------
_DATA = {}


def _load(dataset):
    if dataset not in _DATA:
        if dataset == "digits":
            from sklearn.datasets import load_digits

            X, y = load_digits(return_X_y=True)
            X = (X / 16).astype(np.float32)
            _DATA[dataset] = (X[:1200], y[:1200], X[1200:], y[1200:])
        else:
            from skmislabel.datasets import load_mnist

            X, y = load_mnist(subset="all", return_X_y=True)
            _DATA[dataset] = (X[:15_000], y[:15_000], X[15_000:], y[15_000:])
    return _DATA[dataset]


def _estimator(method, task, args, transition_matrix):
    from skmislabel import CNNClassifier
    from skmislabel.coteaching import CoTeachingClassifier

    common = {
        "batch_size": args.batch_size,
        "random_state": task["model_seed"],
        # One thread per worker process; all of them for --n-jobs 1.
        "tf_threads": 1 if args.n_jobs > 1 else None,
    }
    if method == "coteaching":
        return CoTeachingClassifier(forget_rate=task["noise_rate"], n_gradual_epochs=10, **common)
    if method in ("forward", "backward", "forward_estimated"):
        loss = "forward" if method == "forward_estimated" else method
        return CNNClassifier(loss=loss, loss__transition_matrix=transition_matrix, **common)
    return CNNClassifier(loss=method, **common)


def run_task(task, args, estimated_transition_matrix=None):
    """Train one method on one noisy training set, epoch by epoch; the
    task's rows (one per epoch), or one row with the error."""
    from skmislabel import LabelNoiseInjector
    from skmislabel.model_selection import memorization_curve
    from skmislabel.noise import estimate_transition_matrix

    started = time.perf_counter()
    base = {**task, "settings": _settings(args), "estimated_transition_matrix": ""}
    try:
        X, y, X_test, y_test = _load(args.dataset)
        injector = LabelNoiseInjector(
            noise_rate=task["noise_rate"],
            noise_type=task["noise_type"],
            random_state=task["noise_seed"],
        )
        _, y_noisy = injector.fit_resample(X, y)
        if task["method"] == "forward_estimated":
            transition_matrix = np.asarray(estimated_transition_matrix)
        else:
            transition_matrix = injector.transition_matrix_
        estimator = _estimator(task["method"], task, args, transition_matrix)
        curve = memorization_curve(
            estimator,
            X,
            y_noisy,
            y,
            X_test=X_test,
            y_test=y_test,
            epochs=args.epochs,
            max_samples=min(MEASURED_TRAINING_SAMPLES, len(y)),
            random_state=task["noise_seed"],
        )
        if task["method"] == "cross_entropy":
            proba = curve.estimator.predict_proba(X)
            # Full precision: its rows must still sum to 1 when read back.
            base["estimated_transition_matrix"] = json.dumps(
                estimate_transition_matrix(proba).tolist()
            )
    except Exception as exc:  # noqa: BLE001 - a failed fit is recorded, never a number
        return [
            {
                **base,
                "epoch": "",
                "fit_time": round(time.perf_counter() - started, 2),
                "n_flipped": "",
                "error": f"{type(exc).__name__}: {exc}",
            }
        ]
    fit_time = round(time.perf_counter() - started, 2)
    rows = []
    for index, epoch in enumerate(curve.epochs):
        rows.append(
            {
                **base,
                "epoch": int(epoch),
                "test_accuracy": float(curve.test_accuracy[index]),
                "memorized": float(curve.memorized[index]),
                "corrected": float(curve.corrected[index]),
                "clean_accuracy": float(curve.clean_accuracy[index]),
                "n_flipped": int(curve.n_flipped),
                "fit_time": fit_time,
                "error": "",
            }
        )
    # Only the last epoch's row carries the estimate.
    for row in rows[:-1]:
        row["estimated_transition_matrix"] = ""
    return rows


class _InProcessPool:
    """--n-jobs 1: each fit runs here when it is submitted, with all of
    TensorFlow's threads (and failures can be tested in-process)."""

    def submit(self, function, *args):
        future = concurrent.futures.Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:  # noqa: BLE001 - handed over like a pool's
            future.set_exception(exc)
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def _worker_init():
    # TensorFlow's retracing warnings and C++ logs would bury the progress bar.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from skmislabel.cnn import set_tensorflow_threads

    tf.get_logger().setLevel("ERROR")
    set_tensorflow_threads(1)


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def _prepare_folder(out):
    """Create OUT and take its lock, or refuse with the reason."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = open(out / "remedies.lock", "a")
    except OSError as exc:
        raise SystemExit(f"error: --out {out} is not a writable folder: {exc}") from None
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks, one run at a time is on the user
        return lock
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise SystemExit(
            f"error: --out {out}: another run is writing there (it holds remedies.lock)"
        ) from None
    return lock


def _read_rows(path, args):
    """The complete fits of a CSV as ``{task key: rows}``, and the number of
    torn or failed fits left out (they are run again)."""
    with open(path, newline="") as file:
        reader = csv.DictReader(file)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise SystemExit(f"error: {path} is not a remedies.py CSV (its columns differ)")
        records = list(reader)
    by_task = {}
    for record in records:
        if None in record or any(value is None for value in record.values()):
            continue  # a line torn by a killed write
        try:
            by_task.setdefault(_task_key(record), []).append(record)
        except ValueError:
            continue
    settings, tasks = _settings(args), {_task_key(task): task for task in _tasks(args)}
    complete, dropped = {}, 0
    for key, rows in by_task.items():
        for row in rows:
            if row["settings"] != settings:
                raise SystemExit(
                    f"error: {path} holds rows of other settings ({row['settings']}, this "
                    f"run {settings}: dataset, epochs, batch size or seed differ); use "
                    "another --out, or --overwrite to replace them"
                )
            task = tasks.get(key)
            if task is not None and (
                int(row["noise_seed"]) != task["noise_seed"]
                or int(row["model_seed"]) != task["model_seed"]
            ):
                raise SystemExit(f"error: {path}: the seeds of {key} differ from this run's")
        epochs = sorted(int(row["epoch"]) for row in rows if row["epoch"] and not row["error"])
        if epochs == list(range(1, args.epochs + 1)) and not any(row["error"] for row in rows):
            complete[key] = rows
        else:
            dropped += 1
    return complete, dropped


def _write_rows(path, rows, mode):
    """Append (or, with mode "w", replace) rows; a fit's rows go together and
    are flushed to disk before the fit counts as done."""
    temporary = path.with_suffix(".tmp") if mode == "w" else path
    with open(temporary, mode, newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        if mode == "w":
            writer.writeheader()
        writer.writerows({column: row.get(column, "") for column in COLUMNS} for row in rows)
        file.flush()
        os.fsync(file.fileno())
    if mode == "w":
        temporary.replace(path)


def _finite(value):
    """``value`` with NaN and infinities as None: strict JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _write_json(path, report):
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(_finite(report), indent=2, allow_nan=False) + "\n")
    temporary.replace(path)


# --------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------
def _frame(rows):
    import pandas as pd

    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame[frame["error"].fillna("") == ""].copy()
    for column in (*FLOAT_COLUMNS, "fit_time"):
        # Rows read back from the CSV hold text, "nan" included (no flipped
        # label to memorize at rate 0), which to_numeric refuses.
        frame[column] = [float(value) for value in frame[column]]
    for column in ("repeat", "epoch", "n_flipped"):
        frame[column] = pd.to_numeric(frame[column]).astype(int)
    return frame


def summarize(frame):
    """Per method and noise: last- and best-epoch test accuracy, mean and
    std over repeats (ddof=1), and the share of flipped labels memorized at
    the last epoch."""
    fits = frame.groupby(["method", "noise_type", "noise_rate", "repeat"])
    per_fit = fits.apply(
        lambda rows: {
            "last": rows.loc[rows["epoch"].idxmax(), "test_accuracy"],
            "best": rows["test_accuracy"].max(),
            "best_epoch": int(rows.loc[rows["test_accuracy"].idxmax(), "epoch"]),
            "memorized": rows.loc[rows["epoch"].idxmax(), "memorized"],
        },
        include_groups=False,
    )
    table = []
    for (method, noise_type, rate), fits_of_cell in per_fit.groupby(level=[0, 1, 2]):
        values = list(fits_of_cell)
        row = {"method": method, "noise_type": noise_type, "noise_rate": rate, "n": len(values)}
        for name in ("last", "best", "memorized"):
            numbers = np.array([value[name] for value in values], dtype=float)
            row[name] = float(np.mean(numbers))
            row[f"{name}_std"] = float(np.std(numbers, ddof=1)) if len(numbers) > 1 else math.nan
        row["best_epoch"] = [value["best_epoch"] for value in values]
        table.append(row)
    # Methods in the order of METHODS (the baseline first), symmetric before
    # pairflip, rates ascending.
    order = {method: index for index, method in enumerate(METHODS)}
    return sorted(
        table,
        key=lambda row: (
            order.get(row["method"], len(order)),
            row["noise_type"] != "symmetric",
            row["noise_rate"],
        ),
    )


def _table_conditions(table):
    return sorted(
        {(row["noise_type"], row["noise_rate"]) for row in table},
        key=lambda condition: (condition[0] != "symmetric", condition[1]),
    )


def transition_matrix_errors(rows, args):
    """The anchor-point estimate of each cross-entropy fit against the true T
    (the injector's): mean absolute error over entries and the largest one."""
    from skmislabel import LabelNoiseInjector

    X, y = _load(args.dataset)[:2]
    errors = []
    for row in rows:
        if row["method"] != "cross_entropy" or not row["estimated_transition_matrix"]:
            continue
        injector = LabelNoiseInjector(
            noise_rate=float(row["noise_rate"]),
            noise_type=row["noise_type"],
            random_state=int(row["noise_seed"]),
        )
        injector.fit_resample(X, y)
        true = injector.transition_matrix_
        estimate = np.array(json.loads(row["estimated_transition_matrix"]))
        errors.append(
            {
                "noise_type": row["noise_type"],
                "noise_rate": float(row["noise_rate"]),
                "repeat": int(row["repeat"]),
                "mean_abs_error": float(np.mean(np.abs(estimate - true))),
                "max_abs_error": float(np.max(np.abs(estimate - true))),
                "diagonal_true": float(np.mean(np.diag(true))),
                "diagonal_estimated": float(np.mean(np.diag(estimate))),
            }
        )
    return errors


def _print_table(table):
    conditions = _table_conditions(table)
    methods = list(dict.fromkeys(row["method"] for row in table))
    cells = {(row["method"], row["noise_type"], row["noise_rate"]): row for row in table}
    header = "method".ljust(18) + "".join(
        f"{noise_type[:3]} {rate:.2f} last / best".rjust(34) for noise_type, rate in conditions
    )
    print(header)
    for method in methods:
        line = method.ljust(18)
        for noise_type, rate in conditions:
            row = cells.get((method, noise_type, rate))
            if row is None:
                line += "-".rjust(34)
                continue
            std = "" if math.isnan(row["last_std"]) else f"±{row['last_std']:.3f}"
            best_std = "" if math.isnan(row["best_std"]) else f"±{row['best_std']:.3f}"
            line += f"{row['last']:.3f}{std} / {row['best']:.3f}{best_std}".rjust(34)
        print(line)


def _plot(table, frame, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skmislabel.plotting import MemorizationDisplay

    conditions = _table_conditions(table)
    methods = list(dict.fromkeys(row["method"] for row in table))
    cells = {(row["method"], row["noise_type"], row["noise_rate"]): row for row in table}
    figure, axes = plt.subplots(
        1, len(conditions), figsize=(2.6 * len(conditions) + 1.5, 4.2), sharey=True, squeeze=False
    )
    positions = np.arange(len(methods))
    for ax, (noise_type, rate) in zip(axes[0], conditions):
        for offset, (name, marker) in zip((-0.15, 0.15), (("last", "o"), ("best", "^"))):
            means = [cells.get((m, noise_type, rate), {}).get(name, np.nan) for m in methods]
            stds = [
                cells.get((m, noise_type, rate), {}).get(f"{name}_std", np.nan) for m in methods
            ]
            ax.errorbar(
                np.array(means),
                positions + offset,
                xerr=np.nan_to_num(stds),
                fmt=marker,
                label=f"{name} epoch",
                markersize=4,
            )
        baseline = cells.get(("cross_entropy", noise_type, rate))
        if baseline is not None:
            ax.axvline(baseline["last"], color="0.6", linestyle="--", linewidth=1)
        ax.set_title(f"{noise_type} {rate:.0%}")
        ax.set_xlabel("Test accuracy")
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].set_yticks(positions, methods)
    axes[0, 0].invert_yaxis()
    axes[0, -1].legend(loc="lower left", fontsize=8)
    figure.suptitle(
        "Test accuracy on clean labels, mean ± std over repeats (dashed: cross-entropy, "
        "last epoch)",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(out / "remedies.png", dpi=120)
    plt.close(figure)

    # Cross-entropy against the best remedy (last epoch) at symmetric 50%.
    at_half = [
        row for row in table if row["noise_type"] == "symmetric" and row["noise_rate"] == 0.5
    ]
    remedies = [row for row in at_half if row["method"] != "cross_entropy"]
    if not remedies or not any(row["method"] == "cross_entropy" for row in at_half):
        return None
    best = max(remedies, key=lambda row: row["last"])["method"]
    figure, ax = plt.subplots(figsize=(6.4, 4.2))
    for method in ("cross_entropy", best):
        rows = frame[
            (frame["method"] == method)
            & (frame["noise_type"] == "symmetric")
            & (frame["noise_rate"] == 0.5)
            & (frame["repeat"] == 0)
        ].sort_values("epoch")
        MemorizationDisplay(
            rows["epoch"].to_numpy(),
            rows["memorized"].to_numpy(),
            rows["corrected"].to_numpy(),
            test_accuracy=rows["test_accuracy"].to_numpy(),
            clean_accuracy=rows["clean_accuracy"].to_numpy(),
            estimator_name=method,
        ).plot(ax=ax)
    ax.set_title("Symmetric 50% noise, repeat 0")
    figure.tight_layout()
    figure.savefig(out / "memorization.png", dpi=120)
    plt.close(figure)
    return best


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for name in ("skmislabel", "numpy", "scikit-learn", "tensorflow", "keras", "scikeras"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------
def run(args):
    lock = _prepare_folder(args.out)
    try:
        return _run_locked(args)
    finally:
        lock.close()


def _fail(json_path, report, exc):
    """Record an unexpected error in the JSON (never left "running")."""
    import traceback

    traceback.print_exc()
    _write_json(json_path, {**report, "status": "failed", "error": f"{type(exc).__name__}: {exc}"})
    return 1


def _run_locked(args):
    try:
        from tqdm import tqdm
    except ImportError:
        print("error: the progress bar needs tqdm: pip install '.[benchmarks]'", file=sys.stderr)
        return 2
    csv_path = args.out / "remedies.csv"
    json_path = args.out / "remedies.json"
    done, dropped = {}, 0
    if csv_path.exists() and not (args.resume or args.overwrite):
        print(
            f"error: {csv_path} exists; pass --resume to continue it or --overwrite to replace it",
            file=sys.stderr,
        )
        return 2
    if csv_path.exists() and args.resume:
        try:
            done, dropped = _read_rows(csv_path, args)
        except SystemExit as exc:
            print(exc, file=sys.stderr)
            return 2
    # Rewritten with the complete fits only: torn and failed fits run again.
    _write_rows(csv_path, [row for rows in done.values() for row in rows], "w")
    # A resumed run's wall time adds to the time its earlier parts took.
    earlier_wall_time = 0.0
    if args.resume and json_path.exists():
        try:
            earlier = json.loads(json_path.read_text())
            if earlier.get("settings", {}).get("fingerprint") == _settings(args):
                earlier_wall_time = float(
                    earlier.get("wall_time_total_seconds", earlier.get("wall_time_seconds", 0))
                )
        except (ValueError, OSError):
            pass
    # The figures of an earlier state must not sit beside these results; the
    # JSON says "running" until the run ends.
    for stale in ("remedies.png", "memorization.png"):
        (args.out / stale).unlink(missing_ok=True)
    report = {
        "status": "running",
        "settings": {
            "dataset": args.dataset,
            "symmetric": args.symmetric,
            "pairflip": args.pairflip,
            "repeats": args.repeats,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "measured_training_samples": MEASURED_TRAINING_SAMPLES,
            "methods": args.methods,
            "seed": args.seed,
            "n_jobs": args.n_jobs,
            "fingerprint": _settings(args),
        },
        "versions": _versions(),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
    }
    _write_json(json_path, report)
    try:
        return _sweep(args, tqdm, csv_path, json_path, report, done, dropped, earlier_wall_time)
    except Exception as exc:  # noqa: BLE001 - recorded, then the run fails
        return _fail(json_path, report, exc)


def _sweep(args, tqdm, csv_path, json_path, report, done, dropped, earlier_wall_time):
    """Run the fits that are not done, then summarize, plot and report."""

    tasks = [task for task in _tasks(args) if _task_key(task) not in done]
    print(
        f"{len(_tasks(args))} fits ({len(_tasks(args)) - len(tasks)} already done"
        + (f", {dropped} torn or failed run again" if dropped else "")
        + f"), {args.n_jobs} in parallel, {args.epochs} epochs of batch {args.batch_size}"
    )
    started = time.perf_counter()
    all_rows = [row for rows in done.values() for row in rows]
    failures = []
    estimates = {
        (key[1], key[2], key[3]): rows[-1]["estimated_transition_matrix"]
        for key, rows in done.items()
        if key[0] == "cross_entropy"
    }
    waiting = [task for task in tasks if task["method"] in NEEDS_CROSS_ENTROPY]
    ready = [task for task in tasks if task["method"] not in NEEDS_CROSS_ENTROPY]
    progress = tqdm(total=len(tasks), unit="fit", file=sys.stdout)
    # Spawned, not forked: TensorFlow's runtime does not survive a fork.
    context = multiprocessing.get_context("spawn")
    pool = (
        _InProcessPool()
        if args.n_jobs == 1
        else concurrent.futures.ProcessPoolExecutor(
            args.n_jobs, mp_context=context, initializer=_worker_init
        )
    )
    try:
        with pool:
            try:
                running = {}

                def submit_ready():
                    for task in list(waiting):
                        estimate = estimates.get(
                            (task["noise_type"], task["noise_rate"], task["repeat"])
                        )
                        if estimate:
                            waiting.remove(task)
                            running[pool.submit(run_task, task, args, json.loads(estimate))] = task
                    while ready and len(running) < 2 * args.n_jobs:
                        task = ready.pop(0)
                        running[pool.submit(run_task, task, args)] = task

                submit_ready()
                while running:
                    finished, _ = concurrent.futures.wait(
                        running, return_when=concurrent.futures.FIRST_COMPLETED
                    )
                    for future in finished:
                        task = running.pop(future)
                        rows = future.result()
                        _write_rows(csv_path, rows, "a")
                        all_rows.extend(rows)
                        if rows[0]["error"]:
                            failures.append(rows[0])
                            progress.write(
                                f"FAILED {task['method']} {task['noise_type']} "
                                f"{task['noise_rate']} repeat {task['repeat']}: {rows[0]['error']}"
                            )
                        elif task["method"] == "cross_entropy":
                            key = (task["noise_type"], task["noise_rate"], task["repeat"])
                            estimates[key] = rows[-1]["estimated_transition_matrix"]
                        progress.update(1)
                    submit_ready()
                    if not running and waiting:
                        # Their cross-entropy fit failed: nothing to estimate T from.
                        for task in waiting:
                            row = {
                                **task,
                                "settings": _settings(args),
                                "error": "no estimate of T: this repeat's cross_entropy fit failed",
                            }
                            _write_rows(csv_path, [row], "a")
                            failures.append(row)
                        waiting.clear()
            except KeyboardInterrupt:
                # Before the pool's exit waits for the queued fits.
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    except concurrent.futures.process.BrokenProcessPool as exc:
        progress.close()
        _write_json(json_path, {**report, "status": "failed", "error": str(exc)})
        print(
            f"\nerror: a worker process died ({exc}); its fit is not recorded, finished "
            f"fits are in {csv_path}; --resume continues",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        progress.close()
        _write_json(json_path, {**report, "status": "interrupted"})
        print(
            f"\ninterrupted: finished fits are in {csv_path}; --resume continues", file=sys.stderr
        )
        return 130
    progress.close()
    wall_time = time.perf_counter() - started

    # Fits of a larger earlier run stay in the CSV but not in this summary.
    grid = {_task_key(task) for task in _tasks(args)}
    good = [row for row in all_rows if not row["error"] and _task_key(row) in grid]
    frame = _frame(good)
    table = summarize(frame) if len(frame) else []
    print()
    _print_table(table)
    errors = transition_matrix_errors(good, args)
    for error in errors:
        print(
            f"estimated T, {error['noise_type']} {error['noise_rate']:.2f} repeat "
            f"{error['repeat']}: mean |error| {error['mean_abs_error']:.4f}, max "
            f"{error['max_abs_error']:.4f}, diagonal {error['diagonal_estimated']:.3f} "
            f"(true {error['diagonal_true']:.3f})"
        )
    best = _plot(table, frame, args.out) if table else None
    report = {
        **report,
        "status": "failed" if failures else "complete",
        "wall_time_seconds": round(wall_time, 1),
        "wall_time_total_seconds": round(earlier_wall_time + wall_time, 1),
        "fit_time_total_seconds": round(
            float(frame.groupby(list(TASK_COLUMNS))["fit_time"].first().sum()), 1
        )
        if len(frame)
        else 0.0,
        "n_fits": len(_tasks(args)),
        "n_fits_this_run": len(tasks),
        "failed": [
            f"{row['method']} {row['noise_type']} {row['noise_rate']} repeat {row['repeat']}"
            for row in failures
        ],
        "table": table,
        "transition_matrix_errors": errors,
        "memorization_figure_best_remedy": best,
    }
    _write_json(json_path, report)
    print(f"\nwall time {wall_time:.1f} s; wrote {csv_path}, {json_path}")
    return 1 if failures else 0


def main(argv=None):
    args = _parse(argv)
    try:
        return run(args)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 2
        raise
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
