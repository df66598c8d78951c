"""Tests for skmislabel/losses.py: the noise-robust Keras losses."""

import pytest

from skmislabel._compat import CNN_EXTRA_MESSAGE

pytest.importorskip("keras", reason=CNN_EXTRA_MESSAGE)

import inspect
import math
import subprocess
import sys

import keras
import numpy as np
import pandas as pd

from skmislabel.losses import (
    LOSSES,
    MIN_GCE_Q,
    ActivePassiveLoss,
    BackwardCorrectedCrossEntropy,
    EarlyLearningRegularizedCrossEntropy,
    ForwardCorrectedCrossEntropy,
    GeneralizedCrossEntropy,
    HardBootstrappingCrossEntropy,
    LabelSmoothingCrossEntropy,
    SoftBootstrappingCrossEntropy,
    SymmetricCrossEntropy,
    make_loss,
)

pytestmark = pytest.mark.cnn

EPSILON = keras.config.epsilon()

# Rows with a probability below epsilon (clipped), near 1, and spread out;
# labels on the large, the tiny and the middling probabilities.
PROBS = np.array(
    [
        [0.7, 0.1, 0.15, 0.05],
        [1e-9, 0.5, 0.25, 0.25],
        [1 - 3e-6, 1e-6, 1e-6, 1e-6],
        [1 - 3e-6, 1e-6, 1e-6, 1e-6],
        [0.25, 0.25, 0.25, 0.25],
        [0.1, 0.2, 0.3, 0.4],
    ],
    dtype=np.float32,
)
LABELS = np.array([0, 0, 0, 1, 2, 3])

TRANSITION = np.array(
    [
        [0.7, 0.1, 0.1, 0.1],
        [0.05, 0.8, 0.1, 0.05],
        [0.0, 0.2, 0.8, 0.0],
        [0.1, 0.0, 0.1, 0.8],
    ]
)


def _approx(expected):
    # float32 resolves 1 - 3e-6 to about 6e-8, so tiny losses carry an
    # absolute error of that order.
    return pytest.approx(expected, rel=1e-5, abs=1e-6)


# NumPy references, in float64, written from each loss's formula.
def _log(p):
    return np.log(np.clip(p, EPSILON, 1.0))


def _onehot(labels, n_classes):
    return np.eye(n_classes)[labels]


def _cross_entropy(labels, p):
    return -_log(p[np.arange(len(labels)), labels])


def _reverse_cross_entropy(labels, p, log_zero):
    log_onehot = np.where(_onehot(labels, p.shape[1]) == 1, 0.0, log_zero)
    return -(p * log_onehot).sum(axis=1)


def _reference_label_smoothing(labels, p, smoothing):
    target = (1 - smoothing) * _onehot(labels, p.shape[1]) + smoothing / p.shape[1]
    return -(target * _log(p)).sum(axis=1)


def _reference_bootstrap_soft(labels, p, beta):
    target = beta * _onehot(labels, p.shape[1]) + (1 - beta) * p
    return -(target * _log(p)).sum(axis=1)


def _reference_bootstrap_hard(labels, p, beta):
    predicted = p.argmax(axis=1)
    return beta * _cross_entropy(labels, p) + (1 - beta) * _cross_entropy(predicted, p)


def _reference_gce(labels, p, q):
    p_true = np.clip(p[np.arange(len(labels)), labels], EPSILON, 1.0)
    return (1 - p_true**q) / q


def _reference_sce(labels, p, alpha, beta, log_zero):
    return alpha * _cross_entropy(labels, p) + beta * _reverse_cross_entropy(labels, p, log_zero)


def _reference_nce_rce(labels, p, alpha, beta, log_zero):
    normalized = _cross_entropy(labels, p) / -_log(p).sum(axis=1)
    return alpha * normalized + beta * _reverse_cross_entropy(labels, p, log_zero)


