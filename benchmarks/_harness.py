"""What every benchmark script shares: its folder, files, report, flags and fits.

A run owns one output folder (``--out``) while it holds the folder's lock.
Every file it writes there is named up front, so that one rule covers all
of them: an existing file is replaced only with ``--overwrite`` or
continued with ``--resume``; a file that is a symbolic link is refused;
each file is written to a temporary file created exclusively in the folder
(``mkstemp``) and moved into place atomically (``os.replace``); the results
CSV is appended to, one finished fit at a time, through a descriptor opened
without following links, and flushed to disk (``fsync``) before the fit
counts as done. Reading a saved CSV is strict: a cell that does not parse
is exit status 2 naming the file, line and column, never a traceback.

Exit status, for every script: 0 success; 1 failure (a fit failed, or an
unexpected error, with its traceback); 2 arguments or files the run cannot
use (nothing is written when that is found before the sweep starts; a file
refused during it, such as a results CSV swapped for a link, leaves the
report with status ``failed`` and the rows already appended); 130
interrupted (Ctrl-C).

The JSON report has one schema: ``benchmark``, ``status`` (``running``,
``complete``, ``failed`` or ``interrupted``), ``settings``, ``versions``,
``machine`` (platform, CPU model, ``cpu_count``, cores available),
``started``, ``wall_time_seconds`` (this invocation), ``wall_time_total_seconds``
(over resumes of the same settings), the fit counts, and what the script
adds. It is strict JSON: NaN and infinities are written as null.
"""

import argparse
import contextlib
import csv
import errno
import hashlib
import io
import json
import math
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130
# Two rates closer than this are one rate (0.2 and 0.20000000000001).
RATE_TOLERANCE = 1e-9
SEED_LIMIT = 2**32
NOISE_TYPES = (
    "symmetric",
    "uniform",
    "pairflip",
    "part_dependent",
    "confidence",
    "pmd",
    "borderline",
    "mnist-asymmetric",
)
# The types whose flips follow each sample (their options: add_noise_arguments).
INSTANCE_NOISE_TYPES = ("part_dependent", "confidence", "pmd", "borderline")
# Noise of the literature, as LabelNoiseInjector(noise_type="mapping"): each
# mapped class flips to its target with probability the rate, the others
# never. "mnist-asymmetric" is the MNIST noise of Patrini et al. (2017),
# "Making deep neural networks robust to label noise: a loss correction
# approach" (reference code giorgiop/loss-correction, noise.py,
# noisify_mnist_asymmetric): 2 -> 7, 3 -> 8, 5 <-> 6, 7 -> 1.
NOISE_PRESETS = {"mnist-asymmetric": {2: 7, 3: 8, 5: 6, 6: 5, 7: 1}}
# Flags that say how a run is executed, not what it computes: a resumed run
# may change them.
EXECUTION_SETTINGS = ("n_jobs", "backend", "scheduler", "verbose", "parallelism")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """Arguments or files this run cannot use: exit status 2."""


