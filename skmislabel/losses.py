"""Noise-robust losses: Keras losses for training on mislabeled data.

Each loss is a ``keras.losses.Loss`` for a softmax network, to pass to
``keras.Model.compile(loss=...)`` or to build by name with
:func:`make_loss`:

- ``y_true``: integer class labels of shape (n,) or (n, 1), of any numeric
  dtype (cast to int32), as for Keras's ``"sparse_categorical_crossentropy"``;
- ``y_pred``: predicted *probabilities* of shape (n, K), softmax outputs, not
  logits;
- ``call`` returns the loss of each sample, which Keras reduces (``reduction``,
  by default the mean).

Below, ``p`` is a row of ``y_pred``, ``y`` its label, ``p_y`` the probability
of the label and ``onehot`` the label's one-hot row. Every ``log p`` term is
taken of the probabilities clipped to ``[keras.config.epsilon(), 1]`` (1e-7 by
default), so that a probability of exactly 0 gives a large but finite loss and
a finite gradient.

The loss corrections take a transition matrix in skmislabel's convention
(:ref:`noise-conventions`): ``T[i, j] = P(noisy label j | true label i)``, row
``i`` the true class, column ``j`` the noisy class, every row summing to 1.

This module needs the ``cnn`` extra (``pip install "skmislabel[cnn]"``);
``import skmislabel`` never imports it.
"""

import inspect
import math
import numbers

import numpy as np

from ._compat import CNN_EXTRA_MESSAGE

try:
    import keras
except ImportError as exc:
    raise ImportError(f"{CNN_EXTRA_MESSAGE} ({exc})") from exc

from keras import ops

from ._docstrings import fill_doc
from ._noise_models import _align_frame
from ._targets import _is_pandas

__all__ = [
    "LOSSES",
    "ActivePassiveLoss",
    "BackwardCorrectedCrossEntropy",
    "EarlyLearningRegularizedCrossEntropy",
    "ForwardCorrectedCrossEntropy",
    "GeneralizedCrossEntropy",
    "HardBootstrappingCrossEntropy",
    "LabelSmoothingCrossEntropy",
    "SoftBootstrappingCrossEntropy",
    "SymmetricCrossEntropy",
    "make_loss",
]

# Rows of a transition matrix must sum to 1 within this tolerance: looser than
# the noise models' (1e-8), since a matrix estimated in float32 is rounded.
ROW_SUM_TOLERANCE = 1e-6

# Beyond this condition number, T^{-1} amplifies rounding errors of T by more
# than 1e8: the backward correction's weights would be noise.
MAX_CONDITION_NUMBER = 1e8

# The reference implementations of SCE and NCE+RCE clamp the one-hot label to
# 1e-4 before taking its log.
DEFAULT_LOG_ZERO = math.log(1e-4)

# The reference implementation of ELR clamps the softmax probabilities to
# [1e-4, 1 - 1e-4] in its regularizer and its target update.
ELR_CLAMP = 1e-4

# A Keras loss receives y_true as float32 (Loss.__call__ casts it), which
# holds every integer sample index exactly below 2**24.
MAX_ELR_SAMPLES = 2**24

# GCE is computed in float32 as -expm1(q log p) / q. The smallest |log p| of
# a float32 p < 1 is 2**-24 (p = 1 - 2**-24), so from q = 2**-102 on, q log p
# is a normal float32 for every p; a smaller q would flush to 0 (0 / 0 at
# q = 1e-300).
MIN_GCE_Q = float(np.finfo(np.float32).tiny) * 2.0**24

# Constructor arguments of every loss that are Keras's, not the method's.
_KERAS_PARAMETERS = ("self", "reduction", "name")


def _check_number(name, value, low, high, closed="both"):
    """``value`` as a float, or an error naming ``name`` and the interval.

    ``closed`` is which ends belong to the interval, as in scikit-learn's
    ``Interval``: "both", "left", "right" or "neither".
    """
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    interval = f"{left}{low:g}, {high:g}{right}"
    # bool is an int to Python, but q=True is a mistake, not the number 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in {interval}; got {value!r}.")
    number = float(value)
    above = number >= low if left == "[" else number > low
    below = number <= high if right == "]" else number < high
    if not (above and below):
        raise ValueError(f"{name} must be a number in {interval}; got {value!r}.")
    return number


def _check_weights(alpha, beta, log_zero):
    """The weights of an active and a passive loss, and ``log 0`` of RCE."""
    alpha = _check_number("alpha", alpha, 0, math.inf, closed="left")
    beta = _check_number("beta", beta, 0, math.inf, closed="left")
    if alpha == 0 and beta == 0:
        raise ValueError(
            f"alpha and beta must not both be 0, which would make the loss 0; got "
            f"alpha={alpha}, beta={beta}."
        )
    log_zero = _check_number("log_zero", log_zero, -math.inf, 0, closed="neither")
    return alpha, beta, log_zero