def _reference_forward(labels, p, transition_matrix):
    return _cross_entropy(labels, p @ np.asarray(transition_matrix))


def _reference_backward(labels, p, transition_matrix):
    weights = np.linalg.inv(transition_matrix)[labels]
    return -(weights * _log(p)).sum(axis=1)


# Non-default parameters, so that a parameter that is ignored shows.
CASES = [
    pytest.param(
        LabelSmoothingCrossEntropy, {"smoothing": 0.2}, _reference_label_smoothing, id="ls"
    ),
    pytest.param(
        SoftBootstrappingCrossEntropy, {"beta": 0.9}, _reference_bootstrap_soft, id="soft"
    ),
    pytest.param(
        HardBootstrappingCrossEntropy, {"beta": 0.7}, _reference_bootstrap_hard, id="hard"
    ),
    pytest.param(GeneralizedCrossEntropy, {"q": 0.5}, _reference_gce, id="gce"),
    pytest.param(
        SymmetricCrossEntropy,
        {"alpha": 0.1, "beta": 2.0, "log_zero": -4.0},
        _reference_sce,
        id="sce",
    ),
    pytest.param(
        ActivePassiveLoss,
        {"alpha": 2.0, "beta": 0.5, "log_zero": math.log(1e-4)},
        _reference_nce_rce,
        id="nce_rce",
    ),
    pytest.param(
        ForwardCorrectedCrossEntropy,
        {"transition_matrix": TRANSITION.tolist()},
        _reference_forward,
        id="forward",
    ),
    pytest.param(
        BackwardCorrectedCrossEntropy,
        {"transition_matrix": TRANSITION.tolist()},
        _reference_backward,
        id="backward",
    ),
]

ALL_LOSSES = [
    LabelSmoothingCrossEntropy(),
    SoftBootstrappingCrossEntropy(),
    HardBootstrappingCrossEntropy(),
    GeneralizedCrossEntropy(),
    SymmetricCrossEntropy(),
    ActivePassiveLoss(),
    ForwardCorrectedCrossEntropy(TRANSITION),
    BackwardCorrectedCrossEntropy(TRANSITION),
]
LOSS_IDS = [type(loss).__name__ for loss in ALL_LOSSES]


def _keras_cross_entropy(labels, p):
    loss = keras.losses.SparseCategoricalCrossentropy(reduction="none")
    return np.asarray(loss(labels, p))


@pytest.mark.parametrize("loss_class, params, reference", CASES)
def test_loss_matches_its_formula_per_sample_and_in_the_mean(loss_class, params, reference):
    expected = reference(LABELS, PROBS.astype(np.float64), **params)
    per_sample = loss_class(**params, reduction="none")(LABELS, PROBS)
    assert np.asarray(per_sample) == _approx(expected)
    assert float(loss_class(**params)(LABELS, PROBS)) == _approx(expected.mean())


def test_gce_tends_to_cross_entropy_as_q_goes_to_0():
    # (1 - p^q) / q = -log p - q log(p)^2 / 2 + ...: a relative bias of
    # q |log p| / 2 (1e-3 at p = epsilon), plus float32's resolution of p^q
    # near 1 (6e-8) divided by q.
    gce = GeneralizedCrossEntropy(q=1e-4, reduction="none")(LABELS, PROBS)
    assert np.asarray(gce) == pytest.approx(_keras_cross_entropy(LABELS, PROBS), rel=2e-3, abs=1e-3)


@pytest.mark.parametrize("q", [1e-8, 1e-20])
def test_gce_with_a_tiny_q_is_the_cross_entropy(q):
    # In float32, (1 - p^q) / q is exactly 0 for q <= 1e-8: the stable form
    # -expm1(q log p) / q keeps the cross-entropy it tends to.
    gce = GeneralizedCrossEntropy(q=q, reduction="none")(LABELS, PROBS)
    assert np.asarray(gce) == _approx(_keras_cross_entropy(LABELS, PROBS))


