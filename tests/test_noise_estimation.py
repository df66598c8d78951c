"""Tests for skmislabel/_noise_estimation.py and skmislabel/_hoc.py:
estimate_noise."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from skmislabel import LabelNoiseInjector
from skmislabel._hoc import _loss_and_gradient, consensus_patterns, fit_consensus
from skmislabel.noise import estimate_noise

N_CLASSES = 4
NEEDS_CLEANLAB = "cleanlab is the optional 'cleaning' extra, absent from the core venv"


def _blobs(seed, n_per_class=500, n_classes=N_CLASSES):
    """Well-separated classes: one direction each (HOC's cosine neighbours
    and every model separate them)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = 10 * np.eye(n_classes)[y] + rng.normal(size=(y.shape[0], n_classes))
    return X, y


def _relative_error(estimate, truth):
    return np.abs(estimate - truth).sum() / np.abs(truth).sum()


def _noisy(X, y, noise_type, noise_rate, seed):
    injector = LabelNoiseInjector(noise_type=noise_type, noise_rate=noise_rate, random_state=seed)
    _, y_noisy = injector.fit_resample(X, y)
    return y_noisy, injector.transition_matrix_


def _method_params(method):
    if method == "confident_joint":
        pytest.importorskip("cleanlab", reason=NEEDS_CLEANLAB)
    if method == "anchors":
        # The anchor of a class is one sample's probabilities: 5-NN's come
        # in steps of 0.2, 50-NN's in steps of 0.02.
        return {"estimator": KNeighborsClassifier(n_neighbors=50)}
    return {}


# --------------------------------------------------------------------------
# Recovery on a well-separated problem, over seeds
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method, noise_type, tolerance, rate_tolerance",
    # Each about twice the largest error over seeds 0-5 at the time of
    # writing, and far below the identity's (0.6 at 30% noise). The
    # confident joint undercounts pair flips: the flipped samples' 0.3
    # probability of their noisy class is below that class's threshold
    # (its mean self-confidence, about 0.6), so its error there is ~0.23.
    [
        ("hoc", "symmetric", 0.15, 0.03),
        ("hoc", "pairflip", 0.1, 0.03),
        ("confident_joint", "symmetric", 0.1, 0.04),
        ("confident_joint", "pairflip", 0.35, 0.12),
        ("anchors", "symmetric", 0.3, 0.1),
        ("anchors", "pairflip", 0.2, 0.1),
    ],
)
def test_recovers_transition_matrix(method, noise_type, tolerance, rate_tolerance):
    params = _method_params(method)
    errors, flip_rate_errors = [], []
    for seed in range(3):
        X, y = _blobs(seed)
        y_noisy, truth = _noisy(X, y, noise_type, 0.3, seed)
        estimate = estimate_noise(X, y_noisy, method=method, random_state=seed, **params)
        errors.append(_relative_error(estimate.transition_matrix, truth))
        flip_rate_errors.append(abs(estimate.flip_rate - np.mean(y_noisy != y)))
    assert max(errors) < tolerance, errors
    assert max(flip_rate_errors) < rate_tolerance, flip_rate_errors


@pytest.mark.parametrize("method", ["hoc", "confident_joint", "anchors"])
def test_orientation_with_pairflip(method):
    """Pairflip sends class i to i+1 (mod K): T[i, i+1] is large and
    T[i+1, i] is 0. The transpose of T, cleanlab's [noisy][true] indexing,
    would put the mass below the diagonal."""
    params = _method_params(method)
    X, y = _blobs(0)
    y_noisy, truth = _noisy(X, y, "pairflip", 0.3, 0)
    assert truth[0, 1] > 0.25 and truth[1, 0] == 0
    T = estimate_noise(X, y_noisy, method=method, random_state=0, **params).transition_matrix
    above = np.array([T[i, (i + 1) % N_CLASSES] for i in range(N_CLASSES)])
    below = np.array([T[(i + 1) % N_CLASSES, i] for i in range(N_CLASSES)])
    assert above.min() > below.max() + 0.1, T
    if method != "confident_joint":
        # The confident joint puts ~0.1 there: 5-NN probabilities of a true
        # class i + 1 sample reach its noisy class i's threshold often.
        assert below.max() < 0.05, T
    np.testing.assert_allclose(T.sum(axis=1), 1)


