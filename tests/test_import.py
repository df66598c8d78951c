"""The core install: importing skmislabel never imports TensorFlow or matplotlib,
and the names that need an extra say which one."""

import importlib
import subprocess
import sys
import textwrap

import pytest

import skmislabel

HEAVY = ("tensorflow", "keras", "scikeras", "matplotlib", "cleanlab")


def _modules_loaded_by(statement, blocked=()):
    """Run statement in a fresh interpreter (with the ``blocked`` modules
    made unimportable) and return the HEAVY modules it loaded."""
    code = "\n".join(
        [
            "import sys",
            f"for name in {tuple(blocked)!r}:",
            "    sys.modules[name] = None  # import raises ImportError, as if not installed",
            statement,
            f"print(','.join(m for m in {HEAVY!r} if sys.modules.get(m) is not None))",
        ]
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@pytest.mark.parametrize(
    "statement",
    [
        "import skmislabel",
        "from skmislabel import *",
        "from skmislabel import LabelNoiseInjector, flip_labels",
        "import skmislabel.noise",
        "from skmislabel import Pipeline, make_pipeline",
        "from skmislabel.datasets import load_mnist; load_mnist()",
        "import skmislabel.model_selection",
        "import skmislabel.plotting",
        "import skmislabel.cleaning, skmislabel.metrics",
        "import skmislabel._image_shape, skmislabel._compat",
    ],
)
def test_core_imports_load_neither_tensorflow_nor_matplotlib(statement):
    assert _modules_loaded_by(statement) == ""


def test_import_star_gives_the_public_names_only():
    namespace = {}
    exec("from skmislabel import *", namespace)
    public = {name for name in namespace if not name.startswith("__")}
    assert public == set(skmislabel.__all__)
    assert not {"CNNClassifier", "CoTeachingClassifier"} & public


@pytest.mark.parametrize(
    "module_name",
    [
        "skmislabel",
        "skmislabel.noise",
        "skmislabel.pipeline",
        "skmislabel.model_selection",
        "skmislabel.datasets",
        "skmislabel.plotting",
        "skmislabel.cleaning",
        "skmislabel.metrics",
    ],
)
def test_every_public_module_declares_all(module_name):
    module = importlib.import_module(module_name)
    assert module.__all__, f"{module_name}.__all__ is empty"
    for name in module.__all__:
        value = getattr(module, name)
        # A public name is documented: a module, a class or function with a
        # docstring, or a constant.
        if callable(value):
            assert (value.__doc__ or "").strip(), f"{module_name}.{name} has no docstring"
    # Nothing public is left out of __all__ (submodules and imports aside).
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and getattr(value, "__module__", module_name).startswith(module_name)
        and not isinstance(value, type(module))
        and callable(value)
    }
    # The classifiers are cached here once used, and left out of __all__ on
    # purpose: `import *` must not import TensorFlow.
    assert defined_here - {"CNNClassifier", "CoTeachingClassifier"} <= set(module.__all__)


def test_public_names_are_what_they_say():
    from skmislabel.noise import LabelNoiseInjector, flip_labels
    from skmislabel.pipeline import Pipeline, make_pipeline

    assert skmislabel.LabelNoiseInjector is LabelNoiseInjector
    assert skmislabel.flip_labels is flip_labels
    assert skmislabel.Pipeline is Pipeline and skmislabel.make_pipeline is make_pipeline
    assert skmislabel.datasets.load_mnist.__module__ == "skmislabel.datasets._mnist"
    assert {"CNNClassifier", "model_selection", "plotting"} <= set(dir(skmislabel))
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        getattr(skmislabel, "NoSuchThing")  # noqa: B009


@pytest.mark.parametrize("missing", ["scikeras", "tensorflow", "keras"])
def test_cnn_without_the_extra_says_how_to_install_it(missing):
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules[{missing!r}] = None
        import skmislabel
        try:
            skmislabel.CNNClassifier
        except ImportError as exc:
            print(exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'pip install "skmislabel[cnn]"' in result.stdout


def test_noise_code_works_without_the_extras():
    loaded = _modules_loaded_by(
        "import numpy as np\n"
        "from skmislabel import LabelNoiseInjector, make_pipeline\n"
        "from skmislabel.model_selection import noise_curve\n"
        "from sklearn.neighbors import KNeighborsClassifier\n"
        "X, y = np.random.default_rng(0).random((60, 3)), np.arange(60) % 3\n"
        "results = noise_curve(KNeighborsClassifier(3), X, y, noise_rates=[0, 0.2], cv=2,"
        " random_state=0)\n"
        "assert results.test_scores.shape == (2, 2)",
        blocked=HEAVY,
    )
    assert loaded == ""


def test_the_core_modules_import_without_docstrings():
    # python -OO strips docstrings; the shared parameter docs must not need them.
    statement = "import skmislabel.noise, skmislabel.cleaning, skmislabel.model_selection"
    result = subprocess.run(
        [sys.executable, "-OO", "-c", statement], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