def _check_transition_matrix(transition_matrix, classes=None, *, invertible=False):
    """Validate a transition matrix and return it as a read-only float64 array.

    ``T[i, j] = P(noisy label j | true label i)``: square, finite, entries in
    [0, 1], rows summing to 1; with ``invertible``, also well-conditioned
    enough to invert. A DataFrame is aligned to ``classes`` by its index
    (true classes) and columns (noisy classes), as ``flip_labels`` aligns
    one; without ``classes``, the classes are the labels ``0, ..., K - 1``
    the loss receives.
    """
    if classes is not None:
        classes = np.asarray(classes)
        if classes.ndim != 1 or len(np.unique(classes)) != len(classes):
            raise ValueError(
                f"classes must be a 1-D array of distinct class labels, the class of each "
                f"label 0, ..., K - 1 the loss receives; got {classes.tolist()!r}."
            )
    if _is_pandas(transition_matrix, "DataFrame"):
        transition_matrix = _align_frame(
            transition_matrix,
            np.arange(transition_matrix.shape[0]) if classes is None else classes,
        )
    try:
        matrix = np.array(transition_matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"transition_matrix must be an array-like of numbers; got "
            f"{type(transition_matrix).__name__} ({exc})."
        ) from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
        raise ValueError(
            f"transition_matrix must be a square matrix of shape (n_classes, n_classes) "
            f"with n_classes >= 2; got shape {matrix.shape}."
        )
    if classes is not None and matrix.shape[0] != len(classes):
        raise ValueError(
            f"transition_matrix must have one row and column per class of classes "
            f"{classes.tolist()}, in that order; got shape {matrix.shape}."
        )
    if not np.isfinite(matrix).all():
        row, column = np.argwhere(~np.isfinite(matrix))[0]
        raise ValueError(
            f"transition_matrix must be finite; got T[{row}, {column}] = {matrix[row, column]}."
        )
    outside = (matrix < 0) | (matrix > 1)
    if outside.any():
        row, column = np.argwhere(outside)[0]
        raise ValueError(
            f"transition_matrix entries must be probabilities in [0, 1]; got "
            f"T[{row}, {column}] = {matrix[row, column]:g}."
        )
    row_sums = matrix.sum(axis=1)
    bad_rows = np.flatnonzero(np.abs(row_sums - 1) > ROW_SUM_TOLERANCE)
    if bad_rows.size:
        row = bad_rows[0]
        raise ValueError(
            f"each row of transition_matrix must sum to 1 (within {ROW_SUM_TOLERANCE:g}), "
            f"as T[i, j] = P(noisy label j | true label i); row {row} sums to "
            f"{row_sums[row]:.10g}."
        )
    if invertible:
        condition = np.linalg.cond(matrix)
        # "not <=" also rejects a NaN condition number.
        if not condition <= MAX_CONDITION_NUMBER:
            raise ValueError(
                f"transition_matrix is singular or ill-conditioned (condition number "
                f"{condition:.3g} > {MAX_CONDITION_NUMBER:g}): T^{{-1}} does not exist, so "
                f"the backward correction is undefined. ForwardCorrectedCrossEntropy "
                f"needs no inverse."
            )
    # Read-only, so that the float32 copies made from it cannot go stale.
    matrix.setflags(write=False)
    return matrix


def _loss_parameters(loss_class):
    """The hyperparameters of a loss class, in signature order."""
    signature = inspect.signature(loss_class.__init__)
    return [name for name in signature.parameters if name not in _KERAS_PARAMETERS]


def _clipped(probabilities):
    """Probabilities clipped to [epsilon, 1], so that their log is finite."""
    return ops.clip(probabilities, keras.config.epsilon(), 1.0)


def _cross_entropy(onehot, probabilities):
    """``-log p_y`` of each sample."""
    return -ops.sum(onehot * ops.log(_clipped(probabilities)), axis=-1)


def _reverse_cross_entropy(onehot, y_pred, log_zero):
    """``-sum_k p_k log onehot_k`` with ``log 0 = log_zero``: ``-log_zero * (1 - p_y)``."""
    return -log_zero * ops.sum(y_pred * (1.0 - onehot), axis=-1)


def _checked_labels(labels, n_classes):
    """``labels``, after an assertion that they lie in [0, n_classes).

    The assertion raises ``InvalidArgumentError`` eagerly and inside the
    graph of a compiled Keras model (TensorFlow backend), as Keras's own
    sparse cross-entropy does.
    """
    if keras.backend.backend() != "tensorflow":
        return labels
    import tensorflow as tf

    message = (
        f"y_true must hold integer class labels in [0, {n_classes}), one per column of "
        "y_pred; a label outside it has no probability to score"
    )
    checks = [
        tf.debugging.assert_non_negative(labels, message=message),
        tf.debugging.assert_less(labels, tf.cast(n_classes, labels.dtype), message=message),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(labels)


def _nan_where_invalid(losses, labels, n_classes):
    """``losses``, NaN where the label lies outside [0, n_classes).

    A label outside [0, K) has an all-zero one-hot row, which every formula
    would turn into a finite, made-up loss. Where :func:`_checked_labels`
    cannot raise (a backend or compiler without assertions), its loss is
    NaN, which stops a CNNClassifier fit.
    """
    valid = ops.logical_and(labels >= 0, labels < n_classes)
    return ops.where(valid, losses, ops.full_like(losses, math.nan))


class _LabelLoss(keras.losses.Loss):
    """A loss of integer labels and predicted probabilities (abstract: not registered).

    ``call`` turns the labels into one-hot rows; a subclass writes its formula
    in ``_per_sample`` and takes its hyperparameters as ``__init__``
    arguments stored under the same names, which ``get_config`` returns.
    """

    # Whether y_true carries each row's training-sample index beside its
    # label (see EarlyLearningRegularizedCrossEntropy); CNNClassifier adds it.
    needs_sample_indices = False

    def call(self, y_true, y_pred):
        # Loss.__call__ converts each element of a nested list on its own.
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true)
        if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
            y_true = ops.squeeze(y_true, axis=-1)
        n_classes = y_pred.shape[-1]
        labels = _checked_labels(ops.cast(y_true, "int32"), n_classes)
        onehot = ops.one_hot(labels, n_classes, dtype=y_pred.dtype)
        losses = self._per_sample(onehot, y_pred)
        return _nan_where_invalid(losses, labels, n_classes)

    def _per_sample(self, onehot, y_pred):
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        for param in _loss_parameters(type(self)):
            value = getattr(self, param)
            config[param] = value.tolist() if isinstance(value, np.ndarray) else value
        return config


