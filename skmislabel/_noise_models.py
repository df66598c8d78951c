"""Noise models: from ``noise_type`` and its parameters to a :class:`NoiseModel`.

Every noise type is reduced to per-class flip rates plus a rule for the new
label: symmetric, uniform, pairflip and mapping in O(K) memory (no K x K
matrix, so 100,000 classes are cheap), ``transition_matrix`` as the user's
matrix. The samplers in :mod:`skmislabel._sampling` only ever see a
:class:`NoiseModel`. The conventions are stated in the user guide (:ref:`noise-conventions`).
"""

from numbers import Real

import numpy as np

# Whether a label flips depends on its class only.
CLASS_NOISE_TYPES = ("symmetric", "uniform", "pairflip", "mapping", "transition_matrix")
# Whether and where a label flips depends on the sample's features too
# (skmislabel._instance_noise): the model only holds the per-class rates.
INSTANCE_NOISE_TYPES = ("part_dependent", "confidence", "pmd", "borderline")
NOISE_TYPES = CLASS_NOISE_TYPES + INSTANCE_NOISE_TYPES
# The parameters of flip_labels that only instance-dependent types read; the
# other types ignore them (so their values do not change their noise).
INSTANCE_OPTIONS = {
    "part_dependent": ("flip_rate_std",),
    "confidence": ("noise_estimator", "noise_cv"),
    "pmd": ("noise_estimator", "noise_cv", "pmd_type"),
    "borderline": ("n_neighbors",),
}

# Rows of a user transition matrix must sum to 1 within this tolerance.
ROW_SUM_TOLERANCE = 1e-8


# Error messages list at most this many classes, so that a model with 100,000
# classes does not print them all.
_MAX_CLASSES_SHOWN = 20


def _format_classes(classes):
    shown = [repr(c.item() if hasattr(c, "item") else c) for c in classes[:_MAX_CLASSES_SHOWN]]
    if len(classes) > _MAX_CLASSES_SHOWN:
        shown.append(f"... ({len(classes)} classes)")
    return "[" + ", ".join(shown) + "]"


def _class_positions(labels, classes, parameter):
    """Positions of ``labels`` in ``classes``, or a ValueError naming the parameter."""
    # A dict lookup keeps this O(n_labels + n_classes): dict rates and
    # mappings may name 100,000 classes. NumPy scalars hash like the Python
    # values they hold, so 3, np.int64(3) and 3.0 find the same class.
    index = {}
    for position, label in enumerate(classes.tolist()):
        index.setdefault(label, position)
    positions = []
    for label in labels:
        try:
            position = index.get(label.item() if isinstance(label, np.generic) else label)
        except TypeError:  # unhashable label
            position = None
        if position is None:
            raise ValueError(
                f"{parameter} names class {label!r}, which is not one of the "
                f"classes {_format_classes(classes)}."
            )
        positions.append(position)
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


def _align_frame(frame, classes):
    """A DataFrame transition matrix as an ndarray in ``classes`` order.

    A DataFrame says which class each row and column is, so it is aligned by
    those labels, not applied by position: a matrix written in another order
    would otherwise silently mean a different noise model.
    """
    axes = (("index (true classes)", frame.index), ("columns (noisy classes)", frame.columns))
    for axis, labels in axes:
        if labels.has_duplicates:
            repeated = labels[labels.duplicated()].unique().tolist()
            raise ValueError(f"transition_matrix {axis} repeat labels {repeated}.")
        known = set(classes.tolist())
        missing = [c for c in classes.tolist() if c not in labels]
        extra = [label for label in labels.tolist() if label not in known]
        if missing or extra:
            raise ValueError(
                f"transition_matrix is a DataFrame, so it is aligned to the classes "
                f"{_format_classes(classes)} by its labels; its {axis} lack "
                f"{missing} and have unknown labels {extra}."
            )
    return frame.reindex(index=classes, columns=classes)


