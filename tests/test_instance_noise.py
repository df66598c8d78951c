"""Tests for the instance-dependent noise types of skmislabel/noise.py
(part_dependent, confidence, pmd, borderline) and their models
(skmislabel/_instance_noise.py and the modules it dispatches to)."""

import random
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_blobs, make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skmislabel import LabelNoiseInjector, flip_labels, make_pipeline
from skmislabel._borderline_noise import borderline_noise
from skmislabel._instance_noise import draw_instance_noise
from skmislabel._noise_models import build_noise_model
from skmislabel._random import draw_seed
from skmislabel._sampling import _bernoulli_scale, draw_flips, draw_instance_flips
from skmislabel._targets import encode_targets
from skmislabel.model_selection import noise_curve

INSTANCE_TYPES = ["part_dependent", "confidence", "pmd", "borderline"]
# Types whose propensities do not depend on the rate.
RATE_FREE_TYPES = ["confidence", "pmd", "borderline"]
SAMPLINGS = {
    "stratified": dict(sampling="exact", stratify=True),
    "unstratified": dict(sampling="exact", stratify=False),
    "bernoulli": dict(sampling="bernoulli"),
}
# Randomness is tested over seeds at this significance level: fixed seeds
# make every outcome deterministic, and a correct sampler far from failing.
ALPHA = 1e-4


def _toy(n_samples=300, n_classes=3, seed=0):
    """Overlapping classes with few features: fast models, many borderline
    samples."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=1.0,
        random_state=seed,
    )
    return X, y


X_TOY, Y_TOY = _toy()


class ColumnProbabilities(ClassifierMixin, BaseEstimator):
    """A noise estimator whose ``predict_proba`` is the first K columns of X,
    row-normalised: out-of-fold probabilities known in advance."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        scores = np.asarray(X, dtype=float)[:, : self.classes_.shape[0]]
        return scores / scores.sum(axis=1, keepdims=True)


class RecordsX(ClassifierMixin, BaseEstimator):
    """A noise estimator that records the type and shape of the X it is fitted on."""

    seen = []

    def fit(self, X, y):
        RecordsX.seen.append((type(X), np.shape(X)))
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), self.classes_.shape[0]), 1 / self.classes_.shape[0])


# --------------------------------------------------------------------------
# Bad input: exact exception type, and a message naming what is wrong.
# --------------------------------------------------------------------------
X_NAN = X_TOY.copy()
X_NAN[3, 1] = np.nan
X_INF = X_TOY.copy()
X_INF[0, 0] = np.inf
# y with a class of 3 samples: too few for 5 folds.
Y_SMALL_CLASS = Y_TOY.copy()
Y_SMALL_CLASS[np.flatnonzero(Y_SMALL_CLASS == 2)[3:]] = 1
# A 1-nearest-neighbour model is certain of every prediction: most samples
# get probability 0 for every other class and a top-two margin of 1.
CERTAIN = KNeighborsClassifier(n_neighbors=1)

BAD_INPUT = [
    (
        dict(noise_type="borderline"),
        X_TOY[:5],
        ValueError,
        "inconsistent numbers of samples: \\[5, 300\\]",
    ),
    *[
        (dict(noise_type=noise_type), X_NAN, ValueError, "Input X contains NaN")
        for noise_type in INSTANCE_TYPES
    ],
    (dict(noise_type="part_dependent"), X_INF, ValueError, "Input X contains infinity"),
    (
        dict(noise_type="borderline"),
        sp.csr_matrix(X_TOY),
        TypeError,
        "Sparse data was passed for X, but dense data is required",
    ),
    (
        dict(noise_type="part_dependent"),
        np.full((300, 2), "a"),
        ValueError,
        "could not convert string to float",
    ),
    (
        dict(noise_type="confidence", noise_estimator=LinearSVC()),
        X_TOY,
        ValueError,
        "'noise_estimator' parameter .* implementing 'fit' and 'predict_proba'",
    ),
    (
        dict(noise_type="symmetric", noise_estimator=KNeighborsClassifier()),
        X_TOY,
        ValueError,
        "noise_estimator is only used with noise_type='confidence' or 'pmd'; got "
        "noise_type='symmetric'",
    ),
    (dict(noise_type="pmd", pmd_type="IV"), X_TOY, ValueError, "'pmd_type' parameter"),
    (dict(noise_type="pmd", noise_cv=1), X_TOY, ValueError, "'noise_cv' parameter"),
    (
        dict(noise_type="part_dependent", flip_rate_std=-0.1),
        X_TOY,
        ValueError,
        "'flip_rate_std' parameter",
    ),
    (dict(noise_type="borderline", n_neighbors=0), X_TOY, ValueError, "'n_neighbors' parameter"),
    (
        dict(noise_type="borderline", n_neighbors=300),
        X_TOY,
        ValueError,
        "noise_type='borderline' with n_neighbors=300 needs more than 300 samples",
    ),
    (
        dict(noise_type="confidence", noise_rate=None),
        X_TOY,
        ValueError,
        "noise_rate=None is only allowed with noise_type='transition_matrix'",
    ),
    (
        dict(noise_type="pmd", transition_matrix=np.eye(3)),
        X_TOY,
        ValueError,
        "transition_matrix is only used with",
    ),
    (
        dict(noise_type="confidence", noise_estimator=CERTAIN, noise_rate=0.3),
        X_TOY,
        ValueError,
        "noise_type='confidence' cannot reach this noise_rate: exact stratified sampling "
        "needs 30 flips of class 0, which has only .* samples with a positive flip "
        "propensity.* The highest noise_rate it reaches on these data is 0\\.",
    ),
    (
        dict(noise_type="pmd", noise_estimator=CERTAIN, noise_rate=0.3, stratify=False),
        X_TOY,
        ValueError,
        "noise_type='pmd' cannot reach this noise_rate: exact sampling needs 90 flips",
    ),
    (
        dict(noise_type="borderline", noise_rate=0.9, sampling="bernoulli"),
        X_TOY,
        ValueError,
        "noise_type='borderline' cannot reach this noise_rate: Bernoulli sampling "
        "expects 270.0 flips.*Use exact sampling",
    ),
]


