"""Class labels in, class labels out: validation, encoding and restoring of y.

The noise code works on small integer *codes* (positions in ``classes_``).
This module turns any supported label container into codes and builds a
function that writes noisy codes back into a container of the same kind:
same type, dtype, shape, index and name. It never modifies its input.
"""

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.utils.multiclass import type_of_target

# Integer labels whose range is at most this wide are encoded with a lookup
# table in O(n) instead of np.unique's O(n log n) sort: 10M labels take
# ~20 ms instead of ~1.2 s.
_MAX_LOOKUP_RANGE = 1 << 20


@dataclass
class EncodedTargets:
    """Labels as codes into ``classes``, and how to rebuild the container.

    Attributes
    ----------
    codes : ndarray of shape (n_samples,)
        Small unsigned integers, ``classes[codes]`` are the labels.
    classes : ndarray of shape (n_classes,)
        Sorted class labels.
    class_counts : ndarray of shape (n_classes,)
        Number of samples of each class.
    restore : callable
        ``restore(flip_positions, new_codes)`` returns a new container like
        the original y with the labels at ``flip_positions`` replaced by
        ``classes[new_codes]``.
    """

    codes: np.ndarray
    classes: np.ndarray
    class_counts: np.ndarray
    restore: Callable

    @property
    def n_samples(self):
        return self.codes.shape[0]


def _small_code_dtype(n_classes):
    return np.min_scalar_type(max(n_classes - 1, 0))


def _is_pandas(obj, kind):
    module = type(obj).__module__
    return module.startswith("pandas") and type(obj).__name__ == kind


def _raise_for_target_type(values):
    target_type = type_of_target(values, input_name="y")
    if target_type not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: y is {target_type!r}, but label noise needs "
            "class labels: a 1-D array of ints, strings or bools, or a one-hot "
            "2-D array. Continuous, multilabel and multioutput targets are not "
            "supported."
        )


def _label_kind(label):
    if isinstance(label, (str, bytes)):
        return "strings"
    if isinstance(label, (numbers.Number, np.bool_)):
        return "numbers"
    return type(label).__name__


def _check_one_label_kind(labels):
    """A ValueError when labels mix strings with numbers (or other objects):
    they have no order to sort them into ``classes_``, and a list of both
    would silently turn the numbers into strings."""
    kinds = {}
    for position, label in enumerate(labels):
        kinds.setdefault(_label_kind(label), (position, label))
    if len(kinds) > 1:
        examples = ", ".join(
            f"{label!r} ({kind}, first at position {position})"
            for kind, (position, label) in sorted(kinds.items(), key=lambda item: item[1][0])
        )
        raise ValueError(
            "y mixes labels of different types: "
            f"{examples}. Class labels must be all strings or all numbers; "
            "convert them to one type first (e.g. y.astype(str))."
        )


def _check_no_missing(values):
    if values.dtype.kind == "f":
        missing = np.isnan(values)
    elif values.dtype.kind == "O":
        import pandas as pd

        missing = np.asarray(pd.isna(values), dtype=bool)
    else:
        return
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"y contains missing values (NaN or None), first at position {first}; "
            "every sample needs a class label."
        )


def _encode_values(values, classes):
    """Return (codes, classes_, class_counts) for a 1-D array of labels."""
    # np.bincount cannot take uint64: those go the np.unique way.
    if classes is None and values.dtype.kind in "iub" and values.dtype != np.uint64 and values.size:
        integers = values.view(np.uint8) if values.dtype.kind == "b" else values
        low, high = int(integers.min()), int(integers.max())
        if high - low < _MAX_LOOKUP_RANGE:
            shifted = integers.astype(np.int64, copy=False) - low if low else integers
            counts = np.bincount(shifted, minlength=high - low + 1)
            present = np.flatnonzero(counts)
            lookup = np.zeros(counts.shape[0], dtype=_small_code_dtype(present.size))
            lookup[present] = np.arange(present.size)
            classes_ = (present + low).astype(integers.dtype).view(values.dtype)
            return lookup[shifted], classes_, counts[present]

    observed, inverse = np.unique(values, return_inverse=True)
    if classes is None:
        classes_ = observed
        codes = inverse
    else:
        classes_ = _check_classes(classes, values.dtype)
        unknown = observed[~np.isin(observed, classes_)]
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in classes="
                f"{classes_.tolist()}; classes must list every label of y."
            )
        codes = np.searchsorted(classes_, observed)[inverse]
    codes = codes.astype(_small_code_dtype(classes_.size), copy=False)
    counts = np.bincount(codes, minlength=classes_.size)
    return codes, classes_, counts


