"""What recovers the accuracy: noise-robust training against cross-entropy.

With no arguments it trains the lesson's CNN on the bundled MNIST subset
(first 15,000 training images, labels flipped; scored on the first 2,000
test images' clean labels) in the memorization regime the field studies:
20 epochs of batch 128, at symmetric noise 0%, 50%, 60% and pairflip
noise 20%, 45%, 2 repeats, with every method:

- ``cross_entropy`` (the baseline) and the robust losses of
  ``skmislabel.losses``: ``label_smoothing``, ``bootstrap_soft``,
  ``bootstrap_hard``, ``gce``, ``sce``, ``nce_rce``, ``elr`` (early-learning
  regularization), each with its paper's defaults
  (``CNNClassifier(loss=...)``);
- the oracle rows, which are told the noise: ``forward`` and ``backward``
  loss correction with the known ``T`` (the injector's
  ``transition_matrix_``); ``coteaching``: ``CoTeachingClassifier`` with
  ``forget_rate`` = the noise rate, ``n_gradual_epochs=10``;
- the oracle-free rows, which see the noisy labels only:
  ``forward_hoc``, ``forward_confident_joint`` and ``forward_anchors``
  (``loss__transition_matrix="estimate"`` with that
  ``loss__estimation_method``; HOC trains no model; the confident joint
  uses the library's default model, 5-NN out of fold; the anchors the
  out-of-fold probabilities of a logistic regression on 50 PCA components,
  the model that measured better for them in the user guide's
  noise_estimation page); ``coteaching_estimated``
  (``forget_rate="estimate"``, HOC) and its variants ``coteaching_plus``
  (Co-teaching+), ``jocor`` (JoCoR) and ``coteaching_single`` (one network
  with the same small-loss selection and schedule), each
  ``CoTeachingClassifier(variant=...)`` with the same estimated rate;
  ``cross_entropy_early_stopped`` (``early_stopping=True``: 10% of the
  noisy labels held out, stratified, stop after 5 epochs without a better
  held-out accuracy, at most ``--epochs``, the best epoch's weights
  restored). Each estimated row
  records ``T_hat``'s error ``sum|T_hat - T| / sum|T|`` against the
  injector's ``T`` and the estimated flip rate (Co-teaching's
  ``forget_rate_``) against the share flipped; the early-stopped row records
  ``n_iter_`` and ``best_validation_score_``;
- the cleaning rows, which clean the noisy training labels with a cleaner of
  ``skmislabel.cleaning`` first and train the CNN on what it returns
  (``make_pipeline(injector, cleaner, CNNClassifier(loss=...))`` computes
  the same), named ``clean_<cleaner>_<action>[_<model>][_sce|_elr]``: the
  cleaner ``cl`` (``ConfidentLearningCleaner``), ``disagreement``
  (``DisagreementCleaner``), ``kdn`` (``NeighborhoodCleaner``, its own
  10 neighbours, no model) or ``aum`` (``AUMCleaner``: the area under the
  margin of the lesson's CNN trained 3 epochs, its default, no model
  suffix); the action ``remove`` or ``relabel``; the
  out-of-fold model of ``cl`` and ``disagreement``, ``knn`` (5-NN, their
  default) or ``cnn`` (``_data.cleaning_cnn``: the lesson's CNN, 1 epoch);
  ``_sce`` or ``_elr``: the CNN after the cleaner trains with
  ``loss="sce"`` or ``loss="elr"`` instead of cross-entropy. The grid:
  ``clean_cl_remove_knn``,
  ``clean_cl_remove_cnn``, ``clean_cl_relabel_knn``,
  ``clean_cl_relabel_cnn``, ``clean_disagreement_remove_knn``,
  ``clean_disagreement_remove_cnn``, ``clean_disagreement_relabel_knn``,
  ``clean_disagreement_relabel_cnn``, ``clean_kdn_remove``,
  ``clean_kdn_relabel``, ``clean_aum_remove``, ``clean_aum_relabel``, and
  with SCE ``clean_cl_remove_knn_sce``, ``clean_disagreement_remove_knn_sce``,
  ``clean_kdn_remove_sce``, ``clean_kdn_relabel_sce``,
  ``clean_cl_remove_cnn_sce``, ``clean_aum_remove_sce``, and with ELR
  ``clean_aum_remove_elr``. The cleaner's
  ``random_state`` (its folds, and its model's seed or AUM's seeds) is the
  repeat's model seed. A cleaning fit's last row
  records what the cleaner did against the injected truth: ``n_suspects``,
  ``n_removed``, ``n_relabelled`` (labels it changed), the
  ``suspect_precision`` and ``suspect_recall`` of its suspects against the
  flipped labels, the ``wrong_label_share`` of the labels it returned
  (the CNN's training labels) and ``cleaning_time`` (seconds, inside
  ``fit_time``; out-of-fold probabilities that this worker process already
  computed for the same data, model and seed are reused, so the second
  cleaner of a model may take almost none). For these rows ``memorized``,
  ``corrected``, ``clean_accuracy`` and ``n_flipped`` are measured on the
  labels the CNN trained on: a label is *flipped* when it is still wrong
  after cleaning (``n_flipped`` counts those, not the injected flips).

A method that is no longer run, ``forward_estimated`` (``T`` from anchor
points of the same repeat's cross-entropy network after its last epoch,
when it had memorized the flipped labels: what the library's "estimate"
did before it estimated from the data), keeps its rows of an earlier run in
a resumed CSV as history; they are summarised under their name and
marked retired, never as one of the new rows.

Within a repeat every method sees the same noisy labels and the same
initial seed. Each fit is recorded after every epoch
(``skmislabel.model_selection.memorization_curve``): test accuracy, and on
the training set the share of flipped labels predicted as the noisy label
(memorized) or the true one (corrected). The early-stopped fit has one row:
the model ``fit`` returns, at the epoch whose weights it restored. It writes

- ``results/remedies.csv``: one row per fit and epoch, appended as each fit
  finishes; a resumed run keeps every complete row of the CSV, also those
  of methods and noises it was not asked to run (``--method`` and
  ``--noise`` choose what runs, not what is kept);
- ``results/remedies.png``: last- and best-epoch test accuracy per method and
  noise, the methods grouped by family (baseline, robust training, oracle,
  noise estimated, cleaning); ``results/remedy_map.png``: which remedy for
  which noise, one cell per method and noise, coloured by the last epoch's
  mean; ``results/memorization.png``: cross-entropy against the best remedy
  at symmetric 50%, epoch by epoch (when that noise is in the run);
- ``results/remedies.json``: versions, settings, the summary table, the
  ``remedy_table`` (which remedy for which noise: method x noise condition,
  last-epoch mean ± std and best-epoch mean), the estimated T's error
  against the true one, machine, wall time;

and prints the table (mean ± std over repeats, ddof=1). ``--noise`` takes
the noise types of the harness, among them ``mnist-asymmetric``: the MNIST
noise of Patrini et al. (2017), 2 -> 7, 3 -> 8, 5 <-> 6, 7 -> 1, each with
probability the rate (refused on data without those classes). The table, figure
and JSON summarise every complete fit in the CSV, the kept ones included.

Exit status: 0 on success; 2 for bad arguments or unusable files (no result
is written then); 1 when a fit failed (its rows keep the error and no
number; ``--resume`` retries it); 130 when interrupted: finished fits stay
in the CSV and ``--resume`` goes on from there. A fit's rows are written
together; a fit torn by a killed write is run again, rows of other settings
are refused, and two runs cannot write to one folder at once.

Examples::

    python benchmarks/remedies.py
    python benchmarks/remedies.py --quick
    python benchmarks/remedies.py --method cross_entropy --method gce \\
        --symmetric 0.5 --pairflip 0.45 --repeats 3
    python benchmarks/remedies.py --out docs/images --resume \\
        --methods forward_hoc coteaching_estimated \\
        --noise symmetric 0.5 --noise pairflip 0.45
    python benchmarks/remedies.py --quick --noise confidence 0.3 --noise borderline 0.2
    python benchmarks/remedies.py --noise mnist-asymmetric 0.4 \
        --methods cross_entropy clean_kdn_remove clean_cl_remove_cnn
    python benchmarks/remedies.py --backend dask --n-jobs 2
"""

