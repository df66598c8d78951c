"""Metrics for noisy labels: how well a cleaner's suspects match the labels
that were really flipped (detection), and the clean accuracy of a model
estimated from noisy labels alone (noise-aware accuracy).

A cleaner detects mislabeled samples; the injector knows which ones are. A
flipped label is a *positive*: ``noise_mask`` (the injector's
``noise_mask_``) is the truth, ``suspect_mask`` (a cleaner's
``suspect_mask_``) the detection, and ``label_quality`` (its
``label_quality_``, higher is cleaner) a ranking whose suspicion score is
``-label_quality``. The metrics are scikit-learn's, on those two classes.

:func:`noise_aware_accuracy` and :func:`make_noise_aware_scorer` need no
clean label: only the noisy labels of a validation set and a transition
matrix (known, or from :func:`skmislabel.noise.estimate_noise`).
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

__all__ = [
    "detection_report",
    "detection_scores",
    "make_noise_aware_scorer",
    "noise_aware_accuracy",
]


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


def _check_transition_matrix(transition_matrix, labels):
    """T as a float ndarray whose rows and columns follow ``labels``, and
    the labels (sorted classes of a labelled T when ``labels`` is None).

    A DataFrame is aligned by its index (true) and columns (noisy); an
    array is taken to be in the order of ``labels``.
    """
    if _is_dataframe(transition_matrix):
        index = np.asarray(transition_matrix.index)
        columns = np.asarray(transition_matrix.columns)
        if set(index.tolist()) != set(columns.tolist()) or len(index) != len(columns):
            raise ValueError(
                "transition_matrix as a DataFrame must have the same classes as its index "
                f"(true) and columns (noisy); got index {index.tolist()} and columns "
                f"{columns.tolist()}."
            )
        if labels is None:
            labels = np.sort(index)
        missing = [label for label in np.asarray(labels).tolist() if label not in set(index)]
        extra = [label for label in index.tolist() if label not in set(np.asarray(labels))]
        if missing or extra:
            raise ValueError(
                f"transition_matrix's classes must be the labels {np.asarray(labels).tolist()}; "
                f"missing {missing}, extra {extra}."
            )
        transition_matrix = transition_matrix.loc[list(labels), list(labels)]
    matrix = check_array(
        np.asarray(transition_matrix), dtype=np.float64, input_name="transition_matrix"
    )
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"transition_matrix must be square; got shape {matrix.shape}.")
    if np.any(matrix < 0) or not np.allclose(matrix.sum(axis=1), 1, atol=1e-6):
        raise ValueError(
            "transition_matrix must be row-stochastic, T[i, j] = P(noisy = j | true = i): "
            "non-negative rows summing to 1."
        )
    # A T that mixes the classes beyond recovery has no inverse: the clean
    # confusion cannot be told from the noisy one.
    if np.linalg.cond(matrix) > 1e12:
        raise ValueError(
            "transition_matrix is singular (or nearly): the clean accuracy cannot be "
            "recovered from noisy labels through it. Its condition number is "
            f"{np.linalg.cond(matrix):.3g}."
        )
    return matrix, labels


def _is_dataframe(obj):
    return type(obj).__module__.startswith("pandas") and type(obj).__name__ == "DataFrame"


@validate_params(
    {
        "y_noisy": ["array-like"],
        "y_pred": ["array-like"],
        "transition_matrix": ["array-like"],
        "labels": ["array-like", None],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def noise_aware_accuracy(y_noisy, y_pred, transition_matrix, *, labels=None, sample_weight=None):
    """Estimate the accuracy on clean labels from noisy labels and ``T``.

    Under class-conditional noise (:mod:`skmislabel.noise`, *Conventions*:
    ``T[i, j] = P(noisy = j | true = i)``), when the predictions do not
    depend on the noise given the true label (they are made from the
    features, by a model that did not see these labels), the joint shares
    ``N[j, k] = P(noisy = j, pred = k)`` and ``C[i, k] = P(true = i, pred =
    k)`` satisfy ``E[N] = T.T @ C``. So ``C`` is estimated without bias by
    ``inv(T.T) @ N`` and the clean accuracy by its trace. Plain accuracy on
    the noisy labels, ``trace(N)``, is biased: at 50% symmetric noise on 10
    classes it reads about 0.5 for a perfect model.

    The validation samples must be chosen independently of their noise.
    Folds stratified on the noisy labels *without shuffling* break this on
    ordered data (``GridSearchCV(cv=5)`` does that): on digits, 1-NN at
    pairflip 30% is then underestimated by 0.017 on average over 20
    seeds, against 0.002 with ``StratifiedKFold(shuffle=True)``.

    Parameters
    ----------
    y_noisy : array-like of shape (n_samples,)
        Noisy labels of held-out samples.
    y_pred : array-like of shape (n_samples,)
        Predicted labels of the same samples.
    transition_matrix : array-like or DataFrame of shape (n_classes, n_classes)
        ``T``, rows true and columns noisy, rows summing to 1; invertible.
        A DataFrame is aligned by its index (true classes) and columns
        (noisy classes), which must both be the classes; an array is in the
        order of ``labels``.
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of T's rows. None: the index of a
        DataFrame T sorted, else the sorted union of y_noisy and y_pred,
        which must then have as many classes as T (pass ``labels`` when a
        class may be missing from a small validation set).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    accuracy : float
        The estimated clean accuracy. Unbiased, hence not clipped: on a
        small set it can fall outside [0, 1].

    See Also
    --------
    make_noise_aware_scorer : The same as a scorer for ``GridSearchCV``.
    skmislabel.noise.estimate_noise : A transition matrix from the data.

    Examples
    --------
    >>> import numpy as np
    >>> from skmislabel.metrics import noise_aware_accuracy
    >>> T = np.array([[0.8, 0.2], [0.2, 0.8]])
    >>> y_noisy = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0])
    >>> y_pred = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> float(np.mean(y_noisy == y_pred))
    0.8
    >>> round(noise_aware_accuracy(y_noisy, y_pred, T), 3)
    1.0
    """
    from sklearn.utils.multiclass import unique_labels
    from sklearn.utils.validation import check_consistent_length, column_or_1d

    y_noisy = column_or_1d(y_noisy, warn=True)
    y_pred = column_or_1d(y_pred, warn=True)
    check_consistent_length(y_noisy, y_pred, sample_weight)
    if y_noisy.shape[0] == 0:
        raise ValueError("y_noisy is empty: at least one sample is required.")
    if labels is None and not _is_dataframe(transition_matrix):
        labels = unique_labels(y_noisy, y_pred)
    elif labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or np.unique(labels).shape[0] != labels.shape[0]:
            raise ValueError(f"labels must be 1-D without repeats; got {labels.tolist()}.")
    matrix, labels = _check_transition_matrix(transition_matrix, labels)
    labels = np.asarray(labels)
    if matrix.shape[0] != labels.shape[0]:
        raise ValueError(
            f"transition_matrix has {matrix.shape[0]} classes but there are "
            f"{labels.shape[0]} labels ({labels.tolist()}); pass labels= in the order "
            "of its rows."
        )
    unknown = np.setdiff1d(unique_labels(y_noisy, y_pred), labels)
    if unknown.size:
        raise ValueError(
            f"y_noisy and y_pred contain labels {unknown.tolist()} that are not in "
            f"labels {labels.tolist()}."
        )
    weights = (
        np.ones(y_noisy.shape[0])
        if sample_weight is None
        else check_array(sample_weight, ensure_2d=False, input_name="sample_weight")
    )
    n_classes = labels.shape[0]
    order = np.argsort(labels)
    noisy_codes = order[np.searchsorted(labels[order], y_noisy)]
    pred_codes = order[np.searchsorted(labels[order], y_pred)]
    noisy_joint = np.zeros((n_classes, n_classes))
    np.add.at(noisy_joint, (noisy_codes, pred_codes), weights)
    noisy_joint /= weights.sum()
    clean_joint = np.linalg.solve(matrix.T, noisy_joint)
    return float(np.trace(clean_joint))


class _NoiseAwareScorer:
    """``scorer(estimator, X, y_noisy)``: the noise-aware accuracy of
    ``estimator.predict(X)``; labels default to the estimator's classes_."""

    def __init__(self, transition_matrix, labels):
        self.transition_matrix = transition_matrix
        self.labels = labels

    def __call__(self, estimator, X, y_true, sample_weight=None):
        labels = self.labels
        if labels is None and not _is_dataframe(self.transition_matrix):
            # The fold's model knows every class it was fitted on, even those
            # absent from the validation fold.
            labels = getattr(estimator, "classes_", None)
        return noise_aware_accuracy(
            y_true,
            estimator.predict(X),
            self.transition_matrix,
            labels=labels,
            sample_weight=sample_weight,
        )

    def __repr__(self):
        return f"make_noise_aware_scorer({self.transition_matrix!r}, labels={self.labels!r})"


