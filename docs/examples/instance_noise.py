"""Which digits flip, and to what: class-conditional vs instance-dependent noise.

30% of the lesson's 15,000 training labels flipped by symmetric noise and by
the four instance-dependent types. For each type the script prints how hard
the flipped images are (the out-of-fold probability of their true label by a
logistic regression and by a 5-nearest-neighbours model, models that never
saw the image: lower is more ambiguous) against the images that kept their
label, and the most frequent confusion; it draws a grid of flipped digits
with their new labels and the realised transition matrices.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_predict  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skmislabel import LabelNoiseInjector  # noqa: E402
from skmislabel.datasets import load_mnist  # noqa: E402
from skmislabel.plotting import TransitionMatrixDisplay  # noqa: E402

QUICK = os.environ.get("SKMISLABEL_EXAMPLES_QUICK") == "1"  # a tiny run, for the tests
OUT = Path(os.environ.get("SKMISLABEL_EXAMPLES_OUT", Path(__file__).parent / "images"))
NOISE_TYPES = ("symmetric", "part_dependent", "confidence", "pmd", "borderline")
RATE, N_SHOWN = 0.3, 10

X, y = load_mnist(subset="train", return_X_y=True)  # the lesson's 15,000 images
if QUICK:
    X, y = X[:1000], y[:1000]
flat = X.reshape(len(X), -1)

# How ambiguous each image is, judged by models that did not see it.
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
true_label_probability = {
    name: cross_val_predict(model, flat, y, cv=folds, method="predict_proba")[np.arange(len(y)), y]
    for name, model in {
        "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "5-NN": KNeighborsClassifier(),
    }.items()
}

injectors, rows = {}, []
for noise_type in NOISE_TYPES:
    injector = LabelNoiseInjector(noise_rate=RATE, noise_type=noise_type, random_state=0)
    _, y_noisy = injector.fit_resample(X, y)
    injectors[noise_type] = injector
    flipped = injector.noise_mask_
    pairs = pd.Series(list(zip(y[flipped].tolist(), y_noisy[flipped].tolist())))
    (true, noisy), count = pairs.value_counts().index[0], pairs.value_counts().iloc[0]
    row = {"noise_type": noise_type, "flip_rate": injector.flip_rate_}
    for name, probability in true_label_probability.items():
        row[f"{name} flipped"] = probability[flipped].mean()
        row[f"{name} kept"] = probability[~flipped].mean()
    row["top confusion"] = f"{true}->{noisy} ({count / flipped.sum():.1%} of flips)"
    rows.append(row)

print(f"{RATE:.0%} of {len(y)} training labels flipped; mean out-of-fold probability")
print("of the true label, flipped vs kept images (lower: more ambiguous):\n")
print(pd.DataFrame(rows).round(3).to_string(index=False))

# The flipped digits, the same number per type, picked at random among the flips.
rng = np.random.default_rng(0)
figure, axes = plt.subplots(
    len(NOISE_TYPES), N_SHOWN, figsize=(N_SHOWN * 0.95, len(NOISE_TYPES) * 1.25)
)
for row_axes, (noise_type, injector) in zip(axes, injectors.items()):
    flipped = np.flatnonzero(injector.noise_mask_)
    shown = np.sort(rng.choice(flipped, size=min(N_SHOWN, flipped.size), replace=False))
    noisy = injector.fit_resample(X, y)[1]  # the same draw again: random_state is an int
    for ax, index in zip(row_axes, shown):
        ax.imshow(X[index].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{y[index]} → {noisy[index]}", fontsize=9)
    for ax in row_axes:
        ax.set_xticks([])
        ax.set_yticks([])
    row_axes[0].set_ylabel(noise_type, fontsize=9)
figure.suptitle(f"Flipped training digits at {RATE:.0%} noise: true → noisy label")
figure.tight_layout()
OUT.mkdir(parents=True, exist_ok=True)
figure.savefig(OUT / "instance_noise_flips.png", dpi=100)

# The colour scale stops at 0.1: the diagonal (about 0.7) would otherwise
# wash out where the flips go.
figure, axes = plt.subplots(
    1, len(NOISE_TYPES), figsize=(3.4 * len(NOISE_TYPES), 3.6), layout="constrained"
)
for ax, (noise_type, injector) in zip(axes, injectors.items()):
    display = TransitionMatrixDisplay.from_injector(
        injector, ax=ax, include_values=False, colorbar=False, im_kw={"vmax": 0.1}
    )
    ax.set_title(noise_type)
figure.colorbar(display.im_, ax=axes, shrink=0.8, extend="max")
figure.suptitle(
    f"Realised transition matrices at {RATE:.0%} noise (rows: true, columns: noisy; "
    "colours capped at 0.1)"
)
figure.savefig(OUT / "instance_noise_matrices.png", dpi=90, bbox_inches="tight")
plt.close("all")
