"""Image shapes of the CNN's input: which (height, width, channels) a row of X is.

Plain integer arithmetic and scikit-learn's validation, so that the rules are
tested without TensorFlow.
"""

import math
import numbers

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

__all__ = [
    "as_pair",
    "check_known_classes",
    "conv_output_shape",
    "resolve_image_shape",
    "validate_images",
]


def validate_images(estimator, X, y=None, *, reset):
    """Validate a network's input like scikit-learn, and reshape it to images.

    scikit-learn's ``validate_data`` (its messages for feature counts and
    names), on X flattened to 2-D; with ``reset`` it sets ``n_features_in_``
    and ``image_shape_`` from ``estimator.image_shape``, otherwise it checks
    X against them.

    Returns
    -------
    images : ndarray of shape (n_samples, height, width, channels), float32
    y : ndarray of shape (n_samples,) or None
    """
    if y is not None:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
    if X is None:
        return X, y
    name = type(estimator).__name__
    if hasattr(X, "toarray") or hasattr(X, "sparse"):
        raise TypeError(
            f"{name} does not accept sparse input: the network needs dense images. "
            "Convert X with X.toarray()."
        )
    nd_shape = None
    if not hasattr(X, "columns"):
        X = np.asarray(X) if not hasattr(X, "ndim") else X
        if X.ndim > 2:
            nd_shape = X.shape[1:]
            X = X.reshape(X.shape[0], -1)
    if y is not None:
        X, y = validate_data(estimator, X, y, reset=reset, dtype=np.float32)
    else:
        X = validate_data(estimator, X, reset=reset, dtype=np.float32)
    if reset:
        estimator.image_shape_ = resolve_image_shape(
            estimator.image_shape, estimator.n_features_in_, nd_shape
        )
    elif nd_shape is not None:
        expected = estimator.image_shape_
        if tuple(nd_shape) not in (expected, expected[:2] if expected[2] == 1 else None):
            raise ValueError(
                f"X has images of shape {tuple(nd_shape)}, but {name} was fitted on "
                f"images of shape {expected}."
            )
    return X.reshape((X.shape[0],) + estimator.image_shape_), y


def as_pair(size):
    """``(size, size)`` for an int, the tuple itself for a pair."""
    return (size, size) if isinstance(size, numbers.Integral) else tuple(size)


def resolve_image_shape(image_shape, n_features, nd_shape=None):
    """The ``(height, width, channels)`` that each row of X is reshaped to.

    Parameters
    ----------
    image_shape : tuple of 2 or 3 ints or None
        The estimator's parameter: ``(height, width[, channels])``, one entry
        may be -1 as in :func:`numpy.reshape`; None infers the shape.
    n_features : int
        Features per row of the flattened X.
    nd_shape : tuple of ints, default=None
        ``X.shape[1:]`` when X came as an array of images (3-D or 4-D).

    Returns
    -------
    shape : tuple of 3 ints

    Examples
    --------
    >>> from skmislabel._image_shape import resolve_image_shape
    >>> resolve_image_shape(None, 784)
    (28, 28, 1)
    >>> resolve_image_shape((4, -1), 64)
    (4, 16, 1)
    """
    if image_shape is None:
        if nd_shape is not None:
            shape = tuple(nd_shape)
            return shape + (1,) if len(shape) == 2 else shape
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(
                f"image_shape=None infers a square one-channel image, but X has "
                f"{n_features} features, not a square number. Pass image_shape="
                "(height, width) or (height, width, channels) whose product is the "
                "number of features (one entry may be -1, as in numpy.reshape), or "
                "X as an array of shape (n_samples, height, width[, channels])."
            )
        return (side, side, 1)
    shape = tuple(int(size) for size in image_shape)
    if len(shape) == 2:
        shape = shape + (1,)
    if len(shape) != 3 or shape.count(-1) > 1 or any(size == 0 or size < -1 for size in shape):
        raise ValueError(
            f"image_shape must be (height, width) or (height, width, channels) of "
            f"positive ints, at most one of them -1; got {image_shape!r}."
        )
    known = math.prod(size for size in shape if size != -1)
    if -1 in shape:
        if n_features % known:
            raise ValueError(f"image_shape={image_shape!r} cannot hold X's {n_features} features.")
        shape = tuple(n_features // known if size == -1 else size for size in shape)
    if math.prod(shape) != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} has {math.prod(shape)} pixels, but X has "
            f"{n_features} features."
        )
    if nd_shape is not None and math.prod(nd_shape) != n_features:
        raise ValueError(f"X's image shape {nd_shape} does not match image_shape.")
    return shape


def conv_output_shape(image_shape, *, n_conv_blocks, kernel_size, pool_size):
    """Height and width after ``n_conv_blocks`` valid convolutions and poolings.

    Raises a ValueError naming the parameters when a block has nothing left
    to convolve.

    Examples
    --------
    >>> from skmislabel._image_shape import conv_output_shape
    >>> conv_output_shape((28, 28, 1), n_conv_blocks=1, kernel_size=3, pool_size=2)
    (13, 13)
    """
    height, width = image_shape[:2]
    kernel, pool = as_pair(kernel_size), as_pair(pool_size)
    for block in range(n_conv_blocks):
        height = (height - kernel[0] + 1) // pool[0]
        width = (width - kernel[1] + 1) // pool[1]
        if height < 1 or width < 1:
            raise ValueError(
                f"Images of shape {tuple(image_shape)} are too small for "
                f"n_conv_blocks={n_conv_blocks} blocks of kernel_size={kernel_size} and "
                f"pool_size={pool_size}: block {block + 1} has nothing left to convolve."
            )
    return height, width


def check_known_classes(estimator, y):
    """Raise a ValueError naming the labels of ``y`` outside ``estimator.classes_``.

    For a ``partial_fit`` call after the first: the network's outputs were
    fixed, one per class, when it was built.
    """
    labels = np.unique(column_or_1d(y))
    unknown = labels[~np.isin(labels, estimator.classes_)]
    if unknown.size:
        raise ValueError(
            f"y has labels {unknown.tolist()} that {type(estimator).__name__} was not built "
            f"for: its classes_ {estimator.classes_.tolist()} were fixed by the first "
            "partial_fit call, one network output per class. Pass every class at the first "
            "call, partial_fit(X, y, classes=all_classes), or fit again."
        )
