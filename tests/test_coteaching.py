"""Tests for skmislabel/coteaching.py: Co-teaching as a scikit-learn classifier."""

import pytest

from skmislabel._compat import CNN_EXTRA_MESSAGE

pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)

import os
import pickle
import random
import subprocess
import sys

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmislabel import CNNClassifier, flip_labels
from skmislabel.coteaching import CoTeachingClassifier

pytestmark = pytest.mark.cnn

SMALL = dict(filters=8, dense_units=32, epochs=2, learning_rate=3e-3)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def test_keep_rate_schedule_and_history(digits):
    X, y = digits
    clf = CoTeachingClassifier(forget_rate=0.4, n_gradual_epochs=4, **{**SMALL, "epochs": 6})
    clf.set_params(random_state=0).fit(X[:300], y[:300])
    np.testing.assert_allclose(clf.keep_rate_, [1.0, 0.9, 0.8, 0.7, 0.6, 0.6])
    assert clf.n_epochs_ == 6
    assert len(clf.history_["loss"]) == len(clf.history_["peer_loss"]) == 6
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]


def test_seeded_fits_are_identical_and_partial_fit_equals_fit(digits):
    X, y = digits
    first = CoTeachingClassifier(dropout=0.3, random_state=3, **SMALL).fit(X[:400], y[:400])
    second = clone(first).fit(X[:400], y[:400])
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    # Epoch by epoch, the same random stream: the same networks.
    stepwise = CoTeachingClassifier(dropout=0.3, random_state=3, **SMALL)
    for _ in range(SMALL["epochs"]):
        stepwise.partial_fit(X[:400], y[:400], classes=np.arange(10))
    np.testing.assert_array_equal(stepwise.predict_proba(X), first.predict_proba(X))
    other = CoTeachingClassifier(dropout=0.3, random_state=4, **SMALL).fit(X[:400], y[:400])
    assert not np.array_equal(other.predict_proba(X), first.predict_proba(X))
    unseeded = [CoTeachingClassifier(**SMALL).fit(X[:400], y[:400]) for _ in range(2)]
    assert not np.array_equal(unseeded[0].predict_proba(X), unseeded[1].predict_proba(X))


def test_no_global_random_state_is_used(digits):
    X, y = digits
    random.seed(5)
    np.random.seed(5)
    expected = random.random(), np.random.random()
    random.seed(5)
    np.random.seed(5)
    CoTeachingClassifier(random_state=0, **SMALL).fit(X[:200], y[:200])
    assert (random.random(), np.random.random()) == expected


def test_pickle_clone_and_string_labels(digits):
    X, y = digits
    labels = np.array([f"digit {label}" for label in y])
    clf = CoTeachingClassifier(random_state=0, **SMALL).fit(X[:400], labels[:400])
    assert set(clf.predict(X[:50])) <= set(labels)
    proba = clf.predict_proba(X[:50])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X[:50]), proba)
    assert not hasattr(clone(clf), "classes_")


def test_partial_fit_classes_absent_from_the_first_batch(digits):
    X, y = digits
    few = y[:300] < 5
    clf = CoTeachingClassifier(random_state=0, **SMALL)
    clf.partial_fit(X[:300][few], y[:300][few], classes=np.arange(10))
    clf.partial_fit(X[:300], y[:300])
    assert clf.predict_proba(X[:3]).shape == (3, 10)
    with pytest.raises(ValueError, match="not built for"):
        clf.partial_fit(X[:10], y[:10] + 20)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"forget_rate": 1.0}, "forget_rate"),
        ({"forget_rate": -0.1}, "forget_rate"),
        ({"n_gradual_epochs": 0}, "n_gradual_epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"forget_rate": "guess"}, r"'forget_rate' parameter .* or a str among \{'estimate'\}"),
        (
            {"forget_rate": "estimate", "estimation_method": "volmin"},
            "'estimation_method' parameter",
        ),
        ({"forget_rate": "estimate", "noise_estimator": "knn"}, "'noise_estimator' parameter"),
    ],
)
def test_bad_parameters_name_themselves(digits, monkeypatch, params, message):
    import skmislabel.coteaching

    def no_estimate(*args, **kwargs):
        raise AssertionError("the noise was estimated")

    monkeypatch.setattr(skmislabel.coteaching, "estimate_for", no_estimate)
    X, y = digits
    with pytest.raises(ValueError, match=message):
        CoTeachingClassifier(**params).fit(X[:50], y[:50])


