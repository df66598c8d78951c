"""How well each cleaner finds the flipped labels, per noise type and rate.

For every ``--noise-types`` at every ``--rates`` it draws the noisy labels
of the lesson's 15,000 MNIST training images once
(``LabelNoiseInjector(random_state=--seed)``; ``--quick``: scikit-learn's
digits) and runs every ``--detectors`` on them:

- ``cl-knn``, ``disagreement-knn``: ``ConfidentLearningCleaner`` and
  ``DisagreementCleaner`` on the out-of-fold probabilities of their default
  5-NN;
- ``cl-cnn``, ``disagreement-cnn``: the same on the out-of-fold
  probabilities of the lesson's CNN (``_data.cleaning_cnn``);
- ``kdn``: ``NeighborhoodCleaner()`` (k-disagreeing neighbours);
- ``aum``: ``AUMCleaner()`` (the area under the margin of the lesson's CNN).

Each is scored against the injector's truth (``noise_mask_``): precision and
recall of its suspects, ROC AUC and average precision of its ranking
(``label_quality_``, low = suspect), the number flagged, the number flipped,
and its wall time. The two cleaners of one model share its out-of-fold
probabilities (cached in the process: same model, folds and seed), so the
second one's ``seconds`` is its rule alone; the pair's cost is the first's.

It writes to ``--out`` (a folder): ``detection.csv`` (one row per detector
and noise, appended as each is done), ``detection.json`` (settings,
versions, CPU and wall time in the harness's report schema, strict JSON, and
the table) and ``detection.png`` (precision against recall, one panel per
rate) when matplotlib is installed. Each row carries ``noise_settings``, the
fingerprint of what decides its flips besides type, rate and seed (the
instance-dependent types' options, a preset's mapping). ``--resume`` goes on
from the CSV in ``--out``, or extends it with more detectors, noise types or
rates: rows of another data set, seed or noise options are refused. Exit
status 0, 1 (a failure), 2 (bad arguments or files; nothing written), 130
(interrupted; the rows done are in the CSV and ``--resume`` goes on from
there).

Examples::

    python benchmarks/detection.py --out docs/images --noise-types confidence pmd
    python benchmarks/detection.py --out docs/images --resume
    python benchmarks/detection.py --quick --out /tmp/detection
"""

import itertools
import math
import sys
import time

import _data
import _harness as harness

DETECTORS = ("cl-knn", "disagreement-knn", "cl-cnn", "disagreement-cnn", "kdn", "aum")
CNN_DETECTORS = ("cl-cnn", "disagreement-cnn", "aum")
RATES = (0.2, 0.4)
CSV, JSON, PNG = "detection.csv", "detection.json", "detection.png"
KEY_COLUMNS = ("dataset", "seed", "detector", "noise_type", "noise_rate")
SCORE_COLUMNS = (
    "n_samples",
    "n_flipped",
    "n_flagged",
    "precision",
    "recall",
    "roc_auc",
    "average_precision",
    "seconds",
)
# Added after the first run on record, whose file lacks it (legacy rows).
SETTINGS_COLUMNS = ("noise_settings",)
COLUMNS = (*KEY_COLUMNS, *SCORE_COLUMNS, *SETTINGS_COLUMNS)
PARSERS = {
    "dataset": harness.required_text,
    "seed": harness.count,
    "detector": harness.required_text,
    "noise_type": harness.required_text,
    "noise_rate": harness.finite_number,
    "n_samples": harness.count,
    "n_flipped": harness.count,
    "n_flagged": harness.count,
    "precision": harness.number,
    "recall": harness.number,
    "roc_auc": harness.number,
    "average_precision": harness.number,
    "seconds": harness.finite_number,
    "noise_settings": harness.required_text,
}


def _parser():
    parser = harness.new_parser(__doc__)
    parser.add_argument(
        "--detectors",
        nargs="+",
        choices=DETECTORS,
        default=list(DETECTORS),
        help="default: all",
    )
    parser.add_argument(
        "--noise-types",
        nargs="+",
        choices=harness.NOISE_TYPES,
        default=list(harness.NOISE_TYPES),
        help="default: all",
    )
    parser.add_argument(
        "--rates", nargs="+", type=float, default=list(RATES), help="default: 0.2 0.4"
    )
    harness.add_run_arguments(
        parser, quick="scikit-learn's digits instead of the lesson's MNIST", parallel=False
    )
    harness.add_noise_arguments(parser)
    return parser


