"""The error of each method of ``skmislabel.noise.estimate_noise``, per noise.

Usage::

    python benchmarks/estimate_noise.py --out results/estimate_noise \\
        [--dataset mnist] [--seeds 2] [--estimators knn logistic] \\
        [--methods identity hoc confident_joint anchors] \\
        [--noises symmetric:0.2 pairflip:0.45 ...] [--noise-aware]

On the lesson's 15,000 MNIST training images (``--dataset digits`` for
scikit-learn's digits), for symmetric 20/50/80%, pairflip 20/45% and
confidence 40% noise, and ``--seeds`` seeds, it draws the noisy labels with
``LabelNoiseInjector(random_state=seed)`` and estimates the transition
matrix with every method (HOC on the pixels; the confident joint and the
anchors on the out-of-fold probabilities of each ``--estimators`` model: 5-NN
on the pixels, or a logistic regression on 50 PCA components). The error is
``sum |T_hat - T| / sum |T|`` (entrywise L1), where ``T`` is the injector's
realised ``transition_matrix_`` (for the instance-dependent confidence noise,
the empirical transition of the flips it drew). ``identity`` is the error of
the identity matrix, for scale.

With ``--noise-aware`` it also trains a 5-NN on 4 of 5 shuffled stratified
folds of the noisy labels and scores it on the fifth: on the clean labels,
on the noisy ones, and with ``skmislabel.metrics.noise_aware_accuracy`` on
the noisy ones with the true ``T`` and with every estimate (means over the
folds, ``noise_aware.csv`` and the JSON's ``noise_aware``).

It prints the mean and standard deviation over seeds and writes
``estimate_noise.csv`` (one row per estimate, appended as each is done) and
``estimate_noise.json`` (the summary; settings, versions, CPU and wall time
in the harness's report schema, strict JSON) to ``--out``, a folder
(created if missing), under the rules of ``benchmarks/_harness.py``: one run
at a time holds the folder's lock, existing results are replaced only with
``--overwrite``, files are written atomically and never through a link.
Exit status 0, 1 (a failure), 2 (bad arguments or files; nothing written),
130 (interrupted; the rows done are in the CSV). Runs with one thread of
work (``n_jobs=1``); about 4 minutes on MNIST with two seeds.
"""

import math
import sys
import time
from pathlib import Path

import _data
import _harness as harness
import numpy as np

NOISES = (
    ("symmetric", 0.2),
    ("symmetric", 0.5),
    ("symmetric", 0.8),
    ("pairflip", 0.2),
    ("pairflip", 0.45),
    ("confidence", 0.4),
)
ESTIMATORS = ("knn", "logistic")
METHODS = ("identity", "hoc", "confident_joint", "anchors")
COLUMNS = (
    "noise_type",
    "noise_rate",
    "seed",
    "method",
    "estimator",
    "error",
    "flip_rate",
    "true_flip_rate",
    "seconds",
)


CSV, JSON, NOISE_AWARE_CSV = "estimate_noise.csv", "estimate_noise.json", "noise_aware.csv"


def _load(dataset):
    """All of digits, or the lesson's 15,000 MNIST training images."""
    if dataset == "digits":
        return _data.digits()
    X, y, train, _ = _data.lesson_mnist()
    return X[train], y[train]


def _estimator(name):
    from sklearn.neighbors import KNeighborsClassifier

    if name == "knn":
        return KNeighborsClassifier(n_neighbors=5)
    return _data.noise_estimation_model()


NOISE_AWARE_COLUMNS = (
    "noise_type",
    "noise_rate",
    "seed",
    "transition_matrix",
    "clean_accuracy",
    "noisy_accuracy",
    "noise_aware_accuracy",
)


def _noise_aware_rows(X, y, y_noisy, matrices, seed):
    """5-fold (shuffled) 5-NN trained on the noisy labels: its accuracy on
    the clean and on the noisy validation labels, and the noise-aware
    accuracy with each matrix; means over the folds."""
    from sklearn.model_selection import StratifiedKFold

    from skmislabel.metrics import noise_aware_accuracy

    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    scores = {name: [] for name in matrices}
    clean, noisy = [], []
    for train, test in folds.split(X, y_noisy):
        predicted = _estimator("knn").fit(X[train], y_noisy[train]).predict(X[test])
        clean.append(np.mean(predicted == y[test]))
        noisy.append(np.mean(predicted == y_noisy[test]))
        for name, matrix in matrices.items():
            try:
                value = noise_aware_accuracy(y_noisy[test], predicted, matrix)
            except ValueError:  # a singular estimate
                value = float("nan")
            scores[name].append(value)
    return [
        {
            "transition_matrix": name,
            "clean_accuracy": float(np.mean(clean)),
            "noisy_accuracy": float(np.mean(noisy)),
            "noise_aware_accuracy": float(np.mean(values)),
        }
        for name, values in scores.items()
    ]


