"""Tests for skmislabel/model_selection/: noise_curve and its results (_results.py)."""

import io
import pathlib
import threading
import time

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold, PredefinedSplit, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline as make_sklearn_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skmislabel import LabelNoiseInjector, make_pipeline
from skmislabel.model_selection import (
    PROVENANCE_COLUMNS,
    RESULT_COLUMNS,
    TASK_COLUMNS,
    ResumeMismatchError,
    config_fingerprint,
    noise_curve,
    split_fingerprint,
)

# The columns that differ between two runs of the same fits.
TIMINGS = ["fit_time", "score_time"]


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


def test_shapes_columns_and_falling_score(digits):
    X, y = digits
    rates = [0.0, 0.2, 0.5, 0.8]
    results = noise_curve(
        KNeighborsClassifier(), X, y, noise_rates=rates, cv=3, n_repeats=2, random_state=0
    )
    assert set(results) == {"noise_rates", "train_scores", "test_scores", "flip_rates", "frame"}
    train_scores, test_scores = results.train_scores, results.test_scores
    assert train_scores.shape == test_scores.shape == results.flip_rates.shape == (4, 6)
    np.testing.assert_array_equal(results.noise_rates, rates)
    assert not np.isnan(test_scores).any()
    means = test_scores.mean(axis=1)
    assert means[0] > 0.95 and means[-1] < means[0] - 0.3
    assert np.all(np.diff(means) < 0)
    frame = results.frame
    assert list(frame.columns) == list(RESULT_COLUMNS) and len(frame) == 24
    np.testing.assert_allclose(
        frame.groupby("noise_rate")["flip_rate"].mean().to_numpy(), rates, atol=0.01
    )
    # The frame and the arrays hold the same numbers.
    in_task_order = frame.sort_values(list(TASK_COLUMNS))
    np.testing.assert_allclose(in_task_order["test_score"].to_numpy(), test_scores.ravel())
    np.testing.assert_allclose(in_task_order["flip_rate"].to_numpy(), results.flip_rates.ravel())


def test_scores_are_taken_on_clean_labels(digits):
    X, y = digits
    results = noise_curve(
        KNeighborsClassifier(n_neighbors=1),
        X,
        y,
        noise_rates=[0.0, 1.0],
        noise_type="pairflip",
        cv=3,
        random_state=0,
    )
    train_scores, test_scores = results.train_scores, results.test_scores
    # Every training label moved to the next class: on clean labels 1-NN is
    # wrong nearly everywhere (on noisy labels it would be right).
    assert test_scores[1].max() < 0.05 and train_scores[1].max() == 0
    assert test_scores[0].min() > 0.95


def test_repeats_draw_new_noise_and_model_seeds_from_random_state(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.3], cv=3, n_repeats=3)
    frame = noise_curve(DecisionTreeClassifier(), X, y, random_state=0, **kwargs).frame
    assert frame["noise_seed"].nunique() == 3 and frame["model_seed"].nunique() == 3
    again = noise_curve(DecisionTreeClassifier(), X, y, random_state=0, **kwargs).frame
    pd.testing.assert_frame_equal(frame.drop(columns=TIMINGS), again.drop(columns=TIMINGS))
    other = noise_curve(DecisionTreeClassifier(), X, y, random_state=1, **kwargs).frame
    assert not np.array_equal(frame["test_score"], other["test_score"])
    np.random.seed(0)
    expected = np.random.random()
    np.random.seed(0)
    unseeded = noise_curve(DecisionTreeClassifier(), X, y, random_state=None, **kwargs).frame
    assert np.random.random() == expected, "random_state=None used NumPy's global RNG"
    assert not np.array_equal(frame["noise_seed"], unseeded["noise_seed"])


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_parallel_gives_the_same_numbers(digits, backend):
    import joblib

    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.3], cv=3, n_repeats=2, random_state=0)
    serial = noise_curve(DecisionTreeClassifier(), X, y, n_jobs=1, **kwargs).test_scores
    with joblib.parallel_config(backend=backend):
        parallel = noise_curve(DecisionTreeClassifier(), X, y, n_jobs=2, **kwargs).test_scores
    np.testing.assert_array_equal(serial, parallel)