def _integer_classes(classes, label_dtype):
    """``classes`` in the integer dtype of y, converted element by element.

    ``np.asarray`` turns a list mixing small ints and ints of 2**63 or more
    into float64, which rounds them; here each element is checked to be a
    whole number that ``label_dtype`` holds, as a Python int, so nothing is
    rounded. None when ``classes`` is not a sequence of numbers.
    """
    info = np.iinfo(label_dtype) if label_dtype.kind in "iu" else None
    values = []
    for element in np.asarray(classes, dtype=object).ravel().tolist():
        if isinstance(element, (bool, np.bool_)) or not isinstance(
            element, (numbers.Integral, numbers.Real)
        ):
            return None
        if isinstance(element, numbers.Integral):
            value = int(element)
        elif float(element).is_integer():
            value = int(element)
        else:
            raise ValueError(
                f"classes contains labels that y's dtype {label_dtype} cannot hold: "
                f"{element!r} is not a whole number."
            )
        if info is not None and not info.min <= value <= info.max:
            raise ValueError(
                f"classes contains labels that y's dtype {label_dtype} cannot hold: "
                f"{value} is outside {info.min} to {info.max}."
            )
        values.append(value)
    return np.array(values, dtype=label_dtype)


def _check_classes(classes, label_dtype):
    classes_ = np.asarray(classes)
    if classes_.ndim != 1 or classes_.size == 0:
        raise ValueError(
            f"classes must be a non-empty 1-D array-like of labels; got shape {classes_.shape}."
        )
    if classes_.dtype.kind in "fc" and np.isnan(classes_).any():
        raise ValueError("classes must not contain NaN.")
    if label_dtype.kind in "iu" and classes_.dtype.kind in "fO":
        # Float or object classes for integer labels: convert exactly.
        exact = _integer_classes(classes, label_dtype)
        if exact is not None:
            classes_ = exact
    unique = np.unique(classes_)
    if unique.size != classes_.size:
        raise ValueError(f"classes must not repeat a label; got {classes_.tolist()}.")
    if label_dtype.kind in "iub" and unique.dtype.kind in "iub":
        stored = unique.astype(label_dtype)
        if not np.array_equal(stored, unique):
            raise ValueError(
                f"classes={unique.tolist()} contains labels that y's dtype "
                f"{label_dtype} cannot hold."
            )
        return stored
    return unique


def _write_labels(labels, flip_positions, new_labels):
    """Copy of ``labels`` with new labels at ``flip_positions``."""
    if labels.dtype.kind == "U" and new_labels.dtype.kind == "U":
        # Widen rather than truncate: classes may be longer strings than y's.
        noisy = labels.astype(np.result_type(labels.dtype, new_labels.dtype))
    else:
        noisy = labels.copy()
    noisy[flip_positions] = new_labels
    return noisy


def present_classes(encoded, owner, reason=""):
    """Positions in ``encoded.classes`` of the classes that have samples;
    a ValueError naming ``owner`` unless there are at least 2 (``reason``
    says why one is not enough)."""
    present = np.flatnonzero(encoded.class_counts)
    if present.shape[0] < 2:
        only = encoded.classes[present[0]]
        only = only.item() if hasattr(only, "item") else only
        raise ValueError(
            f"{owner} needs samples of at least 2 classes{reason}; y has only one class, {only!r}."
        )
    return present


