"""Label noise: corrupt class labels with a known, reproducible noise model.

.. _noise-conventions:

Conventions
-----------
Every docstring in skmislabel refers to these definitions.

**Classes.** ``classes_`` are the sorted distinct labels of ``y``, or the
sorted ``classes`` when given (which may name classes absent from ``y``, as
flip targets). ``K`` is their number.

**Transition matrix.** ``T[i, j] = P(noisy = j | true = i)``: row ``i`` is the
true class ``classes_[i]``, column ``j`` the noisy class ``classes_[j]``, and
every row sums to 1. ``1 - T[i, i]`` is the *flip rate* of class ``i``, the
probability that its label changes.

**noise_rate.** The fraction ``r`` of each class's labels that are relabelled,
a float for all classes or a dict ``{class: rate}`` (missing classes get 0).
Each noise type turns it into ``T``:

=========================  ====================================================
``noise_type``             ``T`` for a class with rate ``r``
=========================  ====================================================
``"symmetric"``            ``T[i, i] = 1 - r``, ``T[i, j] = r / (K - 1)``: the
                           lesson's "unbiased" mislabeling; a relabelled label
                           always changes, uniformly to one of the other classes.
``"uniform"``              ``T[i, i] = 1 - r + r / K``, ``T[i, j] = r / K``: what
                           the lesson's code does, the new label is drawn from all
                           ``K`` classes and may stay the same, so the flip rate is
                           ``r * (K - 1) / K`` (9% for ``r = 0.1``, ``K = 10``).
                           The lesson draws with NumPy's ``randint(0, 9)``, whose
                           upper bound is exclusive, so class 9 is never a target
                           there; here every class is.
``"pairflip"``             ``T[i, i] = 1 - r``, ``T[i, i + 1] = r``: each class
                           moves to the next one in ``classes_`` order, the last
                           to the first.
``"mapping"``              ``class_mapping={true: noisy}`` or
                           ``{true: [noisy, ...]}``: ``T[i, i] = 1 - r`` and ``r``
                           is shared equally by the listed classes; classes that
                           are not mapped never flip. The lesson's "biased"
                           mislabeling (7 -> 1, 3 -> 8, ...).
``"transition_matrix"``    ``T = transition_matrix`` as given. ``noise_rate``
                           must be ``None``: the matrix already sets every rate.
                           A pandas DataFrame is aligned to ``classes_`` by its
                           index (true classes) and columns (noisy classes);
                           any other array is read in ``classes_`` order.
=========================  ====================================================

**Sampling.** Flips are always drawn from the clean labels in one pass (no
cascades when classes map into each other), and a flipped label always differs
from its true label. Counts are rounded *half up*, ``round(x) = floor(x +
0.5)``. Write ``q_i = n_i * (1 - T[i, i])`` for the expected number of flips of
class ``i`` (its *quota*) and ``N = round(sum_i q_i)``.

- ``sampling="exact"``, ``stratify=True``: exactly ``N`` flips in total, and
  class ``i`` gets ``floor(q_i)`` or ``ceil(q_i)`` of them (exactly ``q_i`` when
  it is an integer). Rounding each class alone would lose noise: 100 classes
  of 5 labels at rate 0.1 would get no flip at all. Which classes get the
  rounded-up flips is decided by an earliest-deadline-first schedule: with
  ``t`` the largest flip rate and ``b_i = q_i / t``, class ``i``'s ``j``-th
  flip may happen between times ``(j - 1) / b_i`` (exclusive) and ``j / b_i``,
  flip slots come at times ``(m - 0.5) / sum_i b_i``, and each slot goes to
  the class whose next flip is due first, ties broken by a random key per
  class. The counts at time ``t`` are the result.
- ``sampling="exact"``, ``stratify=False``: exactly ``N`` flips in total, with
  the classes they come from left to chance: the ``N`` labels with the
  smallest ``u_l / (1 - T[i, i])`` flip (sequential Poisson sampling, so each
  label is picked with probability close to its class's flip rate; with one
  rate for all classes it is a uniform random subset).
- ``sampling="bernoulli"``: every label flips independently with probability
  ``1 - T[i, i]`` (label ``l`` of class ``i`` flips if ``u_l < 1 - T[i, i]``). Counts are
  binomial; ``stratify`` is ignored.

Here ``u_l`` is one uniform random number per label ``l``. In exact sampling the
flipped labels of a class are those with the smallest ``u_l``, in a random
order that also sets their new labels:

- symmetric, uniform and mapping spread a class's flips over its ``m``
  targets (the ``K - 1`` other classes, or the mapped ones) round robin: its
  ``j``-th flip in ``u_l`` order (``j = 0, 1, ...``) takes target number
  ``(o_i + j) mod m``, counting the targets in ``classes_`` order (a
  mapping's in the order listed) from a random start ``o_i`` per class. Every
  target gets within one of ``n_flip_i / m``.
  Pairflip has one target.
- ``transition_matrix``: the flips of class ``i`` are shared among the targets
  ``j != i`` in proportion to ``T[i, j]`` by largest-remainder rounding (ties
  broken at random): every cell is within one of
  ``n_flip_i * T[i, j] / (1 - T[i, i])``.
- In Bernoulli sampling the new label comes from a second uniform number per
  label, ``v_l``: target number ``floor(v_l * m)``, or the off-diagonal row of
  ``T`` renormalised.

**Nested noise.** With the same int ``random_state``, the same labels and the
same noise model, the labels flipped at a lower ``noise_rate`` are a subset of
those flipped at a higher one, with the same new labels, for every noise type
but ``transition_matrix``, in all three sampling modes. The random numbers
``u_l``, ``v_l``, the class keys and starts do not depend on the rate; the
exact counts grow with it (the schedule above hands out flips in one fixed
order, so a higher rate only adds flips); and round robin only appends
targets. Per-class rates (a dict) are nested when all of them are scaled by
the same factor. A ``transition_matrix`` has no rate to scale, and the draw
is not nested across matrices.

**Cost.** Time and memory are linear in the number of labels and classes: the
rate-based noise types never build the K x K matrix, so 100,000 classes are
cheap. Only ``noise_type="transition_matrix"`` and the realised
``LabelNoiseInjector.transition_matrix_`` (computed when it is read) are
K x K.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from ._compat import Interval, StrOptions, fit_context, imblearn_sampler_tags, validate_params
from ._noise_models import NOISE_TYPES, build_noise_model
from ._random import draw_seed
from ._sampling import draw_flips
from ._targets import encode_targets

__all__ = ["LabelNoiseInjector", "flip_labels"]

_PARAMETER_CONSTRAINTS = {
    "noise_rate": [Interval(numbers.Real, 0, 1, closed="both"), dict, None],
    "noise_type": [StrOptions(set(NOISE_TYPES))],
    "transition_matrix": ["array-like", None],
    "class_mapping": [dict, None],
    "sampling": [StrOptions({"exact", "bernoulli"})],
    "stratify": ["boolean"],
    "classes": ["array-like", None],
    "random_state": ["random_state"],
}


class _NoiseDraw:
    """Everything one noise draw produced, before it is exposed."""

    def __init__(
        self,
        y,
        *,
        noise_rate,
        noise_type,
        transition_matrix,
        class_mapping,
        sampling,
        stratify,
        classes,
        random_state,
    ):
        encoded = encode_targets(y, classes)
        model = build_noise_model(
            encoded.classes, noise_type, noise_rate, transition_matrix, class_mapping
        )
        flip_positions, new_codes = draw_flips(
            encoded.codes,
            encoded.class_counts,
            model,
            sampling=sampling,
            stratify=stratify,
            seed=draw_seed(random_state),
        )
        self.encoded = encoded
        self.flip_positions = flip_positions
        self.new_codes = new_codes
        self.y_noisy = encoded.restore(flip_positions, new_codes)

    @property
    def noise_mask(self):
        mask = np.zeros(self.encoded.n_samples, dtype=bool)
        mask[self.flip_positions] = True
        return mask


def _realised_transition_matrix(class_counts, true_codes, new_codes):
    """Row-normalised counts of (true, noisy) pairs: K x K floats."""
    n_classes = class_counts.shape[0]
    counts = np.bincount(
        true_codes.astype(np.int64) * n_classes + new_codes, minlength=n_classes * n_classes
    ).reshape(n_classes, n_classes)
    counts[np.diag_indices(n_classes)] = class_counts - counts.sum(axis=1)
    row_totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Classes with no samples realised nothing: their rows are NaN.
        return counts / row_totals


@validate_params(
    {"y": ["array-like"], **_PARAMETER_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def flip_labels(
    y,
    *,
    noise_rate=0.1,
    noise_type="symmetric",
    transition_matrix=None,
    class_mapping=None,
    sampling="exact",
    stratify=True,
    classes=None,
    random_state=None,
):
    """Return a noisy copy of class labels and the mask of what changed.

    The function behind :class:`LabelNoiseInjector`, for users who only have
    an array. The noise model, ``noise_rate`` and the sampling rules are
    defined once in :mod:`skmislabel.noise` (section *Conventions*).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels: ints, strings or bools in an ndarray, list, tuple or
        pandas Series (categorical too), a single-column DataFrame or a one-hot
        2-D array. Never modified.

    noise_rate : float in [0, 1], dict {class: float} or None, default=0.1
        Fraction of each class's labels that are relabelled; a dict gives
        per-class rates (other classes 0). Must be None with
        ``noise_type="transition_matrix"``.

    noise_type : {"symmetric", "uniform", "pairflip", "mapping", \
            "transition_matrix"}, default="symmetric"
        The noise model; see the table in :mod:`skmislabel.noise`.

    transition_matrix : array-like of shape (n_classes, n_classes), default=None
        ``T[i, j] = P(noisy = j | true = i)`` in ``classes_`` order; rows sum
        to 1 (tolerance 1e-8). Only with ``noise_type="transition_matrix"``.

    class_mapping : dict, default=None
        ``{true: noisy}`` or ``{true: [noisy, ...]}``. Only with
        ``noise_type="mapping"``.

    sampling : {"exact", "bernoulli"}, default="exact"
        ``"exact"`` flips exactly the rounded expected number of labels,
        ``"bernoulli"`` flips each label independently.

    stratify : bool, default=True
        With exact sampling, make the count exact in total and within one of
        the expected count in every class (True), or exact in total only
        (False).

    classes : array-like of shape (n_classes,), default=None
        All classes, including ones absent from ``y`` that may be flip
        targets. Must contain every label of ``y``. Default: the labels of y.

    random_state : int, RandomState instance or None, default=None
        Seed of the draw. An int gives the same output on every call; None
        draws fresh entropy and leaves NumPy's global RNG alone.

    Returns
    -------
    y_noisy : same type as y
        A new container of the same type, dtype, shape, index and name as
        ``y`` (a list for a list), with the flipped labels replaced.

    noise_mask : ndarray of shape (n_samples,), dtype bool
        True where the label changed.

    See Also
    --------
    LabelNoiseInjector : The same noise as a pipeline step, with the realised
        transition matrix and flip counts as fitted attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from skmislabel import flip_labels
    >>> y = np.repeat([0, 1, 2], 10)
    >>> y_noisy, noise_mask = flip_labels(y, noise_rate=0.2, random_state=0)
    >>> int(noise_mask.sum())
    6
    >>> bool((y_noisy[noise_mask] != y[noise_mask]).all())
    True
    >>> np.bincount(y[noise_mask]).tolist()
    [2, 2, 2]
    """
    draw = _NoiseDraw(
        y,
        noise_rate=noise_rate,
        noise_type=noise_type,
        transition_matrix=transition_matrix,
        class_mapping=class_mapping,
        sampling=sampling,
        stratify=stratify,
        classes=classes,
        random_state=random_state,
    )
    return draw.y_noisy, draw.noise_mask


class LabelNoiseInjector(OneToOneFeatureMixin, BaseEstimator):
    """Corrupt the training labels of a pipeline with a known noise model.

    A sampler in imbalanced-learn's sense: :meth:`fit_resample` returns
    ``(X, y_noisy)`` with X passed through untouched (the very same object)
    and y relabelled by :func:`flip_labels`. The noise model, ``noise_rate``
    and the sampling rules are defined once in :mod:`skmislabel.noise`
    (section *Conventions*).

    .. warning::
        In a :class:`skmislabel.Pipeline`, the injector runs at ``fit`` time
        only. ``predict``, ``score`` and every scorer of ``cross_val_score``
        or ``GridSearchCV`` see the data and labels you pass them, untouched:
        the model is trained on noisy labels and scored on clean ones. A plain
        :class:`sklearn.pipeline.Pipeline` cannot change ``y`` and rejects
        this step.

    Parameters
    ----------
    noise_rate : float in [0, 1], dict {class: float} or None, default=0.1
        Fraction of each class's labels that are relabelled; a dict gives
        per-class rates (other classes 0). Must be None with
        ``noise_type="transition_matrix"``.

    noise_type : {"symmetric", "uniform", "pairflip", "mapping", \
            "transition_matrix"}, default="symmetric"
        The noise model; see the table in :mod:`skmislabel.noise`.

    transition_matrix : array-like of shape (n_classes, n_classes), default=None
        ``T[i, j] = P(noisy = j | true = i)`` in ``classes_`` order; rows sum
        to 1 (tolerance 1e-8). Only with ``noise_type="transition_matrix"``.

    class_mapping : dict, default=None
        ``{true: noisy}`` or ``{true: [noisy, ...]}``. Only with
        ``noise_type="mapping"``.

    sampling : {"exact", "bernoulli"}, default="exact"
        ``"exact"`` flips exactly the rounded expected number of labels,
        ``"bernoulli"`` flips each label independently.

    stratify : bool, default=True
        With exact sampling, make the count exact in total and within one of
        the expected count in every class (True), or exact in total only
        (False).

    classes : array-like of shape (n_classes,), default=None
        All classes, including ones that a training fold may lack; needed
        when a ``transition_matrix`` or ``class_mapping`` names them.

    random_state : int, RandomState instance or None, default=None
        Seed of the draw. An int gives the same noise on every fit of the
        same data; None draws fresh entropy and leaves NumPy's global RNG
        alone.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes, in the order of the rows and columns of
        ``transition_matrix_``.

    noise_mask_ : ndarray of shape (n_samples,), dtype bool
        True where the label was changed by the last fit.

    n_flipped_ : int
        Number of changed labels.

    flip_rate_ : float
        Realised flip rate, ``n_flipped_ / n_samples``: the share of labels
        that changed. It can be below ``noise_rate``, for example with
        ``noise_type="uniform"``, where a relabelled sample may keep its
        class (see *Conventions*).

    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        Realised transition matrix: counts of (true, noisy) pairs divided by
        the class counts. Rows of classes with no samples are NaN. Computed
        from the stored flips each time it is read, so that fitting with many
        classes never allocates the K x K matrix; keep the result if you
        read it repeatedly.

    n_features_in_ : int
        Number of features of X, when X is 2-D.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of X, when X is a DataFrame with string column names.

    See Also
    --------
    flip_labels : The same noise on an array, without an estimator.
    skmislabel.Pipeline : The pipeline that applies samplers at fit time only.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skmislabel import LabelNoiseInjector, make_pipeline
    >>> X, y = load_digits(return_X_y=True)
    >>> injector = LabelNoiseInjector(noise_rate=0.2, random_state=0)
    >>> X_out, y_noisy = injector.fit_resample(X, y)
    >>> X_out is X, injector.n_flipped_, round(injector.flip_rate_, 3)
    (True, 359, 0.2)
    >>> pipe = make_pipeline(injector, KNeighborsClassifier())
    >>> scores = cross_val_score(pipe, X, y, cv=3)  # scored on clean labels
    """

    _parameter_constraints = dict(_PARAMETER_CONSTRAINTS)
    # imbalanced-learn's marker for samplers; its SamplerMixin is not
    # inherited because importing imblearn costs ~0.5 s at import time.
    _estimator_type = "sampler"

    def __init__(
        self,
        noise_rate=0.1,
        noise_type="symmetric",
        *,
        transition_matrix=None,
        class_mapping=None,
        sampling="exact",
        stratify=True,
        classes=None,
        random_state=None,
    ):
        self.noise_rate = noise_rate
        self.noise_type = noise_type
        self.transition_matrix = transition_matrix
        self.class_mapping = class_mapping
        self.sampling = sampling
        self.stratify = stratify
        self.classes = classes
        self.random_state = random_state

    def fit(self, X, y):
        """Draw the noise for (X, y) and store what was done.

        Same as :meth:`fit_resample` without returning the data.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Passed through; only its length and feature names are read.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : LabelNoiseInjector
        """
        self.fit_resample(X, y)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Return X untouched and a noisy copy of y.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Passed through as the same object; only its length and feature
            names are read. 2-D, n-D (images) or, for a text pipeline, a
            1-D sequence of documents.
        y : array-like of shape (n_samples,)
            Class labels; see :func:`flip_labels` for the accepted types.
            Never modified.

        Returns
        -------
        X : the input X

        y_noisy : same type as y
            Labels with ``n_flipped_`` of them changed.
        """
        # Validated for its shape only: X itself is returned, not a converted copy.
        X_checked = check_array(
            X,
            accept_sparse=True,
            dtype=None,
            ensure_all_finite=False,
            ensure_2d=False,
            allow_nd=True,
            input_name="X",
        )
        if X_checked.ndim == 1 and X_checked.dtype.kind not in "OUS":
            # 1-D X is only a sequence of documents for a text vectorizer;
            # 1-D numbers are a mistaken single feature: scikit-learn's error.
            check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
        validate_data(self, X, skip_check_array=True)
        if y is not None:
            check_consistent_length(X, y)
        draw = _NoiseDraw(
            y,
            **{name: getattr(self, name) for name in _PARAMETER_CONSTRAINTS},
        )
        self.classes_ = draw.encoded.classes
        self.noise_mask_ = draw.noise_mask
        self.n_flipped_ = int(draw.flip_positions.shape[0])
        self.flip_rate_ = self.n_flipped_ / draw.encoded.n_samples
        # What transition_matrix_ is computed from: O(n_flipped + K) memory.
        self._class_counts = draw.encoded.class_counts
        self._flipped_true_codes = draw.encoded.codes[draw.flip_positions]
        self._flipped_new_codes = draw.new_codes
        return X, draw.y_noisy

    @property
    def transition_matrix_(self):
        """Realised transition matrix of the last fit, computed on access.

        Counts of (true, noisy) pairs divided by the class counts; rows of
        classes with no samples are NaN. K x K floats: see Attributes.
        """
        try:
            flipped = (self._class_counts, self._flipped_true_codes, self._flipped_new_codes)
        except AttributeError:
            # Unfitted: an AttributeError keeps hasattr() and check_is_fitted right.
            raise AttributeError(
                "This LabelNoiseInjector is not fitted yet: transition_matrix_ is "
                "set by fit or fit_resample."
            ) from None
        return _realised_transition_matrix(*flipped)

    def __sklearn_tags__(self):
        return imblearn_sampler_tags(
            two_d_array=True,
            three_d_array=True,
            sparse=True,
            dataframe=True,
            string=True,
            categorical=True,
            allow_nan=True,
        )
