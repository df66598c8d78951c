"""Noise curves: test score against the rate of mislabeled training data."""

import numbers
import time
import warnings
from collections import Counter

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, indexable
from sklearn.utils.multiclass import check_classification_targets

from .._compat import HasMethods, Interval, StrOptions, safe_indexing, validate_params
from .._noise_models import INSTANCE_NOISE_TYPES, NOISE_TYPES
from ..noise import LabelNoiseInjector
from ..pipeline import make_pipeline
from ._results import (
    DETECTION_COLUMNS,
    RESULT_COLUMNS,
    TASK_COLUMNS,
    config_fingerprint,
    repeat_seeds,
    reusable_rows,
    split_fingerprint,
    task_key,
)

__all__ = ["noise_curve"]

# The arrays of noise_curve's result, from the columns of its frame.
_ARRAY_COLUMNS = {
    "train_scores": "train_score",
    "test_scores": "test_score",
    "flip_rates": "flip_rate",
}


def _seed_random_states(estimator, seed):
    """Set every ``random_state`` of an estimator (and of its steps) to an int."""
    names = [
        name
        for name in estimator.get_params(deep=True)
        if name == "random_state" or name.endswith("__random_state")
    ]
    if names:
        estimator.set_params(**dict.fromkeys(names, seed))


def _fit_and_score(pipeline, X, y, train, test, scorer, task, error_score):
    pipeline.set_params(labelnoiseinjector__random_state=task["noise_seed"])
    _seed_random_states(pipeline.steps[-1][1], task["model_seed"])
    X_train, y_train = safe_indexing(X, train), safe_indexing(y, train)
    X_test, y_test = safe_indexing(X, test), safe_indexing(y, test)
    row = dict(task, error="")
    start = time.perf_counter()
    try:
        pipeline.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        injector = pipeline.named_steps["labelnoiseinjector"]
        detection = _detection(injector, pipeline.steps[-1][1])
        start = time.perf_counter()
        # Scores are on the clean labels: the injector only runs at fit time.
        row.update(
            test_score=float(scorer(pipeline, X_test, y_test)),
            train_score=float(scorer(pipeline, X_train, y_train)),
            n_flipped=int(injector.n_flipped_),
            flip_rate=float(injector.flip_rate_),
            **detection,
            fit_time=fit_time,
            score_time=time.perf_counter() - start,
        )
    except Exception as exc:
        if error_score == "raise":
            raise
        # The row says why it has no numbers; nothing else is made up.
        row.update(
            test_score=error_score,
            train_score=error_score,
            n_flipped=np.nan,
            flip_rate=np.nan,
            **dict.fromkeys(DETECTION_COLUMNS, np.nan),
            fit_time=time.perf_counter() - start,
            score_time=0.0,
            error=f"{type(exc).__name__}: {exc}",
        )
    return row


def _fitted_cleaner(estimator):
    """The first step of ``estimator`` (a pipeline, nested ones searched
    too) that flagged suspect labels when fitted, or None."""
    for _, step in getattr(estimator, "steps", []):
        if hasattr(step, "suspect_mask_"):
            return step
        found = _fitted_cleaner(step)
        if found is not None:
            return found
    return None


def _detection(injector, estimator):
    """The cleaner's precision and recall against the injector's flips (NaN
    without a cleaner, or where undefined: no flips, or nothing flagged)."""
    cleaner = _fitted_cleaner(estimator)
    if cleaner is None:
        return dict.fromkeys(DETECTION_COLUMNS, np.nan)
    noise_mask, suspect_mask = injector.noise_mask_, cleaner.suspect_mask_
    if suspect_mask.shape != noise_mask.shape:
        # Another sampler between the two dropped or added samples: the
        # masks no longer describe the same samples.
        raise ValueError(
            f"The cleaner {type(cleaner).__name__} flagged {suspect_mask.shape[0]} samples "
            f"but the injector drew {noise_mask.shape[0]}: to be scored against the "
            "injected noise, the cleaner must come right after the injector, with no "
            "sampler that adds or removes samples in between."
        )
    from ..metrics import detection_report

    report = detection_report(noise_mask, suspect_mask)
    return {"detection_precision": report["precision"], "detection_recall": report["recall"]}


