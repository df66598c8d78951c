"""benchmarks/_harness.py and the two sweeps built on it: the files a run
writes, the flags it refuses, and the saved rows it does not trust.

The scripts are run in-process through their ``main`` (knn on digits, and
remedies.py with a linear model in place of the CNN): these tests are about
files and flags, not about the networks.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmark_scripts import exit_status, load_benchmark

BENCHMARKS_EXTRA = 'the benchmarks need the benchmarks extra: pip install ".[benchmarks]"'
pytest.importorskip("tqdm", reason=BENCHMARKS_EXTRA)
pytest.importorskip("matplotlib", reason=BENCHMARKS_EXTRA)

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
KNN_QUICK = ["--quick", "--estimator", "knn"]
# remedies.py: 4 fits of 2 epochs on digits.
REMEDIES_SMALL = [
    "--quick",
    "--method", "gce",
    "--method", "forward_hoc",
    "--symmetric", "0.4",
    "--pairflip", "0.3",
    "--epochs", "2",
    "--n-jobs", "1",
]  # fmt: skip


@pytest.fixture(scope="module")
def noise_curve():
    return load_benchmark("noise_curve")


def _stand_in(method, task, args, transition_matrix):
    """A linear model trained epoch by epoch in place of each method's
    network; as an oracle-free remedy, it reports the identity as its
    estimate of T (the error column is then the identity's)."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.utils import Bunch

    class EstimatingSGD(SGDClassifier):
        def partial_fit(self, X, y, classes=None, sample_weight=None):
            super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)
            self.transition_matrix_ = np.eye(len(self.classes_))
            self.noise_estimate_ = Bunch(transition_matrix=self.transition_matrix_, flip_rate=0.0)
            self.forget_rate_ = 0.0
            return self

        def fit(self, X, y, sample_weight=None):
            # As an early-stopped network: the weights of its second epoch.
            super().fit(X, y, sample_weight=sample_weight)
            self.validation_scores_, self.best_validation_score_ = [0.5, 0.75], 0.75
            self.n_iter_ = 2
            return self

    return EstimatingSGD(loss="log_loss", random_state=task["model_seed"])


@pytest.fixture
def remedies(monkeypatch):
    """remedies.py with a linear model in place of each method's network: the
    same files, rows and resume rules, in seconds."""
    module = load_benchmark("remedies")
    monkeypatch.setattr(module, "_estimator", _stand_in)
    return module


