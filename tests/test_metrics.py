"""Tests for skmislabel/metrics.py: detection_report and detection_scores."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils import Bunch

from skmislabel import LabelNoiseInjector
from skmislabel.cleaning import NeighborhoodCleaner
from skmislabel.metrics import detection_report, detection_scores

T, F = True, False


# --------------------------------------------------------------------------
# detection_report: hand-computed cases
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "noise_mask, suspect_mask, expected",
    [
        # 3 flipped, 4 flagged, 2 of them flipped: precision 2/4, recall
        # 2/3, F1 = 2 * 2 / (4 + 3).
        (
            [T, T, T, F, F, F, F, F],
            [T, T, F, T, T, F, F, F],
            dict(precision=0.5, recall=2 / 3, f1=4 / 7, n_flagged=4, n_flipped=3),
        ),
        # A perfect detector.
        ([T, F, T, F], [T, F, T, F], dict(precision=1, recall=1, f1=1, n_flagged=2, n_flipped=2)),
        # Every flag wrong.
        ([T, F, F, F], [F, T, T, F], dict(precision=0, recall=0, f1=0, n_flagged=2, n_flipped=1)),
        # Flags everything: recall 1, precision the noise rate.
        (
            [T, F, F, F, F],
            [T, T, T, T, T],
            dict(precision=0.2, recall=1, f1=1 / 3, n_flagged=5, n_flipped=1),
        ),
    ],
    ids=["mixed", "perfect", "all-wrong", "flags-everything"],
)
def test_detection_report_against_hand_computed_cases(noise_mask, suspect_mask, expected):
    report = detection_report(np.array(noise_mask), np.array(suspect_mask))
    assert isinstance(report, Bunch)
    assert set(report) == {"precision", "recall", "f1", "n_flagged", "n_flipped"}
    for key, value in expected.items():
        assert report[key] == pytest.approx(value), key
        assert getattr(report, key) == report[key]
    assert all(type(report[key]) is float for key in ("precision", "recall", "f1"))
    assert type(report.n_flagged) is int and type(report.n_flipped) is int


@pytest.mark.parametrize(
    "noise_mask, suspect_mask, undefined",
    [
        # Nothing flagged: precision is 0/0.
        ([T, F, F], [F, F, F], {"precision"}),
        # Nothing flipped (a noise rate of 0): recall is 0/0; F1 = 0 / 1.
        ([F, F, F], [T, F, F], {"recall"}),
        # Neither: all three.
        ([F, F, F], [F, F, F], {"precision", "recall", "f1"}),
    ],
    ids=["nothing-flagged", "nothing-flipped", "neither"],
)
def test_detection_report_is_nan_where_a_ratio_is_undefined_and_does_not_warn(
    noise_mask, suspect_mask, undefined
):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = detection_report(np.array(noise_mask), np.array(suspect_mask))
    for key in ("precision", "recall", "f1"):
        assert math.isnan(report[key]) is (key in undefined), key
    assert report.n_flagged == sum(suspect_mask) and report.n_flipped == sum(noise_mask)


def test_detection_report_takes_lists_and_series():
    noise_mask = [T, T, F, F]
    suspect_mask = pd.Series([T, F, T, F], index=[10, 11, 12, 13])
    report = detection_report(noise_mask, suspect_mask)
    assert (report.precision, report.recall) == (0.5, 0.5)


def test_detection_report_scores_a_cleaner_against_the_injector():
    X = np.random.default_rng(0).normal(size=(300, 2)) + np.repeat([[0, 0], [8, 8]], 150, axis=0)
    y = np.repeat([0, 1], 150)
    injector = LabelNoiseInjector(noise_rate=0.1, random_state=0)
    X_noisy, y_noisy = injector.fit_resample(X, y)
    cleaner = NeighborhoodCleaner().fit(X_noisy, y_noisy)
    report = detection_report(injector.noise_mask_, cleaner.suspect_mask_)
    # Two blobs far apart: a flip is surrounded by the other label, unless 3
    # of its 10 neighbours flipped too; a clean label would need 8 flipped
    # neighbours to be flagged.
    assert report.n_flipped == 30 and report.n_flagged <= 30
    assert report.precision == 1.0 and report.recall > 0.85


# --------------------------------------------------------------------------
# detection_scores: hand-computed cases
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "noise_mask, label_quality, roc_auc, average_precision",
    [
        # Suspicion -quality ranks: flip (0.1), clean (0.4), flip (0.6),
        # clean (0.9). AUC: 3 of the 4 (flip, clean) pairs in order; AP: the
        # precision at each flip, (1/1 + 2/3) / 2.
        ([T, T, F, F], [0.1, 0.6, 0.4, 0.9], 0.75, 5 / 6),
        # The flips have the lowest quality: a perfect ranking.
        ([F, T, F, T], [0.9, 0.2, 0.8, 0.1], 1.0, 1.0),
        # The flips have the highest quality: the worst ranking; AP =
        # (1/3 + 2/4) / 2.
        ([T, T, F, F], [0.9, 0.8, 0.2, 0.1], 0.0, 5 / 12),
        # All tied: AUC is chance, AP the share of flips.
        ([T, F, F, F], [0.5, 0.5, 0.5, 0.5], 0.5, 0.25),
    ],
    ids=["mixed", "perfect", "reversed", "ties"],
)
def test_detection_scores_against_hand_computed_cases(
    noise_mask, label_quality, roc_auc, average_precision
):
    scores = detection_scores(np.array(noise_mask), np.array(label_quality))
    assert isinstance(scores, Bunch) and set(scores) == {"roc_auc", "average_precision"}
    assert scores.roc_auc == pytest.approx(roc_auc)
    assert scores.average_precision == pytest.approx(average_precision)
    assert type(scores.roc_auc) is float and type(scores.average_precision) is float


def test_detection_scores_depend_only_on_the_ranking_of_label_quality():
    rng = np.random.default_rng(0)
    noise_mask = rng.random(200) < 0.3
    label_quality = rng.random(200) - noise_mask * 0.3
    scores = detection_scores(noise_mask, label_quality)
    transformed = detection_scores(noise_mask, np.exp(3 * label_quality) + 7)
    assert scores == pytest.approx(transformed)
    assert 0.5 < scores.roc_auc < 1.0


def test_detection_scores_without_flips_are_nan_with_a_warning():
    with pytest.warns(UndefinedMetricWarning, match="no flipped label.*both are NaN"):
        scores = detection_scores(np.zeros(4, dtype=bool), [0.1, 0.2, 0.3, 0.4])
    assert math.isnan(scores.roc_auc) and math.isnan(scores.average_precision)


def test_detection_scores_with_every_label_flipped_have_no_roc_auc():
    with pytest.warns(UndefinedMetricWarning, match="Every label.*ROC AUC is undefined"):
        scores = detection_scores(np.ones(4, dtype=bool), [0.1, 0.2, 0.3, 0.4])
    assert math.isnan(scores.roc_auc) and scores.average_precision == 1.0


# --------------------------------------------------------------------------
# Bad input: exact exception type, and a message naming the argument
# --------------------------------------------------------------------------
MASK = np.array([T, F, T, F])

BAD_REPORT_INPUT = [
    (MASK, MASK[:3], "noise_mask and suspect_mask must describe the same samples; got 4 and 3"),
    (np.array([1, 0, 1, 0]), MASK, "noise_mask must be a boolean mask.*got dtype int64"),
    (MASK, np.array([0, 2]), "suspect_mask must be a boolean mask.*got dtype int64"),
    (MASK, np.array([1.0, np.nan, 0.0, 0.0]), "suspect_mask must be a boolean mask.*float64"),
    (np.array([T, None, F, F]), MASK, "noise_mask must be a boolean mask.*got dtype object"),
    (MASK.reshape(2, 2), MASK.reshape(2, 2), "noise_mask must be 1-D.*shape \\(2, 2\\)"),
    (np.array([], dtype=bool), np.array([], dtype=bool), "noise_mask is empty"),
    ("TFTF", MASK, "'noise_mask' parameter of detection_report must be an array-like"),
]


@pytest.mark.parametrize(
    "noise_mask, suspect_mask, err_msg",
    BAD_REPORT_INPUT,
    ids=[
        "lengths",
        "int-noise-mask",
        "indices-as-suspect-mask",
        "nan",
        "none",
        "2-D",
        "empty",
        "string",
    ],
)
def test_detection_report_bad_input_raises(noise_mask, suspect_mask, err_msg):
    with pytest.raises(ValueError, match=err_msg):
        detection_report(noise_mask, suspect_mask)


BAD_SCORES_INPUT = [
    (MASK, [0.1, 0.2, 0.3], "noise_mask and label_quality must describe the same samples"),
    (MASK, [0.1, np.nan, 0.3, 0.4], "Input label_quality contains NaN"),
    (MASK, [0.1, np.inf, 0.3, 0.4], "Input label_quality contains infinity"),
    (MASK, ["a", "b", "c", "d"], "label_quality must hold numbers.*got dtype <U1"),
    (MASK, np.ones((4, 2)), "label_quality must be 1-D.*shape \\(4, 2\\)"),
    (np.array([0.0, 1.0, 0.0, 1.0]), [0.1, 0.2, 0.3, 0.4], "noise_mask must be a boolean"),
    (MASK, None, "'label_quality' parameter of detection_scores must be an array-like"),
]


@pytest.mark.parametrize(
    "noise_mask, label_quality, err_msg",
    BAD_SCORES_INPUT,
    ids=["lengths", "nan", "inf", "strings", "2-D", "float-mask", "none"],
)
def test_detection_scores_bad_input_raises(noise_mask, label_quality, err_msg):
    with pytest.raises(ValueError, match=err_msg):
        detection_scores(noise_mask, label_quality)


# --------------------------------------------------------------------------
# noise_aware_accuracy and make_noise_aware_scorer
# --------------------------------------------------------------------------
def _pairflip(n_classes, rate):
    return (1 - rate) * np.eye(n_classes) + rate * np.roll(np.eye(n_classes), 1, axis=1)


def _symmetric(n_classes, rate):
    return (1 - rate) * np.eye(n_classes) + rate / (n_classes - 1) * (1 - np.eye(n_classes))


def _draw(rng, T, n_samples, clean_accuracy):
    """True labels, predictions right with probability clean_accuracy (else
    a uniform other class), and noisy labels drawn from T's rows
    independently of the predictions."""
    n_classes = T.shape[0]
    y_true = rng.integers(n_classes, size=n_samples)
    wrong = rng.random(n_samples) > clean_accuracy
    y_pred = np.where(
        wrong, (y_true + rng.integers(1, n_classes, size=n_samples)) % n_classes, y_true
    )
    cumulative = T.cumsum(axis=1)[y_true]
    y_noisy = (rng.random(n_samples)[:, None] > cumulative).sum(axis=1)
    return y_true, y_pred, np.minimum(y_noisy, n_classes - 1)


@pytest.mark.parametrize(
    "T",
    [_symmetric(10, 0.5), _pairflip(10, 0.45), _symmetric(3, 0.3)],
    ids=["symmetric-50", "pairflip-45", "3-classes"],
)
def test_noise_aware_accuracy_is_unbiased(T):
    """Over 30 draws the estimate's mean error is within 3 standard errors
    of 0, while plain accuracy on the noisy labels is far off."""
    from skmislabel.metrics import noise_aware_accuracy

    errors, noisy_errors = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        y_true, y_pred, y_noisy = _draw(rng, T, 2000, clean_accuracy=0.8)
        clean = np.mean(y_pred == y_true)
        errors.append(noise_aware_accuracy(y_noisy, y_pred, T) - clean)
        noisy_errors.append(np.mean(y_pred == y_noisy) - clean)
    errors = np.array(errors)
    standard_error = errors.std(ddof=1) / np.sqrt(errors.shape[0])
    assert abs(errors.mean()) < 3 * standard_error + 1e-3, (errors.mean(), standard_error)
    # Unbiased, not exact: 2,000 samples at pairflip 45% give a spread
    # of about 0.03 (T's inverse amplifies the sampling noise).
    assert np.sqrt(np.mean(errors**2)) < 0.05
    assert abs(np.mean(noisy_errors)) > 0.2


def test_noise_aware_accuracy_exact_case_and_identity():
    from skmislabel.metrics import noise_aware_accuracy

    rng = np.random.default_rng(0)
    y_true, y_pred, _ = _draw(rng, np.eye(4), 500, clean_accuracy=0.7)
    # With the identity, it is plain accuracy.
    assert noise_aware_accuracy(y_true, y_pred, np.eye(4)) == pytest.approx(
        np.mean(y_true == y_pred)
    )
    # The expected noisy joint of a known clean joint gives it back exactly.
    T = _pairflip(3, 0.4)
    clean_joint = np.array([[0.3, 0.02, 0.01], [0.03, 0.25, 0.02], [0.02, 0.05, 0.3]])
    noisy_joint = T.T @ clean_joint
    counts = np.rint(noisy_joint * 10000).astype(int)
    y_noisy = np.repeat(np.repeat(np.arange(3), 3), counts.ravel())
    y_pred = np.repeat(np.tile(np.arange(3), 3), counts.ravel())
    assert noise_aware_accuracy(y_noisy, y_pred, T) == pytest.approx(
        np.trace(clean_joint), abs=1e-3
    )


def test_noise_aware_accuracy_labels_and_dataframe():
    from skmislabel.metrics import noise_aware_accuracy

    T = _pairflip(3, 0.3)
    rng = np.random.default_rng(1)
    _, y_pred, y_noisy = _draw(rng, T, 600, clean_accuracy=0.9)
    expected = noise_aware_accuracy(y_noisy, y_pred, T)
    names = np.array(["ant", "bee", "cat"])
    frame = pd.DataFrame(T, index=names, columns=names)
    shuffled = frame.loc[["cat", "ant", "bee"], ["bee", "cat", "ant"]]
    assert noise_aware_accuracy(names[y_noisy], names[y_pred], shuffled) == pytest.approx(expected)
    # labels give the order of an array T.
    order = np.array(["cat", "ant", "bee"])
    T_in_order = frame.loc[order, order].to_numpy()
    assert noise_aware_accuracy(
        names[y_noisy], names[y_pred], T_in_order, labels=order
    ) == pytest.approx(expected)
    # A class absent from a small set: labels say how many there are.
    present = y_noisy != 2
    present &= y_pred != 2
    value = noise_aware_accuracy(y_noisy[present], y_pred[present], T, labels=[0, 1, 2])
    assert np.isfinite(value)
    # Inputs unchanged.
    pd.testing.assert_frame_equal(shuffled, frame.loc[["cat", "ant", "bee"], ["bee", "cat", "ant"]])


T3 = _pairflip(3, 0.3)
Y3 = np.array([0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize(
    "args, params, err_msg",
    [
        ((Y3, Y3, T3[:2]), {}, "square"),
        ((Y3, Y3, T3 * 2), {}, "row-stochastic"),
        ((Y3, Y3, -T3), {}, "row-stochastic"),
        ((Y3, Y3, np.full((3, 3), 1 / 3)), {}, "singular"),
        ((Y3, Y3, np.eye(4)), {}, "4 classes but there are 3 labels"),
        ((Y3, Y3, T3), {"labels": [0, 1, 7]}, r"labels \[2\] that are not in labels"),
        ((Y3, Y3, T3), {"labels": [0, 0, 1]}, "without repeats"),
        ((Y3, Y3[:-1], T3), {}, "inconsistent numbers of samples"),
        ((Y3[:0], Y3[:0], T3), {}, "empty"),
        (
            (Y3, Y3, pd.DataFrame(T3, index=[0, 1, 5], columns=[0, 1, 5])),
            {"labels": [0, 1, 2]},
            r"missing \[2\], extra \[5\]",
        ),
        (
            (Y3, Y3, pd.DataFrame(T3, index=[0, 1, 5], columns=[0, 1, 5])),
            {},
            r"labels \[2\] that are not in labels \[0, 1, 5\]",
        ),
        (
            (Y3, Y3, pd.DataFrame(T3, index=[0, 1, 2], columns=[0, 1, 3])),
            {},
            "same classes as its index",
        ),
        ((Y3, Y3, np.array([[1.0, np.nan], [0, 1]])), {}, "NaN"),
    ],
    ids=[
        "not-square",
        "rows-sum-2",
        "negative",
        "singular",
        "size-mismatch",
        "unknown-label",
        "repeated-labels",
        "lengths",
        "empty",
        "frame-missing-label",
        "frame-unknown-label",
        "frame-index-columns",
        "nan",
    ],
)
def test_noise_aware_accuracy_bad_input(args, params, err_msg):
    from skmislabel.metrics import noise_aware_accuracy

    with pytest.raises(ValueError, match=err_msg):
        noise_aware_accuracy(*args, **params)


def test_make_noise_aware_scorer_checks_early():
    from skmislabel.metrics import make_noise_aware_scorer

    with pytest.raises(ValueError, match="singular"):
        make_noise_aware_scorer(np.full((3, 3), 1 / 3))


def test_noise_aware_scorer_in_grid_search():
    """Each candidate's noise-aware score on noisy validation folds is
    close to its accuracy on the clean labels of the same folds, and the
    search picks what clean labels would. Shuffled folds: digits is
    ordered, and unshuffled folds stratified on the noisy labels bias the
    estimate (by -0.017 for 1-NN at pairflip 30%, 20 seeds)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier

    from skmislabel.metrics import make_noise_aware_scorer

    X, y = load_digits(return_X_y=True)
    injector = LabelNoiseInjector(noise_type="pairflip", noise_rate=0.3, random_state=0)
    _, y_noisy = injector.fit_resample(X, y)
    scorer = make_noise_aware_scorer(injector.transition_matrix_)
    grid = {"n_neighbors": [1, 30]}
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    search = GridSearchCV(KNeighborsClassifier(), grid, scoring=scorer, cv=folds)
    search.fit(X, y_noisy)
    for index, k in enumerate(grid["n_neighbors"]):
        clean = []
        for train, test in folds.split(X, y_noisy):
            model = KNeighborsClassifier(n_neighbors=k).fit(X[train], y_noisy[train])
            clean.append(np.mean(model.predict(X[test]) == y[test]))
        assert search.cv_results_["mean_test_score"][index] == pytest.approx(
            np.mean(clean), abs=0.03
        )
    assert search.best_params_ == {"n_neighbors": 30}