def test_estimated_forget_rate_is_estimate_noises_flip_rate(digits):
    from skmislabel.noise import estimate_noise

    X, y = digits
    y_noisy, _ = flip_labels(y[:600], noise_rate=0.3, random_state=0)
    params = dict(**{**SMALL, "epochs": 2}, forget_rate="estimate", n_gradual_epochs=1)
    fits = [
        CoTeachingClassifier(**params, random_state=seed).fit(X[:600], y_noisy)
        for seed in (7, 7, 8)
    ]
    for clf, seed in zip(fits, (7, 7, 8)):
        expected = estimate_noise(X[:600], y_noisy, random_state=seed)
        assert clf.forget_rate_ == float(np.clip(expected.flip_rate, 0, 0.9))
        np.testing.assert_array_equal(
            clf.noise_estimate_.transition_matrix, expected.transition_matrix
        )
        assert clf.keep_rate_ == [1.0, 1.0 - clf.forget_rate_]
    assert abs(fits[0].forget_rate_ - 0.3) < 0.05
    # The same seed repeats the estimate and the networks.
    assert fits[0].forget_rate_ == fits[1].forget_rate_
    np.testing.assert_array_equal(
        fits[0].predict_proba(X[600:700]), fits[1].predict_proba(X[600:700])
    )
    # Clones unfitted, pickles fitted.
    assert clone(fits[0]).get_params()["forget_rate"] == "estimate"
    restored = pickle.loads(pickle.dumps(fits[0]))
    assert restored.forget_rate_ == fits[0].forget_rate_
    np.testing.assert_array_equal(
        restored.predict_proba(X[600:650]), fits[0].predict_proba(X[600:650])
    )
    # A float rate: no estimate.
    given = CoTeachingClassifier(**{**SMALL, "epochs": 1}, forget_rate=0.25, random_state=0)
    given.fit(X[:200], y[:200])
    assert (given.forget_rate_, given.noise_estimate_) == (0.25, None)


def test_estimated_forget_rate_is_clipped(digits, monkeypatch):
    from sklearn.utils import Bunch

    import skmislabel.coteaching

    monkeypatch.setattr(
        skmislabel.coteaching, "estimate_for", lambda *args, **kwargs: Bunch(flip_rate=0.97)
    )
    X, y = digits
    clf = CoTeachingClassifier(**{**SMALL, "epochs": 1}, forget_rate="estimate", random_state=0)
    assert clf.fit(X[:100], y[:100]).forget_rate_ == 0.9
    assert clf.noise_estimate_.flip_rate == 0.97


