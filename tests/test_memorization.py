"""Tests for skmislabel/model_selection/_memorization.py and skmislabel/plotting/_memorization.py.

scikit-learn estimators only, single-threaded BLAS: the matrices are small,
and on a shared machine BLAS threads cost ten times what they save.
"""

import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from skmislabel import flip_labels
from skmislabel.model_selection import memorization_curve


@pytest.fixture(autouse=True)
def one_blas_thread():
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def digits():
    """Digits scaled to [0, 1], split 70/30, stratified."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def small():
    """300 training digits with 30% of their labels flipped, for the fast tests."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    y_noisy, _ = flip_labels(y, noise_rate=0.3, random_state=0)
    return X, y_noisy, y


class NoPartialFitSGD(SGDClassifier):
    """SGDClassifier without partial_fit: trained through warm_start and max_iter."""

    @property
    def partial_fit(self):
        raise AttributeError("partial_fit is hidden")


# -- memorization_curve -------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_wide_network_first_corrects_then_memorizes_the_flipped_labels(digits, seed):
    X_train, X_test, y_train, y_test = digits
    y_noisy, noise_mask = flip_labels(y_train, noise_rate=0.4, random_state=seed)
    network = MLPClassifier(hidden_layer_sizes=(256,), learning_rate_init=1e-2, random_state=seed)
    curve = memorization_curve(
        network, X_train, y_noisy, y_train, X_test=X_test, y_test=y_test, epochs=30
    )
    np.testing.assert_array_equal(curve.noise_mask, noise_mask)
    assert curve.n_flipped == noise_mask.sum()
    # Early on, most flipped samples are predicted as their true class...
    assert curve.corrected[:5].max() > 0.6
    assert curve.memorized[:5].max() < 0.1
    # ... then the network learns their noisy labels.
    assert curve.memorized[-1] - curve.memorized[0] > 0.15
    assert curve.corrected[-1] < curve.corrected[:5].max() - 0.1
    # The clean samples stay learned; the test accuracy peaks, then falls.
    assert curve.clean_accuracy[-1] > 0.9
    assert curve.test_accuracy.max() > 0.85
    assert curve.test_accuracy[-1] < curve.test_accuracy.max() - 0.05


@pytest.mark.parametrize(
    "estimator",
    [
        SGDClassifier(random_state=0),
        MLPClassifier(hidden_layer_sizes=(16,), random_state=0),
        LogisticRegression(),
        NoPartialFitSGD(random_state=0),
    ],
    ids=["SGD partial_fit", "MLP partial_fit", "LogisticRegression warm_start", "SGD warm_start"],
)
def test_the_curve_has_one_value_per_epoch_and_the_shares_sum_to_1(small, estimator):
    X, y_noisy, y = small
    with warnings.catch_warnings():
        # The expected ConvergenceWarning of one iteration per fit is silenced.
        warnings.simplefilter("error", ConvergenceWarning)
        curve = memorization_curve(estimator, X, y_noisy, y, X_test=X, y_test=y, epochs=3)
    assert set(curve) == {
        "epochs",
        "memorized",
        "corrected",
        "other",
        "clean_accuracy",
        "test_accuracy",
        "n_flipped",
        "noise_mask",
        "sample_indices",
        "estimator",
    }
    np.testing.assert_array_equal(curve.epochs, [1, 2, 3])
    for key in ("memorized", "corrected", "other", "clean_accuracy", "test_accuracy"):
        assert curve[key].shape == (3,)
        assert ((curve[key] >= 0) & (curve[key] <= 1)).all()
    np.testing.assert_allclose(curve.memorized + curve.corrected + curve.other, 1)
    assert isinstance(curve.n_flipped, int) and curve.n_flipped == 90
    assert curve.noise_mask.dtype == bool
    check_is_fitted(curve.estimator)
    assert curve.estimator is not estimator


def test_partial_fit_is_called_once_per_epoch_with_all_the_classes(small):
    X, y_noisy, y = small
    calls = []

    class CountingSGD(SGDClassifier):
        def partial_fit(self, X, y, classes=None, sample_weight=None):
            calls.append(classes)
            return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    memorization_curve(CountingSGD(random_state=0), X, y_noisy, y, epochs=4)
    assert len(calls) == 4
    for classes in calls:
        np.testing.assert_array_equal(classes, np.arange(10))


def test_the_warm_start_path_fits_one_iteration_per_epoch(small):
    X, y_noisy, y = small
    curve = memorization_curve(LogisticRegression(), X, y_noisy, y, epochs=4)
    assert curve.estimator.warm_start is True
    assert curve.estimator.max_iter == 1
    assert curve.estimator.n_iter_.max() == 1
    # The fits build on each other: four single iterations do not give one.
    once = memorization_curve(LogisticRegression(), X, y_noisy, y, epochs=1)
    assert not np.allclose(curve.estimator.coef_, once.estimator.coef_)