def test_dask_backend_gives_the_same_numbers(digits):
    pytest.importorskip("distributed", reason="dask.distributed is an optional extra")
    import joblib
    from dask.distributed import Client, LocalCluster

    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.3], cv=3, n_repeats=2, random_state=0)
    serial = noise_curve(DecisionTreeClassifier(), X, y, n_jobs=1, **kwargs).test_scores
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        with joblib.parallel_config(backend="dask"):
            distributed = noise_curve(
                DecisionTreeClassifier(), X, y, n_jobs=-1, **kwargs
            ).test_scores
    np.testing.assert_array_equal(serial, distributed)


def test_fixed_split_and_configured_injector(digits):
    X, y = digits
    test_fold = np.where(np.arange(len(y)) < 1500, -1, 0)
    injector = LabelNoiseInjector(
        noise_type="mapping", class_mapping={1: 7, 3: 8}, sampling="bernoulli"
    )
    frame = noise_curve(
        KNeighborsClassifier(),
        X,
        y,
        noise_rates=[0.0, 0.9],
        injector=injector,
        cv=PredefinedSplit(test_fold),
        random_state=0,
    ).frame
    assert len(frame) == 2 and set(frame["noise_type"]) == {"mapping"}
    # Only classes 1 and 3 flip: about 0.9 of their share of the training set.
    share = np.isin(y[:1500], [1, 3]).mean()
    assert frame["flip_rate"].iloc[1] == pytest.approx(0.9 * share, abs=0.02)
    explicit = noise_curve(
        KNeighborsClassifier(),
        X,
        y,
        noise_rates=[0.0, 0.9],
        injector=injector,
        cv=[(np.arange(1500), np.arange(1500, len(y)))],
        random_state=0,
    ).frame
    np.testing.assert_array_equal(frame["test_score"], explicit["test_score"])


def test_callback_and_resume(digits):
    X, y = digits
    seen = []
    kwargs = dict(noise_rates=[0.0, 0.2, 0.4], cv=2, random_state=0)
    full = noise_curve(KNeighborsClassifier(), X, y, callback=seen.append, **kwargs).frame
    assert len(seen) == 6 and {row["noise_rate"] for row in seen} == {0.0, 0.2, 0.4}
    partial = full[full["noise_rate"] < 0.3]
    rerun = []
    resumed = noise_curve(
        KNeighborsClassifier(), X, y, callback=rerun.append, resume_from=partial, **kwargs
    ).frame
    assert [row["noise_rate"] for row in rerun] == [0.4, 0.4]
    pd.testing.assert_frame_equal(resumed.drop(columns=TIMINGS), full.drop(columns=TIMINGS))


def _vandal(row):
    """A callback that edits the row it is given."""
    row["test_score"] = -1.0
    row["noise_rate"] = 7.0
    del row["fold"]


def test_the_callback_gets_a_copy_of_the_row(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.3], cv=2, random_state=0)
    plain = noise_curve(KNeighborsClassifier(), X, y, **kwargs)
    edited = noise_curve(KNeighborsClassifier(), X, y, callback=_vandal, **kwargs)
    pd.testing.assert_frame_equal(
        edited.frame.drop(columns=TIMINGS), plain.frame.drop(columns=TIMINGS)
    )
    np.testing.assert_array_equal(edited.test_scores, plain.test_scores)


class _CountsFits(KNeighborsClassifier):
    fits = []  # shared by the clones noise_curve fits

    def fit(self, X, y):
        type(self).fits.append(len(X))
        return super().fit(X, y)


def test_an_exception_in_the_callback_stops_the_sweep_and_the_saved_rows_resume_it(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.2, 0.4], cv=2, random_state=0)
    full = noise_curve(_CountsFits(), X, y, **kwargs).frame
    saved = []

    def save_then_fail_on_the_third(row):
        saved.append(row)
        if len(saved) == 3:
            raise RuntimeError("disk full")

    _CountsFits.fits = []
    with pytest.raises(RuntimeError, match="disk full"):
        noise_curve(_CountsFits(), X, y, callback=save_then_fail_on_the_third, **kwargs)
    assert len(_CountsFits.fits) == 3  # no fit after the one whose callback failed
    rerun = []
    resumed = noise_curve(
        _CountsFits(), X, y, resume_from=pd.DataFrame(saved), callback=rerun.append, **kwargs
    )
    assert len(rerun) == len(full) - 3
    columns = [column for column in full.columns if column not in TIMINGS]
    pd.testing.assert_frame_equal(resumed.frame[columns], full[columns])


