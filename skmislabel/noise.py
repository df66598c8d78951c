"""Label noise: corrupt class labels with a known, reproducible noise model.

:func:`flip_labels` relabels an array, :class:`LabelNoiseInjector` does the
same as a sampler in a pipeline, and :func:`estimate_transition_matrix`
estimates the matrix back from a classifier's probabilities.

The conventions every docstring refers to are stated once, in the user
guide's *Label noise models* page (:ref:`noise-conventions`, in
``docs/user_guide/noise_models.rst``). In short:
``classes_`` are the sorted labels; ``T[i, j] = P(noisy = j | true = i)``,
rows sum to 1; ``noise_rate`` is the fraction of each class's labels that
are relabelled (for ``"uniform"`` a relabelled label may keep its class);
exact sampling flips the rounded expected number of labels (with
``stratify=True`` also within one of each class's quota ``n_k r_k``),
Bernoulli sampling each label independently; every flipped
label differs from its true label, all flips are drawn from the clean labels,
and one seed gives nested flips across rates. The instance-dependent types
(``part_dependent``, ``confidence``, ``pmd``, ``borderline``) read X and
are stated in :ref:`instance-dependent-noise`.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_consistent_length

from ._base import BaseSampler
from ._compat import (
    HasMethods,
    Interval,
    StrOptions,
    imblearn_sampler_tags,
    validate_params,
)
from ._docstrings import NOISE_PARAMETERS_DOC, fill_doc
from ._instance_noise import ESTIMATOR_NOISE_TYPES, check_features, draw_instance_noise
from ._noise_estimation import estimate_noise
from ._noise_models import INSTANCE_NOISE_TYPES, NOISE_TYPES, build_noise_model
from ._random import draw_seed
from ._sampling import draw_flips
from ._targets import encode_targets
from ._transition_estimation import estimate_transition_matrix

__all__ = ["LabelNoiseInjector", "estimate_noise", "estimate_transition_matrix", "flip_labels"]

_PARAMETER_CONSTRAINTS = {
    "noise_rate": [Interval(numbers.Real, 0, 1, closed="both"), dict, None],
    "noise_type": [StrOptions(set(NOISE_TYPES))],
    "transition_matrix": ["array-like", None],
    "class_mapping": [dict, None],
    "flip_rate_std": [Interval(numbers.Real, 0, None, closed="left")],
    "noise_estimator": [HasMethods(["fit", "predict_proba"]), None],
    "noise_cv": [Interval(numbers.Integral, 2, None, closed="left")],
    "pmd_type": [StrOptions({"I", "II", "III"})],
    "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
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
        X,
        *,
        noise_rate,
        noise_type,
        transition_matrix,
        class_mapping,
        flip_rate_std,
        noise_estimator,
        noise_cv,
        pmd_type,
        n_neighbors,
        sampling,
        stratify,
        classes,
        random_state,
    ):
        if noise_estimator is not None and noise_type not in ESTIMATOR_NOISE_TYPES:
            raise ValueError(
                "noise_estimator is only used with noise_type='confidence' or 'pmd'; "
                f"got noise_type={noise_type!r}."
            )
        encoded = encode_targets(y, classes)
        if X is not None:
            check_consistent_length(X, encoded.codes)
        model = build_noise_model(
            encoded.classes, noise_type, noise_rate, transition_matrix, class_mapping
        )
        seed = draw_seed(random_state)
        if noise_type in INSTANCE_NOISE_TYPES:
            flip_positions, new_codes, instance_noise = draw_instance_noise(
                noise_type,
                X,
                encoded,
                model.flip_rates,
                flip_rate_std=flip_rate_std,
                noise_estimator=noise_estimator,
                noise_cv=noise_cv,
                pmd_type=pmd_type,
                n_neighbors=n_neighbors,
                sampling=sampling,
                stratify=stratify,
                seed=seed,
            )
            self.propensity = instance_noise.propensity
        else:
            flip_positions, new_codes = draw_flips(
                encoded.codes,
                encoded.class_counts,
                model,
                sampling=sampling,
                stratify=stratify,
                seed=seed,
            )
            # The flip rate of each sample's class, computed when it is read.
            self.propensity = None
        self.model = model
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
    {"y": ["array-like"], "X": ["array-like", "sparse matrix", None], **_PARAMETER_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
@fill_doc(noise_parameters=NOISE_PARAMETERS_DOC)
def flip_labels(
    y,
    *,
    X=None,
    noise_rate=0.1,
    noise_type="symmetric",
    transition_matrix=None,
    class_mapping=None,
    flip_rate_std=0.1,
    noise_estimator=None,
    noise_cv=5,
    pmd_type="I",
    n_neighbors=5,
    sampling="exact",
    stratify=True,
    classes=None,
    random_state=None,
):
    """Return a noisy copy of class labels and the mask of what changed.

    The function behind :class:`LabelNoiseInjector`, for users who only have
    an array. The noise model, ``noise_rate`` and the sampling rules are
    defined once in the user guide (:ref:`noise-conventions`).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels: ints, strings or bools in an ndarray, list, tuple or
        pandas Series (categorical too), a single-column DataFrame or a one-hot
        2-D array. Never modified.

    X : array-like of shape (n_samples, n_features) or (n_samples, ...), \
            default=None
        Features, required by the instance-dependent noise types: numeric
        and finite, 2-D or n-D (images). Never modified. The
        class-conditional types only check its length.

    %(noise_parameters)s

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
        transition matrix, flip counts and per-sample flip propensities as
        fitted attributes.

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

    Instance-dependent noise reads the features: here the labels near the
    other blob flip.

    >>> from sklearn.datasets import make_blobs
    >>> X, y = make_blobs(n_samples=200, centers=2, cluster_std=3.0, random_state=0)
    >>> y_noisy, noise_mask = flip_labels(
    ...     y, X=X, noise_type="borderline", noise_rate=0.05, random_state=0)
    >>> np.bincount(y[noise_mask]).tolist()
    [5, 5]
    """
    draw = _NoiseDraw(
        y,
        X,
        noise_rate=noise_rate,
        noise_type=noise_type,
        transition_matrix=transition_matrix,
        class_mapping=class_mapping,
        flip_rate_std=flip_rate_std,
        noise_estimator=noise_estimator,
        noise_cv=noise_cv,
        pmd_type=pmd_type,
        n_neighbors=n_neighbors,
        sampling=sampling,
        stratify=stratify,
        classes=classes,
        random_state=random_state,
    )
    return draw.y_noisy, draw.noise_mask


@fill_doc(noise_parameters=NOISE_PARAMETERS_DOC)
class LabelNoiseInjector(BaseSampler):
    """Corrupt the training labels of a pipeline with a known noise model.

    A sampler in imbalanced-learn's sense: :meth:`fit_resample` returns
    ``(X, y_noisy)`` with X passed through untouched (the very same object)
    and y relabelled by :func:`flip_labels`. The instance-dependent noise
    types read the X of :meth:`fit_resample`, so inside a pipeline, a
    cross-validation or a grid search each training fold's noise follows
    its own features. The noise model, ``noise_rate`` and the sampling rules
    are defined once in the user guide (:ref:`noise-conventions`).

    .. warning::
        In a :class:`skmislabel.Pipeline`, the injector runs at ``fit`` time
        only. ``predict``, ``score`` and every scorer of ``cross_val_score``
        or ``GridSearchCV`` see the data and labels you pass them, untouched:
        the model is trained on noisy labels and scored on clean ones. A plain
        :class:`sklearn.pipeline.Pipeline` cannot change ``y`` and rejects
        this step.

    Parameters
    ----------
    %(noise_parameters)s

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
        class (see :ref:`noise-conventions`).

    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        Realised transition matrix: counts of (true, noisy) pairs divided by
        the class counts. Rows of classes with no samples are NaN. Computed
        from the stored flips each time it is read, so that fitting with many
        classes never allocates the K x K matrix; keep the result if you
        read it repeatedly.

    flip_propensity_ : ndarray of shape (n_samples,)
        The flip propensity ``p_i`` of each sample that the sampling turned
        into flips (see :ref:`noise-conventions`): for the instance-dependent types,
        their model's propensity; for the class-conditional ones, the flip
        rate ``1 - T[k, k]`` of the sample's class (computed when read).

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

    Confidence noise flips the digits a model finds ambiguous, to the class
    it finds most likely besides the label:

    >>> injector = LabelNoiseInjector(noise_rate=0.1, noise_type="confidence",
    ...                               random_state=0)
    >>> _, y_noisy = injector.fit_resample(X, y)
    >>> flipped = injector.noise_mask_
    >>> bool(injector.flip_propensity_[flipped].mean()
    ...      > 10 * injector.flip_propensity_[~flipped].mean())
    True
    """

    _parameter_constraints = dict(_PARAMETER_CONSTRAINTS)

    def __init__(
        self,
        noise_rate=0.1,
        noise_type="symmetric",
        *,
        transition_matrix=None,
        class_mapping=None,
        flip_rate_std=0.1,
        noise_estimator=None,
        noise_cv=5,
        pmd_type="I",
        n_neighbors=5,
        sampling="exact",
        stratify=True,
        classes=None,
        random_state=None,
    ):
        self.noise_rate = noise_rate
        self.noise_type = noise_type
        self.transition_matrix = transition_matrix
        self.class_mapping = class_mapping
        self.flip_rate_std = flip_rate_std
        self.noise_estimator = noise_estimator
        self.noise_cv = noise_cv
        self.pmd_type = pmd_type
        self.n_neighbors = n_neighbors
        self.sampling = sampling
        self.stratify = stratify
        self.classes = classes
        self.random_state = random_state

    def fit_resample(self, X, y):
        """Return X untouched and a noisy copy of y.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Passed through as the same object, never modified. 2-D, n-D
            (images) or, for a text pipeline, a 1-D sequence of documents.
            The class-conditional noise types read its length and feature
            names only; the instance-dependent ones compute their
            propensities from it, and need it numeric and finite.
        y : array-like of shape (n_samples,)
            Class labels; see :func:`flip_labels` for the accepted types.
            Never modified.

        Returns
        -------
        X : the input X

        y_noisy : same type as y
            Labels with ``n_flipped_`` of them changed.
        """
        if X is None and self.noise_type in INSTANCE_NOISE_TYPES:
            # Say that the noise type needs X, not only that X is missing.
            check_features(X, self.noise_type)
        return super().fit_resample(X, y)

    def _fit_resample(self, X, X_checked, y):
        draw = _NoiseDraw(
            y,
            X,
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
        # What flip_propensity_ is read or computed from: the model's
        # propensities, or the labels' codes and their classes' flip rates.
        if draw.propensity is not None:
            self._propensity = ("samples", draw.propensity)
        else:
            self._propensity = ("classes", draw.encoded.codes, draw.model.flip_rates)
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

    @property
    def flip_propensity_(self):
        """Flip propensity of each sample in the last fit: see Attributes."""
        try:
            source = self._propensity
        except AttributeError:
            raise AttributeError(
                "This LabelNoiseInjector is not fitted yet: flip_propensity_ is "
                "set by fit or fit_resample."
            ) from None
        if source[0] == "samples":
            return source[1]
        _, codes, flip_rates = source
        return flip_rates[codes]

    def __sklearn_tags__(self):
        # The instance-dependent types compute with X: numeric, finite, dense.
        reads_values = self.noise_type in INSTANCE_NOISE_TYPES
        return imblearn_sampler_tags(
            two_d_array=True,
            three_d_array=True,
            sparse=not reads_values,
            dataframe=True,
            string=not reads_values,
            categorical=not reads_values,
            allow_nan=not reads_values,
        )
