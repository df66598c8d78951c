"""Tests for skmislabel/plotting, drawn with the Agg backend.

What the Displays say when matplotlib is missing is tested in
test_plotting_without_matplotlib.py, which runs in the core install too.
"""

import pytest

matplotlib = pytest.importorskip(
    "matplotlib", reason='the Displays need matplotlib: pip install "skmislabel[plot]"'
)

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from skmislabel import LabelNoiseInjector, flip_labels  # noqa: E402
from skmislabel.model_selection import RESULT_COLUMNS, noise_curve  # noqa: E402
from skmislabel.plotting import (  # noqa: E402
    CleanVsNoisyDisplay,
    NoiseCurveDisplay,
    TransitionMatrixDisplay,
)

MINUS = "\N{MINUS SIGN}"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digits():
    # Half of scikit-learn's digits: enough for the curves to fall, and fast.
    X, y = load_digits(return_X_y=True)
    return X[:900], y[:900]


@pytest.fixture(scope="module")
def results(digits):
    """Three curves: 5-NN under symmetric and pair-flip noise, 1-NN under
    symmetric noise; 3 rates, 3 folds each."""
    X, y = digits
    runs = [
        (KNeighborsClassifier(), "5-NN", "symmetric"),
        (KNeighborsClassifier(), "5-NN", "pairflip"),
        (KNeighborsClassifier(n_neighbors=1), "1-NN", "symmetric"),
    ]
    frames = [
        noise_curve(
            estimator,
            X,
            y,
            noise_rates=[0.0, 0.1, 0.3],
            cv=3,
            noise_type=noise_type,
            random_state=0,
            estimator_name=name,
        ).frame
        for estimator, name, noise_type in runs
    ]
    return pd.concat(frames, ignore_index=True)


def _tidy(test_scores, *, estimator="est", noise_type="symmetric", errors=None):
    """A frame with the columns of noise_curve(...).frame: ``test_scores``
    maps each noise rate to the test scores of its folds."""
    rows = []
    for rate, scores in test_scores.items():
        for fold, score in enumerate(scores):
            rows.append(
                {
                    "estimator": estimator,
                    "noise_type": noise_type,
                    "noise_rate": rate,
                    "repeat": 0,
                    "fold": fold,
                    "test_score": score,
                    "train_score": 1.0,
                    "error": "",
                }
            )
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    for index, error in (errors or {}).items():
        frame.loc[index, "error"] = error
    return frame


def _expected_means(frame, estimator, noise_type, column="test_score"):
    rows = frame[(frame["estimator"] == estimator) & (frame["noise_type"] == noise_type)]
    return rows.groupby("noise_rate")[column].mean().to_numpy()


def _band_limits(band):
    """Lowest and highest y of a fill_between band at each of its x values."""
    vertices = band.get_paths()[0].vertices
    xs = np.unique(vertices[:, 0])
    low = [vertices[vertices[:, 0] == x, 1].min() for x in xs]
    high = [vertices[vertices[:, 0] == x, 1].max() for x in xs]
    return np.array(low), np.array(high)


# -- NoiseCurveDisplay ----------------------------------------------------------


def test_init_only_stores_its_arguments():
    figures_before = plt.get_fignums()
    rates, scores = np.array([0.0, 0.5]), np.ones((2, 3))
    display = NoiseCurveDisplay(noise_rates=rates, test_scores=scores, score_name="Accuracy")
    assert display.noise_rates is rates and display.test_scores is scores
    assert display.train_scores is None and display.curve_names is None
    clean_vs_noisy = CleanVsNoisyDisplay(
        clean_scores=scores[0], noisy_scores=scores[1], noise_rate=2
    )
    assert clean_vs_noisy.noise_rate == 2  # validated when drawn, not stored
    TransitionMatrixDisplay("not a matrix")
    assert plt.get_fignums() == figures_before, "__init__ drew something"
    assert not hasattr(display, "ax_")