def test_gce_at_the_smallest_q_is_finite_and_near_the_cross_entropy():
    gce = GeneralizedCrossEntropy(q=MIN_GCE_Q, reduction="none")(LABELS, PROBS)
    assert np.asarray(gce) == _approx(_keras_cross_entropy(LABELS, PROBS))
    with pytest.raises(ValueError, match="q must be at least"):
        GeneralizedCrossEntropy(q=MIN_GCE_Q / 2)


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=LOSS_IDS)
@pytest.mark.parametrize("bad_label", [4, -1])
def test_labels_outside_0_to_k_are_refused(loss, bad_label):
    tf = pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    labels = LABELS.copy()
    labels[2] = bad_label
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class labels in \[0, 4\)"):
        loss(labels, PROBS)


def test_labels_outside_0_to_k_are_refused_inside_a_compiled_model():
    tf = pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="softmax")])
    model.compile(loss=GeneralizedCrossEntropy(), optimizer="sgd")
    X = np.ones((8, 2), dtype=np.float32)
    model.fit(X, np.arange(8) % 4, epochs=1, verbose=0)  # in range: trains
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class labels in \[0, 4\)"):
        model.fit(X, np.arange(8) % 5, epochs=1, verbose=0)


def test_labels_outside_0_to_k_make_the_loss_nan_where_assertions_are_dropped():
    # XLA drops TensorFlow's assertions: the loss is NaN instead, never a
    # finite made-up number (CNNClassifier stops on a NaN loss).
    pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="softmax")])
    model.compile(loss=GeneralizedCrossEntropy(), optimizer="sgd", jit_compile=True)
    X = np.ones((8, 2), dtype=np.float32)
    assert np.isfinite(model.fit(X, np.arange(8) % 4, epochs=1, verbose=0).history["loss"][0])
    assert np.isnan(model.fit(X, np.arange(8) % 5, epochs=1, verbose=0).history["loss"][0])


CLASSES = np.array([3, 7, 11, 20])
TRANSITION_FRAME = pd.DataFrame(TRANSITION, index=CLASSES, columns=CLASSES)


@pytest.mark.parametrize(
    "loss_class", [ForwardCorrectedCrossEntropy, BackwardCorrectedCrossEntropy]
)
def test_a_dataframe_transition_matrix_is_aligned_by_its_labels(loss_class):
    shuffled = TRANSITION_FRAME.iloc[[2, 0, 3, 1], [1, 3, 0, 2]]
    loss = loss_class(shuffled, classes=CLASSES, reduction="none")
    np.testing.assert_array_equal(loss.transition_matrix, TRANSITION)
    expected = loss_class(TRANSITION, reduction="none")(LABELS, PROBS)
    np.testing.assert_array_equal(loss(LABELS, PROBS), expected)
    assert loss.get_config()["classes"] == CLASSES.tolist()
    # Without classes, the classes are the labels 0, ..., K - 1 the loss receives.
    by_code = pd.DataFrame(TRANSITION).iloc[::-1, ::-1]
    np.testing.assert_array_equal(loss_class(by_code).transition_matrix, TRANSITION)