def check_transition_matrix(transition_matrix, n_classes, classes=None):
    """Validate a user transition matrix and return it as a float ndarray.

    Parameters
    ----------
    transition_matrix : array-like or DataFrame of shape (n_classes, n_classes)
        ``T[i, j] = P(noisy = j | true = i)``; rows sum to 1. A pandas
        DataFrame is aligned to ``classes`` by its index (true classes) and
        columns (noisy classes); any other array-like is read in ``classes_``
        order.
    n_classes : int
        Number of classes, in ``classes_`` order.
    classes : ndarray of shape (n_classes,), default=None
        The classes, needed to align a DataFrame.

    Returns
    -------
    transition_matrix : ndarray of shape (n_classes, n_classes), dtype float64
        A new array; the input is not modified.
    """
    module = type(transition_matrix).__module__
    if module.startswith("pandas") and type(transition_matrix).__name__ == "DataFrame":
        if classes is not None:
            transition_matrix = _align_frame(transition_matrix, classes)
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


class NoiseModel:
    """A noise model over ``K`` classes, stored in O(K) memory when it can be.

    The rate-based types (symmetric, uniform, pairflip, mapping) are a flip
    rate per class plus a *target rule*: the ``m_k`` classes a flipped label
    of class ``k`` may take, all equally likely. They never build the K x K
    matrix, so 100,000 classes cost a few arrays of length K. Only
    ``noise_type="transition_matrix"`` keeps a matrix, the one the user gave.
    :meth:`to_matrix` builds the dense ``T`` on demand, for small K.

    Attributes
    ----------
    flip_rates : ndarray of shape (n_classes,)
        Probability that a label of each class changes, ``1 - T[k, k]``.
    target_rule : {"others", "next", "listed", "matrix", "instance"}
        ``"others"``: any of the K - 1 other classes (symmetric, uniform);
        ``"next"``: class ``k + 1``, the last to the first (pairflip);
        ``"listed"``: the classes of ``class_mapping[k]`` (mapping);
        ``"matrix"``: drawn from the off-diagonal row of ``matrix``;
        ``"instance"``: set per sample by an instance-dependent model, for
        which ``flip_rates`` are the requested rates ``r_k``.
    matrix : ndarray of shape (n_classes, n_classes) or None
        The user's T, only for ``target_rule="matrix"``.
    """

    def __init__(self, flip_rates, target_rule, *, listed=None, matrix=None):
        self.flip_rates = flip_rates
        self.target_rule = target_rule
        self.matrix = matrix
        n_classes = flip_rates.shape[0]
        if target_rule == "listed":
            # Compressed rows: the targets of class k are
            # listed_targets[listed_starts[k]:listed_starts[k + 1]].
            lengths = np.zeros(n_classes, dtype=np.int64)
            for source, positions in listed.items():
                lengths[source] = len(positions)
            self._listed_starts = np.concatenate(([0], np.cumsum(lengths)))
            flat = np.zeros(int(lengths.sum()), dtype=np.int64)
            for source, positions in listed.items():
                flat[self._listed_starts[source] : self._listed_starts[source + 1]] = positions
            self._listed_targets = flat
            self.n_targets = lengths
        elif target_rule == "others":
            self.n_targets = np.full(n_classes, max(n_classes - 1, 0), dtype=np.int64)
        elif target_rule == "next":
            self.n_targets = np.full(n_classes, 1 if n_classes > 1 else 0, dtype=np.int64)
        else:
            self.n_targets = None

    @property
    def n_classes(self):
        return self.flip_rates.shape[0]

    def target_codes(self, true_codes, target_numbers):
        """Class of target number ``target_numbers[i]`` (in ``[0, m_k)``) of
        a label of class ``true_codes[i]``; rule-based models only."""
        true_codes = true_codes.astype(np.int64, copy=False)
        target_numbers = target_numbers.astype(np.int64, copy=False)
        if self.target_rule == "others":
            # The other classes in classes_ order: skip the true class.
            return target_numbers + (target_numbers >= true_codes)
        if self.target_rule == "next":
            return (true_codes + 1) % self.n_classes
        if self.target_rule == "listed":
            return self._listed_targets[self._listed_starts[true_codes] + target_numbers]
        raise ValueError("target_codes needs a rule-based noise model, not a matrix.")

    def target_probabilities(self):
        """Where a flipped label of each class goes: T without its diagonal,
        rows renormalised (zero rows for classes that never flip). Dense."""
        target_probabilities = self.to_matrix()
        np.fill_diagonal(target_probabilities, 0)
        flipping = self.flip_rates > 0
        target_probabilities[flipping] /= target_probabilities[flipping].sum(axis=1, keepdims=True)
        return target_probabilities

    def to_matrix(self):
        """The dense ``T[i, j] = P(noisy = j | true = i)``: K x K floats, so
        for small K only."""
        if self.target_rule == "matrix":
            return self.matrix.copy()
        if self.target_rule == "instance":
            raise ValueError("An instance-dependent noise model has no transition matrix.")
        matrix = np.diag(1 - self.flip_rates)
        sources = np.flatnonzero(self.n_targets > 0)
        for source in sources:
            numbers = np.arange(self.n_targets[source])
            targets = self.target_codes(np.full(numbers.shape[0], source), numbers)
            matrix[source, targets] += self.flip_rates[source] / numbers.shape[0]
        # A class with nowhere to go (a single class) keeps its rate as a
        # deficit on the diagonal; build_noise_model reports it as an error.
        return matrix