import collections
import functools
import hashlib
import itertools
import json
import math
import sys
import time

import _data
import _harness as harness
import numpy as np

METHODS = (
    "cross_entropy",
    "label_smoothing",
    "bootstrap_soft",
    "bootstrap_hard",
    "gce",
    "sce",
    "nce_rce",
    "elr",
    "forward",
    "backward",
    "coteaching",
    "forward_hoc",
    "forward_confident_joint",
    "forward_anchors",
    "coteaching_estimated",
    "coteaching_plus",
    "jocor",
    "coteaching_single",
    "cross_entropy_early_stopped",
)
# Told the noise (its T or its rate): the oracle rows.
ORACLE_METHODS = ("forward", "backward", "coteaching")
# Forward correction with T estimated by estimate_noise's method.
FORWARD_ESTIMATED = {
    "forward_hoc": "hoc",
    "forward_confident_joint": "confident_joint",
    "forward_anchors": "anchors",
}
# CoTeachingClassifier's variants, with the forget rate HOC estimates.
COTEACHING_VARIANTS = {"coteaching_plus": "plus", "jocor": "jocor", "coteaching_single": "single"}
EARLY_STOPPING = {"early_stopping": True, "validation_fraction": 0.1, "n_iter_no_change": 5}
# No longer run; their rows in a resumed CSV are history, summarised as such.
RETIRED_METHODS = {
    "forward_estimated": "retired: forward correction with T from anchor points of the same "
    "repeat's cross-entropy network after its last epoch (it had memorized the flipped "
    "labels); not the estimate the forward_* rows use",
}
# Cleaning as a remedy (see the module docstring): the method name's parts.
Cleaning = collections.namedtuple("Cleaning", "cleaner action model loss")
CLEANERS = ("cl", "disagreement", "kdn", "aum")
CLEANING_ACTIONS = ("remove", "relabel")
# The out-of-fold models of the cleaners that take one (kdn has its
# neighbours, aum trains the lesson's CNN epoch by epoch).
CLEANING_MODELS = ("knn", "cnn")
CLEANERS_WITHOUT_MODEL = ("kdn", "aum")
# Cleaned, then trained with SCE: the four cleanings with the cheap evidence
# (5-NN, kDN's neighbours) that left the fewest wrong labels on the lesson's
# data at symmetric 40% (noise seed 0): kdn_remove 1.1%, disagreement_remove
# 2.8%, kdn_relabel 6.2%, cl_remove 8.9% (cl_relabel 12.6%,
# disagreement_relabel 12.8%).
# With the CNN's evidence: confident learning on the 1-epoch CNN and AUM,
# the two that ranked confidence noise's flips best (user guide, cleaning).
CLEANING_WITH_SCE = (
    "clean_cl_remove_knn",
    "clean_disagreement_remove_knn",
    "clean_kdn_remove",
    "clean_kdn_relabel",
    "clean_cl_remove_cnn",
    "clean_aum_remove",
)
# Cleaned, then trained with ELR: AUM, the cleaner that left the fewest wrong
# labels at symmetric 80% (11.5%), whose SCE network still lost 0.014 from
# its best epoch to its last on them.
CLEANING_WITH_ELR = ("clean_aum_remove",)


def _cleaning_grid():
    """``{method name: Cleaning}`` of every cleaning row."""
    grid = {}
    for cleaner in CLEANERS:
        for action in CLEANING_ACTIONS:
            for model in (None,) if cleaner in CLEANERS_WITHOUT_MODEL else CLEANING_MODELS:
                name = "_".join(part for part in ("clean", cleaner, action, model) if part)
                grid[name] = Cleaning(cleaner, action, model, "cross_entropy")
    for name in CLEANING_WITH_SCE:
        grid[f"{name}_sce"] = grid[name]._replace(loss="sce")
    for name in CLEANING_WITH_ELR:
        grid[f"{name}_elr"] = grid[name]._replace(loss="elr")
    return grid


CLEANING_METHODS = _cleaning_grid()
METHODS += tuple(CLEANING_METHODS)
DEFAULTS = {"dataset": "mnist", "repeats": 2, "epochs": 20}
QUICK_DEFAULTS = {"dataset": "digits", "repeats": 1, "epochs": 3}
# The noise when no --symmetric, --pairflip or --noise is given.
DEFAULT_NOISE = {"symmetric": [0.5, 0.6, 0.0], "pairflip": [0.45, 0.2]}
QUICK_NOISE = {"symmetric": [0.4], "pairflip": [0.3]}
COLUMNS = (
    "method",
    "noise_type",
    "noise_rate",
    "repeat",
    "epoch",
    "test_accuracy",
    "memorized",
    "corrected",
    "clean_accuracy",
    "n_flipped",
    "fit_time",
    "noise_seed",
    "model_seed",
    "settings",
    "estimated_transition_matrix",
    "error",
    "transition_matrix_error",
    "estimated_flip_rate",
    "true_flip_rate",
    "n_iter",
    "best_validation_score",
)
# Added after the run on record: absent from an older CSV's header.
ORACLE_FREE_COLUMNS = COLUMNS[-5:]
# Added with the cleaning rows: absent from the header of the run on record;
# empty for the other methods, and on a cleaning fit's rows but its last.
CLEANING_COLUMNS = (
    "n_suspects",
    "n_removed",
    "n_relabelled",
    "suspect_precision",
    "suspect_recall",
    "wrong_label_share",
    "cleaning_time",
)
COLUMNS += CLEANING_COLUMNS
# The columns of later versions, oldest first: an older CSV lacks the last groups.
LEGACY_COLUMNS = (ORACLE_FREE_COLUMNS, CLEANING_COLUMNS)
TASK_COLUMNS = ("method", "noise_type", "noise_rate", "repeat")
# Memorization is measured after every epoch on this many training images
# (the same random ones at every epoch): predicting all 15,000 would add
# about half an epoch's time per epoch.
MEASURED_TRAINING_SAMPLES = 3000
FLOAT_COLUMNS = ("noise_rate", "test_accuracy", "memorized", "corrected", "clean_accuracy")
ESTIMATE_COLUMNS = (
    "transition_matrix_error",
    "estimated_flip_rate",
    "true_flip_rate",
    "n_iter",
    "best_validation_score",
)
SCORE_COLUMNS = ("test_accuracy", "memorized", "corrected", "clean_accuracy")
CSV, JSON = "remedies.csv", "remedies.json"
PNG, MEMORIZATION_PNG, MAP_PNG = "remedies.png", "memorization.png", "remedy_map.png"