def test_no_noise_gives_identity():
    X, y = _blobs(1)
    estimate = estimate_noise(X, y, random_state=0)
    np.testing.assert_allclose(estimate.transition_matrix, np.eye(N_CLASSES), atol=0.02)
    assert estimate.flip_rate < 0.02


def test_bunch_contents_and_flip_rate_weighting():
    """The overall rate is the flip rates weighted by the estimated true
    prior: with unbalanced classes it differs from their plain mean."""
    X, y = _blobs(2)
    keep = (y != 0) | (np.arange(y.shape[0]) % 5 == 0)  # class 0 five times rarer
    X, y = X[keep], y[keep]
    y_noisy, _ = _noisy(X, y, "pairflip", 0.3, 2)
    estimate = estimate_noise(X, y_noisy, random_state=0)
    assert set(estimate) == {
        "transition_matrix",
        "classes",
        "class_prior",
        "flip_rates",
        "flip_rate",
        "method",
        "diagnostics",
    }
    assert estimate.method == "hoc"
    np.testing.assert_array_equal(estimate.classes, np.arange(N_CLASSES))
    np.testing.assert_allclose(estimate.flip_rates, 1 - np.diag(estimate.transition_matrix))
    assert estimate.flip_rate == pytest.approx(estimate.class_prior @ estimate.flip_rates)
    true_prior = np.bincount(y) / y.shape[0]
    np.testing.assert_allclose(estimate.class_prior, true_prior, atol=0.03)
    assert {"neighbors", "consensus_loss", "neighbor_agreement"} <= set(estimate.diagnostics)


@pytest.mark.parametrize("percentile", [100, 97.0, 50])
def test_anchors_diagnostics_and_percentile(percentile):
    """anchor_indices are the samples estimate_transition_matrix takes."""
    X, y = _blobs(3)
    y_noisy, _ = _noisy(X, y, "symmetric", 0.3, 3)
    estimate = estimate_noise(
        X, y_noisy, LogisticRegression(), method="anchors", percentile=percentile, random_state=0
    )
    proba = estimate.diagnostics["out_of_fold_probabilities"]
    anchors = estimate.diagnostics["anchor_indices"]
    np.testing.assert_allclose(estimate.transition_matrix, proba[anchors])
    for k, anchor in enumerate(anchors):
        share_below = np.mean(proba[:, k] < proba[anchor, k])
        assert share_below <= percentile / 100
        if percentile == 100:
            assert proba[anchor, k] == proba[:, k].max()


def test_confident_joint_is_cleanlabs_transposed():
    count = pytest.importorskip("cleanlab.count", reason=NEEDS_CLEANLAB)
    X, y = _blobs(4)
    y_noisy, _ = _noisy(X, y, "pairflip", 0.3, 4)
    estimate = estimate_noise(X, y_noisy, method="confident_joint", random_state=0)
    proba = estimate.diagnostics["out_of_fold_probabilities"]
    joint = count.compute_confident_joint(y_noisy, proba)
    _, noise_matrix, _ = count.estimate_latent(joint, y_noisy)
    np.testing.assert_allclose(estimate.transition_matrix, noise_matrix.T)
    np.testing.assert_allclose(estimate.diagnostics["confident_joint"], joint.T)


