"""Confidence and PMD noise: labels flip to the class a model finds most
likely besides the label, with a propensity read off its out-of-fold
probabilities.

Stated in the user guide (:ref:`instance-dependent-noise`). References:
``mnist_gen_dependent.py`` of https://github.com/chenpf1025/IDN (Chen et
al. 2021: the score is the largest probability of another class, the target
that class) and ``label_noise`` in ``utils.py`` of
https://github.com/pxiangwu/PLC (Zhang et al. 2021: the three PMD
polynomials of the top-two margin).
"""

import numpy as np

from . import _out_of_fold
from ._instance_model import InstanceNoise
from ._out_of_fold import check_fold_counts, seed_unset_random_states
from ._random import SEED_BOUND

# The cache lives with the computation it keeps; the tests and benchmarks of
# the noise types clear it from here.
PROBABILITY_CACHE = _out_of_fold.PROBABILITY_CACHE
_ProbabilityCache = _out_of_fold._ProbabilityCache

# The PMD noise functions of Zhang et al. (2021) of the margin
# m = eta_(1) - eta_(2) between the two largest class probabilities, as in
# the reference code (pxiangwu/PLC, utils.label_noise, for K > 2).
PMD_NOISE_FUNCTIONS = {
    "I": lambda margin: 0.5 - 0.5 * margin**2,
    "II": lambda margin: 1 - margin**3,
    "III": lambda margin: 1 - (margin**3 + margin**2 + margin) / 3,
}


def default_noise_estimator():
    """The model of ``noise_estimator=None``: scaled logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def out_of_fold_probabilities(X, features, encoded, noise_estimator, noise_cv, estimator_stream):
    """``predict_proba`` of each sample by a model that did not see it.

    Returns
    -------
    probabilities : ndarray of shape (n_samples, n_classes)
        Columns in ``classes_`` order; classes absent from y get 0.
    """
    from sklearn.base import clone

    class_counts = encoded.class_counts
    present = np.flatnonzero(class_counts)
    if present.shape[0] < 2:
        raise ValueError(
            "noise_type='confidence' and 'pmd' fit a model of the labels, which needs "
            f"samples of at least 2 classes; y has {present.shape[0]}."
        )
    check_fold_counts(encoded.classes, class_counts, noise_cv, cv_name="noise_cv")
    estimator_seed, split_seed = np.random.default_rng(estimator_stream).integers(
        SEED_BOUND, size=2
    )
    n_samples = encoded.n_samples
    if noise_estimator is None:
        estimator, data = default_noise_estimator(), features.reshape(n_samples, -1)
    else:
        # The user's model sees X as it was passed: its own preprocessing,
        # column names or image shape apply.
        estimator, data = clone(noise_estimator), X
        seed_unset_random_states(estimator, int(estimator_seed))
    fold_probabilities = _out_of_fold.out_of_fold_probabilities(
        estimator,
        data,
        encoded.classes[encoded.codes],
        n_splits=noise_cv,
        split_seed=split_seed,
        estimator_name="noise_estimator",
    )
    check_probabilities(fold_probabilities, noise_estimator)
    probabilities = np.zeros((n_samples, class_counts.shape[0]))
    probabilities[:, present] = fold_probabilities
    return probabilities


def check_probabilities(probabilities, noise_estimator):
    """Raise a ValueError naming ``noise_estimator`` unless every row of its
    out-of-fold ``predict_proba`` is a probability distribution.

    The propensities are read off these numbers: NaN would never flip, rows
    scaled up would saturate every propensity at 1 (uniform noise), and
    negative values have no meaning. The tolerance on the row sums is the
    one of :func:`~skmislabel.noise.estimate_transition_matrix`: float32
    models sum to 1 within ~1e-7.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    model = (
        "the default noise_estimator"
        if noise_estimator is None
        else f"noise_estimator={type(noise_estimator).__name__}"
    )
    finite = np.isfinite(probabilities).all(axis=1)
    if not finite.all():
        first = int(np.flatnonzero(~finite)[0])
        raise ValueError(
            f"The out-of-fold predict_proba of {model} must be probabilities, but "
            f"{int((~finite).sum())} of its {finite.shape[0]} rows hold NaN or infinity "
            f"(the first is sample {first}). Check the noise_estimator's predict_proba."
        )
    sums = probabilities.sum(axis=1)
    bad = (probabilities < 0).any(axis=1) | ~np.isclose(sums, 1.0, rtol=0, atol=1e-4)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"The out-of-fold predict_proba of {model} must be probabilities: "
            f"non-negative rows summing to 1; {int(bad.sum())} of its {bad.shape[0]} rows "
            f"are not (sample {first}: minimum {probabilities[first].min():.3g}, sum "
            f"{sums[first]:.6g}). Check the noise_estimator's predict_proba."
        )


def confidence_noise(
    X, features, encoded, *, noise_type, noise_estimator, noise_cv, pmd_type, estimator_stream
):
    """Confidence or PMD noise of every sample.

    Parameters
    ----------
    X : array-like
        The features as passed, for a user's ``noise_estimator``.
    features : ndarray of shape (n_samples, ...)
        X validated, for the default estimator (flattened per sample).
    encoded : EncodedTargets
    noise_type : {"confidence", "pmd"}
    noise_estimator : estimator with predict_proba or None
    noise_cv : int
    pmd_type : {"I", "II", "III"}
    estimator_stream : numpy.random.SeedSequence
        Source of the fold shuffling and of the estimator's unset random states.

    Returns
    -------
    noise : InstanceNoise
        Rate-free propensities; the target is the most probable class other
        than the label.
    """
    probabilities = out_of_fold_probabilities(
        X, features, encoded, noise_estimator, noise_cv, estimator_stream
    )
    codes = encoded.codes.astype(np.int64)
    rows = np.arange(codes.shape[0])
    others = probabilities.copy()
    others[rows, codes] = -np.inf
    # Ties between other classes go to the first in classes_ order.
    target_codes = others.argmax(axis=1)
    if noise_type == "confidence":
        propensity = others[rows, target_codes]
        hint = (
            "Every other class has out-of-fold probability 0 for the other samples: "
            "lower noise_rate, or pass a noise_estimator with less extreme "
            "probabilities."
        )
    else:
        top_two = np.partition(probabilities, -2, axis=1)[:, -2:]
        margin = np.clip(top_two[:, 1] - top_two[:, 0], 0.0, 1.0)
        propensity = PMD_NOISE_FUNCTIONS[pmd_type](margin)
        hint = (
            "The other samples' two largest out-of-fold probabilities differ by 1 "
            "(a certain prediction): lower noise_rate, or pass a noise_estimator with "
            "less extreme probabilities."
        )
    return InstanceNoise(
        propensity=np.clip(propensity, 0.0, 1.0),
        target_codes=target_codes,
        rate_scaled=False,
        hint=hint,
    )