def test_epochs_is_preferred_to_max_iter(small):
    X, y_noisy, y = small

    class WithEpochs(NoPartialFitSGD):
        def __init__(self, epochs=5, max_iter=1000, warm_start=False):
            super().__init__(max_iter=max_iter, warm_start=warm_start, random_state=0)
            self.epochs = epochs

    curve = memorization_curve(WithEpochs(), X, y_noisy, y, epochs=2)
    assert (curve.estimator.epochs, curve.estimator.max_iter) == (1, 1000)


def test_without_flips_the_shares_are_nan(small):
    X, _, y = small
    curve = memorization_curve(SGDClassifier(random_state=0), X, y, y, epochs=2)
    assert curve.n_flipped == 0 and not curve.noise_mask.any()
    for key in ("memorized", "corrected", "other"):
        assert np.isnan(curve[key]).all()
    assert not np.isnan(curve.clean_accuracy).any()
    assert curve.test_accuracy is None


@pytest.mark.parametrize("max_samples, size", [(120, 120), (0.5, 150), (1.0, 300)])
def test_max_samples_measures_a_fixed_subset(small, max_samples, size):
    X, y_noisy, y = small
    estimator = SGDClassifier(random_state=0)
    full = memorization_curve(estimator, X, y_noisy, y, epochs=3)
    subset = memorization_curve(
        estimator, X, y_noisy, y, epochs=3, max_samples=max_samples, random_state=0
    )
    indices = subset.sample_indices
    assert len(indices) == size and len(np.unique(indices)) == size
    # The same model (seeded, trained on all of X) measured on those samples.
    predicted = subset.estimator.predict(X[indices])
    flipped = (y_noisy != y)[indices]
    expected = np.mean(predicted[flipped] == y_noisy[indices][flipped])
    assert subset.memorized[-1] == pytest.approx(expected)
    np.testing.assert_array_equal(subset.estimator.predict(X), full.estimator.predict(X))
    again = memorization_curve(
        estimator, X, y_noisy, y, epochs=1, max_samples=max_samples, random_state=0
    )
    np.testing.assert_array_equal(again.sample_indices, indices)


def test_the_inputs_are_left_unchanged_and_the_estimator_unfitted(small):
    X, y_noisy, y = small
    X_test, y_test = X[:50].copy(), y[:50].copy()
    given = [array.copy() for array in (X, y_noisy, y, X_test, y_test)]
    estimator = SGDClassifier(random_state=0)
    params = estimator.get_params()
    memorization_curve(estimator, X, y_noisy, y, X_test=X_test, y_test=y_test, epochs=2)
    for before, after in zip(given, (X, y_noisy, y, X_test, y_test)):
        np.testing.assert_array_equal(before, after)
    assert not hasattr(estimator, "coef_")
    assert estimator.get_params() == params
    # The warm-start path changes the clone's parameters, not the original's.
    estimator = LogisticRegression()
    memorization_curve(estimator, X, y_noisy, y, epochs=1)
    assert (estimator.warm_start, estimator.max_iter) == (False, 100)
    assert not hasattr(estimator, "coef_")


def test_a_class_missing_from_the_noisy_labels_is_still_a_class(small):
    X, _, y = small
    # Every 9 is relabelled 8: the noisy labels name no 9.
    y_noisy = np.where(y == 9, 8, y)
    curve = memorization_curve(SGDClassifier(random_state=0), X, y_noisy, y, epochs=2)
    np.testing.assert_array_equal(curve.estimator.classes_, np.arange(10))
    assert curve.n_flipped == (y == 9).sum()
    np.testing.assert_allclose(curve.memorized + curve.corrected + curve.other, 1)


def test_string_labels_and_lists(small):
    X, y_noisy, y = small
    names = np.array(list("abcdefghij"))
    curve = memorization_curve(
        SGDClassifier(random_state=0), X.tolist(), list(names[y_noisy]), list(names[y]), epochs=2
    )
    reference = memorization_curve(SGDClassifier(random_state=0), X, y_noisy, y, epochs=2)
    np.testing.assert_allclose(curve.memorized, reference.memorized)
    np.testing.assert_allclose(curve.corrected, reference.corrected)


def _bad(**changes):
    X, y = np.zeros((6, 2)), np.array([0, 1, 0, 1, 0, 1])
    params = {
        "estimator": SGDClassifier(),
        "X": X,
        "y_noisy": y,
        "y_true": y,
        "X_test": None,
        "y_test": None,
        "epochs": 2,
        "classes": None,
    }
    return {**params, **changes}


