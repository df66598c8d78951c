"""The benchmark scripts, run as a user runs them (subprocesses)."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOISE_CURVE = ROOT / "benchmarks" / "noise_curve.py"
TASK = ["estimator", "noise_type", "noise_rate", "repeat", "fold"]


def _run(*args, **kwargs):
    return subprocess.run(
        [sys.executable, str(NOISE_CURVE), *args], capture_output=True, text=True, **kwargs
    )


def test_quick_run_writes_csv_png_and_json(tmp_path):
    result = _run("--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(tmp_path / "noise_curve.csv")
    assert len(frame) == 9 and not frame.duplicated(TASK).any()
    assert (tmp_path / "noise_curve.png").read_bytes()[:4] == b"\x89PNG"
    report = json.loads((tmp_path / "noise_curve.json").read_text())
    assert report["status"] == "complete" and report["parameters"]["dataset"] == "digits"
    assert report["versions"]["scikit-learn"] and report["wall_time_s"] > 0
    assert "test accuracy" in result.stdout


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_interrupted_run_resumes_without_lost_or_duplicated_rows(tmp_path, stop_signal):
    args = ["--quick", "--rates", "0", "0.1", "0.2", "0.3", "--out", str(tmp_path)]
    process = subprocess.Popen(
        [sys.executable, str(NOISE_CURVE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    csv_path = tmp_path / "noise_curve.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if csv_path.exists() and len(csv_path.read_text().splitlines()) >= 4:
            break
        assert process.poll() is None, "finished before it could be interrupted"
        time.sleep(0.05)
    process.send_signal(stop_signal)
    _, stderr = process.communicate(timeout=60)
    expected_status = 130 if stop_signal == signal.SIGINT else -signal.SIGKILL
    assert process.returncode == expected_status, stderr
    kept = pd.read_csv(csv_path, on_bad_lines="skip").dropna(subset=["test_score"])
    assert 3 <= len(kept) < 12

    resumed = _run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    final = pd.read_csv(csv_path)
    assert len(final) == 12 and not final.duplicated(TASK).any()
    merged = kept.merge(final, on=TASK, suffixes=("_before", "_after"))
    assert len(merged) == len(kept), "a finished fit was lost"
    # Rows that were kept are not recomputed: same scores, same seeds.
    assert (merged["test_score_before"] == merged["test_score_after"]).all()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rates", "0", "1.5"], "--rates must lie in"),
        (["--dataset", "cifar"], "invalid choice: 'cifar'"),
        (["--repeats", "0"], "--repeats must be at least 1"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --backend dask"),
    ],
)
def test_bad_arguments_exit_with_status_2(args, message):
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_resume_with_other_settings_is_refused(tmp_path):
    assert _run("--quick", "--estimator", "knn", "--out", str(tmp_path)).returncode == 0
    result = _run(
        "--quick", "--estimator", "knn", "--repeats", "2", "--resume", "--out", str(tmp_path)
    )
    assert result.returncode == 2 and "differ from the saved run" in result.stderr


def test_help_lists_the_options():
    result = _run("--help")
    assert result.returncode == 0
    for option in (
        "--dataset",
        "--noise-type",
        "--rates",
        "--repeats",
        "--epochs",
        "--batch-size",
        "--estimator",
        "--n-jobs",
        "--backend",
        "--scheduler",
        "--out",
        "--quick",
        "--resume",
    ):
        assert option in result.stdout