@validate_params(
    {"transition_matrix": ["array-like"], "labels": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def make_noise_aware_scorer(transition_matrix, *, labels=None):
    """A scorer of :func:`noise_aware_accuracy`, for ``scoring=`` in
    ``GridSearchCV``, ``cross_val_score`` and the like.

    The scorer scores a model's predictions on noisy validation labels with
    the clean accuracy they imply under ``transition_matrix``: choosing on
    it chooses as if the validation labels were clean (in expectation).
    Pass shuffled folds (``cv=StratifiedKFold(5, shuffle=True,
    random_state=0)``) when the samples are ordered: see
    :func:`noise_aware_accuracy`.

    Parameters
    ----------
    transition_matrix : array-like or DataFrame of shape (n_classes, n_classes)
        ``T``, rows true and columns noisy; see :func:`noise_aware_accuracy`.
        Checked here, so that a bad T fails before any fit.
    labels : array-like of shape (n_classes,), default=None
        The classes in the order of T's rows. None: a DataFrame T's sorted
        index, else the fitted estimator's ``classes_`` (sorted, as
        scikit-learn classifiers keep them).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_noisy)`` returns a float, greater is better.

    See Also
    --------
    noise_aware_accuracy : The metric.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import GridSearchCV, StratifiedKFold
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skmislabel import LabelNoiseInjector
    >>> from skmislabel.metrics import make_noise_aware_scorer
    >>> X, y = load_digits(return_X_y=True)
    >>> injector = LabelNoiseInjector(noise_rate=0.4, random_state=0)
    >>> X, y_noisy = injector.fit_resample(X, y)
    >>> scorer = make_noise_aware_scorer(injector.transition_matrix_)
    >>> folds = StratifiedKFold(5, shuffle=True, random_state=0)
    >>> search = GridSearchCV(
    ...     KNeighborsClassifier(), {"n_neighbors": [1, 25]}, scoring=scorer, cv=folds
    ... ).fit(X, y_noisy)
    >>> search.best_params_
    {'n_neighbors': 25}
    """
    if labels is not None:
        labels = np.asarray(labels)
    _check_transition_matrix(transition_matrix, labels)
    return _NoiseAwareScorer(transition_matrix, labels)