def test_plot_draws_mean_and_std_band_of_the_arrays():
    rates = np.array([0.0, 0.2, 0.4])
    test_scores = np.array([[0.98, 0.96, 0.97], [0.90, 0.94, 0.92], [0.70, 0.80, 0.75]])
    display = NoiseCurveDisplay(noise_rates=rates, test_scores=test_scores).plot()
    assert len(display.lines_) == len(display.fill_between_) == len(display.clean_lines_) == 1
    assert display.errorbar_ is None
    line = display.lines_[0]
    np.testing.assert_allclose(line.get_xdata(), rates)
    np.testing.assert_allclose(line.get_ydata(), test_scores.mean(axis=1))
    low, high = _band_limits(display.fill_between_[0])
    std = test_scores.std(axis=1)  # ddof=0, as ValidationCurveDisplay
    np.testing.assert_allclose(low, test_scores.mean(axis=1) - std)
    np.testing.assert_allclose(high, test_scores.mean(axis=1) + std)
    np.testing.assert_allclose(display.clean_lines_[0].get_ydata(), [0.97, 0.97])
    assert display.clean_lines_[0].get_linestyle() == ":"
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_xlabel() == "Noise rate of the training labels"
    assert display.ax_.get_ylabel() == "Score on clean labels"
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()] == ["Test"]


def test_nan_fits_are_left_out_and_a_rate_without_scores_is_skipped():
    rates = np.array([0.4, 0.0, 0.2])  # unsorted: joined in increasing rate
    test_scores = np.array([[0.7, np.nan], [0.9, 1.0], [np.nan, np.nan]])
    display = NoiseCurveDisplay(noise_rates=rates, test_scores=test_scores).plot()
    np.testing.assert_allclose(display.lines_[0].get_xdata(), [0.0, 0.4])
    np.testing.assert_allclose(display.lines_[0].get_ydata(), [0.95, 0.7])
    low, high = _band_limits(display.fill_between_[0])
    np.testing.assert_allclose(high - low, [0.1, 0.0])


def test_several_curves_from_a_3d_array_with_names():
    rates = np.array([0.0, 0.5])
    test_scores = np.array([[[0.9], [0.6]], [[0.8], [0.7]]])
    display = NoiseCurveDisplay(
        noise_rates=rates, test_scores=test_scores, curve_names=["a", "b"]
    ).plot(score_name="Accuracy")
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()] == ["a", "b"]
    np.testing.assert_allclose(display.lines_[1].get_ydata(), [0.8, 0.7])
    assert display.lines_[0].get_color() != display.lines_[1].get_color()
    assert display.ax_.get_ylabel() == "Accuracy"


def test_score_type_both_draws_train_dashed_in_the_curve_colour():
    rates = np.array([0.0, 0.5])
    display = NoiseCurveDisplay(
        noise_rates=rates,
        test_scores=np.array([[0.9, 0.9], [0.6, 0.6]]),
        train_scores=np.array([[1.0, 1.0], [0.55, 0.55]]),
        curve_names=["knn"],
    ).plot(score_type="both")
    test_line, train_line = display.lines_
    np.testing.assert_allclose(train_line.get_ydata(), [1.0, 0.55])
    assert train_line.get_color() == test_line.get_color()
    assert train_line.get_linestyle() == "--" and test_line.get_linestyle() == "-"
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()] == [
        "knn, test",
        "knn, train",
    ]
    assert len(display.clean_lines_) == 2
    train_only = display.plot(score_type="train", show_clean=False)
    assert len(train_only.lines_) == 1 and train_only.clean_lines_ is None
    np.testing.assert_allclose(train_only.lines_[0].get_ydata(), [1.0, 0.55])


def test_errorbar_style_stores_containers_and_no_lines():
    rates = np.array([0.0, 0.5])
    test_scores = np.array([[0.9, 0.8], [0.6, 0.4]])
    display = NoiseCurveDisplay(noise_rates=rates, test_scores=test_scores)
    display.plot(std_display_style="errorbar")
    assert display.lines_ is None and display.fill_between_ is None
    (container,) = display.errorbar_
    np.testing.assert_allclose(container.lines[0].get_ydata(), [0.85, 0.5])
    segments = container.lines[2][0].get_segments()
    np.testing.assert_allclose([np.ptp(s[:, 1]) for s in segments], [0.1, 0.2])
    no_std = display.plot(std_display_style=None)
    assert len(no_std.lines_) == 1 and no_std.fill_between_ is None and no_std.errorbar_ is None


