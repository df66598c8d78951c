"""Tests for skmislabel/cnn.py: the lesson's CNN as a scikit-learn classifier."""

import pytest

from skmislabel._compat import CNN_EXTRA_MESSAGE

pytest.importorskip("scikeras", reason=CNN_EXTRA_MESSAGE)
pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)

import pickle
import random
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, clone, is_classifier
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv, cross_val_score
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmislabel import (
    CNNClassifier,
    LabelNoiseInjector,
    _keras_runtime,
    flip_labels,
    make_pipeline,
)
from skmislabel.cnn import clear_network_cache

pytestmark = pytest.mark.cnn

SMALL = dict(filters=8, dense_units=32, epochs=2, learning_rate=3e-3)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def test_is_a_classifier_with_stratified_cv_and_right_tags():
    clf = CNNClassifier()
    assert is_classifier(clf)
    assert isinstance(
        check_cv(5, np.arange(20) % 2, classifier=is_classifier(clf)), StratifiedKFold
    )
    tags = get_tags(clf)
    assert tags.estimator_type == "classifier"
    assert tags.input_tags.sparse is False
    assert tags.non_deterministic is True
    assert get_tags(CNNClassifier(random_state=0)).non_deterministic is False
    # The mixin precedes the SciKeras base, as scikit-learn requires.
    assert type(clf).__mro__[1] is ClassifierMixin


def test_defaults_are_the_lessons_model(digits):
    X, y = digits
    clf = CNNClassifier(epochs=1, random_state=0).fit(X[:200], y[:200])
    layers = [layer.__class__.__name__ for layer in clf.model_.layers]
    assert layers == ["InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"]
    conv, dense, output = clf.model_.layers[1], clf.model_.layers[4], clf.model_.layers[5]
    assert conv.filters == 32 and conv.kernel_size == (3, 3)
    assert dense.units == 128 and output.units == 10
    assert clf.model_.loss == "sparse_categorical_crossentropy"
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(1e-3)
    assert type(clf.model_.optimizer).__name__ == "Adam"
    params = CNNClassifier().get_params()
    assert (params["epochs"], params["batch_size"]) == (5, 32)


def test_fit_predict_attributes_and_string_labels(digits):
    X, y = digits
    labels = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )[y]
    clf = CNNClassifier(**SMALL, random_state=0).fit(X[:1000], labels[:1000])
    assert clf.n_features_in_ == 64 and clf.image_shape_ == (8, 8, 1)
    assert clf.n_classes_ == 10 and set(clf.classes_) == set(labels)
    proba = clf.predict_proba(X[1000:])
    assert proba.shape == (len(X) - 1000, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X[1000:]), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X[1000:], labels[1000:]) > 0.7
    assert len(clf.history_["loss"]) == 2


@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 1)], ids=["3-D", "4-D"])
def test_image_arrays_are_accepted(digits, shape):
    X, y = digits
    images = X[:300].reshape((300,) + shape)
    clf = CNNClassifier(**SMALL, random_state=0).fit(images, y[:300])
    assert clf.image_shape_ == (8, 8, 1) and clf.n_features_in_ == 64
    np.testing.assert_array_equal(clf.predict(images), clf.predict(X[:300]))


# The shape rules themselves are tested without TensorFlow in
# test_image_shape.py; these check that fit raises them.
BAD_IMAGE_SHAPES = [
    (dict(), 10, "image_shape=None infers a square one-channel image, but X has 10"),
    (dict(image_shape=(-1, -1)), 16, "at most one of them -1"),
    (dict(n_conv_blocks=3), 64, "too small for n_conv_blocks=3"),
]


@pytest.mark.parametrize(
    "params, n_features, message",
    BAD_IMAGE_SHAPES,
    ids=["not-square", "two-minus-ones", "too-small"],
)
def test_bad_image_shapes_name_the_parameter(params, n_features, message):
    X = np.random.default_rng(0).random((20, n_features))
    with pytest.raises(ValueError, match=message):
        CNNClassifier(epochs=1, **params).fit(X, np.arange(20) % 2)


def test_image_shape_with_minus_one(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, image_shape=(4, -1), kernel_size=(1, 3), random_state=0).fit(
        X[:100], y[:100]
    )
    assert clf.image_shape_ == (4, 16, 1)


def test_bad_input_errors(digits):
    X, y = digits
    with pytest.raises(TypeError, match="does not accept sparse input"):
        CNNClassifier(epochs=1).fit(sp.csr_matrix(X[:50]), y[:50])
    clf = CNNClassifier(**SMALL, random_state=0).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="X has 49 features, but CNNClassifier is expecting 64"):
        clf.predict(X[:5, :49])
    with pytest.raises(ValueError, match="Unknown label type"):
        CNNClassifier(epochs=1).fit(X[:50], np.linspace(0, 1, 50))
    one_of_class_9 = y[:50] % 5
    one_of_class_9[0] = 9
    with pytest.raises(ValueError, match="at least 2 samples of every class; class 9 has 1"):
        CNNClassifier(epochs=1, early_stopping=True).fit(X[:50], one_of_class_9)
    with pytest.raises(ValueError, match="cannot hold out validation_fraction=0.05 of the 50"):
        CNNClassifier(epochs=1, early_stopping=True, validation_fraction=0.05).fit(
            X[:50], y[:50] % 5
        )
    with pytest.raises(ValueError, match="'validation_fraction' parameter"):
        CNNClassifier(epochs=1, early_stopping=True, validation_fraction=1.0).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="'dropout' parameter"):
        CNNClassifier(dropout=1.0).fit(X[:50], y[:50])