@pytest.mark.parametrize(
    "transition_matrix, classes, err_msg",
    [
        (
            pd.DataFrame(TRANSITION, index=list("wxyz"), columns=list("wxyz")),
            CLASSES,
            r"lack \[3, 7, 11, 20\] and have unknown labels \['w', 'x', 'y', 'z'\]",
        ),
        (TRANSITION_FRAME, None, r"aligned to the classes \[0, 1, 2, 3\]"),
        (TRANSITION_FRAME.iloc[:3, :3], CLASSES[:3].tolist() + [5], r"lack \[5\]"),
        (TRANSITION_FRAME.iloc[[0, 1, 2, 2]], CLASSES, r"index \(true classes\) repeat labels"),
        (TRANSITION_FRAME, CLASSES[:3], r"unknown labels \[20\]"),
        (TRANSITION, CLASSES[:3], r"one row and column per class of classes \[3, 7, 11\]"),
        (TRANSITION, [3, 3, 7, 11], "distinct class labels"),
    ],
    ids=["labels x..z", "no classes", "missing", "repeated", "extra", "array size", "classes"],
)
def test_a_transition_matrix_that_does_not_fit_the_classes_is_refused(
    transition_matrix, classes, err_msg
):
    for loss_class in (ForwardCorrectedCrossEntropy, BackwardCorrectedCrossEntropy):
        with pytest.raises(ValueError, match=err_msg):
            loss_class(transition_matrix, classes=classes)


@pytest.mark.parametrize(
    "loss",
    [
        LabelSmoothingCrossEntropy(smoothing=0, reduction="none"),
        SoftBootstrappingCrossEntropy(beta=1, reduction="none"),
        HardBootstrappingCrossEntropy(beta=1, reduction="none"),
        ForwardCorrectedCrossEntropy(np.eye(4), reduction="none"),
        BackwardCorrectedCrossEntropy(np.eye(4), reduction="none"),
    ],
    ids=["smoothing=0", "soft beta=1", "hard beta=1", "forward T=I", "backward T=I"],
)
def test_limit_cases_are_keras_cross_entropy(loss):
    assert np.asarray(loss(LABELS, PROBS)) == _approx(_keras_cross_entropy(LABELS, PROBS))


def test_gce_with_q_1_is_one_minus_p_true():
    loss = GeneralizedCrossEntropy(q=1, reduction="none")
    expected = 1 - PROBS[np.arange(len(LABELS)), LABELS].astype(np.float64)
    assert np.asarray(loss(LABELS, PROBS)) == _approx(expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_correction_is_unbiased(seed):
    rng = np.random.default_rng(seed)
    n_classes = 4
    # Diagonally dominant, so well-conditioned.
    transition = 0.6 * np.eye(n_classes) + 0.4 * rng.dirichlet(np.ones(n_classes), n_classes)
    p = rng.dirichlet(np.ones(n_classes)).astype(np.float32)
    labels = np.arange(n_classes)
    loss = BackwardCorrectedCrossEntropy(transition, reduction="none")
    loss_per_label = np.asarray(loss(labels, np.tile(p, (n_classes, 1))), dtype=np.float64)
    # E[loss | true class i] = sum_j T[i, j] loss(label j) = -log p_i.
    assert transition @ loss_per_label == pytest.approx(-np.log(p), rel=1e-4)


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=LOSS_IDS)
def test_gradients_are_finite_where_probabilities_are_0_and_1(loss):
    tf = pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    # softmax in float32 gives exactly 1 and 0 here; the labels sit on both.
    logits = tf.Variable(
        [[100.0, -100.0, 0.0, 0.0], [100.0, -100.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    )
    labels = np.array([0, 1, 2])
    with tf.GradientTape() as tape:
        probabilities = tf.nn.softmax(logits)
        value = loss(labels, probabilities)
    gradient = tape.gradient(value, logits)
    assert probabilities.numpy()[0, 0] == 1 and probabilities.numpy()[0, 1] == 0
    assert np.isfinite(value.numpy())
    assert np.isfinite(gradient.numpy()).all()


def test_soft_bootstrapping_gradient_flows_through_the_prediction_in_the_target():
    tf = pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    beta, p = 0.6, np.array([[0.5, 0.3, 0.2]], dtype=np.float32)
    probabilities = tf.Variable(p)
    with tf.GradientTape() as tape:
        value = SoftBootstrappingCrossEntropy(beta=beta)(np.array([1]), probabilities)
    gradient = tape.gradient(value, probabilities).numpy()
    # d/dp_k of -sum_k (beta onehot_k + (1 - beta) p_k) log p_k; with the
    # target held constant the last term would be missing.
    onehot = np.array([[0.0, 1.0, 0.0]])
    expected = -(beta * onehot + (1 - beta) * p) / p - (1 - beta) * np.log(p)
    assert gradient == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=LOSS_IDS)
def test_labels_of_shape_n_or_n_1_and_any_dtype_give_the_same_loss(loss):
    expected = float(loss(LABELS, PROBS))
    for labels in (LABELS.reshape(-1, 1), LABELS.astype(np.float32), LABELS.tolist()):
        assert float(loss(labels, PROBS)) == expected


@pytest.mark.parametrize("loss_class, params, reference", CASES)
def test_get_config_round_trips_every_constructor_argument(loss_class, params, reference):
    loss = loss_class(**params, reduction="sum", name="my_loss")
    config = loss.get_config()
    arguments = set(inspect.signature(loss_class).parameters)
    assert arguments <= set(config)
    assert config["reduction"] == "sum" and config["name"] == "my_loss"
    restored = loss_class.from_config(config)
    assert restored.get_config() == config
    assert float(restored(LABELS, PROBS)) == float(loss(LABELS, PROBS))


def test_compiled_model_config_round_trips_and_trains():
    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(4, activation="softmax")(inputs)
    model = keras.Model(inputs, outputs)
    for loss in ALL_LOSSES:
        model.compile(optimizer="sgd", loss=loss)
        restored = keras.Model.from_config(model.get_config())
        restored.compile_from_config(model.get_compile_config())
        assert type(restored.loss) is type(loss)
        assert restored.loss.get_config() == loss.get_config()
    # The tiny check: the restored loss trains in a compiled (graph) step.
    X = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    y = np.arange(8) % 4
    assert np.isfinite(restored.train_on_batch(X, y))


def test_transition_matrix_is_kept_read_only_with_its_size():
    given = TRANSITION.copy()
    loss = BackwardCorrectedCrossEntropy(given)
    given[0, 0] = 0.5  # the loss keeps its own copy
    assert loss.n_classes == 4
    assert loss.transition_matrix[0, 0] == 0.7
    assert not loss.transition_matrix.flags.writeable
    assert ForwardCorrectedCrossEntropy([[0.9, 0.1], [0.2, 0.8]]).n_classes == 2


def test_make_loss_builds_every_named_loss():
    assert set(LOSSES) == {
        "label_smoothing",
        "bootstrap_soft",
        "bootstrap_hard",
        "gce",
        "sce",
        "nce_rce",
        "elr",
        "forward",
        "backward",
    }
    for name, loss_class in LOSSES.items():
        params = {"transition_matrix": TRANSITION} if name in ("forward", "backward") else {}
        assert type(make_loss(name, **params)) is loss_class
    assert make_loss("gce", q=0.3).q == 0.3
    assert type(make_loss("cross_entropy")) is keras.losses.SparseCategoricalCrossentropy


SINGULAR = [[0.5, 0.5], [0.5, 0.5]]


@pytest.mark.parametrize(
    "name, params, err_type, err_msg",
    [
        ("gce", {"q": 0}, ValueError, r"q must be a number in \(0, 1\]; got 0\."),
        ("gce", {"q": 1.5}, ValueError, r"q must be a number in \(0, 1\]; got 1\.5\."),
        ("gce", {"q": "a"}, TypeError, r"q must be a number in \(0, 1\]; got 'a'\."),
        ("gce", {"q": True}, TypeError, r"q must be a number in \(0, 1\]; got True\."),
        (
            "gce",
            {"q": 1e-300},
            ValueError,
            r"q must be at least 1\.97e-31 \(2\*\*-102\).*got 1e-300",
        ),
        (
            "label_smoothing",
            {"smoothing": -0.1},
            ValueError,
            r"smoothing must be a number in \[0, 1\]; got -0\.1\.",
        ),
        ("bootstrap_soft", {"beta": 1.2}, ValueError, r"beta must be a number in \[0, 1\]"),
        ("bootstrap_hard", {"beta": 1.2}, ValueError, r"beta must be a number in \[0, 1\]"),
        ("sce", {"alpha": -1}, ValueError, r"alpha must be a number in \[0, inf\); got -1\."),
        ("sce", {"alpha": 0, "beta": 0}, ValueError, "alpha and beta must not both be 0"),
        ("nce_rce", {"log_zero": 0}, ValueError, r"log_zero must be a number in \(-inf, 0\)"),
        (
            "forward",
            {"transition_matrix": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]},
            ValueError,
            r"transition_matrix must be a square matrix .* got shape \(2, 3\)\.",
        ),
        (
            "forward",
            {"transition_matrix": [[0.9, 0.1], [0.3, 0.6]]},
            ValueError,
            r"each row of transition_matrix must sum to 1 .* row 1 sums to 0\.9\.",
        ),
        (
            "forward",
            {"transition_matrix": [[1.1, -0.1], [0.0, 1.0]]},
            ValueError,
            r"entries must be probabilities in \[0, 1\]; got T\[0, 0\] = 1\.1\.",
        ),
        (
            "backward",
            {"transition_matrix": [[np.nan, 0.0], [0.0, 1.0]]},
            ValueError,
            r"transition_matrix must be finite; got T\[0, 0\] = nan\.",
        ),
        (
            "forward",
            {"transition_matrix": [["a", "b"], ["c", "d"]]},
            TypeError,
            "transition_matrix must be an array-like of numbers",
        ),
        (
            "backward",
            {"transition_matrix": SINGULAR},
            ValueError,
            r"singular or ill-conditioned .* T\^\{-1\} does not exist",
        ),
        (
            "mae",
            {},
            ValueError,
            r"loss must be one of 'cross_entropy', 'label_smoothing', 'bootstrap_soft', "
            r"'bootstrap_hard', 'gce', 'sce', 'nce_rce', 'elr', 'forward', 'backward'; got 'mae'\.",
        ),
        (
            "gce",
            {"beta": 0.5},
            TypeError,
            r"loss 'gce' has no parameter loss__beta; its parameters are loss__q\.",
        ),
        (
            "sce",
            {"q": 0.5},
            TypeError,
            r"its parameters are loss__alpha, loss__beta, loss__log_zero\.",
        ),
        (
            "cross_entropy",
            {"from_logits": True},
            TypeError,
            r"loss 'cross_entropy' has no parameter loss__from_logits; it takes no parameters",
        ),
    ],
    ids=[
        "q 0",
        "q 1.5",
        "q str",
        "q bool",
        "q 1e-300",
        "smoothing -0.1",
        "soft beta 1.2",
        "hard beta 1.2",
        "alpha negative",
        "alpha and beta 0",
        "log_zero 0",
        "T not square",
        "T row sum",
        "T negative",
        "T NaN",
        "T strings",
        "T singular",
        "unknown name",
        "unknown param",
        "param of another loss",
        "cross_entropy param",
    ],
)
def test_bad_input_is_rejected_with_a_message_naming_it(name, params, err_type, err_msg):
    with pytest.raises(err_type, match=err_msg):
        make_loss(name, **params)