@keras.saving.register_keras_serializable(package="skmislabel")
class LabelSmoothingCrossEntropy(_LabelLoss):
    """Cross-entropy against labels smoothed towards the uniform distribution.

    The target of a sample is ``(1 - smoothing) * onehot + smoothing / K``,
    and its loss ``-sum_k target_k log p_k``. The network is never pushed
    towards a probability of exactly 1, so a wrong label pulls it less far.

    Parameters
    ----------
    smoothing : float, default=0.1
        The probability mass ``s`` spread uniformly over the ``K`` classes, in
        [0, 1]. ``smoothing=0`` is the cross-entropy.
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    See Also
    --------
    make_loss : Build a loss by name.

    Notes
    -----
    Label smoothing comes from Szegedy et al., "Rethinking the Inception
    architecture for computer vision", CVPR 2016 (``s = 0.1`` on ImageNet);
    Lukasik et al., "Does label smoothing mitigate label noise?", ICML 2020,
    study it under label noise.

    Examples
    --------
    >>> from skmislabel.losses import LabelSmoothingCrossEntropy
    >>> loss = LabelSmoothingCrossEntropy(smoothing=0.1)
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    0.2538
    """

    def __init__(self, smoothing=0.1, *, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)
        self.smoothing = _check_number("smoothing", smoothing, 0, 1)

    def _per_sample(self, onehot, y_pred):
        target = (1.0 - self.smoothing) * onehot + self.smoothing / y_pred.shape[-1]
        return -ops.sum(target * ops.log(_clipped(y_pred)), axis=-1)


@keras.saving.register_keras_serializable(package="skmislabel")
class SoftBootstrappingCrossEntropy(_LabelLoss):
    """Soft bootstrapping: cross-entropy against a mix of label and prediction.

    The loss is ``-sum_k (beta * onehot_k + (1 - beta) * p_k) log p_k``: the
    cross-entropy weighted by ``beta`` plus ``1 - beta`` times the entropy of
    the prediction, which rewards confident predictions even where they
    disagree with the label. The gradient flows through ``p`` in both
    places, as in the paper.

    Parameters
    ----------
    beta : float, default=0.95
        The weight of the given label, in [0, 1]. ``beta=1`` is the
        cross-entropy.
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    See Also
    --------
    HardBootstrappingCrossEntropy : Bootstrapping towards the predicted class.

    Notes
    -----
    Reed et al., "Training deep neural networks on noisy labels with
    bootstrapping", ICLR 2015 workshop; ``beta = 0.95`` on MNIST.

    Examples
    --------
    >>> from skmislabel.losses import SoftBootstrappingCrossEntropy
    >>> loss = SoftBootstrappingCrossEntropy(beta=0.95)
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    0.1767
    """

    def __init__(self, beta=0.95, *, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)
        self.beta = _check_number("beta", beta, 0, 1)

    def _per_sample(self, onehot, y_pred):
        target = self.beta * onehot + (1.0 - self.beta) * y_pred
        return -ops.sum(target * ops.log(_clipped(y_pred)), axis=-1)


@keras.saving.register_keras_serializable(package="skmislabel")
class HardBootstrappingCrossEntropy(_LabelLoss):
    """Hard bootstrapping: cross-entropy against a mix of label and predicted class.

    The loss is ``-beta * log p_y - (1 - beta) * log max_k p_k``, ``max_k
    p_k`` being the probability of the predicted class.

    Parameters
    ----------
    beta : float, default=0.8
        The weight of the given label, in [0, 1]. ``beta=1`` is the
        cross-entropy.
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    See Also
    --------
    SoftBootstrappingCrossEntropy : Bootstrapping towards the predicted probabilities.

    Notes
    -----
    Reed et al., "Training deep neural networks on noisy labels with
    bootstrapping", ICLR 2015 workshop; ``beta = 0.8`` on MNIST.

    Examples
    --------
    >>> from skmislabel.losses import HardBootstrappingCrossEntropy
    >>> loss = HardBootstrappingCrossEntropy(beta=0.8)
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    0.1643
    """

    def __init__(self, beta=0.8, *, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)
        self.beta = _check_number("beta", beta, 0, 1)

    def _per_sample(self, onehot, y_pred):
        # log is increasing: the log of the largest p is the largest log p.
        predicted_class_term = -ops.max(ops.log(_clipped(y_pred)), axis=-1)
        return self.beta * _cross_entropy(onehot, y_pred) + (1.0 - self.beta) * (
            predicted_class_term
        )