class _WaitsAfterTheFirstFit(KNeighborsClassifier):
    started = []
    release = threading.Event()

    def fit(self, X, y):
        type(self).started.append(len(X))
        if len(type(self).started) > 1:
            type(self).release.wait(timeout=60)
        return super().fit(X, y)


def test_an_exception_in_the_callback_cancels_the_parallel_fits_not_started(digits):
    X, y = digits
    _WaitsAfterTheFirstFit.started = []
    _WaitsAfterTheFirstFit.release = threading.Event()

    def fail(row):
        _WaitsAfterTheFirstFit.release.set()
        raise RuntimeError("stop")

    n_fits = 6 * 2
    with parallel_config(backend="threading"):
        with pytest.raises(RuntimeError, match="stop") as raised:
            noise_curve(
                _WaitsAfterTheFirstFit(), X, y, cv=2, n_jobs=2, random_state=0, callback=fail
            )
        # Time for fits left running (while the exception, and the call's
        # frame with it, are alive) to start; the cancelled ones never do.
        time.sleep(1)
    assert raised.value is not None
    assert len(_WaitsAfterTheFirstFit.started) < n_fits


class _FailsOnSmallTrainingSets(KNeighborsClassifier):
    def fit(self, X, y):
        if len(X) < 1000:
            raise RuntimeError(f"boom on {len(X)} samples")
        return super().fit(X, y)


def test_failed_fits_warn_with_the_exception_and_keep_it_in_the_row(digits):
    X, y = digits
    n = len(y)
    splits = [(np.arange(1200), np.arange(1200, n)), (np.arange(600), np.arange(600, n))]
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 4") as record:
        frame = noise_curve(
            _FailsOnSmallTrainingSets(),
            X,
            y,
            noise_rates=[0.0, 0.2],
            cv=splits,
            random_state=0,
        ).frame
    assert "RuntimeError: boom on 600 samples" in str(record[0].message)
    failed = frame[frame["fold"] == 1]
    assert (failed["error"] == "RuntimeError: boom on 600 samples").all()
    assert failed[["test_score", "train_score", "n_flipped"]].isna().all().all()
    fine = frame[frame["fold"] == 0]
    assert (fine["error"] == "").all() and fine["test_score"].between(0.5, 1).all()


def test_all_fits_failing_raise_and_error_score_raise_reraises(digits):
    X, y = digits

    class Failing(KNeighborsClassifier):
        def fit(self, X, y):
            raise RuntimeError("boom")

    with pytest.raises(ValueError, match="All the 2 fits failed(.|\\n)*RuntimeError: boom"):
        noise_curve(Failing(), X, y, noise_rates=[0.1], cv=2, random_state=0)
    with pytest.raises(RuntimeError, match="boom"):
        noise_curve(Failing(), X, y, noise_rates=[0.1], cv=2, error_score="raise")


class _RecordsFits(KNeighborsClassifier):
    fits = 0

    def fit(self, X, y):
        type(self).fits += 1
        return super().fit(X, y)


@pytest.mark.parametrize(
    "estimator, y_kind, kwargs, err_type, err_msg",
    [
        (_RecordsFits(), "labels", dict(noise_type="mapping"), ValueError, "needs class_mapping"),
        (
            _RecordsFits(),
            "labels",
            dict(injector=LabelNoiseInjector(noise_type="mapping", class_mapping={3: 11})),
            ValueError,
            "class_mapping\\[3\\] names class 11",
        ),
        (_RecordsFits(), "continuous", {}, ValueError, "Unknown label type"),
        (LinearRegression(), "labels", {}, TypeError, "must be a classifier.*LinearRegression"),
        (KMeans(n_clusters=10, n_init=1), "labels", {}, TypeError, "must be a classifier.*KMeans"),
        (
            make_sklearn_pipeline(StandardScaler(), Ridge()),
            "labels",
            {},
            TypeError,
            "must be a classifier.*Pipeline",
        ),
    ],
    ids=[
        "mapping-without-class-mapping",
        "mapping-unknown-class",
        "continuous-y",
        "regressor",
        "clusterer",
        "pipeline-ending-in-regressor",
    ],
)
def test_setup_errors_raise_before_any_fit(digits, estimator, y_kind, kwargs, err_type, err_msg):
    X, y = digits
    if y_kind == "continuous":
        y = y + np.random.default_rng(0).random(len(y))
    _RecordsFits.fits = 0
    with pytest.raises(err_type, match=err_msg):
        noise_curve(estimator, X, y, noise_rates=[0.0, 0.2], cv=2, random_state=0, **kwargs)
    assert _RecordsFits.fits == 0


