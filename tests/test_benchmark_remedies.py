"""benchmarks/remedies.py, run as a user runs it, and in-process for failures."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmark_scripts import load_benchmark

pytest.importorskip(
    "tqdm", reason='the benchmarks need the benchmarks extra: pip install ".[benchmarks]"'
)
pytest.importorskip(
    "matplotlib", reason='the benchmarks need the benchmarks extra: pip install ".[benchmarks]"'
)
pytest.importorskip("tensorflow", reason='the remedies need the cnn extra: pip install ".[cnn]"')

pytestmark = pytest.mark.cnn

ROOT = Path(__file__).resolve().parents[1]
REMEDIES = ROOT / "benchmarks" / "remedies.py"
# 4 fits of 2 epochs on digits, 3 of them oracle-free.
SMALL = [
    "--quick",
    "--method", "gce",
    "--methods", "forward_hoc", "coteaching_estimated", "cross_entropy_early_stopped",
    "--symmetric", "0.4",
    "--pairflip",
    "--epochs", "2",
    "--n-jobs", "1",
]  # fmt: skip


def _run(*args):
    return subprocess.run(
        [sys.executable, str(REMEDIES), *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("remedies")
    result = _run(*SMALL, "--out", str(folder))
    assert result.returncode == 0, result.stderr[-2000:]
    return folder, result


def test_a_run_writes_every_epoch_the_table_the_figure_and_the_json(small_run):
    folder, result = small_run
    frame = pd.read_csv(folder / "remedies.csv")
    assert sorted(frame["method"].unique()) == [
        "coteaching_estimated",
        "cross_entropy_early_stopped",
        "forward_hoc",
        "gce",
    ]
    # The early-stopped fit has one row: the model fit returned.
    assert len(frame) == 3 * 2 + 1 and (frame["error"].isna()).all()
    epochs = frame.groupby("method")["epoch"].apply(sorted)
    assert epochs.drop("cross_entropy_early_stopped").map(lambda e: e == [1, 2]).all()
    shares = frame["memorized"] + frame["corrected"]
    assert ((shares >= 0) & (shares <= 1)).all()
    # Every method of a repeat saw the same noisy labels and the same seed.
    assert frame["noise_seed"].nunique() == 1 and frame["model_seed"].nunique() == 1
    last = frame.sort_values("epoch").groupby("method").last()
    # The error column is the relative L1 error of the saved T_hat against the
    # injector's T, and the flip rates are the estimate's and the truth's.
    benchmark = load_benchmark("remedies")
    X, y = benchmark._load("digits")[:2]
    injector = benchmark.harness.injector(
        "symmetric",
        benchmark._parse(SMALL),
        noise_rate=0.4,
        random_state=int(last.loc["forward_hoc", "noise_seed"]),
    )
    _, y_noisy = injector.fit_resample(X, y)
    for method in ("forward_hoc", "coteaching_estimated"):
        estimate = np.array(json.loads(last.loc[method, "estimated_transition_matrix"]))
        np.testing.assert_allclose(estimate.sum(axis=1), 1)
        error = np.abs(estimate - injector.transition_matrix_).sum() / 10
        assert last.loc[method, "transition_matrix_error"] == pytest.approx(error)
        assert last.loc[method, "true_flip_rate"] == pytest.approx(np.mean(y_noisy != y))
        assert 0 < last.loc[method, "estimated_flip_rate"] < 0.9
    stopped = last.loc["cross_entropy_early_stopped"]
    assert 1 <= stopped["epoch"] <= stopped["n_iter"] <= 2
    assert 0 < stopped["best_validation_score"] <= 1
    assert frame.loc[frame["method"] == "gce", "transition_matrix_error"].isna().all()
    report = json.loads((folder / "remedies.json").read_text())
    assert report["status"] == "complete" and report["wall_time_total_seconds"] > 0
    assert {row["method"] for row in report["table"]} == set(frame["method"])
    table = {row["method"]: row for row in report["table"]}
    assert table["forward_hoc"]["transition_matrix_error"] == pytest.approx(
        last.loc["forward_hoc", "transition_matrix_error"]
    )
    assert table["cross_entropy_early_stopped"]["n_iter"] == [stopped["n_iter"]]
    errors = {error["method"]: error for error in report["transition_matrix_errors"]}
    assert set(errors) == {"forward_hoc", "coteaching_estimated"}
    assert (folder / "remedies.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "remedy_map.png").read_bytes()[:4] == b"\x89PNG"
    assert "coteaching_estimated" in result.stdout and "estimated T" in result.stdout


def test_resume_reruns_a_fit_torn_by_a_killed_write(small_run, tmp_path):
    folder, _ = small_run
    lines = (folder / "remedies.csv").read_text().splitlines()
    # The last fit's last row, cut in the middle.
    (tmp_path / "remedies.csv").write_text("\n".join([*lines[:-1], lines[-1][:20]]) + "\n")
    result = _run(*SMALL, "--out", str(tmp_path), "--resume")
    assert result.returncode == 0, result.stderr[-2000:]
    # (A torn fit of several rows is also counted as torn; the early-stopped
    # fit's one row torn leaves nothing of it.)
    assert "4 fits (3 already done" in result.stdout
    resumed = pd.read_csv(tmp_path / "remedies.csv")
    original = pd.read_csv(folder / "remedies.csv")
    assert len(resumed) == len(original)
    key = ["method", "noise_type", "noise_rate", "repeat", "epoch"]
    merged = resumed.merge(original, on=key, suffixes=("", "_original"))
    pd.testing.assert_series_equal(
        merged["test_accuracy"], merged["test_accuracy_original"], check_names=False
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--epochs", "3"], "a row of other settings"),
        (["--seed", "1"], "a row of other settings"),
    ],
)
def test_resume_refuses_rows_of_other_settings(small_run, tmp_path, extra, message):
    folder, _ = small_run
    (tmp_path / "remedies.csv").write_bytes((folder / "remedies.csv").read_bytes())
    result = _run(*SMALL, *extra, "--out", str(tmp_path), "--resume")
    assert result.returncode == 2 and message in result.stderr
    assert (tmp_path / "remedies.csv").read_bytes() == (folder / "remedies.csv").read_bytes()


def test_an_existing_run_is_neither_overwritten_nor_mixed(small_run, tmp_path):
    folder, _ = small_run
    (tmp_path / "remedies.csv").write_bytes((folder / "remedies.csv").read_bytes())
    result = _run(*SMALL, "--out", str(tmp_path))
    assert result.returncode == 2 and "--resume" in result.stderr
    (tmp_path / "remedies.csv").write_text("a,b\n1,2\n")
    result = _run(*SMALL, "--out", str(tmp_path), "--resume")
    assert result.returncode == 2 and "has the columns" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--method", "gce", "--method", "gce"], "must not repeat"),
        (["--symmetric", "1.2"], "--symmetric must lie in [0, 1)"),
        (["--pairflip", "0"], "--pairflip 0"),
        (["--symmetric", "--pairflip"], "at least one rate"),
        (["--repeats", "0"], "at least 1"),
        (["--method", "mae"], "invalid choice"),
        (["--method", "clean_kdn_remove_knn"], "invalid choice 'clean_kdn_remove_knn'"),
        (["--method", "clean_cl_relabel_knn_gce"], "invalid choice"),
        (["--noise", "mnist-symmetric", "0.4"], "invalid type 'mnist-symmetric'"),
        (["--noise", "mnist-asymmetric", "0"], "clean training"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, args, message):
    result = _run("--quick", *args, "--out", str(tmp_path))
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "remedies.csv").exists()


def test_a_failed_fit_keeps_its_error_no_number_and_exits_1(tmp_path, monkeypatch):
    benchmark = load_benchmark("remedies")
    original = benchmark._estimator

    def failing(method, task, args, transition_matrix):
        if method == "gce":
            raise RuntimeError("simulated failure")
        return original(method, task, args, transition_matrix)

    monkeypatch.setattr(benchmark, "_estimator", failing)
    status = benchmark.main([*SMALL, "--out", str(tmp_path)])
    assert status == 1
    frame = pd.read_csv(tmp_path / "remedies.csv")
    failed = frame[frame["method"] == "gce"]
    assert len(failed) == 1 and failed["error"].iloc[0] == "RuntimeError: simulated failure"
    assert failed["test_accuracy"].isna().all()
    report = json.loads((tmp_path / "remedies.json").read_text())
    assert report["status"] == "failed" and report["failed"] == ["gce symmetric 0.4 repeat 0"]
    assert "gce" not in {row["method"] for row in report["table"]}


def test_a_resumed_run_reads_back_the_nan_shares_of_clean_labels(tmp_path):
    # At rate 0 nothing is flipped: the memorized share is NaN in the CSV.
    args = ["--quick", "--method", "gce", "--symmetric", "0", "--pairflip", "--epochs", "1"]
    args += ["--n-jobs", "1", "--out", str(tmp_path)]
    assert _run(*args).returncode == 0
    result = _run(*args, "--resume")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "1 fits (1 already done)" in result.stdout
    report = json.loads((tmp_path / "remedies.json").read_text())
    (row,) = report["table"]
    assert row["memorized"] is None and row["last"] > 0


# --------------------------------------------------------------------------
# Cleaning as a remedy, and Patrini's MNIST noise (issue 21)
# --------------------------------------------------------------------------
def test_cleaning_rows_train_the_cnn_on_what_each_cleaner_returns(tmp_path, monkeypatch):
    pytest.importorskip("cleanlab", reason="ConfidentLearningCleaner needs the cleaning extra")
    from skmislabel import CNNClassifier

    benchmark = load_benchmark("remedies")
    # The cleaners' CNN, 1 epoch: the same code path in a few seconds.
    monkeypatch.setattr(
        benchmark._data,
        "cleaning_cnn",
        lambda random_state, tf_threads=None: CNNClassifier(
            epochs=1, random_state=random_state, tf_threads=tf_threads
        ),
    )
    argv = ["--quick", "--methods", "clean_cl_remove_cnn", "clean_kdn_relabel_sce"]
    argv += ["--symmetric", "--pairflip", "--noise", "mnist-asymmetric", "0.4"]
    argv += ["--epochs", "2", "--batch-size", "32", "--n-jobs", "1", "--out", str(tmp_path)]
    assert benchmark.main(argv) == 0
    frame = pd.read_csv(tmp_path / "remedies.csv")
    assert len(frame) == 2 * 2 and frame["error"].isna().all()
    frame = frame[frame["epoch"] == 2].set_index("method")  # what the cleaner did
    assert set(frame.index) == {"clean_cl_remove_cnn", "clean_kdn_relabel_sce"}
    assert (frame["noise_type"] == "mnist-asymmetric").all()
    for method in frame.index:
        row = frame.loc[method]
        assert 0.3 < row["test_accuracy"] <= 1 and 0 < row["cleaning_time"] < row["fit_time"]
        # Patrini's noise flips 40% of the 2s, 3s, 5s, 6s and 7s: about 20%.
        assert row["n_suspects"] > 0 and 0 <= row["wrong_label_share"] < 0.2
    assert (
        frame.loc["clean_cl_remove_cnn", "n_removed"]
        == frame.loc["clean_cl_remove_cnn", "n_suspects"]
    )
    assert frame.loc["clean_kdn_relabel_sce", "n_removed"] == 0
    report = json.loads((tmp_path / "remedies.json").read_text())
    assert report["remedy_table"]["conditions"] == ["mnist-asymmetric 0.4"]
    assert (tmp_path / "remedies.png").read_bytes()[:4] == b"\x89PNG"


def test_a_cleaning_row_cleans_as_the_pipelines_cleaner_step():
    pytest.importorskip("cleanlab", reason="ConfidentLearningCleaner needs the cleaning extra")
    from skmislabel import CNNClassifier, make_pipeline

    benchmark = load_benchmark("remedies")
    args = benchmark._parse(["--quick", "--symmetric", "0.4", "--pairflip"])
    X, y = benchmark._load("digits")[:2]
    for method in ("clean_cl_remove_knn_sce", "clean_kdn_relabel_sce"):
        (task,) = [task for task in benchmark._tasks(args) if task["method"] == method]
        injector = benchmark.harness.injector(
            "symmetric", args, noise_rate=0.4, random_state=task["noise_seed"]
        )
        _, y_noisy = injector.fit_resample(X, y)
        cleaner, X_cleaned, y_cleaned = benchmark.clean(method, task, args, X, y_noisy)
        pipeline = make_pipeline(
            benchmark.harness.injector(
                "symmetric", args, noise_rate=0.4, random_state=task["noise_seed"]
            ),
            benchmark._cleaner(method, task, args),
            CNNClassifier(loss="sce", epochs=1, random_state=task["model_seed"]),
        ).fit(X, y)
        step = pipeline[1]
        np.testing.assert_array_equal(step.suspect_mask_, cleaner.suspect_mask_)
        np.testing.assert_array_equal(step.sample_indices_, cleaner.sample_indices_)
        X_piped, y_piped = pipeline[:-1].fit_resample(X, y)
        np.testing.assert_array_equal(X_piped, X_cleaned)
        np.testing.assert_array_equal(y_piped, y_cleaned)
        assert len(y_piped) < len(y) if "remove" in method else (y_piped != y_noisy).any()
