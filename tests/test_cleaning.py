"""Tests for skmislabel/cleaning.py: the cleaners and their detection of
injected noise (their estimator checks are in test_common.py)."""

import itertools
import random
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from imblearn.under_sampling import EditedNearestNeighbours
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from skmislabel import LabelNoiseInjector, flip_labels, make_pipeline
from skmislabel._compat import CLEANING_EXTRA_MESSAGE
from skmislabel.cleaning import (
    AUMCleaner,
    ConfidentLearningCleaner,
    DisagreementCleaner,
    NeighborhoodCleaner,
)
from skmislabel.metrics import detection_report, detection_scores

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)


def _small_mlp():
    """A softmax model with partial_fit, seconds on digits (its random_state
    is left unset: the cleaner seeds it)."""
    return MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01)


# Digits' pixels scaled to [0, 1], for the network's sake.
AUM_DIGITS = AUMCleaner(_small_mlp(), epochs=5, random_state=0)


def _needs_cleanlab(cleaner):
    if isinstance(cleaner, ConfidentLearningCleaner):
        pytest.importorskip("cleanlab", reason=CLEANING_EXTRA_MESSAGE)


class _ProbabilitiesInX(ClassifierMixin, BaseEstimator):
    """A model whose predict_proba is the first n_classes columns of X: the
    out-of-fold probabilities are known in advance, whatever the folds."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=float)[:, : self.classes_.shape[0]]

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class _CountingKNN(KNeighborsClassifier):
    """5-NN that counts its fits."""

    fits = 0

    def fit(self, X, y):
        type(self).fits += 1
        return super().fit(X, y)


def _probability_rows(y, opinions, confidence, n_classes):
    """Rows of class probabilities: ``confidence`` on each sample's
    ``opinions`` class, the rest spread evenly over the other classes."""
    rows = np.full((y.shape[0], n_classes), (1 - confidence) / (n_classes - 1))
    rows[np.arange(y.shape[0]), opinions] = confidence
    return rows


# --------------------------------------------------------------------------
# What they find: digits with injected noise, scored against the truth
# --------------------------------------------------------------------------
SEEDS = range(5)


@pytest.mark.parametrize(
    "make_cleaner",
    [
        pytest.param(
            lambda seed: ConfidentLearningCleaner(KNeighborsClassifier(), random_state=seed),
            id="confident-learning-5nn",
        ),
        pytest.param(lambda seed: DisagreementCleaner(random_state=seed), id="disagreement"),
        pytest.param(lambda seed: NeighborhoodCleaner(), id="neighborhood"),
    ],
)
def test_cleaners_find_symmetric_noise_on_digits_with_precision_and_recall_above_0_8(
    make_cleaner,
):
    """Over several noise draws and fold seeds, not one: every draw is above 0.8."""
    _needs_cleanlab(make_cleaner(0))
    reports = []
    for seed in SEEDS:
        injector = LabelNoiseInjector(noise_rate=0.2, random_state=seed)
        X_noisy, y_noisy = injector.fit_resample(X_DIGITS, Y_DIGITS)
        cleaner = make_cleaner(seed).fit(X_noisy, y_noisy)
        reports.append(detection_report(injector.noise_mask_, cleaner.suspect_mask_))
    precision = np.array([report.precision for report in reports])
    recall = np.array([report.recall for report in reports])
    assert precision.min() > 0.8 and recall.min() > 0.8, (precision, recall)


def test_confident_learning_estimates_the_transition_matrix_in_our_orientation():
    """Pairflip noise moves class i to i + 1: the estimate must put the mass at
    T[i, i + 1] (row = true class), not at T[i + 1, i] as cleanlab's
    P(given | true) would without the transpose."""
    pytest.importorskip("cleanlab", reason=CLEANING_EXTRA_MESSAGE)
    injector = LabelNoiseInjector(noise_rate=0.25, noise_type="pairflip", random_state=0)
    X_noisy, y_noisy = injector.fit_resample(X_DIGITS, Y_DIGITS)
    cleaner = ConfidentLearningCleaner(random_state=0).fit(X_noisy, y_noisy)
    estimate = cleaner.transition_matrix_
    np.testing.assert_allclose(estimate.sum(axis=1), 1.0)
    next_class = (np.arange(10) + 1) % 10
    forward = estimate[np.arange(10), next_class]
    backward = estimate[next_class, np.arange(10)]
    assert (forward > backward + 0.1).all(), estimate.round(2)
    np.testing.assert_allclose(np.diag(estimate), 0.75, atol=0.1)


def test_confident_learning_is_cleanlab_on_the_out_of_fold_probabilities():
    """String labels, encoded as cleanlab wants them (0..K-1 in class order)."""
    pytest.importorskip("cleanlab", reason=CLEANING_EXTRA_MESSAGE)
    import cleanlab.count
    import cleanlab.filter
    import cleanlab.rank

    rng = np.random.default_rng(0)
    codes = np.repeat(np.arange(3), 40)
    opinions = np.where(rng.random(120) < 0.2, (codes + 1) % 3, codes)
    probabilities = _probability_rows(codes, opinions, 0.7, 3)
    probabilities[::7] = _probability_rows(codes, codes, 0.5, 3)[::7]
    y = np.array(["cat", "dog", "eel"])[codes]
    cleaner = ConfidentLearningCleaner(_ProbabilitiesInX(), random_state=0)
    cleaner.fit(probabilities, y)

    np.testing.assert_array_equal(cleaner.classes_, ["cat", "dog", "eel"])
    np.testing.assert_array_equal(
        cleaner.suspect_mask_, cleanlab.filter.find_label_issues(codes, probabilities)
    )
    np.testing.assert_allclose(
        cleaner.label_quality_,
        cleanlab.rank.get_label_quality_scores(codes, probabilities, method="normalized_margin"),
    )
    joint = cleanlab.count.compute_confident_joint(codes, probabilities)
    _, noise_matrix, _ = cleanlab.count.estimate_latent(joint, codes)
    np.testing.assert_allclose(cleaner.transition_matrix_, noise_matrix.T)
    assert cleaner.n_suspects_ == cleaner.suspect_mask_.sum() > 0


def test_disagreement_flags_what_the_out_of_fold_model_does_not_predict():
    codes = np.repeat(np.arange(3), 10)
    opinions = codes.copy()
    opinions[[0, 10, 20]] = [1, 2, 0]
    probabilities = _probability_rows(codes, opinions, 0.8, 3)
    # A tie between the label and another class is no evidence against it.
    probabilities[12] = [0.45, 0.45, 0.1]
    # The label is the most probable class, but only at 0.45.
    probabilities[15] = [0.3, 0.45, 0.25]
    cleaner = DisagreementCleaner(_ProbabilitiesInX(), random_state=0)
    X_out, y_out = cleaner.fit_resample(probabilities, codes)
    np.testing.assert_array_equal(np.flatnonzero(cleaner.suspect_mask_), [0, 10, 20])
    np.testing.assert_allclose(cleaner.label_quality_, probabilities[np.arange(30), codes])
    np.testing.assert_array_equal(cleaner.sample_indices_, np.delete(np.arange(30), [0, 10, 20]))
    np.testing.assert_array_equal(y_out, np.delete(codes, [0, 10, 20]))

    cleaner.set_params(threshold=0.5, action="relabel")
    X_out, y_out = cleaner.fit_resample(probabilities, codes)
    np.testing.assert_array_equal(np.flatnonzero(cleaner.suspect_mask_), [0, 10, 12, 15, 20])
    # Relabelled to the predicted class; sample 12 (a tie) and 15 (its label
    # is still the most probable) keep theirs.
    expected = codes.copy()
    expected[[0, 10, 20]] = [1, 2, 0]
    np.testing.assert_array_equal(y_out, expected)
    assert X_out is probabilities


def test_neighborhood_cleaner_computes_kdn_and_votes_by_hand():
    # Points on a line; each one's 2 nearest neighbours are the points beside it.
    X = np.array([0.0, 1.0, 2.0, 3.0, 4.1, 5.3, 6.6, 8.0])[:, None]
    y = np.array([0, 0, 1, 0, 1, 1, 1, 1])
    cleaner = NeighborhoodCleaner(n_neighbors=2, threshold=0.5, action="relabel")
    _, y_out = cleaner.fit_resample(X, y)
    # Neighbours: 0 -> 1, 2; 1 -> 0, 2; 2 -> 1, 3; 3 -> 2, 4; 4 -> 3, 5;
    # 5 -> 4, 6; 6 -> 5, 7; 7 -> 6, 5.
    kdn = np.array([0.5, 0.5, 1.0, 1.0, 0.5, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(cleaner.label_quality_, 1 - kdn)
    np.testing.assert_array_equal(cleaner.suspect_mask_, kdn > 0.5)
    np.testing.assert_array_equal(y_out, [0, 0, 0, 1, 1, 1, 1, 1])

    # Against scikit-learn's neighbours on digits.
    y_noisy, _ = flip_labels(Y_DIGITS, noise_rate=0.3, random_state=0)
    cleaner = NeighborhoodCleaner(n_neighbors=7, threshold=0.6).fit(X_DIGITS, y_noisy)
    neighbours = NearestNeighbors(n_neighbors=7).fit(X_DIGITS).kneighbors(return_distance=False)
    expected_kdn = (y_noisy[neighbours] != y_noisy[:, None]).mean(axis=1)
    np.testing.assert_allclose(cleaner.label_quality_, 1 - expected_kdn)
    np.testing.assert_array_equal(cleaner.suspect_mask_, expected_kdn > 0.6)


def test_neighbour_vote_ties_go_to_the_own_label_then_to_the_nearer_neighbour():
    from skmislabel._cleaning_neighbors import _neighbour_vote

    neighbour_codes = np.array([[1, 2, 2, 1], [1, 0, 2, 0], [3, 1, 1, 3], [2, 3, 4, 5]])
    codes = np.array([0, 1, 1, 0])
    # Row 0: 1 and 2 tie, 1 is nearer; row 1: 0 has two votes; row 2: the
    # own label 1 ties with 3; row 3: all tie, the nearest wins.
    np.testing.assert_array_equal(_neighbour_vote(neighbour_codes, codes), [1, 0, 1, 2])


# --------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------
def _noisy_digits(seed=0, rate=0.2):
    return LabelNoiseInjector(noise_rate=rate, random_state=seed).fit_resample(X_DIGITS, Y_DIGITS)


@pytest.mark.parametrize(
    "cleaner",
    [
        ConfidentLearningCleaner(random_state=0),
        DisagreementCleaner(threshold=0.7, random_state=0),
        NeighborhoodCleaner(),
        AUM_DIGITS,
    ],
    ids=type,
)
def test_relabel_changes_only_the_suspects_and_remove_drops_exactly_them(cleaner):
    _needs_cleanlab(cleaner)
    X_noisy, y_noisy = _noisy_digits()
    X_noisy = X_noisy / 16
    X_out, y_relabelled = clone(cleaner).set_params(action="relabel").fit_resample(X_noisy, y_noisy)
    relabelling = clone(cleaner).set_params(action="relabel").fit(X_noisy, y_noisy)
    changed = y_relabelled != y_noisy
    assert X_out is X_noisy
    assert changed.any() and not changed[~relabelling.suspect_mask_].any()
    np.testing.assert_array_equal(relabelling.sample_indices_, np.arange(Y_DIGITS.shape[0]))
    # Relabelling fixes more labels than it breaks.
    assert (y_relabelled == Y_DIGITS).mean() > (y_noisy == Y_DIGITS).mean() + 0.1

    removing = clone(cleaner).set_params(action="remove")
    X_kept, y_kept = removing.fit_resample(X_noisy, y_noisy)
    np.testing.assert_array_equal(removing.suspect_mask_, relabelling.suspect_mask_)
    kept = np.flatnonzero(~removing.suspect_mask_)
    np.testing.assert_array_equal(removing.sample_indices_, kept)
    np.testing.assert_array_equal(X_kept, X_noisy[kept])
    np.testing.assert_array_equal(y_kept, y_noisy[kept])
    assert removing.n_suspects_ == removing.suspect_mask_.sum() == X_noisy.shape[0] - kept.size


@pytest.mark.parametrize(
    "cleaner",
    [ConfidentLearningCleaner(random_state=0), NeighborhoodCleaner(n_neighbors=5)],
    ids=type,
)
def test_images_dataframes_and_sparse_matrices_are_cleaned_alike(cleaner):
    _needs_cleanlab(cleaner)
    X_noisy, y_noisy = _noisy_digits(rate=0.3)
    reference = clone(cleaner).fit(X_noisy, y_noisy)
    assert reference.n_features_in_ == 64

    images = X_noisy.reshape(-1, 8, 8)
    from_images = clone(cleaner)
    images_out, _ = from_images.fit_resample(images, y_noisy)
    np.testing.assert_array_equal(from_images.suspect_mask_, reference.suspect_mask_)
    assert images_out.shape == (reference.sample_indices_.size, 8, 8)
    assert not hasattr(from_images, "n_features_in_")

    index = pd.RangeIndex(1000, 1000 + y_noisy.size)
    frame = pd.DataFrame(X_noisy, index=index).add_prefix("pixel")
    series = pd.Series(y_noisy, index=index, name="digit")
    frame_out, series_out = clone(cleaner).fit_resample(frame, series)
    np.testing.assert_array_equal(frame_out.index, index[reference.sample_indices_])
    np.testing.assert_array_equal(series_out.index, frame_out.index)
    assert series_out.name == "digit" and list(frame_out.columns) == list(frame.columns)

    # Sparse distances may order equidistant neighbours differently.
    from_sparse = clone(cleaner)
    sparse_out, _ = from_sparse.fit_resample(sp.csr_matrix(X_noisy), y_noisy)
    assert sp.issparse(sparse_out)
    np.testing.assert_array_equal(sparse_out.toarray(), X_noisy[from_sparse.sample_indices_])
    assert (from_sparse.suspect_mask_ == reference.suspect_mask_).mean() > 0.99


# --------------------------------------------------------------------------
# In pipelines: trained on cleaned noisy labels, scored on clean ones
# --------------------------------------------------------------------------
def test_cross_val_score_of_a_pipeline_with_a_cleaner_scores_on_clean_labels():
    injector = LabelNoiseInjector(noise_rate=0.3, random_state=0)
    pipe = make_pipeline(injector, NeighborhoodCleaner(), KNeighborsClassifier())
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X_DIGITS, Y_DIGITS, cv=folds)
    # Had the labels been corrupted before the split, the test folds would
    # be scored against noisy labels too.
    y_noisy, _ = flip_labels(Y_DIGITS, noise_rate=0.3, random_state=0)
    on_clean, on_noisy = [], []
    for train, test in folds.split(X_DIGITS, Y_DIGITS):
        fitted = clone(pipe).fit(X_DIGITS[train], Y_DIGITS[train])
        predictions = fitted.predict(X_DIGITS[test])
        # The cleaner is skipped at predict time: no test sample is dropped.
        assert predictions.shape == test.shape
        on_clean.append(accuracy_score(Y_DIGITS[test], predictions))
        on_noisy.append(accuracy_score(y_noisy[test], predictions))
    np.testing.assert_allclose(scores, on_clean)
    assert min(on_clean) > 0.9 and max(on_noisy) < 0.75


def test_grid_search_over_a_cleaner_scores_on_clean_labels_and_prefers_cleaning():
    pytest.importorskip("cleanlab", reason=CLEANING_EXTRA_MESSAGE)
    injector = LabelNoiseInjector(noise_rate=0.3, random_state=0)
    cleaner = ConfidentLearningCleaner(random_state=0)
    pipe = make_pipeline(injector, cleaner, KNeighborsClassifier())
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    grid = {"confidentlearningcleaner": ["passthrough", cleaner]}
    search = GridSearchCV(pipe, grid, cv=folds).fit(X_DIGITS, Y_DIGITS)
    assert search.best_params_["confidentlearningcleaner"] is cleaner
    y_noisy, _ = flip_labels(Y_DIGITS, noise_rate=0.3, random_state=0)
    for fold, (train, test) in enumerate(folds.split(X_DIGITS, Y_DIGITS)):
        predictions = clone(pipe).fit(X_DIGITS[train], Y_DIGITS[train]).predict(X_DIGITS[test])
        on_clean = accuracy_score(Y_DIGITS[test], predictions)
        assert search.cv_results_[f"split{fold}_test_score"][1] == pytest.approx(on_clean)
        assert on_clean > accuracy_score(y_noisy[test], predictions) + 0.2
    without, with_cleaning = search.cv_results_["mean_test_score"]
    assert with_cleaning > without + 0.01


def test_imblearn_edited_nearest_neighbours_is_a_cleaning_step_too():
    """The user guide shows it rather than wrapping it: it must keep working."""
    injector = LabelNoiseInjector(noise_rate=0.2, random_state=0)
    pipe = make_pipeline(
        injector, EditedNearestNeighbours(sampling_strategy="all"), KNeighborsClassifier()
    )
    X_noisy, y_noisy = injector.fit_resample(X_DIGITS, Y_DIGITS)
    editor = EditedNearestNeighbours(sampling_strategy="all")
    editor.fit_resample(X_noisy, y_noisy)
    suspect_mask = np.ones(Y_DIGITS.size, dtype=bool)
    suspect_mask[editor.sample_indices_] = False
    report = detection_report(injector.noise_mask_, suspect_mask)
    assert report.recall > 0.9
    assert cross_val_score(pipe, X_DIGITS, Y_DIGITS, cv=3).mean() > 0.9


# --------------------------------------------------------------------------
# Seeds, caching, inputs
# --------------------------------------------------------------------------
@pytest.fixture
def empty_probability_cache():
    from skmislabel._out_of_fold import CLEANING_CACHE

    CLEANING_CACHE.clear()
    _CountingKNN.fits = 0
    yield CLEANING_CACHE
    CLEANING_CACHE.clear()


def test_an_int_random_state_gives_the_same_suspects_and_other_seeds_other_folds(
    empty_probability_cache,
):
    X_noisy, y_noisy = _noisy_digits(rate=0.3)

    def suspects(**params):
        cleaner = DisagreementCleaner(_CountingKNN(), **params).fit(X_noisy, y_noisy)
        return cleaner.suspect_mask_

    first = suspects(random_state=0)
    assert _CountingKNN.fits == 5
    # A refit of the same data and seed reads the cache, and agrees with a cold fit.
    np.testing.assert_array_equal(suspects(random_state=0), first)
    assert _CountingKNN.fits == 5
    empty_probability_cache.clear()
    np.testing.assert_array_equal(suspects(random_state=0), first)
    # Folds in parallel give the same probabilities (a plain 5-NN: the
    # worker processes would count fits of their own).
    in_parallel = DisagreementCleaner(KNeighborsClassifier(), random_state=0, n_jobs=2)
    np.testing.assert_array_equal(in_parallel.fit(X_noisy, y_noisy).suspect_mask_, first)
    # Other folds: other suspects, and no cache hit for fresh entropy.
    assert not np.array_equal(suspects(random_state=1), first)
    fits = _CountingKNN.fits
    suspects(random_state=None)
    suspects(random_state=None)
    assert _CountingKNN.fits == fits + 10


@pytest.mark.parametrize("random_state", [None, 0, np.random.RandomState(0)])
def test_global_random_states_are_untouched(random_state):
    pytest.importorskip("cleanlab", reason=CLEANING_EXTRA_MESSAGE)
    X_noisy, y_noisy = _noisy_digits()
    # Scaled, so that the logistic regression converges.
    X_noisy = X_noisy[:600] / 16
    y_noisy = y_noisy[:600]
    np.random.seed(7)
    random.seed(7)
    numpy_state, python_state = np.random.get_state(), random.getstate()
    estimator = LogisticRegression(max_iter=1000)
    for cleaner in [
        ConfidentLearningCleaner(estimator, cv=3, random_state=random_state),
        DisagreementCleaner(cv=3, random_state=random_state),
        NeighborhoodCleaner(),
        AUMCleaner(_small_mlp(), epochs=2, random_state=random_state),
    ]:
        cleaner.fit_resample(X_noisy, y_noisy)
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and after[2:] == numpy_state[2:]
    np.testing.assert_array_equal(after[1], numpy_state[1])
    assert random.getstate() == python_state
    assert estimator.random_state is None  # the user's model is cloned, not seeded


@pytest.mark.parametrize("action", ["remove", "relabel"])
@pytest.mark.parametrize(
    "cleaner",
    [
        ConfidentLearningCleaner(random_state=0),
        DisagreementCleaner(),
        NeighborhoodCleaner(),
        AUMCleaner(_small_mlp(), epochs=2, random_state=0),
    ],
    ids=type,
)
def test_inputs_are_never_modified(cleaner, action):
    _needs_cleanlab(cleaner)
    X_noisy, y_noisy = _noisy_digits(rate=0.3)
    frame = pd.DataFrame(X_noisy)
    series = pd.Series(y_noisy)
    X_before, y_before = X_noisy.copy(), y_noisy.copy()
    clone(cleaner).set_params(action=action).fit_resample(X_noisy, y_noisy)
    clone(cleaner).set_params(action=action).fit_resample(frame, series)
    np.testing.assert_array_equal(X_noisy, X_before)
    np.testing.assert_array_equal(y_noisy, y_before)
    np.testing.assert_array_equal(frame.to_numpy(), X_before)
    np.testing.assert_array_equal(series.to_numpy(), y_before)


def test_an_estimator_that_takes_nan_cleans_data_with_nan():
    X_missing = X_DIGITS.copy()
    X_missing[::10, 5] = np.nan
    y_noisy, noise_mask = flip_labels(Y_DIGITS, noise_rate=0.2, random_state=0)
    cleaner = DisagreementCleaner(HistGradientBoostingClassifier(max_iter=20), random_state=0)
    X_out, _ = cleaner.fit_resample(X_missing, y_noisy)
    assert np.isnan(X_out).any()
    assert detection_report(noise_mask, cleaner.suspect_mask_).recall > 0.8


# --------------------------------------------------------------------------
# Bad input: exact exception type, and a message naming the cause
# --------------------------------------------------------------------------
Y_SMALL_CLASS = np.array([0] * 10 + [1] * 10 + [2] * 3)
X_SMALL_CLASS = np.random.default_rng(0).random((23, 4))
# Every sample's nearest neighbour has the other label.
X_LINE, Y_ALTERNATING = np.arange(20.0)[:, None], np.arange(20) % 2
# Probability 1 for the other class: every out-of-fold prediction is wrong.
X_CONTRARIAN = np.eye(2)[1 - Y_ALTERNATING]
X_NAN = np.where(np.eye(23, 4) == 1, np.nan, X_SMALL_CLASS)

BAD_INPUT = [
    (
        ConfidentLearningCleaner(SVC()),
        X_SMALL_CLASS,
        Y_SMALL_CLASS,
        ValueError,
        "'estimator' parameter of ConfidentLearningCleaner must be an object "
        "implementing 'fit' and 'predict_proba'",
    ),
    (
        DisagreementCleaner(RidgeClassifier()),
        X_SMALL_CLASS,
        Y_SMALL_CLASS,
        ValueError,
        "'estimator' parameter of DisagreementCleaner must be an object implementing",
    ),
    (
        ConfidentLearningCleaner(),
        X_SMALL_CLASS,
        Y_SMALL_CLASS,
        ValueError,
        "cv=5 folds need at least 5 samples of every class of y.*class 2 has 3. Lower cv",
    ),
    (
        DisagreementCleaner(cv=4),
        X_SMALL_CLASS,
        np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 3),
        ValueError,
        "cv=4 folds need at least 4 samples.*class 'c' has 3",
    ),
    (
        NeighborhoodCleaner(n_neighbors=1, threshold=0.0),
        X_LINE,
        Y_ALTERNATING,
        ValueError,
        "flagged every one of the 20 samples as a suspect; removing them would leave "
        "an empty training set",
    ),
    (
        DisagreementCleaner(_ProbabilitiesInX(), cv=2),
        X_CONTRARIAN,
        Y_ALTERNATING,
        ValueError,
        "DisagreementCleaner flagged every one of the 20 samples",
    ),
    (
        DisagreementCleaner(DummyClassifier(strategy="prior"), threshold=0.9),
        X_LINE,
        Y_ALTERNATING,
        ValueError,
        "flagged every one of the 20 samples",
    ),
    (
        ConfidentLearningCleaner(_ProbabilitiesInX(), cv=2, filter_by="predicted_neq_given"),
        X_CONTRARIAN,
        Y_ALTERNATING,
        ValueError,
        "ConfidentLearningCleaner flagged every one of the 20 samples",
    ),
    (
        NeighborhoodCleaner(),
        X_SMALL_CLASS,
        np.zeros(23),
        ValueError,
        "needs samples of at least 2 classes.*y has only one class, 0.0",
    ),
    (
        DisagreementCleaner(),
        X_SMALL_CLASS,
        np.zeros(23),
        ValueError,
        "needs samples of at least 2 classes.*y has only one class, 0.0",
    ),
    (
        NeighborhoodCleaner(n_neighbors=23),
        X_SMALL_CLASS,
        Y_SMALL_CLASS,
        ValueError,
        "n_neighbors=23 needs more than 23 samples.*got 23",
    ),
    (NeighborhoodCleaner(), X_SMALL_CLASS, None, ValueError, "requires y to be passed"),
    (
        NeighborhoodCleaner(),
        X_SMALL_CLASS[:20],
        Y_SMALL_CLASS,
        ValueError,
        "inconsistent numbers of samples: \\[20, 23\\]",
    ),
    (
        NeighborhoodCleaner(),
        X_SMALL_CLASS,
        np.linspace(0, 1, 23),
        ValueError,
        "Unknown label type",
    ),
    (NeighborhoodCleaner(threshold=1.0), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'threshold'"),
    (DisagreementCleaner(threshold=0.0), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'threshold'"),
    (DisagreementCleaner(action="drop"), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'action'"),
    (DisagreementCleaner(cv=1), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'cv' parameter"),
    (
        ConfidentLearningCleaner(filter_by="magic"),
        X_SMALL_CLASS,
        Y_SMALL_CLASS,
        ValueError,
        "'filter_by' parameter",
    ),
    # NaN where the model cannot take it: scikit-learn's own message.
    (DisagreementCleaner(cv=3), X_NAN, Y_SMALL_CLASS, ValueError, "Input X contains NaN"),
    (
        DisagreementCleaner(LogisticRegression(), cv=3),
        X_NAN,
        Y_SMALL_CLASS,
        ValueError,
        "Input X contains NaN",
    ),
    (NeighborhoodCleaner(n_neighbors=3), X_NAN, Y_SMALL_CLASS, ValueError, "Input X contains NaN"),
    (
        AUMCleaner(LogisticRegression()),
        X_SMALL_CLASS,
        Y_SMALL_CLASS,
        ValueError,
        "'estimator' parameter of AUMCleaner must be an object implementing "
        "'partial_fit' and 'predict_proba'",
    ),
    (AUMCleaner(epochs=0), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'epochs' parameter"),
    (AUMCleaner(epochs=2.5), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'epochs' parameter"),
    (AUMCleaner(percentile=100), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'percentile'"),
    (AUMCleaner(percentile=0), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'percentile'"),
    (AUMCleaner(action="flip"), X_SMALL_CLASS, Y_SMALL_CLASS, ValueError, "'action'"),
    (
        AUMCleaner(_small_mlp()),
        X_SMALL_CLASS[:3],
        np.array([0, 1, 2]),
        ValueError,
        r"AUMCleaner needs at least n_classes \+ 1 = 4 samples.*got 3",
    ),
]


@pytest.mark.parametrize(
    "cleaner, X, y, err_type, err_msg",
    BAD_INPUT,
    ids=[f"{i}-{type(case[0]).__name__}" for i, case in enumerate(BAD_INPUT)],
)
def test_bad_input_raises(cleaner, X, y, err_type, err_msg):
    _needs_cleanlab(cleaner)
    with pytest.raises(err_type, match=err_msg):
        clone(cleaner).fit_resample(X, y)


def test_relabel_is_allowed_when_every_sample_is_a_suspect():
    cleaner = NeighborhoodCleaner(n_neighbors=1, threshold=0.0, action="relabel")
    _, y_out = cleaner.fit_resample(X_LINE, Y_ALTERNATING)
    assert cleaner.n_suspects_ == 20
    np.testing.assert_array_equal(y_out, 1 - Y_ALTERNATING)


# --------------------------------------------------------------------------
# Imports: cleanlab is an extra, loaded only when a cleaner needs it
# --------------------------------------------------------------------------
HEAVY = ("cleanlab", "tensorflow", "keras", "scikeras", "matplotlib")


def _run(code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "statement",
    ["import skmislabel", "import skmislabel.cleaning", "import skmislabel.metrics"],
)
def test_importing_loads_neither_cleanlab_nor_tensorflow_nor_matplotlib(statement):
    loaded = _run(
        f"""
        import sys
        {statement}
        print([name for name in {HEAVY!r} if sys.modules.get(name) is not None])
        """
    )
    assert loaded == "[]"


def test_without_cleanlab_the_confident_learning_cleaner_says_how_to_install_it():
    output = _run(
        """
        import sys
        sys.modules["cleanlab"] = None  # import raises ImportError, as if not installed
        from sklearn.datasets import load_digits
        from skmislabel.cleaning import (
            ConfidentLearningCleaner, DisagreementCleaner, NeighborhoodCleaner)
        X, y = load_digits(return_X_y=True)
        DisagreementCleaner(random_state=0).fit(X, y)
        NeighborhoodCleaner().fit(X, y)
        try:
            ConfidentLearningCleaner().fit(X, y)
        except ImportError as exc:
            print(exc)
        """
    )
    assert output == CLEANING_EXTRA_MESSAGE
    assert 'pip install "skmislabel[cleaning]"' in output


def test_the_cleaners_share_their_parameter_docs():
    from skmislabel._docstrings import CLEANER_PARAMETERS

    for cleaner in (ConfidentLearningCleaner, DisagreementCleaner):
        for name in ("cv", "out_of_fold_action", "out_of_fold_random_state"):
            assert CLEANER_PARAMETERS[name] in cleaner.__doc__
    for cleaner in (DisagreementCleaner, NeighborhoodCleaner, AUMCleaner):
        assert CLEANER_PARAMETERS["cleaned_samples"] in cleaner.__doc__
    for cleaner in (ConfidentLearningCleaner, DisagreementCleaner, NeighborhoodCleaner, AUMCleaner):
        assert "%(" not in cleaner.__doc__


# --------------------------------------------------------------------------
# AUMCleaner: the area under the margin
# --------------------------------------------------------------------------
class _RecordingMLP(MLPClassifier):
    """A small MLP that records the labels of every partial_fit and the
    probabilities of every predict_proba, per instance (the cleaner fits
    clones, so the record is kept on the class)."""

    records = []
    instances = itertools.count()

    def _record(self, kind, value):
        # Not id(self): a run's clone may be freed and its id reused by the next.
        if not hasattr(self, "_instance"):
            self._instance = next(type(self).instances)
        type(self).records.append((self._instance, kind, value))

    def partial_fit(self, X, y, classes=None):
        self._record("labels", np.array(y, copy=True))
        return super().partial_fit(X, y, classes=classes)

    def predict_proba(self, X):
        probabilities = super().predict_proba(X)
        self._record("probabilities", probabilities.copy())
        return probabilities


def _blobs(n_per_class=60, n_classes=3, seed=0):
    """Well-separated Gaussian blobs: every label is learnt at once."""
    rng = np.random.default_rng(seed)
    centres = 6.0 * np.eye(n_classes, 4)
    y = np.repeat(np.arange(n_classes), n_per_class)
    return centres[y] + rng.normal(size=(y.shape[0], 4)), y


def test_aum_is_the_mean_margin_of_the_recorded_probabilities():
    """Recomputed with numpy from what the model saw and said: per run, the
    threshold samples are those given the extra class; the margin is the
    log-probability of the assigned class minus the largest other one."""
    X, y = _blobs()
    y_noisy, _ = flip_labels(y, noise_rate=0.2, random_state=0)
    _RecordingMLP.records = []
    epochs, percentile = 3, 90.0
    estimator = _RecordingMLP(hidden_layer_sizes=(8,), learning_rate_init=0.01)
    cleaner = AUMCleaner(estimator, epochs=epochs, percentile=percentile, random_state=0)
    cleaner.fit(X, y_noisy)

    runs = list(dict.fromkeys(instance for instance, _, _ in _RecordingMLP.records))
    assert len(runs) == 2
    n_classes, n_samples = 3, y.shape[0]
    aum_per_run, own_per_run, threshold_aums = [], [], []
    for run in runs:
        labels = [v for i, kind, v in _RecordingMLP.records if i == run and kind == "labels"]
        probabilities = [
            v for i, kind, v in _RecordingMLP.records if i == run and kind == "probabilities"
        ]
        assert len(labels) == len(probabilities) == epochs
        assigned = labels[0]
        threshold_samples = assigned == n_classes
        assert threshold_samples.sum() == n_samples // (n_classes + 1)
        np.testing.assert_array_equal(assigned[~threshold_samples], y_noisy[~threshold_samples])
        margins = []
        for epoch_probabilities in probabilities:
            log_p = np.log(epoch_probabilities)
            own = log_p[np.arange(n_samples), assigned]
            other = np.sort(np.where(np.eye(n_classes + 1)[assigned] == 1, -np.inf, log_p))[:, -1]
            margins.append(own - other)
        aum = np.mean(margins, axis=0)
        aum_per_run.append(aum)
        own_per_run.append(~threshold_samples)
        threshold_aums.append(aum[threshold_samples])
    # Disjoint threshold samples: every sample has an AUM under its own label.
    assert not (~own_per_run[0] & ~own_per_run[1]).any()
    expected = sum(a * o for a, o in zip(aum_per_run, own_per_run)) / sum(own_per_run)
    np.testing.assert_allclose(cleaner.label_quality_, expected, rtol=1e-12)
    pooled = np.concatenate(threshold_aums)
    share_above = (pooled[None, :] > expected[:, None]).mean(axis=1)
    np.testing.assert_array_equal(cleaner.suspect_mask_, share_above > 0.1)
    # threshold_ is the cut of that rule: the lowest threshold-sample AUM
    # that at most 10% of them exceed; suspects are exactly those below it.
    not_exceeded = [aum for aum in pooled if (pooled > aum).mean() <= 0.1]
    assert cleaner.threshold_ == min(not_exceeded)
    np.testing.assert_array_equal(cleaner.suspect_mask_, expected < cleaner.threshold_)


def test_flipped_labels_of_an_easy_case_get_the_lowest_aum():
    X, y = _blobs(n_per_class=80)
    y_noisy, flipped = flip_labels(y, noise_rate=0.1, random_state=1)
    cleaner = AUMCleaner(
        MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01), epochs=10, random_state=0
    ).fit(X, y_noisy)
    lowest = np.argsort(cleaner.label_quality_)[: flipped.sum()]
    np.testing.assert_array_equal(np.sort(lowest), np.flatnonzero(flipped))
    assert cleaner.suspect_mask_[flipped].all()
    assert detection_report(flipped, cleaner.suspect_mask_).precision > 0.7


def test_aum_separates_symmetric_noise_on_digits_over_seeds():
    """Several noise draws, each ranked well: not one lucky seed."""
    X = X_DIGITS / 16
    for seed in range(3):
        injector = LabelNoiseInjector(noise_rate=0.2, random_state=seed)
        X_noisy, y_noisy = injector.fit_resample(X, Y_DIGITS)
        cleaner = clone(AUM_DIGITS).set_params(random_state=seed).fit(X_noisy, y_noisy)
        assert detection_scores(injector.noise_mask_, cleaner.label_quality_).roc_auc > 0.95
        assert detection_report(injector.noise_mask_, cleaner.suspect_mask_).recall > 0.9


def test_aum_same_seed_same_suspects_other_seed_other_threshold_samples():
    X, y = _blobs()
    y_noisy, _ = flip_labels(y, noise_rate=0.2, random_state=0)
    estimator = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01)

    def fitted(seed):
        return AUMCleaner(estimator, epochs=2, random_state=seed).fit(X, y_noisy)

    first, again, other = fitted(0), fitted(0), fitted(1)
    np.testing.assert_array_equal(first.label_quality_, again.label_quality_)
    np.testing.assert_array_equal(first.suspect_mask_, again.suspect_mask_)
    assert not np.array_equal(first.label_quality_, other.label_quality_)
    assert estimator.random_state is None  # the user's model is cloned, not seeded


def test_the_log_probability_margin_is_the_logit_margin_of_a_softmax():
    from scipy.special import softmax

    from skmislabel._aum import log_probability_margins

    logits = np.random.default_rng(0).normal(scale=5, size=(50, 4))
    assigned = np.arange(50) % 4
    others = logits.copy()
    others[np.arange(50), assigned] = -np.inf
    logit_margin = logits[np.arange(50), assigned] - others.max(axis=1)
    np.testing.assert_allclose(
        log_probability_margins(softmax(logits, axis=1), assigned), logit_margin, atol=1e-9
    )
    # A probability rounded to 0 gives a large, finite margin.
    margins = log_probability_margins(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 0]))
    assert np.isfinite(margins).all() and margins[0] > 80 and margins[1] < -80


@pytest.mark.cnn
def test_aum_with_the_default_cnn_cleans_mnist_images():
    from skmislabel.datasets import load_mnist

    X, y = load_mnist(subset="all", return_X_y=True)
    X, y = X[:400].reshape(-1, 28, 28), y[:400]
    y_noisy, flipped = flip_labels(y, noise_rate=0.2, random_state=0)
    cleaner = AUMCleaner(epochs=2, random_state=0)
    X_kept, y_kept = cleaner.fit_resample(X, y_noisy)
    assert X_kept.shape == (400 - cleaner.n_suspects_, 28, 28)
    assert np.isfinite(cleaner.label_quality_).all()
    # Two epochs on 400 images: the flipped labels already score lower.
    assert cleaner.label_quality_[flipped].mean() < cleaner.label_quality_[~flipped].mean()


@pytest.mark.cnn
def test_the_out_of_fold_cleaners_take_the_cnn_and_images_as_they_are():
    """The CNN as ``estimator``: each fold's network sees the images in the
    shape passed, and the suspects are what its out-of-fold predictions
    disagree with."""
    from skmislabel import CNNClassifier
    from skmislabel.datasets import load_mnist

    X, y = load_mnist(subset="all", return_X_y=True)
    X, y = X[:300].reshape(-1, 28, 28), y[:300]
    y_noisy, flipped = flip_labels(y, noise_rate=0.3, random_state=0)
    cleaner = DisagreementCleaner(CNNClassifier(epochs=2), cv=2, random_state=0)
    X_kept, _ = cleaner.fit_resample(X, y_noisy)
    assert X_kept.shape == (300 - cleaner.n_suspects_, 28, 28)
    assert "n_features_in_" not in vars(cleaner)
    # 150 images a fold, 2 epochs: already better than chance at ranking.
    assert detection_scores(flipped, cleaner.label_quality_).roc_auc > 0.7