# --------------------------------------------------------------------------
# Flags
# --------------------------------------------------------------------------
def add_run_arguments(parser, *, quick, parallel=True):
    """The flags of every sweep: --quick (what it runs: ``quick``), --out,
    --seed, --n-jobs, --backend, --scheduler, --verbose, --resume / --overwrite.
    A script that runs in its own process (``parallel=False``) has no
    --n-jobs, --backend or --scheduler."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a tiny end-to-end run: {quick} (options given explicitly still apply)",
    )
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument(
        "--seed", type=int, default=0, help="random_state of the whole run, in [0, 2**32)"
    )
    if parallel:
        _add_parallel_arguments(parser)
    else:
        parser.set_defaults(n_jobs=None, backend="loky", scheduler=None)
    parser.add_argument(
        "--verbose", action="store_true", help="show TensorFlow's start-up and C++ logs"
    )
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument(
        "--resume",
        action="store_true",
        help="go on from the CSV in OUT, or extend it: its complete rows are kept, "
        "torn or failed fits are run again, rows of other settings are refused",
    )
    existing.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the results already in OUT (without it, or --resume, an "
        "existing run is never touched)",
    )


def _add_parallel_arguments(parser):
    parser.add_argument(
        "--n-jobs",
        type=int,
        help="fits in parallel (default: chosen from the core count; 1 runs one fit "
        "after another in this process with all TensorFlow threads)",
    )
    parser.add_argument("--backend", choices=("loky", "dask"), default="loky")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address (default: a local cluster on 127.0.0.1)",
    )


def parse_with_defaults(parser, argv, defaults, quick_defaults):
    """The parsed flags; those not given take ``defaults``, or
    ``quick_defaults`` with --quick."""
    args = parser.parse_args(argv)
    for name, value in (quick_defaults if args.quick else defaults).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def add_noise_arguments(parser):
    """The options of the instance-dependent noise types."""
    parser.add_argument(
        "--flip-rate-std",
        type=float,
        default=0.1,
        help="part_dependent: std of the per-sample flip rates (default 0.1)",
    )
    parser.add_argument(
        "--noise-cv",
        type=int,
        default=5,
        help="confidence, pmd: folds of the out-of-fold probabilities of the "
        "noise estimator, a scaled logistic regression (default 5)",
    )
    parser.add_argument(
        "--pmd-type", choices=("I", "II", "III"), default="I", help="pmd: polynomial (default I)"
    )
    parser.add_argument(
        "--n-neighbors", type=int, default=5, help="borderline: neighbours (default 5)"
    )


def check_arguments(parser, args, *, at_least_one=()):
    """The checks every sweep shares; ``parser.error`` (exit 2) on the first
    value that cannot be used. ``args.out`` becomes a Path."""
    if not args.out:
        parser.error("--out must name a folder; got ''")
    args.out = Path(args.out)
    if not 0 <= args.seed < SEED_LIMIT:
        parser.error(f"--seed must be in [0, 2**32); got {args.seed}")
    if args.scheduler and args.backend != "dask":
        parser.error("--scheduler needs --backend dask")
    for name in ("n_jobs", *at_least_one):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1; got {value}")
    if hasattr(args, "flip_rate_std"):
        if not (math.isfinite(args.flip_rate_std) and args.flip_rate_std >= 0):
            parser.error(f"--flip-rate-std must be a finite number >= 0; got {args.flip_rate_std}")
        if args.noise_cv < 2:
            parser.error(f"--noise-cv must be at least 2; got {args.noise_cv}")
        if args.n_neighbors < 1:
            parser.error(f"--n-neighbors must be at least 1; got {args.n_neighbors}")


def check_rates(parser, flag, rates, *, upper=1.0, upper_included=True):
    """``rates`` sorted; refuses rates outside [0, upper] and rates that are
    one rate up to RATE_TOLERANCE (a resumed row could match either)."""
    inside = (lambda r: 0 <= r <= upper) if upper_included else (lambda r: 0 <= r < upper)
    bound = "]" if upper_included else ")"
    if any(not (math.isfinite(rate) and inside(rate)) for rate in rates):
        parser.error(f"{flag} must lie in [0, {upper:g}{bound}; got {rates}")
    ordered = sorted(rates)
    for low, high in zip(ordered, ordered[1:]):
        if high - low <= RATE_TOLERANCE:
            parser.error(
                f"{flag} must not repeat a rate (closer than {RATE_TOLERANCE:g}); got {low!r} "
                f"and {high!r}"
            )
    return ordered


def check_n_neighbors(args, n_train):
    """--n-neighbors must leave a sample more than its neighbours."""
    if args.n_neighbors >= n_train:
        raise Refused(
            f"--n-neighbors must be smaller than the training set ({n_train} samples); "
            f"got {args.n_neighbors}"
        )


def noise_options(args):
    """The instance-dependent noise options, as recorded in the settings."""
    return {
        "flip_rate_std": args.flip_rate_std,
        "noise_cv": args.noise_cv,
        "pmd_type": args.pmd_type,
        "n_neighbors": args.n_neighbors,
    }


def noise_settings(args, noise_type):
    """What decides a noise's flips besides its type, rate and seed: the
    instance-dependent types' options, a preset's mapping (an edited preset
    is another noise). Empty for the other types, so that rows written before
    these existed keep their fingerprint."""
    settings = {}
    if noise_type in INSTANCE_NOISE_TYPES:
        settings["noise_options"] = noise_options(args)
    if noise_type in NOISE_PRESETS:
        settings["class_mapping"] = sorted(NOISE_PRESETS[noise_type].items())
    return settings


def injector(noise_type, args, **params):
    """A LabelNoiseInjector of ``noise_type`` (a preset of NOISE_PRESETS is
    the mapping type with its ``class_mapping``) with the command line's options."""
    from skmislabel import LabelNoiseInjector

    if noise_type in NOISE_PRESETS:
        params = {**params, "class_mapping": dict(NOISE_PRESETS[noise_type])}
        noise_type = "mapping"
    return LabelNoiseInjector(noise_type=noise_type, **noise_options(args), **params)