def test_line_kw_reaches_the_line_only_and_overrides_defaults():
    rates = np.array([0.0, 0.5])
    display = NoiseCurveDisplay(noise_rates=rates, test_scores=np.array([[0.9, 0.8], [0.6, 0.4]]))
    display.plot(
        line_kw={"c": "tab:red", "lw": 4, "marker": "s", "alpha": 0.9},
        fill_between_kw={"alpha": 0.5, "hatch": "//"},
        errorbar_kw={"color": "green", "capsize": 9},
    )
    (line,), (band,) = display.lines_, display.fill_between_
    assert line.get_color() == "tab:red" and line.get_linewidth() == 4
    assert line.get_marker() == "s" and line.get_alpha() == 0.9
    # The band takes the line's colour but none of line_kw's other settings.
    assert band.get_alpha() == 0.5 and band.get_hatch() == "//"
    assert band.get_linewidth()[0] != 4
    np.testing.assert_allclose(band.get_facecolor()[0][:3], to_rgba("tab:red")[:3])
    # errorbar_kw is for std_display_style="errorbar" only.
    assert not any(to_rgba(artist.get_color()) == to_rgba("green") for artist in display.ax_.lines)
    assert list(display.ax_.containers) == []


def test_errorbar_kw_reaches_the_errorbar_and_line_kw_does_not():
    rates = np.array([0.0, 0.5])
    display = NoiseCurveDisplay(noise_rates=rates, test_scores=np.array([[0.9, 0.8], [0.6, 0.4]]))
    display.plot(
        std_display_style="errorbar",
        errorbar_kw={"ecolor": "green", "capsize": 9, "marker": "^"},
        line_kw={"linewidth": 7, "color": "tab:red"},
        fill_between_kw={"alpha": 0.1},
    )
    (container,) = display.errorbar_
    data_line, caplines, (bars,) = container.lines
    assert data_line.get_marker() == "^" and data_line.get_linewidth() != 7
    assert to_rgba(data_line.get_color()) != to_rgba("tab:red")
    np.testing.assert_allclose(bars.get_color()[0], to_rgba("green"))
    assert caplines[0].get_markersize() == 2 * 9
    assert not any(line.get_linewidth() == 7 for line in display.ax_.lines)
    assert list(display.ax_.collections) == [bars], "a band was drawn"