def test_pipeline_ending_in_a_classifier_is_accepted(digits):
    X, y = digits
    pipe = make_sklearn_pipeline(StandardScaler(), KNeighborsClassifier())
    test_scores = noise_curve(pipe, X, y, noise_rates=[0.0], cv=2, random_state=0).test_scores
    assert test_scores.min() > 0.9


def test_repeat_seeds_do_not_depend_on_n_repeats(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.3], cv=2, random_state=7)
    two = noise_curve(DecisionTreeClassifier(), X, y, n_repeats=2, **kwargs).frame
    three = noise_curve(DecisionTreeClassifier(), X, y, n_repeats=3, **kwargs).frame
    columns = [*TASK_COLUMNS, *PROVENANCE_COLUMNS, "test_score"]
    first_two = three[three["repeat"] < 2][columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(two[columns], first_two)


def test_resume_refuses_rows_of_another_random_state_or_cv(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.2], random_state=0)
    earlier = noise_curve(KNeighborsClassifier(), X, y, cv=2, **kwargs).frame
    with pytest.raises(ResumeMismatchError, match="noise_seed=.*this run"):
        noise_curve(
            KNeighborsClassifier(), X, y, cv=2, resume_from=earlier, **dict(kwargs, random_state=1)
        )
    shuffled = KFold(2, shuffle=True, random_state=0)
    with pytest.raises(ResumeMismatchError, match="split_fingerprint"):
        noise_curve(KNeighborsClassifier(), X, y, cv=shuffled, resume_from=earlier, **kwargs)
    # The seeds survive a round trip through a CSV file.
    reread = pd.read_csv(io.StringIO(earlier.to_csv(index=False)))
    rerun = []
    noise_curve(
        KNeighborsClassifier(), X, y, cv=2, resume_from=reread, callback=rerun.append, **kwargs
    )
    assert rerun == []


def test_resume_reruns_incomplete_and_failed_rows(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.2], cv=2, random_state=0)
    full = noise_curve(KNeighborsClassifier(), X, y, **kwargs).frame
    damaged = full.astype({"n_flipped": object})
    damaged.loc[0, "test_score"] = np.nan  # a torn row
    damaged.loc[1, "error"] = "RuntimeError: out of memory"  # a failed fit
    damaged.loc[2, "n_flipped"] = "12x"  # garbage
    rerun = []
    resumed = noise_curve(
        KNeighborsClassifier(), X, y, resume_from=damaged, callback=rerun.append, **kwargs
    ).frame
    assert len(rerun) == 3
    pd.testing.assert_frame_equal(resumed.drop(columns=TIMINGS), full.drop(columns=TIMINGS))


@pytest.mark.parametrize(
    "kwargs, err_msg",
    [
        (dict(noise_rates=[0.1, 1.5]), "noise_rates must lie in \\[0, 1\\]"),
        (dict(noise_rates=[]), "non-empty"),
        (dict(noise_rates=[0.0, 0.1, 0.1000000000001]), "must not repeat a rate; \\[0.1\\]"),
        (dict(noise_type="transition_matrix"), "'noise_type' parameter"),
        (dict(n_repeats=0), "'n_repeats' parameter"),
        (
            dict(
                injector=LabelNoiseInjector(
                    noise_type="transition_matrix", noise_rate=None, transition_matrix=np.eye(10)
                )
            ),
            "no noise_rate to sweep",
        ),
    ],
)
def test_bad_arguments(digits, kwargs, err_msg):
    X, y = digits
    with pytest.raises(ValueError, match=err_msg):
        noise_curve(KNeighborsClassifier(), X, y, **kwargs)


def test_resume_refuses_rows_of_another_model_configuration(digits):
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.2], cv=2, random_state=0)
    earlier = noise_curve(KNeighborsClassifier(n_neighbors=5), X, y, **kwargs).frame
    with pytest.raises(ResumeMismatchError, match="config_fingerprint"):
        noise_curve(KNeighborsClassifier(n_neighbors=3), X, y, resume_from=earlier, **kwargs)
    # How a fit is run is not part of what it computes.
    rerun = []
    noise_curve(
        KNeighborsClassifier(n_neighbors=5, n_jobs=2),
        X,
        y,
        resume_from=earlier,
        callback=rerun.append,
        **kwargs,
    )
    assert rerun == []


class _EveryThirdCleaner(BaseEstimator):
    """A stand-in cleaner: flags every third sample and keeps them all."""

    def fit_resample(self, X, y):
        self.suspect_mask_ = np.arange(len(y)) % 3 == 0
        return X, y

    def fit(self, X, y):
        self.fit_resample(X, y)
        return self


class _DropFirstTen(BaseEstimator):
    """A sampler that removes samples: between injector and cleaner it
    breaks the correspondence of their masks."""

    def fit_resample(self, X, y):
        return X[10:], y[10:]

    def fit(self, X, y):
        return self


def test_a_cleaner_in_the_pipeline_is_scored_against_the_injected_flips(digits):
    from imblearn.pipeline import make_pipeline as make_imblearn_pipeline

    X, y = digits
    results = noise_curve(
        make_imblearn_pipeline(_EveryThirdCleaner(), KNeighborsClassifier()),
        X,
        y,
        noise_rates=[0.0, 0.3],
        cv=2,
        random_state=0,
    )
    frame = results.frame
    assert (frame["error"] == "").all()
    for row in frame.to_dict("records"):
        # cv=2 for a classifier: the unshuffled stratified folds.
        train = list(StratifiedKFold(2).split(X, y))[row["fold"]][0]
        injector = LabelNoiseInjector(row["noise_rate"], random_state=row["noise_seed"])
        injector.fit_resample(X[train], y[train])
        flagged = np.arange(len(train)) % 3 == 0
        caught = (injector.noise_mask_ & flagged).sum()
        assert row["detection_precision"] == pytest.approx(caught / flagged.sum())
        if row["noise_rate"] == 0:
            assert np.isnan(row["detection_recall"])  # nothing flipped: undefined
        else:
            assert row["detection_recall"] == pytest.approx(caught / injector.n_flipped_)
    # Without a cleaner, the columns are NaN.
    plain = noise_curve(KNeighborsClassifier(), X, y, noise_rates=[0.3], cv=2, random_state=0)
    assert plain.frame[["detection_precision", "detection_recall"]].isna().all().all()


def test_a_sampler_between_injector_and_cleaner_fails_the_fit_saying_why(digits):
    from imblearn.pipeline import make_pipeline as make_imblearn_pipeline

    X, y = digits
    pipeline = make_imblearn_pipeline(_DropFirstTen(), _EveryThirdCleaner(), KNeighborsClassifier())
    with pytest.raises(ValueError, match="the cleaner must come right after the injector"):
        noise_curve(pipeline, X, y, noise_rates=[0.2, 0.3], cv=2, random_state=0)


def test_resume_from_rows_saved_without_the_detection_columns(digits):
    X, y = digits
    first = noise_curve(KNeighborsClassifier(), X, y, noise_rates=[0.0, 0.2], cv=2, random_state=0)
    legacy = first.frame.drop(columns=["detection_precision", "detection_recall"])
    resumed = noise_curve(
        KNeighborsClassifier(),
        X,
        y,
        noise_rates=[0.0, 0.2],
        cv=2,
        random_state=0,
        resume_from=legacy,
        callback=lambda row: pytest.fail("a saved fit ran again"),
    )
    pd.testing.assert_frame_equal(resumed.frame, first.frame)


@pytest.fixture(scope="module")
def saved_run(digits):
    """A finished run and the arguments that reproduce it."""
    X, y = digits
    kwargs = dict(noise_rates=[0.0, 0.2], cv=2, random_state=0)
    return noise_curve(KNeighborsClassifier(), X, y, **kwargs).frame, kwargs


def _edited(frame, row, column, value):
    edited = frame.astype({column: object})
    edited.loc[row, column] = value
    return edited


def _duplicated(frame, row, **changes):
    """The frame with a second copy of ``row``, its columns changed."""
    copy = frame.loc[[row]].assign(**changes)
    return pd.concat([frame, copy], ignore_index=True)