def _warn_about_failed_fits(rows):
    """scikit-learn's ``cross_validate`` behaviour: every fit failing is an
    error, some failing a FitFailedWarning with the exception texts."""
    failed = [row for row in rows if row["error"]]
    if not failed:
        return
    messages = Counter(row["error"] for row in failed)
    details = "\n".join(
        f"{count} fits failed with: {message}" for message, count in messages.items()
    )
    if len(failed) == len(rows):
        raise ValueError(
            f"All the {len(rows)} fits failed; the error_score rows would be "
            f"meaningless.\n{details}"
        )
    warnings.warn(
        f"{len(failed)} fits failed out of a total of {len(rows)}; their scores are "
        f"set to error_score and the 'error' column says why.\n{details}",
        FitFailedWarning,
        # Past noise_curve and its validate_params wrapper, to the caller.
        stacklevel=4,
    )


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
    callback=None,
    resume_from=None,
):
    """Test scores of an estimator trained on increasingly mislabeled labels.

    Modeled on :func:`sklearn.model_selection.validation_curve`, with the
    noise rate as the varied parameter. For every noise rate, repeat and CV
    fold, a clone of ``make_pipeline(injector, estimator)`` is fitted on the
    training fold with noisy labels and scored on the test fold's *clean*
    labels (and on the training fold's clean labels, as ``train_score``).

    Each repeat draws new noise and new model seeds, derived from
    ``random_state`` and the repeat index alone (so a run extended with more
    repeats keeps its first rows): ``noise_seed`` is shared by every noise
    rate and fold of a repeat, so the labels flipped at a lower rate are a
    subset of those flipped at a higher one (common random numbers: two
    rates differ only by the extra flips; how much that steadies the
    differences depends on the model, see :ref:`noise_curves`), and
    ``model_seed`` is set on every ``random_state`` parameter of
    ``estimator``. The same ``random_state`` gives the same numbers whatever
    ``n_jobs`` or joblib backend (loky, threading, dask) runs the fits.

    As in :func:`sklearn.model_selection.cross_validate`, an error that would
    fail every fit (a regressor, continuous ``y``, an injector that cannot
    draw noise on ``y``) is raised before any fit; a fit that fails warns
    with a :class:`~sklearn.exceptions.FitFailedWarning` carrying the
    exception's text, gets ``error_score`` and keeps that text in its row's
    ``error`` column; if every fit fails, a ValueError is raised.

    Parameters
    ----------
    estimator : classifier
        The model, a classifier or a pipeline ending in one; it is cloned
        for every fit.

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data.

    y : array-like of shape (n_samples,)
        Clean class labels.

    groups : array-like of shape (n_samples,), default=None
        Group labels for group-aware ``cv`` splitters.

    noise_rates : array-like of float, default=(0, .1, .2, .3, .4, .5)
        The ``noise_rate`` values of the injector (see :mod:`skmislabel.noise`
        for what a rate means for each noise type).

    noise_type : {"symmetric", "uniform", "pairflip", "mapping", \
            "part_dependent", "confidence", "pmd", "borderline"}, \
            default="symmetric"
        Noise model of the default injector. Ignored when ``injector`` is
        given. The instance-dependent types draw each training fold's noise
        from its own features; configure their options (``noise_estimator``,
        ``n_neighbors``, ...) with ``injector``.

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
        Score recorded for a fit that fails (its row's ``error`` says why);
        "raise" re-raises.

    verbose : int, default=0
        joblib's verbosity.

    estimator_name : str, default=None
        Value of the ``estimator`` column; default: the estimator's class
        name.

    callback : callable, default=None
        Called with a copy of each finished fit's row (a dict with the
        DataFrame's columns) as soon as it is done, in completion order: for
        progress bars and for saving results as they come. An exception in
        the callback stops the sweep: the fits not yet started are
        cancelled and the exception propagates. The finished work is what
        the callback was given before: saved, it is passed back as
        ``resume_from`` to go on, and only the rest is fitted (the row whose
        callback raised too, unless it was saved).

    resume_from : DataFrame, default=None
        Rows of an earlier run (its ``frame``) with the same settings.
        A complete row of one of this run's tasks (estimator, noise_type,
        noise_rate, repeat, fold) is not run again and is returned with the
        new ones; incomplete rows (a missing score or count) and failed rows
        are run again. A complete row whose ``noise_seed``, ``model_seed``,
        ``split_fingerprint`` or ``config_fingerprint`` differ from this
        run's raises :class:`ResumeMismatchError`: it comes from another
        ``random_state``, ``cv``, data set or model configuration. Rows of
        tasks outside this run are ignored. What no run writes is refused
        with :class:`ResumeMismatchError` naming the row and column: text or
        NaN in a task column, a fractional ``repeat`` or ``fold``, a seed
        that is not an integer in [0, 2**31 - 1); so are two complete rows
        of one fit with different results (the same fit saved twice is
        taken once).

    Returns
    -------
    results : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        noise_rates : ndarray of shape (n_noise_rates,)
            The swept rates, in the order given.
        train_scores : ndarray of shape (n_noise_rates, n_repeats * n_splits)
            Scores on the training folds' clean labels. Column
            ``r * n_splits + k`` is repeat ``r``, fold ``k``; a failed fit
            holds ``error_score``.
        test_scores : ndarray of shape (n_noise_rates, n_repeats * n_splits)
            Scores on the test folds' clean labels, same layout.
        flip_rates : ndarray of shape (n_noise_rates, n_repeats * n_splits)
            Realised flip rate of each fit's training labels (the injector's
            ``flip_rate_``; NaN for a failed fit).
        frame : DataFrame
            The same fits as a tidy table, one row per fit, with the columns
            of :data:`RESULT_COLUMNS`: ``estimator``, ``noise_type``,
            ``noise_rate``, ``repeat``, ``fold``, ``test_score``,
            ``train_score``, ``n_flipped``, ``flip_rate``,
            ``detection_precision`` and ``detection_recall`` (see below),
            ``fit_time``, ``score_time``, ``noise_seed``, ``model_seed``,
            ``split_fingerprint`` (a hash of the fold's train and test
            indices), ``config_fingerprint`` (see
            :func:`config_fingerprint`) and ``error`` (empty, or the
            exception of a failed fit). Save it with ``to_csv`` and plot it
            with :meth:`NoiseCurveDisplay.from_results
            <skmislabel.plotting.NoiseCurveDisplay.from_results>`, or pass it
            back as ``resume_from``.

    Notes
    -----
    **A cleaner in the pipeline is scored against the truth.** When
    ``estimator`` is a pipeline with a cleaning step (a sampler with a
    fitted ``suspect_mask_``, such as
    :class:`~skmislabel.cleaning.ConfidentLearningCleaner`), for example
    ``make_pipeline(ConfidentLearningCleaner(), model)``, each fit records
    the precision and recall of its suspects against the labels the injector
    flipped (:func:`skmislabel.metrics.detection_report`) in
    ``detection_precision`` and ``detection_recall``: one sweep gives the
    accuracy after cleaning and the detector's quality at every rate. They
    are NaN without a cleaner, and where undefined (precision with nothing
    flagged, recall with nothing flipped). The cleaner must come right after
    the injector: a sampler in between that adds or removes samples fails
    the fit with an error saying so.

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
    >>> results = noise_curve(
    ...     KNeighborsClassifier(), X, y, noise_rates=[0, 0.3, 0.6], cv=3,
    ...     random_state=0)
    >>> results.test_scores.shape
    (3, 3)
    >>> bool(results.test_scores[0].mean() > results.test_scores[2].mean())
    True
    >>> results.frame[["noise_rate", "fold", "n_flipped"]].head(2)
       noise_rate  fold  n_flipped
    0         0.0     0          0
    1         0.0     1          0
    """
    import pandas as pd

    X, y, groups = indexable(X, y, groups)
    noise_rates = np.asarray(noise_rates, dtype=float)
    if noise_rates.ndim != 1 or noise_rates.size == 0:
        raise ValueError(f"noise_rates must be a non-empty 1-D list; got {noise_rates!r}.")
    if np.isnan(noise_rates).any() or (noise_rates < 0).any() or (noise_rates > 1).any():
        raise ValueError(f"noise_rates must lie in [0, 1]; got {noise_rates.tolist()}.")
    rounded = np.round(noise_rates, 12)
    if np.unique(rounded).size != rounded.size:
        # Two tasks would share a key: their rows would be indistinguishable.
        repeated = sorted({float(r) for r in rounded if (rounded == r).sum() > 1})
        raise ValueError(f"noise_rates must not repeat a rate; {repeated} appear twice or more.")
    if not is_classifier(estimator):
        raise TypeError(
            "estimator must be a classifier (or a pipeline ending in one): a noise "
            "curve scores predicted class labels against the clean labels. Got "
            f"{type(estimator).__name__}, for which sklearn.base.is_classifier is False."
        )
    check_classification_targets(y)
    if injector is None:
        injector = LabelNoiseInjector(noise_type=noise_type)
    elif injector.noise_type == "transition_matrix":
        raise ValueError(
            "injector has noise_type='transition_matrix', whose matrix fixes every "
            "rate: there is no noise_rate to sweep. Use one injector per matrix with "
            "cross_validate, or noise_type='mapping'."
        )
    _check_injector_on_targets(injector, X, y, noise_rates)
    estimator_name = estimator_name or type(estimator).__name__
    cv = check_cv(cv, y, classifier=True)
    splits = list(cv.split(X, y, groups))
    fingerprints = [split_fingerprint(train, test) for train, test in splits]
    scorer = check_scoring(estimator, scoring=scoring)
    seeds = repeat_seeds(random_state, n_repeats)

    pipeline = make_pipeline(clone(injector), clone(estimator))
    configuration = config_fingerprint(pipeline)
    tasks = []
    for rate in noise_rates:
        for repeat in range(n_repeats):
            for fold in range(len(splits)):
                tasks.append(
                    {
                        "estimator": estimator_name,
                        "noise_type": injector.noise_type,
                        "noise_rate": float(rate),
                        "repeat": repeat,
                        "fold": fold,
                        "noise_seed": seeds[repeat][0],
                        "model_seed": seeds[repeat][1],
                        "split_fingerprint": fingerprints[fold],
                        "config_fingerprint": configuration,
                    }
                )
    done = reusable_rows(resume_from, tasks)
    to_run = [task for task in tasks if task_key(task) not in done]
    _check_instance_injector(injector, X, y, splits, to_run)

    parallel = Parallel(n_jobs=n_jobs, verbose=verbose, return_as="generator_unordered")
    results = parallel(
        delayed(_fit_and_score)(
            clone(pipeline).set_params(labelnoiseinjector__noise_rate=task["noise_rate"]),
            X,
            y,
            *splits[task["fold"]],
            scorer,
            task,
            error_score,
        )
        for task in to_run
    )
    new_rows = []
    try:
        for row in results:
            new_rows.append(row)
            if callback is not None:
                # A copy: what the callback does with it cannot change the results.
                callback(dict(row))
    finally:
        _stop(results)
    _warn_about_failed_fits(new_rows)

    frame = (
        pd.DataFrame([*done.values(), *new_rows], columns=list(RESULT_COLUMNS))
        .sort_values(list(TASK_COLUMNS))
        .reset_index(drop=True)
    )
    return Bunch(
        noise_rates=noise_rates,
        **_score_arrays(frame, noise_rates, n_repeats, len(splits)),
        frame=frame,
    )