@pytest.mark.parametrize(
    "make, err_type, err_msg",
    [
        (
            lambda d: d.plot(std_display_style="band"),
            ValueError,
            "std_display_style must be one of 'fill_between', 'errorbar', None; got 'band'",
        ),
        (
            lambda d: d.plot(score_type="validation"),
            ValueError,
            "score_type must be one of 'test', 'train', 'both'; got 'validation'",
        ),
        (
            lambda d: d.plot(score_type="both"),
            ValueError,
            "score_type='both' needs train_scores",
        ),
        (
            lambda d: d.plot(line_kw="red"),
            TypeError,
            "line_kw must be a dict of keyword arguments or None; got str",
        ),
        (
            lambda d: d.plot(errorbar_kw=["capsize", 3]),
            TypeError,
            "errorbar_kw must be a dict",
        ),
        (
            lambda d: NoiseCurveDisplay(noise_rates=[0, 0.5, 1], test_scores=d.test_scores).plot(),
            ValueError,
            r"test_scores must have shape .* n_noise_rates=3 .* got shape \(2, 2\)",
        ),
        (
            lambda d: NoiseCurveDisplay(
                noise_rates=d.noise_rates, test_scores=d.test_scores, curve_names=["a", "b"]
            ).plot(),
            ValueError,
            "curve_names has 2 names for 1 curves",
        ),
        (
            lambda d: NoiseCurveDisplay(
                noise_rates=d.noise_rates, test_scores=d.test_scores, train_scores=np.ones(2)
            ).plot(score_type="train"),
            ValueError,
            r"train_scores must have shape",
        ),
        (
            lambda d: NoiseCurveDisplay.from_results(pd.DataFrame({"noise_rate": [0.1]})),
            ValueError,
            r"results lack the columns \['estimator', 'noise_type', 'test_score'\]",
        ),
        (
            lambda d: NoiseCurveDisplay.from_results(_tidy({0.0: [0.9]}).iloc[:0]),
            ValueError,
            "results has no rows to plot",
        ),
        (
            lambda d: NoiseCurveDisplay.from_results([{"noise_rate": 0.0}]),
            TypeError,
            "results must be a DataFrame .* or the path of the CSV it was saved to; got list",
        ),
        (
            lambda d: NoiseCurveDisplay.from_results(type("Bunch", (), {"frame": None})()),
            TypeError,
            "got Bunch; pass its .frame",
        ),
        (
            lambda d: NoiseCurveDisplay.from_results(_tidy({0.0: [0.9]}), estimators=["svc"]),
            ValueError,
            r"estimators=\['svc'\]: \['svc'\] not in the results, whose estimator values "
            r"are \['est'\]",
        ),
        (
            lambda d: NoiseCurveDisplay.from_results(
                _tidy({0.0: [0.9]}).drop(columns="train_score"), score_type="both"
            ),
            ValueError,
            "score_type='both' needs the column 'train_score'",
        ),
        (
            lambda d: CleanVsNoisyDisplay.from_results(
                _tidy({0.0: [0.9], 0.1: [0.8]}), noise_rate=0.2
            ),
            ValueError,
            r"need rows at noise rate 0 and at noise_rate=0.2; the curve 'est \(symmetric\)' "
            r"has rates \[0.0, 0.1\]",
        ),
        (
            lambda d: CleanVsNoisyDisplay.from_results(_tidy({0.0: [0.9]}), noise_rate=0),
            ValueError,
            r"noise_rate must be a number in \(0, 1\]",
        ),
        (
            lambda d: CleanVsNoisyDisplay(
                clean_scores=np.ones((2, 3)), noisy_scores=np.ones((3, 3)), noise_rate=0.1
            ).plot(),
            ValueError,
            "clean_scores has 2 curves and noisy_scores 3",
        ),
        (
            lambda d: CleanVsNoisyDisplay(
                clean_scores=[np.nan], noisy_scores=[np.nan], noise_rate=0.1
            ).plot(),
            ValueError,
            "hold no score",
        ),
        (
            lambda d: CleanVsNoisyDisplay(
                clean_scores=[0.9], noisy_scores=[0.8], noise_rate=0.1
            ).plot(text_kw=3),
            TypeError,
            "text_kw must be a dict",
        ),
        (
            lambda d: TransitionMatrixDisplay(np.ones((2, 3))).plot(),
            ValueError,
            r"transition_matrix must be square; got shape \(2, 3\)",
        ),
        (
            lambda d: TransitionMatrixDisplay(np.eye(2), display_labels=["a"]).plot(),
            ValueError,
            "display_labels has 1 labels for 2 classes",
        ),
        (
            lambda d: TransitionMatrixDisplay(np.eye(2)).plot(im_kw="viridis"),
            TypeError,
            "im_kw must be a dict",
        ),
    ],
    ids=[
        "std_display_style",
        "score_type",
        "both-without-train",
        "line_kw-not-dict",
        "errorbar_kw-not-dict",
        "rates-shape",
        "curve_names-length",
        "train-shape",
        "results-columns",
        "results-empty",
        "results-type",
        "results-bunch",
        "unknown-estimator",
        "results-without-train",
        "clean-vs-noisy-missing-rate",
        "clean-vs-noisy-rate-0",
        "clean-vs-noisy-curves",
        "clean-vs-noisy-all-nan",
        "clean-vs-noisy-text_kw",
        "matrix-not-square",
        "display_labels-length",
        "im_kw-not-dict",
    ],
)
def test_invalid_parameters_raise_naming_the_parameter(make, err_type, err_msg):
    display = NoiseCurveDisplay(noise_rates=np.array([0.0, 0.5]), test_scores=np.ones((2, 2)))
    with pytest.raises(err_type, match=err_msg):
        make(display)
    assert plt.get_fignums() == [], "an invalid call drew a figure"


