"""Doctests of the modules whose optional extra is not installed are not collected."""

import importlib.util


def _missing(*modules):
    return not all(importlib.util.find_spec(module) for module in modules)


collect_ignore = []
if _missing("tensorflow", "keras", "scikeras"):
    collect_ignore += ["cnn.py", "coteaching.py", "losses.py", "_keras_runtime.py", "_network.py"]
if _missing("matplotlib"):
    collect_ignore += ["plotting"]
if _missing("cleanlab"):
    collect_ignore += ["cleaning.py", "_cleaning_cleanlab.py"]
