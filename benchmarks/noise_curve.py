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

import functools
import sys

import _data
import _harness as harness
import numpy as np

ESTIMATORS = ("cnn", "logreg", "knn")
# "none" trains on the noisy labels as they are; the others clean them first
# (skmislabel.cleaning), and the rows get the detector's precision and recall.
CLEANERS = ("none", "confident-learning", "knn")
DATASETS = ("mnist", "mnist-full", "digits")
NOISE_TYPES = harness.NOISE_TYPES
# Measured with plain Keras on the lesson's data (5 epochs, batch 32, 3 seeds):
# the reference the lesson's numbers are compared with.
LESSON_REFERENCE = {"clean": (0.9705, 0.004), "lesson 10% (uniform randint(0, 9))": (0.9548, 0.003)}
DEFAULTS = {"dataset": "mnist", "rates": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], "repeats": 3, "epochs": 5}
QUICK_DEFAULTS = {"dataset": "digits", "rates": [0.0, 0.2, 0.4], "repeats": 1, "epochs": 2}
CSV, JSON, PNG = "noise_curve.csv", "noise_curve.json", "noise_curve.png"


def _parser():
    parser = harness.new_parser(__doc__)
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
    harness.add_noise_arguments(parser)
    parser.add_argument(
        "--rates", type=float, nargs="+", help="noise rates in [0, 1] (default: 0 0.1 ... 0.5)"
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
    parser.add_argument("--data-home", help="folder of mnist.npz for --dataset mnist-full")
    harness.add_run_arguments(
        parser,
        quick="defaults become digits (3-fold CV instead of 5), rates 0 0.2 0.4, "
        "1 repeat, 2 epochs",
    )
    return parser


def _parse(argv):
    parser = _parser()
    args = harness.parse_with_defaults(parser, argv, DEFAULTS, QUICK_DEFAULTS)
    args.noise_types = args.noise_types or ["symmetric"]
    args.estimators = args.estimators or ["cnn"]
    args.cleaners = args.cleaners or ["none"]
    for name in ("estimators", "cleaners", "noise_types"):
        values = getattr(args, name)
        if len(set(values)) != len(values):
            parser.error(f"--{name[:-1].replace('_', '-')} must not repeat a value; got {values}")
    harness.check_arguments(parser, args, at_least_one=("repeats", "epochs", "batch_size"))
    args.rates = harness.check_rates(parser, "--rates", args.rates)
    return args


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
    cores = cores or harness.available_cores()
    if estimator_name != "cnn":
        return cores, None
    return 1, None


def _parallelism(estimator_name, args):
    """``(n_jobs, tf_threads)``: --n-jobs if given, else the machine's default."""
    if args.n_jobs is None:
        return default_parallelism(estimator_name, args.dataset)
    if estimator_name != "cnn" or args.n_jobs == 1:
        return args.n_jobs, None
    return args.n_jobs, max(1, harness.available_cores() // args.n_jobs)


def _load(args):
    from sklearn.model_selection import StratifiedKFold

    if args.dataset == "digits":
        X, y = _data.digits()
        cv = StratifiedKFold(n_splits=3 if args.quick else 5, shuffle=True, random_state=args.seed)
        return X, y, list(cv.split(X, y))
    # The lesson's fixed split: train on the training images, test on the test images.
    if args.dataset == "mnist":
        X, y, train, test = _data.lesson_mnist()
        return X, y, [(train, test)]
    from skmislabel.datasets import fetch_mnist

    X, y = fetch_mnist(subset="all", data_home=args.data_home, return_X_y=True)
    return X, y, [(np.arange(60_000), np.arange(60_000, len(y)))]


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
            epochs=args.epochs,
            batch_size=args.batch_size,
            tf_threads=_parallelism("cnn", args)[1],
        )
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=300)
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier()


def _settings(args):
    return {
        "dataset": args.dataset,
        "noise_types": args.noise_types,
        "noise_options": harness.noise_options(args),
        "rates": args.rates,
        "repeats": args.repeats,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "estimators": args.estimators,
        "cleaners": args.cleaners,
        "seed": args.seed,
        "quick": args.quick,
        "n_jobs": args.n_jobs,
        "parallelism": {name: _parallelism(name, args) for name in args.estimators},
        "backend": args.backend,
    }


def _parsers():
    """How each column of the results CSV is read back: the task columns
    strictly (a fit is named by them), the numbers as floats or NaN."""
    from skmislabel.model_selection import RESULT_COLUMNS, RESULT_TYPES

    by_type = {str: harness.text, int: harness.count, float: harness.number}
    parsers = {column: by_type[RESULT_TYPES[column]] for column in RESULT_COLUMNS}
    parsers.update(
        estimator=harness.required_text,
        noise_type=harness.required_text,
        noise_rate=harness.finite_number,
        n_flipped=harness.count_or_nan,
    )
    return parsers


