"""benchmarks/noisy_selection.py: GridSearchCV on noisy folds against the clean test."""

import json
from pathlib import Path

import pandas as pd
import pytest
from benchmark_scripts import exit_status, load_benchmark

pytest.importorskip(
    "tqdm", reason='the benchmarks need the benchmarks extra: pip install ".[benchmarks]"'
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "noisy_selection.py"


@pytest.fixture(scope="module")
def benchmark():
    return load_benchmark("noisy_selection")


@pytest.mark.cnn
def test_a_small_run_scores_every_candidate_and_says_what_each_scorer_picked(benchmark, tmp_path):
    pytest.importorskip("tensorflow", reason='the CNN needs the cnn extra: pip install ".[cnn]"')
    argv = ["--quick", "--n-train", "600", "--epochs", "1", "--n-jobs", "1"]
    assert benchmark.main([*argv, "--out", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "noisy_selection.csv")
    assert list(frame["candidate"]) == list(benchmark.CANDIDATES)
    for scorer in benchmark.SCORERS:
        assert frame[f"cv_{scorer}"].between(-1, 2).all()
    assert frame["clean_test_accuracy"].between(0, 1).all()
    report = json.loads((tmp_path / "noisy_selection.json").read_text())
    assert report["status"] == "complete"
    (selection,) = report["selections"]
    best = frame["clean_test_accuracy"].max()
    assert selection["clean_best_test_accuracy"] == best
    for scorer, pick in selection["picks"].items():
        picked = frame.loc[frame[f"cv_{scorer}"].idxmax()]
        assert pick["picked"] == picked["candidate"]
        assert pick["regret"] == pytest.approx(best - picked["clean_test_accuracy"])
    # The estimate of T is taken from the noisy training labels (40% flipped).
    assert 0 <= selection["transition_matrix_error"] < 1
    # Nothing is replaced unasked.
    assert exit_status(benchmark.main, [*argv, "--out", str(tmp_path)]) == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--noise", "confidence", "0.3"], "class-conditional"),
        (["--noise", "symmetric", "x"], "must be a number"),
        (["--noise", "symmetric", "1.0"], "must lie in [0, 1)"),
        (["--noise", "symmetric", "0"], "nothing to choose"),
        (["--folds", "1"], "--folds must be at least 2"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--out", ""], "--out must name a folder"),
        (["--repeats", "0"], "--repeats must be at least 1"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(benchmark, tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert exit_status(benchmark.main, ["--quick", "--out", str(out), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_training_set_that_leaves_no_test_images_is_refused(benchmark, tmp_path, capsys):
    out = tmp_path / "out"
    assert exit_status(benchmark.main, ["--quick", "--n-train", "5000", "--out", str(out)]) == 2
    assert "--n-train" in capsys.readouterr().err
    assert not out.exists()


def test_overall_counts_the_right_picks_and_averages_the_regret_per_noise(benchmark):
    def summary(noise, clean_best, picked, regret):
        picks = dict.fromkeys(benchmark.SCORERS, {"picked": clean_best, "regret": 0.0})
        picks["noisy_accuracy"] = {"picked": picked, "regret": regret}
        return {"noise_type": noise, "noise_rate": 0.5, "clean_best": clean_best, "picks": picks}

    summaries = [
        summary("symmetric", "gce", "gce", 0.0),
        summary("pairflip", "forward", "sce", 0.25),
        summary("symmetric", "sce", "gce", 0.01),
    ]
    overall = {
        (entry["noise_type"], entry["scorer"]): entry for entry in benchmark._overall(summaries)
    }
    assert len(overall) == 2 * len(benchmark.SCORERS)
    symmetric = overall["symmetric", "noisy_accuracy"]
    assert (symmetric["n_repeats"], symmetric["n_picked_clean_best"]) == (2, 1)
    assert symmetric["mean_regret"] == pytest.approx(0.005)
    pairflip = overall["pairflip", "noisy_accuracy"]
    assert (pairflip["n_picked_clean_best"], pairflip["mean_regret"]) == (0, 0.25)
    assert overall["pairflip", "noise_aware_estimated_T"]["n_picked_clean_best"] == 1
