"""Does GridSearchCV on noisy folds pick the remedy that is best on clean labels?

A user with noisy labels only can still choose among remedies by
cross-validation, scoring each candidate on the held-out *noisy* labels:
with plain accuracy, or with ``skmislabel.metrics.make_noise_aware_scorer``
under a transition matrix ``T`` estimated from the same noisy training
labels (``skmislabel.noise.estimate_noise``, HOC by default). This script
measures whether either picks the candidate whose clean test accuracy is the
best.

For each noise (default symmetric 50% and pairflip 45%) it draws the noisy
labels of the first ``--n-train`` lesson MNIST training images (4,000 by
default), estimates ``T`` from them, and runs ``GridSearchCV`` over the
lesson's CNN (``CNNClassifier``, ``--epochs`` of batch 128) with the losses
cross_entropy, gce, sce and forward (with the estimated ``T``), on
``--folds`` shuffled stratified folds of the noisy labels, scored three
ways: plain accuracy, noise-aware accuracy with the estimated ``T``, and
(for reference, an oracle) noise-aware accuracy with the true ``T``. Each
candidate is then fitted on all the noisy training labels and scored on the
2,000 clean test labels. It writes to ``--out`` (a folder):

- ``noisy_selection.csv``: one row per noise and candidate: its mean score
  on the noisy folds under each scorer, its clean test accuracy, fit times;
- ``noisy_selection.json``: per noise, which candidate each scorer picked,
  the clean-best candidate and the regret (clean accuracy lost by the pick),
  the estimated ``T``'s error ``sum|T_hat - T| / sum|T|``; over the
  repeats (``--repeats``, each with the next seed: new noise, folds and
  networks), how often each scorer picked the clean-best candidate and its
  mean regret; settings, versions, CPU and wall time (the harness's report
  schema, strict JSON).

Exit status 0, 1 (a failure), 2 (bad arguments or files; nothing written),
130 (interrupted). There is no ``--resume``: a repeat takes about 3
minutes on two loaded cores with the defaults (the run on record, 3
repeats: 446 s).

Examples::

    python benchmarks/noisy_selection.py --repeats 3 --out docs/images --overwrite
    python benchmarks/noisy_selection.py --quick --out /tmp/noisy_selection
"""

import copy
import sys
import time

import _data
import _harness as harness
import numpy as np

CANDIDATES = ("cross_entropy", "gce", "sce", "forward")
SCORERS = ("noisy_accuracy", "noise_aware_estimated_T", "noise_aware_true_T")
# The scorers a user without an oracle has; noise_aware_true_T is for reference.
USABLE_SCORERS = ("noisy_accuracy", "noise_aware_estimated_T")
DEFAULTS = {"dataset": "mnist", "n_train": 4000, "epochs": 10, "folds": 3}
QUICK_DEFAULTS = {"dataset": "digits", "n_train": 1200, "epochs": 2, "folds": 2}
DEFAULT_NOISE = [("symmetric", 0.5), ("pairflip", 0.45)]
QUICK_NOISE = [("symmetric", 0.4)]
CSV, JSON = "noisy_selection.csv", "noisy_selection.json"
COLUMNS = (
    "noise_type",
    "noise_rate",
    "seed",
    "candidate",
    *(f"cv_{scorer}" for scorer in SCORERS),
    *(f"cv_{scorer}_std" for scorer in SCORERS),
    "clean_test_accuracy",
    "mean_fold_fit_time",
    "fit_time",
)


def _parser():
    parser = harness.new_parser(__doc__)
    parser.add_argument(
        "--noise",
        nargs=2,
        action="append",
        metavar=("TYPE", "RATE"),
        help="a noise type of LabelNoiseInjector (class-conditional: symmetric, uniform "
        "or pairflip) and its rate; repeat for more (default: symmetric 0.5, pairflip 0.45)",
    )
    parser.add_argument(
        "--dataset",
        choices=("mnist", "digits"),
        help="mnist: the lesson subset (default); digits: scikit-learn's 8x8 digits, "
        "the first --n-train to train, the rest to test",
    )
    parser.add_argument("--n-train", type=int, help="training images (default 4000)")
    parser.add_argument("--epochs", type=int, help="epochs per fit (default 10)")
    parser.add_argument("--batch-size", type=int, default=128, help="default 128")
    parser.add_argument("--folds", type=int, help="shuffled stratified folds (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="digits, symmetric 0.4, 2 epochs, 2 folds"
    )
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the results already in OUT"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="noise, folds and network seed of the first repeat"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="repeats, each with the next seed: new noise, folds and networks (default 1)",
    )
    parser.add_argument("--n-jobs", type=int, help="fits in parallel (default: up to 2)")
    parser.add_argument(
        "--verbose", action="store_true", help="show TensorFlow's start-up and C++ logs"
    )
    return parser


