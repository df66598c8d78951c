"""The lesson's network architecture, as a Keras model (uncompiled).

Imported by :mod:`skmislabel.cnn` only, after its check that TensorFlow,
Keras and SciKeras are installed.
"""

import keras

from ._image_shape import as_pair, conv_output_shape

__all__ = ["build_lesson_network"]


def build_lesson_network(
    image_shape,
    n_classes,
    *,
    filters,
    kernel_size,
    pool_size,
    n_conv_blocks,
    dense_units,
    dropout,
):
    """``n_conv_blocks`` x [Conv2D -> MaxPooling2D] -> Flatten -> Dense ->
    [Dropout] -> Dense(n_classes, softmax), uncompiled.

    Layer names are fixed, so that networks of equal settings have equal
    configs and share one training network (see
    :func:`skmislabel._keras_runtime.shared_network_for`).
    """
    # Checked before any layer is built, with a message naming the parameters.
    conv_output_shape(
        image_shape, n_conv_blocks=n_conv_blocks, kernel_size=kernel_size, pool_size=pool_size
    )
    layers = keras.layers
    inputs = keras.Input(shape=image_shape, name="images")
    hidden = inputs
    for block in range(n_conv_blocks):
        hidden = layers.Conv2D(
            filters, as_pair(kernel_size), activation="relu", name=f"conv_{block}"
        )(hidden)
        hidden = layers.MaxPooling2D(as_pair(pool_size), name=f"pool_{block}")(hidden)
    hidden = layers.Flatten(name="flatten")(hidden)
    hidden = layers.Dense(dense_units, activation="relu", name="hidden")(hidden)
    if dropout > 0:
        hidden = layers.Dropout(dropout, name="dropout")(hidden)
    outputs = layers.Dense(n_classes, activation="softmax", name="classes")(hidden)
    return keras.Model(inputs, outputs, name="cnn")