def test_forward_accepts_the_singular_matrix_that_backward_rejects():
    assert ForwardCorrectedCrossEntropy(SINGULAR).n_classes == 2


def test_import_skmislabel_does_not_import_the_losses():
    code = (
        "import skmislabel, sys; "
        "assert 'skmislabel.losses' not in sys.modules and 'tensorflow' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------
# Early-learning regularization: a loss with a running target per sample
# --------------------------------------------------------------------------
def _reference_elr_step(targets, indices, labels, p, alpha, beta):
    """One call of the reference ``elr_loss.forward`` (shengliu66/ELR), in
    float64, on probabilities instead of logits: the targets it leaves and
    the per-sample losses. The cross-entropy is the package's clipped
    ``-log p_y`` (the reference takes it from the logits)."""
    targets = targets.copy()
    clamped = np.clip(p, 1e-4, 1 - 1e-4)
    targets[indices] = beta * targets[indices] + (1 - beta) * clamped / clamped.sum(
        axis=1, keepdims=True
    )
    regularizer = np.log(1 - (targets[indices] * clamped).sum(axis=1))
    return targets, _cross_entropy(labels, p) + alpha * regularizer


def _with_indices(labels, indices):
    return np.column_stack([labels, indices])


def test_elr_matches_the_reference_over_two_consecutive_calls():
    alpha, beta, n_samples = 2.5, 0.6, 9
    loss = EarlyLearningRegularizedCrossEntropy(alpha=alpha, beta=beta, reduction="none")
    loss.reset_targets(n_samples, 4)
    expected_targets = np.zeros((n_samples, 4))
    # The second batch sees samples 3, 0 and 5 again, in other rows, and
    # three new ones; the first call's targets must carry over.
    batches = [
        (np.array([3, 0, 5, 1, 7, 2]), LABELS, PROBS),
        (np.array([5, 3, 6, 4, 0, 8]), LABELS[::-1], np.roll(PROBS, 2, axis=1)),
    ]
    for indices, labels, probabilities in batches:
        expected_targets, expected = _reference_elr_step(
            expected_targets, indices, labels, probabilities.astype(np.float64), alpha, beta
        )
        per_sample = loss(_with_indices(labels, indices), probabilities)
        assert np.asarray(per_sample) == _approx(expected)
        assert loss.targets == pytest.approx(expected_targets, rel=1e-5, abs=1e-7)
    # The samples never seen keep their zero targets.
    seen = np.unique(np.concatenate([indices for indices, _, _ in batches]))
    assert not np.delete(loss.targets, seen, axis=0).any()


def test_elr_with_beta_0_targets_the_last_prediction_and_with_alpha_0_is_cross_entropy():
    loss = EarlyLearningRegularizedCrossEntropy(alpha=0.0, beta=0.0, reduction="none")
    loss.reset_targets(len(LABELS), 4)
    y_true = _with_indices(LABELS, np.arange(len(LABELS))[::-1])
    for probabilities in (np.roll(PROBS, 1, axis=1), PROBS):
        values = loss(y_true, probabilities)
    assert np.asarray(values) == _approx(_keras_cross_entropy(LABELS, PROBS))
    clamped = np.clip(PROBS.astype(np.float64), 1e-4, 1 - 1e-4)
    last = (clamped / clamped.sum(axis=1, keepdims=True))[::-1]
    assert loss.targets == pytest.approx(last, rel=1e-6)


def test_elr_targets_are_reset_and_set():
    loss = EarlyLearningRegularizedCrossEntropy()
    assert loss.targets is None
    loss.reset_targets(3, 4)
    loss(_with_indices(LABELS[:3], [0, 1, 2]), PROBS[:3])
    assert loss.targets.any()
    loss.reset_targets(5, 4)  # another training set: a new size, all zero
    np.testing.assert_array_equal(loss.targets, np.zeros((5, 4)))
    saved = np.random.default_rng(0).dirichlet(np.ones(4), 5).astype(np.float32)
    loss.set_targets(saved)
    np.testing.assert_array_equal(loss.targets, saved)
    saved[0] = 0  # the loss keeps its own copy
    assert loss.targets[0].any()


def test_elr_trains_in_a_compiled_model_and_its_config_leaves_the_targets_behind():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(inputs))
    loss = EarlyLearningRegularizedCrossEntropy(alpha=1.0, beta=0.5)
    model.compile(optimizer="sgd", loss=loss)
    X = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    y_true = _with_indices(np.arange(8) % 4, np.arange(8))
    loss.reset_targets(8, 4)
    assert np.isfinite(model.train_on_batch(X, y_true))
    first = loss.targets
    assert first.sum(axis=1) == pytest.approx(np.full(8, 0.5), rel=1e-6)
    # The traced step updates the same variable, a new size included.
    model.train_on_batch(X, y_true)
    assert loss.targets.sum(axis=1) == pytest.approx(np.full(8, 0.75), rel=1e-6)
    loss.reset_targets(10, 4)
    model.train_on_batch(X[:2], _with_indices([0, 1], [9, 8]))
    assert loss.targets[8:].sum(axis=1) == pytest.approx([0.5, 0.5], rel=1e-6)
    restored = keras.Model.from_config(model.get_config())
    restored.compile_from_config(model.get_compile_config())
    assert restored.loss.get_config() == loss.get_config()
    assert restored.loss.targets is None