def _parse(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    for name in ("detectors", "noise_types"):
        values = getattr(args, name)
        if len(set(values)) != len(values):
            parser.error(f"--{name.replace('_', '-')} must not repeat a value; got {values}")
    args.rates = harness.check_rates(parser, "--rates", args.rates, upper_included=False)
    if any(rate == 0 for rate in args.rates):
        parser.error(f"--rates: at rate 0 there is nothing to detect; got {args.rates}")
    harness.check_arguments(parser, args)
    args.dataset = "digits" if args.quick else "mnist"
    args.command = " ".join(["python benchmarks/detection.py", *(argv or sys.argv[1:])])
    return args


def _load(dataset):
    if dataset == "digits":
        return _data.digits()
    X, y, train, _ = _data.lesson_mnist()
    return X[train], y[train]


def _detector(name, seed):
    from skmislabel.cleaning import (
        AUMCleaner,
        ConfidentLearningCleaner,
        DisagreementCleaner,
        NeighborhoodCleaner,
    )

    if name == "kdn":
        return NeighborhoodCleaner()
    if name == "aum":
        return AUMCleaner(random_state=seed)
    cleaner = ConfidentLearningCleaner if name.startswith("cl-") else DisagreementCleaner
    estimator = _data.cleaning_cnn(seed) if name.endswith("-cnn") else None
    return cleaner(estimator, random_state=seed)


def _noise_settings(args, noise_type):
    """The fingerprint of what decides a row's flips besides its type, rate
    and seed."""
    return harness.settings_fingerprint(harness.noise_settings(args, noise_type))


def _score(name, seed, X, y_noisy, noise_mask):
    from skmislabel.metrics import detection_report, detection_scores

    started = time.perf_counter()
    cleaner = _detector(name, seed).fit(X, y_noisy)
    seconds = time.perf_counter() - started
    report = detection_report(noise_mask, cleaner.suspect_mask_)
    ranking = detection_scores(noise_mask, cleaner.label_quality_)
    return {
        "n_samples": int(y_noisy.shape[0]),
        "n_flipped": int(noise_mask.sum()),
        "n_flagged": int(report.n_flagged),
        "precision": float(report.precision),
        "recall": float(report.recall),
        "roc_auc": float(ranking.roc_auc),
        "average_precision": float(ranking.average_precision),
        "seconds": round(seconds, 2),
    }


def _check_rows_belong(rows, args, path):
    """A resumed run extends the saved one; it never mixes in another data
    set, seed or noise, nor drops saved rows."""
    for row in rows:
        if (row["dataset"], row["seed"]) != (args.dataset, args.seed):
            raise harness.Refused(
                f"--resume: {path} line {row['_line']} is of dataset {row['dataset']!r}, seed "
                f"{row['seed']}; this run is {args.dataset!r}, seed {args.seed}: choose "
                "another --out"
            )
        expected = _noise_settings(args, row["noise_type"])
        legacy = not isinstance(row["noise_settings"], str)
        if legacy and not harness.noise_settings(args, row["noise_type"]):
            # Written before the column existed, of a noise no option changes.
            row["noise_settings"] = expected
        if row["noise_settings"] != expected:
            written = (
                "was written before detection.py recorded the noise options"
                if legacy
                else f"has noise settings {row['noise_settings']}, this run {expected}"
            )
            raise harness.Refused(
                f"--resume: {path} line {row['_line']} ({row['noise_type']}) {written}: its "
                "flips may differ from this run's (noise options --flip-rate-std, --noise-cv, "
                "--pmd-type, --n-neighbors, or a preset's mapping): pass the options it was "
                "run with, or choose another --out"
            )
        rate_known = any(
            abs(row["noise_rate"] - rate) <= harness.RATE_TOLERANCE for rate in args.rates
        )
        if not (
            row["detector"] in args.detectors
            and row["noise_type"] in args.noise_types
            and rate_known
        ):
            raise harness.Refused(
                f"--resume: {path} line {row['_line']} ({row['detector']}, {row['noise_type']} "
                f"{row['noise_rate']:g}) is not part of this run's --detectors, --noise-types "
                "and --rates, and resuming would drop it: add them to the command"
            )


def _same_noise(row, noise_type, rate):
    return row["noise_type"] == noise_type and abs(row["noise_rate"] - rate) <= (
        harness.RATE_TOLERANCE
    )


def _plot(rows, folder, rates):
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(rates), figsize=(6 * len(rates), 5), squeeze=False)
    markers = dict(zip(harness.NOISE_TYPES, itertools.cycle("osD^vPX*hd")))
    colours = {name: f"C{index}" for index, name in enumerate(DETECTORS)}
    for ax, rate in zip(axes[0], rates):
        for row in rows:
            if abs(row["noise_rate"] - rate) > harness.RATE_TOLERANCE:
                continue
            ax.scatter(
                row["recall"],
                row["precision"],
                color=colours[row["detector"]],
                marker=markers[row["noise_type"]],
                s=50,
            )
        ax.axhline(0.85, color="grey", lw=0.5, ls="--")
        ax.axvline(0.7, color="grey", lw=0.5, ls="--")
        ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="recall", ylabel="precision")
        ax.set_title(f"{rate:.0%} of the labels flipped")
    used = dict.fromkeys(row["detector"] for row in rows)
    kinds = dict.fromkeys(row["noise_type"] for row in rows)
    handles = [
        plt.Line2D([], [], color=colours[name], marker="o", ls="", label=name) for name in used
    ] + [
        plt.Line2D([], [], color="black", marker=markers[kind], ls="", label=kind) for kind in kinds
    ]
    axes[0, -1].legend(handles=handles, loc="lower left", fontsize=8, ncol=2)
    figure.tight_layout()
    folder.save_figure(PNG, figure, dpi=110)
    plt.close(figure)
    return True


