"""How much nested noise (common random numbers) sharpens a noise curve's slope.

Usage::

    python benchmarks/nested_noise.py [--repeats 10] [--out results] [--overwrite]

5-NN, 1-NN and a standardised logistic regression on scikit-learn's digits,
5-fold CV, symmetric noise. For each of ``--repeats`` repeats it measures
``score(0.2) - score(0.1)`` (mean over the folds) two ways:

- ``nested``: one noise seed for both rates, as ``noise_curve`` does: the
  labels flipped at 0.1 are a subset of those flipped at 0.2, with the same
  new labels, so the two fits differ only by the extra 10% of flips;
- ``independent``: a new noise seed for each rate.

It prints the mean difference and its standard error over the repeats for
each way, their ratio, and the correlation of the two rates' scores across
repeats under nesting (the source of the gain: the variance of a difference
is the sum of the variances less twice the covariance).
"""

import argparse
import sys

import _harness as harness
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmislabel.model_selection import noise_curve

ESTIMATORS = {
    "5-NN": lambda: KNeighborsClassifier(),
    "1-NN": lambda: KNeighborsClassifier(n_neighbors=1),
    "logreg": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
}


def _per_repeat_scores(make_estimator, X, y, repeats, independent):
    """Mean test score per repeat at rates 0.1 and 0.2, as two arrays."""
    kwargs = dict(cv=5, n_repeats=repeats, n_jobs=-1)
    if independent:
        low = noise_curve(make_estimator(), X, y, noise_rates=[0.1], random_state=0, **kwargs).frame
        high = noise_curve(
            make_estimator(), X, y, noise_rates=[0.2], random_state=1, **kwargs
        ).frame
    else:
        both = noise_curve(
            make_estimator(), X, y, noise_rates=[0.1, 0.2], random_state=0, **kwargs
        ).frame
        low, high = both[both["noise_rate"] == 0.1], both[both["noise_rate"] == 0.2]
    return [frame.groupby("repeat")["test_score"].mean().to_numpy() for frame in (low, high)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    harness.add_report_arguments(parser, "nested_noise")
    args = parser.parse_args(argv)
    if args.repeats < 2:
        parser.error("--repeats must be at least 2 (a standard error needs two)")
    harness.claim_report(parser, args, "nested_noise")
    X, y = load_digits(return_X_y=True)
    report = {"repeats": args.repeats, "data": "digits, 5-fold CV", "estimators": {}}
    print(f"score(0.2) - score(0.1) on digits, symmetric noise, {args.repeats} repeats")
    print(f"{'estimator':>9} {'nested':>18} {'independent':>18} {'SE ratio':>9} {'corr':>6}")
    for name, make_estimator in ESTIMATORS.items():
        row = {}
        for way in ("nested", "independent"):
            low, high = _per_repeat_scores(make_estimator, X, y, args.repeats, way == "independent")
            differences = high - low
            row[way] = {
                "mean": float(differences.mean()),
                "se": float(differences.std(ddof=1) / np.sqrt(len(differences))),
                "differences": differences.tolist(),
            }
            if way == "nested":
                row["nested_correlation"] = float(np.corrcoef(low, high)[0, 1])
        row["se_ratio_independent_to_nested"] = row["independent"]["se"] / row["nested"]["se"]
        report["estimators"][name] = row
        print(
            f"{name:>9} {row['nested']['mean']:+.4f} ± {row['nested']['se']:.4f} "
            f"{row['independent']['mean']:+.4f} ± {row['independent']['se']:.4f} "
            f"{row['se_ratio_independent_to_nested']:>8.2f}x {row['nested_correlation']:>6.2f}"
        )
    harness.save_report(args, "nested_noise", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