def test_elr_gradients_are_finite_where_probabilities_are_0_and_1():
    tf = pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    logits = tf.Variable(
        [[100.0, -100.0, 0.0, 0.0], [100.0, -100.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    )
    loss = EarlyLearningRegularizedCrossEntropy()
    loss.reset_targets(3, 4)
    for _ in range(3):  # targets near the confident predictions
        with tf.GradientTape() as tape:
            value = loss(_with_indices([0, 1, 2], [0, 1, 2]), tf.nn.softmax(logits))
        gradient = tape.gradient(value, logits)
        assert np.isfinite(value.numpy())
        assert np.isfinite(gradient.numpy()).all()


@pytest.mark.parametrize(
    "params, err_type, err_msg",
    [
        ({"alpha": -1}, ValueError, r"alpha must be a number in \[0, inf\); got -1\."),
        ({"alpha": "3"}, TypeError, r"alpha must be a number in \[0, inf\); got '3'\."),
        ({"beta": 1}, ValueError, r"beta must be a number in \[0, 1\); got 1\."),
        ({"beta": -0.1}, ValueError, r"beta must be a number in \[0, 1\); got -0\.1\."),
        ({"beta": True}, TypeError, r"beta must be a number in \[0, 1\); got True\."),
        (
            {"lambda_": 3},
            TypeError,
            r"loss 'elr' has no parameter loss__lambda_; its parameters are loss__alpha, "
            r"loss__beta\.",
        ),
    ],
    ids=["alpha negative", "alpha str", "beta 1", "beta negative", "beta bool", "lambda_"],
)
def test_elr_bad_parameters_are_refused_naming_them(params, err_type, err_msg):
    with pytest.raises(err_type, match=err_msg):
        make_loss("elr", **params)


def test_elr_bad_input_is_refused():
    tf = pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    loss = EarlyLearningRegularizedCrossEntropy()
    with pytest.raises(ValueError, match=r"no targets yet: call reset_targets"):
        loss(_with_indices(LABELS, np.arange(6)), PROBS)
    for n_samples, n_classes, name in [
        (0, 4, "n_samples"),
        (6, 1, "n_classes"),
        (2.5, 4, "n_samples"),
    ]:
        with pytest.raises(ValueError, match=f"{name} must be an int in"):
            loss.reset_targets(n_samples, n_classes)
    loss.reset_targets(6, 4)
    with pytest.raises(ValueError, match=r"y_true of shape \(n, 2\).*got shape \(6,\)"):
        loss(LABELS, PROBS)
    with pytest.raises(ValueError, match="targets have 4 classes but y_pred has 3 columns"):
        loss(_with_indices(LABELS % 3, np.arange(6)), PROBS[:, :3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"sample indices in \[0, n_samples\)"):
        loss(_with_indices(LABELS, np.arange(1, 7)), PROBS)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class labels in \[0, 4\)"):
        loss(_with_indices(LABELS + 1, np.arange(6)), PROBS)
