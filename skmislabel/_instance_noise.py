"""Instance-dependent noise: from features and labels to the samples that flip.

Each model (:mod:`skmislabel._part_dependent_noise`,
:mod:`skmislabel._confidence_noise`, :mod:`skmislabel._borderline_noise`)
turns the features and the encoded labels into an
:class:`~skmislabel._instance_model.InstanceNoise`: a
flip propensity ``p_i`` in [0, 1] and a target class per sample. This module
validates X, runs the model and hands the propensities to
:func:`skmislabel._sampling.draw_instance_flips`, which decides which samples
flip. The models and the sampling rules are stated once, in
the user guide (:ref:`instance-dependent-noise`).

The heavy scikit-learn and SciPy imports happen inside the models, so that
``import skmislabel`` stays fast.
"""

import numpy as np
from sklearn.utils.validation import check_array

from ._noise_models import INSTANCE_NOISE_TYPES
from ._sampling import draw_instance_flips

# The noise types that fit a noise_estimator.
ESTIMATOR_NOISE_TYPES = ("confidence", "pmd")


def check_features(X, noise_type):
    """X as a numeric, finite array (images keep their shape), or a
    ValueError saying that ``noise_type`` needs it."""
    if X is None:
        raise ValueError(
            f"noise_type={noise_type!r} is instance-dependent: which labels flip "
            "depends on the features, so X is required. Pass flip_labels(y, X=X, ...) "
            "or LabelNoiseInjector(...).fit_resample(X, y)."
        )
    # A new array when X needs converting; never written to either way.
    return check_array(
        X,
        dtype=[np.float64, np.float32],
        allow_nd=True,
        ensure_all_finite=True,
        input_name="X",
    )


def _floor(rate, digits=4):
    """A reachable rate printed without rounding it up past the limit."""
    scale = 10**digits
    return f"{min(np.floor(rate * scale) / scale, 1.0):g}"


def _unreachable_rate(noise_type, classes, hint):
    """The ``describe`` callable of :func:`draw_instance_flips`: the error
    raised when the requested rate needs samples of propensity 0."""

    def describe(kind, *, max_rate, **numbers):
        alternative = ""
        if kind == "stratified":
            needed, available = numbers["needed"], numbers["available"]
            short = np.flatnonzero(needed > available)
            label = classes[short[0]]
            label = label.item() if hasattr(label, "item") else label
            detail = (
                f"exact stratified sampling needs {needed[short[0]]} flips of class "
                f"{label!r}, which has only {available[short[0]]} samples with a "
                "positive flip propensity"
            )
            if short.shape[0] > 1:
                detail += f" ({short.shape[0]} classes are short)"
            alternative = f" (with stratify=False, {_floor(numbers['max_rate_unstratified'])})"
        elif kind == "unstratified":
            detail = (
                f"exact sampling needs {numbers['needed']} flips, but only "
                f"{numbers['available']} samples have a positive flip propensity"
            )
        else:
            detail = (
                f"Bernoulli sampling expects {numbers['expected']:.1f} flips, but only "
                f"{numbers['available']} samples have a positive flip propensity"
            )
        return ValueError(
            f"noise_type={noise_type!r} cannot reach this noise_rate: {detail}, and a "
            f"sample of propensity 0 never flips. The highest noise_rate it reaches on "
            f"these data is {_floor(max_rate)}{alternative}. {hint}"
        )

    return describe


def draw_instance_noise(
    noise_type,
    X,
    encoded,
    flip_rates,
    *,
    flip_rate_std,
    noise_estimator,
    noise_cv,
    pmd_type,
    n_neighbors,
    sampling,
    stratify,
    seed,
    keep_target_probabilities=False,
):
    """Draw instance-dependent noise.

    Parameters
    ----------
    noise_type : one of :data:`INSTANCE_NOISE_TYPES`
    X : array-like of shape (n_samples, ...)
        Features, validated here.
    encoded : EncodedTargets
    flip_rates : ndarray of shape (n_classes,)
        The requested rate of each class.
    flip_rate_std, noise_estimator, noise_cv, pmd_type, n_neighbors, \
sampling, stratify
        As in :func:`skmislabel.flip_labels`.
    seed : int or None
    keep_target_probabilities : bool, default=False
        part_dependent only: keep the target distributions (for tests).

    Returns
    -------
    flip_positions : ndarray of int64
    new_codes : ndarray of int64, ``new_codes != encoded.codes[flip_positions]``
    noise : InstanceNoise
    """
    features = check_features(X, noise_type)
    codes = encoded.codes.astype(np.int64)
    n_classes = encoded.classes.shape[0]
    # The first two streams are those of the class-conditional sampler (the
    # samples' priorities and the classes' keys); the model and the noise
    # estimator draw from their own, so that nothing they draw shifts the
    # priorities, and the priorities are the same at every rate.
    sample_stream, class_stream, model_stream, estimator_stream = np.random.SeedSequence(
        seed
    ).spawn(4)
    if noise_type == "part_dependent":
        from ._part_dependent_noise import part_dependent_noise

        noise = part_dependent_noise(
            features,
            codes,
            n_classes,
            flip_rates,
            flip_rate_std=flip_rate_std,
            model_stream=model_stream,
            keep_target_probabilities=keep_target_probabilities,
        )
    elif noise_type in ESTIMATOR_NOISE_TYPES:
        from ._confidence_noise import confidence_noise

        noise = confidence_noise(
            X,
            features,
            encoded,
            noise_type=noise_type,
            noise_estimator=noise_estimator,
            noise_cv=noise_cv,
            pmd_type=pmd_type,
            estimator_stream=estimator_stream,
        )
    else:
        from ._borderline_noise import borderline_noise

        noise = borderline_noise(
            features, codes, n_neighbors=n_neighbors, estimator_stream=estimator_stream
        )
    flip_positions, (fallback_positions, fallback_targets) = draw_instance_flips(
        codes,
        encoded.class_counts,
        flip_rates,
        noise.propensity,
        rate_scaled=noise.rate_scaled,
        sampling=sampling,
        stratify=stratify,
        sample_stream=sample_stream,
        class_stream=class_stream,
        describe=_unreachable_rate(noise_type, encoded.classes, noise.hint),
        fallback=noise.fallback,
    )
    new_codes = noise.target_codes[flip_positions]
    new_codes[np.searchsorted(flip_positions, fallback_positions)] = fallback_targets
    return flip_positions, new_codes, noise


__all__ = [
    "ESTIMATOR_NOISE_TYPES",
    "INSTANCE_NOISE_TYPES",
    "check_features",
    "draw_instance_noise",
]
