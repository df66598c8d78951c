"""GridSearchCV over the noise rate and the CNN's dropout.

One search answers two questions: how much each level of training-label noise
costs, and whether dropout helps the network resist it. The injector only runs
at fit time, so every test fold is scored on clean labels.
"""

import os

import pandas as pd
from sklearn.model_selection import GridSearchCV

from skmislabel import CNNClassifier, LabelNoiseInjector, make_pipeline
from skmislabel.datasets import load_mnist

QUICK = os.environ.get("SKMISLABEL_EXAMPLES_QUICK") == "1"  # a tiny run, for the tests

X, y = load_mnist(subset="train", return_X_y=True)
X, y, epochs = X[:6000], y[:6000], 5
if QUICK:
    X, y, epochs = X[:600], y[:600], 1

pipe = make_pipeline(
    LabelNoiseInjector(random_state=0),
    CNNClassifier(epochs=epochs, random_state=0),
)
search = GridSearchCV(
    pipe,
    {
        "labelnoiseinjector__noise_rate": [0.0, 0.2, 0.4],
        "cnnclassifier__dropout": [0.0, 0.5],
    },
    cv=3,
).fit(X, y)

results = pd.DataFrame(search.cv_results_["params"]).assign(
    mean_test_score=search.cv_results_["mean_test_score"],
    std_test_score=search.cv_results_["std_test_score"],
)
print(
    results.pivot_table(
        index="labelnoiseinjector__noise_rate",
        columns="cnnclassifier__dropout",
        values="mean_test_score",
    )
    .round(4)
    .to_string()
)
print("best:", search.best_params_)