def _parser():
    parser = harness.new_parser(__doc__)
    parser.add_argument(
        "--method",
        "--methods",
        dest="methods",
        action="extend",
        nargs="+",
        metavar="METHOD",
        help=f"the methods to run (default: all): {', '.join(METHODS)}. With --resume, "
        "the CSV's rows of other methods are kept",
    )
    parser.add_argument(
        "--symmetric",
        type=float,
        nargs="*",
        help="symmetric noise rates, run in this order (default 0.5 0.6 0)",
    )
    parser.add_argument(
        "--pairflip",
        type=float,
        nargs="*",
        help="pairflip rates, run in this order (default 0.45 0.2)",
    )
    parser.add_argument(
        "--noise",
        nargs="+",
        action="append",
        metavar="TYPE RATE",
        help="a noise type of LabelNoiseInjector and its rates, run after the symmetric "
        f"and pairflip ones; repeat for more types ({', '.join(harness.NOISE_TYPES)}; "
        "the options of the instance-dependent ones below). With --noise, "
        "--symmetric and --pairflip have no default",
    )
    harness.add_noise_arguments(parser)
    parser.add_argument("--repeats", type=int, help="repeats with new noise and seeds (default 2)")
    parser.add_argument("--epochs", type=int, help="epochs per fit (default 20)")
    parser.add_argument("--batch-size", type=int, default=128, help="default 128")
    parser.add_argument(
        "--dataset",
        choices=("mnist", "digits"),
        help="mnist: the bundled lesson subset; digits: scikit-learn's 8x8 digits, "
        "first 1,200 to train, the rest to test (default: mnist)",
    )
    harness.add_run_arguments(
        parser, quick="digits, symmetric 0.4, pairflip 0.3, 1 repeat, 3 epochs"
    )
    return parser


def _parse(argv):
    parser = _parser()
    args = harness.parse_with_defaults(parser, argv, DEFAULTS, QUICK_DEFAULTS)
    args.methods = list(args.methods or METHODS)
    for method in args.methods:
        if method in RETIRED_METHODS:
            parser.error(
                f"--method {method} is no longer run ({RETIRED_METHODS[method]}); its rows "
                "in a resumed CSV are kept. The oracle-free forward rows: "
                + ", ".join(FORWARD_ESTIMATED)
            )
        if method not in METHODS:
            parser.error(f"--method: invalid choice {method!r} (choose from {METHODS})")
    if len(set(args.methods)) != len(args.methods):
        parser.error(f"--method must not repeat a value; got {args.methods}")
    given = args.symmetric is not None or args.pairflip is not None or args.noise
    for name, rates in (QUICK_NOISE if args.quick else DEFAULT_NOISE).items():
        if getattr(args, name) is None:
            setattr(args, name, [] if given else list(rates))
    args.noise = _noise_conditions(parser, args.noise or [])
    for name in ("symmetric", "pairflip"):
        # Checked, but kept in the order given: the first rates run first.
        harness.check_rates(parser, f"--{name}", getattr(args, name), upper_included=False)
    if any(rate == 0 for rate in args.pairflip):
        parser.error("--pairflip 0 is clean training; give it as --symmetric 0")
    if not _conditions(args):
        parser.error("give at least one rate with --symmetric, --pairflip or --noise")
    harness.check_arguments(parser, args, at_least_one=("repeats", "epochs", "batch_size"))
    if args.n_jobs is None:
        args.n_jobs = min(harness.available_cores(), 4)
    return args


def _noise_conditions(parser, noise):
    """``(type, rate)`` of each --noise TYPE RATE [RATE ...], in the order given."""
    conditions = []
    for values in noise:
        noise_type, *texts = values
        if noise_type not in harness.NOISE_TYPES:
            parser.error(
                f"--noise: invalid type {noise_type!r} (choose from {harness.NOISE_TYPES})"
            )
        if not texts:
            parser.error(f"--noise {noise_type} needs at least one rate")
        try:
            rates = [float(text) for text in texts]
        except ValueError:
            parser.error(f"--noise {noise_type}: the rates must be numbers; got {texts}")
        harness.check_rates(parser, f"--noise {noise_type}", rates, upper_included=False)
        if noise_type != "symmetric" and 0 in rates:
            parser.error(f"--noise {noise_type} 0 is clean training; give it as --symmetric 0")
        conditions += [(noise_type, rate) for rate in rates]
    if len(set(conditions)) != len(conditions):
        parser.error("--noise must not repeat a type and rate")
    return conditions


# --------------------------------------------------------------------------
# The tasks
# --------------------------------------------------------------------------
def _conditions(args):
    """The noise conditions: symmetric and pairflip alternating in the order
    given, so that the first rates of each come first, then those of --noise."""
    symmetric = [("symmetric", rate) for rate in args.symmetric]
    pairflip = [("pairflip", rate) for rate in args.pairflip]
    ordered = []
    for index in range(max(len(symmetric), len(pairflip))):
        ordered += symmetric[index : index + 1] + pairflip[index : index + 1]
    return ordered + [condition for condition in args.noise if condition not in ordered]


def _seed(*parts):
    """A seed in [0, 2**31) from the run's seed and the task's names: the
    same in every process and on every resume."""
    digest = hashlib.sha256(json.dumps(parts).encode()).digest()
    return int.from_bytes(digest[:4], "little") % 2**31


def _tasks(args):
    """Every fit, cross-entropy first so that the methods needing its
    network find it early."""
    tasks = []
    for noise_type, rate in _conditions(args):
        for repeat in range(args.repeats):
            for method in args.methods:
                tasks.append(
                    {
                        "method": method,
                        "noise_type": noise_type,
                        "noise_rate": rate,
                        "repeat": repeat,
                        # Shared by every method of a repeat: paired comparisons.
                        "noise_seed": _seed(args.seed, "noise", noise_type, rate, repeat),
                        "model_seed": _seed(args.seed, "model", repeat),
                    }
                )
    return tasks


def _settings(args, noise_type=None):
    """What decides a fit's numbers besides its task: a resumed row must have
    been computed with these. The instance-dependent types' options, and a
    preset's mapping, are part of their rows' settings only (so the rows of
    a run made before they existed keep their fingerprint)."""
    settings = {
        "dataset": args.dataset,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "measured_training_samples": MEASURED_TRAINING_SAMPLES,
    }
    settings.update(harness.noise_settings(args, noise_type))
    return (
        "sha256:" + hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    )