def _check_rows_belong_to_run(rows, args, cv_splits, path):
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
            make_pipeline(harness.injector(noise_type, args), _model(name, cleaner, args))
        )
        for label, name, cleaner in _models(args)
        for noise_type in args.noise_types
    }
    fingerprints = [split_fingerprint(train, test) for train, test in cv_splits]
    rates = np.asarray(args.rates)
    for record in rows:
        task = {name: record[name] for name in TASK_COLUMNS}
        belongs = (
            (record["estimator"], record["noise_type"]) in configurations
            and np.isclose(rates, record["noise_rate"], rtol=0, atol=harness.RATE_TOLERANCE).any()
            and record["repeat"] < args.repeats
            and record["fold"] < len(fingerprints)
        )
        if not belongs:
            raise harness.Refused(
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
            raise harness.Refused(
                f"--resume: the saved row {task} was computed with {PROVENANCE_COLUMNS} = "
                f"{found}, but this run uses {expected}: it belongs to another --seed, "
                "data set, split or model setting (--epochs, --batch-size); choose "
                "another --out"
            )


def _summary_table(frame):
    return (
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


def _plot(frame, folder):
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
    folder.save_figure(PNG, figure, dpi=120)
    plt.close(figure)


def run(args):
    """Run the benchmark while holding OUT's lock, so that no other run writes
    there until every file of this one is complete."""
    import pandas as pd

    from skmislabel.model_selection import (
        DETECTION_COLUMNS,
        PROVENANCE_COLUMNS,
        RESULT_COLUMNS,
        TASK_COLUMNS,
        ResumeMismatchError,
        noise_curve,
    )

    harness.require_tqdm()
    uses_cnn = "cnn" in args.estimators or set(args.cleaners) - {"none"}
    X, y, cv_splits = _load(args)
    harness.check_n_neighbors(args, min(len(train) for train, _ in cv_splits))
    harness.check_noise_classes(args.noise_types, y, f"the labels of --dataset {args.dataset}")
    if uses_cnn:
        harness.quiet_tensorflow(args.verbose)
    with harness.OutputFolder(
        args.out, "noise_curve", (CSV, JSON, PNG), resume=args.resume, overwrite=args.overwrite
    ) as folder:
        results = harness.ResultsCsv(
            folder, CSV, RESULT_COLUMNS, _parsers(), legacy_columns=DETECTION_COLUMNS
        )
        earlier = []
        if args.resume and folder.exists(CSV):
            # The rows themselves say what computed them: a run may be extended
            # (more repeats, rates, estimators or noise types) but never mixed
            # with rows of other settings, nor shrunk so that rows are dropped.
            saved = results.read()
            _check_rows_belong_to_run(saved, args, cv_splits, results.path)
            scores = [c for c in RESULT_COLUMNS if c not in (*TASK_COLUMNS, *PROVENANCE_COLUMNS)]
            scores = [c for c in scores if c not in ("fit_time", "score_time", "error")]
            earlier = harness.unique_fits(saved, TASK_COLUMNS, scores, results.path)
            earlier = [row for row in earlier if not np.isnan(row["test_score"])]

        # Every check passed: from here on files are written.
        if args.overwrite:
            # A figure of the replaced run must not sit beside the new results.
            folder.remove(PNG)
        results.rewrite(earlier)
        report = harness.Report(folder, JSON, "noise_curve", _settings(args))
        report.write("running")
        n_tasks = len(_models(args)) * len(args.noise_types) * len(args.rates) * args.repeats
        progress = harness.progress_bar(
            n_tasks * len(cv_splits), initial=len(earlier), desc="noise curve"
        )
        n_fits_run = 0

        def on_fit(row, noise_type):
            nonlocal n_fits_run
            row = {**row, "noise_type": noise_type}  # a preset by its name, not "mapping"
            results.append([row])
            n_fits_run += 1
            progress.update(1)
            progress.set_postfix(rate=row["noise_rate"], score=f"{row['test_score']:.4f}")

        resume_from = pd.DataFrame(earlier, columns=RESULT_COLUMNS) if earlier else None
        frames = []
        with (
            harness.recorded(report, results.path),
            harness.parallel_backend(args, tensorflow=bool(uses_cnn)),
        ):
            try:
                for label, estimator_name, cleaner in _models(args):
                    n_jobs = -1 if args.backend == "dask" else _parallelism(estimator_name, args)[0]
                    for noise_type in args.noise_types:
                        injector = harness.injector(noise_type, args)
                        # noise_curve names the rows by the injector's type:
                        # a preset's are "mapping" there, by its name here.
                        saved = None
                        if resume_from is not None:
                            saved = resume_from[resume_from["noise_type"] == noise_type].assign(
                                noise_type=injector.noise_type
                            )
                        curve = noise_curve(
                            _model(estimator_name, cleaner, args),
                            X,
                            y,
                            noise_rates=args.rates,
                            injector=injector,
                            cv=cv_splits,
                            n_repeats=args.repeats,
                            random_state=args.seed,
                            n_jobs=n_jobs,
                            estimator_name=label,
                            callback=functools.partial(on_fit, noise_type=noise_type),
                            resume_from=saved,
                        )
                        frames.append(curve.frame.assign(noise_type=noise_type))
            except ResumeMismatchError as exc:
                raise harness.Refused(f"--resume: {exc}") from None
            finally:
                progress.close()

        frame = pd.concat(frames, ignore_index=True)
        # Rewritten sorted and whole: the appended rows may be in any order.
        results.rewrite(frame.to_dict("records"))
        summary = _summary_table(frame)
        failed = frame[frame["error"].fillna("") != ""]
        if len(failed) < len(frame):
            _plot(frame, folder)
        report.write(
            "complete" if failed.empty else "failed",
            n_fits_total=len(frame),
            n_fits_run=n_fits_run,
            n_fits_reused=len(earlier),
            n_fits_failed=len(failed),
            summary=summary.to_dict("records"),
        )
    _print_report(summary)
    print(
        f"\nwall time {report.fields['wall_time_seconds']:.1f} s; wrote {results.path}, "
        f"{args.out / PNG}, {args.out / JSON}"
    )
    if not failed.empty:
        print(
            f"error: {len(failed)} of {len(frame)} fits failed (first: "
            f"{failed['error'].iloc[0]}); their rows keep the error, --resume reruns them",
            file=sys.stderr,
        )
        return harness.EXIT_FAILED
    return harness.EXIT_OK


def main(argv=None):
    return harness.main(run, _parse(argv))


if __name__ == "__main__":
    sys.exit(main())