@pytest.mark.parametrize(
    "edit, err_msg",
    [
        (lambda f: _edited(f, 1, "repeat", 0.7), r"row 1: repeat=0\.7 .* non-negative integer"),
        (lambda f: _edited(f, 2, "fold", np.nan), r"row 2: fold=nan"),
        (lambda f: _edited(f, 0, "fold", "1"), r"row 0: fold='1'"),
        (lambda f: _edited(f, 3, "noise_rate", "0.2"), r"row 3: noise_rate='0.2' .* in \[0, 1\]"),
        (lambda f: _edited(f, 3, "noise_rate", np.nan), r"row 3: noise_rate=nan"),
        (lambda f: _edited(f, 0, "estimator", np.nan), r"row 0: estimator=nan .* text"),
        (lambda f: _edited(f, 0, "noise_type", 3), r"row 0: noise_type=3"),
        (lambda f: _edited(f, 1, "noise_seed", np.inf), r"row 1: noise_seed=inf .* integer in"),
        (lambda f: _edited(f, 1, "model_seed", -1), r"row 1: model_seed=-1"),
        (lambda f: _edited(f, 1, "model_seed", "7"), r"row 1: model_seed='7'"),
        (lambda f: _edited(f, 2, "config_fingerprint", np.nan), r"row 2: config_fingerprint=nan"),
        (
            lambda f: _duplicated(f, 2, test_score=f.loc[2, "test_score"] + 0.01),
            r"two complete rows for the task \{'estimator': 'KNeighborsClassifier', "
            r"'noise_type': 'symmetric', 'noise_rate': 0\.2, 'repeat': 0, 'fold': 0\} "
            r"with different results: test_score=",
        ),
        (
            lambda f: _duplicated(f, 0, n_flipped=f.loc[0, "n_flipped"] + 1),
            r"two complete rows .* n_flipped=",
        ),
    ],
    ids=[
        "repeat 0.7",
        "fold NaN",
        "fold text",
        "noise_rate text",
        "noise_rate NaN",
        "estimator NaN",
        "noise_type number",
        "seed inf",
        "seed negative",
        "seed text",
        "fingerprint NaN",
        "two scores for one fit",
        "two counts for one fit",
    ],
)
def test_resume_refuses_rows_it_cannot_trust(digits, saved_run, edit, err_msg):
    X, y = digits
    frame, kwargs = saved_run
    with pytest.raises(ResumeMismatchError, match=err_msg):
        noise_curve(KNeighborsClassifier(), X, y, resume_from=edit(frame), **kwargs)


def test_resume_takes_a_fit_saved_twice_with_the_same_result_once(digits, saved_run):
    X, y = digits
    frame, kwargs = saved_run
    # Saved twice (a rerun appended to its file), with other timings.
    twice = _duplicated(frame, 1, fit_time=99.0)
    rerun = []
    resumed = noise_curve(
        KNeighborsClassifier(), X, y, resume_from=twice, callback=rerun.append, **kwargs
    ).frame
    assert rerun == []
    pd.testing.assert_frame_equal(resumed, frame)


# -- config_fingerprint ---------------------------------------------------------

IMAGES = pathlib.Path(__file__).resolve().parents[1] / "docs" / "images"


def _fingerprint(estimator, injector=None):
    return config_fingerprint(make_pipeline(injector or LabelNoiseInjector(0.2), estimator))


def _matrix_injector(matrix):
    return LabelNoiseInjector(
        noise_type="transition_matrix", noise_rate=None, transition_matrix=matrix
    )


def test_the_fingerprint_hashes_a_large_matrix_by_its_content(monkeypatch):
    labels = [f"class {k}" for k in range(40)]
    T = pd.DataFrame(np.full((40, 40), 1 / 40), index=labels, columns=labels)
    middle = T.copy()
    middle.iloc[20, 19], middle.iloc[20, 20] = 0.0, 2 / 40  # rows still sum to 1
    relabelled = T.rename(index={"class 20": "class 99"}, columns={"class 20": "class 99"})
    fingerprints = [
        _fingerprint(KNeighborsClassifier(), _matrix_injector(matrix))
        for matrix in (T, middle, relabelled, T.to_numpy(), middle.to_numpy())
    ]
    assert len(set(fingerprints)) == len(fingerprints)
    # Equal content, equal fingerprint, whatever the print options.
    with np.printoptions(precision=1, threshold=10):
        with pd.option_context("display.precision", 1, "display.max_rows", 4):
            again = _fingerprint(KNeighborsClassifier(), _matrix_injector(T.copy()))
    assert again == fingerprints[0]


def _distance(a, b):
    return np.abs(a - b).sum()


def _other_distance(a, b):
    return np.abs(a - b).max()


class _Model(ClassifierMixin, BaseEstimator):
    """A classifier as it was: one parameter."""

    def __init__(self, depth=3):
        self.depth = depth

    def fit(self, X, y):
        return self


