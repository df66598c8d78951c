"""Confidence and PMD noise: labels flip to the class a model finds most
likely besides the label, with a propensity read off its out-of-fold
probabilities.

Stated in :mod:`skmislabel.noise` (section *Conventions*). References:
``mnist_gen_dependent.py`` of https://github.com/chenpf1025/IDN (Chen et
al. 2021: the score is the largest probability of another class, the target
that class) and ``label_noise`` in ``utils.py`` of
https://github.com/pxiangwu/PLC (Zhang et al. 2021: the three PMD
polynomials of the top-two margin).
"""

import threading
from collections import OrderedDict

import numpy as np

from ._instance_noise import InstanceNoise

# Seeds are kept below 2**31 so that every estimator takes them as they are.
_SEED_BOUND = np.iinfo(np.int32).max

# The PMD noise functions of Zhang et al. (2021) of the margin
# m = eta_(1) - eta_(2) between the two largest class probabilities, as in
# the reference code (pxiangwu/PLC, utils.label_noise, for K > 2).
PMD_NOISE_FUNCTIONS = {
    "I": lambda margin: 0.5 - 0.5 * margin**2,
    "II": lambda margin: 1 - margin**3,
    "III": lambda margin: 1 - (margin**3 + margin**2 + margin) / 3,
}


class _ProbabilityCache:
    """The last few out-of-fold probabilities computed in this process.

    A noise curve draws the same training fold with the same seed at every
    rate, and confidence and pmd share their probabilities: without the
    cache each rate would refit ``noise_cv`` models to the same end. The key
    is a hash of everything the probabilities are a function of (the data,
    the labels, the estimator with its seeds, the folds and their seed), so
    a hit returns what a refit would compute. Only the probabilities are
    kept, a copy of them is returned.
    """

    def __init__(self, max_entries=8):
        self.max_entries = max_entries
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key].copy()

    def put(self, key, probabilities):
        with self._lock:
            self._entries[key] = probabilities.copy()
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()


PROBABILITY_CACHE = _ProbabilityCache()


def _cache_key(estimator, data, labels, noise_cv, split_seed):
    """A hash of the inputs of the out-of-fold probabilities, or None when
    one of them cannot be hashed (then nothing is cached)."""
    import joblib

    try:
        return joblib.hash((estimator, data, labels, noise_cv, int(split_seed)), hash_name="sha1")
    except Exception:  # an estimator that cannot be pickled: compute every time
        return None


def default_noise_estimator():
    """The model of ``noise_estimator=None``: scaled logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _seed_unset_random_states(estimator, seed):
    """Give every ``random_state`` of the estimator (and of its steps) that
    is None the int ``seed``; random states the user set are kept."""
    unset = [
        name
        for name, value in estimator.get_params(deep=True).items()
        if (name == "random_state" or name.endswith("__random_state")) and value is None
    ]
    if unset:
        estimator.set_params(**dict.fromkeys(unset, seed))


def out_of_fold_probabilities(X, features, encoded, noise_estimator, noise_cv, estimator_stream):
    """``predict_proba`` of each sample by a model that did not see it.

    Returns
    -------
    probabilities : ndarray of shape (n_samples, n_classes)
        Columns in ``classes_`` order; classes absent from y get 0.
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    class_counts = encoded.class_counts
    present = np.flatnonzero(class_counts)
    if present.shape[0] < 2:
        raise ValueError(
            "noise_type='confidence' and 'pmd' fit a model of the labels, which needs "
            f"samples of at least 2 classes; y has {present.shape[0]}."
        )
    smallest = present[np.argmin(class_counts[present])]
    if class_counts[smallest] < noise_cv:
        label = encoded.classes[smallest]
        label = label.item() if hasattr(label, "item") else label
        raise ValueError(
            f"noise_cv={noise_cv} folds need at least {noise_cv} samples of every class "
            f"of y, so that each sample is predicted by a model that saw every class; "
            f"class {label!r} has {class_counts[smallest]}. Lower noise_cv."
        )
    estimator_seed, split_seed = np.random.default_rng(estimator_stream).integers(
        _SEED_BOUND, size=2
    )
    n_samples = encoded.n_samples
    if noise_estimator is None:
        estimator, data = default_noise_estimator(), features.reshape(n_samples, -1)
    else:
        # The user's model sees X as it was passed: its own preprocessing,
        # column names or image shape apply.
        estimator, data = clone(noise_estimator), X
        _seed_unset_random_states(estimator, int(estimator_seed))
    labels = encoded.classes[encoded.codes]
    key = _cache_key(estimator, data, labels, noise_cv, split_seed)
    cached = None if key is None else PROBABILITY_CACHE.get(key)
    if cached is not None:
        return cached
    cv = StratifiedKFold(n_splits=noise_cv, shuffle=True, random_state=int(split_seed))
    fold_probabilities = np.asarray(
        cross_val_predict(estimator, data, labels, cv=cv, method="predict_proba"), dtype=float
    )
    if fold_probabilities.shape != (n_samples, present.shape[0]):
        raise ValueError(
            f"noise_estimator.predict_proba returned shape {fold_probabilities.shape}; "
            f"expected (n_samples, n_classes in y) = ({n_samples}, {present.shape[0]})."
        )
    probabilities = np.zeros((n_samples, class_counts.shape[0]))
    probabilities[:, present] = fold_probabilities
    if key is not None:
        PROBABILITY_CACHE.put(key, probabilities)
    return probabilities


def confidence_noise(
    X, features, encoded, *, noise_type, noise_estimator, noise_cv, pmd_type, estimator_stream
):
    """Confidence or PMD noise of every sample.

    Parameters
    ----------
    X : array-like
        The features as passed, for a user's ``noise_estimator``.
    features : ndarray of shape (n_samples, ...)
        X validated, for the default estimator (flattened per sample).
    encoded : EncodedTargets
    noise_type : {"confidence", "pmd"}
    noise_estimator : estimator with predict_proba or None
    noise_cv : int
    pmd_type : {"I", "II", "III"}
    estimator_stream : numpy.random.SeedSequence
        Source of the fold shuffling and of the estimator's unset random states.

    Returns
    -------
    noise : InstanceNoise
        Rate-free propensities; the target is the most probable class other
        than the label.
    """
    probabilities = out_of_fold_probabilities(
        X, features, encoded, noise_estimator, noise_cv, estimator_stream
    )
    codes = encoded.codes.astype(np.int64)
    rows = np.arange(codes.shape[0])
    others = probabilities.copy()
    others[rows, codes] = -np.inf
    # Ties between other classes go to the first in classes_ order.
    target_codes = others.argmax(axis=1)
    if noise_type == "confidence":
        propensity = others[rows, target_codes]
        hint = (
            "Every other class has out-of-fold probability 0 for the other samples: "
            "lower noise_rate, or pass a noise_estimator with less extreme "
            "probabilities."
        )
    else:
        top_two = np.partition(probabilities, -2, axis=1)[:, -2:]
        margin = np.clip(top_two[:, 1] - top_two[:, 0], 0.0, 1.0)
        propensity = PMD_NOISE_FUNCTIONS[pmd_type](margin)
        hint = (
            "The other samples' two largest out-of-fold probabilities differ by 1 "
            "(a certain prediction): lower noise_rate, or pass a noise_estimator with "
            "less extreme probabilities."
        )
    return InstanceNoise(
        propensity=np.clip(propensity, 0.0, 1.0),
        target_codes=target_codes,
        rate_scaled=False,
        hint=hint,
    )
