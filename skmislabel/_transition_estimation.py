"""A transition matrix estimated from predicted probabilities (anchor points)."""

import numbers

import numpy as np
from sklearn.utils.validation import check_array

__all__ = ["estimate_transition_matrix"]


def estimate_transition_matrix(noisy_proba, *, percentile=97.0):
    """Estimate ``T[i, j] = P(noisy = j | true = i)`` from anchor points.

    Patrini et al. (2017)'s estimator. A classifier trained on the noisy
    labels predicts ``P(noisy = j | x)``; on a sample ``x`` that surely
    belongs to class ``i`` (an *anchor point*) that is ``T[i, j]``. The anchor
    of class ``i`` is the sample with the highest predicted probability of
    ``i`` below its ``percentile``-th percentile (the highest itself with
    ``percentile=100``): the very top is often an outlier the network
    memorized, and the paper filters it out at 97. Row ``i`` of the estimate
    is that sample's predicted probabilities. The orientation is the one of
    :mod:`skmislabel.noise` (rows are true classes and sum to 1).

    Parameters
    ----------
    noisy_proba : array-like of shape (n_samples, n_classes)
        Probabilities of the noisy labels predicted by a classifier trained on
        them, columns in the order of its ``classes_``; typically on its own
        training data, as in the paper.
    percentile : float in (0, 100], default=97.0
        Where the anchor is taken in each class's column.

    Returns
    -------
    transition_matrix : ndarray of shape (n_classes, n_classes)
        The estimate, rows normalised to sum to 1.

    Notes
    -----
    Patrini, Rozza, Menon, Nock and Qu, "Making deep neural networks robust
    to label noise: a loss correction approach", CVPR 2017 (its reference
    code's ``est_T`` with ``filter_outlier=True``; unlike that code, this
    function does not write into its input).

    Examples
    --------
    >>> import numpy as np
    >>> from skmislabel.noise import estimate_transition_matrix
    >>> proba = np.array([[0.8, 0.2], [0.7, 0.3], [0.1, 0.9], [0.3, 0.7]])
    >>> estimate_transition_matrix(proba, percentile=100)
    array([[0.8, 0.2],
           [0.1, 0.9]])
    """
    proba = check_array(noisy_proba, dtype=np.float64, input_name="noisy_proba")
    if proba.shape[1] < 2:
        raise ValueError(
            f"noisy_proba must have a column per class, at least 2; got shape {proba.shape}."
        )
    if np.any(proba < 0) or not np.allclose(proba.sum(axis=1), 1, atol=1e-4):
        raise ValueError(
            "noisy_proba must hold probabilities: non-negative rows summing to 1 (the "
            "output of predict_proba)."
        )
    if (
        not isinstance(percentile, numbers.Real)
        or isinstance(percentile, bool)
        or not 0 < percentile <= 100
    ):
        raise ValueError(f"percentile must be a number in (0, 100]; got {percentile!r}.")
    n_classes = proba.shape[1]
    transition_matrix = np.empty((n_classes, n_classes))
    for true_class in range(n_classes):
        column = proba[:, true_class]
        if percentile < 100:
            threshold = np.percentile(column, percentile, method="higher")
            below = column < threshold
            # Every value ties at the top (a constant column): keep them all.
            column = np.where(below, column, -np.inf) if below.any() else column
        anchor = int(np.argmax(column))
        transition_matrix[true_class] = proba[anchor]
    return transition_matrix / transition_matrix.sum(axis=1, keepdims=True)