def build_noise_model(classes, noise_type, noise_rate, transition_matrix=None, class_mapping=None):
    """The noise model that ``noise_type`` and its parameters apply to ``classes``.

    Parameters are those of :func:`skmislabel.flip_labels`; cross-parameter
    rules are checked here. The rules are stated in the user guide
    (:ref:`noise-conventions`).

    Returns
    -------
    model : NoiseModel
        Per-class flip rates and target rule; O(K) memory unless
        ``noise_type="transition_matrix"``.
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

    if noise_type in INSTANCE_NOISE_TYPES:
        if noise_rate is None:
            raise ValueError(
                f"noise_rate=None is only allowed with noise_type='transition_matrix'; "
                f"noise_type={noise_type!r} needs a float in [0, 1] or a dict "
                "{class: rate}."
            )
        model = NoiseModel(class_noise_rates(noise_rate, classes), "instance")
    elif noise_type == "transition_matrix":
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
        matrix = check_transition_matrix(transition_matrix, n_classes, classes)
        model = NoiseModel(flip_rates_of(matrix), "matrix", matrix=matrix)
    else:
        if noise_rate is None:
            raise ValueError(
                f"noise_rate=None is only allowed with noise_type='transition_matrix'; "
                f"noise_type={noise_type!r} needs a float in [0, 1] or a dict "
                "{class: rate}."
            )
        rates = class_noise_rates(noise_rate, classes)
        if noise_type == "symmetric":
            model = NoiseModel(rates, "others")
        elif noise_type == "uniform":
            # The new label is drawn from all K classes, so only (K - 1) / K
            # of the relabelled labels change; those that do go to any other
            # class with equal probability, as with symmetric noise.
            model = NoiseModel(rates * (n_classes - 1) / n_classes, "others")
        elif noise_type == "pairflip":
            model = NoiseModel(rates, "next")
        else:
            model = _mapping_model(class_mapping, noise_rate, rates, classes)

    if n_classes < 2 and (model.flip_rates > 0).any():
        raise ValueError(
            f"Found {n_classes} class, but flipping a label needs at least 2 "
            "classes. Pass classes=[...] to name the other classes, or use noise_rate=0."
        )
    return model


def _mapping_model(class_mapping, noise_rate, rates, classes):
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
    flip_rates = np.zeros(classes.shape[0])
    mapped = list(targets)
    flip_rates[mapped] = rates[mapped]
    return NoiseModel(flip_rates, "listed", listed=targets)


def flip_rates_of(transition_matrix):
    """Probability that a label of each class changes: ``1 - diag(T)``."""
    return np.clip(1 - np.diag(transition_matrix), 0, 1)


__all__ = [
    "CLASS_NOISE_TYPES",
    "INSTANCE_NOISE_TYPES",
    "INSTANCE_OPTIONS",
    "NOISE_TYPES",
    "NoiseModel",
    "build_noise_model",
    "check_transition_matrix",
    "class_noise_rates",
    "flip_rates_of",
]
