"""Noise models: from ``noise_type`` and its parameters to a transition matrix.

Every noise type is reduced to one K x K row-stochastic matrix
``T[i, j] = P(noisy = j | true = i)`` over ``classes_``; the samplers in
:mod:`skmislabel._sampling` only ever see that matrix. The conventions are
stated in :mod:`skmislabel.noise`.
"""

from numbers import Real

import numpy as np

NOISE_TYPES = ("symmetric", "uniform", "pairflip", "mapping", "transition_matrix")

# Rows of a user transition matrix must sum to 1 within this tolerance.
ROW_SUM_TOLERANCE = 1e-8


def _format_classes(classes):
    return "[" + ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in classes) + "]"


def _class_positions(labels, classes, parameter):
    """Positions of ``labels`` in ``classes``, or a ValueError naming the parameter."""
    positions = []
    for label in labels:
        matches = np.flatnonzero(classes == label) if classes.size else []
        if len(matches) == 0:
            raise ValueError(
                f"{parameter} names class {label!r}, which is not one of the "
                f"classes {_format_classes(classes)}."
            )
        positions.append(int(matches[0]))
    return positions


def _check_rate(rate, parameter):
    if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, Real):
        raise TypeError(
            f"{parameter} must be a real number in [0, 1]; got {rate!r} of type "
            f"{type(rate).__name__}."
        )
    if not 0 <= rate <= 1:  # also False for NaN
        raise ValueError(f"{parameter} must be in [0, 1]; got {rate!r}.")
    return float(rate)


def class_noise_rates(noise_rate, classes):
    """Per-class noise rates from a float or a ``{class: rate}`` dict.

    Classes missing from the dict get rate 0.
    """
    if isinstance(noise_rate, dict):
        rates = np.zeros(classes.shape[0])
        positions = _class_positions(list(noise_rate), classes, "noise_rate")
        for position, (label, rate) in zip(positions, noise_rate.items()):
            rates[position] = _check_rate(rate, f"noise_rate[{label!r}]")
        return rates
    return np.full(classes.shape[0], _check_rate(noise_rate, "noise_rate"))


def check_transition_matrix(transition_matrix, n_classes):
    """Validate a user transition matrix and return it as a float ndarray.

    Parameters
    ----------
    transition_matrix : array-like of shape (n_classes, n_classes)
        ``T[i, j] = P(noisy = j | true = i)``; rows sum to 1.
    n_classes : int
        Number of classes, in ``classes_`` order.

    Returns
    -------
    transition_matrix : ndarray of shape (n_classes, n_classes), dtype float64
        A new array; the input is not modified.
    """
    try:
        matrix = np.array(transition_matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"transition_matrix must be a numeric array-like; got {exc}.") from None
    if matrix.shape != (n_classes, n_classes):
        raise ValueError(
            f"transition_matrix must have shape (n_classes, n_classes) = "
            f"({n_classes}, {n_classes}), one row and column per class in "
            f"classes_ order; got shape {matrix.shape}."
        )
    if not np.isfinite(matrix).all():
        raise ValueError("transition_matrix must not contain NaN or infinity.")
    if (matrix < 0).any():
        raise ValueError(
            "transition_matrix must be non-negative: entries are probabilities "
            "P(noisy = j | true = i)."
        )
    row_sums = matrix.sum(axis=1)
    bad_rows = np.flatnonzero(np.abs(row_sums - 1) > ROW_SUM_TOLERANCE)
    if bad_rows.size:
        raise ValueError(
            f"transition_matrix rows must sum to 1 (tolerance {ROW_SUM_TOLERANCE:g}); "
            f"rows {bad_rows.tolist()} sum to {row_sums[bad_rows].tolist()}."
        )
    return matrix


def _mapping_targets(class_mapping, classes):
    """``{true position: [noisy positions]}`` from a user ``class_mapping``."""
    if not class_mapping:
        raise ValueError(
            "class_mapping must be a non-empty dict {true: noisy} or "
            "{true: [noisy, ...]} with noise_type='mapping'."
        )
    sources = _class_positions(list(class_mapping), classes, "class_mapping")
    targets = {}
    for source, (label, noisy) in zip(sources, class_mapping.items()):
        noisy_labels = list(noisy) if isinstance(noisy, (list, tuple, np.ndarray)) else [noisy]
        if not noisy_labels:
            raise ValueError(f"class_mapping[{label!r}] must name at least one class.")
        positions = _class_positions(noisy_labels, classes, f"class_mapping[{label!r}]")
        if source in positions:
            raise ValueError(
                f"class_mapping maps class {label!r} to itself; a mapped label must "
                "change. Lower its noise_rate instead."
            )
        if len(set(positions)) != len(positions):
            raise ValueError(f"class_mapping[{label!r}] repeats a class: {noisy_labels}.")
        targets[source] = positions
    return targets