def _task_key(row):
    return (row["method"], row["noise_type"], float(row["noise_rate"]), int(row["repeat"]))


# --------------------------------------------------------------------------
# In the worker processes
# --------------------------------------------------------------------------
_DATA = {}


def _load(dataset):
    if dataset not in _DATA:
        if dataset == "digits":
            X, y = _data.digits()
            train, test = np.arange(1200), np.arange(1200, len(y))
        else:
            X, y, train, test = _data.lesson_mnist()
        _DATA[dataset] = (X[train], y[train], X[test], y[test])
    return _DATA[dataset]


def _estimator(method, task, args, transition_matrix):
    """The method's estimator; ``transition_matrix`` is the true T, which only
    the oracle rows are given."""
    from skmislabel import CNNClassifier
    from skmislabel.coteaching import CoTeachingClassifier

    common = {
        "batch_size": args.batch_size,
        "random_state": task["model_seed"],
        # One thread per worker process; all of them for --n-jobs 1.
        "tf_threads": 1 if args.n_jobs > 1 else None,
    }
    if method == "coteaching":
        return CoTeachingClassifier(forget_rate=task["noise_rate"], n_gradual_epochs=10, **common)
    if method == "coteaching_estimated":
        return CoTeachingClassifier(
            forget_rate="estimate", estimation_method="hoc", n_gradual_epochs=10, **common
        )
    if method in COTEACHING_VARIANTS:
        return CoTeachingClassifier(
            forget_rate="estimate",
            estimation_method="hoc",
            n_gradual_epochs=10,
            variant=COTEACHING_VARIANTS[method],
            **common,
        )
    if method in ("forward", "backward"):
        return CNNClassifier(loss=method, loss__transition_matrix=transition_matrix, **common)
    if method in FORWARD_ESTIMATED:
        estimation_method = FORWARD_ESTIMATED[method]
        return CNNClassifier(
            loss="forward",
            loss__transition_matrix="estimate",
            loss__estimation_method=estimation_method,
            # The anchors need smooth out-of-fold probabilities: the logistic
            # regression measured better than the default 5-NN for them.
            loss__noise_estimator=(
                _data.noise_estimation_model() if estimation_method == "anchors" else None
            ),
            **common,
        )
    if method == "cross_entropy_early_stopped":
        return CNNClassifier(loss="cross_entropy", epochs=args.epochs, **EARLY_STOPPING, **common)
    return CNNClassifier(loss=method, **common)


def _cleaner(method, task, args):
    """The cleaner of a cleaning method; its random_state is the repeat's
    model seed."""
    from skmislabel import CNNClassifier
    from skmislabel.cleaning import (
        AUMCleaner,
        ConfidentLearningCleaner,
        DisagreementCleaner,
        NeighborhoodCleaner,
    )

    cleaning = CLEANING_METHODS[method]
    tf_threads = 1 if args.n_jobs > 1 else None
    if cleaning.cleaner == "kdn":
        return NeighborhoodCleaner(action=cleaning.action)
    if cleaning.cleaner == "aum":
        # AUMCleaner's default model with the worker's thread count; its
        # seeds come from the cleaner's random_state, as the default's do.
        return AUMCleaner(
            CNNClassifier(tf_threads=tf_threads),
            action=cleaning.action,
            random_state=task["model_seed"],
        )
    model = None  # the cleaners' default, 5-NN
    if cleaning.model == "cnn":
        model = _data.cleaning_cnn(task["model_seed"], tf_threads=tf_threads)
    cleaner = ConfidentLearningCleaner if cleaning.cleaner == "cl" else DisagreementCleaner
    return cleaner(model, action=cleaning.action, random_state=task["model_seed"])


def clean(method, task, args, X, y_noisy):
    """``(cleaner, X_cleaned, y_cleaned)``: the noisy training labels cleaned
    as the cleaning method's rows clean them."""
    cleaner = _cleaner(method, task, args)
    X_cleaned, y_cleaned = cleaner.fit_resample(X, y_noisy)
    return cleaner, X_cleaned, y_cleaned


def _cleaning_report(cleaner, noise_mask, y_noisy, y_cleaned, y, seconds):
    """What a cleaner did against the injected truth (last row's cells)."""
    from skmislabel.metrics import detection_report

    kept = cleaner.sample_indices_
    detection = detection_report(noise_mask, cleaner.suspect_mask_)
    return {
        "n_suspects": int(cleaner.n_suspects_),
        "n_removed": len(y_noisy) - len(kept),
        "n_relabelled": int(np.sum(y_cleaned != y_noisy[kept])),
        "suspect_precision": detection.precision,
        "suspect_recall": detection.recall,
        "wrong_label_share": float(np.mean(y_cleaned != y[kept])),
        "cleaning_time": round(seconds, 2),
    }


def _relative_error(estimate, truth):
    """``sum|T_hat - T| / sum|T|``, the field's measure of an estimated T."""
    return float(np.abs(np.asarray(estimate) - truth).sum() / np.abs(truth).sum())


def _early_stopped(estimator, X, y_noisy, y, X_test, y_test, random_state):
    """The one row of an early-stopped fit: the model ``fit`` returns, at
    the epoch whose weights it restored (the first with the best held-out
    accuracy), measured as memorization_curve measures an epoch."""
    from sklearn.utils import check_random_state

    estimator.fit(X, y_noisy)
    measured = np.sort(
        check_random_state(random_state).choice(
            len(y), size=min(MEASURED_TRAINING_SAMPLES, len(y)), replace=False
        )
    )
    predicted = estimator.predict(X[measured])
    flipped = y_noisy[measured] != y[measured]
    n_flipped = int(np.sum(y_noisy != y))
    scores = list(estimator.validation_scores_)
    return {
        "epoch": scores.index(estimator.best_validation_score_) + 1,
        "test_accuracy": float(np.mean(estimator.predict(X_test) == y_test)),
        "memorized": float(np.mean(predicted[flipped] == y_noisy[measured][flipped]))
        if flipped.any()
        else math.nan,
        "corrected": float(np.mean(predicted[flipped] == y[measured][flipped]))
        if flipped.any()
        else math.nan,
        "clean_accuracy": float(np.mean(predicted[~flipped] == y[measured][~flipped])),
        "n_flipped": n_flipped,
        "n_iter": int(estimator.n_iter_),
        "best_validation_score": float(estimator.best_validation_score_),
    }


def _estimates(method, estimator, true_matrix, true_flip_rate):
    """What an oracle-free fit estimated, against the truth (last row's cells)."""
    found = {"true_flip_rate": true_flip_rate}
    if method in FORWARD_ESTIMATED:
        matrix, flip_rate = estimator.transition_matrix_, estimator.noise_estimate_.flip_rate
    elif method == "coteaching_estimated" or method in COTEACHING_VARIANTS:
        matrix, flip_rate = estimator.noise_estimate_.transition_matrix, estimator.forget_rate_
    else:
        return {}
    # Full precision: its rows must still sum to 1 when read back.
    found["estimated_transition_matrix"] = json.dumps(np.asarray(matrix).tolist())
    found["transition_matrix_error"] = _relative_error(matrix, true_matrix)
    found["estimated_flip_rate"] = float(flip_rate)
    return found


