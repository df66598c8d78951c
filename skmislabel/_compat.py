"""Every use of another library's private internals, fenced in one place.

skmislabel uses public APIs wherever they exist. The names below have no
public equivalent in the tested versions (see ``setup.cfg``); each is imported
through :func:`import_private`, so that a release that removes one fails with
an ImportError naming the name, its use and the upgrade hint, instead of an
AttributeError deep inside a fit. ``tests/test_compat.py`` checks every entry
of :data:`PRIVATE_NAMES` and :data:`SCIKERAS_HOOKS` against the installed
versions.

The scikit-learn and imbalanced-learn names are imported here; the Keras,
TensorFlow and SciKeras ones only when :mod:`skmislabel.cnn` asks for them, so
that importing this module never imports TensorFlow.
"""

import importlib
import inspect
from typing import NamedTuple

__all__ = [
    "CLEANING_EXTRA_MESSAGE",
    "CNN_EXTRA_MESSAGE",
    "PRIVATE_NAMES",
    "SCIKERAS_HOOKS",
    "HasMethods",
    "Interval",
    "StrOptions",
    "check_matplotlib_support",
    "check_scikeras_hooks",
    "fit_context",
    "import_private",
    "imblearn_sampler_tags",
    "safe_indexing",
    "validate_params",
]


# Raised as an ImportError by skmislabel.cnn, and the reason its tests skip,
# when the core install lacks the deep-learning extra.
CNN_EXTRA_MESSAGE = (
    "skmislabel.CNNClassifier needs TensorFlow, Keras and SciKeras, which the core "
    'install leaves out: pip install "skmislabel[cnn]"'
)

# Raised as an ImportError by ConfidentLearningCleaner.fit_resample, and the
# reason its tests skip, when the core install lacks the cleaning extra.
CLEANING_EXTRA_MESSAGE = (
    "skmislabel.cleaning.ConfidentLearningCleaner needs cleanlab, which the core "
    'install leaves out: pip install "skmislabel[cleaning]"'
)


class PrivateName(NamedTuple):
    """One private name that skmislabel imports from another library."""

    distribution: str
    module: str
    name: str
    used_for: str


PRIVATE_NAMES = (
    PrivateName(
        "scikit-learn",
        "sklearn.base",
        "_fit_context",
        "parameter validation around fit, as scikit-learn's own estimators do",
    ),
    PrivateName(
        "scikit-learn",
        "sklearn.utils._param_validation",
        "validate_params",
        "parameter validation of public functions",
    ),
    PrivateName(
        "scikit-learn",
        "sklearn.utils._param_validation",
        "Interval",
        "parameter constraints",
    ),
    PrivateName(
        "scikit-learn",
        "sklearn.utils._param_validation",
        "StrOptions",
        "parameter constraints",
    ),
    PrivateName(
        "scikit-learn",
        "sklearn.utils._param_validation",
        "HasMethods",
        "parameter constraints",
    ),
    PrivateName(
        "scikit-learn",
        "sklearn.utils",
        "_safe_indexing",
        "row selection of arrays, sparse matrices and DataFrames in noise_curve",
    ),
    PrivateName(
        "scikit-learn",
        "sklearn.utils._optional_dependencies",
        "check_matplotlib_support",
        "scikit-learn's message when matplotlib is missing",
    ),
    PrivateName(
        "imbalanced-learn",
        "imblearn.utils._tags",
        "Tags",
        "the samplers' tags (LabelNoiseInjector, the cleaners) for imbalanced-learn's checks",
    ),
    PrivateName(
        "imbalanced-learn",
        "imblearn.utils._tags",
        "SamplerTags",
        "the samplers' tags, and the cleaners' sample_indices_",
    ),
    PrivateName(
        "imbalanced-learn",
        "imblearn.utils._tags",
        "InputTags",
        "the samplers' tags (imbalanced-learn's adds 'dataframe')",
    ),
    PrivateName(
        "keras",
        "keras.src.backend.common.global_state",
        "get_global_attribute",
        "saving Keras's global seed around a seeded fit",
    ),
    PrivateName(
        "keras",
        "keras.src.backend.common.global_state",
        "set_global_attribute",
        "restoring Keras's global seed after a seeded fit",
    ),
    PrivateName(
        "keras",
        "keras.src.random.seed_generator",
        "GLOBAL_SEED_GENERATOR",
        "the key of Keras's global seed generator, saved and restored",
    ),
    PrivateName(
        "tensorflow",
        "tensorflow.python.eager.context",
        "global_seed",
        "reading TensorFlow's global seed, to restore it after a seeded fit",
    ),
    PrivateName(
        "scikeras",
        "scikeras._utils",
        "route_params",
        "routing optimizer__* and metrics__* parameters as SciKeras does",
    ),
    PrivateName(
        "scikeras",
        "scikeras._utils",
        "unflatten_params",
        "routing optimizer__* and metrics__* parameters as SciKeras does",
    ),
    PrivateName(
        "scikeras",
        "scikeras._utils",
        "try_to_convert_strings_to_classes",
        "optimizer and metric names to classes, as SciKeras does",
    ),
    PrivateName(
        "scikeras",
        "scikeras._utils",
        "get_optimizer_class",
        "optimizer names to classes, as SciKeras does",
    ),
    PrivateName(
        "scikeras",
        "scikeras._utils",
        "get_metric_class",
        "metric names to classes, as SciKeras does",
    ),
)

