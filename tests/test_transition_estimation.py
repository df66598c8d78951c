"""Tests for skmislabel/_transition_estimation.py: T from anchor points."""

import numpy as np
import pytest

from skmislabel import LabelNoiseInjector
from skmislabel.noise import estimate_transition_matrix


def _noisy_posteriors(transition_matrix, n_samples, rng):
    """P(noisy | x) = P(true | x) @ T for x whose true posteriors range from
    ambiguous to certain: the certain ones are the anchors."""
    n_classes = len(transition_matrix)
    true_class = rng.integers(n_classes, size=n_samples)
    # Half of the samples are certain: more than the top 3% of each column.
    certainty = np.where(rng.random(n_samples) < 0.5, 1.0, rng.uniform(0.2, 1.0, n_samples))
    clean = np.full((n_samples, n_classes), 0.0)
    clean += ((1 - certainty) / n_classes)[:, None]
    clean[np.arange(n_samples), true_class] += certainty
    return clean @ transition_matrix


def _injected_matrix(noise_type, rate, n_classes=5):
    y = np.repeat(np.arange(n_classes), 2000)
    injector = LabelNoiseInjector(noise_rate=rate, noise_type=noise_type, random_state=0)
    injector.fit_resample(np.zeros((len(y), 1)), y)
    return injector.transition_matrix_


@pytest.mark.parametrize("noise_type, rate", [("symmetric", 0.4), ("pairflip", 0.3)])
def test_recovers_the_true_matrix_on_a_synthetic_problem(noise_type, rate):
    rng = np.random.default_rng(0)
    true_matrix = _injected_matrix(noise_type, rate)
    estimate = estimate_transition_matrix(_noisy_posteriors(true_matrix, 5000, rng))
    assert np.abs(estimate - true_matrix).max() < 0.01
    np.testing.assert_allclose(estimate.sum(axis=1), 1)


def test_percentile_filters_the_top_outlier():
    proba = np.array([[0.99, 0.01], [0.8, 0.2], [0.7, 0.3], [0.01, 0.99], [0.2, 0.8], [0.3, 0.7]])
    np.testing.assert_allclose(estimate_transition_matrix(proba, percentile=100)[0], [0.99, 0.01])
    np.testing.assert_allclose(estimate_transition_matrix(proba, percentile=90)[0], [0.8, 0.2])


def test_input_is_not_modified():
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(4), size=50)
    copy = proba.copy()
    estimate_transition_matrix(proba)
    np.testing.assert_array_equal(proba, copy)


@pytest.mark.parametrize(
    "proba, params, message",
    [
        (np.ones((3, 1)), {}, "at least 2"),
        (np.array([[0.5, 0.6]]), {}, "probabilities"),
        (np.array([[-0.1, 1.1]]), {}, "probabilities"),
        (np.array([[0.5, 0.5]]), {"percentile": 0}, "percentile must be a number in"),
        (np.array([[0.5, 0.5]]), {"percentile": 101}, "percentile must be a number in"),
        (np.array([[np.nan, 0.5]]), {}, "NaN"),
    ],
)
def test_bad_input(proba, params, message):
    with pytest.raises(ValueError, match=message):
        estimate_transition_matrix(proba, **params)
