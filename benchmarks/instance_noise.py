"""Realised vs requested rate, and how hard the flipped samples are, per noise type.

Usage::

    python benchmarks/instance_noise.py [--seeds 10] [--rates 0.1 0.3 0.5] \\
        [--out results] [--overwrite]

On the lesson's 15,000 training images (``--dataset digits`` for scikit-learn's
digits), for symmetric noise and the four instance-dependent types, every
rate, both sampling modes and ``--seeds`` seeds, it draws
``LabelNoiseInjector(noise_rate, noise_type, sampling, random_state=seed)``
and records the realised flip rate and the mean out-of-fold probability of
the true label (a standardized logistic regression, 5 stratified folds,
fixed) of the flipped and of the kept samples: equal for class-conditional
noise, lower for the flipped samples when the noise follows the features.

It prints the mean and standard deviation over seeds and writes
``instance_noise.csv`` (one row per draw, appended as each finishes) and
``instance_noise.json`` (the summary, the draws whose rate the type cannot
reach with that sampling and why, settings, versions and wall time) to
``--out``, replacing them only with ``--overwrite``. confidence and pmd fit
``noise_cv`` logistic regressions per seed (about 35 s on the 15,000
images, two cores); pmd reuses confidence's probabilities (same seed, same
data: the cache of ``skmislabel._confidence_noise``).
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import _harness as harness
import numpy as np

CSV, JSON = "instance_noise.csv", "instance_noise.json"
NOISE_TYPES = ("symmetric", "part_dependent", "confidence", "pmd", "borderline")
COLUMNS = (
    "noise_type",
    "sampling",
    "noise_rate",
    "seed",
    "flip_rate",
    "true_probability_flipped",
    "true_probability_kept",
    "seconds",
)


def _load(dataset):
    if dataset == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return X / 16, y
    from skmislabel.datasets import load_mnist

    return load_mnist(subset="train", return_X_y=True)


def _true_label_probability(X, y):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=12345)
    probabilities = cross_val_predict(model, X, y, cv=folds, method="predict_proba")
    return probabilities[np.arange(len(y)), np.searchsorted(np.unique(y), y)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("mnist", "digits"), default="mnist")
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.3, 0.5])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--noise-types", nargs="+", choices=NOISE_TYPES, default=NOISE_TYPES)
    harness.add_report_arguments(parser, "instance_noise")
    args = parser.parse_args(argv)
    if args.seeds < 1 or any(not 0 < rate <= 1 for rate in args.rates):
        parser.error("--seeds must be at least 1 and --rates in (0, 1]")
    if not args.out:
        parser.error("--out must name a folder; got ''")
    args.out = Path(args.out)
    return harness.main(_run, args)


def _run(args):
    files = (CSV, JSON)
    with harness.OutputFolder(
        args.out, "instance_noise", files, overwrite=args.overwrite, resumable=False
    ) as folder:
        return _measure(args, folder)


def _measure(args, folder):
    csv_path, json_path = args.out / CSV, args.out / JSON
    results = harness.ResultsCsv(folder, CSV, COLUMNS, dict.fromkeys(COLUMNS, harness.text))

    import pandas as pd

    import skmislabel
    from skmislabel import LabelNoiseInjector

    X, y = _load(args.dataset)
    start = time.perf_counter()
    true_probability = _true_label_probability(X, y)
    results.rewrite([])
    rows, unreachable = [], []
    # Seeds outermost: pmd then reuses the out-of-fold probabilities that
    # confidence just computed with the same seed (the cache keeps a few).
    for seed in range(args.seeds):
        for noise_type in args.noise_types:
            for sampling in ("exact", "bernoulli"):
                for rate in args.rates:
                    injector = LabelNoiseInjector(
                        noise_rate=rate, noise_type=noise_type, sampling=sampling, random_state=seed
                    )
                    began = time.perf_counter()
                    try:
                        injector.fit_resample(X, y)
                    except ValueError as exc:
                        # A rate the type cannot reach with this sampling: no row,
                        # but the JSON lists it with the reason.
                        print(f"{noise_type} {sampling} {rate}: {exc}", file=sys.stderr)
                        unreachable.append(
                            {
                                "noise_type": noise_type,
                                "sampling": sampling,
                                "noise_rate": rate,
                                "seed": seed,
                                "error": str(exc),
                            }
                        )
                        continue
                    mask = injector.noise_mask_
                    row = {
                        "noise_type": noise_type,
                        "sampling": sampling,
                        "noise_rate": rate,
                        "seed": seed,
                        "flip_rate": injector.flip_rate_,
                        "true_probability_flipped": true_probability[mask].mean(),
                        "true_probability_kept": true_probability[~mask].mean(),
                        "seconds": time.perf_counter() - began,
                    }
                    rows.append(row)
                    results.append([row])
        print(f"seed {seed} done", file=sys.stderr)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    summary = (
        frame.groupby(["noise_type", "sampling", "noise_rate"], sort=False)
        .agg(
            flip_rate_mean=("flip_rate", "mean"),
            flip_rate_std=("flip_rate", "std"),
            flipped_mean=("true_probability_flipped", "mean"),
            kept_mean=("true_probability_kept", "mean"),
            draws=("seed", "count"),
            seconds=("seconds", "median"),
        )
        .reset_index()
    )
    wall_time = time.perf_counter() - start
    print(
        f"\n{args.dataset}, {len(y)} samples, {args.seeds} seeds. Realised flip rate "
        "(mean ± std over seeds); mean out-of-fold\nprobability of the true label "
        "(standardized logistic regression) of the flipped and the kept samples:\n"
    )
    print(summary.round(4).to_string(index=False))
    report = {
        "benchmark": "instance_noise",
        "parameters": {
            "dataset": args.dataset,
            "n_samples": len(y),
            "rates": args.rates,
            "seeds": args.seeds,
            "noise_types": list(args.noise_types),
        },
        "versions": {"skmislabel": skmislabel.__version__, "python": sys.version.split()[0]},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "wall_time_s": wall_time,
        "summary": summary.to_dict("records"),
        "unreachable": unreachable,
    }
    folder.write_json(JSON, report)
    print(f"\nwall time {wall_time:.1f} s; wrote {csv_path}, {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