# SciKeras's private BaseWrapper methods that CNNClassifier overrides and
# calls through super(), with the parameters it relies on. (_keras_build_fn,
# which CNNClassifier defines, is SciKeras's documented subclassing route.
# The attributes _fit_callbacks and _random_state, which SciKeras reads and
# CNNClassifier sets, are covered by the CNN's seeding and callback tests.)
SCIKERAS_HOOKS = {
    "_get_compile_kwargs": ("self",),
    "_build_keras_model": ("self",),
    "_initialize_callbacks": ("self",),
    "_fit_keras_model": (
        "self",
        "X",
        "y",
        "sample_weight",
        "warm_start",
        "epochs",
        "initial_epoch",
        "kwargs",
    ),
    "_predict_raw": ("self", "X", "kwargs"),
    "_validate_data": ("self", "X", "y", "reset"),
    "_check_model_compatibility": ("self", "y"),
}

_UPGRADE_HINT = {
    "scikit-learn": "scikit-learn",
    "imbalanced-learn": "imbalanced-learn",
    "keras": "keras tensorflow",
    "tensorflow": "tensorflow",
    "scikeras": "scikeras",
}


def _installed_version(distribution):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def _tested_range_hint(distribution):
    packages = _UPGRADE_HINT[distribution]
    return (
        f"skmislabel is tested with the {distribution} versions recorded in its "
        f"setup.cfg; install one of those (pip install --upgrade skmislabel, or pin "
        f"{packages} to the tested range) or report the incompatibility."
    )


def import_private(module, name):
    """Import ``module.name``, one of :data:`PRIVATE_NAMES`.

    Raises
    ------
    ImportError
        When the installed library no longer has it, naming the name, what
        skmislabel uses it for, the installed version and the upgrade hint.
    """
    entry = next(
        (item for item in PRIVATE_NAMES if item.module == module and item.name == name), None
    )
    if entry is None:
        raise KeyError(f"{module}.{name} is not registered in PRIVATE_NAMES.")
    try:
        value = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ImportError(
            f"skmislabel uses {module}.{name} ({entry.used_for}), which "
            f"{entry.distribution} {_installed_version(entry.distribution)} does not "
            f"have: {exc}. {_tested_range_hint(entry.distribution)}"
        ) from exc
    return value


def check_scikeras_hooks(base_class):
    """Check that SciKeras's ``BaseWrapper`` still has every hook CNNClassifier uses.

    Raises
    ------
    ImportError
        When a hook is missing or lost one of the parameters CNNClassifier
        passes, naming it and the upgrade hint.
    """
    problems = []
    for hook, parameters in SCIKERAS_HOOKS.items():
        method = getattr(base_class, hook, None)
        if method is None:
            problems.append(f"{hook} is gone")
            continue
        found = tuple(inspect.signature(method).parameters)
        missing = [name for name in parameters if name not in found]
        if missing:
            problems.append(f"{hook}{tuple(found)} lacks {missing}")
    if problems:
        raise ImportError(
            f"CNNClassifier subclasses scikeras.wrappers.BaseWrapper through private "
            f"hooks that scikeras {_installed_version('scikeras')} changed: "
            f"{'; '.join(problems)}. {_tested_range_hint('scikeras')}"
        )


def imblearn_sampler_tags(*, sample_indices=False, **input_tags):
    """imbalanced-learn's tags of a sampler that requires y (imported on call:
    importing imbalanced-learn takes about half a second).

    ``sample_indices=True`` declares a fitted ``sample_indices_``, which
    imbalanced-learn's checks then require (and otherwise forbid).
    """
    from sklearn.utils import TargetTags

    tags_module = "imblearn.utils._tags"
    return import_private(tags_module, "Tags")(
        estimator_type="sampler",
        target_tags=TargetTags(required=True),
        sampler_tags=import_private(tags_module, "SamplerTags")(sample_indices=sample_indices),
        input_tags=import_private(tags_module, "InputTags")(**input_tags),
    )


fit_context = import_private("sklearn.base", "_fit_context")
validate_params = import_private("sklearn.utils._param_validation", "validate_params")
Interval = import_private("sklearn.utils._param_validation", "Interval")
StrOptions = import_private("sklearn.utils._param_validation", "StrOptions")
HasMethods = import_private("sklearn.utils._param_validation", "HasMethods")
safe_indexing = import_private("sklearn.utils", "_safe_indexing")
check_matplotlib_support = import_private(
    "sklearn.utils._optional_dependencies", "check_matplotlib_support"
)
