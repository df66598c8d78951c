"""The benchmark scripts, loaded in-process for their tests.

The scripts are not a package (each runs as ``python benchmarks/NAME.py``)
and import ``benchmarks/_harness.py`` as ``_harness``, so their folder goes
on ``sys.path`` before one is loaded.
"""

import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_benchmark(name):
    """A fresh module of ``benchmarks/<name>.py``."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exit_status(main, argv):
    """The exit status of ``main(argv)``, argparse's exit included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code