@keras.saving.register_keras_serializable(package="skmislabel")
class GeneralizedCrossEntropy(_LabelLoss):
    """Generalized cross-entropy (the Lq loss), between cross-entropy and MAE.

    The loss is ``(1 - p_y ** q) / q``. As ``q -> 0`` it tends to the
    cross-entropy ``-log p_y``; ``q = 1`` gives ``1 - p_y``, half the mean
    absolute error between ``p`` and the one-hot label, robust to noise but
    slow to train. ``p_y`` is clipped to ``[keras.config.epsilon(), 1]``
    here too, so that the gradient of ``p_y ** q`` stays finite at
    ``p_y = 0``. It is computed as ``-expm1(q * log p_y) / q``, which keeps
    its precision for small ``q`` (in float32, ``1 - p_y ** q`` is exactly 0
    for ``q <= 1e-8``).

    Parameters
    ----------
    q : float, default=0.7
        The exponent, in (0, 1], at least ``MIN_GCE_Q`` = 2**-102 (about
        1.97e-31: below it, ``q * log p`` underflows the network's float32).
        For the limit ``q -> 0``, use the cross-entropy.
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    Notes
    -----
    Zhang and Sabuncu, "Generalized cross entropy loss for training deep
    neural networks with noisy labels", NeurIPS 2018; ``q = 0.7`` on CIFAR-10,
    CIFAR-100 and Fashion-MNIST (the paper has no MNIST experiment; Ma et
    al.'s MNIST benchmark uses ``q = 0.7`` too). The paper's truncated
    variant is not implemented.

    Examples
    --------
    >>> from skmislabel.losses import GeneralizedCrossEntropy
    >>> loss = GeneralizedCrossEntropy(q=0.7)
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    0.1541
    """

    def __init__(self, q=0.7, *, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)
        self.q = _check_number("q", q, 0, 1, closed="right")
        if self.q < MIN_GCE_Q:
            raise ValueError(
                f"q must be at least {MIN_GCE_Q:.3g} (2**-102): the network computes in "
                f"float32, where q * log(p) underflows for a smaller q; got {q!r}. The limit "
                "q -> 0 is the cross-entropy: use loss='cross_entropy'."
            )

    def _per_sample(self, onehot, y_pred):
        p_true = ops.sum(onehot * y_pred, axis=-1)
        # 1 - p ** q = -expm1(q log p), without the cancellation of 1 - p ** q.
        return -ops.expm1(self.q * ops.log(_clipped(p_true))) / self.q


@keras.saving.register_keras_serializable(package="skmislabel")
class SymmetricCrossEntropy(_LabelLoss):
    """Symmetric cross-entropy: cross-entropy plus reverse cross-entropy.

    The loss is ``alpha * CE + beta * RCE``, with ``CE = -log p_y`` and the
    reverse cross-entropy ``RCE = -sum_k p_k log onehot_k``, in which ``log
    0`` is replaced by the constant ``log_zero``: ``RCE = -log_zero * (1 -
    p_y)``. RCE is robust to label noise; CE makes the network fit.

    Parameters
    ----------
    alpha : float, default=0.01
        The weight of CE, >= 0.
    beta : float, default=1.0
        The weight of RCE, >= 0 (not both 0).
    log_zero : float, default=math.log(1e-4)
        The value that replaces ``log 0`` in RCE, < 0.
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    See Also
    --------
    ActivePassiveLoss : Normalized cross-entropy plus reverse cross-entropy.

    Notes
    -----
    Wang et al., "Symmetric cross entropy for robust learning with noisy
    labels", ICCV 2019; ``alpha = 0.01, beta = 1.0`` on MNIST.

    ``log_zero`` defaults to ``log(1e-4) = -9.21``: both reference
    implementations (Wang et al.'s SCE code and Ma et al.'s Active-Passive
    code) clamp the one-hot label to 1e-4 before the log, and the published
    ``alpha`` and ``beta`` were tuned with it. The SCE paper's text says
    ``A = -4``; ``log_zero=-4`` only rescales ``beta`` by ``4 / 9.21``.

    Examples
    --------
    >>> from skmislabel.losses import SymmetricCrossEntropy
    >>> loss = SymmetricCrossEntropy(alpha=0.01, beta=1.0)
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    1.3832
    """

    def __init__(
        self,
        alpha=0.01,
        beta=1.0,
        log_zero=DEFAULT_LOG_ZERO,
        *,
        reduction="sum_over_batch_size",
        name=None,
    ):
        super().__init__(name=name, reduction=reduction)
        self.alpha, self.beta, self.log_zero = _check_weights(alpha, beta, log_zero)

    def _per_sample(self, onehot, y_pred):
        cross_entropy = _cross_entropy(onehot, y_pred)
        reverse = _reverse_cross_entropy(onehot, y_pred, self.log_zero)
        return self.alpha * cross_entropy + self.beta * reverse


