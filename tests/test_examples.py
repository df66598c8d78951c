"""The documentation's example scripts run (tiny mode) and draw their figures."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
FIGURES = {
    "lesson.py": "lesson.png",
    "noise_types.py": "noise_types.png",
    "instance_noise.py": "instance_noise_flips.png",
    "cleaning.py": "cleaning_suspects.png",
    "grid_search.py": None,
    "cnn_vs_sklearn.py": "cnn_vs_sklearn.png",
}


def test_every_example_is_listed():
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == sorted(FIGURES)


def _script(script):
    """A script as a test parameter; the CNN ones carry the cnn marker."""
    text = (EXAMPLES / script).read_text()
    marks = [pytest.mark.cnn] if "CNNClassifier" in text else []
    if FIGURES[script] or "matplotlib" in text:
        marks.append(
            pytest.mark.skipif(
                importlib.util.find_spec("matplotlib") is None,
                reason='the example draws a figure: pip install "skmislabel[plot]"',
            )
        )
    if "ConfidentLearningCleaner" in text:
        marks.append(
            pytest.mark.skipif(
                importlib.util.find_spec("cleanlab") is None,
                reason='the example runs confident learning: pip install "skmislabel[cleaning]"',
            )
        )
    return pytest.param(script, marks=marks, id=script)


@pytest.mark.parametrize("script", [_script(script) for script in sorted(FIGURES)])
def test_example_runs(script, tmp_path):
    env = {**os.environ, "SKMISLABEL_EXAMPLES_QUICK": "1", "SKMISLABEL_EXAMPLES_OUT": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), "the example printed no results"
    if FIGURES[script]:
        assert (tmp_path / FIGURES[script]).read_bytes()[:4] == b"\x89PNG"