def run_task(task, args):
    """Train one method on one noisy training set, epoch by epoch; the
    task's rows (one per epoch; one for the early-stopped fit), or one row
    with the error."""
    from skmislabel.model_selection import memorization_curve

    started = time.perf_counter()
    settings = _settings(args, task["noise_type"])
    base = {**task, "settings": settings, "estimated_transition_matrix": ""}
    last = {}
    try:
        X, y, X_test, y_test = _load(args.dataset)
        injector = harness.injector(
            task["noise_type"], args, noise_rate=task["noise_rate"], random_state=task["noise_seed"]
        )
        _, y_noisy = injector.fit_resample(X, y)
        X_trained, y_trained, y_true = X, y_noisy, y
        if task["method"] in CLEANING_METHODS:
            # The CNN trains on what the cleaner returns.
            cleaning_started = time.perf_counter()
            cleaner, X_trained, y_trained = clean(task["method"], task, args, X, y_noisy)
            y_true = y[cleaner.sample_indices_]
            cleaned = _cleaning_report(
                cleaner,
                injector.noise_mask_,
                y_noisy,
                y_trained,
                y,
                time.perf_counter() - cleaning_started,
            )
            estimator = _estimator(CLEANING_METHODS[task["method"]].loss, task, args, None)
        else:
            cleaned = {}
            estimator = _estimator(task["method"], task, args, injector.transition_matrix_)
        if task["method"] == "cross_entropy_early_stopped":
            measured = [
                _early_stopped(estimator, X, y_noisy, y, X_test, y_test, task["noise_seed"])
            ]
        else:
            curve = memorization_curve(
                estimator,
                X_trained,
                y_trained,
                y_true,
                X_test=X_test,
                y_test=y_test,
                epochs=args.epochs,
                max_samples=min(MEASURED_TRAINING_SAMPLES, len(y_true)),
                random_state=task["noise_seed"],
            )
            measured = [
                {
                    "epoch": int(epoch),
                    "test_accuracy": float(curve.test_accuracy[index]),
                    "memorized": float(curve.memorized[index]),
                    "corrected": float(curve.corrected[index]),
                    "clean_accuracy": float(curve.clean_accuracy[index]),
                    "n_flipped": int(curve.n_flipped),
                }
                for index, epoch in enumerate(curve.epochs)
            ]
            last = _estimates(
                task["method"],
                curve.estimator,
                injector.transition_matrix_,
                float(np.mean(y_noisy != y)),
            )
            last.update(cleaned)
    except Exception as exc:  # noqa: BLE001 - a failed fit is recorded, never a number
        return [
            {
                **base,
                "epoch": "",
                "fit_time": round(time.perf_counter() - started, 2),
                "n_flipped": "",
                "error": f"{type(exc).__name__}: {exc}",
            }
        ]
    fit_time = round(time.perf_counter() - started, 2)
    rows = [{**base, **row, "fit_time": fit_time, "error": ""} for row in measured]
    # Only the last epoch's row carries what was estimated.
    rows[-1].update(last)
    return rows


# --------------------------------------------------------------------------
# Reading a saved run back
# --------------------------------------------------------------------------
def _transition_matrix(value):
    """An estimated T as saved: empty, or a JSON square matrix of numbers (the
    text is kept, so the rewritten file holds what was read)."""
    if value == "":
        return value
    matrix = json.loads(value)
    if not (
        isinstance(matrix, list)
        and matrix
        and all(isinstance(row, list) and len(row) == len(matrix) for row in matrix)
        and all(
            isinstance(entry, (int, float)) and math.isfinite(entry)
            for row in matrix
            for entry in row
        )
    ):
        raise ValueError("not a square matrix of finite numbers")
    return value


PARSERS = {
    "method": harness.required_text,
    "noise_type": harness.required_text,
    "noise_rate": harness.finite_number,
    "repeat": harness.count,
    "epoch": harness.optional_count,
    **dict.fromkeys(SCORE_COLUMNS, harness.number),
    "n_flipped": harness.optional_count,
    "fit_time": harness.number,
    "noise_seed": harness.count,
    "model_seed": harness.count,
    "settings": harness.text,
    "estimated_transition_matrix": _transition_matrix,
    "error": harness.text,
    **dict.fromkeys(ESTIMATE_COLUMNS, lambda value: None if value == "" else harness.number(value)),
    "n_iter": harness.optional_count,
    **dict.fromkeys(CLEANING_COLUMNS, lambda value: None if value == "" else harness.number(value)),
    **dict.fromkeys(("n_suspects", "n_removed", "n_relabelled"), harness.optional_count),
}


# What every cleaning fit's last row holds.
CLEANING_MEASURED = (
    "n_suspects",
    "n_removed",
    "n_relabelled",
    "wrong_label_share",
    "cleaning_time",
)


def _epochs_expected(key, rows, args):
    """The epochs a complete fit of ``key`` has: every one, or the one row
    of an early-stopped fit (at most --epochs, within its n_iter)."""
    if key[0] == "cross_entropy_early_stopped":
        (row,) = rows[:1] if len(rows) == 1 else (None,)
        if row is not None and row["n_iter"] is not None and row["n_iter"] <= args.epochs:
            return [row["epoch"]] if 1 <= row["epoch"] <= row["n_iter"] else None
        return None
    return list(range(1, args.epochs + 1))


def _complete_fits(saved, args, path):
    """The complete fits of a saved CSV as ``{task key: rows by epoch}``, and
    the number of torn or failed fits left out (they are run again)."""
    tasks = {_task_key(task): task for task in _tasks(args)}
    for row in saved:
        settings = _settings(args, row["noise_type"])
        if row["settings"] != settings:
            raise harness.Refused(
                f"{path} line {row['_line']} holds a row of other settings ({row['settings']}, "
                f"this run {settings}: dataset, epochs, batch size, seed or noise options "
                "differ); use another --out, or --overwrite to replace them"
            )
        task = tasks.get(_task_key(row))
        if task is not None and (row["noise_seed"], row["model_seed"]) != (
            task["noise_seed"],
            task["model_seed"],
        ):
            raise harness.Refused(
                f"{path} line {row['_line']}: the seeds of {_task_key(row)} differ from this run's"
            )
    # A row without its epoch or its test scores (a blanked or "nan" cell)
    # is no measurement: its fit is run again, never summarised as NaN.
    unusable = {
        _task_key(row)
        for row in saved
        if not row["error"]
        and (
            row["epoch"] is None
            or not math.isfinite(row["test_accuracy"])
            or not math.isfinite(row["clean_accuracy"])
        )
    }
    # Nor is a cleaning fit whose last row lost what the cleaner did (the
    # precision and recall of its suspects may be NaN: none, or no flip).
    unusable |= {
        _task_key(row)
        for row in saved
        if not row["error"]
        and row["method"] in CLEANING_METHODS
        and row["epoch"] == args.epochs
        and not all(
            row[column] is not None and math.isfinite(row[column]) for column in CLEANING_MEASURED
        )
    }
    measured = [row for row in saved if not row["error"] and _task_key(row) not in unusable]
    by_task = {}
    for row in harness.unique_fits(measured, (*TASK_COLUMNS, "epoch"), SCORE_COLUMNS, path):
        by_task.setdefault(_task_key(row), []).append(row)
    failed = ({_task_key(row) for row in saved if row["error"]} - set(by_task)) | unusable
    complete = {}
    for key, rows in by_task.items():
        rows.sort(key=lambda row: row["epoch"])
        expected = _epochs_expected(key, rows, args)
        if expected is not None and [row["epoch"] for row in rows] == expected:
            complete[key] = rows
        else:
            failed.add(key)
    return complete, len(failed)


