"""Cleaning: find the training labels that look wrong, then remove or relabel them.

.. _cleaning-conventions:

Conventions
-----------
Every docstring of this module refers to these definitions.

**Samplers.** A cleaner is a sampler in imbalanced-learn's sense:
``fit_resample(X, y)`` returns the cleaned ``(X, y)``, so that it chains
after a :class:`~skmislabel.LabelNoiseInjector` in a
:class:`skmislabel.Pipeline`. Like the injector, it runs at ``fit`` time
only: ``predict``, ``score`` and every scorer of ``cross_val_score`` or
``GridSearchCV`` skip it, so the model trains on the cleaned noisy labels
and is scored on the clean labels you pass.

**Suspects.** Each cleaner gives every sample a *label quality* (the fitted
``label_quality_``, higher is cleaner) and flags some samples as
*suspects* (``suspect_mask_``), from evidence that never comes from a model
that saw the sample's own label: out-of-fold ``predict_proba`` (each sample
is predicted by a clone of the estimator fitted on the other folds) or the
sample's nearest neighbours.

**Actions.**

- ``action="remove"`` (default) drops the suspects: the rows of X that are
  kept are selected as scikit-learn selects rows (an ndarray, n-D images, a
  sparse matrix, a DataFrame with its index, a list) and y keeps its
  container type. A ValueError is raised rather than returning an empty
  training set when every sample is a suspect.
- ``action="relabel"`` gives the suspects their *predicted class*, X passed
  through untouched (the same object). The predicted class is the most
  probable class out of fold, or the most frequent label among the
  neighbours; ties go to the given label. A suspect whose own label is
  still the predicted class keeps it: that happens when a threshold or a
  ranking flags it rather than the prediction (``DisagreementCleaner``
  with a ``threshold``, ``NeighborhoodCleaner``, cleanlab's ``low_*``
  filters). Other labels never change.

``sample_indices_`` holds the positions of the samples returned
(imbalanced-learn's convention): the non-suspects for ``"remove"``, all of
them for ``"relabel"``. Inputs are never modified.

**Scoring a cleaner.** With the truth of an injector, the detector's
precision and recall are
``skmislabel.metrics.detection_report(injector.noise_mask_,
cleaner.suspect_mask_)`` and the ranking's ROC AUC and average precision
``skmislabel.metrics.detection_scores(injector.noise_mask_,
cleaner.label_quality_)``.

**Cleaners.** :class:`ConfidentLearningCleaner` (Northcutt et al. 2021, by
cleanlab, the ``cleaning`` extra), :class:`DisagreementCleaner` (the
classification filter of Brodley and Friedl 1999),
:class:`NeighborhoodCleaner` (k-disagreeing neighbours, Smith et al. 2014)
and :class:`AUMCleaner` (the area under the margin, Pleiss et al. 2020,
whose evidence is the training dynamics of a model that does see the
labels: how late, if ever, it fits each one).
imbalanced-learn's ``EditedNearestNeighbours(sampling_strategy="all")`` is a
cleaner too (remove only): see the user guide.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils import get_tags
from sklearn.utils.validation import check_array

from ._aum import area_under_margin
from ._base import BaseSampler
from ._cleaning_cleanlab import FILTERS, confident_learning, import_cleanlab
from ._cleaning_neighbors import disagreeing_neighbors
from ._compat import (
    HasMethods,
    Interval,
    StrOptions,
    imblearn_sampler_tags,
    safe_indexing,
)
from ._docstrings import CLEANER_PARAMETERS, fill_doc
from ._out_of_fold import (
    CLEANING_CACHE,
    check_fold_counts,
    out_of_fold_probabilities,
    seed_unset_random_states,
)
from ._random import SEED_BOUND, draw_seed
from ._targets import encode_targets, present_classes

__all__ = [
    "AUMCleaner",
    "ConfidentLearningCleaner",
    "DisagreementCleaner",
    "NeighborhoodCleaner",
]

_ACTIONS = StrOptions({"remove", "relabel"})


def _default_estimator():
    """The model of ``estimator=None``: 5-NN on X flattened per sample.

    Measured on scikit-learn's digits at 20% and 40% symmetric noise (5
    seeds), its out-of-fold probabilities flag the flipped labels with
    higher precision than a standardized logistic regression's at similar
    recall, in a fraction of the time; see the user guide.
    """
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=5)


def _model_input_tags(estimator):
    """The input tags of a user's model (scikit-learn's defaults when it
    declares none)."""
    from sklearn.utils import InputTags

    try:
        return get_tags(estimator).input_tags
    except AttributeError:
        return InputTags()


def _model_sampler_tags(estimator, *, default_takes_sparse):
    """The sampler tags of a cleaner that fits ``estimator`` on X as passed:
    the model's input tags, or, for None (the cleaner's default model),
    numbers in 2-D or n-D arrays, sparse when ``default_takes_sparse``."""
    if estimator is None:
        return imblearn_sampler_tags(
            sample_indices=True,
            two_d_array=True,
            three_d_array=True,
            sparse=default_takes_sparse,
            dataframe=True,
            allow_nan=False,
        )
    model_tags = _model_input_tags(estimator)
    return imblearn_sampler_tags(
        sample_indices=True,
        two_d_array=True,
        three_d_array=model_tags.three_d_array,
        sparse=model_tags.sparse,
        dataframe=True,
        string=model_tags.string,
        categorical=model_tags.categorical,
        allow_nan=model_tags.allow_nan,
    )


def _predicted_codes(probabilities, codes):
    """The most probable class of each sample; the given label when it is
    among the most probable (cleanlab breaks ties the same way)."""
    rows = np.arange(codes.shape[0])
    most_probable = probabilities.argmax(axis=1)
    prefers_another = probabilities[rows, most_probable] > probabilities[rows, codes]
    return np.where(prefers_another, most_probable, codes)


class _BaseCleaner(BaseSampler):
    """The action and the fitted attributes common to every cleaner;
    subclasses only say which samples are suspects."""

    # A user's estimator's own parameters are checked when its clones fit.
    _prefer_skip_nested_validation = False

    def fit_resample(self, X, y):
        """Return (X, y) cleaned: suspects removed or relabelled.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Features: 2-D, n-D (images) or what the estimator takes. Never
            modified.
        y : array-like of shape (n_samples,)
            Class labels, possibly noisy: ints, strings or bools in an
            ndarray, list or pandas Series, a single-column DataFrame or a
            one-hot 2-D array. Never modified.

        Returns
        -------
        X_cleaned : {array-like, sparse matrix, dataframe}
            The rows of X at ``sample_indices_``, of X's type; X itself with
            ``action="relabel"``.
        y_cleaned : same type as y
            The labels at ``sample_indices_``, the suspects' relabelled
            with ``action="relabel"``.
        """
        return super().fit_resample(X, y)

    def _fit_resample(self, X, X_checked, y):
        name = type(self).__name__
        encoded = encode_targets(y)
        present = present_classes(encoded, name, ": with one class no label can be wrong")
        # Positions among the classes present in y (a categorical y may
        # declare more): the models and cleanlab see only those.
        position = np.zeros(encoded.classes.shape[0], dtype=np.int64)
        position[present] = np.arange(present.shape[0])
        codes = position[encoded.codes]
        classes = encoded.classes[present]

        suspect_mask, label_quality, predicted_codes = self._find_suspects(
            X, X_checked, classes, codes
        )
        n_samples = codes.shape[0]
        n_suspects = int(suspect_mask.sum())
        if self.action == "remove":
            if n_suspects == n_samples:
                raise ValueError(
                    f"{name} flagged every one of the {n_samples} samples as a suspect; "
                    "removing them would leave an empty training set. Check the labels "
                    "and the cleaner's parameters, or use action='relabel'."
                )
            sample_indices = np.flatnonzero(~suspect_mask)
            if sp.issparse(X) and X.format not in ("csr", "csc"):
                # COO, DIA and the other formats cannot select rows.
                X = X.tocsr()
            X_cleaned = safe_indexing(X, sample_indices)
            y_cleaned = safe_indexing(y, sample_indices)
        else:
            sample_indices = np.arange(n_samples)
            relabelled = np.flatnonzero(suspect_mask & (predicted_codes != codes))
            X_cleaned = X
            y_cleaned = encoded.restore(relabelled, present[predicted_codes[relabelled]])
        self.classes_ = classes
        self.suspect_mask_ = suspect_mask
        self.label_quality_ = label_quality
        self.n_suspects_ = n_suspects
        self.sample_indices_ = sample_indices
        return X_cleaned, y_cleaned

    def _find_suspects(self, X, X_checked, classes, codes):
        """Return ``(suspect_mask, label_quality, predicted_codes)``.

        ``X`` as passed, ``X_checked`` its array form, ``codes`` the labels
        as positions in ``classes`` (every class present, at least two).
        """
        raise NotImplementedError


class _OutOfFoldCleaner(_BaseCleaner):
    """A cleaner whose evidence is the out-of-fold ``predict_proba`` of an
    estimator."""

    def _out_of_fold_probabilities(self, X, X_checked, classes, codes):
        check_fold_counts(classes, np.bincount(codes), self.cv, cv_name="cv")
        estimator_seed, split_seed = np.random.default_rng(draw_seed(self.random_state)).integers(
            SEED_BOUND, size=2
        )
        if self.estimator is None:
            estimator = _default_estimator()
            data = X_checked.reshape(X_checked.shape[0], -1) if X_checked.ndim > 2 else X
        else:
            # The user's model sees X as it was passed: its own
            # preprocessing, column names or image shape apply.
            estimator, data = clone(self.estimator), X
        seed_unset_random_states(estimator, int(estimator_seed))
        return out_of_fold_probabilities(
            estimator,
            data,
            classes[codes],
            n_splits=self.cv,
            split_seed=split_seed,
            n_jobs=self.n_jobs,
            cache=CLEANING_CACHE,
        )

    def __sklearn_tags__(self):
        # None: 5-NN on X flattened per sample, numbers, dense or sparse.
        return _model_sampler_tags(self.estimator, default_takes_sparse=True)


@fill_doc(**CLEANER_PARAMETERS)
class ConfidentLearningCleaner(_OutOfFoldCleaner):
    """Find mislabeled samples by confident learning, and remove or relabel them.

    Out-of-fold ``predict_proba`` of ``estimator`` (each sample predicted by
    a clone fitted on the other ``cv`` folds) go to cleanlab's
    :func:`cleanlab.filter.find_label_issues`, which estimates how many
    labels of each class went to each other class (the *confident joint*)
    and flags, per pair of classes, that many samples of the given class
    with the largest margin for the other one. Unlike a fixed threshold, the number of
    suspects adapts to the noise the data show. A sampler that runs at fit
    time only; the suspects, scores and actions are defined in
    :mod:`skmislabel.cleaning` (section *Conventions*).

    Needs cleanlab, the ``cleaning`` extra (``pip install
    "skmislabel[cleaning]"``), imported when the cleaner fits.

    Parameters
    ----------
    estimator : estimator with predict_proba, default=None
        The model of the labels, cloned and fitted ``cv`` times on X as
        passed; its ``random_state`` parameters left at None are set from
        ``random_state``. None: ``KNeighborsClassifier(n_neighbors=5)`` on
        X flattened per sample, which flags flipped labels with higher
        precision than a logistic regression at similar recall (see the
        user guide). Features of different scales need a pipeline with a
        scaler here.

    %(cv)s

    filter_by : {"prune_by_noise_rate", "prune_by_class", "both", \
            "confident_learning", "predicted_neq_given", \
            "low_normalized_margin", "low_self_confidence"}, \
            default="prune_by_noise_rate"
        cleanlab's rule for which samples are issues (see
        :func:`cleanlab.filter.find_label_issues`). The default flags, for
        every pair (given class, true class), the estimated number of such
        errors among the samples with the largest margin for the true class.

    %(out_of_fold_action)s

    n_jobs : int, default=None
        Folds fitted in parallel (``cross_val_predict``'s ``n_jobs``).
        None means 1 unless in a :func:`joblib.parallel_backend` context.
        cleanlab itself runs in one process.

    %(out_of_fold_random_state)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes of y, in the order of ``transition_matrix_``.

    suspect_mask_ : ndarray of shape (n_samples,), dtype bool
        True for the samples cleanlab flags as label issues.

    n_suspects_ : int
        Number of suspects.

    label_quality_ : ndarray of shape (n_samples,)
        cleanlab's label quality score with ``method="normalized_margin"``
        (:func:`cleanlab.rank.get_label_quality_scores`), in [0, 1], higher
        is cleaner: the out-of-fold probability of the given label minus the
        largest probability of another class, rescaled. On digits with the
        default estimator it ranks flipped labels better than the
        probability of the given label alone (average precision 0.98
        against 0.97 at 20% noise, 0.97 against 0.94 at 40%).

    sample_indices_ : ndarray of shape (n_samples_kept,)
        Positions of the samples returned: the non-suspects, or all of them
        with ``action="relabel"``.

    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        The noise cleanlab estimates, in skmislabel's orientation
        ``T[i, j] = P(noisy = j | true = i)`` (rows sum to 1; cleanlab's
        ``noise_matrix`` is its transpose), comparable with
        ``LabelNoiseInjector.transition_matrix_``.

    n_features_in_ : int
        Number of features of X, when X is 2-D.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of X, when X is a DataFrame with string column names.

    See Also
    --------
    DisagreementCleaner : Flags every sample whose out-of-fold prediction is
        not its label (or whose label is improbable): simpler, more
        suspects.
    NeighborhoodCleaner : Flags samples whose nearest neighbours disagree
        with their label, no model.
    skmislabel.metrics.detection_report : Precision and recall of the
        suspects against the injector's truth.

    References
    ----------
    Northcutt, C. G., Jiang, L. and Chuang, I. L. (2021). Confident
    learning: estimating uncertainty in dataset labels. *Journal of
    Artificial Intelligence Research 70*, 1373-1411. Implementation:
    https://github.com/cleanlab/cleanlab (``cleanlab.filter``).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmislabel import LabelNoiseInjector
    >>> from skmislabel.cleaning import ConfidentLearningCleaner
    >>> from skmislabel.metrics import detection_report
    >>> X, y = load_digits(return_X_y=True)
    >>> injector = LabelNoiseInjector(noise_rate=0.2, random_state=0)
    >>> X_noisy, y_noisy = injector.fit_resample(X, y)
    >>> cleaner = ConfidentLearningCleaner(random_state=0)
    >>> X_cleaned, y_cleaned = cleaner.fit_resample(X_noisy, y_noisy)
    >>> X_cleaned.shape, cleaner.n_suspects_
    ((1461, 64), 336)
    >>> report = detection_report(injector.noise_mask_, cleaner.suspect_mask_)
    >>> round(report.precision, 2), round(report.recall, 2)
    (0.96, 0.9)

    In a pipeline it cleans each training fold's noisy labels; every test
    fold is scored on its clean labels:

    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skmislabel import make_pipeline
    >>> noisy = make_pipeline(injector, KNeighborsClassifier())
    >>> cleaned = make_pipeline(injector, cleaner, KNeighborsClassifier())
    >>> bool(cross_val_score(cleaned, X, y).mean() > cross_val_score(noisy, X, y).mean())
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": [Interval(numbers.Integral, 2, None, closed="left")],
        "filter_by": [StrOptions(set(FILTERS))],
        "action": [_ACTIONS],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        cv=5,
        filter_by="prune_by_noise_rate",
        action="remove",
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.cv = cv
        self.filter_by = filter_by
        self.action = action
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _find_suspects(self, X, X_checked, classes, codes):
        # Before the fits: a missing extra should not cost cv model fits.
        import_cleanlab()
        probabilities = self._out_of_fold_probabilities(X, X_checked, classes, codes)
        result = confident_learning(codes, probabilities, filter_by=self.filter_by)
        self.transition_matrix_ = result.transition_matrix
        return result.issue_mask, result.label_quality, _predicted_codes(probabilities, codes)


@fill_doc(**CLEANER_PARAMETERS)
class DisagreementCleaner(_OutOfFoldCleaner):
    """Flag the samples whose label a model, trained without them, disagrees with.

    Out-of-fold ``predict_proba`` of ``estimator`` (each sample predicted by
    a clone fitted on the other ``cv`` folds): a sample is a suspect when
    its predicted class is not its label (``threshold=None``), or when the
    probability of its label is below ``threshold``. The classification
    filter of Brodley and Friedl (1999), with any classifier. A sampler that
    runs at fit time only; the suspects, scores and actions are defined in
    :mod:`skmislabel.cleaning` (section *Conventions*).

    Parameters
    ----------
    estimator : estimator with predict_proba, default=None
        The model of the labels, cloned and fitted ``cv`` times on X as
        passed; its ``random_state`` parameters left at None are set from
        ``random_state``. None: ``KNeighborsClassifier(n_neighbors=5)`` on
        X flattened per sample (see :class:`ConfidentLearningCleaner`).

    %(cv)s

    threshold : float in (0, 1] or None, default=None
        None: a sample is a suspect when another class is more probable
        than its label. A float: when the probability of its label is below
        it (then a suspect whose label is still the most probable class
        keeps it with ``action="relabel"``).

    %(out_of_fold_action)s

    n_jobs : int, default=None
        Folds fitted in parallel (``cross_val_predict``'s ``n_jobs``).
        None means 1 unless in a :func:`joblib.parallel_backend` context.

    %(out_of_fold_random_state)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes of y.

    suspect_mask_ : ndarray of shape (n_samples,), dtype bool
        True for the samples the model disagrees with.

    n_suspects_ : int
        Number of suspects.

    label_quality_ : ndarray of shape (n_samples,)
        The out-of-fold probability of each sample's given label.

    %(cleaned_samples)s

    See Also
    --------
    ConfidentLearningCleaner : Flags only as many samples as the estimated
        noise: higher precision, lower recall, from the same probabilities.
    NeighborhoodCleaner : Flags samples whose nearest neighbours disagree
        with their label, no model.
    skmislabel.metrics.detection_report : Precision and recall of the
        suspects against the injector's truth.

    References
    ----------
    Brodley, C. E. and Friedl, M. A. (1999). Identifying mislabeled
    training data. *Journal of Artificial Intelligence Research 11*,
    131-167.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmislabel import LabelNoiseInjector
    >>> from skmislabel.cleaning import DisagreementCleaner
    >>> from skmislabel.metrics import detection_report
    >>> X, y = load_digits(return_X_y=True)
    >>> injector = LabelNoiseInjector(noise_rate=0.2, random_state=0)
    >>> X_noisy, y_noisy = injector.fit_resample(X, y)
    >>> cleaner = DisagreementCleaner(action="relabel", random_state=0)
    >>> X_out, y_relabelled = cleaner.fit_resample(X_noisy, y_noisy)
    >>> X_out is X_noisy, cleaner.n_suspects_
    (True, 379)
    >>> report = detection_report(injector.noise_mask_, cleaner.suspect_mask_)
    >>> round(report.precision, 2), round(report.recall, 2)
    (0.94, 0.99)
    >>> round(float((y_relabelled == y).mean()), 3)  # right labels, up from 0.8
    0.982
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": [Interval(numbers.Integral, 2, None, closed="left")],
        "threshold": [Interval(numbers.Real, 0, 1, closed="right"), None],
        "action": [_ACTIONS],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        cv=5,
        threshold=None,
        action="remove",
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.cv = cv
        self.threshold = threshold
        self.action = action
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _find_suspects(self, X, X_checked, classes, codes):
        probabilities = self._out_of_fold_probabilities(X, X_checked, classes, codes)
        predicted_codes = _predicted_codes(probabilities, codes)
        label_probability = probabilities[np.arange(codes.shape[0]), codes]
        if self.threshold is None:
            suspect_mask = predicted_codes != codes
        else:
            suspect_mask = label_probability < self.threshold
        return suspect_mask, label_probability, predicted_codes


@fill_doc(**CLEANER_PARAMETERS)
class NeighborhoodCleaner(_BaseCleaner):
    """Flag the samples whose nearest neighbours disagree with their label.

    The k-disagreeing neighbours (kDN) of Smith et al. (2014): ``kdn_i`` is
    the share of the ``n_neighbors`` nearest neighbours of sample ``i``
    (Euclidean, in X flattened per sample, ``i`` itself excluded) whose
    label is not ``i``'s. A sample is a suspect when ``kdn_i > threshold``.
    No model is fitted: one neighbour search over the training data. A
    sampler that runs at fit time only; the suspects, scores and actions
    are defined in :mod:`skmislabel.cleaning` (section *Conventions*).

    Parameters
    ----------
    n_neighbors : int >= 1, default=10
        Number of neighbours that vote. Must be below the number of
        samples.

    threshold : float in [0, 1), default=0.7
        A sample is a suspect when more than this share of its neighbours
        disagree with its label: with the defaults, at least 8 of 10. Raise
        it for fewer, surer suspects. The defaults flag symmetric noise on
        digits at 20% and 40% with precision and recall above 0.95; the
        common ``n_neighbors=5``, ``threshold=0.5`` (a majority disagrees)
        flags one clean sample for every two flips at 40% (precision 0.66;
        see the user guide).

    action : {"remove", "relabel"}, default="remove"
        Drop the suspects, or give them their neighbours' most frequent
        label.

    n_jobs : int, default=None
        Parallel jobs of the neighbour search
        (:class:`~sklearn.neighbors.NearestNeighbors`'s ``n_jobs``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes of y.

    suspect_mask_ : ndarray of shape (n_samples,), dtype bool
        True where ``kdn > threshold``.

    n_suspects_ : int
        Number of suspects.

    label_quality_ : ndarray of shape (n_samples,)
        ``1 - kdn``: the share of neighbours that agree with the label.

    %(cleaned_samples)s

    See Also
    --------
    imblearn.under_sampling.EditedNearestNeighbours : Removes the samples
        whose neighbours' vote disagrees (``sampling_strategy="all"`` for
        every class); no relabelling, no scores.
    ConfidentLearningCleaner : Suspects from a model's out-of-fold
        probabilities and the estimated noise.
    DisagreementCleaner : Suspects from any classifier's out-of-fold
        predictions.

    Notes
    -----
    Distances are taken in X as given: features on different scales need a
    scaler before the cleaner in the pipeline (the classifier after it then
    sees the scaled features too). The search is brute force over the
    training data for high-dimensional X, quadratic in the number of
    samples: about 5 s for the lesson's 15,000 MNIST images on two cores.

    References
    ----------
    Smith, M. R., Martinez, T. and Giraud-Carrier, C. (2014). An instance
    level analysis of data complexity. *Machine Learning*, 95(2), 225-256.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmislabel import LabelNoiseInjector
    >>> from skmislabel.cleaning import NeighborhoodCleaner
    >>> from skmislabel.metrics import detection_report
    >>> X, y = load_digits(return_X_y=True)
    >>> injector = LabelNoiseInjector(noise_rate=0.2, random_state=0)
    >>> X_noisy, y_noisy = injector.fit_resample(X, y)
    >>> cleaner = NeighborhoodCleaner()
    >>> X_cleaned, y_cleaned = cleaner.fit_resample(X_noisy, y_noisy)
    >>> X_cleaned.shape, cleaner.n_suspects_
    ((1424, 64), 373)
    >>> report = detection_report(injector.noise_mask_, cleaner.suspect_mask_)
    >>> round(report.precision, 2), round(report.recall, 2)
    (0.96, 1.0)
    """

    _parameter_constraints = {
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "threshold": [Interval(numbers.Real, 0, 1, closed="left")],
        "action": [_ACTIONS],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(self, n_neighbors=10, *, threshold=0.7, action="remove", n_jobs=None):
        self.n_neighbors = n_neighbors
        self.threshold = threshold
        self.action = action
        self.n_jobs = n_jobs

    def _find_suspects(self, X, X_checked, classes, codes):
        features = check_array(X, accept_sparse="csr", allow_nd=True, input_name="X")
        n_samples = features.shape[0]
        if features.ndim > 2:
            features = features.reshape(n_samples, -1)
        if self.n_neighbors >= n_samples:
            raise ValueError(
                f"n_neighbors={self.n_neighbors} needs more than {self.n_neighbors} "
                f"samples (a sample is not its own neighbour); got {n_samples}."
            )
        disagreement, vote = disagreeing_neighbors(
            features, codes, n_neighbors=self.n_neighbors, n_jobs=self.n_jobs
        )
        return disagreement > self.threshold, 1.0 - disagreement, vote

    def __sklearn_tags__(self):
        return imblearn_sampler_tags(
            sample_indices=True,
            two_d_array=True,
            three_d_array=True,
            sparse=True,
            dataframe=True,
            allow_nan=False,
        )


@fill_doc(**CLEANER_PARAMETERS)
class AUMCleaner(_BaseCleaner):
    """Flag the labels a network learns late or never: the area under the margin.

    AUM (Pleiss et al. 2020): a model is trained epoch by epoch on the
    given labels and, after every epoch, each sample's *margin* is the logit
    of its label minus the largest other logit; its AUM is the mean margin
    over the epochs. A correct label is learnt early from the rest of its
    class; a flipped one is pulled towards its true class and fitted, if
    ever, only by late memorization: a low AUM. The threshold is the
    paper's: a random ``n_samples // (n_classes + 1)`` samples, the
    *threshold samples*, are given an extra class of their own that nothing
    explains, and a sample is a suspect when its AUM is below the
    ``percentile``-th percentile of theirs. Two runs with disjoint
    threshold samples give every sample an AUM under its own label. A
    sampler that runs at fit time only; the suspects, scores and actions
    are defined in :mod:`skmislabel.cleaning` (section *Conventions*).

    Parameters
    ----------
    estimator : estimator with partial_fit and predict_proba, default=None
        The model trained epoch by epoch (one ``partial_fit`` call an
        epoch, the first with ``classes=``), on X as passed and the labels
        as integer positions, the threshold samples' class last. Cloned for
        each of the two runs; its ``random_state`` parameters left at None
        are set from ``random_state``. None: the lesson's
        :class:`~skmislabel.CNNClassifier` (the ``cnn`` extra, TensorFlow
        imported when the cleaner fits), whose softmax makes the margin of
        log-probabilities the paper's margin of logits.

    epochs : int >= 1, default=3
        Epochs of each run, over which the margins are averaged. The paper
        trains ResNets on CIFAR for 150 epochs, up to the first
        learning-rate drop, before they memorize the flipped labels. The
        lesson's CNN (Adam, batches of 32) memorizes them within a few
        epochs: on its 15,000 MNIST images with 40% confidence noise the
        ROC AUC of the AUM ranking is 0.96 after 2 or 3 epochs, 0.93 after
        5, 0.89 after 10 and 0.79 after 20, as the network's agreement
        with the noisy labels rises from 0.75 to 0.97 (one seed, one run;
        see the user guide). Another model needs its own number: as many
        epochs as it takes to learn the clean labels, not the flipped.

    percentile : float in (0, 100), default=99
        A sample is a suspect when its AUM is below this percentile of the
        threshold samples' AUM: when more than ``100 - percentile`` % of
        the surely wrong labels score higher (the paper's 99: more than
        1%). Lower it for fewer, surer suspects.

    action : {"remove", "relabel"}, default="remove"
        Drop the suspects, or give them the real class of the highest
        probability averaged over the epochs.

    random_state : int, RandomState instance or None, default=None
        Seed of the threshold samples and of the estimator's unset random
        states. None draws fresh entropy and leaves NumPy's global RNG
        alone.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes of y.

    suspect_mask_ : ndarray of shape (n_samples,), dtype bool
        True for the samples whose AUM is below ``threshold_``: those
        that more than ``100 - percentile`` % of the threshold samples
        outscore.

    n_suspects_ : int
        Number of suspects.

    label_quality_ : ndarray of shape (n_samples,)
        The AUM of each sample (unbounded, in units of logits; higher is
        cleaner), from the run or runs in which it was not a threshold
        sample.

    threshold_ : float
        The ``percentile``-th percentile of the threshold samples' AUM, as
        the reference code counts it: the lowest of their AUMs that at most
        ``100 - percentile`` % of them exceed (no interpolation).

    %(cleaned_samples)s

    See Also
    --------
    ConfidentLearningCleaner : Suspects from out-of-fold probabilities and
        the estimated noise: no model sees the label it judges.
    DisagreementCleaner : Suspects from any classifier's out-of-fold
        predictions.
    NeighborhoodCleaner : Suspects from the nearest neighbours' labels.

    Notes
    -----
    What differs from the paper and its reference code
    (https://github.com/asappresearch/aum):

    - The margins are those of the model after each epoch, on every sample,
      rather than those of the forward pass that trains the sample within
      the epoch; both average the same course of training.
    - The margin is taken between log-probabilities, clipped below at
      float32's smallest normal number: for a softmax model (the default
      CNN, an ``MLPClassifier``) that is the margin of the logits up to the
      clipping; for a model whose probabilities are not a softmax of its
      scores (``SGDClassifier(loss="log_loss")`` normalizes one-vs-rest
      probabilities) it is a margin of log-probabilities, a close but not
      equal ranking.
    - The model, optimizer and epochs are the lesson's CNN with Adam for 3
      epochs rather than the paper's ResNet with SGD for 150 (see
      ``epochs``).
    - The two runs are combined by averaging: a sample's AUM is the mean of
      its runs under its own label, compared with the threshold samples of
      both runs pooled. The reference flags a sample in each run against
      that run's threshold samples and removes it only when every run in
      which it kept its label flags it.

    Each run trains ``epochs`` epochs and predicts the training set after
    each: with the defaults 6 epochs and 6 predictions in all, 24 to 44 s
    for the lesson's 15,000 MNIST images on two heavily shared cores (AMD
    EPYC; ``benchmarks/detection.py``).

    References
    ----------
    Pleiss, G., Zhang, T., Elenberg, E. R. and Weinberger, K. Q. (2020).
    Identifying mislabeled data using the area under the margin ranking.
    *Advances in Neural Information Processing Systems 33*, 17044-17056.

    Examples
    --------
    A softmax model with ``partial_fit`` on digits (the default CNN needs
    the ``cnn`` extra):

    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neural_network import MLPClassifier
    >>> from skmislabel import LabelNoiseInjector
    >>> from skmislabel.cleaning import AUMCleaner
    >>> from skmislabel.metrics import detection_report
    >>> X, y = load_digits(return_X_y=True)
    >>> injector = LabelNoiseInjector(noise_rate=0.2, random_state=0)
    >>> X_noisy, y_noisy = injector.fit_resample(X / 16, y)
    >>> model = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01)
    >>> cleaner = AUMCleaner(model, epochs=10, random_state=0)
    >>> X_cleaned, y_cleaned = cleaner.fit_resample(X_noisy, y_noisy)
    >>> report = detection_report(injector.noise_mask_, cleaner.suspect_mask_)
    >>> bool(report.recall > 0.95 and report.precision > 0.8)
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["partial_fit", "predict_proba"]), None],
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "percentile": [Interval(numbers.Real, 0, 100, closed="neither")],
        "action": [_ACTIONS],
        "random_state": ["random_state"],
    }

    def __init__(
        self, estimator=None, *, epochs=3, percentile=99.0, action="remove", random_state=None
    ):
        self.estimator = estimator
        self.epochs = epochs
        self.percentile = percentile
        self.action = action
        self.random_state = random_state

    def _find_suspects(self, X, X_checked, classes, codes):
        n_samples, n_classes = codes.shape[0], classes.shape[0]
        if n_samples // (n_classes + 1) < 1:
            raise ValueError(
                f"AUMCleaner needs at least n_classes + 1 = {n_classes + 1} samples, so that "
                f"n_samples // (n_classes + 1) of them are threshold samples; got {n_samples}."
            )
        rng = np.random.default_rng(draw_seed(self.random_state))
        run_seeds = rng.integers(SEED_BOUND, size=2)
        if self.estimator is None:
            # TensorFlow is imported here, when the default model fits.
            from .cnn import CNNClassifier

        def make_estimator(run):
            seed = int(run_seeds[run])
            if self.estimator is None:
                return CNNClassifier(random_state=seed)
            estimator = clone(self.estimator)
            seed_unset_random_states(estimator, seed)
            return estimator

        result = area_under_margin(
            make_estimator,
            X,
            codes,
            n_classes=n_classes,
            epochs=self.epochs,
            percentile=self.percentile,
            rng=rng,
        )
        self.threshold_ = result.threshold
        return (
            result.suspect_mask,
            result.aum,
            _predicted_codes(result.mean_probabilities, codes),
        )

    def __sklearn_tags__(self):
        # None: the CNN, dense images, flattened or not.
        return _model_sampler_tags(self.estimator, default_takes_sparse=False)
