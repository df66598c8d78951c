"""The benchmark scripts, run as a user runs them (subprocesses)."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmark_scripts import load_benchmark

from skmislabel.model_selection import PROVENANCE_COLUMNS, TASK_COLUMNS

BENCHMARKS_EXTRA = 'the benchmarks need the benchmarks extra: pip install ".[benchmarks]"'
pytest.importorskip("tqdm", reason=BENCHMARKS_EXTRA)
pytest.importorskip("matplotlib", reason=BENCHMARKS_EXTRA)

ROOT = Path(__file__).resolve().parents[1]
NOISE_CURVE = ROOT / "benchmarks" / "noise_curve.py"
TASK = list(TASK_COLUMNS)


def _run(*args, **kwargs):
    return subprocess.run(
        [sys.executable, str(NOISE_CURVE), *args], capture_output=True, text=True, **kwargs
    )


@pytest.mark.cnn  # --quick trains the CNN by default
def test_quick_run_writes_csv_png_and_json(tmp_path):
    result = _run("--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(tmp_path / "noise_curve.csv")
    assert len(frame) == 9 and not frame.duplicated(TASK).any()
    assert (tmp_path / "noise_curve.png").read_bytes()[:4] == b"\x89PNG"
    report = json.loads((tmp_path / "noise_curve.json").read_text())
    assert report["status"] == "complete" and report["settings"]["dataset"] == "digits"
    assert report["versions"]["scikit-learn"] and report["wall_time_seconds"] > 0
    assert "test accuracy" in result.stdout


@pytest.mark.cnn  # slow enough to be interrupted mid-run
@pytest.mark.parametrize(
    "stop_signal",
    [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
    ids=["ctrl-c", "kill", "kill-9"],
)
def test_interrupted_run_resumes_without_lost_or_duplicated_rows(tmp_path, stop_signal):
    args = ["--quick", "--rates", "0", "0.1", "0.2", "0.3", "--out", str(tmp_path)]
    process = subprocess.Popen(
        [sys.executable, str(NOISE_CURVE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A runner started in the background (as `cmd &` in a script) passes
        # SIGINT on ignored, and Python then installs no Ctrl-C handler.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
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
    expected_status = -signal.SIGKILL if stop_signal == signal.SIGKILL else 130
    assert process.returncode == expected_status, stderr
    if stop_signal != signal.SIGKILL:
        report = json.loads((tmp_path / "noise_curve.json").read_text())
        assert report["status"] == "interrupted"
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
        (["--rates", "0", "0.1", "0.1"], "--rates must not repeat a rate"),
        (["--dataset", "cifar"], "invalid choice: 'cifar'"),
        (["--repeats", "0"], "--repeats must be at least 1"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --backend dask"),
        (["--noise-type", "transition_matrix"], "invalid choice: 'transition_matrix'"),
        (["--n-neighbors", "0"], "--n-neighbors must be at least 1"),
        (["--noise-cv", "1"], "--noise-cv must be at least 2"),
        (["--pmd-type", "IV"], "invalid choice: 'IV'"),
        (["--cleaner", "knn", "--cleaner", "knn"], "--cleaner must not repeat a value"),
    ],
)
def test_bad_arguments_exit_with_status_2(args, message):
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_resume_extends_a_run_with_more_repeats_and_keeps_its_rows(knn_run, tmp_path):
    _copy(knn_run, tmp_path)
    before = pd.read_csv(tmp_path / "noise_curve.csv")
    result = _run(*KNN_QUICK, "--repeats", "2", "--resume", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    after = pd.read_csv(tmp_path / "noise_curve.csv")
    assert len(after) == 2 * len(before) and set(after["repeat"]) == {0, 1}
    first = after[after["repeat"] == 0].reset_index(drop=True)
    columns = [*TASK, "test_score", *PROVENANCE_COLUMNS, "fit_time"]
    pd.testing.assert_frame_equal(first[columns], before[columns])


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
        "--flip-rate-std",
        "--noise-cv",
        "--pmd-type",
        "--n-neighbors",
    ):
        assert option in result.stdout
    for noise_type in ("part_dependent", "confidence", "pmd", "borderline"):
        assert noise_type in result.stdout


def _snapshot(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


KNN_QUICK = ["--quick", "--estimator", "knn"]


@pytest.fixture(scope="module")
def knn_run(tmp_path_factory):
    """One finished quick knn run, copied by the tests that damage it."""
    folder = tmp_path_factory.mktemp("knn_run")
    assert _run(*KNN_QUICK, "--out", str(folder)).returncode == 0
    return folder


def _copy(folder, tmp_path, names=("noise_curve.csv", "noise_curve.json")):
    for name in names:
        (tmp_path / name).write_bytes((folder / name).read_bytes())


def test_resume_reruns_a_row_torn_by_a_killed_write(knn_run, tmp_path):
    _copy(knn_run, tmp_path)
    csv_path = tmp_path / "noise_curve.csv"
    original = pd.read_csv(csv_path)
    text = csv_path.read_text()
    # Cut the last row in the middle of its score columns.
    csv_path.write_text(text[: text.rstrip("\n").rfind("\n") + 30])
    result = _run(*KNN_QUICK, "--out", str(tmp_path), "--resume")
    assert result.returncode == 0, result.stderr
    assert "dropped a torn last row" in result.stderr
    final = pd.read_csv(csv_path)
    assert len(final) == 9 and final["test_score"].notna().all()
    pd.testing.assert_series_equal(final["test_score"], original["test_score"])


def test_resume_refuses_rows_of_another_seed_even_without_the_json(knn_run, tmp_path):
    _copy(knn_run, tmp_path, names=("noise_curve.csv",))
    before = _snapshot(tmp_path)
    result = _run(*KNN_QUICK, "--seed", "1", "--out", str(tmp_path), "--resume")
    assert result.returncode == 2, result.stderr
    assert "belongs to another --seed" in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(tmp_path) == {**before, "noise_curve.lock": b""}


def test_resume_refuses_rows_that_this_run_would_drop(knn_run, tmp_path):
    _copy(knn_run, tmp_path, names=("noise_curve.csv",))
    result = _run(*KNN_QUICK, "--rates", "0", "0.2", "--out", str(tmp_path), "--resume")
    assert result.returncode == 2 and "resuming would drop it" in result.stderr


def test_a_second_run_without_resume_or_overwrite_is_refused(knn_run, tmp_path):
    _copy(knn_run, tmp_path)
    before = _snapshot(tmp_path)
    result = _run(*KNN_QUICK, "--rates", "0", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--resume" in result.stderr and "--overwrite" in result.stderr
    assert _snapshot(tmp_path) == {**before, "noise_curve.lock": b""}
    replaced = _run(*KNN_QUICK, "--rates", "0", "--out", str(tmp_path), "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert len(pd.read_csv(tmp_path / "noise_curve.csv")) == 3


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
        (b"a,b\n1,2\n", "has the columns ['a', 'b']"),
        (None, "line 2, column test_score: 'high' does not parse"),
    ],
    ids=["empty", "binary", "other-columns", "non-numeric"],
)
def test_resume_from_an_unusable_csv_exits_2_with_one_line(knn_run, tmp_path, content, message):
    if content is None:
        text = (knn_run / "noise_curve.csv").read_text().splitlines()
        fields = text[1].split(",")
        fields[5] = "high"  # test_score
        content = "\n".join([text[0], ",".join(fields), *text[2:]]).encode() + b"\n"
    (tmp_path / "noise_curve.csv").write_bytes(content)
    result = _run(*KNN_QUICK, "--out", str(tmp_path), "--resume")
    assert result.returncode == 2
    assert message in result.stderr and "--resume" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (tmp_path / "noise_curve.csv").read_bytes() == content
    assert not (tmp_path / "noise_curve.json").exists()


def test_bad_seed_and_unwritable_out_exit_2_without_traceback(tmp_path):
    result = _run(*KNN_QUICK, "--seed", "-1", "--out", str(tmp_path))
    assert result.returncode == 2 and "--seed must be in [0, 2**32)" in result.stderr
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = _run(*KNN_QUICK, "--out", str(blocker / "results"))
    assert result.returncode == 2 and "--out" in result.stderr and "cannot write" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_two_runs_cannot_write_to_one_folder(tmp_path):
    import fcntl

    with open(tmp_path / "noise_curve.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = _run(*KNN_QUICK, "--out", str(tmp_path))
    assert result.returncode == 2 and "another run is writing there" in result.stderr
    assert not (tmp_path / "noise_curve.csv").exists()


def test_failed_fits_exit_1_and_keep_their_errors(tmp_path, monkeypatch, capsys):
    from sklearn.exceptions import FitFailedWarning
    from sklearn.neighbors import KNeighborsClassifier

    benchmark = load_benchmark("noise_curve")

    class Flaky(KNeighborsClassifier):
        # Fails on some folds and rates, deterministically.
        def fit(self, X, y):
            if int(np.sum(y)) % 2:
                raise RuntimeError("odd label sum")
            return super().fit(X, y)

    monkeypatch.setattr(benchmark, "_estimator", lambda name, args: Flaky())
    with pytest.warns(FitFailedWarning, match="fits failed out of a total of 9"):
        status = benchmark.main([*KNN_QUICK, "--out", str(tmp_path)])
    frame = pd.read_csv(tmp_path / "noise_curve.csv")
    errors = frame["error"].fillna("")
    assert (errors == "RuntimeError: odd label sum").any() and (errors == "").any()
    assert frame.loc[errors != "", "test_score"].isna().all()
    assert status == 1 and "fits failed" in capsys.readouterr().err
    report = json.loads((tmp_path / "noise_curve.json").read_text())
    assert report["status"] == "failed"
    assert report["n_fits_failed"] == int((errors != "").sum())


def test_a_crash_leaves_the_json_failed_not_running(tmp_path, monkeypatch):
    benchmark = load_benchmark("noise_curve")

    def crash(*args, **kwargs):
        raise MemoryError("simulated")

    import skmislabel.model_selection

    monkeypatch.setattr(skmislabel.model_selection, "noise_curve", crash)
    assert benchmark.main([*KNN_QUICK, "--out", str(tmp_path)]) == 1
    report = json.loads((tmp_path / "noise_curve.json").read_text())
    assert report["status"] == "failed" and "MemoryError: simulated" in report["error"]


@pytest.mark.cnn
def test_resume_refuses_rows_of_other_epochs_even_without_the_json(tmp_path):
    args = ["--quick", "--estimator", "cnn", "--rates", "0", "--out", str(tmp_path)]
    assert _run(*args, "--epochs", "1").returncode == 0
    (tmp_path / "noise_curve.json").unlink()
    result = _run(*args, "--epochs", "2", "--resume")
    assert result.returncode == 2 and "model setting (--epochs" in result.stderr


def test_instance_noise_types_run_and_their_options_are_part_of_the_settings(tmp_path):
    instance = ["--noise-type", "borderline", "--noise-type", "confidence", "--rates", "0", "0.2"]
    result = _run(*KNN_QUICK, *instance, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(tmp_path / "noise_curve.csv")
    assert sorted(set(frame["noise_type"])) == ["borderline", "confidence"]
    assert np.allclose(frame.groupby("noise_rate")["flip_rate"].mean(), [0.0, 0.2], atol=0.003)
    assert frame.groupby("noise_type")["config_fingerprint"].nunique().eq(1).all()
    assert frame["config_fingerprint"].nunique() == 2
    report = json.loads((tmp_path / "noise_curve.json").read_text())
    assert report["settings"]["noise_options"]["n_neighbors"] == 5
    # Another neighbourhood is another noise model: its rows are not reused.
    (tmp_path / "noise_curve.json").unlink()
    before = _snapshot(tmp_path)
    result = _run(*KNN_QUICK, *instance, "--n-neighbors", "7", "--resume", "--out", str(tmp_path))
    assert result.returncode == 2 and "model setting" in result.stderr
    assert _snapshot(tmp_path) == before
    # An option of a type that is not run changes nothing: the rows are reused.
    result = _run(*KNN_QUICK, *instance, "--pmd-type", "III", "--resume", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "noise_curve.csv"), frame)


def test_instance_noise_benchmark_records_rates_and_hardness(tmp_path):
    script = ROOT / "benchmarks" / "instance_noise.py"
    args = ["--dataset", "digits", "--seeds", "2", "--rates", "0.1", "0.3", "--out", str(tmp_path)]
    result = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(tmp_path / "instance_noise.csv")
    exact = frame[frame["sampling"] == "exact"]
    assert len(exact) == 5 * 2 * 2
    assert np.allclose(exact["flip_rate"], exact["noise_rate"], atol=0.002)
    hardness = exact.groupby("noise_type")[["true_probability_flipped", "true_probability_kept"]]
    gap = hardness.mean().diff(axis=1).iloc[:, 1]
    assert gap["confidence"] > 0.1 and gap["borderline"] > 0.05 and abs(gap["symmetric"]) < 0.03
    report = json.loads((tmp_path / "instance_noise.json").read_text())
    assert report["parameters"]["seeds"] == 2 and report["wall_time_s"] > 0
    # digits: 5 neighbours reach about 11% with Bernoulli sampling, not 30%.
    assert {
        (row["noise_type"], row["sampling"], row["noise_rate"]) for row in report["unreachable"]
    } == {("borderline", "bernoulli", 0.3)}
    # A second run does not replace the first.
    again = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_cleaners_add_models_with_the_detectors_precision_and_recall(tmp_path):
    args = [*KNN_QUICK, "--cleaner", "none", "--cleaner", "knn", "--rates", "0", "0.3"]
    result = _run(*args, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(tmp_path / "noise_curve.csv")
    assert sorted(set(frame["estimator"])) == ["knn", "knn+knn"]
    cleaned = frame[(frame["estimator"] == "knn+knn") & (frame["noise_rate"] == 0.3)]
    assert cleaned["detection_precision"].between(0.5, 1).all()
    assert cleaned["detection_recall"].between(0.3, 1).all()
    assert frame.loc[frame["estimator"] == "knn", "detection_precision"].isna().all()
    assert "precision" in result.stdout and "recall" in result.stdout
    report = json.loads((tmp_path / "noise_curve.json").read_text())
    assert report["settings"]["cleaners"] == ["none", "knn"]


def test_resume_reads_a_csv_saved_before_the_detection_columns(knn_run, tmp_path):
    _copy(knn_run, tmp_path)
    saved = pd.read_csv(tmp_path / "noise_curve.csv")
    legacy = saved.drop(columns=["detection_precision", "detection_recall"])
    legacy.to_csv(tmp_path / "noise_curve.csv", index=False, lineterminator="\n")
    result = _run(*KNN_QUICK, "--resume", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    resumed = pd.read_csv(tmp_path / "noise_curve.csv")
    columns = [*TASK, "test_score", *PROVENANCE_COLUMNS, "fit_time"]
    pd.testing.assert_frame_equal(resumed[columns], saved[columns])  # reused, not refitted
    assert resumed["detection_precision"].isna().all()
