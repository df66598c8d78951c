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
        (
            {"variant": "mentornet"},
            r"'variant' parameter .* a str among \{(?=.*'coteaching')(?=.*'plus')(?=.*'jocor')"
            r"(?=.*'single').*Got 'mentornet'",
        ),
        ({"variant": "jocor", "co_lambda": 1.5}, r"'co_lambda' parameter .* range \[0.0, 1.0\]"),
        ({"variant": "plus", "init_epoch": -1}, r"'init_epoch' parameter .* range \[0, inf\)"),
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


# scikit-learn's estimator checks with forget_rate="estimate" (those of a
# given rate are in test_common.py, whose settings these reuse).
from test_common import COTEACHING_EXPECTED_FAILURES, SMALL_NETWORK  # noqa: E402


@parametrize_with_checks(
    [CoTeachingClassifier(forget_rate="estimate", n_gradual_epochs=2, **SMALL_NETWORK)],
    expected_failed_checks=lambda _: COTEACHING_EXPECTED_FAILURES,
)
def test_sklearn_estimator_checks_with_an_estimated_forget_rate(estimator, check):
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
for clf in (
    CNNClassifier(**common),
    *(CoTeachingClassifier(forget_rate=0.1, variant=variant, **common) for variant in
      ("coteaching", "plus", "single")),
):
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


# --------------------------------------------------------------------------
# The variants (Co-teaching+, JoCoR, one network), each against the formula
# of its reference code, recomputed with NumPy on one fixed batch.
# --------------------------------------------------------------------------
VARIANTS_SMALL = dict(forget_rate=0.3, n_gradual_epochs=1, **{**SMALL, "epochs": 1})


def _fitted_pair(digits, variant, **params):
    """A variant fitted one epoch, its network pair loaded with its weights,
    and a fixed batch."""
    X, y = digits
    clf = CoTeachingClassifier(variant=variant, random_state=0, **{**VARIANTS_SMALL, **params})
    clf.fit(X[:300], y[:300])
    pair = clf._network_pair()
    pair.load(clf._weights)
    return clf, pair


def _probabilities(pair, images):
    return [network(images, training=False).numpy().astype(np.float64) for network in pair.networks]


