"""Comparing noise types on one plot.

The same CNN under symmetric, uniform and pair-flip noise, from clean labels
to 60% noise. Symmetric noise leaves the true class the most frequent label of
every class up to a rate of (K - 1) / K = 90%, so the network degrades
gracefully; uniform noise changes only 9/10 of the labels it redraws, so it
hurts a little less at the same rate. Pair-flip noise makes the next class the
majority beyond 50%, and accuracy collapses past that point.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from skmislabel import CNNClassifier  # noqa: E402
from skmislabel.datasets import load_mnist  # noqa: E402
from skmislabel.model_selection import noise_curve  # noqa: E402
from skmislabel.plotting import NoiseCurveDisplay  # noqa: E402

QUICK = os.environ.get("SKMISLABEL_EXAMPLES_QUICK") == "1"  # a tiny run, for the tests
OUT = Path(os.environ.get("SKMISLABEL_EXAMPLES_OUT", Path(__file__).parent / "images"))

X, y = load_mnist(subset="all", return_X_y=True)
train, test = np.arange(15_000), np.arange(15_000, 17_000)  # the lesson's split
rates, epochs = [0.0, 0.2, 0.4, 0.6], 5
if QUICK:
    train, rates, epochs = train[:1000], [0.0, 0.6], 1

results = pd.concat(
    [
        noise_curve(
            CNNClassifier(epochs=epochs),
            X,
            y,
            noise_rates=rates,
            noise_type=noise_type,
            cv=[(train, test)],
            random_state=0,
            estimator_name="CNN",
        ).frame
        for noise_type in ("symmetric", "uniform", "pairflip")
    ],
    ignore_index=True,
)
print(
    results.pivot_table(index="noise_rate", columns="noise_type", values="test_score")
    .round(4)
    .to_string()
)

# One fit per rate (one split, one repeat): there is no spread to draw.
display = NoiseCurveDisplay.from_results(results, std_display_style=None)
display.ax_.set_title("CNN on MNIST: test accuracy by noise type")
display.figure_.tight_layout()
OUT.mkdir(parents=True, exist_ok=True)
display.figure_.savefig(OUT / "noise_types.png", dpi=110)
plt.close("all")
