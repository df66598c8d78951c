"""Tests for skmislabel/_image_shape.py: which image a row of X is (no TensorFlow)."""

import pytest

from skmislabel._image_shape import as_pair, conv_output_shape, resolve_image_shape


@pytest.mark.parametrize(
    "image_shape, n_features, nd_shape, expected",
    [
        (None, 784, None, (28, 28, 1)),
        (None, 64, None, (8, 8, 1)),
        (None, 64, (8, 8), (8, 8, 1)),
        (None, 192, (8, 8, 3), (8, 8, 3)),
        ((4, 16), 64, None, (4, 16, 1)),
        ((4, -1), 64, None, (4, 16, 1)),
        ((-1, 8, 3), 192, None, (8, 8, 3)),
        ([2, 2, 16], 64, None, (2, 2, 16)),
        ((8, 8), 64, (8, 8), (8, 8, 1)),
    ],
    ids=[
        "square-mnist",
        "square-digits",
        "from-3d-X",
        "from-4d-X",
        "explicit-2",
        "minus-one",
        "minus-one-channels",
        "list",
        "explicit-and-3d-X",
    ],
)
def test_resolve_image_shape(image_shape, n_features, nd_shape, expected):
    assert resolve_image_shape(image_shape, n_features, nd_shape) == expected


@pytest.mark.parametrize(
    "image_shape, n_features, nd_shape, message",
    [
        (None, 10, None, "image_shape=None infers a square one-channel image, but X has 10"),
        ((3, 3), 10, None, "image_shape=\\(3, 3\\) has 9 pixels, but X has 10"),
        ((-1, 3), 10, None, "cannot hold X's 10 features"),
        ((-1, -1), 16, None, "at most one of them -1"),
        ((0, 4), 16, None, "positive ints"),
        ((-2, 8), 16, None, "positive ints"),
        ((4,), 4, None, "\\(height, width\\) or \\(height, width, channels\\)"),
        ((1, 2, 2, 2), 8, None, "\\(height, width\\) or \\(height, width, channels\\)"),
        ((8, 8), 64, (4, 4), "X's image shape \\(4, 4\\) does not match"),
    ],
    ids=[
        "not-square",
        "too-few-pixels",
        "minus-one-does-not-divide",
        "two-minus-ones",
        "zero",
        "negative",
        "one-entry",
        "four-entries",
        "mismatching-3d-X",
    ],
)
def test_bad_image_shapes_name_the_parameter(image_shape, n_features, nd_shape, message):
    with pytest.raises(ValueError, match=message):
        resolve_image_shape(image_shape, n_features, nd_shape)


def test_conv_output_shape_and_too_small_images():
    assert conv_output_shape((28, 28, 1), n_conv_blocks=1, kernel_size=3, pool_size=2) == (13, 13)
    assert conv_output_shape((28, 28, 1), n_conv_blocks=2, kernel_size=3, pool_size=2) == (5, 5)
    assert conv_output_shape((1, 64, 1), n_conv_blocks=1, kernel_size=(1, 3), pool_size=1) == (
        1,
        62,
    )
    assert conv_output_shape((8, 8, 1), n_conv_blocks=0, kernel_size=3, pool_size=2) == (8, 8)
    with pytest.raises(ValueError, match="too small for n_conv_blocks=3.*block 2 has nothing"):
        conv_output_shape((8, 8, 1), n_conv_blocks=3, kernel_size=3, pool_size=2)


def test_as_pair():
    assert as_pair(3) == (3, 3)
    assert as_pair((1, 3)) == (1, 3)
    assert as_pair([2, 4]) == (2, 4)