def test_estimate_with_anchors_and_a_model_and_partial_fit_estimates_once(digits, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    import skmislabel.coteaching
    from skmislabel.noise import estimate_noise

    calls = []
    estimate_for = skmislabel.coteaching.estimate_for

    def counting(*args, **kwargs):
        calls.append(kwargs["method"])
        return estimate_for(*args, **kwargs)

    monkeypatch.setattr(skmislabel.coteaching, "estimate_for", counting)
    X, y = digits
    y_noisy, _ = flip_labels(y[:300], noise_rate=0.2, random_state=0)
    model = LogisticRegression(max_iter=100)
    clf = CoTeachingClassifier(
        **SMALL,
        forget_rate="estimate",
        estimation_method="anchors",
        noise_estimator=model,
        random_state=1,
    )
    for _ in range(3):
        clf.partial_fit(X[:300], y_noisy)
    assert calls == ["anchors"]
    expected = estimate_noise(X[:300], y_noisy, model, method="anchors", random_state=1)
    assert clf.forget_rate_ == float(np.clip(expected.flip_rate, 0, 0.9))


def test_confident_joint_without_cleanlab_fails_before_any_work(digits, monkeypatch):
    import skmislabel._remedy_estimation
    import skmislabel.coteaching

    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.count", None)
    monkeypatch.setattr(skmislabel._remedy_estimation, "estimate_noise", None)
    monkeypatch.setattr(skmislabel.coteaching, "_NetworkPair", None)
    X, y = digits
    clf = CoTeachingClassifier(forget_rate="estimate", estimation_method="confident_joint")
    with pytest.raises(ImportError, match=r"estimation_method='confident_joint' needs cleanlab"):
        clf.fit(X[:50], y[:50])


def test_bad_input(digits):
    X, y = digits
    with pytest.raises(ValueError, match="at least 2 classes"):
        CoTeachingClassifier(**SMALL).fit(X[:20], np.zeros(20))
    with pytest.raises(ValueError, match="not in classes"):
        CoTeachingClassifier(**SMALL).partial_fit(X[:20], y[:20], classes=[0, 1])
    with pytest.raises(ValueError, match="no longer finite"):
        CoTeachingClassifier(**SMALL, random_state=0).fit(X[:200] * 1e30, y[:200])


def test_coteaching_beats_cross_entropy_at_pairflip_45(digits):
    # Statistical, over seeds: each seed draws new noise and new networks.
    X, y = digits
    shape = dict(filters=16, dense_units=64, learning_rate=3e-3, epochs=20, batch_size=32)
    gains = []
    for seed in range(3):
        noisy, _ = flip_labels(y[:1000], noise_rate=0.45, noise_type="pairflip", random_state=seed)
        coteaching = CoTeachingClassifier(
            forget_rate=0.45, n_gradual_epochs=5, random_state=seed, **shape
        ).fit(X[:1000], noisy)
        cross_entropy = CNNClassifier(random_state=seed, **shape).fit(X[:1000], noisy)
        gains.append(coteaching.score(X[1000:], y[1000:]) - cross_entropy.score(X[1000:], y[1000:]))
    assert np.mean(gains) > 0.05, gains
    assert min(gains) > 0, gains


SMALL_COTEACHING = CoTeachingClassifier(
    image_shape=(1, -1),
    kernel_size=1,
    pool_size=1,
    filters=4,
    dense_units=16,
    epochs=5,
    batch_size=16,
    learning_rate=0.05,
    forget_rate=0.1,
    n_gradual_epochs=2,
    random_state=0,
)


@parametrize_with_checks(
    [SMALL_COTEACHING, clone(SMALL_COTEACHING).set_params(forget_rate="estimate")]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_interleaved_estimators_keep_their_own_dropout_stream(digits):
    X, y = digits
    params = dict(dropout=0.5, random_state=1, **SMALL)
    alone = CoTeachingClassifier(**params)
    for _ in range(2):
        alone.partial_fit(X[:300], y[:300], classes=np.arange(10))
    first, second = CoTeachingClassifier(**params), CoTeachingClassifier(**params)
    for _ in range(2):
        # Both train on the same shared networks, one epoch each in turn.
        first.partial_fit(X[:300], y[:300], classes=np.arange(10))
        second.partial_fit(X[:300], y[:300], classes=np.arange(10))
    np.testing.assert_array_equal(first.predict_proba(X[:50]), alone.predict_proba(X[:50]))
    np.testing.assert_array_equal(second.predict_proba(X[:50]), alone.predict_proba(X[:50]))
    with pytest.raises(ValueError, match="differs from the classes"):
        first.partial_fit(X[:300], y[:300], classes=np.arange(5))


def test_set_params_after_fit_leaves_the_fitted_networks_alone(digits):
    X, y = digits
    clf = CoTeachingClassifier(random_state=0, **SMALL).fit(X[:200], y[:200])
    proba = clf.predict_proba(X[:50])
    clf.set_params(filters=4, dense_units=8, dropout=0.5, learning_rate=1e-2)
    np.testing.assert_array_equal(clf.predict_proba(X[:50]), proba)
    clf.partial_fit(X[:200], y[:200])  # continues the fitted networks
    assert clf.n_epochs_ == SMALL["epochs"] + 1
    # The next fit builds networks of the new settings.
    assert clf.fit(X[:200], y[:200]).predict_proba(X[:50]).shape == (50, 10)


def test_clear_network_cache_also_clears_the_network_pairs(digits):
    from skmislabel._keras_runtime import NETWORK_PAIRS
    from skmislabel.cnn import clear_network_cache

    X, y = digits
    clf = CoTeachingClassifier(random_state=0, **SMALL).fit(X[:200], y[:200])
    proba = clf.predict_proba(X[:50])
    assert len(NETWORK_PAIRS) >= 1
    assert clear_network_cache() >= 1
    assert len(NETWORK_PAIRS) == 0
    np.testing.assert_array_equal(clf.predict_proba(X[:50]), proba)


ORDER_SCRIPT = """
import numpy as np
from skmislabel import CNNClassifier
from skmislabel.coteaching import CoTeachingClassifier

# The data and network of scikit-learn's check_methods_sample_order_invariance.
X = 3 * np.random.RandomState(0).uniform(size=(20, 3))
y = X[:, 0].astype(np.int64)
common = dict(image_shape=(1, -1), kernel_size=1, pool_size=1, filters=4, dense_units=16,
              epochs=5, batch_size=16, learning_rate=0.05, random_state=1)
for clf in (CNNClassifier(**common), CoTeachingClassifier(forget_rate=0.1, **common)):
    proba = clf.fit(X, y).predict_proba(X)
    for seed in range(20):
        order = np.random.default_rng(seed).permutation(20)
        np.testing.assert_array_equal(clf.predict_proba(X[order]), proba[order])
"""


def test_predict_proba_is_independent_of_the_order_of_the_samples():
    # Both estimators predict in an order set by the images alone, so the
    # probabilities are exactly equal whatever the CPU. oneDNN restricted to
    # AVX2 (as on a CPU without AVX-512) computes a row differently by its
    # position in the batch: before, up to 1.2e-7 apart.
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", ORDER_SCRIPT], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_partial_fit_names_a_new_class_and_how_to_declare_it(digits):
    X, y = digits
    clf = CoTeachingClassifier(random_state=0, **SMALL).partial_fit(X[:100], y[:100] % 2)
    message = r"y has labels \[2, 3\] that CoTeachingClassifier was not built for.*classes="
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X[:100], y[:100] % 4)
