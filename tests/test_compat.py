"""Tests for skmislabel/_compat.py: every private name skmislabel uses still exists.

One test per name, so that a new scikit-learn, imbalanced-learn, Keras,
TensorFlow or SciKeras release that removes one fails here, naming it.
"""

import importlib.util

import pytest

from skmislabel import _compat
from skmislabel._compat import (
    CNN_EXTRA_MESSAGE,
    PRIVATE_NAMES,
    SCIKERAS_HOOKS,
    check_scikeras_hooks,
    import_private,
)

_CNN_DISTRIBUTIONS = {"keras", "tensorflow", "scikeras"}


@pytest.mark.parametrize(
    "entry", PRIVATE_NAMES, ids=[f"{entry.module}.{entry.name}" for entry in PRIVATE_NAMES]
)
def test_private_name_still_exists(entry):
    if entry.distribution in _CNN_DISTRIBUTIONS and not importlib.util.find_spec("scikeras"):
        pytest.skip(CNN_EXTRA_MESSAGE)
    assert import_private(entry.module, entry.name) is not None


@pytest.mark.parametrize("hook", sorted(SCIKERAS_HOOKS))
def test_scikeras_hook_still_exists(hook):
    pytest.importorskip("scikeras", reason=CNN_EXTRA_MESSAGE)
    from scikeras.wrappers import BaseWrapper

    class OnlyThisHook:
        pass

    setattr(OnlyThisHook, hook, getattr(BaseWrapper, hook))
    # The other hooks are missing from OnlyThisHook, this one must not be.
    with pytest.raises(ImportError) as raised:
        check_scikeras_hooks(OnlyThisHook)
    assert f"{hook} is gone" not in str(raised.value)
    assert f"{hook}(" not in str(raised.value)


def test_a_removed_name_fails_loudly_with_the_upgrade_hint(monkeypatch):
    removed = _compat.PrivateName("scikit-learn", "sklearn.utils", "_no_such_name", "a test")
    monkeypatch.setattr(_compat, "PRIVATE_NAMES", (*PRIVATE_NAMES, removed))
    with pytest.raises(ImportError) as raised:
        import_private("sklearn.utils", "_no_such_name")
    message = str(raised.value)
    assert "sklearn.utils._no_such_name (a test)" in message
    assert "scikit-learn 1." in message and "setup.cfg" in message
    with pytest.raises(KeyError, match="not registered"):
        import_private("sklearn.utils", "_safe_indexing_unregistered")


def test_a_changed_scikeras_hook_fails_loudly():
    class Wrapper:
        def _get_compile_kwargs(self):
            pass

        def _fit_keras_model(self, X, y, sample_weight):  # lost warm_start, epochs, ...
            pass

    with pytest.raises(ImportError) as raised:
        check_scikeras_hooks(Wrapper)
    message = str(raised.value)
    assert "_predict_raw is gone" in message
    assert "_fit_keras_model('self', 'X', 'y', 'sample_weight') lacks ['warm_start'" in message
    assert "_get_compile_kwargs" not in message
    assert "setup.cfg" in message


def test_private_names_are_used_only_through_compat():
    # Every import of another library's private module or name goes through
    # _compat (aliasing a public name to a private one, `as _x`, is fine).
    import ast
    import pathlib

    import skmislabel

    libraries = {"sklearn", "imblearn", "keras", "tensorflow", "scikeras", "sklearn_compat"}
    package = pathlib.Path(skmislabel.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules, names = [node.module], [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                modules, names = [alias.name for alias in node.names], []
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] not in libraries:
                    continue
                private = [p for p in parts[1:] if p.startswith("_")]
                private += [name for name in names if name.startswith("_")]
                if private:
                    offenders.append(f"{path.relative_to(package)}:{node.lineno} {private}")
    assert offenders == []
