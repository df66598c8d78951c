"""Estimate the label noise of a data set from the data alone:
``estimate_noise``.

The methods (see :func:`estimate_noise`) all return a transition matrix in
the orientation of :mod:`skmislabel.noise` (``T[i, j] = P(noisy = j | true =
i)``, rows sum to 1) and an estimate of the true class prior, from which the
flip rates follow.
"""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch
from sklearn.utils.validation import check_array

from ._compat import HasMethods, Interval, StrOptions, validate_params
from ._hoc import consensus_patterns, fit_consensus, two_nearest_neighbors
from ._out_of_fold import (
    SEED_BOUND,
    _ProbabilityCache,
    check_fold_counts,
    out_of_fold_probabilities,
    seed_unset_random_states,
)
from ._random import draw_seed
from ._sampler_input import check_sampler_input
from ._targets import encode_targets, present_classes
from ._transition_estimation import estimate_transition_matrix

__all__ = ["METHODS", "estimate_noise"]

METHODS = ("hoc", "confident_joint", "anchors")

# Its own cache: estimating the noise of the labels a cleaner or a noise model
# also reads would otherwise push their entries out.
ESTIMATION_CACHE = _ProbabilityCache(max_entries=4)

CONFIDENT_JOINT_EXTRA_MESSAGE = (
    "estimate_noise(method='confident_joint') needs cleanlab, which the core install "
    "leaves out: pip install \"skmislabel[cleaning]\". method='hoc' and "
    "method='anchors' need no extra."
)


def _default_estimator():
    """The model of ``estimator=None``: 5-NN on X flattened per sample, as
    the cleaners'.

    On the first 15,000 MNIST training images (benchmarks/estimate_noise.py,
    the table in the user guide) its out-of-fold probabilities give the
    confident joint a smaller error than those of a logistic regression on
    50 PCA components at symmetric 20%, pairflip 20/45% and confidence 40%
    (not at symmetric 50/80%), in a fraction of the time, and need no
    choice of dimension. The anchors do better with the logistic
    regression's smooth probabilities everywhere: pass one for them.
    """
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=5)


def _true_class_prior(transition_matrix, noisy_prior):
    """The true class prior ``p`` with ``p @ T`` the noisy prior, clipped to
    non-negative and renormalised; the noisy prior when ``T`` is singular."""
    try:
        prior = np.linalg.solve(transition_matrix.T, noisy_prior)
    except np.linalg.LinAlgError:
        return noisy_prior.copy()
    prior = np.clip(prior, 0, None)
    if not np.isfinite(prior).all() or prior.sum() <= 0:
        return noisy_prior.copy()
    return prior / prior.sum()


def _confident_joint(codes, probabilities, n_classes):
    try:
        import cleanlab.count
    except ImportError as exc:
        raise ImportError(CONFIDENT_JOINT_EXTRA_MESSAGE) from exc
    labels = np.asarray(codes, dtype=np.int64)
    # cleanlab indexes its matrices [given (noisy)][true]: its noise matrix
    # P(given = i | true = j) has columns summing to 1, so skmislabel's T is
    # its transpose, and so is the confident joint in skmislabel's rows-true
    # orientation.
    confident_joint = cleanlab.count.compute_confident_joint(labels, probabilities)
    true_prior, noise_matrix, _ = cleanlab.count.estimate_latent(confident_joint, labels)
    diagnostics = {
        "confident_joint": np.asarray(confident_joint, dtype=float).T.copy(),
        "out_of_fold_probabilities": probabilities,
    }
    return np.asarray(noise_matrix, dtype=float).T.copy(), np.asarray(true_prior), diagnostics


def _anchors(codes, probabilities, n_classes, percentile):
    transition_matrix = estimate_transition_matrix(probabilities, percentile=percentile)
    noisy_prior = np.bincount(codes, minlength=n_classes) / codes.shape[0]
    diagnostics = {
        "anchor_indices": np.array(
            [_anchor_index(probabilities[:, k], percentile) for k in range(n_classes)]
        ),
        "out_of_fold_probabilities": probabilities,
    }
    return transition_matrix, _true_class_prior(transition_matrix, noisy_prior), diagnostics