def _cross_entropy(proba, codes):
    # Keras's cross-entropy of probabilities: renormalised, clipped at 1e-7.
    proba = np.clip(proba / proba.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    return -np.log(proba[np.arange(len(codes)), codes])


def _assert_small_loss_selection(kept, losses, candidates, n_keep):
    """``kept`` are the ``n_keep`` candidates of smallest loss (the NumPy
    argsort's, exactly, unless two losses at the boundary are within 1e-5)."""
    kept = np.asarray(kept)
    assert len(kept) == len(np.unique(kept)) == n_keep
    assert set(kept.tolist()) <= set(np.asarray(candidates).tolist())
    ranked = np.asarray(candidates)[np.argsort(losses[candidates], kind="stable")]
    rest = np.setdiff1d(candidates, kept)
    if len(rest):
        assert losses[kept].max() <= losses[rest].min() + 1e-5
        if losses[ranked[n_keep]] - losses[ranked[n_keep - 1]] > 1e-5:
            assert set(kept.tolist()) == set(ranked[:n_keep].tolist())


def _weights(pair):
    return [np.concatenate([w.ravel() for w in state[0]]) for state in pair.save()]


def test_plus_keeps_small_loss_samples_among_the_disagreement(digits):
    import tensorflow as tf

    X, y = digits
    clf, pair = _fitted_pair(digits, "plus")
    images, codes = X[:128].reshape(-1, 8, 8, 1), y[:128].astype(np.int32)
    proba_a, proba_b = _probabilities(pair, images)
    loss_a, loss_b = _cross_entropy(proba_a, codes), _cross_entropy(proba_b, codes)
    disagree = np.flatnonzero(proba_a.argmax(axis=1) != proba_b.argmax(axis=1))
    assert 0 < len(disagree) < 128
    keep_rate = 0.55

    def step(keep_rate, among_disagreement):
        pair.load(clf._weights)
        return pair.train_step(
            images,
            codes,
            tf.constant(keep_rate, dtype=tf.float64),
            tf.constant(among_disagreement),
            tf.constant(1.0),
        )

    # The reference: int(R * k) of the k samples of disagreement, all if 0.
    n_keep = int(keep_rate * len(disagree)) or len(disagree)
    update_a, update_b, kept_by_a, kept_by_b, n_disagreeing = step(keep_rate, True)
    assert int(n_disagreeing) == len(disagree)
    _assert_small_loss_selection(kept_by_a.numpy(), loss_a, disagree, n_keep)
    _assert_small_loss_selection(kept_by_b.numpy(), loss_b, disagree, n_keep)
    # Each network descends its cross-entropy on the samples its peer kept.
    np.testing.assert_allclose(float(update_a), loss_a[kept_by_b.numpy()].mean(), rtol=1e-5)
    np.testing.assert_allclose(float(update_b), loss_b[kept_by_a.numpy()].mean(), rtol=1e-5)
    # int(R * k) = 0: the reference keeps all k.
    _, _, kept_by_a, _, _ = step(0.5 / len(disagree), True)
    assert sorted(kept_by_a.numpy().tolist()) == disagree.tolist()
    # Before init_epoch: plain co-teaching, every sample a candidate.
    _, _, kept_by_a, _, _ = step(keep_rate, False)
    _assert_small_loss_selection(kept_by_a.numpy(), loss_a, np.arange(128), int(keep_rate * 128))


def test_plus_without_disagreement_does_what_the_reference_does(digits):
    import keras
    import tensorflow as tf

    from skmislabel.coteaching import _plus_trains_on_agreement

    X, y = digits
    clf, pair = _fitted_pair(digits, "plus")
    images = X[:400].reshape(-1, 8, 8, 1)
    proba_a, proba_b = _probabilities(pair, images)
    agree = np.flatnonzero(proba_a.argmax(axis=1) == proba_b.argmax(axis=1))[:64]
    images, codes = images[agree], y[:400][agree].astype(np.int32)
    state = pair.save()

    def step(weight):
        pair.load(state)
        outputs = pair.train_step(
            images, codes, tf.constant(0.7, dtype=tf.float64), tf.constant(True), weight
        )
        return outputs, _weights(pair)

    def by_hand(zero):
        # What the reference's backward() and step() do with its loss.
        pair.load(state)
        with tf.GradientTape(persistent=True) as tape:
            losses = [
                tf.reduce_mean(
                    keras.losses.sparse_categorical_crossentropy(codes, net(images, training=True))
                )
                for net in pair.networks
            ]
        for network, optimizer, loss in zip(pair.networks, pair.optimizers, losses):
            variables = network.trainable_variables
            gradients = tape.gradient(loss, variables)
            if zero:
                gradients = [tf.zeros_like(gradient) for gradient in gradients]
            optimizer.apply_gradients(zip(gradients, variables))
        return _weights(pair)

    # Early (step < 5000): both networks take the whole batch's mean loss.
    (update_a, update_b, kept_by_a, kept_by_b, n_disagreeing), trained = step(tf.constant(1.0))
    assert int(n_disagreeing) == 0
    assert kept_by_a.numpy().tolist() == kept_by_b.numpy().tolist() == list(range(len(codes)))
    np.testing.assert_allclose(
        float(update_a), _cross_entropy(proba_a[agree], codes).mean(), rtol=1e-5
    )
    np.testing.assert_allclose(
        float(update_b), _cross_entropy(proba_b[agree], codes).mean(), rtol=1e-5
    )
    for got, expected in zip(trained, by_hand(zero=False)):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # Late: a loss of 0, a step of zero gradient that Adam's momentum still moves.
    (update_a, update_b, *_), moved = step(tf.constant(0.0))
    assert float(update_a) == float(update_b) == 0.0
    for got, expected, before in zip(moved, by_hand(zero=True), _weights_of(state)):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
        assert not np.array_equal(got, before)
    # The reference's step is epoch * i, the epoch counted from 1.
    assert _plus_trains_on_agreement(0, 4999) and not _plus_trains_on_agreement(0, 5000)
    assert _plus_trains_on_agreement(9, 499) and not _plus_trains_on_agreement(9, 500)


def _weights_of(state):
    return [np.concatenate([w.ravel() for w in weights]) for weights, _, _ in state]


def test_jocor_joint_loss_and_one_selection_for_both_networks(digits):
    import tensorflow as tf

    from skmislabel.coteaching import _jocor_loss

    X, y = digits
    co_lambda = 0.7
    clf, pair = _fitted_pair(digits, "jocor", co_lambda=co_lambda)
    images, codes = X[:128].reshape(-1, 8, 8, 1), y[:128].astype(np.int32)
    proba_a, proba_b = _probabilities(pair, images)
    # The reference's loss_jocor:
    # (1 - lambda) * (CE1 + CE2) + lambda * (KL(p2 || p1) + KL(p1 || p2)).
    log_a, log_b = np.log(proba_a), np.log(proba_b)
    expected = (1 - co_lambda) * (
        _cross_entropy(proba_a, codes) + _cross_entropy(proba_b, codes)
    ) + co_lambda * (
        (proba_b * (log_b - log_a)).sum(axis=1) + (proba_a * (log_a - log_b)).sum(axis=1)
    )
    state = pair.save()
    n_keep = 90
    update, kept, joint = pair.train_step(
        images, codes, tf.constant(n_keep), tf.constant(co_lambda, dtype=tf.float32)
    )
    np.testing.assert_allclose(joint.numpy(), expected, rtol=1e-4, atol=1e-6)
    _assert_small_loss_selection(kept.numpy(), expected, np.arange(128), n_keep)
    np.testing.assert_allclose(float(update), expected[kept.numpy()].mean(), rtol=1e-5)
    trained = _weights(pair)
    # Both networks descend the mean joint loss of the same selected samples.
    pair.load(state)
    selected = kept.numpy()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(
            _jocor_loss(
                codes[selected],
                pair.networks[0](images[selected], training=True),
                pair.networks[1](images[selected], training=True),
                co_lambda,
            )
        )
    variables = [network.trainable_variables for network in pair.networks]
    for optimizer, gradients, network_variables in zip(
        pair.optimizers, tape.gradient(loss, variables), variables
    ):
        optimizer.apply_gradients(zip(gradients, network_variables))
    for got, by_hand, before in zip(trained, _weights(pair), _weights_of(state)):
        np.testing.assert_allclose(got, by_hand, rtol=1e-5, atol=1e-6)
        assert not np.array_equal(got, before)


def test_single_network_keeps_its_own_small_loss_samples(digits):
    import tensorflow as tf

    X, y = digits
    clf, pair = _fitted_pair(digits, "single")
    assert len(pair.networks) == 1 and len(clf._weights) == 1
    assert sorted(clf.history_) == ["loss"]
    images, codes = X[:128].reshape(-1, 8, 8, 1), y[:128].astype(np.int32)
    (proba,) = _probabilities(pair, images)
    loss = _cross_entropy(proba, codes)
    update, kept = pair.train_step(images, codes, tf.constant(77))
    _assert_small_loss_selection(kept.numpy(), loss, np.arange(128), 77)
    np.testing.assert_allclose(float(update), loss[kept.numpy()].mean(), rtol=1e-5)
    # It predicts with its one network.
    pair.load(clf._weights)
    np.testing.assert_allclose(
        clf.predict_proba(X[:128]), _probabilities(pair, images)[0], rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("variant", ["plus", "jocor", "single"])
def test_variants_seeded_fits_partial_fit_and_estimated_forget_rate(digits, variant):
    from skmislabel.noise import estimate_noise

    X, y = digits
    y_noisy, _ = flip_labels(y[:400], noise_rate=0.3, random_state=0)
    params = dict(variant=variant, dropout=0.3, forget_rate="estimate", n_gradual_epochs=1, **SMALL)
    first = CoTeachingClassifier(random_state=3, **params).fit(X[:400], y_noisy)
    np.testing.assert_array_equal(
        clone(first).fit(X[:400], y_noisy).predict_proba(X), first.predict_proba(X)
    )
    stepwise = CoTeachingClassifier(random_state=3, **params)
    for _ in range(SMALL["epochs"]):
        stepwise.partial_fit(X[:400], y_noisy, classes=np.arange(10))
    np.testing.assert_array_equal(stepwise.predict_proba(X), first.predict_proba(X))
    other = CoTeachingClassifier(random_state=4, **params).fit(X[:400], y_noisy)
    assert not np.array_equal(other.predict_proba(X), first.predict_proba(X))
    expected = estimate_noise(X[:400], y_noisy, random_state=3)
    assert first.forget_rate_ == float(np.clip(expected.flip_rate, 0, 0.9))
    assert first.keep_rate_ == [1.0, 1.0 - first.forget_rate_]
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict_proba(X[:50]), first.predict_proba(X[:50]))


def test_each_variant_trains_its_own_pair_and_predicts_with_its_fitted_variant(digits):
    X, y = digits
    params = dict(random_state=1, **SMALL)
    alone = {}
    for variant in ("coteaching", "plus"):
        alone[variant] = CoTeachingClassifier(variant=variant, **params)
        for _ in range(2):
            alone[variant].partial_fit(X[:300], y[:300], classes=np.arange(10))
    # Interleaved epoch by epoch, as memorization_curve trains two methods.
    interleaved = {variant: CoTeachingClassifier(variant=variant, **params) for variant in alone}
    for _ in range(2):
        for clf in interleaved.values():
            clf.partial_fit(X[:300], y[:300], classes=np.arange(10))
    for variant in alone:
        np.testing.assert_array_equal(
            interleaved[variant].predict_proba(X[:50]), alone[variant].predict_proba(X[:50])
        )
    plus = interleaved["plus"]
    assert plus._network_pair() is not interleaved["coteaching"]._network_pair()
    # Co-teaching+ predicts with its first network, Co-teaching with the mean.
    pair = plus._network_pair()
    pair.load(plus._weights)
    first = _probabilities(pair, X[:50].reshape(-1, 8, 8, 1))[0]
    np.testing.assert_allclose(plus.predict_proba(X[:50]), first, rtol=1e-5, atol=1e-7)
    # set_params after fit: the fitted variant predicts and continues.
    proba = plus.predict_proba(X[:50])
    plus.set_params(variant="single", co_lambda=0.1, init_epoch=5)
    np.testing.assert_array_equal(plus.predict_proba(X[:50]), proba)
    plus.partial_fit(X[:300], y[:300])
    assert len(plus.history_["disagreement"]) == 3
    # The next fit is of the new variant.
    assert sorted(plus.fit(X[:300], y[:300]).history_) == ["loss"]