def test_from_results_draws_one_curve_per_estimator_and_noise_type(results):
    display = NoiseCurveDisplay.from_results(results)
    assert display.curve_names == ["1-NN, symmetric", "5-NN, pairflip", "5-NN, symmetric"]
    assert display.test_scores.shape == (3, 3, 3)
    np.testing.assert_allclose(display.noise_rates, [0.0, 0.1, 0.3])
    assert len(display.lines_) == len(display.fill_between_) == len(display.clean_lines_) == 3
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == display.curve_names
    for line, (estimator, noise_type) in zip(
        display.lines_, [("1-NN", "symmetric"), ("5-NN", "pairflip"), ("5-NN", "symmetric")]
    ):
        np.testing.assert_allclose(
            line.get_ydata(), _expected_means(results, estimator, noise_type)
        )
    # Arrays in noise_curve's layout: the fold is the last axis.
    one = results[(results["estimator"] == "1-NN")].sort_values(["noise_rate", "fold"])
    np.testing.assert_allclose(display.test_scores[0].ravel(), one["test_score"])
    np.testing.assert_allclose(display.train_scores[0].ravel(), one["train_score"])


def test_from_results_selects_and_orders_curves(results):
    display = NoiseCurveDisplay.from_results(
        results, estimators=["5-NN", "1-NN"], noise_types="symmetric", score_type="both"
    )
    assert display.curve_names == ["5-NN", "1-NN"]
    assert len(display.lines_) == 4
    np.testing.assert_allclose(
        display.lines_[1].get_ydata(), _expected_means(results, "5-NN", "symmetric", "train_score")
    )
    single = NoiseCurveDisplay.from_results(results, estimators=["1-NN"])
    assert single.curve_names == ["1-NN (symmetric)"]


def test_from_results_round_trips_through_a_csv_path(results, tmp_path):
    path = tmp_path / "noise_curve.csv"
    results.to_csv(path, index=False)
    from_frame = NoiseCurveDisplay.from_results(results)
    for source in (path, str(path)):
        from_csv = NoiseCurveDisplay.from_results(source)
        assert from_csv.curve_names == from_frame.curve_names
        np.testing.assert_allclose(from_csv.test_scores, from_frame.test_scores)
        for line_csv, line_frame in zip(from_csv.lines_, from_frame.lines_):
            np.testing.assert_allclose(line_csv.get_ydata(), line_frame.get_ydata())
    clean_vs_noisy = CleanVsNoisyDisplay.from_results(path, noise_rate=0.3)
    np.testing.assert_allclose(
        clean_vs_noisy.errorbar_[2].lines[0].get_ydata(),
        _expected_means(results, "5-NN", "symmetric")[[0, 2]],
    )


def test_failed_fits_count_as_missing_not_as_scores(tmp_path):
    # A failed fit recorded with a numeric error_score (0.0) and its error.
    frame = _tidy(
        {0.0: [0.9, 0.8, 0.0], 0.3: [0.0, 0.0], 0.5: [0.6, 0.5]},
        errors={2: "RuntimeError: boom", 3: "MemoryError", 4: "MemoryError"},
    )
    path = tmp_path / "failed.csv"
    frame.to_csv(path, index=False)
    for source in (frame, path):
        display = NoiseCurveDisplay.from_results(source)
        assert np.isnan(display.test_scores[0, 0, 2]) and np.isnan(display.test_scores[0, 1]).all()
        # The rate whose every fit failed has no point.
        np.testing.assert_allclose(display.lines_[0].get_xdata(), [0.0, 0.5])
        np.testing.assert_allclose(display.lines_[0].get_ydata(), [0.85, 0.55])
    assert frame.loc[2, "test_score"] == 0.0, "from_results changed the caller's frame"
    clean_vs_noisy = CleanVsNoisyDisplay.from_results(frame, noise_rate=0.5)
    np.testing.assert_allclose(clean_vs_noisy.errorbar_[0].lines[0].get_ydata(), [0.85, 0.55])