def run(args):
    harness.require_tqdm()
    X, y = _load(args.dataset)
    harness.check_n_neighbors(args, len(y))
    harness.check_noise_classes(args.noise_types, y, f"the labels of {args.dataset}")
    if set(args.detectors) & set(CNN_DETECTORS):
        harness.quiet_tensorflow(args.verbose)
    with harness.OutputFolder(
        args.out, "detection", (CSV, JSON, PNG), resume=args.resume, overwrite=args.overwrite
    ) as folder:
        results = harness.ResultsCsv(folder, CSV, COLUMNS, PARSERS, legacy_columns=SETTINGS_COLUMNS)
        earlier = []
        if args.resume and folder.exists(CSV):
            saved = results.read()
            _check_rows_belong(saved, args, results.path)
            earlier = harness.unique_fits(saved, KEY_COLUMNS, SCORE_COLUMNS[:-1], results.path)
        # Every check passed: from here on files are written.
        # The figure is redrawn from every row at the end; until then an old
        # one would show fewer rows than the CSV holds.
        folder.remove(PNG)
        results.rewrite(earlier)
        settings = {
            "dataset": args.dataset,
            "n_samples": int(y.shape[0]),
            "seed": args.seed,
            "detectors": args.detectors,
            "noise_types": args.noise_types,
            "rates": args.rates,
            **harness.noise_options(args),
        }
        report = harness.Report(folder, JSON, "detection", settings)
        report.fields["command"] = args.command
        report.write("running")
        rows = list(earlier)
        n_run = 0
        tasks = [
            (noise_type, rate, name)
            for noise_type in args.noise_types
            for rate in args.rates
            for name in args.detectors
        ]
        progress = harness.progress_bar(len(tasks), initial=len(earlier), desc="detection")
        with harness.recorded(report, results.path):
            try:
                for noise_type in args.noise_types:
                    for rate in args.rates:
                        todo = [
                            name
                            for name in args.detectors
                            if not any(
                                _same_noise(row, noise_type, rate) and row["detector"] == name
                                for row in earlier
                            )
                        ]
                        if not todo:
                            continue
                        injector = harness.injector(
                            noise_type, args, noise_rate=rate, random_state=args.seed
                        )
                        _, y_noisy = injector.fit_resample(X, y)
                        for name in todo:
                            row = dict(
                                zip(KEY_COLUMNS, (args.dataset, args.seed, name, noise_type, rate))
                            )
                            row.update(_score(name, args.seed, X, y_noisy, injector.noise_mask_))
                            row["noise_settings"] = _noise_settings(args, noise_type)
                            results.append([row])
                            rows.append(row)
                            n_run += 1
                            progress.update(1)
                            progress.write(_line(row))
                            report.write("running", n_fits_run=n_run)
            finally:
                progress.close()
            rows = _sorted(rows, args)
            results.rewrite(rows)
            plotted = _plot(rows, folder, args.rates)
        report.write(
            "complete",
            n_fits_total=len(rows),
            n_fits_run=n_run,
            n_fits_reused=len(earlier),
            table=rows,
        )
    _print_table(rows, args)
    written = [str(results.path), str(args.out / JSON)] + ([str(args.out / PNG)] if plotted else [])
    print(f"\nwall time {report.fields['wall_time_seconds']:.0f} s; wrote {', '.join(written)}")
    return harness.EXIT_OK


def _sorted(rows, args):
    """Rows in the order of the command line's detectors, noise types and rates."""

    def position(row):
        rate = min(range(len(args.rates)), key=lambda i: abs(args.rates[i] - row["noise_rate"]))
        return (
            args.noise_types.index(row["noise_type"]),
            rate,
            args.detectors.index(row["detector"]),
        )

    return sorted(rows, key=position)


def _line(row):
    return (
        f"{row['noise_type']} {row['noise_rate']:g} {row['detector']}: precision "
        f"{row['precision']:.3f} recall {row['recall']:.3f} ROC AUC {row['roc_auc']:.3f} "
        f"AP {row['average_precision']:.3f} ({row['n_flagged']} flagged of "
        f"{row['n_flipped']} flipped, {row['seconds']:.1f} s)"
    )


def _print_table(rows, args):
    print("\n| noise | rate | detector | precision | recall | ROC AUC | AP | flagged | flipped "
          "| seconds |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        cells = [
            row["noise_type"],
            f"{row['noise_rate']:g}",
            row["detector"],
            *(
                "" if math.isnan(row[c]) else f"{row[c]:.3f}"
                for c in ("precision", "recall", "roc_auc", "average_precision")
            ),
            str(row["n_flagged"]),
            str(row["n_flipped"]),
            f"{row['seconds']:.1f}",
        ]
        print("| " + " | ".join(cells) + " |")


def main(argv=None):
    return harness.main(run, _parse(argv))


if __name__ == "__main__":
    sys.exit(main())