def check_noise_classes(noise_types, y, where="the data"):
    """Refuse a preset whose mapping names classes ``y`` lacks (exit 2):
    its injector would fail at every fit, or flip into a class the data
    do not have."""
    present = set(np.unique(y).tolist())
    for noise_type in dict.fromkeys(noise_types):
        mapping = NOISE_PRESETS.get(noise_type)
        if mapping is None:
            continue
        missing = sorted((set(mapping) | set(mapping.values())) - present)
        if missing:
            pairs = ", ".join(f"{true} -> {noisy}" for true, noisy in mapping.items())
            raise Refused(f"--noise {noise_type} flips {pairs}: {where} lack the classes {missing}")


def settings_fingerprint(settings):
    """A fingerprint of what decides a run's numbers (execution flags left
    out), or the one the settings carry."""
    if "fingerprint" in settings:
        return settings["fingerprint"]
    kept = {key: value for key, value in settings.items() if key not in EXECUTION_SETTINGS}
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()
    return "sha256:" + digest[:16]


# --------------------------------------------------------------------------
# TensorFlow's start-up noise
# --------------------------------------------------------------------------
def quiet_tensorflow(verbose=False):
    """Import TensorFlow without its start-up lines (CUDA probes, oneDNN,
    absl's "before InitializeLog") unless ``verbose``.

    TF_CPP_MIN_LOG_LEVEL silences TensorFlow's C++ logs once absl's logging is
    set up, but the lines printed while the library loads come before it: they
    go to a temporary file instead of stderr, and are shown if the import fails.
    """
    import importlib.util

    if verbose or "tensorflow" in sys.modules or importlib.util.find_spec("tensorflow") is None:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf
        except Exception:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    tf.get_logger().setLevel("ERROR")
    with contextlib.suppress(ImportError):
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)