def _relative_error(estimate, truth):
    return float(np.abs(estimate - truth).sum() / np.abs(truth).sum())


def _parse(argv):
    parser = harness.new_parser(__doc__)
    parser.add_argument("--out", required=True, help="folder for the CSV and JSON")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the results already in OUT"
    )
    parser.add_argument("--dataset", choices=("mnist", "digits"), default="mnist")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--estimators", nargs="+", choices=ESTIMATORS, default=list(ESTIMATORS))
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument(
        "--noises",
        nargs="+",
        default=[f"{noise_type}:{noise_rate:g}" for noise_type, noise_rate in NOISES],
        help="noise_type:noise_rate pairs (default: %(default)s)",
    )
    parser.add_argument(
        "--noise-aware",
        action="store_true",
        help="also score a 5-NN on noisy validation folds with noise_aware_accuracy, "
        "with the true T and every estimate (noise_aware.csv)",
    )
    args = parser.parse_args(argv)
    args.command = " ".join(["python benchmarks/estimate_noise.py", *(argv or sys.argv[1:])])
    noises = []
    for text in args.noises:
        noise_type, _, rate = text.partition(":")
        try:
            noise_rate = float(rate)
        except ValueError:
            parser.error(f"--noises takes noise_type:noise_rate pairs; got {text!r}")
        if noise_type not in harness.NOISE_TYPES:
            parser.error(
                f"--noises: invalid type {noise_type!r} in {text!r} (choose from "
                f"{harness.NOISE_TYPES})"
            )
        if not 0 <= noise_rate <= 1:
            parser.error(f"--noises rates must be in [0, 1]; got {text!r}")
        noises.append((noise_type, noise_rate))
    if len(set(noises)) != len(noises):
        parser.error(f"--noises must not repeat a noise; got {args.noises}")
    args.noises = noises
    if not args.out.strip():
        parser.error("--out must name a folder, not ''")
    args.out = Path(args.out)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out must be a folder; {str(args.out)!r} is a file")
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1; got {args.seeds}")
    return args


def _summary(rows):
    groups = {}
    for row in rows:
        key = (row["noise_type"], row["noise_rate"], row["method"], row["estimator"])
        groups.setdefault(key, []).append(row["error"])
    return [
        {
            "noise_type": key[0],
            "noise_rate": key[1],
            "method": key[2],
            "estimator": key[3],
            "error_mean": float(np.mean(errors)),
            "error_std": float(np.std(errors, ddof=1)) if len(errors) > 1 else None,
            "n_seeds": len(errors),
        }
        for key, errors in groups.items()
    ]