@keras.saving.register_keras_serializable(package="skmislabel")
class ActivePassiveLoss(_LabelLoss):
    """Active-passive loss NCE+RCE: normalized plus reverse cross-entropy.

    The loss is ``alpha * NCE + beta * RCE``, with the normalized
    cross-entropy ``NCE = (-log p_y) / (-sum_k log p_k)``, in [0, 1], and the
    reverse cross-entropy ``RCE = -log_zero * (1 - p_y)`` of
    :class:`SymmetricCrossEntropy`. NCE (the "active" loss, which raises
    ``p_y``) is robust to noise but underfits alone; RCE (the "passive"
    loss, which lowers the other classes' probabilities) helps it fit.

    Parameters
    ----------
    alpha : float, default=1.0
        The weight of NCE, >= 0.
    beta : float, default=10.0
        The weight of RCE, >= 0 (not both 0).
    log_zero : float, default=math.log(1e-4)
        The value that replaces ``log 0`` in RCE, < 0 (see
        :class:`SymmetricCrossEntropy`).
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    See Also
    --------
    SymmetricCrossEntropy : Cross-entropy plus reverse cross-entropy.

    Notes
    -----
    Ma et al., "Normalized loss functions for deep learning with noisy
    labels", ICML 2020; ``alpha = 1, beta = 10`` in the authors' MNIST
    configuration, with ``log_zero = log(1e-4)`` as in their code.

    Examples
    --------
    >>> from skmislabel.losses import ActivePassiveLoss
    >>> loss = ActivePassiveLoss(alpha=1.0, beta=10.0)
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    13.8983
    """

    def __init__(
        self,
        alpha=1.0,
        beta=10.0,
        log_zero=DEFAULT_LOG_ZERO,
        *,
        reduction="sum_over_batch_size",
        name=None,
    ):
        super().__init__(name=name, reduction=reduction)
        self.alpha, self.beta, self.log_zero = _check_weights(alpha, beta, log_zero)

    def _per_sample(self, onehot, y_pred):
        # K >= 2 probabilities summing to 1 have one at most 1/2, so the
        # normalizer is at least log 2.
        normalizer = -ops.sum(ops.log(_clipped(y_pred)), axis=-1)
        normalized = _cross_entropy(onehot, y_pred) / normalizer
        reverse = _reverse_cross_entropy(onehot, y_pred, self.log_zero)
        return self.alpha * normalized + self.beta * reverse


def _tensorflow():
    """TensorFlow, or an error: ELR's per-sample targets are a TensorFlow
    variable whose number of rows changes from fit to fit."""
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            "EarlyLearningRegularizedCrossEntropy keeps its per-sample targets in a "
            f"TensorFlow variable and needs Keras's TensorFlow backend; the backend is "
            f"{keras.backend.backend()!r}."
        )
    import tensorflow as tf

    return tf