def test_dataframe_input_records_feature_names(digits):
    X, y = digits
    frame = pd.DataFrame(X[:200], columns=[f"px{i}" for i in range(64)])
    clf = CNNClassifier(**SMALL, random_state=0).fit(frame, y[:200])
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        clf.predict(X[:5])


def test_early_stopping_on_held_out_noisy_labels_restores_the_best_epoch(digits):
    X, y = digits
    noisy, _ = flip_labels(y[:400], noise_rate=0.5, random_state=0)
    params = dict(**{**SMALL, "epochs": 30}, early_stopping=True, random_state=0)
    clf = CNNClassifier(**params, n_iter_no_change=2).fit(X[:400], noisy)
    scores = clf.validation_scores_
    best_epoch = int(np.argmax(scores))
    assert clf.best_validation_score_ == max(scores)
    # Stopped 2 epochs after the best one, long before 30.
    assert clf.n_iter_ == len(scores) == best_epoch + 1 + 2 < 30
    assert len(clf.history_["loss"]) == clf.n_iter_
    # The weights are the best epoch's: what a fit stopped there ends with.
    short = CNNClassifier(**{**params, "epochs": best_epoch + 1}).fit(X[:400], noisy)
    assert short.validation_scores_ == scores[: best_epoch + 1]
    np.testing.assert_array_equal(short.predict_proba(X[400:]), clf.predict_proba(X[400:]))


def test_without_early_stopping_every_epoch_runs_and_no_score_is_kept(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, random_state=0).fit(X[:100], y[:100])
    assert clf.n_iter_ == SMALL["epochs"]
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    clf.set_params(warm_start=True).fit(X[:100], y[:100])
    assert clf.n_iter_ == 2 * SMALL["epochs"]
    clf.partial_fit(X[:100], y[:100])
    assert clf.n_iter_ == 2 * SMALL["epochs"] + 1


# --------------------------------------------------------------------------
# Reproducibility without side effects
# --------------------------------------------------------------------------
def test_seeded_fits_are_identical_and_unseeded_differ(digits):
    X, y = digits
    first = CNNClassifier(**SMALL, dropout=0.3, random_state=7).fit(X[:600], y[:600])
    second = clone(first).fit(X[:600], y[:600])
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    other_seed = CNNClassifier(**SMALL, dropout=0.3, random_state=8).fit(X[:600], y[:600])
    assert not np.array_equal(first.predict_proba(X), other_seed.predict_proba(X))
    unseeded = [CNNClassifier(**SMALL).fit(X[:600], y[:600]).predict_proba(X) for _ in range(2)]
    assert not np.array_equal(*unseeded)


def _fit_in_subprocess_code(seed):
    return textwrap.dedent(
        f"""
        import hashlib, numpy as np
        from sklearn.datasets import load_digits
        from skmislabel import CNNClassifier
        X, y = load_digits(return_X_y=True)
        X = (X / 16).astype(np.float32)
        clf = CNNClassifier(filters=8, dense_units=32, epochs=2, learning_rate=3e-3,
                            dropout=0.3, random_state={seed}).fit(X[:600], y[:600])
        print(hashlib.sha256(clf.predict_proba(X).tobytes()).hexdigest())
        """
    )


def test_seeded_fit_is_identical_across_processes(digits):
    import hashlib

    X, y = digits
    clf = CNNClassifier(**SMALL, dropout=0.3, random_state=7).fit(X[:600], y[:600])
    here = hashlib.sha256(clf.predict_proba(X).tobytes()).hexdigest()
    there = subprocess.run(
        [sys.executable, "-c", _fit_in_subprocess_code(7)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    assert there == here


def test_seeding_leaves_no_global_state(digits):
    import keras

    X, y = digits
    random.seed(123)
    np.random.seed(123)
    python_expected, numpy_expected = random.random(), np.random.random()
    random.seed(123)
    np.random.seed(123)
    CNNClassifier(**SMALL, random_state=0).fit(X[:200], y[:200])
    assert random.random() == python_expected
    assert np.random.random() == numpy_expected
    from tensorflow.python.framework import config

    assert not config.is_op_determinism_enabled()
    # An unseeded plain Keras fit with random ops still works afterwards
    # (with SciKeras's own seeding it fails: determinism stays on).
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X[:64], y[:64], epochs=1, verbose=0)


def test_pickle_clone_and_html_repr(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, random_state=0).fit(X[:300], y[:300])
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    cloned = clone(clf)
    assert cloned.get_params() == clf.get_params() and not hasattr(cloned, "model_")
    assert "CNNClassifier" in clf._repr_html_()
    assert repr(CNNClassifier(filters=8)) == "CNNClassifier(filters=8)"


def test_routed_scikeras_parameters_still_work(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, optimizer__beta_1=0.5, random_state=0)
    assert clf.get_params()["optimizer__beta_1"] == 0.5
    clf.fit(X[:200], y[:200])
    assert float(clf.model_.optimizer.beta_1) == 0.5
    clf.set_params(optimizer__learning_rate=0.123)
    clf.fit(X[:200], y[:200])
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.123)


def test_warm_start_and_partial_fit_continue_training(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, warm_start=True, random_state=0).fit(X[:500], y[:500])
    cold_losses = list(clf.history_["loss"])
    clf.fit(X[:500], y[:500])
    # SciKeras restarts history_ on every fit; the weights carry on.
    assert clf.history_["loss"][0] < cold_losses[-1]
    assert clf.score(X[:500], y[:500]) > 0.5
    partial = CNNClassifier(**SMALL, random_state=0)
    partial.partial_fit(X[:500], y[:500], classes=np.arange(10))
    partial.partial_fit(X[:500], y[:500])
    assert len(partial.history_["loss"]) == 2


