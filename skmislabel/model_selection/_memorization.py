"""Memorization curves: what a model predicts for its flipped labels, epoch by epoch."""

import numbers
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch, check_consistent_length, check_random_state
from sklearn.utils.multiclass import check_classification_targets

from .._compat import HasMethods, Interval, safe_indexing, validate_params

__all__ = ["memorization_curve"]

# The parameters that bound one fit of a warm-startable estimator, in the
# order they are looked for: Keras-style wrappers call it ``epochs``,
# scikit-learn ``max_iter``.
_ITERATION_PARAMETERS = ("epochs", "max_iter")


def _labels(name, y):
    """``y`` as a 1-D array of class labels, not copied when it already is one."""
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of class labels; got an array of shape {labels.shape}."
        )
    check_classification_targets(labels)
    return labels


def _label_kind(labels):
    """What the labels are: "boolean", "numeric" or "text" (or, for an object
    array of other values, their types), for telling apart labels that
    cannot be classes of the same model."""
    if labels.dtype.kind == "b":
        return "boolean"
    if labels.dtype.kind in "iuf":
        return "numeric"
    if labels.dtype.kind in "US":
        return "text"
    kinds = {
        "boolean"
        if isinstance(value, (bool, np.bool_))
        else "numeric"
        if isinstance(value, numbers.Number)
        else "text"
        if isinstance(value, str)
        else type(value).__name__
        for value in labels
    }
    return kinds.pop() if len(kinds) == 1 else " and ".join(sorted(kinds))


def _check_same_kind(name, labels, reference_name, reference):
    """Refuse ``labels`` whose kind cannot be that of ``reference``'s classes:
    a 0 and a "0" are different classes, and nothing would match."""
    kind, expected = _label_kind(labels), _label_kind(reference)
    if kind == expected:
        return
    hint = ""
    if kind == "boolean":
        hint = (
            f" A boolean {name} is often the noise mask that flip_labels returns "
            "beside the noisy labels: pass the clean labels."
        )
    raise ValueError(
        f"{name} holds {kind} labels but {reference_name} holds {expected} labels: "
        f"they must be labels of the same classes.{hint}"
    )


def _epoch_trainer(estimator, X, y_noisy, classes):
    """A function that trains ``estimator`` (a fresh clone) for one more epoch."""
    if hasattr(estimator, "partial_fit"):
        return lambda: estimator.partial_fit(X, y_noisy, classes=classes)
    params = estimator.get_params()
    iteration_parameter = next((key for key in _ITERATION_PARAMETERS if key in params), None)
    if "warm_start" not in params or iteration_parameter is None:
        raise TypeError(
            f"{type(estimator).__name__} can't be trained epoch by epoch: it has neither "
            "partial_fit nor warm_start with epochs/max_iter."
        )
    estimator.set_params(warm_start=True, **{iteration_parameter: 1})

    def fit_one_more_epoch():
        # One iteration per fit never converges: the warning would fire at
        # every epoch and say nothing the caller doesn't know.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            estimator.fit(X, y_noisy)

    return fit_one_more_epoch


