"""Every code snippet of the documentation and the README runs.

Snippets in the .rst pages are doctests (``>>>``), run here file by file;
the README's Python block is run as a script. A ``code-block:: python``
would escape both, so none is allowed.
"""

import doctest
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.rst"))
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

needs_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None,
    reason='the page draws plots: pip install "skmislabel[plot]"',
)

needs_cleanlab = pytest.mark.skipif(
    importlib.util.find_spec("cleanlab") is None,
    reason='the page runs confident learning: pip install "skmislabel[cleaning]"',
)


def _page(page):
    """A page as a test parameter, marked by the extras its snippets need."""
    text = page.read_text()
    # The CNN by its doctests alone: prose may name it on a page whose
    # snippets run without TensorFlow.
    snippets = "\n".join(
        line for line in text.splitlines() if line.lstrip().startswith((">>>", "..."))
    )
    marks = []
    if "CNNClassifier" in snippets:
        marks.append(pytest.mark.cnn)
    if "plotting" in text or "matplotlib" in text:
        marks.append(needs_matplotlib)
    if "ConfidentLearningCleaner(" in text:
        marks.append(needs_cleanlab)
    return pytest.param(page, marks=marks, id=str(page.relative_to(ROOT / "docs")))


def test_pages_were_found():
    assert len(PAGES) > 10


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT / "docs")))
def test_every_python_snippet_is_a_doctest(page):
    text = page.read_text()
    assert not re.search(r"code-block::\s*(python|py|pycon)\s*$", text, flags=re.M), (
        f"{page.name} has a code-block that no test runs: write it as a doctest (>>>)"
    )


@pytest.mark.parametrize("page", [_page(page) for page in PAGES if ">>>" in page.read_text()])
def test_doctests_of_the_page_pass(page, tmp_path, monkeypatch):
    if importlib.util.find_spec("matplotlib"):
        import matplotlib

        matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    result = doctest.testfile(str(page), module_relative=False, optionflags=OPTIONS, verbose=False)
    if importlib.util.find_spec("matplotlib"):
        import matplotlib.pyplot as plt

        plt.close("all")
    assert result.attempted > 0
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples of {page.name} failed"
    )


def test_readme_python_snippet_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("[") and "0.9" in printed
