"""The lesson, reproduced: the CNN on clean and on 10% mislabeled MNIST labels.

The lesson trains a small CNN on the first 15,000 MNIST training images,
once with the clean labels and once with 10% of them relabelled at random,
and compares accuracy on the first 2,000 test images. Its relabelling draws
the new label with NumPy's ``randint(0, 9)``: ``noise_type="uniform"`` is that
model (the new label may equal the old one, so about 9% really change) without
its bug (class 9 can be a target here). ``noise_type="symmetric"`` changes
exactly 10%. Three seeds each; the test labels are always clean.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from skmislabel import CNNClassifier, LabelNoiseInjector  # noqa: E402
from skmislabel.datasets import load_mnist  # noqa: E402
from skmislabel.plotting import CleanVsNoisyDisplay  # noqa: E402

QUICK = os.environ.get("SKMISLABEL_EXAMPLES_QUICK") == "1"  # a tiny run, for the tests
OUT = Path(os.environ.get("SKMISLABEL_EXAMPLES_OUT", Path(__file__).parent / "images"))

X_train, y_train = load_mnist(subset="train", return_X_y=True)
X_test, y_test = load_mnist(subset="test", return_X_y=True)
epochs, seeds = 5, [0, 1, 2]
if QUICK:
    X_train, y_train, epochs, seeds = X_train[:1000], y_train[:1000], 1, [0]

rows = []
for seed in seeds:
    for noise_type, rate in [("symmetric", 0.0), ("symmetric", 0.1), ("uniform", 0.1)]:
        injector = LabelNoiseInjector(noise_rate=rate, noise_type=noise_type, random_state=seed)
        _, y_noisy = injector.fit_resample(X_train, y_train)
        clf = CNNClassifier(epochs=epochs, random_state=seed).fit(X_train, y_noisy)
        rows.append(
            {
                "estimator": "CNN",
                "noise_type": noise_type,
                "noise_rate": rate,
                "repeat": seed,
                "test_score": clf.score(X_test, y_test),
                "flip_rate": injector.flip_rate_,
            }
        )
results = pd.DataFrame(rows)
# Rate 0 is the same clean run for both noise types.
clean = results[results["noise_rate"] == 0]
results = pd.concat([results, clean.assign(noise_type="uniform")], ignore_index=True)
print(
    results.groupby(["noise_type", "noise_rate"])[["test_score", "flip_rate"]]
    .agg(["mean", "std"])
    .round(4)
    .to_string()
)

display = CleanVsNoisyDisplay.from_results(results, noise_rate=0.1)
display.ax_.set_title("The lesson: CNN test accuracy, clean vs 10% mislabeled training labels")
display.figure_.set_size_inches(8, 4.5)
display.figure_.tight_layout()
OUT.mkdir(parents=True, exist_ok=True)
display.figure_.savefig(OUT / "lesson.png", dpi=110)
plt.close("all")