# --------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------
def _frame(rows):
    import pandas as pd

    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame[frame["error"].fillna("") == ""].copy()
    for column in (*FLOAT_COLUMNS, "fit_time", *ESTIMATE_COLUMNS, *CLEANING_COLUMNS):
        # Rows read back from the CSV hold text, "nan" included (no flipped
        # label to memorize at rate 0), which to_numeric refuses.
        frame[column] = [
            math.nan if value is None or value == "" else float(value) for value in frame[column]
        ]
    for column in ("repeat", "epoch", "n_flipped"):
        frame[column] = pd.to_numeric(frame[column]).astype(int)
    return frame


def summarize(frame):
    """Per method and noise: last- and best-epoch test accuracy, mean and
    std over repeats (ddof=1), and the share of flipped labels memorized at
    the last epoch."""
    fits = frame.groupby(["method", "noise_type", "noise_rate", "repeat"])
    per_fit = fits.apply(
        lambda rows: {
            "last": rows.loc[rows["epoch"].idxmax(), "test_accuracy"],
            "best": rows["test_accuracy"].max(),
            "best_epoch": int(rows.loc[rows["test_accuracy"].idxmax(), "epoch"]),
            "memorized": rows.loc[rows["epoch"].idxmax(), "memorized"],
            **{
                column: rows.loc[rows["epoch"].idxmax(), column]
                for column in (*ESTIMATE_COLUMNS, *CLEANING_COLUMNS)
            },
        },
        include_groups=False,
    )
    table = []
    for (method, noise_type, rate), fits_of_cell in per_fit.groupby(level=[0, 1, 2]):
        values = list(fits_of_cell)
        row = {"method": method, "noise_type": noise_type, "noise_rate": rate, "n": len(values)}
        for name in ("last", "best", "memorized"):
            numbers = np.array([value[name] for value in values], dtype=float)
            row[name] = float(np.mean(numbers))
            row[f"{name}_std"] = float(np.std(numbers, ddof=1)) if len(numbers) > 1 else math.nan
        row["best_epoch"] = [value["best_epoch"] for value in values]
        for name in ESTIMATE_COLUMNS:
            numbers = np.array([value[name] for value in values], dtype=float)
            if name == "n_iter" and not np.isnan(numbers).any():
                row[name] = [int(number) for number in numbers]  # as best_epoch: per fit
            elif name != "n_iter" and not np.isnan(numbers).all():
                row[name] = float(np.nanmean(numbers))
        if method in CLEANING_METHODS:
            # What the cleaner did, the mean over repeats (NaN: undefined).
            for name in CLEANING_COLUMNS:
                numbers = np.array([value[name] for value in values], dtype=float)
                row[name] = float(np.mean(numbers))
        if method in ORACLE_METHODS:
            row["note"] = "oracle: given the true T or noise rate"
        elif method in RETIRED_METHODS:
            row["note"] = RETIRED_METHODS[method]
        table.append(row)
    # Methods in the order of METHODS (the baseline first), symmetric before
    # pairflip, rates ascending.
    order = {method: index for index, method in enumerate((*METHODS, *RETIRED_METHODS))}
    return sorted(
        table,
        key=lambda row: (
            order.get(row["method"], len(order)),
            row["noise_type"] != "symmetric",
            row["noise_rate"],
        ),
    )


def _table_conditions(table):
    return sorted(
        {(row["noise_type"], row["noise_rate"]) for row in table},
        key=lambda condition: (condition[0] != "symmetric", condition[1]),
    )


def transition_matrix_errors(rows, args):
    """Each estimated T in ``rows`` against the true T (the injector's): the
    relative L1 error, the mean absolute error over entries and the largest
    one. A cross_entropy row's estimate is the retired forward_estimated's
    (anchors of that memorized network), saved by an earlier version."""
    X, y = _load(args.dataset)[:2]
    errors = []
    # Every method of a repeat shares its noise: one draw each, not one per
    # row (an instance-dependent draw refits its noise model's folds).
    true_matrices = {}
    for row in rows:
        if not row["estimated_transition_matrix"]:
            continue
        noise = (row["noise_type"], float(row["noise_rate"]), int(row["noise_seed"]))
        if noise not in true_matrices:
            injector = harness.injector(noise[0], args, noise_rate=noise[1], random_state=noise[2])
            injector.fit_resample(X, y)
            true_matrices[noise] = injector.transition_matrix_
        true = true_matrices[noise]
        estimate = np.array(json.loads(row["estimated_transition_matrix"]))
        errors.append(
            {
                "method": row["method"],
                "estimate": "anchors of the memorized cross-entropy network (the retired "
                "forward_estimated's T)"
                if row["method"] == "cross_entropy"
                else row["method"],
                "noise_type": row["noise_type"],
                "noise_rate": float(row["noise_rate"]),
                "repeat": int(row["repeat"]),
                "relative_l1_error": _relative_error(estimate, true),
                "mean_abs_error": float(np.mean(np.abs(estimate - true))),
                "max_abs_error": float(np.max(np.abs(estimate - true))),
                "diagonal_true": float(np.mean(np.diag(true))),
                "diagonal_estimated": float(np.mean(np.diag(estimate))),
            }
        )
    return errors


def family(method):
    """The kind of remedy a method is, for the table and the figure."""
    if method == "cross_entropy":
        return "baseline"
    if method in ORACLE_METHODS:
        return "oracle"
    if method in (
        *FORWARD_ESTIMATED,
        "coteaching_estimated",
        *COTEACHING_VARIANTS,
        "cross_entropy_early_stopped",
    ):
        return "noise estimated"
    if method in CLEANING_METHODS:
        return "cleaning"
    if method in RETIRED_METHODS:
        return "retired"
    return "robust training"


def _condition_name(noise_type, rate):
    return f"{noise_type} {rate:g}"


