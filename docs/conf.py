"""Sphinx configuration for skmislabel's documentation."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import skmislabel  # noqa: E402

project = "skmislabel"
author = "the skmislabel developers"
copyright = "2026, the skmislabel developers"
release = version = skmislabel.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]
templates_path = ["_templates"]
exclude_patterns = ["_build"]
autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
# Inherited scikeras / imbalanced-learn members are documented upstream.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = "skmislabel"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = []
