"""benchmarks/estimate_noise.py on the shared harness: its folder, files and
the committed runs it made."""

import json
from pathlib import Path

import pandas as pd
import pytest
from benchmark_scripts import exit_status, load_benchmark

pytest.importorskip(
    "tqdm", reason='the benchmarks need the benchmarks extra: pip install ".[benchmarks]"'
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "estimate_noise.py"
# The identity needs no estimate: the files and flags, in a second.
SMALL = ["--dataset", "digits", "--seeds", "1", "--methods", "identity"]
SMALL += ["--noises", "symmetric:0.2"]


@pytest.fixture(scope="module")
def benchmark():
    return load_benchmark("estimate_noise")


def _strict(path):
    return json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(name))


def test_an_existing_run_is_replaced_only_with_overwrite(benchmark, tmp_path, capsys):
    out = ["--out", str(tmp_path)]
    assert benchmark.main([*SMALL, "--noise-aware", *out]) == 0
    report = _strict(tmp_path / "estimate_noise.json")
    assert report["benchmark"] == "estimate_noise" and report["status"] == "complete"
    assert report["machine"]["cpu_model"] is not None and report["n_estimates"] == 1
    assert report["command"].startswith("python benchmarks/estimate_noise.py --dataset digits")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert "noise_aware.csv" in before
    assert exit_status(benchmark.main, [*SMALL, *out]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    # Replaced, without the noise-aware scores: the earlier ones are removed,
    # not left beside results they do not belong to.
    assert benchmark.main([*SMALL, *out, "--overwrite"]) == 0
    assert not (tmp_path / "noise_aware.csv").exists()
    rows = pd.read_csv(tmp_path / "estimate_noise.csv")
    assert list(rows["method"]) == ["identity"] and rows["error"].iloc[0] == pytest.approx(
        0.4, abs=0.01
    )


def test_a_results_file_that_is_a_link_is_refused(benchmark, tmp_path, capsys):
    target = tmp_path / "elsewhere.csv"
    target.write_text("not yours\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "estimate_noise.csv").symlink_to(target)
    argv = [*SMALL, "--out", str(tmp_path / "out"), "--overwrite"]
    assert exit_status(benchmark.main, argv) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert target.read_text() == "not yours\n"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--noises", "sideways:0.2"], "invalid type 'sideways'"),
        (["--noises", "symmetric:0.2", "symmetric:0.2"], "must not repeat"),
        (["--noises", "symmetric:x"], "noise_type:noise_rate pairs"),
        (["--seeds", "0"], "--seeds must be >= 1"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(benchmark, tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert exit_status(benchmark.main, [*SMALL, *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "name, columns",
    [
        ("estimate_noise.csv", "COLUMNS"),
        ("estimate_noise_logistic.csv", "COLUMNS"),
        ("noise_aware.csv", "NOISE_AWARE_COLUMNS"),
    ],
)
def test_the_committed_runs_stay_readable(benchmark, name, columns):
    images = ROOT / "docs" / "images"
    folder = benchmark.harness.OutputFolder(images, "none", ())
    columns = getattr(benchmark, columns)
    rows = benchmark.harness.ResultsCsv(
        folder, name, columns, dict.fromkeys(columns, benchmark.harness.text)
    ).read()
    assert rows and len(rows) == len(pd.read_csv(images / name))
    report = _strict(images / name.replace(".csv", ".json"))
    assert report["settings"]["noises"]
