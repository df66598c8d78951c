"""Tests for skmislabel/plotting.py, drawn with the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from skmislabel import LabelNoiseInjector, flip_labels  # noqa: E402
from skmislabel.model_selection import noise_curve  # noqa: E402
from skmislabel.plotting import (  # noqa: E402
    CleanVsNoisyDisplay,
    NoiseCurveDisplay,
    TransitionMatrixDisplay,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def results():
    X, y = load_digits(return_X_y=True)
    frames = [
        noise_curve(
            KNeighborsClassifier(),
            X,
            y,
            noise_rates=[0.0, 0.1, 0.3],
            cv=3,
            noise_type=noise_type,
            random_state=0,
        ).frame
        for noise_type in ("symmetric", "pairflip")
    ]
    return pd.concat(frames, ignore_index=True)


def test_noise_curve_display_from_results_has_expected_artists(results):
    display = NoiseCurveDisplay.from_results(results)
    assert len(display.lines_) == 2 and len(display.fill_between_) == 2
    assert len(display.clean_lines_) == 2
    assert display.figure_ is display.ax_.figure
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == ["pairflip", "symmetric"]
    symmetric = results[results["noise_type"] == "symmetric"]
    expected = symmetric.groupby("noise_rate")["test_score"].mean().to_numpy()
    np.testing.assert_allclose(display.lines_[1].get_ydata(), expected)
    np.testing.assert_allclose(display.clean_lines_[1].get_ydata()[0], expected[0])
    assert display.ax_.get_xlabel() == "Noise rate of the training labels"


def test_noise_curve_display_from_estimator_and_errorbar_style():
    X, y = load_digits(return_X_y=True)
    fig, ax = plt.subplots()
    display = NoiseCurveDisplay.from_estimator(
        KNeighborsClassifier(),
        X,
        y,
        noise_rates=[0.0, 0.4],
        cv=2,
        random_state=0,
        ax=ax,
        std_display_style="errorbar",
        score_name="Accuracy",
    )
    assert display.ax_ is ax and display.fill_between_ == []
    assert ax.get_ylabel() == "Accuracy" and len(display.lines_) == 1


def test_noise_curve_display_rejects_bad_input(results):
    with pytest.raises(ValueError, match="results lack the columns"):
        NoiseCurveDisplay.from_results(pd.DataFrame({"noise_rate": [0.1]}))
    with pytest.raises(ValueError, match="std_display_style"):
        NoiseCurveDisplay(results).plot(std_display_style="band")


def test_clean_vs_noisy_display(results):
    display = CleanVsNoisyDisplay.from_results(results, noise_rate=0.1)
    assert len(display.bars_) == 2 and all(len(bars) == 2 for bars in display.bars_)
    heights = [bar.get_height() for bar in display.bars_[1]]
    symmetric = results[results["noise_type"] == "symmetric"]
    expected = symmetric.groupby("noise_rate")["test_score"].mean()
    np.testing.assert_allclose(heights, [expected[0.0], expected[0.1]])
    with pytest.raises(ValueError, match="need rows at noise rate 0 and at noise_rate=0.2"):
        CleanVsNoisyDisplay.from_results(results, noise_rate=0.2)


def test_transition_matrix_display_from_injector_and_labels():
    y = np.repeat([0, 1, 2, 3], 25)
    injector = LabelNoiseInjector(noise_rate=0.2, noise_type="pairflip", random_state=0)
    _, y_noisy = injector.fit_resample(y[:, None], y)
    display = TransitionMatrixDisplay.from_injector(injector)
    np.testing.assert_allclose(display.im_.get_array(), injector.transition_matrix_)
    assert display.text_.shape == (4, 4) and display.text_[3, 0].get_text() == "0.20"
    from_labels = TransitionMatrixDisplay.from_labels(y, y_noisy, colorbar=False)
    np.testing.assert_allclose(from_labels.im_.get_array(), injector.transition_matrix_)
    strings = np.array(["a", "b"] * 10)
    noisy, _ = flip_labels(strings, noise_rate=0.5, random_state=0)
    display = TransitionMatrixDisplay.from_labels(strings, noisy)
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["a", "b"]
