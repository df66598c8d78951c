"""Markers: slow tests run only on request; CNN tests skip without the extra."""

import importlib.util

import pytest

from skmislabel._compat import CNN_EXTRA_MESSAGE


def cnn_extra_installed():
    return all(importlib.util.find_spec(name) for name in ("tensorflow", "keras", "scikeras"))


def pytest_collection_modifyitems(config, items):
    # ``-m`` replaces, not extends, a marker expression in addopts: deselecting
    # slow tests here keeps them out of ``-m "not cnn"`` too, unless the
    # expression names them (``-m slow``).
    if "slow" not in (config.getoption("markexpr") or ""):
        kept = [item for item in items if "slow" not in item.keywords]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[i for i in items if "slow" in i.keywords])
            items[:] = kept
    if not cnn_extra_installed():
        skip = pytest.mark.skip(reason=CNN_EXTRA_MESSAGE)
        for item in items:
            if "cnn" in item.keywords:
                item.add_marker(skip)