def _parse(argv):
    parser = _parser()
    args = harness.parse_with_defaults(parser, argv, DEFAULTS, QUICK_DEFAULTS)
    conditions = []
    for noise_type, text in args.noise or (QUICK_NOISE if args.quick else DEFAULT_NOISE):
        if noise_type not in ("symmetric", "uniform", "pairflip"):
            parser.error(
                f"--noise: the type must be class-conditional (symmetric, uniform or "
                f"pairflip), as the noise-aware scorer assumes; got {noise_type!r}"
            )
        try:
            rate = float(text)
        except ValueError:
            parser.error(f"--noise {noise_type}: the rate must be a number; got {text!r}")
        harness.check_rates(parser, f"--noise {noise_type}", [rate], upper_included=False)
        if rate == 0:
            parser.error(f"--noise {noise_type} 0: there is nothing to choose on clean labels")
        conditions.append((noise_type, rate))
    if len(set(conditions)) != len(conditions):
        parser.error("--noise must not repeat a type and rate")
    args.noise = conditions
    args.backend, args.scheduler = "loky", None
    harness.check_arguments(
        parser, args, at_least_one=("n_train", "epochs", "batch_size", "repeats")
    )
    if args.folds < 2:
        parser.error(f"--folds must be at least 2; got {args.folds}")
    if args.n_jobs is None:
        args.n_jobs = min(harness.available_cores(), 2)
    return args


def _load(args):
    if args.dataset == "digits":
        X, y = _data.digits()
        train, test = np.arange(len(y))[: args.n_train], np.arange(len(y))[args.n_train :]
    else:
        X, y, train, test = _data.lesson_mnist()
    if args.n_train > len(train) or len(test) == 0:
        raise harness.Refused(
            f"--n-train must leave test images and be at most {len(train)}; got {args.n_train}"
        )
    train = train[: args.n_train]
    return X[train], y[train], X[test], y[test]


def _network(args, **params):
    from skmislabel import CNNClassifier

    return CNNClassifier(
        epochs=args.epochs,
        batch_size=args.batch_size,
        random_state=args.seed,
        tf_threads=1 if args.n_jobs > 1 else None,
        **params,
    )


def _grid(estimated_T):
    """The candidates as GridSearchCV's parameter grid, in CANDIDATES' order."""
    grid = [{"loss": [loss]} for loss in CANDIDATES if loss != "forward"]
    grid.append({"loss": ["forward"], "loss__transition_matrix": [estimated_T]})
    return grid


def _clean_test_accuracy(params, args, data):
    X, y_noisy, X_test, y_test = data
    started = time.perf_counter()
    model = _network(args, **params).fit(X, y_noisy)
    accuracy = float(np.mean(model.predict(X_test) == y_test))
    return params["loss"], accuracy, round(time.perf_counter() - started, 2)


def select(noise_type, rate, args, X, y, X_test, y_test):
    """The rows of one noise (one per candidate) and its picks."""
    import functools

    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from skmislabel import LabelNoiseInjector
    from skmislabel.metrics import make_noise_aware_scorer
    from skmislabel.noise import estimate_noise

    injector = LabelNoiseInjector(noise_type=noise_type, noise_rate=rate, random_state=args.seed)
    _, y_noisy = injector.fit_resample(X, y)
    true_T = injector.transition_matrix_
    estimate = estimate_noise(X, y_noisy, random_state=args.seed)
    estimated_T = estimate.transition_matrix
    search = GridSearchCV(
        _network(args),
        _grid(estimated_T),
        scoring={
            "noisy_accuracy": "accuracy",
            "noise_aware_estimated_T": make_noise_aware_scorer(estimated_T),
            "noise_aware_true_T": make_noise_aware_scorer(true_T),
        },
        refit=False,
        cv=StratifiedKFold(args.folds, shuffle=True, random_state=args.seed),
        n_jobs=args.n_jobs,
        error_score="raise",
    )
    search.fit(X, y_noisy)
    results = search.cv_results_
    candidates = [params["loss"] for params in results["params"]]
    clean = {}
    data = (X, y_noisy, X_test, y_test)
    for loss, accuracy, seconds in harness.run_parallel(
        functools.partial(_clean_test_accuracy, args=args, data=data),
        results["params"],
        args.n_jobs,
    ):
        clean[loss] = (accuracy, seconds)
    rows = []
    for index, candidate in enumerate(candidates):
        row = {"noise_type": noise_type, "noise_rate": rate, "seed": args.seed}
        row["candidate"] = candidate
        for scorer in SCORERS:
            row[f"cv_{scorer}"] = float(results[f"mean_test_{scorer}"][index])
            row[f"cv_{scorer}_std"] = float(results[f"std_test_{scorer}"][index])
        row["clean_test_accuracy"], row["fit_time"] = clean[candidate]
        row["mean_fold_fit_time"] = round(float(results["mean_fit_time"][index]), 2)
        rows.append(row)
    best_clean = max(rows, key=lambda row: row["clean_test_accuracy"])
    picks = {}
    for scorer in SCORERS:
        picked = max(rows, key=lambda row: row[f"cv_{scorer}"])
        picks[scorer] = {
            "picked": picked["candidate"],
            "picked_clean_test_accuracy": picked["clean_test_accuracy"],
            "regret": best_clean["clean_test_accuracy"] - picked["clean_test_accuracy"],
        }
    summary = {
        "noise_type": noise_type,
        "noise_rate": rate,
        "seed": args.seed,
        "flip_rate": float(np.mean(y_noisy != y)),
        "estimated_flip_rate": float(estimate.flip_rate),
        "transition_matrix_error": float(np.abs(estimated_T - true_T).sum() / np.abs(true_T).sum()),
        "clean_best": best_clean["candidate"],
        "clean_best_test_accuracy": best_clean["clean_test_accuracy"],
        "picks": picks,
    }
    return rows, summary