def test_from_estimator_on_digits(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.2, 0.5], cv=3, n_repeats=2, random_state=0)
    fig, ax = plt.subplots()
    display = NoiseCurveDisplay.from_estimator(
        KNeighborsClassifier(), X, y, ax=ax, score_type="both", **kwargs
    )
    expected = noise_curve(KNeighborsClassifier(), X, y, **kwargs)
    assert display.ax_ is ax and display.figure_ is fig
    assert display.curve_names == ["KNeighborsClassifier (symmetric)"]
    np.testing.assert_allclose(display.test_scores[0], expected.test_scores)
    np.testing.assert_allclose(display.lines_[0].get_ydata(), expected.test_scores.mean(axis=1))
    np.testing.assert_allclose(display.lines_[1].get_ydata(), expected.train_scores.mean(axis=1))
    means = display.lines_[0].get_ydata()
    assert means[0] > 0.9 and means[2] < means[0] - 0.05
    assert ax.get_ylabel() == "Score on clean labels"

    named = NoiseCurveDisplay.from_estimator(
        KNeighborsClassifier(),
        X,
        y,
        noise_rates=[0.0, 0.4],
        noise_type="pairflip",
        cv=2,
        scoring="balanced_accuracy",
        random_state=0,
        std_display_style="errorbar",
    )
    assert named.ax_.get_ylabel() == "Balanced accuracy on clean labels"
    assert named.curve_names == ["KNeighborsClassifier (pairflip)"] and len(named.errorbar_) == 1


# -- CleanVsNoisyDisplay --------------------------------------------------------


def test_clean_vs_noisy_draws_points_with_error_bars_and_the_drop():
    clean = np.array([[0.970, 0.975, 0.965], [0.96, 0.96, 0.96]])
    noisy = np.array([[0.950, 0.955, 0.955], [0.90, 0.92, np.nan]])
    display = CleanVsNoisyDisplay(
        clean_scores=clean, noisy_scores=noisy, noise_rate=0.1, curve_names=["a", "b"]
    ).plot()
    assert len(display.errorbar_) == len(display.drop_text_) == 2
    assert list(display.ax_.patches) == [], "bars were drawn"
    first, second = (container.lines[0] for container in display.errorbar_)
    np.testing.assert_allclose(first.get_ydata(), [0.97, 0.9533333])
    np.testing.assert_allclose(second.get_ydata(), [0.96, 0.91])
    # Clean on the left, noisy on the right, the curves side by side.
    assert first.get_xdata()[0] < 0.5 < first.get_xdata()[1]
    assert first.get_xdata()[0] != second.get_xdata()[0]
    assert [text.get_text() for text in display.drop_text_] == [f"{MINUS}0.0167", f"{MINUS}0.0500"]
    assert display.drop_text_[1].get_color() == second.get_color()
    labels = [tick.get_text() for tick in display.ax_.get_xticklabels()]
    assert labels == ["clean labels", "10% mislabeled"]
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()] == ["a", "b"]


@pytest.mark.parametrize(
    "clean, noisy",
    [
        # The lesson: a 1.6-point drop on a score near 0.97.
        ([0.9705, 0.9665, 0.9745], [0.9548, 0.9518, 0.9578]),
        # One fit each: no spread at all.
        ([0.97], [0.953]),
        ([0.5, 0.9], [0.2, 0.3]),
    ],
    ids=["lesson", "one-fit", "wide"],
)
def test_clean_vs_noisy_axis_shows_every_mean_and_std(clean, noisy):
    display = CleanVsNoisyDisplay(clean_scores=clean, noisy_scores=noisy, noise_rate=0.1).plot()
    bottom, top = display.ax_.get_ylim()
    ends = [np.mean(s) + sign * np.std(s) for s in (clean, noisy) for sign in (-1, 1)]
    low, high = min(ends), max(ends)
    assert bottom < low and top > high, (bottom, top, low, high)
    # The range is never narrower than the data it shows.
    assert top - bottom >= high - low
    drop = np.mean(noisy) - np.mean(clean)
    assert display.drop_text_[0].get_text() == f"{drop:+.4f}".replace("-", MINUS)
    assert display.ax_.get_legend() is None


