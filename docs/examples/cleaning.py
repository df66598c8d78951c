"""What a cleaner finds: caught flips, false alarms and missed flips.

40% of the lesson's 15,000 training labels flipped at random (symmetric
noise), then cleaned by confident learning on out-of-fold probabilities and
by k-disagreeing neighbours. The script prints each detector's precision and
recall against the labels the injector flipped (the truth no real data set
has), and draws, for confident learning, ten digits of each kind: flips it
caught, clean labels it wrongly flagged, and flips it missed.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from skmislabel import LabelNoiseInjector  # noqa: E402
from skmislabel.cleaning import ConfidentLearningCleaner, NeighborhoodCleaner  # noqa: E402
from skmislabel.datasets import load_mnist  # noqa: E402
from skmislabel.metrics import detection_report, detection_scores  # noqa: E402

QUICK = os.environ.get("SKMISLABEL_EXAMPLES_QUICK") == "1"  # a tiny run, for the tests
OUT = Path(os.environ.get("SKMISLABEL_EXAMPLES_OUT", Path(__file__).parent / "images"))
RATE, N_SHOWN = 0.4, 10

X, y = load_mnist(subset="train", return_X_y=True)  # the lesson's 15,000 images
if QUICK:
    X, y = X[:1500], y[:1500]
injector = LabelNoiseInjector(noise_rate=RATE, random_state=0)
_, y_noisy = injector.fit_resample(X, y)
flipped = injector.noise_mask_

cleaners = {
    "confident learning": ConfidentLearningCleaner(random_state=0),
    "k-disagreeing neighbours": NeighborhoodCleaner(),
}
rows = []
for name, cleaner in cleaners.items():
    cleaner.fit_resample(X, y_noisy)
    report = detection_report(flipped, cleaner.suspect_mask_)
    scores = detection_scores(flipped, cleaner.label_quality_)
    rows.append(
        {
            "cleaner": name,
            "flagged": report.n_flagged,
            "precision": report.precision,
            "recall": report.recall,
            "f1": report.f1,
            "roc_auc": scores.roc_auc,
            "average_precision": scores.average_precision,
        }
    )
print(f"{RATE:.0%} symmetric noise on {len(y)} training labels: {flipped.sum()} flipped\n")
print(pd.DataFrame(rows).round(3).to_string(index=False))

suspects = cleaners["confident learning"].suspect_mask_
kinds = {
    "caught: flipped and flagged": flipped & suspects,
    "false alarm: clean but flagged": ~flipped & suspects,
    "missed: flipped, not flagged": flipped & ~suspects,
}
rng = np.random.default_rng(0)
figure, axes = plt.subplots(len(kinds), N_SHOWN, figsize=(N_SHOWN * 0.95, len(kinds) * 1.45))
for row_axes, (kind, mask) in zip(axes, kinds.items()):
    members = np.flatnonzero(mask)
    shown = np.sort(rng.choice(members, size=min(N_SHOWN, members.size), replace=False))
    for ax, index in zip(row_axes, shown):
        ax.imshow(X[index].reshape(28, 28), cmap="gray_r")
        title = f"label {y_noisy[index]}"
        if flipped[index]:
            title += f", is {y[index]}"
        ax.set_title(title, fontsize=8)
    for ax in row_axes:
        ax.set_xticks([])
        ax.set_yticks([])
    row_axes[0].set_ylabel(kind.split(":")[0], fontsize=9)
figure.suptitle(
    f"Confident learning at {RATE:.0%} symmetric noise: caught flips, false alarms, missed flips",
    fontsize=10,
)
figure.tight_layout()
OUT.mkdir(parents=True, exist_ok=True)
figure.savefig(OUT / "cleaning_suspects.png", dpi=100)
plt.close("all")