@keras.saving.register_keras_serializable(package="skmislabel")
class EarlyLearningRegularizedCrossEntropy(_LabelLoss):
    """Early-learning regularization (ELR): cross-entropy plus a pull towards
    a running average of the network's own predictions.

    The loss keeps a target ``t_i`` (a probability vector, initially 0) for
    every training sample ``i``. On each batch, with ``c`` the prediction
    ``p`` clamped to ``[1e-4, 1 - 1e-4]`` and ``q = c / sum_k c_k``, it first
    updates the targets of the batch's samples,
    ``t_i <- beta * t_i + (1 - beta) * q`` (``q`` taken as a constant), and
    then returns ``-log p_y + alpha * log(1 - <t_i, c>)``. Early in training
    the network fits the correctly labelled majority, so the targets hold
    mostly clean predictions; the regularizer's gradient pulls ``p`` towards
    ``t_i``, which keeps the network from later memorizing the wrong labels.

    The loss must know which training sample each row of a batch is:
    ``y_true`` has shape (n, 2), the label in column 0 and the sample's
    index in ``[0, n_samples)`` in column 1, and the targets are set up with
    :meth:`reset_targets` before training. ``CNNClassifier(loss="elr")`` does
    both (see its ``elr_targets_``).

    Parameters
    ----------
    alpha : float, default=3.0
        The weight of the regularizer, ``lambda`` in the paper (named, as
        scikit-learn names a regularization strength, ``alpha``), >= 0.
        ``alpha=0`` is the cross-entropy.
    beta : float, default=0.7
        The momentum of the running targets, in [0, 1). ``beta=0``: a
        sample's target is its prediction of the last time it was seen.
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    Attributes
    ----------
    targets : ndarray of shape (n_samples, K) or None
        A copy of the running targets; None before :meth:`reset_targets`.

    See Also
    --------
    SoftBootstrappingCrossEntropy : A pull towards the current prediction.
    skmislabel.CNNClassifier : Trains with it as ``loss="elr"``.

    Notes
    -----
    Liu, Niles-Weed, Razavian and Fernandez-Granda, "Early-learning
    regularization prevents memorization of noisy labels", NeurIPS 2020;
    reference code ``shengliu66/ELR`` (``ELR/model/loss.py``, ``elr_loss``),
    whose formula this follows, clamp of 1e-4 included.

    The paper has no MNIST setting. The defaults are its CIFAR-10 ones
    (``lambda = 3, beta = 0.7`` in ``config_cifar10.json``, symmetric noise;
    CIFAR-100 uses ``lambda = 7, beta = 0.9`` and asymmetric CIFAR-10
    ``lambda = 1, beta = 0.9``): CIFAR-10 is the one with MNIST's 10
    classes.

    Differences from the reference code: the network outputs softmax
    probabilities, so the cross-entropy is ``-log p_y`` with ``p_y`` clipped
    to ``[keras.config.epsilon(), 1]`` (the reference takes it from the
    logits); it is trained as the rest of the package's networks are (Adam,
    no learning-rate schedule; the reference uses SGD with momentum 0.9,
    weight decay and a cosine or step schedule over 150 epochs on a
    ResNet-34); and ELR+ (two networks, weight averaging, mixup) is not
    implemented. The targets are updated whenever the loss is computed,
    also when Keras evaluates it on ``validation_split`` rows, which have
    their own targets and do not affect the training rows'.

    Examples
    --------
    >>> from skmislabel.losses import EarlyLearningRegularizedCrossEntropy
    >>> loss = EarlyLearningRegularizedCrossEntropy(alpha=3.0, beta=0.7)
    >>> loss.reset_targets(n_samples=2, n_classes=2)
    >>> y_true = [[0, 0], [1, 1]]  # label, index of the training sample
    >>> round(float(loss(y_true, [[0.9, 0.1], [0.2, 0.8]])), 4)
    -0.6015
    >>> loss.targets.round(2)
    array([[0.27, 0.03],
           [0.06, 0.24]], dtype=float32)
    """

    needs_sample_indices = True

    def __init__(self, alpha=3.0, beta=0.7, *, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)
        self.alpha = _check_number("alpha", alpha, 0, math.inf, closed="left")
        self.beta = _check_number("beta", beta, 0, 1, closed="left")
        self._targets = None

    def reset_targets(self, n_samples, n_classes):
        """Set the targets of ``n_samples`` training samples of ``n_classes``
        classes to 0, as at the start of training.

        Parameters
        ----------
        n_samples : int
            Number of training samples, the indices ``0, ..., n_samples - 1``
            of ``y_true``'s second column; below 2**24 (``y_true`` reaches
            the loss as float32).
        n_classes : int
            Number of classes ``K``, the network's outputs.
        """
        for name, value, low in (("n_samples", n_samples, 1), ("n_classes", n_classes, 2)):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Integral)
                or not low <= value < MAX_ELR_SAMPLES
            ):
                raise ValueError(
                    f"{name} must be an int in [{low}, {MAX_ELR_SAMPLES}); got {value!r}."
                )
        self.set_targets(np.zeros((n_samples, n_classes), dtype=np.float32))

    def set_targets(self, targets):
        """Replace the targets, to continue training where it stopped.

        Parameters
        ----------
        targets : array-like of shape (n_samples, K)
            Targets, as :attr:`targets` returned them.
        """
        targets = np.asarray(targets, dtype=np.float32)
        if targets.ndim != 2 or not 1 <= targets.shape[0] < MAX_ELR_SAMPLES:
            raise ValueError(
                f"targets must have shape (n_samples, n_classes) with 1 <= n_samples < "
                f"{MAX_ELR_SAMPLES}; got shape {targets.shape}."
            )
        tf = _tensorflow()
        # The variable's shape is free; its number of columns is kept here.
        self._n_target_classes = targets.shape[1]
        if self._targets is None:
            # One variable of free shape for the loss's lifetime: a compiled
            # training step captures it, so a new training set of another
            # size needs no new trace.
            self._targets = tf.Variable(
                targets, trainable=False, shape=tf.TensorShape([None, None]), name="elr_targets"
            )
        else:
            self._targets.assign(targets)

    @property
    def targets(self):
        """A copy of the running targets, of shape (n_samples, K); None
        before :meth:`reset_targets`."""
        if self._targets is None:
            return None
        return np.array(self._targets.numpy())

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true)
        if len(y_true.shape) != 2 or y_true.shape[-1] != 2:
            raise ValueError(
                f"{type(self).__name__} needs y_true of shape (n, 2): each row's label and "
                f"the index of its training sample; got shape {tuple(y_true.shape)}."
            )
        if self._targets is None:
            raise ValueError(
                f"{type(self).__name__} has no targets yet: call reset_targets(n_samples, "
                "n_classes) before training."
            )
        n_classes = y_pred.shape[-1]
        if n_classes != self._n_target_classes:
            raise ValueError(
                f"The targets have {self._n_target_classes} classes but y_pred has "
                f"{n_classes} columns; call reset_targets with n_classes={n_classes}."
            )
        tf = _tensorflow()
        labels = _checked_labels(ops.cast(y_true[:, 0], "int32"), n_classes)
        indices = ops.cast(y_true[:, 1], "int32")
        n_samples = tf.shape(self._targets)[0]
        message = "y_true's second column must hold sample indices in [0, n_samples) of the targets"
        with tf.control_dependencies(
            [
                tf.debugging.assert_non_negative(indices, message=message),
                tf.debugging.assert_less(indices, n_samples, message=message),
            ]
        ):
            indices = tf.identity(indices)
        clamped = ops.clip(y_pred, ELR_CLAMP, 1.0 - ELR_CLAMP)
        normalized = ops.stop_gradient(clamped / ops.sum(clamped, axis=-1, keepdims=True))
        previous = ops.cast(tf.gather(self._targets, indices), y_pred.dtype)
        targets = self.beta * previous + (1.0 - self.beta) * normalized
        self._targets.scatter_nd_update(indices[:, None], targets)
        onehot = ops.one_hot(labels, n_classes, dtype=y_pred.dtype)
        regularizer = ops.log(1.0 - ops.sum(targets * clamped, axis=-1))
        losses = _cross_entropy(onehot, y_pred) + self.alpha * regularizer
        return _nan_where_invalid(losses, labels, n_classes)