def _stop(results):
    """Close the generator of results, so that an exception (in the callback,
    a fit with ``error_score="raise"``, Ctrl-C) cancels the fits not yet
    started instead of leaving them running while the exception is handled.
    Once every result was read, it does nothing."""
    with warnings.catch_warnings():
        # joblib counts the fits it cancelled or computed for nobody: here
        # they are dropped on purpose.
        warnings.filterwarnings(
            "ignore", message=".*tasks (have been successfully executed|which were still)"
        )
        results.close()


def _check_injector_on_targets(injector, X, y, noise_rates):
    """Draw the noise once on all of y at every rate, so that a setup error
    that would fail every fit (a mapping without class_mapping, a class the
    mapping names but y lacks, ...) is raised before any fit, as itself.
    Instance-dependent injectors are checked by :func:`_check_instance_injector`.
    """
    if injector.noise_type in INSTANCE_NOISE_TYPES:
        return
    for rate in noise_rates:
        clone(injector).set_params(noise_rate=float(rate), random_state=0).fit_resample(X, y)


def _check_instance_injector(injector, X, y, splits, tasks):
    """Draw an instance-dependent injector's noise once before any fit, as
    the first task to run will draw it, at the highest rate.

    Its propensities do not depend on the rate (part_dependent aside, whose
    are cheap): only whether the rate can be reached does, and the highest
    rate is the hardest to reach. The draw is the first task's own (its
    training rows, its noise seed), so a model it fits (for confidence and
    pmd, ``noise_cv`` fits of the noise estimator) is not fitted again by
    that task and the others on the same rows: their out-of-fold
    probabilities are cached (:mod:`skmislabel._confidence_noise`).
    """
    if injector.noise_type not in INSTANCE_NOISE_TYPES or not tasks:
        return
    first = tasks[0]
    train = splits[first["fold"]][0]
    highest = max(task["noise_rate"] for task in tasks)
    clone(injector).set_params(noise_rate=highest, random_state=first["noise_seed"]).fit_resample(
        safe_indexing(X, train), safe_indexing(y, train)
    )


def _score_arrays(frame, noise_rates, n_repeats, n_splits):
    """Columns of the tidy frame as arrays, rows in the order of noise_rates."""
    shape = (noise_rates.size, n_repeats * n_splits)
    arrays = {name: np.full(shape, np.nan) for name in _ARRAY_COLUMNS}
    for row in frame.to_dict("records"):
        rate_index = np.flatnonzero(np.isclose(noise_rates, row["noise_rate"]))[0]
        column = row["repeat"] * n_splits + row["fold"]
        for name, source in _ARRAY_COLUMNS.items():
            arrays[name][rate_index, column] = row[source]
    return arrays
