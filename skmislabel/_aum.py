"""The area under the margin (AUM, Pleiss et al. 2020), the evidence of
:class:`skmislabel.cleaning.AUMCleaner`.

A model is trained epoch by epoch on the given labels; after every epoch
each sample's *margin* is the logit of its assigned label minus the largest
other logit, and its AUM is the mean margin over the epochs. A correct label
is learnt early from the other samples of its class (large positive margin
from the first epochs); a flipped one is pulled towards its true class by
those samples and is fitted, if ever, only by memorizing it late (negative
or small margin for most epochs).

The threshold is the paper's: a random ``n_samples // (n_classes + 1)``
samples (the *threshold samples*) get a class of their own that no pattern
explains, so that their AUM is what a surely-wrong label scores; a sample
is flagged when more than ``1 - percentile / 100`` of the threshold samples
score a higher AUM than it. Two runs with disjoint threshold samples give
every sample an AUM from a run in which its label was its own.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["AreaUnderMargin", "area_under_margin", "log_probability_margins"]

# The smallest normal float32: a float32 softmax rounds anything below it to
# 0 or a denormal, whose log would make one epoch's margin dominate the mean.
_SMALLEST_PROBABILITY = float(np.finfo(np.float32).tiny)

# Two runs: the reference code's (asappresearch/aum), the fewest that give
# every sample an AUM under its own label.
N_RUNS = 2


@dataclass
class AreaUnderMargin:
    """What the AUM runs say about every sample.

    Attributes
    ----------
    aum : ndarray of shape (n_samples,)
        Each sample's mean margin over the epochs, averaged over the runs in
        which it was not a threshold sample.
    threshold : float
        The ``percentile``-th percentile of the threshold samples' AUM.
    suspect_mask : ndarray of shape (n_samples,), dtype bool
        The samples whose AUM is below the threshold (as the reference code
        compares: more than ``1 - percentile / 100`` of the threshold
        samples score higher).
    mean_probabilities : ndarray of shape (n_samples, n_classes)
        The model's probabilities of the real classes, averaged over the
        same epochs and runs as ``aum``.
    """

    aum: np.ndarray
    threshold: float
    suspect_mask: np.ndarray
    mean_probabilities: np.ndarray


def log_probability_margins(probabilities, assigned):
    """``log p[assigned] - max over other classes of log p``, per row.

    For a softmax model this is the margin of the logits exactly (a softmax
    divides every probability of a row by the same sum). Probabilities are
    clipped below at float32's smallest normal, so that a rounded-to-zero
    probability gives a large finite margin, not an infinite one.
    """
    log_probabilities = np.log(np.maximum(probabilities, _SMALLEST_PROBABILITY))
    rows = np.arange(assigned.shape[0])
    assigned_log = log_probabilities[rows, assigned]
    others = log_probabilities.copy()
    others[rows, assigned] = -np.inf
    return assigned_log - others.max(axis=1)


def _one_run(estimator, data, assigned, n_labels, epochs):
    """Train ``estimator`` for ``epochs`` calls of ``partial_fit`` on the
    ``assigned`` labels (positions ``0 .. n_labels - 1``); return the mean
    margin and mean probabilities over the epochs."""
    labels = np.arange(n_labels)
    margin_sum = np.zeros(assigned.shape[0])
    probability_sum = np.zeros((assigned.shape[0], n_labels))
    for epoch in range(epochs):
        if epoch == 0:
            estimator.partial_fit(data, assigned, classes=labels)
        else:
            estimator.partial_fit(data, assigned)
        probabilities = np.asarray(estimator.predict_proba(data), dtype=float)
        if probabilities.shape != probability_sum.shape:
            raise ValueError(
                f"estimator.predict_proba returned shape {probabilities.shape}; expected "
                f"(n_samples, n_classes + 1) = {probability_sum.shape} (the extra class is "
                "the threshold samples')."
            )
        margin_sum += log_probability_margins(probabilities, assigned)
        probability_sum += probabilities
    return margin_sum / epochs, probability_sum / epochs


def area_under_margin(make_estimator, data, codes, *, n_classes, epochs, percentile, rng):
    """AUM of every sample, the threshold and the suspects.

    Parameters
    ----------
    make_estimator : callable
        ``make_estimator(run)`` returns a fresh unfitted estimator with
        ``partial_fit(X, y, classes=...)`` and ``predict_proba``, seeded.
    data : array-like of shape (n_samples, ...)
        What the estimator is trained on.
    codes : ndarray of shape (n_samples,)
        The given labels as positions ``0 .. n_classes - 1``.
    n_classes : int
    epochs : int
        Epochs (``partial_fit`` calls) of each run.
    percentile : float in (0, 100)
        The threshold's percentile of the threshold samples' AUM.
    rng : numpy.random.Generator
        Draws the threshold samples.

    Returns
    -------
    AreaUnderMargin
    """
    n_samples = codes.shape[0]
    n_threshold = n_samples // (n_classes + 1)
    order = rng.permutation(n_samples)
    aum_sum = np.zeros(n_samples)
    probability_sum = np.zeros((n_samples, n_classes))
    n_own_runs = np.zeros(n_samples)
    threshold_aums = []
    for run in range(N_RUNS):
        threshold_samples = order[run * n_threshold : (run + 1) * n_threshold]
        assigned = codes.copy()
        assigned[threshold_samples] = n_classes
        aum, probabilities = _one_run(make_estimator(run), data, assigned, n_classes + 1, epochs)
        own = np.ones(n_samples, dtype=bool)
        own[threshold_samples] = False
        aum_sum[own] += aum[own]
        probability_sum[own] += probabilities[own, :n_classes]
        n_own_runs[own] += 1
        threshold_aums.append(aum[threshold_samples])
    aum = aum_sum / n_own_runs
    threshold_aums = np.sort(np.concatenate(threshold_aums))

    def share_above(values):
        # The share of threshold samples with a higher AUM, as the reference
        # code's generate_aum_details counts it.
        return 1.0 - np.searchsorted(threshold_aums, values, side="right") / threshold_aums.size

    allowed = (100.0 - percentile) / 100.0
    # The lowest threshold-sample AUM that is not suspect itself: the share
    # is non-increasing in the AUM, so a sample is a suspect exactly when its
    # AUM is below this one (and the last one's share is 0, never suspect).
    threshold = threshold_aums[np.argmax(share_above(threshold_aums) <= allowed)]
    return AreaUnderMargin(
        aum=aum,
        threshold=float(threshold),
        suspect_mask=share_above(aum) > allowed,
        mean_probabilities=probability_sum / n_own_runs[:, None],
    )