@pytest.mark.parametrize(
    "params, err_type, err_msg",
    [
        (_bad(epochs=0), ValueError, r"'epochs' parameter .* range \[1, inf\)"),
        (_bad(epochs=1.5), ValueError, "'epochs' parameter"),
        (_bad(y_true=[0, 1, 0]), ValueError, "inconsistent numbers of samples"),
        (_bad(X=np.zeros((5, 2))), ValueError, "inconsistent numbers of samples"),
        (_bad(X_test=np.zeros((2, 2))), ValueError, "X_test is given but y_test is not"),
        (_bad(y_test=[0, 1]), ValueError, "y_test is given but X_test is not"),
        (
            _bad(X_test=np.zeros((3, 2)), y_test=[0, 1]),
            ValueError,
            "inconsistent numbers of samples",
        ),
        (_bad(y_noisy=np.linspace(0, 1, 6)), ValueError, "Unknown label type"),
        (_bad(y_true=np.zeros((6, 2))), ValueError, "y_true must be a 1-D array"),
        (_bad(classes=[0]), ValueError, r"classes must contain .* lacks \[1\]"),
        (
            _bad(y_noisy=np.array([0, 1, 0, 0, 0, 1]), y_true=np.array([0, 0, 0, 1, 0, 0]) == 1),
            ValueError,
            "y_true holds boolean labels but y_noisy holds numeric labels.* noise mask",
        ),
        (
            _bad(y_true=np.array(list("010101"))),
            ValueError,
            "y_true holds text labels but y_noisy holds numeric labels",
        ),
        (
            _bad(y_true=np.array(list("010101"), dtype=object)),
            ValueError,
            "y_true holds text labels but y_noisy holds numeric",
        ),
        (
            _bad(X_test=np.zeros((2, 2)), y_test=["0", "1"]),
            ValueError,
            "y_test holds text labels but y_noisy holds numeric",
        ),
        (_bad(classes=["0", "1"]), ValueError, "classes holds text labels"),
        (
            _bad(estimator=KNeighborsClassifier()),
            TypeError,
            "KNeighborsClassifier can't be trained epoch by epoch: it has neither "
            "partial_fit nor warm_start with epochs/max_iter",
        ),
        (_bad(estimator="SGD"), TypeError, "'estimator' parameter"),
        (_bad(max_samples=0), ValueError, "'max_samples' parameter"),
        (_bad(max_samples=1.5), ValueError, "'max_samples' parameter"),
    ],
    ids=[
        "epochs 0",
        "epochs float",
        "y_true shorter",
        "X shorter",
        "X_test alone",
        "y_test alone",
        "test lengths differ",
        "continuous y",
        "2-D y",
        "classes incomplete",
        "y_true is the noise mask",
        "y_true as text",
        "y_true as text objects",
        "y_test as text",
        "classes as text",
        "no epoch-by-epoch training",
        "not an estimator",
        "max_samples 0",
        "max_samples above 1",
    ],
)
def test_bad_input_is_refused(params, err_type, err_msg):
    with pytest.raises(err_type, match=err_msg):
        memorization_curve(**params)


def test_the_memorization_curve_is_public():
    import skmislabel.model_selection

    assert "memorization_curve" in skmislabel.model_selection.__all__
    module = skmislabel.model_selection.memorization_curve.__module__
    assert module == "skmislabel.model_selection._memorization"


# -- MemorizationDisplay ------------------------------------------------------


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip(
        "matplotlib", reason='the Displays need matplotlib: pip install "skmislabel[plot]"'
    )
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def curve(small):
    X, y_noisy, y = small
    with threadpool_limits(1):
        return memorization_curve(
            SGDClassifier(random_state=0), X, y_noisy, y, X_test=X, y_test=y, epochs=4
        )


def test_from_curve_draws_one_colour_and_three_quantities(plt, curve):
    from skmislabel.plotting import MemorizationDisplay

    display = MemorizationDisplay.from_curve(curve)
    assert list(display.lines_) == ["memorized", "corrected", "test_accuracy"]
    labels = [line.get_label() for line in display.lines_.values()]
    assert labels == [
        "SGDClassifier: memorized",
        "SGDClassifier: corrected",
        "SGDClassifier: test accuracy",
    ]
    assert [text.get_text() for text in display.ax_.get_legend().get_texts()] == labels
    assert len({line.get_color() for line in display.lines_.values()}) == 1
    assert len({line.get_linestyle() for line in display.lines_.values()}) == 3
    for key, line in display.lines_.items():
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_allclose(line.get_ydata(), curve[key])
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_ylim() == (0.0, 1.0)
    assert display.figure_ is display.ax_.figure
    np.testing.assert_array_equal(display.clean_accuracy, curve.clean_accuracy)