class _TransitionMatrixLoss(_LabelLoss):
    """A loss corrected with a known transition matrix (abstract: not registered)."""

    _invertible = False

    def __init__(
        self, transition_matrix, *, classes=None, reduction="sum_over_batch_size", name=None
    ):
        super().__init__(name=name, reduction=reduction)
        self.transition_matrix = _check_transition_matrix(
            transition_matrix, classes, invertible=self._invertible
        )
        self.classes = None if classes is None else np.asarray(classes)

    @property
    def n_classes(self):
        """The number of classes ``K`` of the transition matrix, which must be
        the network's number of outputs."""
        return self.transition_matrix.shape[0]


# The classes parameter of the two corrected losses, written once.
_CLASSES_DOC = """\
    classes : array-like of shape (K,), default=None
        The class of each label ``0, ..., K - 1`` the loss receives (a
        classifier's ``classes_``). A DataFrame ``transition_matrix`` is
        aligned to it by its index (true classes) and columns (noisy
        classes), the way :func:`skmislabel.flip_labels` aligns one: missing,
        extra or repeated labels are refused. None: the classes are the
        labels ``0, ..., K - 1``."""


@keras.saving.register_keras_serializable(package="skmislabel")
@fill_doc(classes=_CLASSES_DOC)
class ForwardCorrectedCrossEntropy(_TransitionMatrixLoss):
    """Forward loss correction: cross-entropy of the predicted noisy label.

    The network's ``p`` estimates the clean label, so ``(p @ T)_j`` is the
    probability of noisy label ``j``; the loss is the cross-entropy of the
    given (noisy) label under it, ``-log (p @ T)_y``, with ``(p @ T)_y``
    clipped to ``[keras.config.epsilon(), 1]``. Predictions are ``p`` itself.

    Parameters
    ----------
    transition_matrix : array-like or DataFrame of shape (K, K)
        ``T[i, j] = P(noisy label j | true label i)``: entries in [0, 1],
        rows summing to 1 (within 1e-6), in the order of ``classes``. ``K``
        must be the network's number of outputs; the loss does not check it
        (the caller compares :attr:`n_classes` with its own).
    %(classes)s
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    Attributes
    ----------
    transition_matrix : ndarray of shape (K, K), float64
        The validated matrix, in the order of ``classes``, read-only.
    classes : ndarray of shape (K,) or None
        The ``classes`` given.
    n_classes : int
        ``K``.

    See Also
    --------
    BackwardCorrectedCrossEntropy : The correction with ``T^{-1}``.

    Notes
    -----
    Patrini et al., "Making deep neural networks robust to label noise: a
    loss correction approach", CVPR 2017. With the true ``T``, the minimizer
    of the corrected loss on noisy labels is that of the cross-entropy on
    clean labels. Unlike the backward correction it needs no inverse and is
    never negative.

    Examples
    --------
    >>> from skmislabel.losses import ForwardCorrectedCrossEntropy
    >>> loss = ForwardCorrectedCrossEntropy([[0.8, 0.2], [0.1, 0.9]])
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    0.2946
    """

    def __init__(
        self, transition_matrix, *, classes=None, reduction="sum_over_batch_size", name=None
    ):
        super().__init__(transition_matrix, classes=classes, reduction=reduction, name=name)
        # A NumPy array, not a tensor, so that the loss deep-copies and pickles.
        self._transition = self.transition_matrix.astype(np.float32)

    def _per_sample(self, onehot, y_pred):
        transition = ops.convert_to_tensor(self._transition, dtype=y_pred.dtype)
        # Clipped after the product: (p @ T)_y is 0 where T[:, y] is.
        return _cross_entropy(onehot, ops.matmul(y_pred, transition))