class _ModelLater(_Model):
    """The same classifier after it gained a parameter, at a default that
    does what it did before."""

    def __init__(self, depth=3, smoothing=0.0):
        self.depth = depth
        self.smoothing = smoothing


# The same class, later: the same name.
_ModelLater.__name__ = _ModelLater.__qualname__ = _Model.__name__


def _inverse_distance(offset):
    def weights(distances):
        return 1 / (offset + distances)

    return weights


@pytest.mark.parametrize(
    "first, second, same",
    [
        (
            KNeighborsClassifier(metric=_distance),
            KNeighborsClassifier(metric=_other_distance),
            False,
        ),
        (KNeighborsClassifier(metric=_distance), KNeighborsClassifier(metric=_distance), True),
        (KNeighborsClassifier(), KNeighborsClassifier(n_neighbors=5), True),
        (KNeighborsClassifier(p=2), KNeighborsClassifier(p=2.0), False),
        (KNeighborsClassifier(n_jobs=2), KNeighborsClassifier(n_jobs=None), True),
        (_Model(depth=3), _ModelLater(depth=3), True),
        (_Model(depth=3), _ModelLater(depth=3, smoothing=0.1), False),
        (
            make_sklearn_pipeline(StandardScaler(), KNeighborsClassifier()),
            make_sklearn_pipeline(StandardScaler(with_mean=False), KNeighborsClassifier()),
            False,
        ),
        # Every lambda is named "<lambda>": its code tells them apart.
        (
            KNeighborsClassifier(weights=lambda d: 1 / (1 + d)),
            KNeighborsClassifier(weights=lambda d: 1 / (2 + d)),
            False,
        ),
        (
            KNeighborsClassifier(weights=lambda d: 1 / (1 + d)),
            KNeighborsClassifier(weights=lambda d: 1 / (1 + d)),
            True,
        ),
        (
            KNeighborsClassifier(weights=_inverse_distance(1)),
            KNeighborsClassifier(weights=_inverse_distance(2)),
            False,
        ),
    ],
    ids=[
        "two functions",
        "one function",
        "a parameter at its default",
        "an int and a float",
        "n_jobs",
        "a new parameter at its default",
        "a new parameter set",
        "a nested estimator's parameter",
        "two lambdas",
        "one lambda twice",
        "two closures",
    ],
)
def test_what_the_fingerprint_tells_apart(first, second, same):
    assert (_fingerprint(first) == _fingerprint(second)) is same


def _lesson_model(label):
    """The model benchmarks/noise_curve.py fitted for the records on file."""
    from skmislabel import CNNClassifier
    from skmislabel.cleaning import ConfidentLearningCleaner, NeighborhoodCleaner

    cnn = CNNClassifier(epochs=5, batch_size=32)
    cleaners = {"cnn+confident-learning": ConfidentLearningCleaner, "cnn+knn": NeighborhoodCleaner}
    return cnn if label == "cnn" else make_pipeline(cleaners[label](), cnn)


# A CNN is built but never fitted: every fit is on record.
@pytest.mark.cnn
@pytest.mark.parametrize("record", ["noise_curve", "cleaning_curve", "instance_noise_curve"])
def test_the_runs_on_record_are_resumed_by_the_configuration_that_produced_them(record):
    from skmislabel.datasets import load_mnist

    saved = pd.read_csv(IMAGES / f"{record}.csv")
    X, y = load_mnist(subset="all", return_X_y=True)
    split = [(np.arange(15_000), np.arange(15_000, len(y)))]
    assert set(saved["split_fingerprint"]) == {split_fingerprint(*split[0])}
    for (label, noise_type), rows in saved.groupby(["estimator", "noise_type"]):
        results = noise_curve(
            _lesson_model(label),
            X,
            y,
            noise_rates=sorted(rows["noise_rate"].unique()),
            injector=LabelNoiseInjector(
                noise_type=noise_type, flip_rate_std=0.1, noise_cv=5, pmd_type="I", n_neighbors=5
            ),
            cv=split,
            n_repeats=rows["repeat"].nunique(),
            random_state=0,
            estimator_name=label,
            resume_from=saved,
            callback=lambda row: pytest.fail(f"a fit on record ran again: {row}"),
        )
        on_record = rows.sort_values(list(TASK_COLUMNS))
        np.testing.assert_array_equal(
            results.frame["test_score"], on_record["test_score"].to_numpy()
        )