def test_two_displays_on_one_axes_have_two_colours(plt, curve):
    from skmislabel.plotting import MemorizationDisplay

    _, ax = plt.subplots()
    first = MemorizationDisplay.from_curve(curve, name="cross-entropy", ax=ax)
    second = MemorizationDisplay.from_curve(curve, name="robust", ax=ax)
    assert first.ax_ is second.ax_ is ax
    assert first.lines_["memorized"].get_color() != second.lines_["memorized"].get_color()
    assert len({line.get_color() for line in second.lines_.values()}) == 1
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend[:2] == ["cross-entropy: memorized", "cross-entropy: corrected"]
    assert legend[3:5] == ["robust: memorized", "robust: corrected"]
    assert len(legend) == 6


def test_plot_without_test_accuracy_or_name(plt):
    from skmislabel.plotting import MemorizationDisplay

    display = MemorizationDisplay([1, 2], [0.1, 0.3], [0.8, 0.6]).plot(
        line_kw={"c": "black", "lw": 3}
    )
    assert list(display.lines_) == ["memorized", "corrected"]
    assert [line.get_label() for line in display.lines_.values()] == ["memorized", "corrected"]
    for line in display.lines_.values():
        assert line.get_color() == "black" and line.get_linewidth() == 3
    assert display.plot(name="again").lines_["memorized"].get_label() == "again: memorized"


def test_from_estimator_runs_the_curve(plt, small):
    from skmislabel.plotting import MemorizationDisplay

    X, y_noisy, y = small
    display = MemorizationDisplay.from_estimator(
        LogisticRegression(), X, y_noisy, y, X_test=X, y_test=y, epochs=3
    )
    assert display.estimator_name == "LogisticRegression"
    assert display.lines_["test_accuracy"].get_label() == "LogisticRegression: test accuracy"
    np.testing.assert_array_equal(display.epochs, [1, 2, 3])
    with pytest.raises(TypeError, match="can't be trained epoch by epoch"):
        MemorizationDisplay.from_estimator(KNeighborsClassifier(), X, y_noisy, y)


@pytest.mark.parametrize(
    "arrays, err_msg",
    [
        ({"memorized": [0.1, 0.2]}, "memorized has 2 values for 3 epochs"),
        ({"corrected": [0.1, 0.2, 0.3, 0.4]}, "corrected has 4 values for 3 epochs"),
        ({"test_accuracy": [0.9]}, "test_accuracy has 1 values for 3 epochs"),
        ({"clean_accuracy": [0.9, 0.9]}, "clean_accuracy has 2 values for 3 epochs"),
        ({"epochs": [[1, 2, 3]]}, r"epochs must be 1-D, one value per epoch; got shape \(1, 3\)"),
        ({"memorized": np.zeros((3, 1))}, "memorized must be 1-D"),
    ],
    ids=["memorized", "corrected", "test_accuracy", "clean_accuracy", "2-D epochs", "2-D share"],
)
def test_plot_refuses_arrays_of_other_lengths(plt, arrays, err_msg):
    from skmislabel.plotting import MemorizationDisplay

    given = {"epochs": [1, 2, 3], "memorized": [0.1, 0.2, 0.3], "corrected": [0.8, 0.7, 0.6]}
    given.update(arrays)
    display = MemorizationDisplay(
        given.pop("epochs"), given.pop("memorized"), given.pop("corrected"), **given
    )
    with pytest.raises(ValueError, match=err_msg):
        display.plot()


def test_from_curve_refuses_what_is_not_a_curve(plt, curve):
    from skmislabel.plotting import MemorizationDisplay

    with pytest.raises(ValueError, match=r"lacks \['memorized'\]"):
        MemorizationDisplay.from_curve({k: v for k, v in curve.items() if k != "memorized"})
    with pytest.raises(TypeError, match="got list"):
        MemorizationDisplay.from_curve([1, 2])
    with pytest.raises(TypeError, match="line_kw must be a dict"):
        MemorizationDisplay.from_curve(curve, line_kw="red")


@pytest.mark.parametrize("entry_point", ["plot", "from_curve", "from_estimator"])
def test_without_matplotlib_every_entry_point_says_so(entry_point, monkeypatch, curve):
    from skmislabel.plotting import MemorizationDisplay

    calls = {
        "plot": lambda: MemorizationDisplay([1], [0.0], [1.0]).plot(),
        "from_curve": lambda: MemorizationDisplay.from_curve(curve),
        # X=None: the check must come before any computation.
        "from_estimator": lambda: MemorizationDisplay.from_estimator(
            SGDClassifier(), None, None, None
        ),
    }
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=rf"^MemorizationDisplay.{entry_point} requires"):
        calls[entry_point]()
