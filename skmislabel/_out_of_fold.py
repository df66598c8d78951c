"""Out-of-fold class probabilities: each sample predicted by a model that did
not see it, cached per process.

Shared by the noise types that read a model's doubts
(:mod:`skmislabel._confidence_noise`) and the cleaners that do
(:mod:`skmislabel.cleaning`). A model that scores its own training samples
remembers their labels, right or wrong: only probabilities from the other
folds say what the rest of the data thinks of a label.
"""

import numpy as np

from ._cache import LRUCache
from ._random import SEED_BOUND

__all__ = [
    "CLEANING_CACHE",
    "PROBABILITY_CACHE",
    "SEED_BOUND",
    "check_fold_counts",
    "out_of_fold_probabilities",
    "seed_unset_random_states",
]


class _ProbabilityCache(LRUCache):
    """The last few out-of-fold probabilities computed in this process.

    A noise curve draws the same training fold with the same seed at every
    rate, confidence and pmd share their probabilities, and a grid search
    over the model after a cleaner refits the cleaner on the same fold for
    every candidate: without the cache each would refit the same folds to
    the same end. The key is a hash of everything the probabilities are a
    function of (the data, the labels, the estimator with its seeds, the
    number of folds and their seed), so a hit returns what a refit would
    compute. Only the probabilities are kept, and they are copied in and
    out, so that no caller can change what another one reads.
    """

    def __init__(self, max_entries=8):
        super().__init__(max_entries)

    def get(self, key):
        probabilities = super().get(key)
        return None if probabilities is None else probabilities.copy()

    def put(self, key, probabilities):
        super().put(key, probabilities.copy())


# One cache for the noise models and one for the cleaners: in a noise curve
# with a cleaner, every fit's cleaner sees new noisy labels, and its entries
# would otherwise push out the noise model's, which every rate reuses.
PROBABILITY_CACHE = _ProbabilityCache()
CLEANING_CACHE = _ProbabilityCache()


def _cache_key(estimator, data, labels, n_splits, split_seed):
    """A hash of the inputs of the out-of-fold probabilities, or None when
    one of them cannot be hashed (then nothing is cached)."""
    import joblib

    try:
        return joblib.hash((estimator, data, labels, n_splits, int(split_seed)), hash_name="sha1")
    except Exception:  # an estimator that cannot be pickled: compute every time
        return None


def seed_unset_random_states(estimator, seed):
    """Give every ``random_state`` of the estimator (and of its steps) that
    is None the int ``seed``; random states the user set are kept."""
    unset = [
        name
        for name, value in estimator.get_params(deep=True).items()
        if (name == "random_state" or name.endswith("__random_state")) and value is None
    ]
    if unset:
        estimator.set_params(**dict.fromkeys(unset, seed))


def check_fold_counts(classes, class_counts, n_splits, *, cv_name):
    """Raise a ValueError naming ``cv_name`` and the class when a class of y
    has fewer samples than folds.

    Stratified folds give every fold's model samples of every class only
    when each class has at least ``n_splits`` of them; otherwise a sample of
    a rare class is predicted by a model that never saw its class.
    """
    present = np.flatnonzero(class_counts)
    smallest = present[np.argmin(class_counts[present])]
    if class_counts[smallest] < n_splits:
        label = classes[smallest]
        label = label.item() if hasattr(label, "item") else label
        raise ValueError(
            f"{cv_name}={n_splits} folds need at least {n_splits} samples of every class "
            f"of y, so that each sample is predicted by a model that saw every class; "
            f"class {label!r} has {class_counts[smallest]}. Lower {cv_name}."
        )


def out_of_fold_probabilities(
    estimator,
    data,
    labels,
    *,
    n_splits,
    split_seed,
    n_jobs=None,
    estimator_name="estimator",
    cache=PROBABILITY_CACHE,
):
    """``predict_proba`` of each sample by a clone of ``estimator`` fitted on
    the other folds.

    Parameters
    ----------
    estimator : estimator with predict_proba
        Unfitted, its random states already set; cloned for every fold.
    data : array-like of shape (n_samples, ...)
        What the estimator is fitted on.
    labels : ndarray of shape (n_samples,)
        Class labels, every class with at least ``n_splits`` samples (see
        :func:`check_fold_counts`).
    n_splits : int
        Number of stratified folds.
    split_seed : int
        Seed of the fold shuffling.
    n_jobs : int or None
        Folds fitted in parallel; the result does not depend on it.
    estimator_name : str
        The parameter that holds the estimator, for error messages.
    cache : _ProbabilityCache
        Where the result is looked up and kept.

    Returns
    -------
    probabilities : ndarray of shape (n_samples, n_classes)
        Columns in the sorted order of the classes of ``labels``. A copy:
        the cached probabilities cannot be changed through it.
    """
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    key = _cache_key(estimator, data, labels, n_splits, split_seed)
    cached = None if key is None else cache.get(key)
    if cached is not None:
        return cached
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(split_seed))
    probabilities = np.asarray(
        cross_val_predict(estimator, data, labels, cv=folds, method="predict_proba", n_jobs=n_jobs),
        dtype=float,
    )
    n_classes = np.unique(labels).shape[0]
    if probabilities.shape != (labels.shape[0], n_classes):
        raise ValueError(
            f"{estimator_name}.predict_proba returned shape {probabilities.shape}; "
            f"expected (n_samples, n_classes in y) = ({labels.shape[0]}, {n_classes})."
        )
    if key is not None:
        cache.put(key, probabilities)
    return probabilities