def remedy_table(table):
    """Which remedy for which noise: one row per method (in the summary's
    order), one cell per noise condition, "last ± std (best mean)" of the
    test accuracy over repeats ("-" where the method was not run)."""
    conditions = _table_conditions(table)
    cells = {(row["method"], row["noise_type"], row["noise_rate"]): row for row in table}
    rows = []
    for method in dict.fromkeys(row["method"] for row in table):
        line = {"method": method, "family": family(method)}
        for noise_type, rate in conditions:
            row = cells.get((method, noise_type, rate))
            text = "-"
            if row is not None:
                std = "" if math.isnan(row["last_std"]) else f" ± {row['last_std']:.3f}"
                text = f"{row['last']:.3f}{std} ({row['best']:.3f})"
            line[_condition_name(noise_type, rate)] = text
        rows.append(line)
    return {
        "cells": "last-epoch test accuracy, mean ± std over repeats (best-epoch mean)",
        "conditions": [_condition_name(*condition) for condition in conditions],
        "rows": rows,
    }


def _print_table(compact):
    width = max([28, *(len(row["method"]) + 2 for row in compact["rows"])])
    column = max([26, *(len(name) + 2 for name in compact["conditions"])])
    print(f"test accuracy: {compact['cells']}")
    print("method".ljust(width) + "".join(name.rjust(column) for name in compact["conditions"]))
    previous = None
    for row in compact["rows"]:
        if row["family"] != previous:
            print(f"-- {row['family']}")
            previous = row["family"]
        print(
            row["method"].ljust(width)
            + "".join(row[name].rjust(column) for name in compact["conditions"])
        )


def _print_cleaning(table):
    """What each cleaner did, mean over repeats."""
    for row in table:
        if row["method"] not in CLEANING_METHODS:
            continue
        print(
            f"{row['method']} {_condition_name(row['noise_type'], row['noise_rate'])}: "
            f"{row['n_removed']:.0f} removed, {row['n_relabelled']:.0f} relabelled, "
            f"suspects' precision {row['suspect_precision']:.3f} recall "
            f"{row['suspect_recall']:.3f}, wrong labels left {row['wrong_label_share']:.3f}, "
            f"{row['cleaning_time']:.1f} s"
        )


def _plot(table, frame, folder):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skmislabel.plotting import MemorizationDisplay

    conditions = _table_conditions(table)
    methods = list(dict.fromkeys(row["method"] for row in table))
    cells = {(row["method"], row["noise_type"], row["noise_rate"]): row for row in table}
    # A row per method (about 30 with the cleaning grid): the figure grows
    # with them, and a line parts each family of remedies.
    figure, axes = plt.subplots(
        1,
        len(conditions),
        figsize=(2.6 * len(conditions) + 2.5, max(4.2, 0.22 * len(methods) + 1.6)),
        sharey=True,
        squeeze=False,
    )
    positions = np.arange(len(methods))
    families = [family(method) for method in methods]
    boundaries = [
        index - 0.5 for index in range(1, len(methods)) if families[index] != families[index - 1]
    ]
    for ax, (noise_type, rate) in zip(axes[0], conditions):
        for offset, (name, marker) in zip((-0.15, 0.15), (("last", "o"), ("best", "^"))):
            means = [cells.get((m, noise_type, rate), {}).get(name, np.nan) for m in methods]
            stds = [
                cells.get((m, noise_type, rate), {}).get(f"{name}_std", np.nan) for m in methods
            ]
            ax.errorbar(
                np.array(means),
                positions + offset,
                xerr=np.nan_to_num(stds),
                fmt=marker,
                label=f"{name} epoch",
                markersize=4,
            )
        baseline = cells.get(("cross_entropy", noise_type, rate))
        if baseline is not None:
            ax.axvline(baseline["last"], color="0.6", linestyle="--", linewidth=1)
        for boundary in boundaries:
            ax.axhline(boundary, color="0.8", linewidth=0.8)
        ax.set_title(f"{noise_type} {rate:.0%}")
        ax.set_xlabel("Test accuracy")
        ax.grid(axis="x", alpha=0.3)
    labels = [f"{method} (retired)" if method in RETIRED_METHODS else method for method in methods]
    axes[0, 0].set_yticks(positions, labels, fontsize=8)
    axes[0, 0].invert_yaxis()
    axes[0, -1].legend(loc="lower left", fontsize=8)
    figure.suptitle(
        "Test accuracy on clean labels, mean ± std over repeats (dashed: cross-entropy, "
        "last epoch)",
        fontsize=9,
    )
    figure.tight_layout()
    folder.save_figure(PNG, figure, dpi=120)
    plt.close(figure)
    _plot_remedy_map(plt, table, folder)

    # Cross-entropy against the best remedy (last epoch) at symmetric 50%.
    at_half = [
        row for row in table if row["noise_type"] == "symmetric" and row["noise_rate"] == 0.5
    ]
    # Methods with a curve, epoch by epoch (the early-stopped fit has one row).
    remedies = [
        row
        for row in at_half
        if row["method"] not in ("cross_entropy", "cross_entropy_early_stopped")
    ]
    if not remedies or not any(row["method"] == "cross_entropy" for row in at_half):
        return None
    best = max(remedies, key=lambda row: row["last"])["method"]
    figure, ax = plt.subplots(figsize=(6.4, 4.2))
    for method in ("cross_entropy", best):
        rows = frame[
            (frame["method"] == method)
            & (frame["noise_type"] == "symmetric")
            & (frame["noise_rate"] == 0.5)
            & (frame["repeat"] == 0)
        ].sort_values("epoch")
        MemorizationDisplay(
            rows["epoch"].to_numpy(),
            rows["memorized"].to_numpy(),
            rows["corrected"].to_numpy(),
            test_accuracy=rows["test_accuracy"].to_numpy(),
            clean_accuracy=rows["clean_accuracy"].to_numpy(),
            estimator_name=method,
        ).plot(ax=ax)
    ax.set_title("Symmetric 50% noise, repeat 0")
    figure.tight_layout()
    folder.save_figure(MEMORIZATION_PNG, figure, dpi=120)
    plt.close(figure)
    return best


