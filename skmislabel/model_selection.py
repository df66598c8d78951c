"""Noise curves: test score against the rate of mislabeled training data."""

import numbers
import time

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params

from ._noise_models import NOISE_TYPES
from ._random import check_random_state_fresh, draw_seed
from .noise import LabelNoiseInjector
from .pipeline import make_pipeline

# One row of a noise curve's tidy results; the first five name the task.
TASK_COLUMNS = ("estimator", "noise_type", "noise_rate", "repeat", "fold")
RESULT_COLUMNS = (
    *TASK_COLUMNS,
    "test_score",
    "train_score",
    "n_flipped",
    "realised_noise_rate",
    "fit_time",
    "score_time",
    "noise_seed",
    "model_seed",
)


def _seed_random_states(estimator, seed):
    """Set every ``random_state`` of an estimator (and of its steps) to an int."""
    names = [
        name
        for name in estimator.get_params(deep=True)
        if name == "random_state" or name.endswith("__random_state")
    ]
    if names:
        estimator.set_params(**dict.fromkeys(names, seed))


def _fit_and_score(pipeline, X, y, train, test, scorer, task, noise_seed, model_seed, error_score):
    pipeline.set_params(labelnoiseinjector__random_state=noise_seed)
    _seed_random_states(pipeline.steps[-1][1], model_seed)
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    row = dict(task, noise_seed=noise_seed, model_seed=model_seed)
    start = time.perf_counter()
    try:
        pipeline.fit(X_train, y_train)
    except Exception:
        if error_score == "raise":
            raise
        row.update(
            test_score=error_score,
            train_score=error_score,
            n_flipped=-1,
            realised_noise_rate=np.nan,
            fit_time=time.perf_counter() - start,
            score_time=0.0,
        )
        return row
    fit_time = time.perf_counter() - start
    injector = pipeline.named_steps["labelnoiseinjector"]
    start = time.perf_counter()
    # Scores are on the clean labels: the injector only runs at fit time.
    row.update(
        test_score=float(scorer(pipeline, X_test, y_test)),
        train_score=float(scorer(pipeline, X_train, y_train)),
        n_flipped=int(injector.n_flipped_),
        realised_noise_rate=float(injector.noise_rate_),
        fit_time=fit_time,
        score_time=time.perf_counter() - start,
    )
    return row


