"""Importing skmislabel and its noise code must not import TensorFlow."""

import subprocess
import sys

import pytest

HEAVY = ("tensorflow", "keras", "scikeras")


@pytest.mark.parametrize(
    "statement",
    [
        "import skmislabel",
        "from skmislabel import LabelNoiseInjector, flip_labels",
        "import skmislabel.noise",
        "from skmislabel import Pipeline, make_pipeline",
        "from skmislabel.datasets import load_mnist; load_mnist()",
    ],
)
def test_import_does_not_load_tensorflow(statement):
    code = f"{statement}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_public_names():
    import skmislabel

    for name in skmislabel.__all__:
        if name != "CNNClassifier":
            assert getattr(skmislabel, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        getattr(skmislabel, "NoSuchThing")  # noqa: B009
