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