@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_an_instance_injector_without_x_names_x_and_the_noise_type(noise_type):
    injector = LabelNoiseInjector(noise_type=noise_type)
    message = f"noise_type={noise_type!r} is instance-dependent: .* so X is required"
    with pytest.raises(ValueError, match=message):
        injector.fit_resample(None, Y_TOY)


def test_a_class_conditional_injector_without_x_names_x():
    with pytest.raises(ValueError, match="LabelNoiseInjector.fit_resample needs X.*got X=None"):
        LabelNoiseInjector().fit_resample(None, Y_TOY)


def _case_id(case):
    params, X = case[0], case[1]
    shape = "sparse" if sp.issparse(X) else "x".join(map(str, np.shape(X)))
    return "-".join(f"{key}={value}" for key, value in params.items()) + f"-X{shape}"


@pytest.mark.parametrize(
    "params, X, err_type, err_msg",
    BAD_INPUT,
    ids=[f"{i}-{_case_id(case)}" for i, case in enumerate(BAD_INPUT)],
)
def test_bad_input_raises(params, X, err_type, err_msg):
    with pytest.raises(err_type, match=err_msg):
        flip_labels(Y_TOY, X=X, random_state=0, **params)
    injector = LabelNoiseInjector(random_state=0).set_params(**params)
    with pytest.raises(err_type, match=err_msg):
        injector.fit_resample(X, Y_TOY)


@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_instance_types_without_x_say_they_need_it(noise_type):
    with pytest.raises(
        ValueError, match=f"noise_type='{noise_type}' is instance-dependent.*X is required"
    ):
        flip_labels(Y_TOY, noise_type=noise_type, random_state=0)


@pytest.mark.parametrize("noise_type", ["confidence", "pmd"])
def test_noise_cv_larger_than_the_smallest_class_raises(noise_type):
    with pytest.raises(
        ValueError,
        match="noise_cv=5 folds need at least 5 samples of every class of y.*class 2 has 3",
    ):
        flip_labels(Y_SMALL_CLASS, X=X_TOY, noise_type=noise_type, random_state=0)
    y_noisy, _ = flip_labels(
        Y_SMALL_CLASS, X=X_TOY, noise_type=noise_type, noise_cv=3, random_state=0
    )
    assert y_noisy.shape == Y_SMALL_CLASS.shape


def test_model_of_one_class_raises():
    y = np.zeros(40, dtype=int)
    with pytest.raises(ValueError, match="needs samples of at least 2 classes; y has 1"):
        flip_labels(y, X=X_TOY[:40], noise_type="confidence", classes=[0, 1], random_state=0)


def test_reported_highest_rate_is_reachable():
    """The error's highest rate is one the data reach, and a little more is not."""
    params = dict(X=X_TOY, noise_type="confidence", noise_estimator=CERTAIN, random_state=0)
    for extra in [dict(stratify=True), dict(stratify=False), dict(sampling="bernoulli")]:
        with pytest.raises(ValueError, match="highest noise_rate") as error:
            flip_labels(Y_TOY, noise_rate=0.5, **params, **extra)
        highest = float(
            re.search(r"reaches on these data is ([0-9]+\.[0-9]+)", str(error.value))[1]
        )
        assert 0 < highest < 0.5
        flip_labels(Y_TOY, noise_rate=highest, **params, **extra)
        with pytest.raises(ValueError, match="highest noise_rate"):
            flip_labels(Y_TOY, noise_rate=highest + 0.02, **params, **extra)


# --------------------------------------------------------------------------
# Counts: exactly those of the class-conditional types.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
@pytest.mark.parametrize("noise_rate", [0.0, 0.1, 0.27, {0: 0.3, 2: 0.1}])
def test_exact_counts_are_those_of_symmetric_noise(noise_type, noise_rate):
    """Stratified: the same per-class counts as symmetric noise (the same
    apportionment and keys); unstratified: the same total; rate-0 classes
    never flip."""
    X, y = _toy(n_samples=200, seed=1)
    y = np.where(np.arange(200) < 13, 2, y)  # unequal classes
    for seed in range(3):
        params = dict(noise_rate=noise_rate, random_state=seed)
        symmetric = flip_labels(y, **params)[1]
        _, mask = flip_labels(y, X=X, noise_type=noise_type, **params)
        np.testing.assert_array_equal(
            np.bincount(y[mask], minlength=3), np.bincount(y[symmetric], minlength=3)
        )
        symmetric = flip_labels(y, stratify=False, **params)[1]
        _, mask = flip_labels(y, X=X, noise_type=noise_type, stratify=False, **params)
        assert mask.sum() == symmetric.sum()
        if isinstance(noise_rate, dict):
            assert not mask[y == 1].any()


def test_constant_propensity_flips_what_symmetric_noise_flips():
    """The sampler shares the class-conditional sampler's random numbers."""
    y = np.repeat([0, 1, 2, 3], [37, 50, 13, 100])
    encoded = encode_targets(y)
    codes = encoded.codes.astype(np.int64)
    for seed in range(5):
        for stratify in [True, False]:
            model = build_noise_model(encoded.classes, "symmetric", 0.3)
            expected, _ = draw_flips(
                codes, encoded.class_counts, model, sampling="exact", stratify=stratify, seed=seed
            )
            sample_stream, class_stream = np.random.SeedSequence(seed).spawn(2)
            flips, _ = draw_instance_flips(
                codes,
                encoded.class_counts,
                model.flip_rates,
                np.full(y.shape[0], 0.42),
                rate_scaled=False,
                sampling="exact",
                stratify=stratify,
                sample_stream=sample_stream,
                class_stream=class_stream,
                describe=None,
            )
            np.testing.assert_array_equal(flips, np.sort(expected))


