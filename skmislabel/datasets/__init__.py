"""MNIST loaders: the lesson's subset shipped with the package, and the full set."""

from ._mnist import fetch_mnist, load_mnist

__all__ = ["fetch_mnist", "load_mnist"]