def test_clean_vs_noisy_drop_texts_do_not_overlap():
    display = CleanVsNoisyDisplay(
        clean_scores=[[0.97, 0.96], [0.975, 0.975], [0.9, 0.9]],
        noisy_scores=[[0.95, 0.95], [0.95, 0.95], [np.nan, np.nan]],
        noise_rate=0.1,
    ).plot()
    first, second, missing = display.drop_text_
    bottom, top = display.ax_.get_ylim()
    assert abs(first.get_position()[1] - second.get_position()[1]) >= 0.05 * (top - bottom)
    assert {first.get_text(), second.get_text()} == {f"{MINUS}0.0150", f"{MINUS}0.0250"}
    assert missing is None


def test_clean_vs_noisy_kw_routing_and_options():
    display = CleanVsNoisyDisplay(
        clean_scores=[0.9, 0.92], noisy_scores=[0.8, 0.84], noise_rate=0.25, score_name="Acc"
    ).plot(
        errorbar_kw={"color": "purple", "capsize": 9, "ls": ":"},
        text_kw={"color": "black", "fontsize": 7},
    )
    data_line, caplines, _ = display.errorbar_[0].lines
    assert data_line.get_color() == "purple" and data_line.get_linestyle() == ":"
    assert caplines[0].get_markersize() == 18
    (text,) = display.drop_text_
    assert text.get_color() == "black" and text.get_fontsize() == 7
    assert display.ax_.get_ylabel() == "Acc"
    assert display.ax_.get_xticklabels()[1].get_text() == "25% mislabeled"
    hidden = display.plot(show_drop=False, score_name="Other")
    assert hidden.drop_text_ is None and hidden.ax_.get_ylabel() == "Other"


def test_clean_vs_noisy_from_results_several_curves(results):
    display = CleanVsNoisyDisplay.from_results(results, noise_rate=0.1, noise_types=["symmetric"])
    assert display.curve_names == ["1-NN", "5-NN"]
    assert display.clean_scores.shape == display.noisy_scores.shape == (2, 3)
    for container, estimator in zip(display.errorbar_, ["1-NN", "5-NN"]):
        expected = _expected_means(results, estimator, "symmetric")[:2]
        np.testing.assert_allclose(container.lines[0].get_ydata(), expected)


def test_clean_vs_noisy_accepts_the_lesson_frame():
    # docs/examples/lesson.py builds its own frame: no fold, error or train_score.
    rows = [
        {"estimator": "CNN", "noise_type": kind, "noise_rate": rate, "repeat": seed}
        for seed in range(3)
        for kind, rate in [("symmetric", 0.0), ("symmetric", 0.1), ("uniform", 0.1)]
    ]
    results = pd.DataFrame(rows).assign(test_score=np.linspace(0.95, 0.97, 9), flip_rate=0.1)
    clean = results[results["noise_rate"] == 0]
    results = pd.concat([results, clean.assign(noise_type="uniform")], ignore_index=True)
    display = CleanVsNoisyDisplay.from_results(results, noise_rate=0.1)
    display.ax_.set_title("The lesson")
    assert display.curve_names == ["symmetric", "uniform"]
    np.testing.assert_allclose(display.clean_scores[0], display.clean_scores[1])


def test_clean_vs_noisy_from_estimator_on_digits(digits):
    X, y = digits
    display = CleanVsNoisyDisplay.from_estimator(
        KNeighborsClassifier(), X, y, noise_rate=0.4, cv=3, n_repeats=2, random_state=0
    )
    expected = noise_curve(
        KNeighborsClassifier(), X, y, noise_rates=[0.0, 0.4], cv=3, n_repeats=2, random_state=0
    ).test_scores
    np.testing.assert_allclose(display.clean_scores[0], expected[0])
    np.testing.assert_allclose(display.noisy_scores[0], expected[1])
    drop = expected[1].mean() - expected[0].mean()
    assert drop < -0.01
    assert display.drop_text_[0].get_text() == f"{drop:+.4f}".replace("-", MINUS)
    assert display.curve_names == ["KNeighborsClassifier (symmetric)"]