def test_equal_architectures_share_one_training_network(digits):
    X, y = digits
    first = CNNClassifier(**SMALL, random_state=0).fit(X[:200], y[:200])
    second = CNNClassifier(**SMALL, random_state=1).fit(X[:200], y[:200])
    assert first.model_ is not second.model_
    shared = _keras_runtime.shared_network_for
    assert shared(first.model_) is shared(second.model_)
    # Each estimator keeps its own weights: the second fit did not change the first.
    assert not np.array_equal(first.predict_proba(X), second.predict_proba(X))
    refit = clone(first).fit(X[:200], y[:200])
    np.testing.assert_array_equal(refit.predict_proba(X), first.predict_proba(X))


def test_clear_network_cache_keeps_fitted_estimators_working(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, random_state=0).fit(X[:200], y[:200])
    before = clf.predict_proba(X)
    network = _keras_runtime.shared_network_for(clf.model_)
    assert clear_network_cache() >= 1
    assert clear_network_cache() == 0
    # A new shared network is built on demand; the estimator's own weights
    # give the same predictions, and a refit the same model.
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert _keras_runtime.shared_network_for(clf.model_) is not network
    refit = clone(clf).fit(X[:200], y[:200])
    np.testing.assert_array_equal(refit.predict_proba(X), before)


def test_tf_threads_applies_in_a_fresh_process():
    code = textwrap.dedent(
        """
        import warnings
        from skmislabel.cnn import set_tensorflow_threads
        import tensorflow as tf
        print(set_tensorflow_threads(1))
        tf.constant(1.0) + 1  # starts the runtime
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            print(set_tensorflow_threads(2), len(caught))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert output[-3:] == ["True", "False", "1"]


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_tf_threads_applies_to_fit_and_partial_fit_in_a_fresh_process(method):
    # partial_fit used to leave TensorFlow's default thread pools: two
    # benchmark workers training epoch by epoch then shared 2 cores 4 ways.
    code = textwrap.dedent(
        f"""
        import warnings
        warnings.simplefilter("error", RuntimeWarning)
        import numpy as np
        import tensorflow as tf
        from skmislabel import CNNClassifier
        rng = np.random.default_rng(0)
        X, y = rng.random((40, 8, 8)), np.arange(40) % 2
        clf = CNNClassifier(filters=2, dense_units=4, epochs=1, tf_threads=1, random_state=0)
        getattr(clf, "{method}")(X, y)
        getattr(clf, "{method}")(X, y)
        print(tf.config.threading.get_intra_op_parallelism_threads(),
              tf.config.threading.get_inter_op_parallelism_threads())
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert output[-2:] == ["1", "1"]


# --------------------------------------------------------------------------
# In pipelines
# --------------------------------------------------------------------------
def test_pipeline_cross_val_score_is_stratified(digits):
    X, y = digits
    pipe = make_pipeline(
        LabelNoiseInjector(noise_rate=0.1, random_state=0),
        CNNClassifier(**{**SMALL, "epochs": 4}, random_state=0),
    )
    assert is_classifier(pipe)
    scores = cross_val_score(pipe, X[:900], y[:900], cv=3)
    assert scores.shape == (3,) and scores.min() > 0.6


def test_grid_search_over_noise_rate_and_dropout(digits):
    X, y = digits
    pipe = make_pipeline(
        LabelNoiseInjector(random_state=0), CNNClassifier(**{**SMALL, "epochs": 3}, random_state=0)
    )
    search = GridSearchCV(
        pipe,
        {"labelnoiseinjector__noise_rate": [0.0, 0.6], "cnnclassifier__dropout": [0.0, 0.2]},
        cv=2,
    ).fit(X[:800], y[:800])
    results = pd.DataFrame(search.cv_results_["params"]).assign(
        score=search.cv_results_["mean_test_score"]
    )
    clean = results[results["labelnoiseinjector__noise_rate"] == 0.0]["score"].mean()
    noisy = results[results["labelnoiseinjector__noise_rate"] == 0.6]["score"].mean()
    assert clean > noisy


# --------------------------------------------------------------------------
# The lesson's experiment (minutes): pytest -m slow
# --------------------------------------------------------------------------
@pytest.mark.slow
def test_lesson_clean_accuracy_and_noise_hurts():
    from skmislabel import flip_labels
    from skmislabel.datasets import load_mnist

    X_train, y_train = load_mnist(subset="train", return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    clean, noisy = [], []
    for seed in range(3):
        clf = CNNClassifier(random_state=seed)
        clean.append(clf.fit(X_train, y_train).score(X_test, y_test))
        y_noisy, _ = flip_labels(y_train, noise_rate=0.1, random_state=seed)
        noisy.append(clf.fit(X_train, y_noisy).score(X_test, y_test))
    assert min(clean) >= 0.96
    assert np.mean(noisy) < np.mean(clean)


def test_loss_turning_nan_raises_naming_the_input_scale(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, random_state=0)
    with pytest.raises(ValueError, match="loss became nan in epoch 1.*badly scaled input"):
        clf.fit(X[:300] * 1e30, y[:300])
    # Nothing half-trained is left to predict with.
    with pytest.raises(Exception, match="not fitted"):
        clf.predict(X[:5])
    # The same estimator (and the shared network) trains normally afterwards.
    assert clf.fit(X[:300], y[:300]).score(X[:300], y[:300]) > 0.5


# --------------------------------------------------------------------------
# --------------------------------------------------------------------------
# scikit-learn's estimator checks of the corrected loss with T estimated in
# fit (the plain CNN's are in test_common.py, whose settings these reuse)
# --------------------------------------------------------------------------
from test_common import CNN_EXPECTED_FAILURES, SMALL_NETWORK  # noqa: E402

SMALL_CNN_ESTIMATED_T = CNNClassifier(
    **SMALL_NETWORK, loss="forward", loss__transition_matrix="estimate"
)
ROUTED_PARAMETER_FAILURES = {
    "check_no_attributes_set_in_init": (
        "routed loss__ parameters are SciKeras's **kwargs, stored in __init__ but not "
        "in the signature this check reads"
    ),
}


@parametrize_with_checks(
    [SMALL_CNN_ESTIMATED_T],
    expected_failed_checks=lambda _: {**CNN_EXPECTED_FAILURES, **ROUTED_PARAMETER_FAILURES},
)
def test_sklearn_estimator_checks_with_an_estimated_transition_matrix(estimator, check):
    check(estimator)


# The loss parameter: noise-robust losses and loss correction
# --------------------------------------------------------------------------
def test_default_loss_compiles_keras_cross_entropy_unchanged(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, random_state=0).fit(X[:300], y[:300])
    assert clf.model_.loss == "sparse_categorical_crossentropy"
    explicit = CNNClassifier(**SMALL, loss="cross_entropy", random_state=0).fit(X[:300], y[:300])
    np.testing.assert_array_equal(explicit.predict_proba(X), clf.predict_proba(X))
    assert not hasattr(clf, "transition_matrix_")


@pytest.mark.parametrize(
    "loss, params, loss_class",
    [
        ("label_smoothing", {"loss__smoothing": 0.2}, "LabelSmoothingCrossEntropy"),
        ("bootstrap_soft", {}, "SoftBootstrappingCrossEntropy"),
        ("bootstrap_hard", {"loss__beta": 0.7}, "HardBootstrappingCrossEntropy"),
        ("gce", {"loss__q": 0.5}, "GeneralizedCrossEntropy"),
        ("sce", {}, "SymmetricCrossEntropy"),
        ("nce_rce", {"loss__beta": 5.0}, "ActivePassiveLoss"),
        ("elr", {"loss__alpha": 1.0, "loss__beta": 0.9}, "EarlyLearningRegularizedCrossEntropy"),
    ],
)
def test_robust_losses_train_with_their_routed_parameters(digits, loss, params, loss_class):
    X, y = digits
    clf = CNNClassifier(**{**SMALL, "epochs": 3}, loss=loss, random_state=0, **params)
    clf.fit(X[:600], y[:600])
    assert type(clf.model_.loss).__name__ == loss_class
    for name, value in params.items():
        assert getattr(clf.model_.loss, name.removeprefix("loss__")) == value
    assert clf.score(X[600:900], y[600:900]) > 0.3
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X[:20]), clf.predict_proba(X[:20]))


