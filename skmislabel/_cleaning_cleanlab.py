"""Everything cleanlab-specific, in one place: the import, its label
encoding, its matrix orientation and the call of confident learning.

cleanlab is the optional ``cleaning`` extra: it is imported when a
:class:`~skmislabel.cleaning.ConfidentLearningCleaner` fits, never when
:mod:`skmislabel` or :mod:`skmislabel.cleaning` is imported. Tested with
cleanlab 2.9.
"""

from dataclasses import dataclass

import numpy as np

from ._compat import CLEANING_EXTRA_MESSAGE

__all__ = ["FILTERS", "LABEL_QUALITY_METHOD", "ConfidentLearning", "confident_learning"]

# The filter_by options of cleanlab.filter.find_label_issues.
FILTERS = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
    "low_normalized_margin",
    "low_self_confidence",
)

# The method of cleanlab.rank.get_label_quality_scores behind label_quality_.
# cleanlab recommends the normalized margin for class-conditional noise, and
# with 5-NN probabilities on digits it ranks the flipped labels better than
# the probability of the given label ("self_confidence"): average precision
# 0.981 against 0.971 at 20% symmetric noise, 0.971 against 0.943 at 40%.
LABEL_QUALITY_METHOD = "normalized_margin"


@dataclass
class ConfidentLearning:
    """What confident learning says about every sample.

    Attributes
    ----------
    issue_mask : ndarray of shape (n_samples,), dtype bool
        cleanlab's label issues.
    label_quality : ndarray of shape (n_samples,)
        cleanlab's label quality score (:data:`LABEL_QUALITY_METHOD`).
    transition_matrix : ndarray of shape (n_classes, n_classes)
        The noise matrix cleanlab estimates, in skmislabel's orientation
        ``T[i, j] = P(noisy = j | true = i)``: rows sum to 1.
    """

    issue_mask: np.ndarray
    label_quality: np.ndarray
    transition_matrix: np.ndarray


def import_cleanlab():
    """The cleanlab modules used here, or an ImportError with the pip hint."""
    try:
        import cleanlab.count
        import cleanlab.filter
        import cleanlab.rank
    except ImportError as exc:
        raise ImportError(CLEANING_EXTRA_MESSAGE) from exc
    return cleanlab


def confident_learning(codes, probabilities, *, filter_by):
    """Run cleanlab's confident learning on out-of-fold probabilities.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,)
        The given labels as positions ``0 .. K-1`` in the classes, every
        class present: cleanlab's label format.
    probabilities : ndarray of shape (n_samples, K)
        Out-of-fold ``predict_proba``, columns in the same class order.
    filter_by : str
        One of :data:`FILTERS`.

    Returns
    -------
    result : ConfidentLearning
    """
    cleanlab = import_cleanlab()
    labels = np.asarray(codes, dtype=np.int64)
    # Computed once and handed to find_label_issues (which would compute the
    # same, with the same defaults), because the noise matrix comes from it.
    confident_joint = cleanlab.count.compute_confident_joint(labels, probabilities)
    issue_mask = cleanlab.filter.find_label_issues(
        labels,
        probabilities,
        filter_by=filter_by,
        # find_label_issues ignores, with a warning, a joint passed with
        # 'confident_learning': it recounts one with the off-diagonal indices.
        confident_joint=None if filter_by == "confident_learning" else confident_joint,
        # cleanlab's default starts a process pool per fit, one process per
        # core, which costs more than its per-class loop saves for tens of
        # classes and would oversubscribe the cores that n_jobs already uses.
        n_jobs=1,
    )
    label_quality = cleanlab.rank.get_label_quality_scores(
        labels, probabilities, method=LABEL_QUALITY_METHOD
    )
    # cleanlab's noise matrix is P(given = i | true = j), columns summing to
    # 1: the transpose of skmislabel's T.
    _, noise_matrix, _ = cleanlab.count.estimate_latent(confident_joint, labels)
    return ConfidentLearning(
        issue_mask=np.asarray(issue_mask, dtype=bool),
        label_quality=np.asarray(label_quality, dtype=float),
        transition_matrix=np.asarray(noise_matrix, dtype=float).T.copy(),
    )
