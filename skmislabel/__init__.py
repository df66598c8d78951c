"""skmislabel: measure what mislabeled training data does to a classifier.

The core install (``pip install skmislabel``) holds the noise models, the
pipelines, noise curves and the datasets. :class:`CNNClassifier` needs the
``cnn`` extra (``pip install "skmislabel[cnn]"``: TensorFlow, Keras and
SciKeras) and the plots the ``plot`` extra (matplotlib).

Names backed by heavy imports load on first use: :class:`CNNClassifier`
and :class:`~skmislabel.coteaching.CoTeachingClassifier` (TensorFlow) and
the pipelines (imbalanced-learn), so that ``import skmislabel`` and the
noise code never import TensorFlow. Both classifiers are left out of
``__all__``, so that ``from skmislabel import *`` never imports TensorFlow
either; import them by name.
"""

import importlib

from . import datasets
from .noise import LabelNoiseInjector, flip_labels

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access.
_LAZY_NAMES = {
    "CNNClassifier": ".cnn",
    "CoTeachingClassifier": ".coteaching",
    "Pipeline": ".pipeline",
    "make_pipeline": ".pipeline",
}

__all__ = [
    "LabelNoiseInjector",
    "Pipeline",
    "datasets",
    "flip_labels",
    "make_pipeline",
]


# Submodules with heavy imports, importable as attributes.
_LAZY_SUBMODULES = (
    "cleaning",
    "cnn",
    "coteaching",
    "losses",
    "metrics",
    "model_selection",
    "pipeline",
    "plotting",
)


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_LAZY_NAMES) | set(_LAZY_SUBMODULES))
