"""Detection metrics: how well a cleaner's suspects match the labels that
were really flipped.

A cleaner detects mislabeled samples; the injector knows which ones are. A
flipped label is a *positive*: ``noise_mask`` (the injector's
``noise_mask_``) is the truth, ``suspect_mask`` (a cleaner's
``suspect_mask_``) the detection, and ``label_quality`` (its
``label_quality_``, higher is cleaner) a ranking whose suspicion score is
``-label_quality``. The metrics are scikit-learn's, on those two classes.
"""

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.utils import Bunch
from sklearn.utils.validation import check_array

from ._compat import validate_params

__all__ = ["detection_report", "detection_scores"]


def _check_mask(mask, name):
    """A 1-D boolean ndarray, or a ValueError naming ``name``."""
    values = np.asarray(mask)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one entry per sample; got shape {values.shape}.")
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one sample is required.")
    if values.dtype != bool:
        # Indices of the flipped samples (np.flatnonzero) or 0/1 counts
        # would be read as a different mask: only booleans are taken.
        raise ValueError(
            f"{name} must be a boolean mask (dtype bool), one entry per sample; got "
            f"dtype {values.dtype}. Pass the fitted noise_mask_ or suspect_mask_, or "
            "a comparison such as y_noisy != y."
        )
    return values


def _check_same_length(noise_mask, other, other_name):
    if other.shape[0] != noise_mask.shape[0]:
        raise ValueError(
            f"noise_mask and {other_name} must describe the same samples; got "
            f"{noise_mask.shape[0]} and {other.shape[0]} entries."
        )


@validate_params(
    {"noise_mask": ["array-like"], "suspect_mask": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def detection_report(noise_mask, suspect_mask):
    """Precision, recall and F1 of a cleaner's suspects against the true flips.

    Parameters
    ----------
    noise_mask : array-like of shape (n_samples,), dtype bool
        True where the label was flipped: the truth, such as
        ``LabelNoiseInjector.noise_mask_``.
    suspect_mask : array-like of shape (n_samples,), dtype bool
        True where the cleaner suspects the label, such as a cleaner's
        ``suspect_mask_`` fitted on the injector's output.

    Returns
    -------
    report : :class:`~sklearn.utils.Bunch`
        With the keys (attributes)

        - ``precision`` (float): the share of the suspects that were
          flipped, :func:`~sklearn.metrics.precision_score`;
        - ``recall`` (float): the share of the flipped labels that are
          suspects, :func:`~sklearn.metrics.recall_score`;
        - ``f1`` (float): their harmonic mean,
          :func:`~sklearn.metrics.f1_score`;
        - ``n_flagged`` (int): the number of suspects;
        - ``n_flipped`` (int): the number of flipped labels.

        An undefined ratio is NaN, without a warning: ``precision`` when
        nothing is flagged, ``recall`` when nothing was flipped (a noise
        rate of 0), ``f1`` when both. ``n_flagged`` and ``n_flipped`` say
        which.

    See Also
    --------
    detection_scores : How well a cleaner's label quality ranks the flips,
        independently of its threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from skmislabel.metrics import detection_report
    >>> noise_mask = np.array([True, True, False, False, False])
    >>> suspect_mask = np.array([True, False, True, False, False])
    >>> report = detection_report(noise_mask, suspect_mask)
    >>> report.precision, report.recall, report.f1, report.n_flagged, report.n_flipped
    (0.5, 0.5, 0.5, 2, 2)
    """
    noise_mask = _check_mask(noise_mask, "noise_mask")
    suspect_mask = _check_mask(suspect_mask, "suspect_mask")
    _check_same_length(noise_mask, suspect_mask, "suspect_mask")
    # zero_division=nan: a ratio with nothing to count is undefined, not 0
    # (which would read as "every suspect wrong") nor 1.
    scores = {
        name: float(metric(noise_mask, suspect_mask, zero_division=np.nan))
        for name, metric in [
            ("precision", precision_score),
            ("recall", recall_score),
            ("f1", f1_score),
        ]
    }
    return Bunch(
        **scores,
        n_flagged=int(suspect_mask.sum()),
        n_flipped=int(noise_mask.sum()),
    )


@validate_params(
    {"noise_mask": ["array-like"], "label_quality": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def detection_scores(noise_mask, label_quality):
    """ROC AUC and average precision of a cleaner's label quality as a
    detector of the true flips.

    The suspicion score is ``-label_quality``: the lower a sample's label
    quality, the more suspect. Unlike :func:`detection_report`, these do not
    depend on where the cleaner draws the line between suspects and the
    rest.

    Parameters
    ----------
    noise_mask : array-like of shape (n_samples,), dtype bool
        True where the label was flipped, such as
        ``LabelNoiseInjector.noise_mask_``.
    label_quality : array-like of shape (n_samples,)
        Finite scores, higher is cleaner, such as a cleaner's
        ``label_quality_``.

    Returns
    -------
    scores : :class:`~sklearn.utils.Bunch`
        With the keys (attributes)

        - ``roc_auc`` (float): :func:`~sklearn.metrics.roc_auc_score`, the
          probability that a flipped label is ranked more suspect than a
          clean one (ties count half); 0.5 is chance.
        - ``average_precision`` (float):
          :func:`~sklearn.metrics.average_precision_score`, the mean
          precision over the recall levels of the ranking; chance is the
          share of flipped labels.

    Warns
    -----
    UndefinedMetricWarning
        When ``noise_mask`` has no flipped label: both scores are NaN. When
        every label was flipped, ``roc_auc`` is NaN (there is no clean label
        to rank below) and ``average_precision`` is 1.

    See Also
    --------
    detection_report : Precision and recall of the suspects themselves.

    Examples
    --------
    >>> import numpy as np
    >>> from skmislabel.metrics import detection_scores
    >>> noise_mask = np.array([True, True, False, False])
    >>> label_quality = np.array([0.1, 0.6, 0.4, 0.9])
    >>> scores = detection_scores(noise_mask, label_quality)
    >>> scores.roc_auc, round(scores.average_precision, 3)
    (0.75, 0.833)
    """
    noise_mask = _check_mask(noise_mask, "noise_mask")
    values = np.asarray(label_quality)
    if values.dtype.kind not in "biuf":
        raise ValueError(
            f"label_quality must hold numbers, one score per sample; got dtype {values.dtype}."
        )
    label_quality = check_array(values, ensure_2d=False, dtype=float, input_name="label_quality")
    if label_quality.ndim != 1:
        raise ValueError(
            f"label_quality must be 1-D, one score per sample; got shape {label_quality.shape}."
        )
    _check_same_length(noise_mask, label_quality, "label_quality")
    n_flipped = int(noise_mask.sum())
    suspicion = -label_quality
    if n_flipped == 0:
        warnings.warn(
            "noise_mask has no flipped label: ROC AUC and average precision are "
            "undefined without positives; both are NaN.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return Bunch(roc_auc=float("nan"), average_precision=float("nan"))
    if n_flipped == noise_mask.shape[0]:
        warnings.warn(
            "Every label of noise_mask was flipped: ROC AUC is undefined without a "
            "clean label and is NaN; average precision is 1.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return Bunch(roc_auc=float("nan"), average_precision=1.0)
    return Bunch(
        roc_auc=float(roc_auc_score(noise_mask, suspicion)),
        average_precision=float(average_precision_score(noise_mask, suspicion)),
    )