def _share(mask):
    """Mean of a boolean mask; NaN, without a warning, when it is empty."""
    return float(mask.mean()) if mask.size else np.nan


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"])],
        "X": ["array-like", "sparse matrix"],
        "y_noisy": ["array-like"],
        "y_true": ["array-like"],
        "X_test": ["array-like", "sparse matrix", None],
        "y_test": ["array-like", None],
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "classes": ["array-like", None],
        "max_samples": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="right"),
            None,
        ],
        "random_state": ["random_state"],
    },
    # The estimator's own fit validates its parameters as usual.
    prefer_skip_nested_validation=False,
)
def memorization_curve(
    estimator,
    X,
    y_noisy,
    y_true,
    *,
    X_test=None,
    y_test=None,
    epochs=20,
    classes=None,
    max_samples=None,
    random_state=None,
):
    """What a model predicts for its mislabeled training samples, epoch by epoch.

    A network trained on noisy labels first fits the pattern the clean
    labels share, then memorizes the flipped ones, while its test accuracy
    peaks early and falls (Arpit et al., 2017). This function makes that
    visible: it trains a clone of ``estimator`` on ``(X, y_noisy)`` one epoch
    at a time and, after every epoch, predicts the training set. Among the
    *flipped* samples (``y_noisy != y_true``), it records the share predicted
    as their noisy label (``memorized``), as their true label
    (``corrected``) and as any other class (``other``); among the others,
    the accuracy (``clean_accuracy``); and the accuracy on a clean test set
    when one is given. ``y_true`` and ``y_noisy`` follow the conventions of
    :mod:`skmislabel.noise`: the clean and the noisy label of each sample, as
    :func:`~skmislabel.flip_labels` returns them.

    An epoch is one call of ``partial_fit(X, y_noisy, classes=classes)``
    when the estimator has ``partial_fit`` (:class:`~sklearn.neural_network.
    MLPClassifier`, :class:`~sklearn.linear_model.SGDClassifier`,
    :class:`~skmislabel.CNNClassifier`); otherwise, for an estimator whose
    ``get_params()`` has ``warm_start`` and ``epochs`` or ``max_iter`` (the
    first found), one call of ``fit(X, y_noisy)`` with ``warm_start=True``
    and that parameter set to 1, its
    :class:`~sklearn.exceptions.ConvergenceWarning` silenced (it is
    expected). That parameter must count the iterations of one fit, as in
    :class:`~sklearn.linear_model.LogisticRegression`; an estimator that
    counts it over all its warm-started fits (scikit-learn's
    ``HistGradientBoostingClassifier``) is not trained further and gives a
    flat curve. Any other estimator raises a TypeError, before any fit; so
    does a pipeline, whose steps' parameters are not looked at.

    Parameters
    ----------
    estimator : classifier
        The model; it is cloned, the object passed is left unfitted.

    X : {array-like, sparse matrix} of shape (n_samples, ...)
        Training data, passed as it is to the estimator (images for a CNN).
        Never modified.

    y_noisy : array-like of shape (n_samples,)
        The labels the model is trained on. Never modified.

    y_true : array-like of shape (n_samples,)
        The clean labels; a sample is *flipped* where they differ from
        ``y_noisy``. Labels of the same kind as ``y_noisy`` (numbers, text
        or booleans), as are ``y_test`` and ``classes``: ``flip_labels``'
        boolean noise mask, or the digits as text, are refused. Never
        modified.

    X_test : {array-like, sparse matrix} of shape (n_test_samples, ...), \
            default=None
        Test data, with clean labels ``y_test``; give both or neither.

    y_test : array-like of shape (n_test_samples,), default=None
        Clean test labels.

    epochs : int, default=20
        Number of epochs; one measurement after each.

    classes : array-like of shape (n_classes,), default=None
        All classes, passed to every ``partial_fit`` call. Default: the
        sorted labels of ``y_noisy`` and ``y_true`` together, so that a
        class that no noisy label names is still a class the model can
        predict. It must contain every label of both. Not used by
        warm-started estimators, whose ``fit`` sees the labels of
        ``y_noisy`` only.
    max_samples : int, float in (0, 1] or None, default=None
        The training samples predicted after each epoch: all (None), or a
        random subset of this many (an int) or of this share (a float), the
        same subset at every epoch. The model always trains on all of X;
        predicting all of a large training set after every epoch can cost
        as much as the epoch itself.
    random_state : int, RandomState instance or None, default=None
        Draws the subset of ``max_samples``; not used without it.

    Returns
    -------
    curve : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        epochs : ndarray of shape (epochs,)
            The epoch of each measurement, 1 to ``epochs``.
        memorized : ndarray of shape (epochs,)
            Share of the flipped training samples predicted as their noisy
            label.
        corrected : ndarray of shape (epochs,)
            Share of the flipped training samples predicted as their true
            label.
        other : ndarray of shape (epochs,)
            Share of the flipped training samples predicted as neither.
            ``memorized + corrected + other`` is 1 at every epoch. The three
            are NaN when no sample is flipped.
        clean_accuracy : ndarray of shape (epochs,)
            Accuracy on the training samples that are not flipped (NaN when
            all are).
        test_accuracy : ndarray of shape (epochs,) or None
            Accuracy on ``(X_test, y_test)``; None without a test set.
        n_flipped : int
            Number of flipped training samples.
        noise_mask : ndarray of shape (n_samples,), dtype bool
            True where ``y_noisy != y_true``.
        sample_indices : ndarray of shape (n_measured,)
            The training samples the shares and ``clean_accuracy`` are
            measured on (all, without ``max_samples``).
        estimator : estimator
            The clone, trained for ``epochs`` epochs.

    See Also
    --------
    skmislabel.plotting.MemorizationDisplay : Plot the curve.
    skmislabel.flip_labels : Draw the noisy labels and their mask.

    References
    ----------
    Arpit, D., Jastrzębski, S., Ballas, N., et al. (2017). A closer look at
    memorization in deep networks. *ICML*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skmislabel import flip_labels
    >>> from skmislabel.model_selection import memorization_curve
    >>> X, y = load_digits(return_X_y=True)
    >>> y_noisy, noise_mask = flip_labels(y, noise_rate=0.4, random_state=0)
    >>> curve = memorization_curve(
    ...     SGDClassifier(random_state=0), X, y_noisy, y, epochs=5)
    >>> curve.epochs.tolist(), curve.n_flipped
    ([1, 2, 3, 4, 5], 719)
    >>> bool(np.allclose(curve.memorized + curve.corrected + curve.other, 1))
    True
    """
    check_consistent_length(X, y_noisy, y_true)
    y_noisy = _labels("y_noisy", y_noisy)
    y_true = _labels("y_true", y_true)
    _check_same_kind("y_true", y_true, "y_noisy", y_noisy)
    if (X_test is None) != (y_test is None):
        given, missing = ("X_test", "y_test") if y_test is None else ("y_test", "X_test")
        raise ValueError(f"{given} is given but {missing} is not: give both or neither.")
    if y_test is not None:
        check_consistent_length(X_test, y_test)
        y_test = _labels("y_test", y_test)
        _check_same_kind("y_test", y_test, "y_noisy", y_noisy)

    known = np.unique(np.concatenate([y_noisy, y_true]))
    if classes is None:
        classes = known
    else:
        classes = np.asarray(classes)
        _check_same_kind("classes", classes, "y_noisy", y_noisy)
        missing = np.setdiff1d(known, classes)
        if missing.size:
            raise ValueError(
                f"classes must contain every label of y_noisy and y_true; it lacks "
                f"{missing.tolist()}."
            )

    n_samples = len(y_noisy)
    if max_samples is None:
        sample_indices = np.arange(n_samples)
    else:
        size = max_samples if isinstance(max_samples, numbers.Integral) else max_samples * n_samples
        size = min(n_samples, max(1, int(size)))
        rng = check_random_state(random_state)
        sample_indices = np.sort(rng.choice(n_samples, size=size, replace=False))
    fitted = clone(estimator)
    train_one_epoch = _epoch_trainer(fitted, X, y_noisy, classes)
    noise_mask = y_noisy != y_true
    X_measured = X if max_samples is None else safe_indexing(X, sample_indices)
    measured_mask = noise_mask[sample_indices]
    flipped_noisy = y_noisy[sample_indices][measured_mask]
    flipped_true = y_true[sample_indices][measured_mask]
    clean_labels = y_true[sample_indices][~measured_mask]
    shares = {name: np.empty(epochs) for name in ("memorized", "corrected", "other")}
    clean_accuracy = np.empty(epochs)
    test_accuracy = None if y_test is None else np.empty(epochs)
    for epoch in range(epochs):
        train_one_epoch()
        predicted = np.asarray(fitted.predict(X_measured))
        on_flipped = predicted[measured_mask]
        memorized = on_flipped == flipped_noisy
        corrected = on_flipped == flipped_true
        shares["memorized"][epoch] = _share(memorized)
        shares["corrected"][epoch] = _share(corrected)
        shares["other"][epoch] = _share(~(memorized | corrected))
        clean_accuracy[epoch] = _share(predicted[~measured_mask] == clean_labels)
        if test_accuracy is not None:
            test_accuracy[epoch] = _share(np.asarray(fitted.predict(X_test)) == y_test)

    return Bunch(
        epochs=np.arange(1, epochs + 1),
        **shares,
        clean_accuracy=clean_accuracy,
        test_accuracy=test_accuracy,
        n_flipped=int(noise_mask.sum()),
        noise_mask=noise_mask,
        sample_indices=sample_indices,
        estimator=fitted,
    )
