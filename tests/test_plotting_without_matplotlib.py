"""The Displays without matplotlib: scikit-learn's "requires matplotlib" error,
raised by every entry point before any work. Runs in the core install, where
matplotlib is really missing, and in the full one, where it is hidden."""

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import KNeighborsClassifier

from skmislabel import LabelNoiseInjector
from skmislabel.model_selection import RESULT_COLUMNS
from skmislabel.plotting import CleanVsNoisyDisplay, NoiseCurveDisplay, TransitionMatrixDisplay


def _tidy(test_scores):
    """A frame with the columns of noise_curve(...).frame, one fold per score."""
    rows = [
        {
            "estimator": "est",
            "noise_type": "symmetric",
            "noise_rate": rate,
            "repeat": 0,
            "fold": fold,
            "test_score": score,
            "train_score": 1.0,
            "error": "",
        }
        for rate, scores in test_scores.items()
        for fold, score in enumerate(scores)
    ]
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


_ENTRY_POINTS = {
    "NoiseCurveDisplay.plot": lambda: NoiseCurveDisplay(
        noise_rates=[0.0], test_scores=[[1.0]]
    ).plot(),
    "NoiseCurveDisplay.from_results": lambda: NoiseCurveDisplay.from_results(_tidy({0.0: [1.0]})),
    # X=None: the check must come before any computation.
    "NoiseCurveDisplay.from_estimator": lambda: NoiseCurveDisplay.from_estimator(
        KNeighborsClassifier(), None, None
    ),
    "CleanVsNoisyDisplay.plot": lambda: CleanVsNoisyDisplay(
        clean_scores=[1.0], noisy_scores=[0.9], noise_rate=0.1
    ).plot(),
    "CleanVsNoisyDisplay.from_results": lambda: CleanVsNoisyDisplay.from_results(
        _tidy({0.0: [1.0], 0.1: [0.9]})
    ),
    "CleanVsNoisyDisplay.from_estimator": lambda: CleanVsNoisyDisplay.from_estimator(
        KNeighborsClassifier(), None, None
    ),
    "TransitionMatrixDisplay.plot": lambda: TransitionMatrixDisplay(np.eye(2)).plot(),
    "TransitionMatrixDisplay.from_injector": lambda: TransitionMatrixDisplay.from_injector(
        LabelNoiseInjector()
    ),
    "TransitionMatrixDisplay.from_labels": lambda: TransitionMatrixDisplay.from_labels(
        [0, 1], [1, 0]
    ),
}


@pytest.mark.parametrize("entry_point", list(_ENTRY_POINTS))
def test_every_drawing_entry_point_says_matplotlib_is_missing(entry_point, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=rf"^{entry_point} requires matplotlib\. "):
        _ENTRY_POINTS[entry_point]()