def encode_targets(y, classes=None):
    """Validate class labels and encode them as codes into sorted classes.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        ndarray, list, tuple, pandas Series or single-column DataFrame of
        labels, or a one-hot 2-D array (one positive per row).
    classes : array-like of shape (n_classes,), default=None
        All classes, including ones absent from y. Default: those in y.

    Returns
    -------
    encoded : EncodedTargets
    """
    if y is None:
        raise ValueError("Label noise requires y to be passed, but the target y is None.")

    if _is_pandas(y, "Series"):
        return _encode_series(y, classes)
    if _is_pandas(y, "DataFrame"):
        if y.shape[1] != 1:
            raise ValueError(
                f"y as a DataFrame must have exactly one column; got {y.shape[1]}. "
                "Multioutput targets are not supported."
            )
        encoded = _encode_series(y.iloc[:, 0], classes)
        restore_series = encoded.restore
        encoded.restore = lambda pos, new: restore_series(pos, new).to_frame(name=y.columns[0])
        return encoded

    values = np.asarray(y)
    if isinstance(y, (list, tuple)) and values.dtype.kind in "US":
        # np.asarray(["a", 1]) is ["a", "1"]: check what it converted.
        _check_one_label_kind(np.ravel(np.asarray(y, dtype=object)).tolist())
    if values.ndim == 2 and values.shape[1] == 1:
        encoded = _encode_1d(values.ravel(), classes)
        restore_1d = encoded.restore
        encoded.restore = lambda pos, new: restore_1d(pos, new).reshape(-1, 1)
    elif values.ndim == 2:
        encoded = _encode_one_hot(values, classes)
    elif values.ndim == 1:
        encoded = _encode_1d(values, classes)
    else:
        raise ValueError(f"y must be 1-D (n_samples,) or one-hot 2-D; got shape {values.shape}.")
    if isinstance(y, (list, tuple)):
        restore_array = encoded.restore
        encoded.restore = lambda pos, new: type(y)(restore_array(pos, new).tolist())
    return encoded


def _encode_1d(values, classes):
    if values.shape[0] == 0:
        raise ValueError("y is empty: found 0 samples, while at least 1 is required.")
    _check_no_missing(values)
    if values.dtype.kind == "O":
        _check_one_label_kind(values.tolist())
    if values.dtype.kind not in "iub":
        _raise_for_target_type(values)
    codes, classes_, counts = _encode_values(values, classes)

    def restore(flip_positions, new_codes):
        return _write_labels(values, flip_positions, classes_[new_codes])

    return EncodedTargets(codes, classes_, counts, restore)


def _encode_one_hot(values, classes):
    is_binary_indicator = values.dtype.kind in "iubf" and np.isin(values, (0, 1)).all()
    if not (is_binary_indicator and (values.sum(axis=1) == 1).all()):
        _raise_for_target_type(values)
        raise ValueError(
            "y is 2-D but not one-hot (exactly one 1 per row); multilabel and "
            "multioutput targets are not supported."
        )
    if classes is not None:
        raise ValueError(
            "classes cannot be combined with one-hot y: the columns of y are the classes."
        )
    n_classes = values.shape[1]
    codes = values.argmax(axis=1).astype(_small_code_dtype(n_classes))
    counts = np.bincount(codes, minlength=n_classes)

    def restore(flip_positions, new_codes):
        noisy = values.copy()
        noisy[flip_positions] = 0
        noisy[flip_positions, new_codes] = 1
        return noisy

    return EncodedTargets(codes, np.arange(n_classes), counts, restore)


def _encode_series(series, classes):
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        values = np.asarray(series.astype(object))
        categories = dtype.categories
        if classes is None:
            # Unused categories are valid flip targets, as scikit-learn's
            # encoders treat the categories as the class list.
            classes = np.asarray(categories)
        else:
            not_categories = [c for c in np.asarray(classes).tolist() if c not in categories]
            if not_categories:
                raise ValueError(
                    f"classes {not_categories} are not categories of the "
                    f"categorical y (categories: {list(categories)})."
                )
    else:
        values = series.to_numpy()
    encoded = _encode_1d(values, classes)
    restore_values = encoded.restore

    def restore(flip_positions, new_codes):
        noisy = restore_values(flip_positions, new_codes)
        return pd.Series(noisy, index=series.index, name=series.name).astype(dtype)

    encoded.restore = restore
    return encoded
