"""The results of a noise curve: their columns, seeds, fingerprints and resume rules.

One row per fit, as :func:`~skmislabel.model_selection.noise_curve` returns
them in its ``frame``, the plots read them and the benchmark saves them. The
rules here say what a row is (its task and provenance columns), which rows a
resumed run may reuse, and how a configuration is fingerprinted.
"""

import functools
import hashlib
import inspect
import json
import numbers
import os
import sys
import types
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from .._noise_models import INSTANCE_OPTIONS
from .._random import SEED_BOUND
from ..noise import LabelNoiseInjector

# One row of a noise curve's tidy results; the first five name the task.
TASK_COLUMNS = ("estimator", "noise_type", "noise_rate", "repeat", "fold")
# What, besides the task, decides a row's numbers: a resumed row must match
# these exactly or it belongs to another run.
PROVENANCE_COLUMNS = ("noise_seed", "model_seed", "split_fingerprint", "config_fingerprint")
RESULT_COLUMNS = (
    *TASK_COLUMNS,
    "test_score",
    "train_score",
    "n_flipped",
    "flip_rate",
    "detection_precision",
    "detection_recall",
    "fit_time",
    "score_time",
    *PROVENANCE_COLUMNS,
    "error",
)
# The columns of a cleaner's detection, scored against the injector's truth:
# NaN in the rows of a pipeline without a cleaner, and absent from results
# saved before they existed (read back as NaN).
DETECTION_COLUMNS = ("detection_precision", "detection_recall")
# The Python type of each column, for reading a saved CSV back exactly.
RESULT_TYPES = {
    **dict.fromkeys(RESULT_COLUMNS, float),
    **dict.fromkeys(("estimator", "noise_type", "split_fingerprint", "config_fingerprint"), str),
    **dict.fromkeys(("repeat", "fold", "noise_seed", "model_seed"), int),
    "error": str,
}
# Parameters that say how a fit is executed, not what it computes (random
# states are recorded as seeds): left out of config_fingerprint, so that a
# sweep can be resumed with another n_jobs.
_EXECUTION_PARAMETERS = frozenset({"n_jobs", "verbose", "tf_threads", "random_state", "memory"})


class ResumeMismatchError(ValueError):
    """A row passed to ``resume_from`` was computed with other settings.

    Raised by :func:`noise_curve` when a resumed row's seeds, split or
    configuration fingerprint differ from the ones this run would use for
    the same task (reusing it would mix results of different experiments),
    when a row holds what no run writes (text or NaN in a task column, a
    fractional repeat, a seed out of range), and when two complete rows of
    one fit disagree.
    """


def repeat_seeds(random_state, n_repeats):
    """``(noise_seed, model_seed)`` of each repeat, from ``random_state``.

    Each repeat's seeds are derived from a base entropy and the repeat index
    alone (``numpy.random.SeedSequence`` with ``spawn_key=(repeat,)``), so a
    run extended with more repeats keeps the seeds, and the rows, of its
    first repeats. An int is the base itself; a RandomState instance gives
    one draw; None takes fresh OS entropy (NumPy's global RNG is untouched).

    Examples
    --------
    >>> from skmislabel.model_selection import repeat_seeds
    >>> repeat_seeds(0, 3)[:2] == repeat_seeds(0, 2)
    True
    """
    if random_state is None:
        base = int(np.random.SeedSequence().generate_state(1)[0])
    elif isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int; got {random_state}.")
        base = int(random_state)
    else:
        base = int(random_state.randint(SEED_BOUND))
    seeds = []
    for repeat in range(n_repeats):
        state = np.random.SeedSequence(base, spawn_key=(repeat,)).generate_state(2)
        seeds.append(tuple(int(value) % SEED_BOUND for value in state))
    return seeds


def split_fingerprint(train, test):
    """A short hash of a (train, test) split of indices.

    Stored with every row of :func:`noise_curve`, so that rows computed on
    another split (another ``cv``, shuffling seed or data size) are
    recognised when a run is resumed.

    Examples
    --------
    >>> from skmislabel.model_selection import split_fingerprint
    >>> split_fingerprint([0, 1, 2], [3, 4]) == split_fingerprint([0, 1, 2], [3, 4])
    True
    >>> split_fingerprint([0, 1, 2], [3, 4]) == split_fingerprint([0, 1], [2, 3, 4])
    False
    """
    digest = hashlib.sha256()
    for indices in (train, test):
        indices = np.asarray(indices, dtype=np.int64)
        digest.update(len(indices).to_bytes(8, "little"))
        digest.update(indices.tobytes())
    return "sha256:" + digest.hexdigest()[:16]