def run(args):
    data = _load(args)
    with harness.OutputFolder(
        args.out, "noisy_selection", (CSV, JSON), overwrite=args.overwrite, resumable=False
    ) as folder:
        harness.quiet_tensorflow(args.verbose)
        results = harness.ResultsCsv(folder, CSV, COLUMNS, dict.fromkeys(COLUMNS, harness.text))
        results.rewrite([])
        settings = {
            key: getattr(args, key)
            for key in (
                "dataset",
                "n_train",
                "epochs",
                "batch_size",
                "folds",
                "seed",
                "repeats",
                "n_jobs",
            )
        }
        settings.update(
            noise=[list(condition) for condition in args.noise],
            candidates=list(CANDIDATES),
            estimation_method="hoc",
            n_test=len(data[3]),
        )
        report = harness.Report(folder, JSON, "noisy_selection", settings)
        report.write("running")
        summaries = []
        with (
            harness.recorded(report, results.path),
            harness.parallel_backend(args, tensorflow=True),
        ):
            for repeat in range(args.repeats):
                for noise_type, rate in args.noise:
                    repeat_args = copy.copy(args)
                    repeat_args.seed = args.seed + repeat
                    rows, summary = select(noise_type, rate, repeat_args, *data)
                    results.append(rows)
                    summaries.append(summary)
                    _print(rows, summary)
                    report.write("running", selections=summaries)
        report.write("complete", selections=summaries, overall=_overall(summaries))
        for entry in report.fields["overall"]:
            print(
                f"{entry['noise_type']} {entry['noise_rate']:g}, {entry['scorer']}: picked the "
                f"clean-best in {entry['n_picked_clean_best']} of {entry['n_repeats']}, mean "
                f"regret {entry['mean_regret']:.4f}"
            )
        print(f"\nwall time {report.fields['wall_time_seconds']:.0f} s; wrote {results.path}")
    return harness.EXIT_OK


def _overall(summaries):
    """Per noise and scorer, over the repeats: how often the pick was the
    clean-best candidate, and the mean regret."""
    overall = []
    for noise_type, rate in dict.fromkeys((s["noise_type"], s["noise_rate"]) for s in summaries):
        of_noise = [
            s for s in summaries if (s["noise_type"], s["noise_rate"]) == (noise_type, rate)
        ]
        for scorer in SCORERS:
            picks = [s["picks"][scorer] for s in of_noise]
            overall.append(
                {
                    "noise_type": noise_type,
                    "noise_rate": rate,
                    "scorer": scorer,
                    "n_repeats": len(picks),
                    "n_picked_clean_best": sum(
                        pick["picked"] == s["clean_best"] for pick, s in zip(picks, of_noise)
                    ),
                    "mean_regret": float(np.mean([pick["regret"] for pick in picks])),
                }
            )
    return overall


def _print(rows, summary):
    print(
        f"\n{summary['noise_type']} {summary['noise_rate']:g}: estimated T error "
        f"{summary['transition_matrix_error']:.3f}, flip rate {summary['estimated_flip_rate']:.3f} "
        f"(true {summary['flip_rate']:.3f})"
    )
    print(f"{'candidate':15}" + "".join(f"{name:>26}" for name in (*SCORERS, "clean test")))
    for row in rows:
        cells = [f"{row[f'cv_{scorer}']:.3f}" for scorer in SCORERS]
        print(f"{row['candidate']:15}" + "".join(f"{cell:>26}" for cell in cells)
              + f"{row['clean_test_accuracy']:>26.4f}")  # fmt: skip
    for scorer, pick in summary["picks"].items():
        print(
            f"{scorer} picks {pick['picked']} (clean {pick['picked_clean_test_accuracy']:.4f}; "
            f"best {summary['clean_best']}, regret {pick['regret']:.4f})"
        )


def main(argv=None):
    return harness.main(run, _parse(argv))


if __name__ == "__main__":
    sys.exit(main())