# --------------------------------------------------------------------------
# The folder and its files
# --------------------------------------------------------------------------
class OutputFolder:
    """``--out`` while this run holds its lock, and the files the run writes.

    ``files`` are the names of every file the run writes (results first);
    ``resume`` and ``overwrite`` are the command line's choice for them.
    """

    def __init__(self, path, name, files, *, resume=False, overwrite=False, resumable=True):
        self.path, self.name, self.files = Path(path), name, tuple(files)
        self.resume, self.overwrite, self.resumable = resume, overwrite, resumable
        self._lock = None

    def __enter__(self):
        lock = f"{self.name}.lock"
        if (self.path / lock).is_symlink():
            raise self._link(lock)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            # Opening the lock file also proves that the folder is writable
            # (os.access says yes to root even on a read-only file system).
            self._lock = os.open(
                self.path / f"{self.name}.lock",
                os.O_WRONLY | os.O_CREAT | _NOFOLLOW | _CLOEXEC,
                0o644,
            )
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # planted since the check above
                raise self._link(lock) from None
            raise Refused(
                f"--out {self.path}: cannot write there ({exc.strerror or exc})"
            ) from None
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks, one run at a time is on the user
            return self
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.close()
            raise Refused(
                f"--out {self.path}: another run is writing there (it holds {self.name}.lock); "
                "wait for it or choose another --out"
            ) from None
        try:
            self._check_files()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _link(self, name):
        return Refused(
            f"--out {self.path}: {name} is a symbolic link; a run writes only "
            "regular files inside its folder: remove it or choose another --out"
        )

    def _check_files(self):
        existing = []
        for name in self.files:
            path = self.path / name
            if path.is_symlink():
                raise self._link(name)
            if path.exists():
                if not path.is_file():
                    raise Refused(f"--out {self.path}: {name} is not a regular file")
                existing.append(name)
        if existing and not (self.resume or self.overwrite):
            choices = "--resume to continue it or --overwrite" if self.resumable else "--overwrite"
            raise Refused(
                f"--out {self.path} already holds a run ({', '.join(existing)}); pass "
                f"{choices} to replace it"
            )

    def exists(self, name):
        return (self.path / name).is_file()

    def write_bytes(self, name, data):
        """Write ``name`` atomically through a temporary file of this folder."""
        self._check_name(name)
        descriptor, temporary = tempfile.mkstemp(dir=self.path, prefix=f".{name}.", suffix=".tmp")
        try:
            # mkstemp's 0600, widened to what the user's umask gives a new file.
            os.fchmod(descriptor, 0o666 & ~_umask())
            with os.fdopen(descriptor, "wb") as file:
                if callable(data):
                    data(file)
                else:
                    file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def write_json(self, name, report):
        text = json.dumps(strict_json(report), indent=2, allow_nan=False) + "\n"
        self.write_bytes(name, text.encode())

    def save_figure(self, name, figure, **kwargs):
        self.write_bytes(name, lambda file: figure.savefig(file, format="png", **kwargs))

    def remove(self, name):
        self._check_name(name)
        (self.path / name).unlink(missing_ok=True)

    def _check_name(self, name):
        if name not in self.files:  # a script bug, not a user error
            raise ValueError(f"{name} is not one of this run's files {self.files}")


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def strict_json(value):
    """``value`` with NaN and infinities as None: strict JSON has no NaN."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # NumPy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value


# --------------------------------------------------------------------------
# The results CSV
# --------------------------------------------------------------------------
def text(value):
    return value


def required_text(value):
    if not value:
        raise ValueError("empty")
    return value


def count(value):
    """A non-negative int written as digits (not 0.7, inf or text)."""
    if not value.strip().isdigit():
        raise ValueError(f"{value!r} is not a non-negative integer")
    return int(value)


def optional_count(value):
    return None if value == "" else count(value)


def count_or_nan(value):
    """A count that is NaN for a failed fit (a float column holding ints)."""
    return math.nan if value in ("", "nan", "NaN") else float(count(value))


INTEGER_PARSERS = (count, optional_count, count_or_nan)


def finite_number(value):
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def number(value):
    """A float; empty or nan is NaN (a failed fit, or nothing to measure)."""
    return math.nan if value in ("", "nan", "NaN") else float(value)


class ResultsCsv:
    """The results CSV of a run: ``columns`` in order, each read back by its
    parser in ``parsers`` (a function of the cell's text that raises
    ValueError). ``legacy_columns`` are the columns added by later
    versions, absent from an older file's header (read as NaN): one group of
    names, or the groups of successive versions, oldest first (a file lacks
    the last groups: the first one's, or the first two's, ...)."""

    def __init__(self, folder, name, columns, parsers, *, legacy_columns=()):
        self.folder, self.name = folder, name
        self.path = folder.path / name
        self.columns, self.parsers = list(columns), parsers
        groups = legacy_columns
        if all(isinstance(column, str) for column in groups):
            groups = (groups,) if groups else ()
        self.legacy_columns = tuple(column for group in groups for column in group)
        # The headers of each older version, then of this one.
        self._headers = []
        for first_absent in range(len(groups) + 1):
            absent = {column for group in groups[first_absent:] for column in group}
            self._headers.append([column for column in self.columns if column not in absent])

    def _formatted(self, row):
        values = {}
        for column in self.columns:
            value = row.get(column, "")
            if value is None:
                value = ""
            elif self.parsers[column] in INTEGER_PARSERS and isinstance(value, float):
                # A count read back as a float (its column allows NaN) is
                # written as the int it was, so a resumed file keeps its text.
                value = value if math.isnan(value) else int(value)
            values[column] = value
        return values

    def _lines(self, rows, header=False):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        if header:
            writer.writeheader()
        writer.writerows(self._formatted(row) for row in rows)
        return buffer.getvalue().encode()

    def rewrite(self, rows):
        """Replace the file, atomically, by the header and ``rows``."""
        self.folder.write_bytes(self.name, self._lines(rows, header=True))

    def append(self, rows):
        """Append ``rows`` in one write, on disk before returning. The file
        is opened without following a link, so a link planted after the run
        started is refused, not written through."""
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | _NOFOLLOW | _CLOEXEC)
        except OSError as exc:
            raise Refused(f"{self.path}: cannot append ({exc.strerror or exc})") from None
        with os.fdopen(descriptor, "ab") as file:
            file.write(self._lines(rows))
            file.flush()
            os.fsync(file.fileno())

    def read(self):
        """The rows of the saved CSV, parsed; refuses anything else.

        A last line cut short by a killed write (no newline, or fewer fields
        than the header) is dropped and so run again.
        """
        try:
            descriptor = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        except OSError as exc:
            raise Refused(f"--resume: cannot read {self.path} ({exc.strerror or exc})") from None
        with os.fdopen(descriptor, "rb") as file:
            data = file.read()
        where = f"--resume: {self.path}"
        if not data.strip():
            raise Refused(f"{where} is empty; pass --overwrite to start a new run there")
        if b"\0" in data:
            raise Refused(f"{where} is a binary file, not a results CSV")
        try:
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(f"{where} is not UTF-8 text, not a results CSV") from None
        # Parsed as one stream, so that a quoted cell holding a newline (an
        # error message) keeps it; each record's first line names it.
        reader = csv.reader(io.StringIO(content, newline=""))
        records, first_lines, line = [], [], 1
        try:
            for record in reader:
                records.append(record)
                first_lines.append(line)
                line = reader.line_num + 1
        except csv.Error as exc:
            raise Refused(f"{where} is not a readable CSV ({exc})") from None
        header = records.pop(0)
        first_lines.pop(0)
        # Complete rows end with a newline; a killed write leaves the last
        # one without it.
        torn = ""
        if records and not content.endswith("\n"):
            torn, records = ",".join(records[-1]), records[:-1]
            first_lines.pop()
        if header not in self._headers:
            raise Refused(
                f"{where} has the columns {header}, not those of this version's results "
                f"{self.columns}; pass --overwrite or another --out"
            )
        if records and len(records[-1]) < len(header):
            torn, records = ",".join(records[-1]), records[:-1]
            first_lines.pop()
        rows = []
        for line_number, record in zip(first_lines, records, strict=True):
            if len(record) != len(header):
                raise Refused(
                    f"{where} line {line_number} has {len(record)} fields, not {len(header)}: "
                    "the file is damaged; pass --overwrite to start over"
                )
            row = dict.fromkeys(self.columns, math.nan)
            for column, value in zip(header, record):
                try:
                    row[column] = self.parsers[column](value)
                except ValueError as exc:
                    raise Refused(
                        f"{where} line {line_number}, column {column}: {value!r} does not "
                        f"parse ({exc}); pass --overwrite to start over"
                    ) from None
            row["_line"] = line_number
            rows.append(row)
        if torn:
            print(
                f"--resume: dropped a torn last row of {self.path}; it is run again",
                file=sys.stderr,
            )
        return rows


def unique_fits(rows, key_columns, value_columns, path):
    """The complete rows with one row per key: a key saved twice with the same
    values is kept once; twice with different values is refused (which one
    would be the result?), naming the fit and the lines. Rows with an error
    are left out: their fits are run again."""
    kept = {}
    for row in rows:
        if row.get("error"):
            continue
        key = tuple(row[column] for column in key_columns)
        values = tuple(row[column] for column in value_columns)
        if key in kept:
            other = kept[key]
            if tuple(other[column] for column in value_columns) != values and not all(
                _both_nan(a, b) or a == b for a, b in zip((other[c] for c in value_columns), values)
            ):
                task = ", ".join(f"{column}={value}" for column, value in zip(key_columns, key))
                raise Refused(
                    f"--resume: {path} lines {other['_line']} and {row['_line']} hold two "
                    f"different results for one fit ({task}); delete the wrong one or pass "
                    "--overwrite"
                )
            continue
        kept[key] = row
    return [{k: v for k, v in row.items() if k != "_line"} for row in kept.values()]


def _both_nan(a, b):
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------
def versions():
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in (
        "skmislabel",
        "numpy",
        "scikit-learn",
        "imbalanced-learn",
        "pandas",
        "tensorflow",
        "keras",
        "scikeras",
        "joblib",
        "dask",
    ):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def cpu_model():
    """The CPU's model name (what decides speed and the last digits)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None