def run(args):
    from skmislabel import LabelNoiseInjector
    from skmislabel.noise import estimate_noise

    try:
        import cleanlab

        cleanlab_version = cleanlab.__version__
    except ImportError:
        cleanlab_version = None
    X, y = _load(args.dataset)
    files = (CSV, JSON, NOISE_AWARE_CSV)
    with harness.OutputFolder(
        args.out, "estimate_noise", files, overwrite=args.overwrite, resumable=False
    ) as folder:
        # Rows are appended as they come: an interrupted run keeps what it did.
        results = harness.ResultsCsv(folder, CSV, COLUMNS, dict.fromkeys(COLUMNS, harness.text))
        results.rewrite([])
        aware_results = None
        if args.noise_aware:
            aware_results = harness.ResultsCsv(
                folder,
                NOISE_AWARE_CSV,
                NOISE_AWARE_COLUMNS,
                dict.fromkeys(NOISE_AWARE_COLUMNS, harness.text),
            )
            aware_results.rewrite([])
        else:  # an earlier run's, which these results would seem to go with
            folder.remove(NOISE_AWARE_CSV)
        report = harness.Report(
            folder,
            JSON,
            "estimate_noise",
            {
                "dataset": args.dataset,
                "n_samples": int(X.shape[0]),
                "seeds": args.seeds,
                "estimators": args.estimators,
                "methods": args.methods,
                "noises": [list(noise) for noise in args.noises],
                "noise_aware": args.noise_aware,
                "cv": 5,
                "n_jobs": 1,
                "error": "sum |T_hat - T| / sum |T|, T the injector's realised transition_matrix_",
            },
        )
        report.fields["versions"]["cleanlab"] = cleanlab_version
        report.fields["command"] = args.command
        report.write("running")
        rows, aware_rows = [], []
        with harness.recorded(report, results.path):
            for noise_type, noise_rate in args.noises:
                for seed in range(args.seeds):
                    injector = LabelNoiseInjector(
                        noise_type=noise_type, noise_rate=noise_rate, random_state=seed
                    )
                    _, y_noisy = injector.fit_resample(X, y)
                    truth = injector.transition_matrix_
                    true_flip_rate = float(np.mean(y_noisy != y))
                    runs = [
                        (method, "none") for method in ("identity", "hoc") if method in args.methods
                    ]
                    for name in args.estimators:
                        for method in ("confident_joint", "anchors"):
                            if method in args.methods and (
                                method != "confident_joint" or cleanlab_version is not None
                            ):
                                runs.append((method, name))
                    matrices = {"true": truth}
                    for method, estimator_name in runs:
                        tick = time.perf_counter()
                        if method == "identity":
                            estimate, flip_rate = np.eye(truth.shape[0]), 0.0
                        else:
                            result = estimate_noise(
                                X,
                                y_noisy,
                                None if estimator_name == "none" else _estimator(estimator_name),
                                method=method,
                                n_jobs=1,
                                random_state=seed,
                            )
                            estimate, flip_rate = result.transition_matrix, result.flip_rate
                        matrices[f"{method}:{estimator_name}"] = estimate
                        rows.append(
                            {
                                "noise_type": noise_type,
                                "noise_rate": noise_rate,
                                "seed": seed,
                                "method": method,
                                "estimator": estimator_name,
                                "error": _relative_error(estimate, truth),
                                "flip_rate": flip_rate,
                                "true_flip_rate": true_flip_rate,
                                # The out-of-fold probabilities are cached: the
                                # second method on the same model costs no fit.
                                "seconds": time.perf_counter() - tick,
                            }
                        )
                        results.append(rows[-1:])
                        print(
                            f"{noise_type} {noise_rate} seed {seed} {method} {estimator_name}: "
                            f"{rows[-1]['error']:.3f} ({rows[-1]['seconds']:.1f} s)",
                            flush=True,
                        )
                    if args.noise_aware:
                        for row in _noise_aware_rows(X, y, y_noisy, matrices, seed):
                            row.update(noise_type=noise_type, noise_rate=noise_rate, seed=seed)
                            aware_rows.append(row)
                            aware_results.append([row])
                            print(
                                f"  noise-aware with {row['transition_matrix']}: "
                                f"{row['noise_aware_accuracy']:.4f} (clean "
                                f"{row['clean_accuracy']:.4f}, noisy {row['noisy_accuracy']:.4f})",
                                flush=True,
                            )
            summary = _summary(rows)
            report.write("complete", n_estimates=len(rows), summary=summary, noise_aware=aware_rows)
        _print_table(summary, args.noises)
        print(
            f"wall time {report.fields['wall_time_seconds']:.0f} s; wrote {results.path} and "
            f"{folder.path / JSON}"
        )
    return harness.EXIT_OK


def main(argv=None):
    return harness.main(run, _parse(argv))


def _print_table(summary, noises):
    methods = []
    for entry in summary:
        name = (entry["method"], entry["estimator"])
        if name not in methods:
            methods.append(name)
    print("| method | estimator | " + " | ".join(f"{t} {r:g}" for t, r in noises) + " |")
    print("|---|---|" + "---|" * len(noises))
    for method, estimator in methods:
        cells = []
        for noise_type, noise_rate in noises:
            match = [
                e
                for e in summary
                if (e["method"], e["estimator"], e["noise_type"], e["noise_rate"])
                == (method, estimator, noise_type, noise_rate)
            ]
            if not match:
                cells.append("")
                continue
            std = match[0]["error_std"]
            cells.append(
                f"{match[0]['error_mean']:.3f}"
                + ("" if std is None or math.isnan(std) else f" ± {std:.3f}")
            )
        print(f"| {method} | {estimator} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