# -- TransitionMatrixDisplay ----------------------------------------------------


def test_transition_matrix_display_from_injector_and_labels():
    y = np.repeat([0, 1, 2, 3], 25)
    injector = LabelNoiseInjector(noise_rate=0.2, noise_type="pairflip", random_state=0)
    _, y_noisy = injector.fit_resample(y[:, None], y)
    display = TransitionMatrixDisplay.from_injector(injector)
    np.testing.assert_allclose(display.im_.get_array(), injector.transition_matrix_)
    assert display.text_.shape == (4, 4) and display.text_[3, 0].get_text() == "0.20"
    assert display.colorbar_ is not None
    assert display.ax_.get_xlabel() == "Noisy label" and display.ax_.get_ylabel() == "True label"
    from_labels = TransitionMatrixDisplay.from_labels(y, y_noisy, colorbar=False)
    np.testing.assert_allclose(from_labels.im_.get_array(), injector.transition_matrix_)
    assert from_labels.colorbar_ is None
    strings = np.array(["a", "b"] * 10)
    noisy, _ = flip_labels(strings, noise_rate=0.5, random_state=0)
    display = TransitionMatrixDisplay.from_labels(strings, noisy, include_values=False)
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["a", "b"]
    assert display.text_ is None


@pytest.mark.parametrize("cmap", ["Blues", "viridis", "Greys_r"])
def test_transition_matrix_text_colour_follows_the_colormap(cmap):
    matrix = np.array([[0.9, 0.1], [0.3, 0.7]])
    display = TransitionMatrixDisplay(matrix).plot(cmap=cmap)
    colormap = display.im_.cmap
    assert colormap.name == cmap
    # As ConfusionMatrixDisplay: the far end of the colormap from the cell's colour.
    assert display.text_[0, 0].get_color() == colormap(0)
    assert display.text_[1, 1].get_color() == colormap(0)
    assert display.text_[0, 1].get_color() == colormap(1.0)
    assert display.text_[1, 0].get_color() == colormap(1.0)
    # No size is imposed: the rcParams' one applies.
    assert display.text_[0, 0].get_fontsize() == matplotlib.rcParams["font.size"]


def test_transition_matrix_im_kw_and_text_kw_override_defaults():
    from matplotlib.colors import LogNorm

    matrix = np.array([[0.9, 0.1], [0.3, 0.7]])
    display = TransitionMatrixDisplay(matrix).plot(
        values_format=".0%",
        im_kw={"cmap": "Reds", "vmax": 2.0},
        text_kw={"c": "tab:green", "fontsize": 6, "fontweight": "bold"},
    )
    assert display.im_.cmap.name == "Reds" and display.im_.get_clim() == (0.0, 2.0)
    text = display.text_[0, 0]
    assert text.get_text() == "90%" and text.get_color() == "tab:green"
    assert text.get_fontsize() == 6 and text.get_fontweight() == "bold"
    # A norm replaces the default vmin and vmax (matplotlib refuses both).
    logged = TransitionMatrixDisplay(matrix).plot(im_kw={"norm": LogNorm(0.01, 1)})
    assert isinstance(logged.im_.norm, LogNorm)
    # 0.3 is past the middle of a log scale from 0.01 to 1, not of a linear one.
    assert logged.text_[1, 0].get_color() == logged.im_.cmap(0)
    linear = TransitionMatrixDisplay(matrix).plot()
    assert linear.text_[1, 0].get_color() == linear.im_.cmap(1.0)


def test_transition_matrix_nan_row_is_blank():
    display = TransitionMatrixDisplay.from_labels([0, 0, 2], [0, 1, 2], labels=[0, 1, 2])
    assert [text.get_text() for text in display.text_[1]] == ["", "", ""]
    assert display.text_[0, 1].get_text() == "0.50"


# -- matplotlib is optional -----------------------------------------------------