def _plot_remedy_map(plt, table, folder):
    """Which remedy for which noise, at a glance: one cell per method and
    noise condition, coloured by the last epoch's mean test accuracy, the
    best epoch's in parentheses; blank where the method was not run."""
    conditions = _table_conditions(table)
    methods = list(dict.fromkeys(row["method"] for row in table))
    cells = {(row["method"], row["noise_type"], row["noise_rate"]): row for row in table}
    last = np.full((len(methods), len(conditions)), np.nan)
    for (i, method), (j, condition) in itertools.product(enumerate(methods), enumerate(conditions)):
        row = cells.get((method, *condition))
        if row is not None:
            last[i, j] = row["last"]
    figure, ax = plt.subplots(figsize=(1.25 * len(conditions) + 3.2, 0.27 * len(methods) + 1.4))
    image = ax.imshow(np.ma.masked_invalid(last), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for (i, method), (j, condition) in itertools.product(enumerate(methods), enumerate(conditions)):
        row = cells.get((method, *condition))
        if row is not None:
            ax.text(
                j,
                i,
                f"{row['last']:.2f} ({row['best']:.2f})",
                ha="center",
                va="center",
                fontsize=6.5,
                color="black" if row["last"] > 0.6 else "white",
            )
    families = [family(method) for method in methods]
    for index in range(1, len(methods)):
        if families[index] != families[index - 1]:
            ax.axhline(index - 0.5, color="white", linewidth=1.5)
    labels = [f"{method} (retired)" if method in RETIRED_METHODS else method for method in methods]
    ax.set_yticks(np.arange(len(methods)), labels, fontsize=7)
    ax.set_xticks(
        np.arange(len(conditions)),
        [f"{noise_type}\n{rate:.0%}" for noise_type, rate in conditions],
        fontsize=7,
    )
    ax.xaxis.tick_top()
    figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="test accuracy, last epoch")
    ax.set_title(
        "Test accuracy on clean labels: last epoch (best epoch), mean over repeats", fontsize=8
    )
    figure.tight_layout()
    folder.save_figure(MAP_PNG, figure, dpi=120)
    plt.close(figure)


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------
def run(args):
    harness.require_tqdm()
    y_train = _load(args.dataset)[1]
    harness.check_n_neighbors(args, len(y_train))
    harness.check_noise_classes(
        [noise_type for noise_type, _ in _conditions(args)],
        y_train,
        f"the training labels of --dataset {args.dataset}",
    )
    files = (CSV, JSON, PNG, MEMORIZATION_PNG, MAP_PNG)
    with harness.OutputFolder(
        args.out, "remedies", files, resume=args.resume, overwrite=args.overwrite
    ) as folder:
        results = harness.ResultsCsv(folder, CSV, COLUMNS, PARSERS, legacy_columns=LEGACY_COLUMNS)
        done, dropped = {}, 0
        if args.resume and folder.exists(CSV):
            saved = results.read()
            for row in saved:
                # A CSV of before these columns: empty cells, as a row that
                # has nothing to put there writes them. (A cleaning row is
                # never older than its columns: its NaN is a measured one.)
                absent = ORACLE_FREE_COLUMNS
                if row["method"] not in CLEANING_METHODS:
                    absent += CLEANING_COLUMNS
                for column in absent:
                    if isinstance(row[column], float) and math.isnan(row[column]):
                        row[column] = None
            done, dropped = _complete_fits(saved, args, results.path)
        harness.quiet_tensorflow(args.verbose)
        # Every check passed: from here on files are written. Rewritten with
        # the complete fits only: torn and failed fits run again. The figures
        # of an earlier state must not sit beside these results.
        results.rewrite([row for rows in done.values() for row in rows])
        for stale in (PNG, MEMORIZATION_PNG, MAP_PNG):
            folder.remove(stale)
        report = harness.Report(
            folder,
            JSON,
            "remedies",
            {
                "dataset": args.dataset,
                "symmetric": args.symmetric,
                "pairflip": args.pairflip,
                "noise": args.noise,
                "noise_options": harness.noise_options(args),
                "repeats": args.repeats,
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "measured_training_samples": MEASURED_TRAINING_SAMPLES,
                "methods": args.methods,
                "seed": args.seed,
                "n_jobs": args.n_jobs,
                "backend": args.backend,
                "fingerprint": _settings(args),
            },
        )
        report.write("running")
        with harness.recorded(report, results.path):
            return _sweep(args, folder, results, report, done, dropped)


def _sweep(args, folder, results, report, done, dropped):
    """Run the fits that are not done, then summarize, plot and report."""
    all_tasks = _tasks(args)
    tasks = [task for task in all_tasks if _task_key(task) not in done]
    print(
        f"{len(all_tasks)} fits ({len(all_tasks) - len(tasks)} already done"
        + (f", {dropped} torn or failed run again" if dropped else "")
        + f"), {args.n_jobs} in parallel, {args.epochs} epochs of batch {args.batch_size}"
    )
    all_rows = [row for rows in done.values() for row in rows]
    failures = []
    progress = harness.progress_bar(len(tasks), desc="remedies")

    def record(rows):
        results.append(rows)
        all_rows.extend(rows)
        task = rows[0]
        if task["error"]:
            failures.append(task)
            progress.write(
                f"FAILED {task['method']} {task['noise_type']} {task['noise_rate']} "
                f"repeat {task['repeat']}: {task['error']}",
                file=sys.stderr,
            )
        progress.update(1)

    n_jobs = -1 if args.backend == "dask" else args.n_jobs
    try:
        with harness.parallel_backend(args, tensorflow=True):
            for rows in harness.run_parallel(functools.partial(run_task, args=args), tasks, n_jobs):
                record(rows)
    finally:
        progress.close()

    # Every complete fit of the CSV (all of this run's settings), also those
    # of methods and noises this invocation did not ask for: a record
    # extended with --resume --method ... is summarised whole.
    good = [row for row in all_rows if not row["error"]]
    frame = _frame(good)
    table = summarize(frame) if len(frame) else []
    compact = remedy_table(table)
    print()
    _print_table(compact)
    _print_cleaning(table)
    errors = transition_matrix_errors(good, args)
    for method, note in RETIRED_METHODS.items():
        if any(row["method"] == method for row in table):
            print(f"{method}: {note}")
    for error in errors:
        print(
            f"estimated T ({error['method']}), {error['noise_type']} {error['noise_rate']:.2f} "
            f"repeat {error['repeat']}: |T_hat - T| / |T| {error['relative_l1_error']:.3f}, "
            f"mean |error| {error['mean_abs_error']:.4f}, max "
            f"{error['max_abs_error']:.4f}, diagonal {error['diagonal_estimated']:.3f} "
            f"(true {error['diagonal_true']:.3f})"
        )
    best = _plot(table, frame, folder) if table else None
    report.write(
        "failed" if failures else "complete",
        fit_time_total_seconds=round(
            float(frame.groupby(list(TASK_COLUMNS))["fit_time"].first().sum()), 1
        )
        if len(frame)
        else 0.0,
        n_fits_total=len(all_tasks),
        # The table's: every complete fit of the CSV, kept ones included.
        n_fits_summarised=len({_task_key(row) for row in good}),
        n_fits_run=len(tasks),
        n_fits_reused=len(all_tasks) - len(tasks),
        n_fits_failed=len(failures),
        failed=[
            f"{row['method']} {row['noise_type']} {row['noise_rate']} repeat {row['repeat']}"
            for row in failures
        ],
        table=table,
        remedy_table=compact,
        transition_matrix_errors=errors,
        retired_methods={
            method: note
            for method, note in RETIRED_METHODS.items()
            if any(row["method"] == method for row in table)
        },
        memorization_figure_best_remedy=best,
    )
    print(
        f"\nwall time {report.fields['wall_time_seconds']:.1f} s; wrote {results.path}, "
        f"{folder.path / JSON}"
    )
    return harness.EXIT_FAILED if failures else harness.EXIT_OK


def main(argv=None):
    return harness.main(run, _parse(argv))


if __name__ == "__main__":
    sys.exit(main())