def available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Report:
    """The run's JSON report, rewritten at each change of status."""

    def __init__(self, folder, name, benchmark, settings):
        self.folder, self.name = folder, name
        self.started = time.perf_counter()
        self.earlier_wall_time = 0.0
        self.fields = {
            "benchmark": benchmark,
            "status": "running",
            "settings": settings,
            "versions": versions(),
            "machine": {
                "platform": platform.platform(),
                "cpu_model": cpu_model(),
                "cpu_count": os.cpu_count(),
                "available_cores": available_cores(),
            },
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        if folder.resume and folder.exists(name):
            # A resumed run's wall time adds to its earlier parts' (same settings).
            with contextlib.suppress(ValueError, OSError, TypeError, AttributeError):
                earlier = json.loads((folder.path / name).read_text())
                if settings_fingerprint(earlier.get("settings", {})) == settings_fingerprint(
                    settings
                ):
                    self.earlier_wall_time = float(
                        earlier.get("wall_time_total_seconds")
                        or earlier.get("wall_time_seconds")
                        or 0
                    )

    def write(self, status=None, **fields):
        if status is not None:
            self.fields["status"] = status
        self.fields.update(fields)
        wall_time = time.perf_counter() - self.started
        self.fields["wall_time_seconds"] = round(wall_time, 1)
        self.fields["wall_time_total_seconds"] = round(self.earlier_wall_time + wall_time, 1)
        self.folder.write_json(self.name, self.fields)


# --------------------------------------------------------------------------
# Running: progress, fits, exit status
# --------------------------------------------------------------------------
def require_tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        raise Refused("the progress bar needs tqdm: pip install '.[benchmarks]'") from None
    return tqdm


def progress_bar(total, initial=0, desc=None):
    """The progress bar, on stderr (stdout keeps the results)."""
    tqdm = require_tqdm()
    return tqdm(
        total=total, initial=initial, unit="fit", desc=desc, file=sys.stderr, dynamic_ncols=True
    )


def _worker_init(parent_pid, quiet_tf):
    """Initializer of the loky workers: TensorFlow imported quietly, and an
    exit when this script's process is gone, even killed by SIGKILL, instead
    of idling on as orphans holding a TensorFlow runtime each."""
    import threading

    if quiet_tf:
        quiet_tensorflow()

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextlib.contextmanager
def parallel_backend(args, *, tensorflow=False):
    """joblib's backend for the run's fits: loky workers that die with this
    process, or dask (``--backend dask``, a local cluster or ``--scheduler``)."""
    import joblib

    if args.backend != "dask":
        with joblib.parallel_config(
            backend="loky",
            initializer=_worker_init,
            initargs=(os.getpid(), tensorflow and not args.verbose),
        ):
            yield
        return
    import logging

    from dask.distributed import Client, LocalCluster

    if not args.verbose:
        # Its workers' start and stop messages would bury the progress bar.
        logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.n_jobs or available_cores(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        if tensorflow and not args.verbose:
            client.run(quiet_tensorflow)
        with joblib.parallel_config(backend="dask"):
            yield
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_parallel(function, tasks, n_jobs):
    """``function(task)`` of every task through joblib, in the order they
    finish (the backend is the one of ``parallel_backend``)."""
    import joblib

    tasks = list(tasks)
    if not tasks:
        return iter(())
    return joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        joblib.delayed(function)(task) for task in tasks
    )


def _stop_as_interrupted(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_interrupts():
    """``kill`` (SIGTERM) stops a run as Ctrl-C does: finished fits kept, the
    report "interrupted", exit 130. Python's default would end the process at
    once, its report left "running". A run started in the background from a
    script has SIGINT ignored, so SIGTERM is how it is stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop_as_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(run, args):
    """Run ``run(args)`` and turn how it ended into the exit status."""
    try:
        with _sigterm_interrupts():
            return run(args)
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt as exc:
        if not getattr(exc, "reported", False):
            print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the exit status says failure; the traceback says why
        import traceback

        traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


@contextlib.contextmanager
def recorded(report, results_path):
    """Record how the run ended in the report: interrupted, or failed with
    the error; the exception goes on to ``main``."""
    try:
        yield
    except KeyboardInterrupt as exc:
        report.write("interrupted")
        print(
            f"\ninterrupted: finished fits are in {results_path}; rerun with --resume to go on.",
            file=sys.stderr,
        )
        exc.reported = True
        raise
    except BaseException as exc:
        report.write("failed", error=f"{type(exc).__name__}: {exc}")
        raise


def new_parser(doc):
    """An argparse parser whose description and epilog are the script's docstring."""
    return argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=doc.split("\n\n", 1)[1],
    )


# --------------------------------------------------------------------------
# The one-report scripts (speed and memory measurements)
# --------------------------------------------------------------------------
def add_report_arguments(parser, name):
    """--out FOLDER and --overwrite of a script that writes OUT/<name>.json."""
    parser.add_argument(
        "--out", default="results", help=f"output folder; the report is OUT/{name}.json"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help=f"replace an existing OUT/{name}.json"
    )


def claim_report(parser, args, name):
    """Refuse before measuring what saving the report would refuse (exit 2)."""
    if not args.out:
        parser.error("--out must name a folder; got ''")
    args.out = Path(args.out)
    try:
        with OutputFolder(
            args.out, name, (f"{name}.json",), overwrite=args.overwrite, resumable=False
        ):
            pass
    except Refused as exc:
        parser.error(str(exc))


def save_report(args, name, report):
    """Write OUT/<name>.json (strict JSON, atomically) and say so."""
    with OutputFolder(args.out, name, (f"{name}.json",), overwrite=True) as folder:
        folder.write_json(f"{name}.json", report)
    print(f"saved {args.out / f'{name}.json'}")
