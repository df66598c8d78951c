"""A cheap scikit-learn model against the CNN.

Logistic regression and 5-nearest-neighbours against the lesson's CNN on the
same MNIST split and the same symmetric noise. Every model loses accuracy as
the noise grows, but not at the same pace: the CNN starts highest and loses
least; the linear model pays for noise from the start, while the
nearest-neighbour vote absorbs 20% noise but not 40%.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from skmislabel import CNNClassifier  # noqa: E402
from skmislabel.datasets import load_mnist  # noqa: E402
from skmislabel.model_selection import noise_curve  # noqa: E402
from skmislabel.plotting import NoiseCurveDisplay  # noqa: E402

QUICK = os.environ.get("SKMISLABEL_EXAMPLES_QUICK") == "1"  # a tiny run, for the tests
OUT = Path(os.environ.get("SKMISLABEL_EXAMPLES_OUT", Path(__file__).parent / "images"))

X, y = load_mnist(subset="all", return_X_y=True)
train, test = np.arange(15_000), np.arange(15_000, 17_000)  # the lesson's split
rates, epochs = [0.0, 0.2, 0.4], 5
if QUICK:
    train, rates, epochs = train[:1000], [0.0, 0.4], 1

models = {
    "CNN": CNNClassifier(epochs=epochs),
    "logistic regression": LogisticRegression(max_iter=200),
    "5-NN": KNeighborsClassifier(),
}
results = pd.concat(
    [
        noise_curve(
            model,
            X,
            y,
            noise_rates=rates,
            cv=[(train, test)],
            random_state=0,
            estimator_name=name,
        ).frame
        for name, model in models.items()
    ],
    ignore_index=True,
)
print(
    results.pivot_table(index="noise_rate", columns="estimator", values=["test_score", "fit_time"])
    .round(4)
    .to_string()
)

# One fit per rate (one split, one repeat): there is no spread to draw.
display = NoiseCurveDisplay.from_results(results, std_display_style=None)
display.ax_.set_title("MNIST, symmetric noise: the CNN against scikit-learn models")
display.figure_.tight_layout()
OUT.mkdir(parents=True, exist_ok=True)
display.figure_.savefig(OUT / "cnn_vs_sklearn.png", dpi=110)
plt.close("all")