def _sampler_flips(propensity, codes, rate, seed, rate_scaled=False, **sampling):
    class_counts = np.bincount(codes)
    sample_stream, class_stream = np.random.SeedSequence(seed).spawn(2)
    flips, _ = draw_instance_flips(
        codes,
        class_counts,
        np.full(class_counts.shape[0], rate),
        propensity,
        rate_scaled=rate_scaled,
        sampling=sampling.get("sampling", "exact"),
        stratify=sampling.get("stratify", True),
        sample_stream=sample_stream,
        class_stream=class_stream,
        describe=None,
    )
    return flips


def test_exact_sampling_is_close_to_proportional_to_propensity():
    """Sequential Poisson sampling: a sample of propensity 0.4 flips about
    twice as often as one of 0.2 and four times as often as one of 0.1."""
    propensity = np.repeat([0.1, 0.2, 0.4], 1000)
    codes = np.zeros(3000, dtype=np.int64)
    hits = np.zeros(3)
    for seed in range(100):
        flips = _sampler_flips(propensity, codes, 0.1, seed)
        assert flips.shape[0] == 300
        hits += np.bincount(flips // 1000, minlength=3)
    ratios = hits / hits[0]
    np.testing.assert_allclose(ratios, [1, 2, 4], rtol=0.06)


def test_bernoulli_flip_probabilities_are_scaled_propensities():
    """Sample i flips with probability min(1, s p_i), the scale s making the
    expected total r n: here 0.267, 0.533 and 1 (saturated)."""
    propensity = np.repeat([0.1, 0.2, 0.4], 1000)
    codes = np.zeros(3000, dtype=np.int64)
    n_seeds = 100
    hits, totals = np.zeros(3), []
    for seed in range(n_seeds):
        flips = _sampler_flips(propensity, codes, 0.6, seed, sampling="bernoulli")
        hits += np.bincount(flips // 1000, minlength=3)
        totals.append(flips.shape[0])
    expected = np.array([0.8 / 3, 1.6 / 3, 1.0])
    n_trials = 1000 * n_seeds
    standard_error = np.sqrt(expected * (1 - expected) / n_trials)
    assert np.all(np.abs(hits / n_trials - expected) <= 5 * standard_error + 1e-12)
    assert abs(np.mean(totals) - 1800) < 5 * np.sqrt(1000 * 2 * 0.25 / n_seeds)
    assert len(set(totals)) > 1


@pytest.mark.parametrize("seed", range(20))
def test_bernoulli_scale_solves_the_water_filling(seed):
    rng = np.random.default_rng(seed)
    weights = rng.random(50) ** 3 + 1e-6
    expected = rng.uniform(0, 50)
    scale = _bernoulli_scale(weights, expected)
    assert np.minimum(1, scale * weights).sum() == pytest.approx(expected)


def test_part_dependent_bernoulli_uses_the_rates_as_they_come():
    """The reference model: sample i flips with probability q_i, whose mean
    overshoots small rates (0.129 for r = 0.1, std 0.1); exact sampling
    flips exactly round(r n)."""
    X, y = _toy(n_samples=2000)
    means, rates = [], []
    for seed in range(5):
        injector = LabelNoiseInjector(
            0.1, "part_dependent", sampling="bernoulli", random_state=seed
        ).fit(X, y)
        means.append(injector.flip_propensity_.mean())
        rates.append(injector.flip_rate_)
    truncated_mean = stats.truncnorm.mean(-1, 9, loc=0.1, scale=0.1)
    assert truncated_mean == pytest.approx(0.129, abs=5e-4)
    assert np.mean(means) == pytest.approx(truncated_mean, abs=0.005)
    assert np.mean(rates) == pytest.approx(truncated_mean, abs=0.01)
    exact = LabelNoiseInjector(0.1, "part_dependent", random_state=0).fit(X, y)
    assert exact.n_flipped_ == 200


def test_part_dependent_without_spread_gives_every_sample_the_rate():
    injector = LabelNoiseInjector(
        {0: 0.2, 1: 0.5}, "part_dependent", flip_rate_std=0.0, random_state=0
    ).fit(X_TOY, Y_TOY)
    np.testing.assert_array_equal(injector.flip_propensity_, np.array([0.2, 0.5, 0.0])[Y_TOY])


# --------------------------------------------------------------------------
# Where the flips go: towards high propensity, to the documented targets.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("sampling", SAMPLINGS.values(), ids=SAMPLINGS.keys())
@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_flips_concentrate_where_propensity_is_high(noise_type, sampling):
    rate = 0.1 if sampling.get("sampling") == "bernoulli" and noise_type == "borderline" else 0.2
    for seed in range(5):
        injector = LabelNoiseInjector(rate, noise_type, random_state=seed, **sampling).fit(
            X_TOY, Y_TOY
        )
        propensity, flipped = injector.flip_propensity_, injector.noise_mask_
        assert propensity.min() >= 0 and propensity.max() <= 1
        # part_dependent's rates spread little (std 0.1 around 0.2): a mild
        # concentration, by design.
        factor = 1.05 if noise_type == "part_dependent" else 1.2
        assert propensity[flipped].mean() > factor * propensity[~flipped].mean()


def test_confidence_flips_are_the_samples_a_model_doubts():
    """Instance dependence made visible: flipped samples have a much higher
    out-of-fold probability of another class than kept ones."""
    for seed in range(5):
        injector = LabelNoiseInjector(0.1, "confidence", random_state=seed).fit(X_TOY, Y_TOY)
        propensity, flipped = injector.flip_propensity_, injector.noise_mask_
        assert propensity[flipped].mean() > 2 * propensity[~flipped].mean()
        assert np.median(propensity[flipped]) > np.quantile(propensity[~flipped], 0.75)


def test_borderline_flips_are_near_the_class_boundary():
    """Two blobs left and right of x = 0: the flipped samples are nearer the
    boundary than the kept ones, and always flip to the other blob."""
    X, y = make_blobs(n_samples=400, centers=[[-2, 0], [2, 0]], cluster_std=1.0, random_state=0)
    for seed in range(10):
        y_noisy, mask = flip_labels(
            y, X=X, noise_type="borderline", noise_rate=0.1, random_state=seed
        )
        distance = np.abs(X[:, 0])
        assert distance[mask].mean() < 0.5 * distance[~mask].mean()
        np.testing.assert_array_equal(y_noisy[mask], 1 - y[mask])


def test_borderline_goes_inwards_when_the_border_is_exhausted():
    """Exact sampling past the samples with a neighbour of another class takes
    the others nearest to another class first, and flips them to it."""
    X, y = make_blobs(
        n_samples=300, centers=[[-3, 0], [0, 0], [3, 0]], cluster_std=0.6, random_state=0
    )
    injector = LabelNoiseInjector(0.4, "borderline", random_state=0)
    _, y_noisy = injector.fit_resample(X, y)
    mask, propensity = injector.noise_mask_, injector.flip_propensity_
    assert injector.n_flipped_ == 120
    np.testing.assert_array_equal(np.bincount(y[mask]), [40, 40, 40])
    assert (mask[propensity > 0]).all(), "a border sample was passed over"
    space = StandardScaler().fit_transform(X)
    for k in range(3):
        others = np.flatnonzero(y != k)
        inner = np.flatnonzero((y == k) & (propensity == 0))
        distance, nearest = (
            NearestNeighbors(n_neighbors=1).fit(space[others]).kneighbors(space[inner])
        )
        flipped = mask[inner]
        assert flipped.any() and (~flipped).any()
        assert distance[flipped].max() <= distance[~flipped].min()
        np.testing.assert_array_equal(y_noisy[inner[flipped]], y[others[nearest[flipped, 0]]])
    # The outer blobs' flips go to the middle one.
    assert set(y_noisy[mask & (y != 1)]) == {1}


def test_borderline_propensity_and_targets_by_hand():
    """On a line: the sample at 0 (class 0) has neighbours of class 1 at
    distance 1 and of class 2 at 2 and 3. With 3 neighbours, all three
    differ (propensity 1) and class 2 is the majority; with 2 neighbours the
    tie 1-1 goes to the nearer, class 1."""
    x = np.array([0.0, 1.0, -2.0, 3.0, 20.0, 21.0, 22.0, 40.0, 41.0, 42.0])
    codes = np.array([0, 1, 2, 2, 0, 0, 0, 1, 1, 1])
    stream = np.random.SeedSequence(0)
    three = borderline_noise(x[:, None], codes, n_neighbors=3, estimator_stream=stream)
    assert three.propensity[0] == 1.0 and three.target_codes[0] == 2
    two = borderline_noise(x[:, None], codes, n_neighbors=2, estimator_stream=stream)
    assert two.propensity[0] == 1.0 and two.target_codes[0] == 1
    # In the middle of a group of three, two neighbours share the label.
    np.testing.assert_array_equal(two.propensity[[5, 8]], [0.0, 0.0])
    assert three.propensity[5] == pytest.approx(1 / 3)


def _borderline_by_pairs(X, codes, n_neighbors):
    """The borderline propensities and targets as first written: every
    neighbour label compared with every other of its row (memory in
    n_samples * n_neighbors**2)."""
    neighbours = NearestNeighbors(n_neighbors=n_neighbors).fit(X).kneighbors(return_distance=False)
    labels = codes[neighbours]
    other = labels != codes[:, None]
    counts = ((labels[:, :, None] == labels[:, None, :]) & other[:, None, :]).sum(axis=2)
    scores = np.where(other, counts * (n_neighbors + 1) - np.arange(n_neighbors), -1)
    best = scores.argmax(axis=1)
    targets = np.where(other.any(axis=1), labels[np.arange(len(codes)), best], codes)
    return other.mean(axis=1), targets


@pytest.mark.parametrize("n_neighbors", [1, 2, 7, 40])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_borderline_blocks_give_the_neighbours_of_the_whole_query(n_neighbors, seed, monkeypatch):
    # Blocks of 64 values: several blocks of rows, down to one row per block.
    monkeypatch.setattr("skmislabel._borderline_noise._VALUES_PER_BLOCK", 64)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(150, 2))
    X[100:120] = X[0]  # duplicates: more of them than some n_neighbors
    codes = rng.integers(0, 4, size=150)
    noise = borderline_noise(
        X, codes, n_neighbors=n_neighbors, estimator_stream=np.random.SeedSequence(0)
    )
    # Standardizing 2 features leaves the neighbours' order alone up to
    # rounding: compare on the standardized features.
    space = StandardScaler().fit_transform(X)
    propensity, targets = _borderline_by_pairs(space, codes, n_neighbors)
    np.testing.assert_array_equal(noise.propensity, propensity)
    np.testing.assert_array_equal(noise.target_codes, targets)


def test_borderline_memory_is_linear_in_neighbours():
    """2,000 samples and 300 neighbours: comparing the labels of every pair
    of neighbours holds 2,000 * 300**2 booleans (180 MB); counting them per
    class needs a few n_samples * n_neighbors arrays (~5 MB each)."""
    import tracemalloc

    X, y = make_blobs(n_samples=2000, centers=3, n_features=2, random_state=0)
    tracemalloc.start()
    try:
        flip_labels(y, X=X, noise_type="borderline", n_neighbors=300, random_state=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60e6, f"peak {peak / 1e6:.0f} MB"


PROBABILITY_ROWS = np.array(
    [
        [0.5, 0.5, 0.0],  # margin 0
        [0.7, 0.2, 0.1],  # margin 0.5
        [0.2, 0.3, 0.5],  # margin 0.2
        [0.1, 0.6, 0.3],  # margin 0.3
    ]
)
LABELS = np.array([1, 1, 2, 0])
# Hand-computed: I = 1/2 - m^2/2, II = 1 - m^3, III = 1 - (m^3 + m^2 + m)/3.
PMD_BY_HAND = {
    "I": [0.5, 0.375, 0.48, 0.455],
    "II": [1.0, 0.875, 0.992, 0.973],
    "III": [1.0, 1 - 0.875 / 3, 1 - 0.248 / 3, 1 - 0.417 / 3],
}


class DistortedProbabilities(ClassifierMixin, BaseEstimator):
    """A noise estimator whose ``predict_proba`` is not probabilities: the
    class frequencies of its training labels, distorted."""

    def __init__(self, distortion="nan_rows"):
        self.distortion = distortion

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.frequencies_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        proba = np.tile(self.frequencies_, (len(X), 1))
        if self.distortion == "nan_rows":
            proba[:3] = np.nan
        elif self.distortion == "times_50":
            proba *= 50
        elif self.distortion == "negative":
            proba[0, 0] -= 0.5
            proba[0, 1] += 0.5
        elif self.distortion == "all_nan":
            proba[:] = np.nan
        return proba


@pytest.mark.parametrize("noise_type", ["confidence", "pmd"])
@pytest.mark.parametrize(
    "distortion, err_msg",
    [
        ("nan_rows", "6 of its 300 rows hold NaN or infinity"),
        ("times_50", "non-negative rows summing to 1; 300 of its 300 rows are not"),
        ("negative", "non-negative rows summing to 1; 2 of its 300 rows are not"),
        ("all_nan", "300 of its 300 rows hold NaN or infinity"),
    ],
)
def test_a_noise_estimator_whose_predict_proba_is_not_probabilities_is_refused(
    noise_type, distortion, err_msg
):
    # Each of the 2 folds predicts its rows: "nan_rows" spoils 3 rows per
    # fold, "negative" 1 row per fold.
    estimator = DistortedProbabilities(distortion)
    message = "predict_proba of noise_estimator=DistortedProbabilities must be probabilities"
    with pytest.raises(ValueError, match=f"{message}.*{err_msg}"):
        flip_labels(
            Y_TOY,
            X=X_TOY,
            noise_type=noise_type,
            noise_estimator=estimator,
            noise_cv=2,
            random_state=0,
        )
    # A well-behaved estimator of the same kind passes.
    flip_labels(
        Y_TOY,
        X=X_TOY,
        noise_type=noise_type,
        noise_estimator=DistortedProbabilities("none"),
        noise_cv=2,
        noise_rate=0.1,
        random_state=0,
    )


@pytest.mark.parametrize("pmd_type", ["I", "II", "III"])
def test_pmd_polynomials_match_hand_computed_values(pmd_type):
    X, y = np.tile(PROBABILITY_ROWS, (3, 1)), np.tile(LABELS, 3)
    injector = LabelNoiseInjector(
        1.0,
        "pmd",
        pmd_type=pmd_type,
        noise_estimator=ColumnProbabilities(),
        noise_cv=2,
        stratify=False,
        random_state=0,
    )
    _, y_noisy = injector.fit_resample(X, y)
    np.testing.assert_allclose(injector.flip_propensity_, np.tile(PMD_BY_HAND[pmd_type], 3))
    # The target is the most likely class other than the label.
    np.testing.assert_array_equal(y_noisy, np.tile([0, 0, 1, 1], 3))


def test_confidence_propensity_and_target_are_the_most_likely_other_class():
    X, y = np.tile(PROBABILITY_ROWS, (3, 1)), np.tile(LABELS, 3)
    injector = LabelNoiseInjector(
        1.0,
        "confidence",
        noise_estimator=ColumnProbabilities(),
        noise_cv=2,
        stratify=False,
        random_state=0,
    )
    _, y_noisy = injector.fit_resample(X, y)
    np.testing.assert_allclose(injector.flip_propensity_, np.tile([0.5, 0.7, 0.3, 0.6], 3))
    np.testing.assert_array_equal(y_noisy, np.tile([0, 0, 1, 1], 3))
    np.testing.assert_array_equal(injector.transition_matrix_.sum(axis=1), [1, 1, 1])


def test_part_dependent_targets_follow_the_softmax_across_seeds():
    """The new labels of flipped samples are draws from their softmax: the
    (true, new) counts over 200 seeds fit the summed probabilities."""
    X, y = _toy(n_samples=60, seed=2)
    encoded = encode_targets(y)
    observed = np.zeros((3, 3))
    expected = np.zeros((3, 3))
    for seed in range(200):
        flips, new_codes, noise = draw_instance_noise(
            "part_dependent",
            X,
            encoded,
            np.full(3, 0.5),
            flip_rate_std=0.1,
            noise_estimator=None,
            noise_cv=5,
            pmd_type="I",
            n_neighbors=5,
            sampling="exact",
            stratify=True,
            seed=seed,
            keep_target_probabilities=True,
        )
        np.add.at(observed, (y[flips], new_codes), 1)
        np.add.at(expected, y[flips], noise.target_probabilities[flips])
        assert np.all(noise.target_probabilities[np.arange(60), y] == 0)
    off_diagonal = ~np.eye(3, dtype=bool)
    assert observed[~off_diagonal].sum() == 0
    # Standardized features keep the softmax from being one-hot.
    assert 0.05 < expected[off_diagonal].min() / expected[off_diagonal].sum()
    # Three rows of two cells, each row's total fixed: 3 degrees of freedom.
    # Unequal probabilities within a cell make the test conservative.
    p_value = stats.chisquare(observed[off_diagonal], expected[off_diagonal], ddof=2).pvalue
    assert p_value > ALPHA, (observed, expected)


def test_flip_labels_is_the_injectors_draw():
    for noise_type in INSTANCE_TYPES:
        y_noisy, mask = flip_labels(Y_TOY, X=X_TOY, noise_type=noise_type, random_state=3)
        injector = LabelNoiseInjector(noise_type=noise_type, random_state=3)
        np.testing.assert_array_equal(injector.fit_resample(X_TOY, Y_TOY)[1], y_noisy)
        np.testing.assert_array_equal(injector.noise_mask_, mask)
    flips, new_codes, _ = draw_instance_noise(
        "part_dependent",
        X_TOY,
        encode_targets(Y_TOY),
        np.full(3, 0.1),
        flip_rate_std=0.1,
        noise_estimator=None,
        noise_cv=5,
        pmd_type="I",
        n_neighbors=5,
        sampling="exact",
        stratify=True,
        seed=draw_seed(3),
    )
    y_noisy, mask = flip_labels(Y_TOY, X=X_TOY, noise_type="part_dependent", random_state=3)
    np.testing.assert_array_equal(np.flatnonzero(mask), flips)
    np.testing.assert_array_equal(y_noisy[flips], new_codes)


@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_two_classes_flip_to_the_other_class(noise_type):
    X, y = _toy(n_samples=200, n_classes=2, seed=4)
    labels = np.where(y == 1, "yes", "no")
    injector = LabelNoiseInjector(0.2, noise_type, random_state=0)
    _, y_noisy = injector.fit_resample(X, labels)
    mask = injector.noise_mask_
    assert mask.sum() == 40
    np.testing.assert_array_equal(y_noisy[mask], np.where(labels[mask] == "yes", "no", "yes"))
    np.testing.assert_allclose(injector.transition_matrix_, [[0.8, 0.2], [0.2, 0.8]])


def test_pmd_margin_with_two_classes_is_the_probability_gap():
    p_one = np.array([0.5, 0.6, 0.9, 0.25] * 4)
    X, y = np.column_stack((1 - p_one, p_one)), np.array([0, 1] * 8)
    injector = LabelNoiseInjector(
        0.0, "pmd", pmd_type="II", noise_estimator=ColumnProbabilities(), noise_cv=2
    ).fit(X, y)
    np.testing.assert_allclose(injector.flip_propensity_, 1 - np.abs(2 * p_one - 1) ** 3)


# --------------------------------------------------------------------------
# Nested across rates, deterministic, and the inputs left alone.
# --------------------------------------------------------------------------
NESTED_CASES = [
    (noise_type, name)
    for noise_type in RATE_FREE_TYPES
    for name in SAMPLINGS
    if not (noise_type == "borderline" and name == "bernoulli")
] + [("part_dependent", "bernoulli"), ("borderline", "bernoulli-low")]


@pytest.mark.parametrize(
    "noise_type, sampling_name", NESTED_CASES, ids=["-".join(case) for case in NESTED_CASES]
)
def test_flips_are_nested_in_the_rate(noise_type, sampling_name):
    """The same u_i (and targets) at every rate: a higher rate only adds flips."""
    rates = [0.02, 0.05, 0.1] if sampling_name == "bernoulli-low" else [0.05, 0.1, 0.2, 0.35]
    sampling = SAMPLINGS[sampling_name.split("-")[0]]
    for seed in range(3):
        previous_mask, previous_noisy = np.zeros(Y_TOY.shape[0], dtype=bool), Y_TOY
        for rate in rates:
            y_noisy, mask = flip_labels(
                Y_TOY,
                X=X_TOY,
                noise_type=noise_type,
                noise_rate=rate,
                random_state=seed,
                **sampling,
            )
            assert not (previous_mask & ~mask).any(), f"a flip at a lower rate is gone at {rate}"
            np.testing.assert_array_equal(y_noisy[previous_mask], previous_noisy[previous_mask])
            previous_mask, previous_noisy = mask, y_noisy
        assert previous_mask.sum() > 0


@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_same_random_state_same_noise_and_none_differs(noise_type):
    params = dict(X=X_TOY, noise_type=noise_type, noise_rate=0.2)
    first = flip_labels(Y_TOY, random_state=5, **params)[0]
    np.testing.assert_array_equal(first, flip_labels(Y_TOY, random_state=5, **params)[0])
    injector = LabelNoiseInjector(0.2, noise_type, random_state=5)
    np.testing.assert_array_equal(clone(injector).fit_resample(X_TOY, Y_TOY)[1], first)
    unseeded = {tuple(flip_labels(Y_TOY, **params)[1]) for _ in range(3)}
    assert len(unseeded) > 1


def test_unseeded_noise_estimator_is_seeded_from_random_state_and_left_alone():
    forest = RandomForestClassifier(n_estimators=5)
    params = dict(X=X_TOY, noise_type="confidence", noise_estimator=forest, noise_rate=0.2)
    first = flip_labels(Y_TOY, random_state=1, **params)
    second = flip_labels(Y_TOY, random_state=1, **params)
    np.testing.assert_array_equal(first[0], second[0])
    assert forest.random_state is None and not hasattr(forest, "estimators_")


def test_global_random_states_are_untouched():
    np.random.seed(0)
    random.seed(0)
    expected = (np.random.random_sample(), random.random())
    np.random.seed(0)
    random.seed(0)
    for noise_type in INSTANCE_TYPES:
        for random_state in [0, None]:
            flip_labels(Y_TOY, X=X_TOY, noise_type=noise_type, random_state=random_state)
    flip_labels(
        Y_TOY,
        X=X_TOY,
        noise_type="confidence",
        noise_estimator=RandomForestClassifier(n_estimators=3),
        random_state=0,
    )
    assert (np.random.random_sample(), random.random()) == expected


def test_instance_noise_never_imports_tensorflow():
    code = (
        "import sys\n"
        "for name in ('tensorflow', 'keras', 'scikeras'):\n"
        "    sys.modules[name] = None  # importing it now raises ImportError\n"
        "from sklearn.datasets import make_classification\n"
        "from skmislabel import flip_labels\n"
        "X, y = make_classification(200, n_classes=3, n_informative=3, random_state=0)\n"
        "for noise_type in ('part_dependent', 'confidence', 'pmd', 'borderline'):\n"
        "    flip_labels(y, X=X, noise_type=noise_type, random_state=0)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_x_and_y_are_not_modified(noise_type):
    X, y = X_TOY.copy(), Y_TOY.copy()
    X.setflags(write=False)
    y.setflags(write=False)
    X_out, _ = LabelNoiseInjector(0.3, noise_type, random_state=0).fit_resample(X, y)
    assert X_out is X
    np.testing.assert_array_equal(X, X_TOY)
    np.testing.assert_array_equal(y, Y_TOY)
    frame = pd.DataFrame(X_TOY, columns=list("abcde"))
    before = frame.copy()
    flip_labels(pd.Series(Y_TOY), X=frame, noise_type=noise_type, random_state=0)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("noise_type", ["part_dependent", "borderline", "confidence"])
def test_images_are_flattened_per_sample(noise_type):
    images = X_TOY.repeat(4, axis=1).reshape(300, 4, 5)
    flat = images.reshape(300, -1)
    from_images = flip_labels(Y_TOY, X=images, noise_type=noise_type, random_state=0)[0]
    np.testing.assert_array_equal(
        from_images, flip_labels(Y_TOY, X=flat, noise_type=noise_type, random_state=0)[0]
    )


def test_a_users_noise_estimator_sees_x_as_passed():
    images = X_TOY.repeat(4, axis=1).reshape(300, 4, 5)
    frame = pd.DataFrame(X_TOY, columns=list("abcde"))
    RecordsX.seen.clear()
    for X in (images, frame):
        flip_labels(Y_TOY, X=X, noise_type="pmd", noise_estimator=RecordsX(), random_state=0)
    assert RecordsX.seen[0] == (np.ndarray, (240, 4, 5))
    assert RecordsX.seen[-1] == (pd.DataFrame, (240, 5))
    assert len(RecordsX.seen) == 10


# --------------------------------------------------------------------------
# Ground truth, pipelines, noise curves.
# --------------------------------------------------------------------------
def test_class_conditional_propensity_is_the_class_flip_rate():
    params = dict(random_state=0)
    injector = LabelNoiseInjector(0.3, "uniform", **params)
    with pytest.raises(AttributeError, match="not fitted yet: flip_propensity_"):
        injector.flip_propensity_  # noqa: B018
    injector.fit(X_TOY, Y_TOY)
    np.testing.assert_allclose(injector.flip_propensity_, 0.2)
    mapping = LabelNoiseInjector(0.4, "mapping", class_mapping={2: 0}, **params).fit(X_TOY, Y_TOY)
    np.testing.assert_allclose(mapping.flip_propensity_, np.where(Y_TOY == 2, 0.4, 0.0))


@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_realised_transition_matrix_counts_the_flips(noise_type):
    injector = LabelNoiseInjector(0.3, noise_type, random_state=0)
    _, y_noisy = injector.fit_resample(X_TOY, Y_TOY)
    counts = np.zeros((3, 3))
    np.add.at(counts, (Y_TOY, y_noisy), 1)
    np.testing.assert_allclose(
        injector.transition_matrix_, counts / counts.sum(axis=1, keepdims=True)
    )
    # Each class flips its quota 0.3 n_k, rounded down or up.
    class_counts = np.bincount(Y_TOY)
    n_flipped = class_counts * (1 - np.diag(injector.transition_matrix_))
    np.testing.assert_allclose(n_flipped, np.rint(n_flipped))
    assert np.all(np.abs(n_flipped - 0.3 * class_counts) < 1)


def test_borderline_injector_in_pipelines_cross_validation_and_grid_search():
    X, y = _toy(n_samples=240, seed=5)
    pipe = make_pipeline(
        LabelNoiseInjector(noise_type="borderline", random_state=0), KNeighborsClassifier()
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)
    search = GridSearchCV(pipe, {"labelnoiseinjector__noise_rate": [0.0, 0.3]}, cv=3).fit(X, y)
    assert search.best_params_ == {"labelnoiseinjector__noise_rate": 0.0}
    means = search.cv_results_["mean_test_score"]
    assert means[0] > means[1], "borderline noise at 0.3 did not hurt"
    # The injector draws on the features it is fitted on: 160 samples, 48 flips.
    refitted = clone(pipe).set_params(labelnoiseinjector__noise_rate=0.3).fit(X[:160], y[:160])
    assert refitted.named_steps["labelnoiseinjector"].n_flipped_ == 48


@pytest.mark.parametrize("noise_type", INSTANCE_TYPES)
def test_noise_curve_with_instance_noise(noise_type):
    X, y = _toy(n_samples=150, seed=6)
    results = noise_curve(
        KNeighborsClassifier(),
        X,
        y,
        noise_rates=[0.0, 0.2],
        noise_type=noise_type,
        cv=2,
        random_state=0,
    )
    frame = results.frame
    assert set(frame["noise_type"]) == {noise_type}
    assert (frame["error"] == "").all()
    np.testing.assert_array_equal(frame.groupby("noise_rate")["n_flipped"].mean(), [0, 15])


def test_noise_curve_checks_an_unreachable_rate_before_any_fit():
    injector = LabelNoiseInjector(noise_type="borderline", sampling="bernoulli")
    with pytest.raises(ValueError, match="cannot reach this noise_rate"):
        noise_curve(
            KNeighborsClassifier(),
            X_TOY,
            Y_TOY,
            noise_rates=[0.0, 0.9],
            injector=injector,
            cv=2,
            callback=lambda row: pytest.fail("a fit ran"),
        )


class _CountingClassifier(ClassifierMixin, BaseEstimator):
    """A nearest-centroid model with predict_proba that counts its fits."""

    fits = 0

    def __init__(self, temperature=1.0):
        self.temperature = temperature

    def fit(self, X, y):
        type(self).fits += 1
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == label].mean(axis=0) for label in self.classes_])
        return self

    def predict_proba(self, X):
        distances = ((X[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)
        scores = -distances / self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        return np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


@pytest.fixture
def empty_probability_cache():
    from skmislabel._confidence_noise import PROBABILITY_CACHE

    PROBABILITY_CACHE.clear()
    _CountingClassifier.fits = 0
    yield PROBABILITY_CACHE
    PROBABILITY_CACHE.clear()


def test_out_of_fold_probabilities_are_reused_only_for_the_same_inputs(empty_probability_cache):
    X, y = _toy(n_samples=200, seed=3)

    def draw(noise_type="confidence", X=X, y=y, random_state=0, **params):
        injector = LabelNoiseInjector(
            noise_rate=0.2,
            noise_type=noise_type,
            noise_estimator=_CountingClassifier(**params),
            noise_cv=4,
            random_state=random_state,
        )
        injector.fit_resample(X, y)
        return injector

    first = draw()
    assert _CountingClassifier.fits == 4
    # Same data, labels, estimator and seed: pmd and other rates reuse them.
    again = draw()
    draw(noise_type="pmd")
    assert _CountingClassifier.fits == 4
    np.testing.assert_array_equal(again.noise_mask_, first.noise_mask_)
    np.testing.assert_array_equal(again.flip_propensity_, first.flip_propensity_)
    # A copy is returned: a caller cannot change what the cache holds.
    again.flip_propensity_[:] = -1
    np.testing.assert_array_equal(draw().flip_propensity_, first.flip_propensity_)
    # Any other input is computed afresh.
    draw(random_state=1)
    draw(temperature=2.0)
    draw(X=X + 1e-9)
    draw(y=np.roll(y, 1))
    assert _CountingClassifier.fits == 4 + 4 * 4
    # A cold computation gives what the cache returned.
    empty_probability_cache.clear()
    np.testing.assert_array_equal(draw().flip_propensity_, first.flip_propensity_)


def test_the_probability_cache_is_bounded():
    from skmislabel._confidence_noise import _ProbabilityCache

    cache = _ProbabilityCache(max_entries=2)
    for key in "abc":
        cache.put(key, np.full(3, ord(key)))
    assert cache.get("a") is None
    np.testing.assert_array_equal(cache.get("b"), [98, 98, 98])
    cache.put("d", np.zeros(3))  # "b" was read last: "c" goes
    assert cache.get("c") is None and cache.get("b") is not None


def test_noise_curve_fits_the_noise_estimator_once_per_training_fold(empty_probability_cache):
    X, y = _toy(n_samples=240, seed=4)
    injector = LabelNoiseInjector(
        noise_type="confidence", noise_estimator=_CountingClassifier(), noise_cv=3
    )
    results = noise_curve(
        KNeighborsClassifier(),
        X,
        y,
        noise_rates=[0.0, 0.1, 0.2, 0.3],
        injector=injector,
        cv=2,
        n_repeats=2,
        random_state=0,
    )
    assert (results.frame["error"] == "").all()
    # 2 folds x 2 repeats (each its own noise seed) x 3 folds of the noise
    # estimator, whatever the number of rates; the check before the fits is
    # the first task's own draw.
    assert _CountingClassifier.fits == 2 * 2 * 3
    np.testing.assert_array_equal(
        results.frame.groupby("noise_rate")["n_flipped"].mean(), [0, 12, 24, 36]
    )


def test_config_fingerprint_ignores_the_options_a_noise_type_does_not_read():
    from skmislabel.model_selection import config_fingerprint

    def fingerprint(**params):
        return config_fingerprint(
            make_pipeline(LabelNoiseInjector(**params), KNeighborsClassifier())
        )

    assert fingerprint(noise_type="symmetric") == fingerprint(
        noise_type="symmetric", n_neighbors=9, pmd_type="III", flip_rate_std=0.3, noise_cv=3
    )
    assert fingerprint(noise_type="borderline") != fingerprint(
        noise_type="borderline", n_neighbors=9
    )
    assert fingerprint(noise_type="pmd") != fingerprint(noise_type="pmd", pmd_type="II")
    assert fingerprint(noise_type="pmd", noise_cv=3) != fingerprint(noise_type="pmd")
    assert fingerprint(noise_type="confidence") == fingerprint(
        noise_type="confidence", pmd_type="II"
    )
    assert fingerprint(noise_type="confidence") != fingerprint(
        noise_type="confidence", noise_estimator=_CountingClassifier()
    )
    assert fingerprint(
        noise_type="confidence", noise_estimator=_CountingClassifier(temperature=2.0)
    ) != fingerprint(noise_type="confidence", noise_estimator=_CountingClassifier())
    assert fingerprint(noise_type="part_dependent") != fingerprint(
        noise_type="part_dependent", flip_rate_std=0.2
    )


@pytest.mark.cnn
def test_a_cnn_classifier_as_noise_estimator_flips_the_images_it_doubts():
    pytest.importorskip("tensorflow", reason="the cnn extra: pip install 'skmislabel[cnn]'")
    from sklearn.datasets import load_digits

    from skmislabel import CNNClassifier
    from skmislabel._confidence_noise import PROBABILITY_CACHE

    X, y = load_digits(return_X_y=True)
    images = (X[:600] / 16).reshape(-1, 8, 8).astype(np.float32)
    y = y[:600]
    injector = LabelNoiseInjector(
        noise_rate=0.1,
        noise_type="confidence",
        noise_estimator=CNNClassifier(epochs=20, batch_size=32, kernel_size=2, pool_size=1),
        noise_cv=2,
        random_state=0,
    )
    X_out, y_noisy = injector.fit_resample(images, y)
    assert X_out is images and injector.n_flipped_ == 60
    assert injector.noise_estimator.random_state is None  # the user's model is left alone
    flipped = injector.noise_mask_
    propensity = injector.flip_propensity_
    assert propensity[flipped].mean() > 3 * propensity[~flipped].mean()
    # Reproducible from random_state alone: refitted, not read from the cache.
    PROBABILITY_CACHE.clear()
    again = clone(injector).fit_resample(images, y)[1]
    np.testing.assert_array_equal(again, y_noisy)