def test_loss_hyperparameters_are_searchable(digits):
    X, y = digits
    search = GridSearchCV(
        make_pipeline(LabelNoiseInjector(0.3, random_state=0), CNNClassifier(**SMALL, loss="gce")),
        {"cnnclassifier__loss__q": [0.3, 0.9]},
        cv=2,
    ).fit(X[:400], y[:400])
    assert search.best_params_["cnnclassifier__loss__q"] in (0.3, 0.9)
    assert search.best_estimator_[-1].model_.loss.q == search.best_params_["cnnclassifier__loss__q"]


@pytest.mark.parametrize("loss", ["forward", "backward"])
def test_known_transition_matrix_is_used_and_exposed(digits, loss):
    X, y = digits
    injector = LabelNoiseInjector(0.3, random_state=0)
    _, y_noisy = injector.fit_resample(X[:600], y[:600])
    transition_matrix = injector.transition_matrix_
    clf = CNNClassifier(
        **SMALL, loss=loss, loss__transition_matrix=transition_matrix, random_state=0
    ).fit(X[:600], y_noisy)
    np.testing.assert_array_equal(clf.transition_matrix_, transition_matrix)
    np.testing.assert_allclose(clf.model_.loss.transition_matrix, transition_matrix)
    # Identity T is plain cross-entropy.
    identity = CNNClassifier(
        **SMALL, loss=loss, loss__transition_matrix=np.eye(10), random_state=0
    ).fit(X[:300], y[:300])
    plain = CNNClassifier(**SMALL, random_state=0).fit(X[:300], y[:300])
    np.testing.assert_allclose(
        identity.predict_proba(X[:50]), plain.predict_proba(X[:50]), atol=1e-4
    )