# --------------------------------------------------------------------------
# Labels, inputs, seeds
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda y: np.array(["cat", "dog", "emu", "fox"])[y], id="strings"),
        pytest.param(lambda y: pd.Series(y + 10, index=np.arange(y.shape[0]) * 2), id="series"),
        pytest.param(lambda y: np.eye(N_CLASSES)[y], id="one-hot"),
        pytest.param(lambda y: (y + 1).tolist(), id="list"),
    ],
)
@pytest.mark.parametrize("method", ["hoc", "anchors"])
def test_labels_of_any_type(convert, method):
    X, y = _blobs(5)
    y_noisy, _ = _noisy(X, y, "pairflip", 0.3, 5)
    reference = estimate_noise(X, y_noisy, method=method, random_state=0)
    labels = convert(y_noisy)
    before = labels.copy()
    estimate = estimate_noise(X, labels, method=method, random_state=0)
    np.testing.assert_allclose(estimate.transition_matrix, reference.transition_matrix)
    assert len(estimate.classes) == N_CLASSES
    if isinstance(labels, pd.Series):
        pd.testing.assert_series_equal(labels, before)
        np.testing.assert_array_equal(estimate.classes, np.arange(N_CLASSES) + 10)


def test_images_and_unchanged_inputs():
    X, y = load_digits(return_X_y=True)
    images = X.reshape(-1, 8, 8)
    y_noisy = y.copy()
    y_noisy[::7] = (y_noisy[::7] + 1) % 10
    X_before, y_before = images.copy(), y_noisy.copy()
    flat = estimate_noise(X, y_noisy, random_state=0)
    as_images = estimate_noise(images, y_noisy, random_state=0)
    np.testing.assert_allclose(flat.transition_matrix, as_images.transition_matrix)
    np.testing.assert_array_equal(images, X_before)
    np.testing.assert_array_equal(y_noisy, y_before)


@pytest.mark.parametrize("method", ["hoc", "anchors"])
def test_sparse_and_dataframe_features(method):
    import scipy.sparse as sp

    X, y = _blobs(9, n_per_class=100)
    y_noisy, _ = _noisy(X, y, "pairflip", 0.3, 9)
    dense = estimate_noise(X, y_noisy, method=method, random_state=0).transition_matrix
    for other in (sp.csr_matrix(X), pd.DataFrame(X, columns=list("abcd"))):
        estimate = estimate_noise(other, y_noisy, method=method, random_state=0)
        np.testing.assert_allclose(estimate.transition_matrix, dense)


@pytest.mark.parametrize("method", ["hoc", "anchors"])
def test_random_state(method):
    X, y = _blobs(6, n_per_class=100)
    y_noisy, _ = _noisy(X, y, "symmetric", 0.3, 6)
    first = estimate_noise(X, y_noisy, method=method, random_state=3).transition_matrix
    again = estimate_noise(X, y_noisy, method=method, random_state=3).transition_matrix
    np.testing.assert_array_equal(first, again)
    state = np.random.get_state()
    estimate_noise(X, y_noisy, method=method, random_state=None)
    assert np.array_equal(np.random.get_state()[1], state[1]), "the global RNG moved"


# --------------------------------------------------------------------------
# HOC against its formulas
# --------------------------------------------------------------------------
def test_hoc_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    t_logits, p_logits = rng.normal(size=(3, 3)), rng.normal(size=3)
    observed = (rng.random(3), rng.random((3, 3)), rng.random((3, 3, 3)))
    loss, grad_t, grad_p = _loss_and_gradient(t_logits, p_logits, observed)
    step = 1e-6
    for (i, j), _ in np.ndenumerate(t_logits):
        moved = t_logits.copy()
        moved[i, j] += step
        numeric = (_loss_and_gradient(moved, p_logits, observed)[0] - loss) / step
        assert numeric == pytest.approx(grad_t[i, j], abs=1e-5)
    for i in range(3):
        moved = p_logits.copy()
        moved[i] += step
        numeric = (_loss_and_gradient(t_logits, moved, observed)[0] - loss) / step
        assert numeric == pytest.approx(grad_p[i], abs=1e-5)