@validate_params(
    {
        "estimator": [HasMethods(["fit"])],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "groups": ["array-like", None],
        "noise_rates": ["array-like"],
        "noise_type": [StrOptions(set(NOISE_TYPES) - {"transition_matrix"})],
        "injector": [LabelNoiseInjector, None],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "n_repeats": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [numbers.Integral, None],
        "error_score": [StrOptions({"raise"}), numbers.Real],
        "verbose": ["verbose"],
        "estimator_name": [str, None],
        "as_frame": ["boolean"],
        "callback": [callable, None],
        "resume_from": [HasMethods(["to_dict"]), None],
    },
    prefer_skip_nested_validation=False,
)
def noise_curve(
    estimator,
    X,
    y,
    *,
    groups=None,
    noise_rates=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
    noise_type="symmetric",
    injector=None,
    cv=None,
    scoring=None,
    n_repeats=1,
    random_state=None,
    n_jobs=None,
    error_score=np.nan,
    verbose=0,
    estimator_name=None,
    as_frame=False,
    callback=None,
    resume_from=None,
):
    """Test scores of an estimator trained on increasingly mislabeled labels.

    Modeled on :func:`sklearn.model_selection.validation_curve`, with the
    noise rate as the varied parameter. For every noise rate, repeat and CV
    fold, a clone of ``make_pipeline(injector, estimator)`` is fitted on the
    training fold with noisy labels and scored on the test fold's *clean*
    labels (and on the training fold's clean labels, as ``train_score``).

    Each repeat draws new noise and new model seeds, all derived from
    ``random_state``: ``noise_seed`` is shared by every noise rate and fold
    of a repeat (common random numbers make the curve smoother), and
    ``model_seed`` is set on every ``random_state`` parameter of
    ``estimator``. The same ``random_state`` gives the same numbers whatever
    ``n_jobs`` or joblib backend (loky, threading, dask) runs the fits.

    Parameters
    ----------
    estimator : estimator object
        The model; it (or its steps) is cloned for every fit.

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data.

    y : array-like of shape (n_samples,)
        Clean class labels.

    groups : array-like of shape (n_samples,), default=None
        Group labels for group-aware ``cv`` splitters.

    noise_rates : array-like of float, default=(0, .1, .2, .3, .4, .5)
        The ``noise_rate`` values of the injector (see :mod:`skmislabel.noise`
        for what a rate means for each noise type).

    noise_type : {"symmetric", "uniform", "pairflip", "mapping"}, \
            default="symmetric"
        Noise model of the default injector. Ignored when ``injector`` is
        given.

    injector : LabelNoiseInjector, default=None
        A configured injector (for example ``noise_type="mapping"`` with its
        ``class_mapping``, ``sampling="bernoulli"``) whose ``noise_rate`` is
        swept. A ``transition_matrix`` injector has no rate to sweep and is
        rejected.

    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: None is 5-fold (stratified for classifiers); an
        iterable of ``(train, test)`` index arrays gives explicit splits, for
        example the lesson's fixed split, or use
        :class:`sklearn.model_selection.PredefinedSplit`.

    scoring : str or callable, default=None
        Scorer; None uses the estimator's ``score`` (accuracy).

    n_repeats : int, default=1
        Independent repeats with new noise and model seeds.

    random_state : int, RandomState instance or None, default=None
        Source of all noise and model seeds.

    n_jobs : int, default=None
        Fits run in parallel through joblib (any backend, set with
        :func:`joblib.parallel_config`).

    error_score : "raise" or float, default=np.nan
        Score recorded for a fit that fails; "raise" re-raises.

    verbose : int, default=0
        joblib's verbosity.

    estimator_name : str, default=None
        Value of the ``estimator`` column; default: the estimator's class
        name.

    as_frame : bool, default=False
        Return the tidy DataFrame instead of the score arrays.

    callback : callable, default=None
        Called with each finished fit's row (a dict with the DataFrame's
        columns) as soon as it is done, in completion order: for progress
        bars and for saving results as they come.

    resume_from : DataFrame, default=None
        Rows of an earlier run with the same settings; their tasks (estimator,
        noise_type, noise_rate, repeat, fold) are not run again and the rows
        are returned with the new ones.

    Returns
    -------
    train_scores : ndarray of shape (n_noise_rates, n_repeats * n_splits)
        Scores on the training folds' clean labels.

    test_scores : ndarray of shape (n_noise_rates, n_repeats * n_splits)
        Scores on the test folds' clean labels. Column ``r * n_splits + k``
        is repeat ``r``, fold ``k``.

    frame : DataFrame, if ``as_frame=True``
        One row per fit, columns ``estimator``, ``noise_type``,
        ``noise_rate``, ``repeat``, ``fold``, ``test_score``,
        ``train_score``, ``n_flipped``, ``realised_noise_rate``,
        ``fit_time``, ``score_time``, ``noise_seed``, ``model_seed``.

    See Also
    --------
    skmislabel.plotting.NoiseCurveDisplay : Plot the curve.
    sklearn.model_selection.validation_curve : The same idea for any parameter.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skmislabel.model_selection import noise_curve
    >>> X, y = load_digits(return_X_y=True)
    >>> train_scores, test_scores = noise_curve(
    ...     KNeighborsClassifier(), X, y, noise_rates=[0, 0.3, 0.6], cv=3,
    ...     random_state=0)
    >>> test_scores.shape
    (3, 3)
    >>> bool(test_scores[0].mean() > test_scores[2].mean())
    True
    """
    import pandas as pd

    X, y, groups = indexable(X, y, groups)
    noise_rates = np.asarray(noise_rates, dtype=float)
    if noise_rates.ndim != 1 or noise_rates.size == 0:
        raise ValueError(f"noise_rates must be a non-empty 1-D list; got {noise_rates!r}.")
    if np.isnan(noise_rates).any() or (noise_rates < 0).any() or (noise_rates > 1).any():
        raise ValueError(f"noise_rates must lie in [0, 1]; got {noise_rates.tolist()}.")
    if injector is None:
        injector = LabelNoiseInjector(noise_type=noise_type)
    elif injector.noise_type == "transition_matrix":
        raise ValueError(
            "injector has noise_type='transition_matrix', whose matrix fixes every "
            "rate: there is no noise_rate to sweep. Use one injector per matrix with "
            "cross_validate, or noise_type='mapping'."
        )
    estimator_name = estimator_name or type(estimator).__name__
    cv = check_cv(cv, y, classifier=is_classifier(estimator))
    splits = list(cv.split(X, y, groups))
    scorer = check_scoring(estimator, scoring=scoring)
    rng = check_random_state_fresh(random_state)
    noise_seeds = [draw_seed(rng) for _ in range(n_repeats)]
    model_seeds = [draw_seed(rng) for _ in range(n_repeats)]

    earlier = {}
    if resume_from is not None:
        earlier = {_task_key(row): row for row in resume_from.to_dict("records")}
    rows, tasks = [], []
    for rate in noise_rates:
        for repeat in range(n_repeats):
            for fold, (train, test) in enumerate(splits):
                task = {
                    "estimator": estimator_name,
                    "noise_type": injector.noise_type,
                    "noise_rate": float(rate),
                    "repeat": repeat,
                    "fold": fold,
                }
                if _task_key(task) in earlier:
                    rows.append(earlier[_task_key(task)])
                else:
                    tasks.append((task, train, test, repeat))

    pipeline = make_pipeline(clone(injector), clone(estimator))
    parallel = Parallel(n_jobs=n_jobs, verbose=verbose, return_as="generator_unordered")
    results = parallel(
        delayed(_fit_and_score)(
            clone(pipeline).set_params(labelnoiseinjector__noise_rate=task["noise_rate"]),
            X,
            y,
            train,
            test,
            scorer,
            task,
            int(noise_seeds[repeat]),
            int(model_seeds[repeat]),
            error_score,
        )
        for task, train, test, repeat in tasks
    )
    for row in results:
        rows.append(row)
        if callback is not None:
            callback(row)

    frame = (
        pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
        .sort_values(list(TASK_COLUMNS))
        .reset_index(drop=True)
    )
    if as_frame:
        return frame
    return _score_arrays(frame, noise_rates, n_repeats, len(splits))


def _task_key(row):
    return (
        row["estimator"],
        row["noise_type"],
        round(float(row["noise_rate"]), 12),
        int(row["repeat"]),
        int(row["fold"]),
    )


def _score_arrays(frame, noise_rates, n_repeats, n_splits):
    """Scores of the tidy frame as arrays, rows in the order of noise_rates."""
    shape = (noise_rates.size, n_repeats * n_splits)
    train_scores, test_scores = np.full(shape, np.nan), np.full(shape, np.nan)
    for row in frame.itertuples(index=False):
        rate_index = np.flatnonzero(np.isclose(noise_rates, row.noise_rate))[0]
        column = row.repeat * n_splits + row.fold
        train_scores[rate_index, column] = row.train_score
        test_scores[rate_index, column] = row.test_score
    return train_scores, test_scores