@keras.saving.register_keras_serializable(package="skmislabel")
@fill_doc(classes=_CLASSES_DOC)
class BackwardCorrectedCrossEntropy(_TransitionMatrixLoss):
    """Backward loss correction: the cross-entropies of all classes weighted by ``T^{-1}``.

    With ``l_j = -log p_j`` the cross-entropy the sample would have with
    label ``j``, the loss is ``sum_j (T^{-1})[y, j] * l_j``. It is unbiased:
    over the noisy label ``y`` of a sample of true class ``i``, its
    expectation is ``sum_y T[i, y] sum_j (T^{-1})[y, j] l_j = l_i``, the
    clean cross-entropy.

    Parameters
    ----------
    transition_matrix : array-like or DataFrame of shape (K, K)
        ``T[i, j] = P(noisy label j | true label i)``: entries in [0, 1],
        rows summing to 1 (within 1e-6), invertible (condition number at
        most 1e8), in the order of ``classes``. ``K`` must be the network's
        number of outputs; the loss does not check it (the caller compares
        :attr:`n_classes` with its own).
    %(classes)s
    reduction : str, default="sum_over_batch_size"
        How Keras reduces the per-sample losses.
    name : str, default=None
        The loss's name; None derives it from the class name.

    Attributes
    ----------
    transition_matrix : ndarray of shape (K, K), float64
        The validated matrix, in the order of ``classes``, read-only.
    classes : ndarray of shape (K,) or None
        The ``classes`` given.
    n_classes : int
        ``K``.

    See Also
    --------
    ForwardCorrectedCrossEntropy : The correction with ``T``, which needs no inverse.

    Notes
    -----
    Patrini et al., "Making deep neural networks robust to label noise: a
    loss correction approach", CVPR 2017. ``T^{-1}`` has negative entries,
    so a sample's loss can be negative (it is bounded below only by the
    clipping of ``p``); Patrini et al. found the backward correction weaker
    than the forward one in practice. ``T^{-1}`` is computed once, in
    float64, and applied in float32.

    Examples
    --------
    >>> from skmislabel.losses import BackwardCorrectedCrossEntropy
    >>> loss = BackwardCorrectedCrossEntropy([[0.8, 0.2], [0.1, 0.9]])
    >>> round(float(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]])), 4)
    -0.2487
    """

    _invertible = True

    def __init__(
        self, transition_matrix, *, classes=None, reduction="sum_over_batch_size", name=None
    ):
        super().__init__(transition_matrix, classes=classes, reduction=reduction, name=name)
        # A NumPy array, not a tensor, so that the loss deep-copies and pickles.
        self._inverse = np.linalg.inv(self.transition_matrix).astype(np.float32)

    def _per_sample(self, onehot, y_pred):
        inverse = ops.convert_to_tensor(self._inverse, dtype=y_pred.dtype)
        weights = ops.matmul(onehot, inverse)
        return -ops.sum(weights * ops.log(_clipped(y_pred)), axis=-1)


# name -> loss class, for make_loss and CNNClassifier's ``loss`` parameter.
# "cross_entropy" is not here: it is Keras's "sparse_categorical_crossentropy".
LOSSES = {
    "label_smoothing": LabelSmoothingCrossEntropy,
    "bootstrap_soft": SoftBootstrappingCrossEntropy,
    "bootstrap_hard": HardBootstrappingCrossEntropy,
    "gce": GeneralizedCrossEntropy,
    "sce": SymmetricCrossEntropy,
    "nce_rce": ActivePassiveLoss,
    "elr": EarlyLearningRegularizedCrossEntropy,
    "forward": ForwardCorrectedCrossEntropy,
    "backward": BackwardCorrectedCrossEntropy,
}


def make_loss(name, **params):
    """Build a loss by name, as ``CNNClassifier(loss=name, loss__param=value)`` does.

    Parameters
    ----------
    name : str
        ``"cross_entropy"`` (Keras's ``SparseCategoricalCrossentropy``, no
        parameters) or a key of :data:`LOSSES`: ``"label_smoothing"``,
        ``"bootstrap_soft"``, ``"bootstrap_hard"``, ``"gce"``, ``"sce"``,
        ``"nce_rce"``, ``"elr"``, ``"forward"``, ``"backward"``.
    **params
        The loss's hyperparameters, without the ``loss__`` prefix: ``q=0.5``
        for ``"gce"``. ``reduction`` and ``name`` keep Keras's defaults.

    Returns
    -------
    loss : keras.losses.Loss

    Raises
    ------
    ValueError
        For an unknown name, or a hyperparameter out of its range.
    TypeError
        For a parameter that the loss does not take, named ``loss__<param>``.

    Examples
    --------
    >>> from skmislabel.losses import make_loss
    >>> make_loss("gce", q=0.5).q
    0.5
    >>> make_loss("gce", beta=0.5)
    Traceback (most recent call last):
    ...
    TypeError: loss 'gce' has no parameter loss__beta; its parameters are loss__q.
    """
    if name == "cross_entropy":
        loss_class, accepted = keras.losses.SparseCategoricalCrossentropy, []
    elif isinstance(name, str) and name in LOSSES:
        loss_class = LOSSES[name]
        accepted = _loss_parameters(loss_class)
    else:
        names = ", ".join(repr(known) for known in ["cross_entropy", *LOSSES])
        raise ValueError(f"loss must be one of {names}; got {name!r}.")
    unknown = [param for param in params if param not in accepted]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        given = ", ".join(f"loss__{param}" for param in unknown)
        if accepted:
            takes = "its parameters are " + ", ".join(f"loss__{param}" for param in accepted)
        else:
            takes = "it takes no parameters"
        raise TypeError(f"loss {name!r} has no parameter{plural} {given}; {takes}.")
    return loss_class(**params)