def _count_network_fits(monkeypatch):
    """The number of networks trained (CNNClassifier._fit_keras_model calls)."""
    calls = []
    fit_keras_model = CNNClassifier._fit_keras_model

    def counting(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return fit_keras_model(self, *args, **kwargs)

    monkeypatch.setattr(CNNClassifier, "_fit_keras_model", counting)
    return calls


def test_estimated_transition_matrix_is_estimate_noises(digits, monkeypatch):
    from skmislabel.noise import estimate_noise

    X, y = digits
    injector = LabelNoiseInjector(0.3, random_state=1)
    _, y_noisy = injector.fit_resample(X[:1000], y[:1000])
    fits = _count_network_fits(monkeypatch)
    clf = CNNClassifier(
        **{**SMALL, "epochs": 1}, loss="forward", loss__transition_matrix="estimate", random_state=2
    ).fit(X[:1000], y_noisy)
    # One network, the corrected one: no cross-entropy network is trained first.
    assert fits == ["CNNClassifier"]
    expected = estimate_noise(X[:1000], y_noisy, random_state=2)
    np.testing.assert_allclose(clf.transition_matrix_, expected.transition_matrix, atol=1e-6)
    np.testing.assert_allclose(clf.model_.loss.transition_matrix, clf.transition_matrix_)
    assert clf.noise_estimate_.method == "hoc"
    np.testing.assert_array_equal(clf.noise_estimate_.transition_matrix, expected.transition_matrix)
    # ... and the estimate is close to the truth.
    assert np.abs(clf.transition_matrix_ - injector.transition_matrix_).mean() < 0.05
    assert clf.get_params()["loss__transition_matrix"] == "estimate"
    # A given T: no estimate.
    given = clone(clf).set_params(loss__transition_matrix=injector.transition_matrix_)
    assert given.fit(X[:200], y_noisy[:200]).noise_estimate_ is None
    assert CNNClassifier(**{**SMALL, "epochs": 1}).fit(X[:100], y[:100]).noise_estimate_ is None


def test_estimate_with_another_method_estimator_and_percentile(digits, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    from skmislabel.noise import estimate_noise

    X, y = _three_classes(digits, 240)
    y_noisy, _ = flip_labels(y, noise_rate=0.2, random_state=0)
    model = LogisticRegression(max_iter=200)
    fits = _count_network_fits(monkeypatch)
    clf = CNNClassifier(
        **{**SMALL, "epochs": 1},
        loss="backward",
        loss__transition_matrix="estimate",
        loss__estimation_method="anchors",
        loss__noise_estimator=model,
        loss__percentile=90,
        random_state=np.random.RandomState(4),
    ).fit(X, y_noisy)
    assert fits == ["CNNClassifier"]
    # A RandomState instance gives the estimate one int drawn from it.
    from skmislabel._random import draw_seed

    seed = draw_seed(np.random.RandomState(4))
    expected = estimate_noise(X, y_noisy, model, method="anchors", percentile=90, random_state=seed)
    assert clf.noise_estimate_.method == "anchors"
    np.testing.assert_allclose(clf.transition_matrix_, expected.transition_matrix, atol=1e-6)
    # Labelled by the classes 3, 7, 11 and aligned to classes_.
    np.testing.assert_array_equal(clf.noise_estimate_.classes, clf.classes_)
    assert not hasattr(model, "coef_")  # the user's model is not fitted in place


def test_estimate_with_an_early_stopped_cnn_as_the_noise_estimator(digits, monkeypatch):
    X, y = _three_classes(digits, 150)
    y_noisy, _ = flip_labels(y, noise_rate=0.2, random_state=0)
    fits = _count_network_fits(monkeypatch)
    early = CNNClassifier(**SMALL, early_stopping=True, n_iter_no_change=1)
    clf = CNNClassifier(
        **{**SMALL, "epochs": 1},
        loss="forward",
        loss__transition_matrix="estimate",
        loss__estimation_method="anchors",
        loss__noise_estimator=early,
        random_state=0,
    ).fit(X, y_noisy)
    # estimate_noise's 5 out-of-fold networks, then the corrected one.
    assert len(fits) == 6
    assert clf.transition_matrix_.shape == (3, 3)
    np.testing.assert_allclose(clf.transition_matrix_.sum(axis=1), 1, atol=1e-6)
    assert "loss__noise_estimator__filters" not in clone(clf).get_params(deep=False)
    # Clones and pickles with the estimate.
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(
        restored.noise_estimate_.transition_matrix, clf.transition_matrix_
    )
    np.testing.assert_array_equal(restored.predict_proba(X[:20]), clf.predict_proba(X[:20]))


def test_partial_fit_estimates_on_its_first_call(digits, monkeypatch):
    from skmislabel.noise import estimate_noise

    X, y = digits
    y_noisy, _ = flip_labels(y[:400], noise_rate=0.2, random_state=0)
    clf = CNNClassifier(**SMALL, loss="forward", loss__transition_matrix="estimate", random_state=3)
    clf.partial_fit(X[:400], y_noisy)
    first = clf.transition_matrix_
    np.testing.assert_allclose(
        first, estimate_noise(X[:400], y_noisy, random_state=3).transition_matrix, atol=1e-6
    )
    clf.partial_fit(X[:200], y_noisy[:200])
    np.testing.assert_array_equal(clf.transition_matrix_, first)


def test_partial_fit_epochs_are_seeded(digits):
    X, y = digits
    runs = []
    for _ in range(2):
        clf = CNNClassifier(**SMALL, dropout=0.3, random_state=5)
        for _ in range(3):
            clf.partial_fit(X[:400], y[:400], classes=np.arange(10))
        runs.append(clf.predict_proba(X[:50]))
    np.testing.assert_array_equal(*runs)


SINGULAR = np.full((10, 10), 0.1)
NOT_STOCHASTIC = np.eye(10) * 0.9


@pytest.mark.parametrize(
    "params, err_type, message",
    [
        ({"loss": "gcx"}, ValueError, "'loss' parameter of CNNClassifier must be a str among"),
        ({"loss": "gce", "loss__q": 1.5}, ValueError, r"q must be a number in \(0, 1\]"),
        ({"loss": "gce", "loss__q": 0}, ValueError, r"q must be a number in \(0, 1\]"),
        ({"loss": "gce", "loss__beta": 1}, TypeError, "no parameter loss__beta"),
        (
            {"loss": "elr", "loss__beta": 1.0},
            ValueError,
            r"invalid loss__ parameter: beta must be a number in \[0, 1\); got 1\.0",
        ),
        (
            {"loss": "elr", "loss__alpha": -3},
            ValueError,
            r"invalid loss__ parameter: alpha must be a number in \[0, inf\); got -3",
        ),
        ({"loss": "elr", "loss__lambda_": 3}, TypeError, "no parameter loss__lambda_"),
        ({"loss": "cross_entropy", "loss__q": 0.5}, TypeError, "loss__q"),
        ({"loss": "forward"}, ValueError, "needs loss__transition_matrix"),
        ({"loss": "forward", "loss__transition_matrix": "guess"}, ValueError, "or 'estimate'"),
        ({"loss": "forward", "loss__transition_matrix": np.eye(3)}, ValueError, r"\(10, 10\)"),
        ({"loss": "forward", "loss__transition_matrix": NOT_STOCHASTIC}, ValueError, "sum to 1"),
        ({"loss": "backward", "loss__transition_matrix": SINGULAR}, ValueError, "singular"),
        (
            {"loss": "forward", "loss__transition_matrix": np.eye(10), "loss__percentile": 90},
            ValueError,
            "loss__percentile",
        ),
        (
            {
                "loss": "forward",
                "loss__transition_matrix": np.eye(10),
                "loss__estimation_method": "hoc",
            },
            ValueError,
            "loss__estimation_method configure the estimate of T; they need",
        ),
        (
            {
                "loss": "backward",
                "loss__transition_matrix": np.eye(10),
                "loss__noise_estimator": None,
            },
            ValueError,
            "loss__noise_estimator configure",
        ),
        # Checked before any estimate or network.
        (
            {"loss": "forward", "loss__transition_matrix": "estimate", "loss__percentile": 150},
            ValueError,
            r"loss__percentile must be a number in \(0, 100\]",
        ),
        (
            {"loss": "backward", "loss__transition_matrix": "estimate", "loss__q": 0.5},
            TypeError,
            "no parameter loss__q",
        ),
        (
            {
                "loss": "forward",
                "loss__transition_matrix": "estimate",
                "loss__estimation_method": "volmin",
            },
            ValueError,
            "loss__estimation_method must be one of 'hoc', 'confident_joint', 'anchors'; "
            "got 'volmin'",
        ),
        (
            {
                "loss": "forward",
                "loss__transition_matrix": "estimate",
                "loss__noise_estimator": "knn",
            },
            TypeError,
            "loss__noise_estimator must be None or a classifier with fit and predict_proba",
        ),
    ],
)
def test_bad_loss_parameters(digits, monkeypatch, params, err_type, message):
    import skmislabel._remedy_estimation

    def no_estimate(*args, **kwargs):
        raise AssertionError("the noise was estimated")

    monkeypatch.setattr(skmislabel._remedy_estimation, "estimate_noise", no_estimate)
    X, y = digits
    with pytest.raises(err_type, match=message):
        CNNClassifier(**SMALL, **params).fit(X[:100], y[:100])


def test_confident_joint_without_cleanlab_fails_before_any_work(digits, monkeypatch):
    import skmislabel._remedy_estimation

    X, y = digits
    # None in sys.modules makes the import fail, as without the package.
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.count", None)
    monkeypatch.setattr(skmislabel._remedy_estimation, "estimate_noise", None)
    monkeypatch.setattr(CNNClassifier, "_fit_keras_model", None)
    clf = CNNClassifier(
        **SMALL,
        loss="forward",
        loss__transition_matrix="estimate",
        loss__estimation_method="confident_joint",
    )
    with pytest.raises(
        ImportError,
        match=r"loss__estimation_method='confident_joint' needs "
        r"cleanlab.*skmislabel\[cleaning\]",
    ):
        clf.fit(X[:100], y[:100])


def test_partial_fit_validates_and_keeps_the_loss_it_was_built_with(digits):
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = digits
    with pytest.raises(InvalidParameterError, match="'loss' parameter"):
        CNNClassifier(**SMALL, loss="gcx").partial_fit(X[:50], y[:50], classes=np.arange(10))
    clf = CNNClassifier(**SMALL, loss="gce", random_state=0)
    clf.partial_fit(X[:100], y[:100], classes=np.arange(10))
    clf.set_params(loss__q=0.3)
    with pytest.raises(ValueError, match="changed since the network was built"):
        clf.partial_fit(X[:100], y[:100])
    warm = CNNClassifier(**SMALL, warm_start=True, random_state=0).fit(X[:100], y[:100])
    warm.set_params(loss="sce")
    with pytest.raises(ValueError, match="changed since the network was built"):
        warm.fit(X[:100], y[:100])
    # A new network may take any loss.
    warm.set_params(warm_start=False).fit(X[:100], y[:100])
    assert type(warm.model_.loss).__name__ == "SymmetricCrossEntropy"


# --------------------------------------------------------------------------
# Issue 19: hardening
# --------------------------------------------------------------------------
def _three_classes(digits, n_samples=300):
    X, y = digits
    keep = np.flatnonzero(y < 3)[:n_samples]
    return X[keep], np.array([3, 7, 11])[y[keep]]


def test_a_dataframe_transition_matrix_is_aligned_to_classes_by_its_labels(digits):
    X, y = _three_classes(digits)
    classes = [3, 7, 11]
    transition_matrix = np.array([[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.0, 0.2, 0.8]])
    frame = pd.DataFrame(transition_matrix, index=classes, columns=classes)
    reordered = frame.loc[[11, 3, 7], [7, 11, 3]]
    params = dict(**SMALL, loss="forward", random_state=0)
    by_position = CNNClassifier(**params, loss__transition_matrix=transition_matrix).fit(X, y)
    by_label = CNNClassifier(**params, loss__transition_matrix=reordered).fit(X, y)
    np.testing.assert_array_equal(by_label.transition_matrix_, transition_matrix)
    np.testing.assert_array_equal(by_label.predict_proba(X), by_position.predict_proba(X))
    assert by_label.get_params()["loss__transition_matrix"] is reordered  # not modified


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame(np.eye(3), index=list("xyz"), columns=list("xyz")), "unknown labels"),
        (pd.DataFrame(np.eye(3), index=[3, 7, 12], columns=[3, 7, 12]), r"lack \[11\]"),
        (pd.DataFrame(np.eye(3), index=[3, 7, 7], columns=[3, 7, 11]), "repeat labels"),
        (pd.DataFrame(np.eye(4), index=[3, 7, 11, 5], columns=[3, 7, 11, 5]), r"unknown .*\[5\]"),
    ],
    ids=["labels x, y, z", "missing", "repeated", "extra"],
)
def test_a_dataframe_transition_matrix_of_other_classes_is_refused(digits, frame, message):
    X, y = _three_classes(digits, 60)
    clf = CNNClassifier(**SMALL, loss="backward", loss__transition_matrix=frame)
    with pytest.raises(
        ValueError, match=r"invalid loss__ parameter: transition_matrix.*" + message
    ):
        clf.fit(X, y)