def _mapping_matrix(class_mapping, noise_rate, rates, classes):
    if class_mapping is None:
        raise ValueError(
            "noise_type='mapping' needs class_mapping, a dict {true: noisy} or "
            "{true: [noisy, ...]}."
        )
    targets = _mapping_targets(class_mapping, classes)
    if isinstance(noise_rate, dict):
        rated = _class_positions(list(noise_rate), classes, "noise_rate")
        unmapped = [
            label
            for label, position in zip(noise_rate, rated)
            if rates[position] > 0 and position not in targets
        ]
        if unmapped:
            raise ValueError(
                f"noise_rate gives classes {unmapped} a rate, but class_mapping does "
                "not map them, so they cannot flip."
            )
    # Unmapped classes keep their labels whatever the rate.
    matrix = np.eye(classes.shape[0])
    for source, noisy_positions in targets.items():
        matrix[source, source] = 1 - rates[source]
        matrix[source, noisy_positions] = rates[source] / len(noisy_positions)
    return matrix


def build_transition_matrix(
    classes, noise_type, noise_rate, transition_matrix=None, class_mapping=None
):
    """The transition matrix T that a noise model applies to ``classes``.

    Parameters are those of :func:`skmislabel.flip_labels`; cross-parameter
    rules are checked here.

    Returns
    -------
    transition_matrix : ndarray of shape (n_classes, n_classes)
        ``T[i, j] = P(noisy = j | true = i)``, rows sum to 1.
    """
    n_classes = classes.shape[0]
    if noise_type not in NOISE_TYPES:
        raise ValueError(f"noise_type must be one of {NOISE_TYPES}; got {noise_type!r}.")
    if noise_type != "transition_matrix" and transition_matrix is not None:
        raise ValueError(
            f"transition_matrix is only used with noise_type='transition_matrix'; "
            f"got noise_type={noise_type!r}."
        )
    if noise_type != "mapping" and class_mapping is not None:
        raise ValueError(
            f"class_mapping is only used with noise_type='mapping'; got noise_type={noise_type!r}."
        )

    if noise_type == "transition_matrix":
        if transition_matrix is None:
            raise ValueError(
                "noise_type='transition_matrix' needs transition_matrix, a "
                "(n_classes, n_classes) array with T[i, j] = P(noisy = j | true = i)."
            )
        if noise_rate is not None:
            raise ValueError(
                f"noise_rate={noise_rate!r} cannot be combined with "
                "noise_type='transition_matrix': the matrix already sets every flip "
                "probability. Pass noise_rate=None."
            )
        matrix = check_transition_matrix(transition_matrix, n_classes)
    else:
        if noise_rate is None:
            raise ValueError(
                f"noise_rate=None is only allowed with noise_type='transition_matrix'; "
                f"noise_type={noise_type!r} needs a float in [0, 1] or a dict "
                "{class: rate}."
            )
        rates = class_noise_rates(noise_rate, classes)
        matrix = np.diag(1 - rates)
        if noise_type == "symmetric" and n_classes > 1:
            off_diagonal = ~np.eye(n_classes, dtype=bool)
            matrix[off_diagonal] = np.repeat(rates / (n_classes - 1), n_classes - 1)
        elif noise_type == "uniform":
            matrix += rates[:, None] / n_classes
        elif noise_type == "pairflip" and n_classes > 1:
            matrix[np.arange(n_classes), (np.arange(n_classes) + 1) % n_classes] = rates
        elif noise_type == "mapping":
            matrix = _mapping_matrix(class_mapping, noise_rate, rates, classes)

    if n_classes < 2 and (flip_rates_of(matrix) > 0).any():
        raise ValueError(
            f"Found {n_classes} class, but flipping a label needs at least 2 "
            "classes. Pass classes=[...] to name the other classes, or use noise_rate=0."
        )
    return matrix


def flip_rates_of(transition_matrix):
    """Probability that a label of each class changes: ``1 - diag(T)``."""
    return np.clip(1 - np.diag(transition_matrix), 0, 1)


__all__ = [
    "NOISE_TYPES",
    "build_transition_matrix",
    "check_transition_matrix",
    "class_noise_rates",
    "flip_rates_of",
]
