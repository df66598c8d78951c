"""Part-dependent label noise (Xia et al. 2020): per-sample rates and targets.

Stated in the user guide (:ref:`instance-dependent-noise`). The reference is
``get_instance_noisy_label`` in ``tools.py`` of
https://github.com/xiaoboxia/Part-dependent-label-noise: flip rates from a
truncated normal, a Gaussian projection ``W`` of shape (K, d, K), scores
``x_i W[y_i]`` with the true class masked, and the new label drawn from
their softmax. Two changes, both documented: the features are standardized
and scaled to unit mean squared norm first (the reference projects raw
pixels, which makes the softmax one-hot), and every random number comes
from a seeded generator, none from NumPy's or PyTorch's global state.
"""

import numpy as np

from ._instance_model import InstanceNoise, standardize


def truncated_normal_rates(quantiles, means, std):
    """Per-sample flip rates: the ``quantiles`` of N(mean, std**2) truncated
    to [0, 1]. Increasing in the mean for a fixed quantile, so a higher rate
    never lowers a sample's flip rate. A mean of 0 gives 0 (a class that
    does not flip), a std of 0 the mean itself."""
    if std == 0:
        return means.astype(np.float64, copy=True)
    from scipy.stats import truncnorm

    rates = np.zeros(means.shape[0])
    flipping = means > 0
    mean = means[flipping]
    rates[flipping] = truncnorm.ppf(
        quantiles[flipping], (0 - mean) / std, (1 - mean) / std, loc=mean, scale=std
    )
    return np.clip(rates, 0.0, 1.0)


def _softmax_without(scores, excluded):
    """Softmax of each row with column ``excluded[i]`` left out (probability 0)."""
    scores = scores.astype(np.float64, copy=True)
    scores[np.arange(scores.shape[0]), excluded] = -np.inf
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def _draw_from_rows(probabilities, draws):
    """Column drawn from each row's distribution by inverse CDF, one uniform
    per row. A zero-probability column is never drawn."""
    cumulative = np.cumsum(probabilities, axis=1)
    thresholds = draws * cumulative[:, -1]
    # The first column whose cumulative sum passes the threshold; a column of
    # probability 0 repeats the previous sum, so it can never be the first.
    return np.argmax(cumulative > thresholds[:, None], axis=1)


def part_dependent_noise(
    features,
    codes,
    n_classes,
    flip_rates,
    *,
    flip_rate_std,
    model_stream,
    keep_target_probabilities=False,
):
    """Part-dependent noise of every sample.

    Parameters
    ----------
    features : ndarray of shape (n_samples, ...)
        Numeric, finite; flattened per sample.
    codes : ndarray of shape (n_samples,), dtype int64
    n_classes : int
        ``K``, including classes absent from the labels (they can be targets).
    flip_rates : ndarray of shape (n_classes,)
        The requested rate ``r_k`` of each class: the mean of its samples'
        truncated normal.
    flip_rate_std : float
        Standard deviation of the normal before truncation.
    model_stream : numpy.random.SeedSequence
        Source of the quantiles, the target draws and ``W``; all drawn in
        full whatever the rates, so the targets are the same at every rate.
    keep_target_probabilities : bool, default=False

    Returns
    -------
    noise : InstanceNoise
        ``propensity`` is the flip rate ``q_i``, already at the requested
        rates (``rate_scaled=True``).
    """
    rng = np.random.default_rng(model_stream)
    n_samples = codes.shape[0]
    quantiles = rng.random(n_samples)
    target_draws = rng.random(n_samples)
    propensity = truncated_normal_rates(quantiles, flip_rates[codes], flip_rate_std)

    if n_classes < 2:
        # Nowhere to flip to: build_noise_model only lets rate 0 through.
        return InstanceNoise(np.zeros(n_samples), codes.copy(), rate_scaled=True, hint="")

    standardized, n_varying = standardize(features)
    # E ||x_i||^2 = 1: the scores x_i W[y_i] are then standard normal on
    # average, and the softmax is neither one-hot nor flat.
    standardized /= np.sqrt(max(n_varying, 1))
    n_features = standardized.shape[1]
    target_codes = np.empty(n_samples, dtype=np.int64)
    target_probabilities = np.zeros((n_samples, n_classes)) if keep_target_probabilities else None
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=n_classes))))
    for k in range(n_classes):
        # W[k] is drawn for every class, present or not, so that the
        # projection of a class never depends on which classes y holds.
        projection = rng.standard_normal((n_features, n_classes)).astype(
            standardized.dtype, copy=False
        )
        members = order[bounds[k] : bounds[k + 1]]
        if members.shape[0] == 0:
            continue
        scores = standardized[members] @ projection
        probabilities = _softmax_without(scores, np.full_like(members, k))
        target_codes[members] = _draw_from_rows(probabilities, target_draws[members])
        if keep_target_probabilities:
            target_probabilities[members] = probabilities
    return InstanceNoise(
        propensity=propensity,
        target_codes=target_codes,
        rate_scaled=True,
        hint="",
        target_probabilities=target_probabilities,
    )