def test_loss_classes_cannot_be_given(digits):
    X, y = _three_classes(digits, 60)
    clf = CNNClassifier(**SMALL, loss="forward", loss__transition_matrix=np.eye(3))
    with pytest.raises(TypeError, match="loss__classes cannot be given"):
        clf.set_params(loss__classes=[3, 7, 11]).fit(X, y)


def test_estimate_on_one_class_fails_before_any_training(digits, monkeypatch):
    X, _ = digits

    def no_training(*args, **kwargs):
        raise AssertionError("a network was trained")

    monkeypatch.setattr(CNNClassifier, "_fit_keras_model", no_training)
    clf = CNNClassifier(**SMALL, loss="forward", loss__transition_matrix="estimate")
    with pytest.raises(ValueError, match=r"loss__transition_matrix='estimate'.*at least 2 classes"):
        clf.fit(X[:50], np.full(50, 4))


def test_partial_fit_names_a_new_class(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, random_state=0).partial_fit(X[:100], y[:100] % 2)
    message = r"y has labels \[2, 3\] that CNNClassifier was not built for.*classes=all_classes"
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X[:100], y[:100] % 4)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_a_loss_that_is_not_finite_is_named_as_the_cause(digits):
    X, y = digits
    clf = CNNClassifier(**SMALL, loss="sce", loss__beta=1e300, random_state=0)
    with pytest.raises(ValueError, match="became .* The loss is the cause: loss='sce'") as info:
        clf.fit(X[:100], y[:100])
    assert "loss__beta=1e+300" in str(info.value)
    assert "badly scaled" not in str(info.value)


