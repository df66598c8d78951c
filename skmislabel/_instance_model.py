"""What every instance-dependent noise model shares: the :class:`InstanceNoise`
it returns and the standardization of its features.

A leaf module: it imports nothing from skmislabel, so that the models
(:mod:`skmislabel._part_dependent_noise`, :mod:`skmislabel._confidence_noise`,
:mod:`skmislabel._borderline_noise`) and the module that runs them,
:mod:`skmislabel._instance_noise`, all depend on it and never on each other
in a circle.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class InstanceNoise:
    """What an instance-dependent model says about every sample.

    Attributes
    ----------
    propensity : ndarray of shape (n_samples,)
        Flip propensity ``p_i`` in [0, 1]; 0 never flips.
    target_codes : ndarray of shape (n_samples,), dtype int64
        The class (position in ``classes_``) that sample ``i`` takes if it
        flips; differs from its label wherever ``p_i > 0``.
    rate_scaled : bool
        True when ``p_i`` is already the flip probability at the requested
        rates (part_dependent); False when it does not depend on the rate.
    hint : str
        How to reach a higher rate, for the error raised when the requested
        rate needs samples of propensity 0.
    target_probabilities : ndarray of shape (n_samples, n_classes) or None
        part_dependent only, on request: the distribution the targets are
        drawn from.
    fallback : callable or None
        borderline only: ``fallback(positions)`` returns the order in which
        samples of propensity 0 flip when exact sampling needs them, and
        their targets (see :func:`~skmislabel._sampling.draw_instance_flips`).
    """

    propensity: np.ndarray
    target_codes: np.ndarray
    rate_scaled: bool
    hint: str
    target_probabilities: np.ndarray = None
    fallback: object = None


def standardize(features):
    """Features centred and scaled to unit variance (constant ones are 0),
    flattened per sample, and the number of non-constant features."""
    from sklearn.preprocessing import StandardScaler

    flat = features.reshape(features.shape[0], -1)
    scaler = StandardScaler()
    standardized = scaler.fit_transform(flat)
    return standardized, int(np.count_nonzero(scaler.var_ > 0))