def test_hoc_solves_exact_consensus():
    """From the exact patterns of a T (not symmetric) and a prior, the fit
    finds them back."""
    # No zero entry: the softmax reaches 0 only in the limit.
    T = np.array([[0.7, 0.2, 0.1], [0.05, 0.8, 0.15], [0.1, 0.1, 0.8]])
    prior = np.array([0.2, 0.3, 0.5])
    exact = (
        prior @ T,
        np.einsum("i,ij,ik->jk", prior, T, T),
        np.einsum("i,ij,ik,il->jkl", prior, T, T, T),
    )
    T_fit, prior_fit, loss = fit_consensus(exact, 3, rng=np.random.default_rng(0))
    assert _relative_error(T_fit, T) < 0.02
    np.testing.assert_allclose(prior_fit, prior, atol=0.01)
    assert loss < 0.01


def test_consensus_patterns_count_triples():
    codes = np.array([0, 1, 1, 2])
    neighbors = np.array([[1, 2], [2, 0], [1, 3], [0, 1]])
    e1, e2, e3 = consensus_patterns(codes, neighbors, 3)
    np.testing.assert_allclose(e1, [0.25, 0.5, 0.25])
    # (own, first neighbour): (0, 1), (1, 1), (1, 1), (2, 0).
    expected_e2 = np.zeros((3, 3))
    for own, first in [(0, 1), (1, 1), (1, 1), (2, 0)]:
        expected_e2[own, first] += 0.25
    np.testing.assert_allclose(e2, expected_e2)
    assert e3[0, 1, 1] == 0.25 and e3[1, 1, 0] == 0.25 and e3[1, 1, 2] == 0.25
    assert e3[2, 0, 1] == 0.25 and e3.sum() == pytest.approx(1)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------
X_OK, Y_OK = _blobs(7, n_per_class=20)


@pytest.mark.parametrize(
    "args, params, err_type, err_msg",
    [
        ((X_OK, Y_OK), {"method": "volmin"}, ValueError, "method"),
        ((X_OK, Y_OK), {"cv": 1}, ValueError, "cv"),
        ((X_OK, Y_OK), {"cv": 2.5}, ValueError, "cv"),
        ((X_OK, Y_OK), {"percentile": 0}, ValueError, "percentile"),
        ((X_OK, Y_OK), {"percentile": 101}, ValueError, "percentile"),
        ((X_OK, Y_OK), {"random_state": "seed"}, ValueError, "random_state"),
        ((X_OK, Y_OK), {"estimator": object()}, ValueError, "estimator"),
        ((X_OK, Y_OK[:-1]), {}, ValueError, "same samples"),
        ((X_OK, np.zeros(Y_OK.shape[0])), {}, ValueError, "at least 2 classes"),
        ((X_OK, np.linspace(0, 1, Y_OK.shape[0])), {}, ValueError, "Unknown label type"),
        (
            (X_OK, np.where(np.arange(80) < 3, 9, Y_OK)),
            {"method": "anchors"},
            ValueError,
            r"cv=5 folds need at least 5 samples .* class 9 has 3",
        ),
        ((X_OK[:2], Y_OK[[0, 25]]), {}, ValueError, "at least 3 samples"),
        ((np.where(X_OK > 5, np.nan, X_OK), Y_OK), {}, ValueError, "NaN"),
    ],
    ids=[
        "unknown-method",
        "cv-1",
        "cv-float",
        "percentile-0",
        "percentile-101",
        "random-state",
        "no-predict-proba",
        "lengths",
        "one-class",
        "continuous-y",
        "class-below-cv",
        "hoc-too-few",
        "nan-features",
    ],
)
def test_bad_input(args, params, err_type, err_msg):
    with pytest.raises(err_type, match=err_msg):
        estimate_noise(*args, **params)


def test_confident_joint_without_cleanlab_names_the_extra(monkeypatch):
    # A None entry in sys.modules makes the import fail as if uninstalled.
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.count", None)
    with pytest.raises(ImportError, match=r"skmislabel\[cleaning\]"):
        estimate_noise(X_OK, Y_OK, method="confident_joint")