def _anchor_index(column, percentile):
    """The sample estimate_transition_matrix takes as the anchor of a class."""
    if percentile < 100:
        threshold = np.percentile(column, percentile, method="higher")
        below = column < threshold
        column = np.where(below, column, -np.inf) if below.any() else column
    return int(np.argmax(column))


def _hoc(codes, features, n_classes, rng):
    neighbors = two_nearest_neighbors(features)
    observed = consensus_patterns(codes, neighbors, n_classes)
    transition_matrix, true_prior, loss = fit_consensus(observed, n_classes, rng=rng)
    # How often the neighbours' noisy labels agree with the sample's: with
    # clean labels and clusterable features close to 1.
    diagnostics = {
        "neighbors": neighbors,
        "consensus_loss": loss,
        "neighbor_agreement": float(np.mean(codes[neighbors[:, 0]] == codes)),
    }
    return transition_matrix, true_prior, diagnostics


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "method": [StrOptions(set(METHODS))],
        "cv": [Interval(numbers.Integral, 2, None, closed="left")],
        "percentile": [Interval(numbers.Real, 0, 100, closed="right")],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def estimate_noise(
    X,
    y,
    estimator=None,
    *,
    method="hoc",
    cv=5,
    percentile=97.0,
    n_jobs=None,
    random_state=None,
):
    """Estimate the transition matrix and the flip rates of noisy labels.

    The noise is taken to be class-conditional: a sample of true class
    ``i`` got the label ``j`` with probability ``T[i, j]``, whatever its
    features (the orientation of :mod:`skmislabel.noise`, section
    *Conventions*). For instance-dependent noise the estimate is that of the
    average transition.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, ...)
        Features: 2-D, or n-D images (flattened per sample for ``"hoc"`` and
        the default estimator). Never modified.
    y : array-like of shape (n_samples,)
        The noisy labels: ints, strings or bools in an ndarray, list or
        pandas Series, a single-column DataFrame or a one-hot 2-D array.
        Never modified.
    estimator : estimator with predict_proba, default=None
        The model of ``"confident_joint"`` and ``"anchors"``, cloned and
        fitted ``cv`` times on X as passed (any scikit-learn classifier, or
        :class:`~skmislabel.CNNClassifier`); its ``random_state`` parameters
        left at None are set from ``random_state``. None:
        ``KNeighborsClassifier(n_neighbors=5)`` on X flattened per sample,
        which measured better for the confident joint than a logistic
        regression at symmetric 20%, pair-flip and confidence noise (see
        the user guide). The
        anchors need smooth probabilities: 5-NN's come in steps of 0.2,
        and its anchors are poor; pass a logistic regression for them.
        ``"hoc"`` trains no model and ignores it.
    method : {"hoc", "confident_joint", "anchors"}, default="hoc"
        - ``"hoc"``: high-order consensus of each sample's noisy label with
          its two nearest neighbours' (Zhu, Song and Liu 2021). No model is
          trained on the noisy labels, so nothing can memorize them; it
          assumes that a sample and its two nearest neighbours (cosine
          distance in X) share a true class.
        - ``"confident_joint"``: confident learning (Northcutt, Jiang and
          Chuang 2021) by cleanlab's ``count`` module
          (``compute_confident_joint``, then ``estimate_latent``) on
          out-of-fold probabilities. Needs cleanlab, the ``cleaning``
          extra.
        - ``"anchors"``: anchor points (Patrini et al. 2017) on out-of-fold
          probabilities, with the 97th-percentile filter of Patrini's and
          T-Revision's code (:func:`skmislabel.noise.estimate_transition_matrix`).
          Out of fold, no model sees the label of the sample it predicts,
          so the probabilities are not memorized.

        ``"hoc"`` is the default because it measured the smallest error
        ‖T̂ − T‖₁ / ‖T‖₁ on MNIST at symmetric 20% and 50% and pairflip
        20% and 45% (0.05 to 0.10), needs no extra and trains no model
        (the table in the user guide). The confident joint does better at
        symmetric 80% and on the instance-dependent ``confidence`` noise,
        but fails at pairflip 45% (error about 0.47).
    cv : int >= 2, default=5
        Number of stratified folds of the out-of-fold probabilities
        (:class:`~sklearn.model_selection.StratifiedKFold`, shuffled with a
        seed from ``random_state``). Every class of y needs at least this
        many samples. Unused by ``"hoc"``.
    percentile : float in (0, 100], default=97.0
        Where the anchor of each class is taken (``"anchors"`` only).
    n_jobs : int, default=None
        Folds fitted in parallel; the result does not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the estimator's unset random states and HOC's
        start. An int gives the same estimate every time.

    Returns
    -------
    estimate : :class:`~sklearn.utils.Bunch`
        With the keys (attributes)

        - ``transition_matrix`` (ndarray of shape (n_classes, n_classes)):
          ``T̂[i, j]``, the estimated probability that a sample of true
          class ``classes[i]`` has the noisy label ``classes[j]``; rows sum
          to 1.
        - ``classes`` (ndarray): the sorted classes of y, the order of the
          rows and columns.
        - ``class_prior`` (ndarray of shape (n_classes,)): the estimated
          true class prior ``p``. ``"hoc"`` and ``"confident_joint"``
          estimate it with ``T``; for ``"anchors"`` it solves
          ``p @ T̂`` equal to the noisy class shares (clipped at 0, renormalised).
        - ``flip_rates`` (ndarray of shape (n_classes,)): ``1 -
          diag(T̂)``, the share of each true class whose label is wrong.
        - ``flip_rate`` (float): the overall share of wrong labels,
          ``sum_i p[i] (1 - T̂[i, i])``: the flip rates weighted by the
          estimated *true* class prior, as the injector's ``noise_rate`` is
          a share of all samples.
        - ``method`` (str): the method used.
        - ``diagnostics`` (dict): what the method computed on the way.
          ``"hoc"``: ``neighbors`` (the two neighbours of each sample),
          ``consensus_loss`` (the final mismatch of the patterns; large
          means the model does not fit) and ``neighbor_agreement`` (the
          share of samples whose first neighbour has the same noisy label).
          ``"confident_joint"``: ``confident_joint`` (counts, rows true
          and columns noisy, the transpose of cleanlab's) and
          ``out_of_fold_probabilities``. ``"anchors"``: ``anchor_indices``
          (the anchor sample of each class) and
          ``out_of_fold_probabilities``.

    Raises
    ------
    ValueError
        When y has fewer than 2 classes, or a class of y has fewer than
        ``cv`` samples (``"confident_joint"``, ``"anchors"``), or fewer
        than 3 samples for ``"hoc"``.
    ImportError
        For ``"confident_joint"`` without cleanlab.

    See Also
    --------
    skmislabel.noise.estimate_transition_matrix : The anchor rule on
        probabilities you already have.
    skmislabel.metrics.noise_aware_accuracy : The clean accuracy estimated
        from noisy labels and a transition matrix, such as this one.

    Notes
    -----
    ``"hoc"`` follows the reference code UCSC-REAL/HOC (global ``T``), with
    these differences: the features are X itself (the paper uses the
    features of a pretrained network, which you can pass as X); the two
    neighbours are searched among all samples once, where the reference
    averages the patterns of 50 random subsets of 15,000 samples; the
    optimisation is the same Adam in NumPy with analytic gradients. Its
    third-order patterns make each of its 1,500 steps cost O(K**4) for K
    classes: seconds for 10 classes, about a minute at 50 and about 18
    minutes at 100 (measured here); for many classes prefer
    ``"confident_joint"``. Zhu, Song and Liu, "Clusterability as an alternative to anchor points
    when learning with noisy labels", ICML 2021.

    ``"confident_joint"``: Northcutt, Jiang and Chuang, "Confident
    learning: estimating uncertainty in dataset labels", JAIR 2021.
    ``"anchors"``: Patrini, Rozza, Menon, Nock and Qu, CVPR 2017; Xia et
    al., "Are anchor points really indispensable in label-noise
    learning?", NeurIPS 2019.

    The estimate assumes that every true class is the most frequent noisy
    label of its own samples (``T[i, i] > T[i, j]``): a noise that sends
    most of a class elsewhere cannot be told apart from a relabelling of
    the classes.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmislabel import flip_labels
    >>> from skmislabel.noise import estimate_noise
    >>> X, y = load_digits(return_X_y=True)
    >>> y_noisy, noise_mask = flip_labels(y, noise_rate=0.3, random_state=0)
    >>> estimate = estimate_noise(X, y_noisy, random_state=0)
    >>> estimate.transition_matrix.shape
    (10, 10)
    >>> bool(abs(estimate.flip_rate - 0.3) < 0.05)
    True
    """
    X_checked = check_sampler_input(X)
    encoded = encode_targets(y)
    if encoded.n_samples != X_checked.shape[0]:
        raise ValueError(
            f"X and y must describe the same samples; got {X_checked.shape[0]} rows of X "
            f"and {encoded.n_samples} labels."
        )
    present = present_classes(encoded, "estimate_noise")
    # Positions among the classes present in y (a categorical y may declare
    # more): a class without a sample has no estimable row.
    position = np.zeros(encoded.classes.shape[0], dtype=np.int64)
    position[present] = np.arange(present.shape[0])
    codes = position[encoded.codes]
    classes = encoded.classes[present]
    n_classes = classes.shape[0]
    rng = np.random.default_rng(draw_seed(random_state))
    estimator_seed, split_seed, start_seed = rng.integers(SEED_BOUND, size=3)

    flat = X_checked.reshape(X_checked.shape[0], -1) if X_checked.ndim > 2 else X_checked
    if method == "hoc":
        if codes.shape[0] < 3:
            raise ValueError(
                f"method='hoc' needs at least 3 samples (each with two neighbours); got "
                f"{codes.shape[0]}."
            )
        features = check_array(flat, accept_sparse=True, dtype=np.float64, input_name="X")
        transition_matrix, class_prior, diagnostics = _hoc(
            codes, features, n_classes, np.random.default_rng(start_seed)
        )
    else:
        if method == "confident_joint":
            # Before the fits: a missing extra should not cost cv model fits.
            try:
                import cleanlab.count  # noqa: F401
            except ImportError as exc:
                raise ImportError(CONFIDENT_JOINT_EXTRA_MESSAGE) from exc
        check_fold_counts(classes, np.bincount(codes), cv, cv_name="cv")
        if estimator is None:
            model, data = _default_estimator(), flat
        else:
            # The user's model sees X as it was passed (its own
            # preprocessing, column names or image shape).
            model, data = clone(estimator), X
        seed_unset_random_states(model, int(estimator_seed))
        probabilities = out_of_fold_probabilities(
            model,
            data,
            classes[codes],
            n_splits=cv,
            split_seed=split_seed,
            n_jobs=n_jobs,
            cache=ESTIMATION_CACHE,
        )
        if method == "confident_joint":
            transition_matrix, class_prior, diagnostics = _confident_joint(
                codes, probabilities, n_classes
            )
        else:
            transition_matrix, class_prior, diagnostics = _anchors(
                codes, probabilities, n_classes, percentile
            )
    flip_rates = 1 - np.diag(transition_matrix)
    return Bunch(
        transition_matrix=transition_matrix,
        classes=classes,
        class_prior=class_prior,
        flip_rates=flip_rates,
        flip_rate=float(class_prior @ flip_rates),
        method=method,
        diagnostics=diagnostics,
    )
