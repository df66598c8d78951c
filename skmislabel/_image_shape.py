"""Image shapes of the CNN's input: which (height, width, channels) a row of X is.

Plain integer arithmetic, so that the rules are tested without TensorFlow.
"""

import math
import numbers

__all__ = ["as_pair", "conv_output_shape", "resolve_image_shape"]


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