def test_predict_proba_is_independent_of_the_order_of_the_samples(digits):
    # Predicted in an order set by the images alone: exactly, on any CPU
    # (oneDNN restricted to AVX2 computes a row differently by its position).
    X, y = digits
    clf = CNNClassifier(**SMALL, random_state=0).fit(X[:200], y[:200])
    proba = clf.predict_proba(X[:300])
    for seed in range(3):
        order = np.random.default_rng(seed).permutation(300)
        np.testing.assert_array_equal(clf.predict_proba(X[:300][order]), proba[order])
    frame = pd.DataFrame(X[:300]).iloc[::-1]
    np.testing.assert_array_equal(clf.predict_proba(frame), proba[::-1])


def test_parameters_after_filters_are_keyword_only():
    assert CNNClassifier(16).filters == 16
    with pytest.raises(TypeError):
        CNNClassifier(16, 5)


def test_the_loss_is_built_once_per_network(digits, monkeypatch):
    import skmislabel.cnn

    X, y = digits
    calls = []
    make_loss = skmislabel.cnn.make_loss

    def counting_make_loss(*args, **kwargs):
        calls.append(args)
        return make_loss(*args, **kwargs)

    monkeypatch.setattr(skmislabel.cnn, "make_loss", counting_make_loss)
    clf = CNNClassifier(**{**SMALL, "epochs": 1}, loss="gce", random_state=0).fit(X[:64], y[:64])
    assert len(calls) == 1
    assert clf.model_.loss.q == 0.7


def test_memorization_curve_of_an_estimated_t_estimates_once(digits, monkeypatch):
    # memorization_curve trains epoch by epoch with partial_fit: the estimate
    # is made on the first call, from all of X, and kept.
    import skmislabel.cnn
    from skmislabel.model_selection import memorization_curve

    calls = []
    estimate_for = skmislabel.cnn.estimate_for

    def counting(X, *args, **kwargs):
        calls.append(len(X))
        return estimate_for(X, *args, **kwargs)

    monkeypatch.setattr(skmislabel.cnn, "estimate_for", counting)
    X, y = digits
    y_noisy, _ = flip_labels(y[:300], noise_rate=0.3, random_state=0)
    clf = CNNClassifier(**SMALL, loss="forward", loss__transition_matrix="estimate", random_state=0)
    curve = memorization_curve(clf, X[:300], y_noisy, y[:300], epochs=2)
    assert calls == [300]
    assert len(curve.epochs) == 2


# --------------------------------------------------------------------------
# loss="elr": the running target of each training sample
# --------------------------------------------------------------------------
# A learning rate so small that the network does not change: every epoch then
# sees the same prediction p of each sample, and after k epochs its target
# is (1 - beta**k) q, q = normalized clip(p, 1e-4, 1 - 1e-4), whatever
# order the shuffled batches took. A row given to the wrong sample shows.
FROZEN = dict(SMALL, learning_rate=1e-10, batch_size=16, loss="elr", loss__beta=0.5)


def _elr_target_after(clf, X, n_epochs, beta=0.5):
    clamped = np.clip(clf.predict_proba(X).astype(np.float64), 1e-4, 1 - 1e-4)
    return (1 - beta**n_epochs) * clamped / clamped.sum(axis=1, keepdims=True)


