"""benchmarks/detection.py on the shared harness: a quick run on digits, its
files, --resume and the flags it refuses."""

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from benchmark_scripts import exit_status, load_benchmark

pytest.importorskip(
    "tqdm", reason='the benchmarks need the benchmarks extra: pip install ".[benchmarks]"'
)

ROOT = Path(__file__).resolve().parents[1]
# The two detectors without a model to train: the files and flags, in seconds.
SMALL = ["--quick", "--detectors", "kdn", "disagreement-knn", "--noise-types", "symmetric"]


@pytest.fixture(scope="module")
def benchmark():
    return load_benchmark("detection")


def _strict(path):
    return json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(name))


def test_a_quick_run_scores_each_detector_against_the_injected_truth(benchmark, tmp_path):
    assert benchmark.main([*SMALL, "--out", str(tmp_path)]) == 0
    rows = pd.read_csv(tmp_path / "detection.csv")
    assert list(rows.columns) == list(benchmark.COLUMNS)
    assert sorted(zip(rows["detector"], rows["noise_rate"])) == [
        ("disagreement-knn", 0.2),
        ("disagreement-knn", 0.4),
        ("kdn", 0.2),
        ("kdn", 0.4),
    ]
    # The truth is the injector's: 20% and 40% of digits' 1,797 labels.
    flipped = dict(zip(rows["noise_rate"], rows["n_flipped"]))
    assert flipped == {0.2: round(0.2 * 1797), 0.4: round(0.4 * 1797)}
    assert ((rows["precision"] > 0.5) & (rows["recall"] > 0.5) & (rows["roc_auc"] > 0.9)).all()
    report = _strict(tmp_path / "detection.json")
    assert report["benchmark"] == "detection" and report["status"] == "complete"
    assert report["n_fits_run"] == 4 and len(report["table"]) == 4
    assert report["machine"]["cpu_model"] is not None


def test_resume_runs_no_fit_again_and_extends_with_new_rates(benchmark, tmp_path, capsys):
    out = ["--out", str(tmp_path)]
    assert benchmark.main([*SMALL, "--rates", "0.2", *out]) == 0
    before = pd.read_csv(tmp_path / "detection.csv")
    assert benchmark.main([*SMALL, "--rates", "0.2", *out, "--resume"]) == 0
    assert _strict(tmp_path / "detection.json")["n_fits_run"] == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "detection.csv"), before)
    assert benchmark.main([*SMALL, "--rates", "0.2", "0.3", *out, "--resume"]) == 0
    report = _strict(tmp_path / "detection.json")
    assert report["n_fits_run"] == 2 and report["n_fits_reused"] == 2
    # A resume that would drop saved rows, or mix in another seed, is refused.
    capsys.readouterr()
    assert exit_status(benchmark.main, [*SMALL, "--rates", "0.2", *out, "--resume"]) == 2
    assert "would drop it" in capsys.readouterr().err
    argv = [*SMALL, "--rates", "0.2", "0.3", "--seed", "1", *out, "--resume"]
    assert exit_status(benchmark.main, argv) == 2
    assert "seed 0" in capsys.readouterr().err


def test_a_preset_noise_is_run_and_drawn(benchmark, tmp_path):
    argv = ["--quick", "--detectors", "kdn", "--noise-types", "mnist-asymmetric", "--rates", "0.2"]
    assert benchmark.main([*argv, "--out", str(tmp_path)]) == 0
    assert _strict(tmp_path / "detection.json")["status"] == "complete"
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "detection.png").stat().st_size > 0


def test_resume_refuses_rows_of_other_noise_options(benchmark, tmp_path, capsys):
    out = ["--out", str(tmp_path)]
    argv = ["--quick", "--detectors", "kdn", "--noise-types", "borderline", "symmetric"]
    argv += ["--rates", "0.2"]
    assert benchmark.main([*argv, "--n-neighbors", "5", *out]) == 0
    before = (tmp_path / "detection.csv").read_bytes()
    capsys.readouterr()
    for option in (["--n-neighbors", "7"], ["--pmd-type", "II"]):
        assert exit_status(benchmark.main, [*argv, *option, *out, "--resume"]) == 2
        err = capsys.readouterr().err
        assert "borderline" in err and "noise options" in err
        assert (tmp_path / "detection.csv").read_bytes() == before
    # A file of the first version, without the column: its class-conditional
    # rows are kept, its instance-dependent ones cannot be vouched for.
    frame = pd.read_csv(tmp_path / "detection.csv")
    legacy = frame.drop(columns="noise_settings")
    legacy[legacy["noise_type"] == "symmetric"].to_csv(tmp_path / "detection.csv", index=False)
    symmetric = ["--quick", "--detectors", "kdn", "--noise-types", "symmetric", "--rates", "0.2"]
    assert benchmark.main([*symmetric, *out, "--resume"]) == 0
    assert _strict(tmp_path / "detection.json")["n_fits_run"] == 0
    assert pd.read_csv(tmp_path / "detection.csv")["noise_settings"].notna().all()
    legacy.to_csv(tmp_path / "detection.csv", index=False)
    assert exit_status(benchmark.main, [*argv, *out, "--resume"]) == 2
    assert "written before detection.py recorded the noise options" in capsys.readouterr().err


def test_an_existing_run_is_replaced_only_with_overwrite(benchmark, tmp_path, capsys):
    out = ["--out", str(tmp_path)]
    argv = ["--quick", "--detectors", "kdn", "--noise-types", "symmetric", "--rates", "0.2"]
    assert benchmark.main([*argv, *out]) == 0
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert exit_status(benchmark.main, [*argv, *out]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--noise-types", "sideways"], "invalid choice: 'sideways'"),
        (["--detectors", "kdn", "kdn"], "must not repeat"),
        (["--rates", "0"], "nothing to detect"),
        (["--rates", "1.0"], "--rates must lie in [0, 1)"),
        (["--seed", "-1"], "--seed must be in [0, 2**32)"),
        (["--resume", "--overwrite"], "not allowed with argument"),
        (["--n-neighbors", "5000"], "--n-neighbors must be smaller than the training set"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(benchmark, tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert exit_status(benchmark.main, [*SMALL, *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_committed_run_stays_readable(benchmark):
    images = ROOT / "docs" / "images"
    folder = benchmark.harness.OutputFolder(images, "none", ())
    rows = benchmark.harness.ResultsCsv(
        folder, "detection.csv", benchmark.COLUMNS, benchmark.PARSERS
    )
    rows = rows.read()
    assert rows and len(rows) == len(pd.read_csv(images / "detection.csv"))
    report = _strict(images / "detection.json")
    assert report["status"] == "complete" and report["settings"]["dataset"] == "mnist"
    assert {row["detector"] for row in rows} == set(benchmark.DETECTORS)