@pytest.fixture(scope="module")
def knn_run(tmp_path_factory, noise_curve):
    folder = tmp_path_factory.mktemp("knn_run")
    assert noise_curve.main([*KNN_QUICK, "--out", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def remedies_run(tmp_path_factory):
    module = load_benchmark("remedies")
    module._estimator = _stand_in
    folder = tmp_path_factory.mktemp("remedies_run")
    assert module.main([*REMEDIES_SMALL, "--out", str(folder)]) == 0
    return folder


def _edit(path, line, column, value):
    """Set one cell of a CSV (line 1 is the header) as a hand edit would."""
    import csv
    import io

    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    (fields,) = csv.reader([lines[line - 1]])  # a quoted T holds commas
    fields[header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    lines[line - 1] = buffer.getvalue()
    path.write_text("\n".join(lines) + "\n")


def _strict_json(path):
    def refuse(constant):
        raise ValueError(f"{path} holds {constant}: not strict JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


# --------------------------------------------------------------------------
# Links planted in --out (item 2)
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, refused",
    [
        ("noise_curve.csv", True),
        ("noise_curve.json", True),
        ("noise_curve.png", True),
        ("noise_curve.lock", True),
        # The temporary names of earlier versions: now mkstemp's own names.
        ("noise_curve.csv.part", False),
        ("noise_curve.json.part", False),
    ],
)
def test_noise_curve_never_writes_through_a_planted_link(
    noise_curve, tmp_path, capsys, name, refused
):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(outside)
    status = noise_curve.main([*KNN_QUICK, "--rates", "0", "--out", str(out), "--overwrite"])
    assert outside.read_text() == "not yours"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "outside.txt"]
    if refused:
        err = capsys.readouterr().err
        assert status == 2 and name in err and "symbolic link" in err, err
    else:
        assert status == 0
        assert (out / name).is_symlink() and (out / "noise_curve.csv").is_file()
        assert not (out / "noise_curve.csv").is_symlink()


@pytest.mark.parametrize(
    "name, refused",
    [
        ("remedies.csv", True),
        ("remedies.json", True),
        ("remedies.png", True),
        ("memorization.png", True),
        ("remedy_map.png", True),
        ("remedies.lock", True),
        ("remedies.tmp", False),
        ("remedies.json.tmp", False),
    ],
)
def test_remedies_never_writes_through_a_planted_link(remedies, tmp_path, capsys, name, refused):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(outside)
    args = ["--quick", "--method", "gce", "--symmetric", "0", "--pairflip", "--epochs", "1"]
    status = remedies.main([*args, "--n-jobs", "1", "--out", str(out), "--overwrite"])
    assert outside.read_text() == "not yours"
    if refused:
        err = capsys.readouterr().err
        assert status == 2 and name in err and "symbolic link" in err, err
    else:
        assert status == 0 and (out / name).is_symlink()


def test_a_results_file_swapped_for_a_link_mid_run_is_not_appended_through(tmp_path):
    harness = load_benchmark("_harness")
    outside = tmp_path / "outside.csv"
    outside.write_text("not yours\n")
    out = tmp_path / "out"
    with harness.OutputFolder(out, "run", ("run.csv",)) as folder:
        results = harness.ResultsCsv(folder, "run.csv", ["a"], {"a": harness.text})
        results.rewrite([{"a": "1"}])
        (out / "run.csv").unlink()
        (out / "run.csv").symlink_to(outside)
        with pytest.raises(harness.Refused, match="cannot append"):
            results.append([{"a": "2"}])
    assert outside.read_text() == "not yours\n"


def test_a_saved_cell_holding_a_newline_reads_back_whole_and_lines_are_counted(tmp_path):
    # Error messages span lines; the reader used to split the file on
    # newlines first, losing them and miscounting the lines after.
    harness = load_benchmark("_harness")
    with harness.OutputFolder(tmp_path / "out", "run", ("run.csv",)) as folder:
        parsers = {"error": harness.text, "score": harness.finite_number}
        results = harness.ResultsCsv(folder, "run.csv", ["error", "score"], parsers)
        results.rewrite([{"error": "ValueError: one\ntwo, three", "score": 0.5}])
        results.append([{"error": "", "score": 0.25}])
        rows = results.read()
        assert [row["error"] for row in rows] == ["ValueError: one\ntwo, three", ""]
        assert [row["_line"] for row in rows] == [2, 4]
        results.append([{"error": "", "score": "high"}])
        with pytest.raises(harness.Refused, match="line 5, column score"):
            results.read()


def test_files_are_written_with_the_users_umask_and_no_temporary_is_left(knn_run):
    names = sorted(path.name for path in knn_run.iterdir())
    assert names == [
        "noise_curve.csv",
        "noise_curve.json",
        "noise_curve.lock",
        "noise_curve.png",
    ]
    mask = os.umask(0o022)
    os.umask(mask)
    assert (knn_run / "noise_curve.csv").stat().st_mode & 0o777 == 0o666 & ~mask


# --------------------------------------------------------------------------
# Flags checked before anything is written (items 2 and 5)
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, flag",
    [
        (["--rates", "0.2", "0.20000000000001"], "--rates"),
        (["--rates", "0", "nan"], "--rates"),
        (["--flip-rate-std", "inf"], "--flip-rate-std"),
        (["--flip-rate-std", "nan"], "--flip-rate-std"),
        (["--n-neighbors", "100000"], "--n-neighbors"),
        (["--out", ""], "--out"),
        (["--seed", str(2**32)], "--seed"),
    ],
    ids=["near-duplicate-rates", "nan-rate", "inf-std", "nan-std", "neighbours", "out", "seed"],
)
def test_noise_curve_refuses_a_bad_flag_in_one_line_and_writes_nothing(
    noise_curve, tmp_path, monkeypatch, capsys, args, flag
):
    monkeypatch.chdir(tmp_path)  # --out '' must not mean here
    status = exit_status(noise_curve.main, [*KNN_QUICK, "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err and flag in err.strip().splitlines()[-1], err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--symmetric", "0.2", "0.20000000000001"], "--symmetric"),
        (["--pairflip", "0.3", "inf"], "--pairflip"),
        (["--out", ""], "--out"),
    ],
    ids=["near-duplicate-rates", "inf-rate", "out"],
)
def test_remedies_refuses_a_bad_flag_in_one_line_and_writes_nothing(
    remedies, tmp_path, monkeypatch, capsys, args, flag
):
    monkeypatch.chdir(tmp_path)
    status = exit_status(remedies.main, ["--quick", "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert status == 2 and flag in err.strip().splitlines()[-1], err
    assert list(tmp_path.iterdir()) == []


def test_both_sweeps_take_one_seed_range(noise_curve, remedies):
    # remedies.py used to stop at 2**31.
    for module in (noise_curve, remedies):
        assert module._parse(["--quick", "--seed", str(2**32 - 1)]).seed == 2**32 - 1


@pytest.mark.parametrize("script", ["noise_curve", "remedies"])
def test_tqdm_missing_is_exit_2_in_both_sweeps(script, tmp_path, monkeypatch, capsys):
    module = load_benchmark(script)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    args = KNN_QUICK if script == "noise_curve" else ["--quick"]
    assert module.main([*args, "--out", str(tmp_path / "out")]) == 2
    assert "tqdm" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_remedies_refuses_a_json_or_figure_left_without_its_csv(remedies, tmp_path, capsys):
    (tmp_path / "remedies.json").write_text('{"status": "complete"}\n')
    (tmp_path / "memorization.png").write_bytes(b"\x89PNG earlier")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert remedies.main([*REMEDIES_SMALL, "--out", str(tmp_path)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    after = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert after == {**before, "remedies.lock": b""}


# --------------------------------------------------------------------------
# Resume refuses what it cannot trust (item 3)
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "column, value",
    [
        ("test_score", "high"),
        ("noise_seed", "abc"),
        ("repeat", "0.7"),
        ("model_seed", "inf"),
        ("noise_rate", "nan"),
        ("estimator", ""),
        ("fold", "-1"),
    ],
)
def test_noise_curve_resume_names_the_cell_it_cannot_read(
    noise_curve, knn_run, tmp_path, capsys, column, value
):
    csv_path = tmp_path / "noise_curve.csv"
    csv_path.write_bytes((knn_run / "noise_curve.csv").read_bytes())
    _edit(csv_path, 3, column, value)
    edited = csv_path.read_bytes()
    assert noise_curve.main([*KNN_QUICK, "--out", str(tmp_path), "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"{csv_path} line 3, column {column}" in err and "Traceback" not in err, err
    assert csv_path.read_bytes() == edited and not (tmp_path / "noise_curve.json").exists()


def test_noise_curve_resume_refuses_two_scores_for_one_fit(noise_curve, knn_run, tmp_path, capsys):
    csv_path = tmp_path / "noise_curve.csv"
    lines = (knn_run / "noise_curve.csv").read_text().splitlines()
    header = lines[0].split(",")
    copy = lines[2].split(",")
    copy[header.index("test_score")] = "0.5"
    csv_path.write_text("\n".join([*lines, ",".join(copy)]) + "\n")
    edited = csv_path.read_bytes()
    assert noise_curve.main([*KNN_QUICK, "--out", str(tmp_path), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "lines 3 and 11 hold two different results for one fit" in err, err
    assert "estimator=knn, noise_type=symmetric, noise_rate=0.0, repeat=0, fold=1" in err
    assert csv_path.read_bytes() == edited
    # The same row saved twice is one fit: resumed, written once.
    csv_path.write_text("\n".join([*lines, lines[2]]) + "\n")
    assert noise_curve.main([*KNN_QUICK, "--out", str(tmp_path), "--resume"]) == 0
    assert csv_path.read_text() == (knn_run / "noise_curve.csv").read_text()


def test_remedies_run_and_resume(remedies, remedies_run, tmp_path, capsys):
    frame = pd.read_csv(remedies_run / "remedies.csv")
    assert len(frame) == 2 * 2 * 2  # gce, forward_hoc; 2 noises, 2 epochs
    assert frame["error"].isna().all()
    (tmp_path / "remedies.csv").write_bytes((remedies_run / "remedies.csv").read_bytes())
    assert remedies.main([*REMEDIES_SMALL, "--out", str(tmp_path), "--resume"]) == 0
    assert "4 fits (4 already done)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "remedies.csv"), frame)


def _remedies_line(path, method, epoch):
    frame = pd.read_csv(path)
    index = frame.index[(frame["method"] == method) & (frame["epoch"] == epoch)][0]
    return int(index) + 2


@pytest.mark.parametrize(
    "method, column, value",
    [
        ("gce", "test_accuracy", "high"),
        ("gce", "noise_seed", "x"),
        ("gce", "repeat", "0.7"),
        ("gce", "model_seed", "inf"),
        ("gce", "noise_rate", "nan"),
        ("forward_hoc", "estimated_transition_matrix", '"[[1.0, 0.0]"'),
        ("forward_hoc", "estimated_transition_matrix", '"[[1.0, 0.0], [0.0]]"'),
        ("forward_hoc", "transition_matrix_error", "small"),
    ],
    ids=[
        "score",
        "seed-text",
        "repeat-fraction",
        "seed-inf",
        "rate-nan",
        "T-json",
        "T-shape",
        "T-error-text",
    ],
)
def test_remedies_resume_names_the_cell_it_cannot_read(
    remedies, remedies_run, tmp_path, capsys, method, column, value
):
    csv_path = tmp_path / "remedies.csv"
    csv_path.write_bytes((remedies_run / "remedies.csv").read_bytes())
    line = _remedies_line(csv_path, method, 2)
    if column == "estimated_transition_matrix":
        lines = csv_path.read_text().splitlines()
        start = lines[line - 1].index('"[[')
        end = lines[line - 1].index(']]"') + 3
        lines[line - 1] = lines[line - 1][:start] + value + lines[line - 1][end:]
        csv_path.write_text("\n".join(lines) + "\n")
    else:
        _edit(csv_path, line, column, value)
    edited = csv_path.read_bytes()
    assert remedies.main([*REMEDIES_SMALL, "--out", str(tmp_path), "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"{csv_path} line {line}, column {column}" in err and "Traceback" not in err, err
    assert csv_path.read_bytes() == edited and not (tmp_path / "remedies.json").exists()


@pytest.mark.parametrize("column, value", [("test_accuracy", ""), ("clean_accuracy", "nan")])
def test_remedies_resume_runs_again_a_fit_with_a_blank_score(
    remedies, remedies_run, tmp_path, capsys, column, value
):
    # A blanked score used to count as a finished fit, summarised as NaN.
    csv_path = tmp_path / "remedies.csv"
    csv_path.write_bytes((remedies_run / "remedies.csv").read_bytes())
    _edit(csv_path, _remedies_line(csv_path, "gce", 2), column, value)
    assert remedies.main([*REMEDIES_SMALL, "--out", str(tmp_path), "--resume"]) == 0
    assert "| 1/1 [" in capsys.readouterr().err  # the progress bar: one fit, run again
    rows = pd.read_csv(csv_path)
    measured = rows[rows["error"].isna()]
    assert measured["test_accuracy"].notna().all() and measured["clean_accuracy"].notna().all()
    assert len(rows) == len(pd.read_csv(remedies_run / "remedies.csv"))


def test_remedies_resume_refuses_two_scores_for_one_fit(remedies, remedies_run, tmp_path, capsys):
    csv_path = tmp_path / "remedies.csv"
    lines = (remedies_run / "remedies.csv").read_text().splitlines()
    header = lines[0].split(",")
    line = _remedies_line(remedies_run / "remedies.csv", "gce", 1)
    copy = lines[line - 1].split(",")
    copy[header.index("test_accuracy")] = "0.01"
    csv_path.write_text("\n".join([*lines, ",".join(copy)]) + "\n")
    assert remedies.main([*REMEDIES_SMALL, "--out", str(tmp_path), "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"lines {line} and {len(lines) + 1} hold two different results for one fit" in err
    assert "method=gce" in err and "epoch=1" in err


# --------------------------------------------------------------------------
# One report schema, strict JSON (item 1)
# --------------------------------------------------------------------------
def test_both_reports_share_one_strict_schema(noise_curve, remedies_run, tmp_path, monkeypatch):
    from sklearn.exceptions import FitFailedWarning
    from sklearn.neighbors import KNeighborsClassifier

    class Flaky(KNeighborsClassifier):
        # Fails at some rates: the summary's means are NaN there.
        def fit(self, X, y):
            if int(np.sum(y)) % 2:
                raise RuntimeError("odd label sum")
            return super().fit(X, y)

    monkeypatch.setattr(noise_curve, "_estimator", lambda name, args: Flaky())
    with pytest.warns(FitFailedWarning):
        assert noise_curve.main([*KNN_QUICK, "--out", str(tmp_path)]) == 1
    curve = _strict_json(tmp_path / "noise_curve.json")
    remedy = _strict_json(remedies_run / "remedies.json")
    shared = {
        "benchmark",
        "status",
        "settings",
        "versions",
        "machine",
        "started",
        "wall_time_seconds",
        "wall_time_total_seconds",
        "n_fits_total",
        "n_fits_run",
        "n_fits_reused",
        "n_fits_failed",
    }
    assert shared <= set(curve) and shared <= set(remedy)
    assert curve["status"] == "failed" and remedy["status"] == "complete"
    for report in (curve, remedy):
        assert set(report["machine"]) == {"platform", "cpu_model", "cpu_count", "available_cores"}
        assert report["versions"]["skmislabel"] and report["wall_time_seconds"] >= 0


def test_committed_runs_stay_readable(noise_curve, remedies):
    harness = load_benchmark("_harness")
    from skmislabel.model_selection import DETECTION_COLUMNS, RESULT_COLUMNS

    images = ROOT / "docs" / "images"
    folder = harness.OutputFolder(images, "none", ())
    for name in ("noise_curve.csv", "cleaning_curve.csv", "instance_noise_curve.csv"):
        rows = harness.ResultsCsv(
            folder, name, RESULT_COLUMNS, noise_curve._parsers(), legacy_columns=DETECTION_COLUMNS
        ).read()
        assert len(rows) == len(pd.read_csv(images / name))
    rows = harness.ResultsCsv(
        folder,
        "remedies.csv",
        remedies.COLUMNS,
        remedies.PARSERS,
        legacy_columns=remedies.LEGACY_COLUMNS,
    ).read()
    assert len(rows) == len(pd.read_csv(images / "remedies.csv"))


# --------------------------------------------------------------------------
# The front door (item 6)
# --------------------------------------------------------------------------
@pytest.mark.cnn
def test_no_tensorflow_start_up_noise_unless_verbose(tmp_path):
    pytest.importorskip("tensorflow", reason="the remedies need the cnn extra")
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    args = ["--quick", "--method", "gce", "--symmetric", "0", "--pairflip", "--epochs", "1"]
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "remedies.py"), *args, "--n-jobs", "1"]
        + ["--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # What is left on stderr is the progress bar.
    lines = [line for line in result.stderr.replace("\r", "\n").splitlines() if line.strip()]
    assert all(line.startswith("remedies:") for line in lines), lines


# --------------------------------------------------------------------------
# remedies.py: every noise type of noise_curve.py (issue 21), the record kept
# --------------------------------------------------------------------------
def test_remedies_runs_any_noise_type_with_its_options_in_its_rows(remedies, tmp_path, capsys):
    args = ["--quick", "--method", "gce", "--symmetric", "0.3", "--pairflip"]
    args += ["--noise", "confidence", "0.3", "--noise-cv", "2", "--epochs", "1", "--n-jobs", "1"]
    assert remedies.main([*args, "--out", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "remedies.csv")
    assert sorted(set(frame["noise_type"])) == ["confidence", "symmetric"]
    settings = frame.groupby("noise_type")["settings"].first()
    assert settings["confidence"] != settings["symmetric"]
    flipped = frame.set_index("noise_type")["n_flipped"]
    assert flipped["confidence"] == flipped["symmetric"] == round(0.3 * 1200)
    # Another option of the confidence noise is another noise model: refused.
    assert remedies.main([*args, "--noise-cv", "3", "--out", str(tmp_path), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "other settings" in err and "noise options" in err


def test_the_remedies_run_on_record_keeps_its_settings_and_seeds(remedies):
    # Every row of the record is one that this code would resume: its
    # settings and seeds are this code's, whichever run (with whichever
    # --noise) wrote it. The retired forward_estimated rows are history:
    # kept, with the seeds of their noise and repeat.
    record = pd.read_csv(ROOT / "docs" / "images" / "remedies.csv")
    report = json.loads((ROOT / "docs" / "images" / "remedies.json").read_text())
    repeats = str(report["settings"]["repeats"])
    saved = {}
    for (noise_type, rate), rows in record.groupby(["noise_type", "noise_rate"]):
        args = remedies._parse(["--repeats", repeats, "--noise", noise_type, str(rate)])
        tasks = {remedies._task_key(task): task for task in remedies._tasks(args)}
        for method in remedies.RETIRED_METHODS:
            tasks.update(
                {(method, *k[1:]): task for k, task in tasks.items() if k[0] == "cross_entropy"}
            )
        for _, row in rows.iterrows():
            task = tasks[remedies._task_key(row)]
            assert row["settings"] == remedies._settings(args, noise_type)
            seeds = (row["noise_seed"], row["model_seed"])
            assert seeds == (task["noise_seed"], task["model_seed"])
            saved[remedies._task_key(row)] = row
    # The default grid's oracle rows and robust losses of the first record are
    # all there; the later methods cover the conditions of issue 21's run.
    default = remedies._tasks(remedies._parse(["--repeats", repeats]))
    first = ("cross_entropy", "label_smoothing", "bootstrap_soft", "bootstrap_hard", "gce")
    first += ("sce", "nce_rce", *remedies.ORACLE_METHODS)
    assert {remedies._task_key(task) for task in default if task["method"] in first} <= set(saved)
    realistic = [("symmetric", 0.8), ("pairflip", 0.45)]
    realistic += [(noise_type, 0.4) for noise_type in ("confidence", "pmd", "part_dependent")]
    issue_21 = ("cross_entropy", "elr", *remedies.COTEACHING_VARIANTS)
    issue_21 += ("clean_cl_remove_cnn_sce", "clean_aum_remove_sce", "clean_aum_remove_elr")
    for method in issue_21:
        for noise_type, rate in realistic:
            for repeat in range(int(repeats)):
                assert (method, noise_type, rate, repeat) in saved
                row = saved[(method, noise_type, rate, repeat)]
                assert pd.isna(row["error"]) and 0 < row["test_accuracy"] <= 1


def test_remedies_interrupted_keeps_its_finished_fits_and_resumes(remedies, tmp_path, monkeypatch):
    fitted = remedies._estimator
    calls = []

    def interrupted_at_the_second_fit(method, task, args, transition_matrix):
        calls.append(method)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return fitted(method, task, args, transition_matrix)

    monkeypatch.setattr(remedies, "_estimator", interrupted_at_the_second_fit)
    assert remedies.main([*REMEDIES_SMALL, "--out", str(tmp_path)]) == 130
    report = _strict_json(tmp_path / "remedies.json")
    assert report["status"] == "interrupted"
    assert len(pd.read_csv(tmp_path / "remedies.csv")) == 2  # the first fit's 2 epochs
    monkeypatch.setattr(remedies, "_estimator", fitted)
    assert remedies.main([*REMEDIES_SMALL, "--out", str(tmp_path), "--resume"]) == 0
    assert len(pd.read_csv(tmp_path / "remedies.csv")) == 4 * 2


@pytest.mark.cnn  # the dask workers import TensorFlow quietly before the first fit
def test_remedies_runs_its_fits_on_dask(remedies_run, tmp_path):
    pytest.importorskip("dask.distributed", reason="--backend dask needs dask[distributed]")
    pytest.importorskip("tensorflow", reason="the remedies need the cnn extra")
    module = load_benchmark("remedies")
    module._estimator = _stand_in
    args = [*REMEDIES_SMALL[:-2], "--backend", "dask", "--n-jobs", "1"]
    assert module.main([*args, "--out", str(tmp_path)]) == 0
    # The same fits as in this process: the numbers do not depend on the backend.
    key = ["method", "noise_type", "noise_rate", "repeat", "epoch"]

    def rows(folder):
        frame = pd.read_csv(folder / "remedies.csv").drop(columns="fit_time")
        return frame.sort_values(key).reset_index(drop=True)

    pd.testing.assert_frame_equal(rows(tmp_path), rows(remedies_run))


def test_a_one_report_script_takes_out_as_a_folder_and_never_replaces_unasked(tmp_path, capsys):
    # The convention of cnn_speed, cnn_memory, curve_speed, nested_noise,
    # noise_speed and sweep_memory: OUT/<name>.json, --overwrite to replace it.
    import argparse

    harness = load_benchmark("_harness")
    parser = argparse.ArgumentParser(prog="speed.py")
    harness.add_report_arguments(parser, "speed")
    args = parser.parse_args(["--out", str(tmp_path / "out")])
    harness.claim_report(parser, args, "speed")
    harness.save_report(args, "speed", {"seconds": float("nan")})
    assert _strict_json(tmp_path / "out" / "speed.json") == {"seconds": None}
    again = parser.parse_args(["--out", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as refused:
        harness.claim_report(parser, again, "speed")
    assert refused.value.code == 2 and "--overwrite" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        harness.claim_report(parser, parser.parse_args(["--out", ""]), "speed")
    assert "--out must name a folder" in capsys.readouterr().err


# --------------------------------------------------------------------------
# remedies.py: oracle-free rows beside the record's (issue 20 item 4)
# --------------------------------------------------------------------------
def _as_before_the_oracle_free_rows(path, remedies):
    """The CSV as the version before the run on record wrote it: without the
    oracle-free and cleaning columns, with forward_estimated rows (here
    gce's, renamed) and the anchor estimate on the cross-entropy fit's last
    row."""
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    frame = frame.drop(columns=[column for group in remedies.LEGACY_COLUMNS for column in group])
    retired = frame[frame["method"] == "gce"].assign(method="forward_estimated")
    frame = pd.concat([frame, retired], ignore_index=True)
    last = (frame["method"] == "cross_entropy") & (frame["epoch"] == "2")
    frame.loc[last, "estimated_transition_matrix"] = json.dumps(np.eye(10).tolist())
    frame.to_csv(path, index=False)
    return frame


def test_remedies_resume_with_some_methods_keeps_every_old_row_and_says_what_they_were(
    remedies, tmp_path, capsys
):
    args = ["--quick", "--symmetric", "0.4", "--pairflip", "--epochs", "2", "--n-jobs", "1"]
    out = ["--out", str(tmp_path)]
    assert remedies.main([*args, "--methods", "gce", "cross_entropy", *out]) == 0
    old = _as_before_the_oracle_free_rows(tmp_path / "remedies.csv", remedies)
    capsys.readouterr()
    # Only the new fits run; the old rows are neither refitted nor dropped.
    assert remedies.main([*args, "--methods", "forward_hoc", *out, "--resume"]) == 0
    printed = capsys.readouterr().out
    assert "1 fits (0 already done)" in printed and "forward_estimated: retired" in printed
    frame = pd.read_csv(tmp_path / "remedies.csv", keep_default_na=False, dtype=str)
    assert list(frame.columns) == list(remedies.COLUMNS)
    kept = frame[frame["method"] != "forward_hoc"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept[old.columns], old)
    added = [column for group in remedies.LEGACY_COLUMNS for column in group]
    assert (kept[added] == "").all().all()
    assert len(frame[frame["method"] == "forward_hoc"]) == 2
    report = _strict_json(tmp_path / "remedies.json")
    table = {row["method"]: row for row in report["table"]}
    assert set(table) == {"gce", "cross_entropy", "forward_estimated", "forward_hoc"}
    assert table["forward_estimated"]["note"].startswith("retired")
    assert "note" not in table["forward_hoc"] and "note" not in table["gce"]
    # The stand-in's T_hat is the identity: 2 * 0.4 of 10 rows off, over 10.
    assert table["forward_hoc"]["transition_matrix_error"] == pytest.approx(0.8, abs=1e-3)
    errors = {error["method"]: error for error in report["transition_matrix_errors"]}
    assert "retired forward_estimated" in errors["cross_entropy"]["estimate"]
    assert errors["forward_hoc"]["relative_l1_error"] == pytest.approx(0.8, abs=1e-3)
    assert set(report["retired_methods"]) == {"forward_estimated"}
    assert (report["n_fits_total"], report["n_fits_summarised"]) == (1, 4)
    # Resumed again with every method of the CSV: nothing left to run.
    methods = ["--methods", "gce", "cross_entropy", "forward_hoc"]
    assert remedies.main([*args, *methods, *out, "--resume"]) == 0
    assert "3 fits (3 already done)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "methods, message",
    [
        (["forward_estimated"], "--method forward_estimated is no longer run"),
        (["gce", "forward_bogus"], "invalid choice 'forward_bogus'"),
        (["forward_hoc", "forward_hoc"], "must not repeat"),
    ],
)
def test_remedies_refuses_bad_methods_before_writing(remedies, tmp_path, capsys, methods, message):
    (tmp_path / "remedies.csv").write_text("kept as it is\n")
    argv = ["--quick", "--methods", *methods, "--out", str(tmp_path), "--resume"]
    assert exit_status(remedies.main, argv) == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "remedies.csv").read_text() == "kept as it is\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["remedies.csv"]


def test_remedies_early_stopped_fit_is_one_row_and_a_bad_one_runs_again(remedies, tmp_path, capsys):
    args = ["--quick", "--methods", "cross_entropy_early_stopped", "--symmetric", "0.4"]
    args += ["--pairflip", "--epochs", "2", "--n-jobs", "1", "--out", str(tmp_path)]
    assert remedies.main(args) == 0
    frame = pd.read_csv(tmp_path / "remedies.csv")
    assert len(frame) == 1
    assert (frame["epoch"].iloc[0], frame["n_iter"].iloc[0]) == (2, 2)
    assert frame["best_validation_score"].iloc[0] == 0.75
    assert remedies.main([*args, "--resume"]) == 0
    assert "1 fits (1 already done)" in capsys.readouterr().out
    # A row past its own n_iter, or trained longer than --epochs, is not a
    # fit of this run: it runs again.
    for column, value in (("epoch", "3"), ("n_iter", "3")):
        _edit(tmp_path / "remedies.csv", 2, column, value)
        assert remedies.main([*args, "--resume"]) == 0
        assert "(0 already done, 1 torn or failed run again)" in capsys.readouterr().out
        rerun = pd.read_csv(tmp_path / "remedies.csv")
        pd.testing.assert_frame_equal(
            rerun.drop(columns="fit_time"), frame.drop(columns="fit_time")
        )


# --------------------------------------------------------------------------
# remedies.py: the mnist-asymmetric preset and the cleaning rows (issue 21)
# --------------------------------------------------------------------------
def _patrini_mnist_matrix(rate):
    """The MNIST noise of Patrini et al. (2017), as their reference code
    (giorgiop/loss-correction, noise.py) builds it."""
    matrix = np.eye(10)
    for true, noisy in ((7, 1), (2, 7), (5, 6), (6, 5), (3, 8)):
        matrix[true, true], matrix[true, noisy] = 1 - rate, rate
    return matrix


@pytest.mark.parametrize("rate", [0.2, 0.4])
def test_the_mnist_asymmetric_preset_is_patrinis_matrix(remedies, rate):
    X, y = remedies._load("digits")[:2]
    args = remedies._parse(["--quick", "--noise", "mnist-asymmetric", str(rate)])
    for seed in range(3):
        injector = remedies.harness.injector(
            "mnist-asymmetric", args, noise_rate=rate, random_state=seed
        )
        _, y_noisy = injector.fit_resample(X, y)
        # Exact sampling: floor or ceil of rate * n_k flips in class k, so
        # each row is the requested one up to one sample of its class.
        one_sample = 1 / np.bincount(y)[:, None]
        difference = np.abs(injector.transition_matrix_ - _patrini_mnist_matrix(rate))
        assert (difference <= one_sample).all()
        flipped = y_noisy != y
        assert set(y[flipped]) == {2, 3, 5, 6, 7}
        targets = np.array([{2: 7, 3: 8, 5: 6, 6: 5, 7: 1}[true] for true in y[flipped]])
        np.testing.assert_array_equal(y_noisy[flipped], targets)
    # Its rows' settings name its flips; the other types' are as they were.
    assert remedies._settings(args, "mnist-asymmetric") != remedies._settings(args, "symmetric")
    assert remedies._settings(args, "symmetric") == remedies._settings(args)


def test_remedies_refuses_the_preset_on_data_without_its_classes(remedies, tmp_path, capsys):
    X, y, X_test, y_test = remedies._load("digits")
    without_eights = y != 8
    remedies._DATA["digits"] = (X[without_eights], y[without_eights], X_test, y_test)
    try:
        argv = ["--quick", "--method", "gce", "--symmetric", "--pairflip"]
        argv += ["--noise", "mnist-asymmetric", "0.4", "--out", str(tmp_path / "out")]
        assert exit_status(remedies.main, argv) == 2
    finally:
        remedies._DATA.pop("digits")
    err = capsys.readouterr().err
    assert "mnist-asymmetric" in err and "3 -> 8" in err and "[8]" in err, err
    assert list(tmp_path.iterdir()) == []


CLEANING_SMALL = [
    "--quick",
    "--methods", "clean_kdn_remove", "clean_cl_relabel_knn", "clean_disagreement_remove_knn_sce",
    "--symmetric", "0.4",
    "--pairflip",
    "--epochs", "2",
    "--n-jobs", "1",
]  # fmt: skip


def test_remedies_cleaning_rows_record_what_the_cleaner_did(remedies, tmp_path, capsys):
    assert remedies.main([*CLEANING_SMALL, "--out", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "remedies.csv")
    X, y = remedies._load("digits")[:2]
    args = remedies._parse(CLEANING_SMALL)
    for method, rows in frame.groupby("method"):
        rows = rows.sort_values("epoch")
        # What the cleaner did is on the last row only.
        assert rows[list(remedies.CLEANING_COLUMNS)].iloc[:-1].isna().all().all()
        last = rows.iloc[-1]
        task = {key: last[key] for key in ("noise_type", "noise_rate", "noise_seed", "model_seed")}
        injector = remedies.harness.injector(
            "symmetric", args, noise_rate=0.4, random_state=int(task["noise_seed"])
        )
        _, y_noisy = injector.fit_resample(X, y)
        cleaner, _, y_cleaned = remedies.clean(method, task, args, X, y_noisy)
        kept = cleaner.sample_indices_
        flagged = cleaner.suspect_mask_
        assert last["n_suspects"] == flagged.sum() > 0
        assert last["n_removed"] == len(y) - len(kept)
        assert last["n_relabelled"] == np.sum(y_cleaned != y_noisy[kept])
        assert (last["n_removed"] == 0) == (remedies.CLEANING_METHODS[method].action == "relabel")
        flipped = injector.noise_mask_
        assert last["suspect_precision"] == pytest.approx(np.mean(flipped[flagged]))
        assert last["suspect_recall"] == pytest.approx(np.mean(flagged[flipped]))
        wrong = y_cleaned != y[kept]
        assert last["wrong_label_share"] == pytest.approx(np.mean(wrong))
        # The memorization columns count the labels the CNN trained on.
        assert (rows["n_flipped"] == wrong.sum()).all()
        assert 0 <= last["cleaning_time"] <= last["fit_time"]
    report = _strict_json(tmp_path / "remedies.json")
    table = {row["method"]: row for row in report["table"]}
    removed = frame.loc[frame["method"] == "clean_kdn_remove", "n_removed"].max()
    assert table["clean_kdn_remove"]["n_removed"] == removed > 0
    compact = report["remedy_table"]
    assert compact["conditions"] == ["symmetric 0.4"]
    assert {row["method"] for row in compact["rows"]} == set(table)
    assert {row["family"] for row in compact["rows"]} == {"cleaning"}
    cell = next(row for row in compact["rows"] if row["method"] == "clean_kdn_remove")
    assert cell["symmetric 0.4"] == (
        f"{table['clean_kdn_remove']['last']:.3f} ({table['clean_kdn_remove']['best']:.3f})"
    )
    # A blanked record of what the cleaner did is no measurement: that fit,
    # and only that one, is run again (never summarised as NaN).
    csv_path = tmp_path / "remedies.csv"
    before = pd.read_csv(csv_path)
    _edit(csv_path, _remedies_line(csv_path, "clean_kdn_remove", 2), "wrong_label_share", "")
    capsys.readouterr()
    assert remedies.main([*CLEANING_SMALL, "--out", str(tmp_path), "--resume"]) == 0
    assert "(2 already done, 1 torn or failed run again)" in capsys.readouterr().out
    after = pd.read_csv(csv_path)
    assert after["wrong_label_share"].notna().sum() == before["wrong_label_share"].notna().sum()


def test_remedies_resumes_the_record_format_with_cleaning_rows(
    remedies, remedies_run, tmp_path, capsys
):
    # The run on record's CSV has no cleaning columns: its rows are kept, as
    # they were, beside the new ones, and read back unchanged again.
    saved = pd.read_csv(remedies_run / "remedies.csv", keep_default_na=False, dtype=str)
    old = saved.drop(columns=list(remedies.CLEANING_COLUMNS))
    old.to_csv(tmp_path / "remedies.csv", index=False)
    argv = [*REMEDIES_SMALL, "--method", "clean_kdn_relabel", "--out", str(tmp_path), "--resume"]
    assert remedies.main(argv) == 0
    assert "6 fits (4 already done)" in capsys.readouterr().out
    frame = pd.read_csv(tmp_path / "remedies.csv", keep_default_na=False, dtype=str)
    assert list(frame.columns) == list(remedies.COLUMNS)
    kept = frame[frame["method"] != "clean_kdn_relabel"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept[old.columns], old)
    assert (kept[list(remedies.CLEANING_COLUMNS)] == "").all().all()
    cleaned = frame[frame["method"] == "clean_kdn_relabel"]
    assert len(cleaned) == 2 * 2 and (cleaned["n_relabelled"] != "").sum() == 2
    before = (tmp_path / "remedies.csv").read_bytes()
    assert remedies.main(argv) == 0
    assert "6 fits (6 already done)" in capsys.readouterr().out
    assert (tmp_path / "remedies.csv").read_bytes() == before


def test_noise_curve_names_the_preset_in_its_rows_and_resumes_them(noise_curve, tmp_path):
    # noise_curve() names rows by the injector's type ("mapping"); the
    # script names them by the preset, and reads them back as its own.
    args = [*KNN_QUICK, "--rates", "0.4", "--noise-type", "mnist-asymmetric"]
    args += ["--noise-type", "symmetric", "--out", str(tmp_path)]
    assert noise_curve.main(args) == 0
    frame = pd.read_csv(tmp_path / "noise_curve.csv")
    assert set(frame["noise_type"]) == {"mnist-asymmetric", "symmetric"}
    asymmetric = frame[frame["noise_type"] == "mnist-asymmetric"]
    # Patrini's noise flips 40% of five classes of ten: about 20% of the labels.
    assert asymmetric["flip_rate"].between(0.18, 0.22).all()
    symmetric = frame[frame["noise_type"] == "symmetric"]
    assert symmetric["flip_rate"].between(0.39, 0.41).all()
    assert set(asymmetric["config_fingerprint"]).isdisjoint(symmetric["config_fingerprint"])
    assert noise_curve.main([*args, "--resume"]) == 0
    report = _strict_json(tmp_path / "noise_curve.json")
    assert (report["n_fits_run"], report["n_fits_reused"]) == (0, len(frame))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "noise_curve.csv"), frame)


def test_the_harness_refuses_a_preset_on_labels_without_its_classes():
    harness = load_benchmark("_harness")
    harness.check_noise_classes(["symmetric", "mnist-asymmetric"], np.arange(10).repeat(3))
    with pytest.raises(
        harness.Refused, match=r"mnist-asymmetric flips .*lack the classes \[1, 8\]"
    ):
        harness.check_noise_classes(["mnist-asymmetric"], np.array([0, 2, 3, 4, 5, 6, 7, 9]))
    # Only the preset's classes matter.
    harness.check_noise_classes(["symmetric"], np.array(["a", "b"]))