def test_no_tensorflow_import():
    code = (
        "import sys, numpy as np\n"
        "from skmislabel.noise import estimate_noise\n"
        "from skmislabel.metrics import noise_aware_accuracy\n"
        "X = np.random.default_rng(0).normal(size=(60, 3)); y = np.arange(60) % 3\n"
        "estimate_noise(X, y, random_state=0)\n"
        "estimate_noise(X, y, method='anchors', random_state=0)\n"
        "bad = [m for m in ('tensorflow', 'keras', 'scikeras') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.cnn
def test_with_cnn_classifier():
    pytest.importorskip("tensorflow", reason="CNNClassifier needs the deep-learning extra")
    from skmislabel import CNNClassifier
    from skmislabel._noise_estimation import ESTIMATION_CACHE

    X, y = load_digits(return_X_y=True)
    X, y = (X[:300] / 16).astype(np.float32), y[:300]
    model = CNNClassifier(filters=8, dense_units=32, epochs=1, learning_rate=3e-3)
    estimate = estimate_noise(X, y, model, method="anchors", cv=2, random_state=0)
    # The CNN's unset random_state was seeded: a refit (not the cache)
    # repeats the estimate.
    ESTIMATION_CACHE.clear()
    again = estimate_noise(X, y, model, method="anchors", cv=2, random_state=0)
    np.testing.assert_allclose(estimate.transition_matrix, again.transition_matrix)
    assert estimate.transition_matrix.shape == (10, 10)
    np.testing.assert_allclose(estimate.transition_matrix.sum(axis=1), 1)


def test_neighbor_cache_returns_what_a_search_computes():
    from skmislabel._hoc import NEIGHBOR_CACHE, two_nearest_neighbors

    X, _ = _blobs(8, n_per_class=50)
    NEIGHBOR_CACHE.clear()
    first = two_nearest_neighbors(X)
    first[:] = 0  # a caller cannot alter the cached copy
    cached = two_nearest_neighbors(X)
    NEIGHBOR_CACHE.clear()
    np.testing.assert_array_equal(cached, two_nearest_neighbors(X))
    assert not np.any(cached == np.arange(X.shape[0])[:, None])


@pytest.mark.parametrize("out", ["", "  ", "FILE"], ids=["empty", "blank", "a-file"])
def test_benchmark_refuses_a_bad_out(out, tmp_path):
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "estimate_noise.py"
    if out == "FILE":
        out = str(tmp_path / "file.txt")
        Path(out).write_text("keep")
    result = subprocess.run(
        [sys.executable, str(script), "--out", out], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "--out must" in result.stderr
    assert not (tmp_path / "estimate_noise.csv").exists()


def test_benchmark_small_run(tmp_path):
    import csv
    import json
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "estimate_noise.py"
    out = tmp_path / "run"
    args = ["--dataset", "digits", "--seeds", "1", "--methods", "identity", "hoc"]
    args += ["--noises", "pairflip:0.3", "--noise-aware", "--out", str(out)]
    result = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with open(out / "estimate_noise.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["method"] for row in rows] == ["identity", "hoc"]
    errors = {row["method"]: float(row["error"]) for row in rows}
    # The identity misses the realised flips, about 30% of each row twice.
    assert errors["identity"] == pytest.approx(0.6, abs=0.01) and errors["hoc"] < 0.2
    report = json.loads(
        (out / "estimate_noise.json").read_text(),
        parse_constant=lambda name: pytest.fail(f"not strict JSON: {name}"),
    )
    assert report["settings"]["noises"] == [["pairflip", 0.3]]
    assert report["wall_time_seconds"] > 0 and report["versions"]["numpy"]
    assert "| hoc | none |" in result.stdout
    with open(out / "noise_aware.csv") as handle:
        aware = {row["transition_matrix"]: row for row in csv.DictReader(handle)}
    assert set(aware) == {"true", "identity:none", "hoc:none"}
    # With the identity, the noise-aware accuracy is the noisy one.
    identity = aware["identity:none"]
    assert float(identity["noise_aware_accuracy"]) == pytest.approx(
        float(identity["noisy_accuracy"])
    )
    assert len(report["noise_aware"]) == 3