def _assert_targets(clf, X, n_epochs):
    assert clf.elr_targets_ == pytest.approx(_elr_target_after(clf, X, n_epochs), abs=1e-6)


def test_elr_targets_follow_their_samples_through_shuffled_epochs(digits):
    X, y = digits
    X_a, y_a, X_b, y_b = X[:300], y[:300], X[300:500], y[300:500]
    clf = CNNClassifier(**FROZEN, random_state=0).fit(X_a, y_a)
    assert clf.elr_targets_.shape == (300, 10)
    _assert_targets(clf, X_a, 2)
    # Another fit on the same shared network (same settings) must not leak
    # its targets into this estimator's, nor take them.
    other = CNNClassifier(**FROZEN, random_state=1).fit(X_b, y_b)
    _assert_targets(other, X_b, 2)
    clf.partial_fit(X_a, y_a)
    _assert_targets(clf, X_a, 3)
    with pytest.raises(ValueError, match="trained on 300 samples; this partial_fit .* has 200"):
        clf.partial_fit(X_b, y_b)
    _assert_targets(clf, X_a, 3)


def test_a_new_fit_resets_the_elr_targets_and_partial_fit_continues_them(digits):
    X, y = digits
    clf = CNNClassifier(**{**FROZEN, "epochs": 1}, random_state=0)
    clf.fit(X[:200], y[:200]).fit(X[:200], y[:200])
    _assert_targets(clf, X[:200], 1)
    # A warm start continues the network, and its targets.
    clf.set_params(warm_start=True).fit(X[:200], y[:200])
    _assert_targets(clf, X[:200], 2)
    with pytest.raises(ValueError, match="trained on 200 samples; this .* warm-start fit has 100"):
        clf.fit(X[:100], y[:100])
    # partial_fit from scratch starts at 0 too, then continues epoch by epoch.
    clf = CNNClassifier(**FROZEN, random_state=0)
    for n_epochs in (1, 2):
        clf.partial_fit(X[:200], y[:200], classes=np.arange(10))
        _assert_targets(clf, X[:200], n_epochs)
    # Back to another loss: no targets left behind.
    clf.set_params(loss="bootstrap_soft")  # its beta is loss__beta=0.5 too
    assert not hasattr(clf.fit(X[:200], y[:200]), "elr_targets_")


def test_elr_with_early_stopping_keeps_targets_of_the_training_part(digits):
    X, y = digits
    clf = CNNClassifier(**FROZEN, early_stopping=True, validation_fraction=0.2, random_state=0)
    clf.fit(X[:300], y[:300])
    assert clf.elr_targets_.shape == (240, 10)
    # Every training sample was seen once per epoch run.
    row_sums = clf.elr_targets_.sum(axis=1)
    assert row_sums == pytest.approx(np.full(240, 1 - 0.5**clf.n_iter_), abs=1e-6)


def test_elr_refuses_what_would_misread_its_targets(digits):
    X, y = digits
    # Keras would hand the metrics the (label, index) pairs as labels.
    clf = CNNClassifier(**FROZEN, metrics=["accuracy"], random_state=0)
    with pytest.raises(ValueError, match="metrics must be None with this loss"):
        clf.fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="metrics must be None with this loss"):
        clf.partial_fit(X[:100], y[:100], classes=np.arange(10))
    assert CNNClassifier(**SMALL, loss="gce", metrics=["accuracy"]).fit(X[:100], y[:100])
    # A warm start with early stopping draws its held-out part again: only
    # an int random_state draws the same one, so the targets stay on their rows.
    clf = CNNClassifier(**FROZEN, early_stopping=True, warm_start=True, random_state=None)
    clf.fit(X[:300], y[:300])
    with pytest.raises(ValueError, match="Pass an int random_state, or early_stopping=False"):
        clf.fit(X[:300], y[:300])
    clf = CNNClassifier(**FROZEN, early_stopping=True, warm_start=True, random_state=0)
    clf.fit(X[:300], y[:300]).fit(X[:300], y[:300])
    assert clf.elr_targets_.shape == (270, 10)


def test_elr_learns_and_pickles_with_its_targets(digits):
    X, y = digits
    clf = CNNClassifier(**{**SMALL, "epochs": 3}, loss="elr", random_state=0).fit(X[:600], y[:600])
    assert clf.score(X[600:900], y[600:900]) > 0.5
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.elr_targets_, clf.elr_targets_)
    np.testing.assert_array_equal(restored.predict_proba(X[:20]), clf.predict_proba(X[:20]))


def test_an_elr_loss_that_is_not_finite_is_named_as_the_cause(digits):
    # The check that the loss itself is not finite runs on its own copy of
    # ELR, with its own targets (the loss needs them and the indices).
    X, y = digits
    clf = CNNClassifier(**SMALL, loss="elr", loss__alpha=1e300, random_state=0)
    with pytest.raises(ValueError, match="became .* The loss is the cause: loss='elr'") as info:
        clf.fit(X[:100], y[:100])
    assert "loss__alpha=1e+300" in str(info.value)


def test_memorization_curve_trains_elr_epoch_by_epoch(digits):
    from skmislabel import flip_labels
    from skmislabel.model_selection import memorization_curve

    X, y = digits
    y_noisy, _ = flip_labels(y[:300], noise_rate=0.4, random_state=0)
    clf = CNNClassifier(**SMALL, loss="elr", random_state=0)
    curve = memorization_curve(clf, X[:300], y_noisy, y[:300], epochs=2)
    assert len(curve.epochs) == 2
    assert np.isfinite(curve.clean_accuracy).all()