def config_fingerprint(pipeline):
    """A short hash of what a noise-curve fit computes, its rate and seeds aside.

    Stored with every row of :func:`noise_curve`, so that rows of another
    model configuration (other epochs, another transition matrix, another
    noise type's options, ...) are recognised when a run is resumed. It
    hashes the *values* of the parameters of ``pipeline`` and of every
    estimator nested in it (arrays and DataFrames by their content, index and
    columns included; floats exactly; functions and classes by their
    qualified name, lambdas and local functions also by their code and the
    values they close over; other objects by their type and text, or their type only
    when their text holds a memory address), never their printout, so that a
    large array's elided middle or ``np.set_printoptions`` change nothing.

    Left out:

    - the injector's ``noise_rate`` (a column of its own);
    - the parameters that only say how a fit runs (``random_state``,
      ``n_jobs``, ``verbose``, ``tf_threads``, ``memory``), so that a sweep
      can be resumed with another ``n_jobs``;
    - the options of the instance-dependent noise types that the injector's
      noise type does not read (``n_neighbors`` of a symmetric injector, say);
    - every parameter equal to its default: a parameter added to a class
      later, at a default that does what the class did before, leaves the
      fingerprints of earlier runs as they were. (The other side of this
      rule: a changed default is not seen; the package versions of a run are
      recorded by the benchmark beside its results.)

    Parameters
    ----------
    pipeline : Pipeline
        ``make_pipeline(injector, estimator)``, as :func:`noise_curve` fits.

    Returns
    -------
    fingerprint : str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skmislabel import LabelNoiseInjector, make_pipeline
    >>> from skmislabel.model_selection import config_fingerprint
    >>> five = make_pipeline(LabelNoiseInjector(0.1), KNeighborsClassifier(5))
    >>> other_rate = make_pipeline(LabelNoiseInjector(0.4), KNeighborsClassifier(5))
    >>> config_fingerprint(five) == config_fingerprint(other_rate)
    True
    >>> config_fingerprint(five) == config_fingerprint(
    ...     make_pipeline(LabelNoiseInjector(0.1), KNeighborsClassifier(3)))
    False
    >>> T = np.full((40, 40), 1 / 40)  # 1,600 entries: its repr elides the middle
    >>> U = T.copy(); U[20, 19], U[20, 20] = 0, 2 / 40
    >>> def injector(matrix):
    ...     return LabelNoiseInjector(noise_type="transition_matrix",
    ...                               noise_rate=None, transition_matrix=matrix)
    >>> config_fingerprint(make_pipeline(injector(T), KNeighborsClassifier())) == (
    ...     config_fingerprint(make_pipeline(injector(U), KNeighborsClassifier())))
    False
    """
    swept = pipeline.steps[0][1] if getattr(pipeline, "steps", None) else None
    structure = _Canonical(swept).value(pipeline)
    # Hashed as JSON text defined here rather than with joblib.hash: the
    # fingerprints are saved in files and compared across versions, and
    # joblib.hash hashes pickles, whose bytes belong to Python and joblib.
    text = json.dumps(structure, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _code_digest(code):
    """A digest of a code object's bytecode, names and constants."""
    parts = [code.co_code, repr(code.co_names).encode()]
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            parts.append(_code_digest(constant).encode())
        else:
            parts.append(repr(constant).encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


class _Canonical:
    """Parameters as plain JSON values that say exactly what they hold."""

    def __init__(self, swept):
        # The injector whose noise_rate the sweep sets.
        self.swept = swept

    def value(self, value):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return str(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            # repr is the shortest text that reads back as the same float.
            return ["float", repr(float(value))]
        if isinstance(value, numbers.Complex):
            return ["complex", repr(complex(value))]
        if isinstance(value, bytes):
            return ["bytes", value.hex()]
        if hasattr(value, "get_params") and not isinstance(value, type):
            return self.estimator(value)
        if isinstance(value, np.ndarray):
            return self.array(value)
        pandas = sys.modules.get("pandas")  # nothing is a DataFrame before pandas is imported
        if pandas is not None and isinstance(
            value, (pandas.DataFrame, pandas.Series, pandas.Index)
        ):
            return self.pandas(value, pandas)
        if sp.issparse(value):
            csr = sp.csr_array(value, copy=True)
            csr.sum_duplicates()
            return [
                "sparse",
                list(csr.shape),
                *(self.array(a) for a in (csr.data, csr.indices, csr.indptr)),
            ]
        if isinstance(value, (list, tuple)):
            return [type(value).__name__, [self.value(item) for item in value]]
        if isinstance(value, Mapping):
            items = [[self.value(key), self.value(item)] for key, item in value.items()]
            return ["dict", sorted(items, key=lambda pair: json.dumps(pair[0]))]
        if isinstance(value, (set, frozenset)):
            return ["set", sorted((self.value(item) for item in value), key=json.dumps)]
        if isinstance(value, functools.partial):
            return [
                "partial",
                self.value(value.func),
                self.value(value.args),
                self.value(value.keywords),
            ]
        if callable(value) and hasattr(value, "__qualname__"):
            described = ["callable", getattr(value, "__module__", None), value.__qualname__]
            code = getattr(value, "__code__", None)
            if code is not None and "<" in value.__qualname__:
                # Every lambda of a module is "<lambda>", and local functions
                # repeat their names: their code and the values they close
                # over tell them apart (the bytecode is the Python version's).
                closure = []
                for cell in value.__closure__ or ():
                    try:
                        closure.append(self.value(cell.cell_contents))
                    except ValueError:  # an empty cell
                        closure.append(None)
                described += [_code_digest(code), closure, self.value(value.__defaults__)]
            return described
        if callable(getattr(value, "get_config", None)):
            # Keras objects (losses, optimizers, ...) describe themselves.
            return ["config", type(value).__qualname__, self.value(value.get_config())]
        text = repr(value)
        return ["object", type(value).__qualname__, None if " at 0x" in text else text]

    def array(self, array):
        if array.dtype.hasobject:
            return ["ndarray", "object", list(array.shape), [self.value(v) for v in array.ravel()]]
        data = np.ascontiguousarray(array).tobytes()
        return ["ndarray", array.dtype.str, list(array.shape), hashlib.sha256(data).hexdigest()]

    def pandas(self, value, pandas):
        if isinstance(value, pandas.Index):
            return ["Index", self.value(value.to_numpy())]
        if isinstance(value, pandas.Series):
            return [
                "Series",
                self.value(value.name),
                self.pandas(value.index, pandas),
                self.value(value.to_numpy()),
            ]
        columns = [
            self.value(value.iloc[:, position].to_numpy()) for position in range(value.shape[1])
        ]
        return [
            "DataFrame",
            self.pandas(value.columns, pandas),
            self.pandas(value.index, pandas),
            columns,
        ]

    def estimator(self, estimator):
        defaults = _defaults(estimator)
        ignored = set(_EXECUTION_PARAMETERS)
        noise_type = (
            getattr(estimator, "noise_type", None)
            if isinstance(estimator, LabelNoiseInjector)
            else None
        )
        if noise_type is not None:
            used = set(INSTANCE_OPTIONS.get(noise_type, ()))
            ignored |= {
                option for options in INSTANCE_OPTIONS.values() for option in options
            } - used
        if estimator is self.swept:
            ignored.add("noise_rate")
        params = []
        for name, value in sorted(estimator.get_params(deep=False).items()):
            if name in ignored:
                continue
            described = self.value(value)
            if name in defaults and described == self.value(defaults[name]):
                continue
            params.append([name, described])
        # By class name, as the earlier fingerprints: a class moved to
        # another module computes what it did.
        return ["estimator", type(estimator).__qualname__, params]


def _defaults(estimator):
    """The default value of each parameter of ``estimator``'s ``__init__``."""
    init = getattr(type(estimator).__init__, "deprecated_original", type(estimator).__init__)
    try:
        parameters = inspect.signature(init).parameters
    except (TypeError, ValueError):
        return {}
    return {name: p.default for name, p in parameters.items() if p.default is not p.empty}


def reusable_rows(resume_from, tasks):
    """Rows of ``resume_from`` that finish tasks of this run, by task key.

    Every row must name its task and seeds with values of the right type
    (:func:`check_saved_row`). A row is reused only when it is complete
    (scores and counts present, no error) and was computed with this run's
    seeds, split and configuration; a complete row of the same task with
    other ones, or two complete rows of one task with different results,
    raise :class:`ResumeMismatchError`. Incomplete and failed rows are rerun.
    """
    if resume_from is None:
        return {}
    missing = [
        column
        for column in RESULT_COLUMNS
        if column not in resume_from.columns and column not in DETECTION_COLUMNS
    ]
    if missing:
        raise ResumeMismatchError(
            f"resume_from lacks the columns {missing}; it must be a frame of "
            "noise_curve(...).frame from this version of skmislabel."
        )
    expected = {task_key(task): task for task in tasks}
    reusable = {}
    for index, row in zip(resume_from.index, resume_from.to_dict("records")):
        check_saved_row(row, f"resume_from row {index!r}")
        if not _is_complete(row):
            continue
        key = task_key(row)
        row = {column: row.get(column, np.nan) for column in RESULT_COLUMNS}
        row["error"] = ""
        if key in reusable:
            _check_same_result(reusable[key], row, key)
        if key not in expected:
            continue
        task = expected[key]
        differing = [column for column in PROVENANCE_COLUMNS if row[column] != task[column]]
        if differing:
            raise ResumeMismatchError(
                f"resume_from has a row for {dict(zip(TASK_COLUMNS, key))} computed "
                f"with other settings: "
                + ", ".join(f"{c}={row[c]!r} (this run: {task[c]!r})" for c in differing)
                + ". It belongs to another run (other random_state, cv, data or model "
                "configuration); "
                "start a new run or pass the matching settings."
            )
        reusable.setdefault(key, row)
    return reusable


# What a fit computed: two saved rows of one fit must agree on all of them.
_OUTCOME_COLUMNS = tuple(
    column
    for column in RESULT_COLUMNS
    if column not in TASK_COLUMNS and column not in ("fit_time", "score_time", "error")
)


def _check_same_result(first, second, key):
    """Two complete saved rows of one task: the same fit saved twice is
    fine; different results cannot both be right, and neither is chosen."""
    differing = [
        column
        for column in _OUTCOME_COLUMNS
        if not (
            first[column] == second[column] or (_is_nan(first[column]) and _is_nan(second[column]))
        )
    ]
    if differing:
        raise ResumeMismatchError(
            f"resume_from has two complete rows for the task {dict(zip(TASK_COLUMNS, key))} "
            "with different results: "
            + ", ".join(f"{c}={first[c]!r} and {second[c]!r}" for c in differing)
            + ". Keep the row to trust and drop the other, or rerun the task."
        )


def _is_nan(value):
    return isinstance(value, numbers.Real) and np.isnan(value)


def check_saved_row(row, where):
    """Refuse a saved row whose task or seed columns hold what no fit
    writes (text where a number goes, NaN, a fractional repeat, a seed out of
    range), naming ``where`` (the row) and the column."""

    def refuse(column, allowed):
        raise ResumeMismatchError(
            f"{where}: {column}={row[column]!r} is not a valid value; {column} must be "
            f"{allowed}. The row was not written by noise_curve: fix or drop it."
        )

    for column in ("estimator", "noise_type", "split_fingerprint", "config_fingerprint"):
        if not isinstance(row[column], str) or not row[column]:
            refuse(column, "non-empty text")
    rate = row["noise_rate"]
    if not _is_real(rate) or not 0 <= rate <= 1:
        refuse("noise_rate", "a number in [0, 1]")
    for column in ("repeat", "fold"):
        if not _is_integral(row[column]) or row[column] < 0:
            refuse(column, "a non-negative integer")
    for column in ("noise_seed", "model_seed"):
        if not _is_integral(row[column]) or not 0 <= row[column] < SEED_BOUND:
            refuse(column, f"an integer in [0, {SEED_BOUND})")
    for column in (*PROVENANCE_COLUMNS, "repeat", "fold"):
        if isinstance(row[column], numbers.Real):
            # An integral float (a CSV column with an empty cell is read as
            # floats) is the int it holds.
            row[column] = int(row[column])


def _is_real(value):
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and bool(np.isfinite(value))
    )


def _is_integral(value):
    return _is_real(value) and float(value).is_integer()


def _is_complete(row):
    error = row.get("error")
    if isinstance(error, str) and error:
        return False
    for column in ("test_score", "train_score", "n_flipped", "flip_rate"):
        try:
            if not np.isfinite(float(row[column])):
                return False
        except (TypeError, ValueError):
            return False
    return True


def task_key(row):
    return (
        row["estimator"],
        row["noise_type"],
        round(float(row["noise_rate"]), 12),
        int(row["repeat"]),
        int(row["fold"]),
    )


def read_results(results, columns):
    """The tidy results as a DataFrame, from a DataFrame or a CSV path,
    checked to hold ``columns`` and at least one row."""
    import pandas as pd

    if isinstance(results, (str, os.PathLike)):
        frame = pd.read_csv(results)
    elif isinstance(results, pd.DataFrame):
        frame = results
    else:
        hint = "; pass its .frame" if hasattr(results, "frame") else ""
        raise TypeError(
            "results must be a DataFrame (noise_curve(...).frame) or the path of the "
            f"CSV it was saved to; got {type(results).__name__}{hint}."
        )
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"results lack the columns {missing}; pass noise_curve(...).frame or its "
            f"CSV (columns {list(RESULT_COLUMNS)})."
        )
    if frame.empty:
        raise ValueError("results has no rows to plot.")
    return frame


def failed_rows(frame):
    """Boolean mask of the rows of failed fits (a non-empty ``error``)."""
    if "error" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    # A CSV reads an all-empty error column back as float NaN.
    errors = frame["error"]
    return (errors.notna() & (errors.astype(str) != "")).to_numpy()
