"""Tests for skmislabel/noise.py: flip_labels and LabelNoiseInjector."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.base import clone

from skmislabel import LabelNoiseInjector, flip_labels
from skmislabel._noise_models import build_noise_model
from skmislabel._random import SEED_BOUND
from skmislabel._sampling import apportion_flips

NOISE_TYPES_WITH_RATE = ["symmetric", "uniform", "pairflip"]


def _labels(class_counts, seed=0):
    y = np.repeat(np.arange(len(class_counts)), class_counts)
    return np.random.default_rng(seed).permutation(y)


def build_transition_matrix(classes, noise_type, noise_rate):
    """The dense K x K matrix T of a noise model (the noise itself is drawn
    from the model and never builds it)."""
    return build_noise_model(classes, noise_type, noise_rate).to_matrix()


def _flip_rate(noise_type, rate, n_classes):
    """The flip rate the conventions give one class (uniform may keep its label)."""
    return rate * (n_classes - 1) / n_classes if noise_type == "uniform" else rate


def _assert_exact_counts(realised, quotas, total):
    """Exact sampling: the total is round-half-up of the summed quotas, and each
    class is at the floor or the ceiling of its quota (1e-9: float slack)."""
    assert realised.sum() == total
    assert np.all(realised >= np.floor(quotas - 1e-9)), (realised, quotas)
    assert np.all(realised <= np.ceil(quotas + 1e-9)), (realised, quotas)


# --------------------------------------------------------------------------
# Bad input: exact exception type, and a message naming the parameter.
# --------------------------------------------------------------------------
Y3 = np.array([0, 1, 2] * 10)
T3 = np.full((3, 3), 0.1) + 0.7 * np.eye(3)

BAD_INPUT = [
    (dict(noise_rate=1.5), ValueError, "'noise_rate' parameter.*range \\[0.0, 1.0\\]"),
    (dict(noise_rate=-0.1), ValueError, "'noise_rate' parameter"),
    (dict(noise_rate=np.nan), ValueError, "'noise_rate' parameter"),
    (dict(noise_rate="high"), ValueError, "'noise_rate' parameter"),
    (dict(noise_type="biased"), ValueError, "'noise_type' parameter.*'symmetric'"),
    (dict(sampling="poisson"), ValueError, "'sampling' parameter.*'exact'"),
    (
        dict(noise_type="transition_matrix", noise_rate=None, transition_matrix=np.eye(2)),
        ValueError,
        "transition_matrix must have shape .* \\(3, 3\\)",
    ),
    (
        dict(noise_type="transition_matrix", noise_rate=None, transition_matrix=-T3),
        ValueError,
        "transition_matrix must be non-negative",
    ),
    (
        dict(
            noise_type="transition_matrix",
            noise_rate=None,
            transition_matrix=np.where(np.eye(3) == 1, np.nan, T3),
        ),
        ValueError,
        "transition_matrix must not contain NaN",
    ),
    (
        dict(noise_type="transition_matrix", noise_rate=None, transition_matrix=T3 * 1.01),
        ValueError,
        "transition_matrix rows must sum to 1 \\(tolerance 1e-08\\)",
    ),
    (
        dict(noise_type="transition_matrix", transition_matrix=T3),
        ValueError,
        "noise_rate=0.1 cannot be combined with noise_type='transition_matrix'",
    ),
    (
        dict(noise_type="transition_matrix", noise_rate=None),
        ValueError,
        "noise_type='transition_matrix' needs transition_matrix",
    ),
    (dict(transition_matrix=T3), ValueError, "transition_matrix is only used with"),
    (dict(class_mapping={0: 1}), ValueError, "class_mapping is only used with"),
    (dict(noise_type="mapping"), ValueError, "noise_type='mapping' needs class_mapping"),
    (
        dict(noise_type="mapping", class_mapping={7: 1}),
        ValueError,
        "class_mapping names class 7, which is not one of the classes \\[0, 1, 2\\]",
    ),
    (
        dict(noise_type="mapping", class_mapping={0: [1, 5]}),
        ValueError,
        "class_mapping\\[0\\] names class 5",
    ),
    (
        dict(noise_type="mapping", class_mapping={1: 1}),
        ValueError,
        "class_mapping maps class 1 to itself",
    ),
    (
        dict(noise_type="mapping", class_mapping={0: 1}, noise_rate={2: 0.3}),
        ValueError,
        "noise_rate gives classes \\[2\\] a rate, but class_mapping does not map",
    ),
    (dict(noise_rate={9: 0.2}), ValueError, "noise_rate names class 9"),
    (dict(noise_rate={0: 1.2}), ValueError, "noise_rate\\[0\\] must be in \\[0, 1\\]"),
    (dict(noise_rate=None), ValueError, "noise_rate=None is only allowed with"),
    (dict(classes=[0, 1]), ValueError, "y contains labels \\[2\\] that are not in classes"),
    (dict(classes=[0, 0, 1, 2]), ValueError, "classes must not repeat a label"),
    (dict(classes=[]), ValueError, "classes must be a non-empty 1-D .*got shape \\(0,\\)"),
    (dict(classes=[[0, 1, 2]]), ValueError, "classes must be a non-empty 1-D .*\\(1, 3\\)"),
    (dict(classes=[0, 1, 2, np.nan]), ValueError, "classes must not contain NaN"),
    (
        dict(noise_rate={0: "high"}),
        TypeError,
        "noise_rate\\[0\\] must be a real number in \\[0, 1\\]; got 'high' of type str",
    ),
    (dict(noise_rate={0: True}), TypeError, "noise_rate\\[0\\] .*got True of type bool"),
    (
        dict(noise_type="mapping", class_mapping={}),
        ValueError,
        "class_mapping must be a non-empty dict",
    ),
    (
        dict(noise_type="mapping", class_mapping={0: []}),
        ValueError,
        "class_mapping\\[0\\] must name at least one class",
    ),
    (
        dict(noise_type="mapping", class_mapping={0: [1, 1]}),
        ValueError,
        "class_mapping\\[0\\] repeats a class: \\[1, 1\\]",
    ),
    (
        dict(noise_type="mapping", class_mapping={0: [[1]]}),
        ValueError,
        "class_mapping\\[0\\] names class \\[1\\], which is not one of the classes",
    ),
    (
        dict(noise_type="transition_matrix", noise_rate=None, transition_matrix=[["a"] * 3] * 3),
        ValueError,
        "transition_matrix must be a numeric array-like",
    ),
    (
        dict(
            noise_type="transition_matrix",
            noise_rate=None,
            transition_matrix=pd.DataFrame(T3, index=[0, 0, 1], columns=[0, 1, 2]),
        ),
        ValueError,
        "transition_matrix index \\(true classes\\) repeat labels \\[0\\]",
    ),
    (
        dict(
            noise_type="transition_matrix",
            noise_rate=None,
            transition_matrix=pd.DataFrame(T3, index=[0, 1, 2], columns=[0, 1, 5]),
        ),
        ValueError,
        "transition_matrix is a DataFrame.*columns \\(noisy classes\\) lack \\[2\\] and have "
        "unknown labels \\[5\\]",
    ),
]


@pytest.mark.parametrize(
    "params, err_type, err_msg",
    BAD_INPUT,
    ids=[f"{i}-" + "-".join(map(str, case[0])) for i, case in enumerate(BAD_INPUT)],
)
def test_bad_parameters_raise(params, err_type, err_msg):
    with pytest.raises(err_type, match=err_msg):
        flip_labels(Y3, random_state=0, **params)
    injector = LabelNoiseInjector(random_state=0).set_params(**params)
    with pytest.raises(err_type, match=err_msg):
        injector.fit_resample(np.zeros((Y3.shape[0], 1)), Y3)


BAD_TARGETS = [
    (np.zeros(10), ValueError, "Found 1 class, but flipping a label needs at least 2"),
    (np.linspace(0, 1, 10), ValueError, "Unknown label type: y is 'continuous'"),
    (
        np.array([[1, 0, 1], [0, 1, 1]] * 5),
        ValueError,
        "Unknown label type: y is 'multilabel-indicator'",
    ),
    (np.array([0.0, 1.0, np.nan] * 4), ValueError, "y contains missing values"),
    (np.array(["a", None, "b"] * 4, dtype=object), ValueError, "y contains missing"),
    (pd.Series([1, 2, None] * 4, dtype="Int64"), ValueError, "y contains missing"),
    (np.array([], dtype=int), ValueError, "(?i)found (array with )?0 sample"),
    (
        pd.DataFrame({"a": [0, 1] * 5, "b": [1, 0] * 5}),
        ValueError,
        "y as a DataFrame must have exactly one column; got 2",
    ),
    (np.zeros((10, 2, 2)), ValueError, "y must be 1-D .*got shape \\(10, 2, 2\\)"),
    (None, ValueError, "requires y to be passed"),
    (
        np.array(["a", 1, "b", 2] * 3, dtype=object),
        ValueError,
        "y mixes labels of different types: 'a' \\(strings, first at position 0\\), 1 "
        "\\(numbers, first at position 1\\).* all strings or all numbers",
    ),
    # A list would silently become strings ("1") without the check.
    (["a", 1, "b", 2] * 3, ValueError, "y mixes labels of different types"),
    (pd.Series(["a", 1.5, "b"] * 4), ValueError, "y mixes labels of different types"),
]


@pytest.mark.parametrize("y, err_type, err_msg", BAD_TARGETS, ids=range(len(BAD_TARGETS)))
def test_bad_targets_raise(y, err_type, err_msg):
    if y is not None:
        with pytest.raises(err_type, match=err_msg):
            flip_labels(y, random_state=0)
    n_samples = 10 if y is None else len(y)
    with pytest.raises(err_type, match=err_msg):
        LabelNoiseInjector(random_state=0).fit_resample(np.zeros((n_samples, 2)), y)


@pytest.mark.parametrize(
    "y, classes, err_msg",
    [
        (np.eye(3)[[0, 1, 2] * 4], [0, 1, 2], "classes cannot be combined with one-hot y"),
        (
            pd.Series(pd.Categorical(["x", "y"] * 5)),
            ["x", "y", "w"],
            "classes \\['w'\\] are not categories of the categorical y",
        ),
    ],
    ids=["one-hot", "categorical"],
)
def test_classes_must_agree_with_the_classes_y_defines(y, classes, err_msg):
    with pytest.raises(ValueError, match=err_msg):
        flip_labels(y, classes=classes, random_state=0)


def test_error_messages_list_at_most_20_classes():
    y = np.repeat(np.arange(25), 2)
    with pytest.raises(
        ValueError, match="classes \\[0, 1, .*, 19, \\.\\.\\. \\(25 classes\\)\\]\\.$"
    ):
        flip_labels(y, noise_type="mapping", class_mapping={0: 99})


def test_x_and_y_of_different_lengths_raise():
    with pytest.raises(ValueError, match="inconsistent numbers of samples: \\[5, 30\\]"):
        LabelNoiseInjector().fit_resample(np.zeros((5, 2)), Y3)


def test_one_dimensional_numeric_x_raises_sklearn_error():
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        LabelNoiseInjector().fit_resample(np.arange(30.0), Y3)


def test_single_class_with_zero_rate_or_named_classes_is_fine():
    y = np.zeros(10, dtype=int)
    assert flip_labels(y, noise_rate=0.0)[1].sum() == 0
    y_noisy, mask = flip_labels(y, noise_rate=0.5, classes=[0, 1], random_state=0)
    assert mask.sum() == 5 and set(y_noisy[mask]) == {1}


# --------------------------------------------------------------------------
# Exact counts and realised transition matrices.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("noise_type", NOISE_TYPES_WITH_RATE)
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.35, 1.0])
def test_exact_total_rounds_half_up_and_classes_stay_within_one(noise_type, rate):
    counts = np.array([37, 50, 13, 100])
    y = _labels(counts)
    injector = LabelNoiseInjector(noise_rate=rate, noise_type=noise_type, random_state=1)
    _, y_noisy = injector.fit_resample(np.zeros((len(y), 1)), y)
    flip_rate = _flip_rate(noise_type, rate, 4)
    total = np.floor(len(y) * flip_rate + 0.5)
    realised = np.bincount(y[y != y_noisy], minlength=4)
    _assert_exact_counts(realised, counts * flip_rate, total)
    assert injector.n_flipped_ == total
    assert injector.flip_rate_ == pytest.approx(total / len(y))
    np.testing.assert_array_equal(injector.noise_mask_, y != y_noisy)


def test_small_classes_keep_their_noise():
    """Rounding each class alone flipped nothing here: 20 classes of 5 labels at
    rate 0.1 all have the quota 0.5. The total is exact; random classes get it."""
    y = np.repeat(np.arange(20), 5)
    flipped_classes = set()
    for seed in range(10):
        _, mask = flip_labels(y, noise_rate=0.1, random_state=seed)
        per_class = np.bincount(y[mask], minlength=20)
        assert mask.sum() == 10 and per_class.max() == 1
        flipped_classes.add(tuple(np.flatnonzero(per_class)))
    assert len(flipped_classes) > 1, "the same classes always get the rounded-up flips"
    _, mask = flip_labels(np.repeat(np.arange(100), 5), noise_rate=0.1, random_state=0)
    assert mask.sum() == 50


def test_exact_cells_follow_transition_matrix_with_largest_remainder():
    transition = np.array(
        [[0.5, 0.3, 0.2, 0.0], [0.1, 0.6, 0.2, 0.1], [0.0, 0.0, 1.0, 0.0], [0.25, 0.25, 0.25, 0.25]]
    )
    counts = np.array([101, 77, 40, 55])
    y = _labels(counts, seed=3)
    injector = LabelNoiseInjector(
        noise_rate=None,
        noise_type="transition_matrix",
        transition_matrix=transition,
        random_state=0,
    ).fit(np.zeros((len(y), 1)), y)
    realised_counts = np.rint(injector.transition_matrix_ * counts[:, None])
    np.testing.assert_array_equal(realised_counts.sum(axis=1), counts)
    n_flips = counts - np.diag(realised_counts)
    quotas = counts * (1 - np.diag(transition))
    _assert_exact_counts(n_flips, quotas, np.floor(quotas.sum() + 0.5))
    off = ~np.eye(4, dtype=bool)
    quota = n_flips[:, None] * transition / (1 - np.diag(transition))[:, None].clip(1e-12)
    assert np.all(np.abs(realised_counts[off] - quota[off]) < 1)


def test_exact_rate_is_not_systematically_short():
    """cleanlab issue #977: floored cells turned 20% into 3.9%. Many small
    classes and many targets is the worst case for flooring."""
    y = _labels([7] * 50)  # 50 classes of 7 samples
    rates = [
        flip_labels(y, noise_rate=0.2, stratify=False, random_state=seed)[1].mean()
        for seed in range(5)
    ]
    assert np.all(np.abs(np.array(rates) - 0.2) < 1 / len(y))
    stratified = flip_labels(y, noise_rate=0.2, random_state=0)[1]
    # 0.2 * 7 = 1.4 per class: 70 in total, one or two per class.
    assert stratified.sum() == 70
    assert set(np.bincount(y[stratified])) == {1, 2}


def _reference_apportionment(class_counts, flip_rates, tie_keys):
    """The earliest-deadline-first schedule of the conventions, slot by slot."""
    top_rate = flip_rates.max()
    flip_counts = np.zeros(class_counts.shape[0], dtype=np.int64)
    if top_rate <= 0:
        return flip_counts
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        speeds = class_counts * (flip_rates / top_rate)
        total_speed = speeds.sum()
        for slot in range(1, int(np.floor(total_speed * top_rate + 0.5)) + 1):
            slot_time = (slot - 0.5) / total_speed
            released = np.flatnonzero(
                (speeds > 0) & (flip_counts < class_counts) & (flip_counts / speeds < slot_time)
            )
            deadlines = (flip_counts[released] + 1) / speeds[released]
            flip_counts[released[np.lexsort((tie_keys[released], deadlines))[0]]] += 1
    return flip_counts


@settings(max_examples=200, deadline=None)
@given(
    class_counts=st.lists(st.integers(0, 60), min_size=1, max_size=8),
    raw_rates=st.lists(st.floats(0, 1), min_size=8, max_size=8),
    one_rate=st.booleans(),
    seed=st.integers(0, SEED_BOUND - 1),
)
def test_property_apportionment_is_the_reference_schedule(class_counts, raw_rates, one_rate, seed):
    class_counts = np.array(class_counts)
    rates = np.array(raw_rates[: class_counts.size])
    if one_rate:
        rates[:] = rates[0]
    tie_keys = np.random.default_rng(seed).random(class_counts.size)
    flip_counts = apportion_flips(class_counts, rates, tie_keys)
    np.testing.assert_array_equal(
        flip_counts, _reference_apportionment(class_counts, rates, tie_keys)
    )
    top_rate = rates.max()
    # The total rounds sum(quotas) half up, computed as the schedule does.
    total = np.floor(class_counts @ (rates / top_rate) * top_rate + 0.5) if top_rate else 0
    _assert_exact_counts(flip_counts, class_counts * rates, total)


# The exact sampler's fallbacks: paths that a natural input takes with a
# probability of 1e-9 or only on float ties, forced by patching the module.
# Too few candidates below the first threshold (a 6-sigma event): the classes
# and the unstratified draw fall back to scanning every sample.
TOO_FEW_CANDIDATES = {"_CANDIDATE_MARGIN_SD": 0.0, "_CANDIDATE_MARGIN_MIN": -1e9}
# Too few priority bits to pack (class, priority, index) into a uint64 sort key.
LEXSORT_ORDER = {"_MIN_PRIORITY_BITS": 65}
# The schedule's idle slots miscounted (float ties): the rounded-up flips go to
# the pending classes with the earliest deadlines.
FLOAT_TIE_GUARD = {"_idle_slot_times": lambda *args: np.empty(0)}
# Quotas 8.51, 11.5, 2.99, 23 and 11.1, 6.5, 0, 25: both have rounded-up flips.
ONE_RATE, PER_CLASS_RATES = 0.23, {0: 0.3, 1: 0.13, 3: 0.25}
EXACT_FALLBACKS = [
    pytest.param(TOO_FEW_CANDIDATES, True, ONE_RATE, True, id="too-few-candidates-stratified"),
    pytest.param(
        TOO_FEW_CANDIDATES, True, PER_CLASS_RATES, True, id="too-few-candidates-per-class-rates"
    ),
    pytest.param(TOO_FEW_CANDIDATES, False, ONE_RATE, True, id="too-few-candidates-unstratified"),
    pytest.param(
        TOO_FEW_CANDIDATES,
        False,
        PER_CLASS_RATES,
        True,
        id="too-few-candidates-unstratified-per-class-rates",
    ),
    pytest.param(LEXSORT_ORDER, True, ONE_RATE, True, id="lexsort-stratified"),
    pytest.param(LEXSORT_ORDER, False, ONE_RATE, True, id="lexsort-unstratified"),
    pytest.param(FLOAT_TIE_GUARD, True, ONE_RATE, False, id="float-tie-guard"),
    pytest.param(
        FLOAT_TIE_GUARD, True, PER_CLASS_RATES, False, id="float-tie-guard-per-class-rates"
    ),
]


@pytest.mark.parametrize("patches, stratify, noise_rate, same_draw", EXACT_FALLBACKS)
def test_exact_fallbacks_keep_the_count_rules(
    monkeypatch, patches, stratify, noise_rate, same_draw
):
    """The fallbacks change the speed, never the rules: the total is the
    rounded sum of the quotas, each class gets the floor or the ceiling of
    its own (stratified), and rate-0 classes never flip. Where the fallback
    only finds the same labels another way, the draw is the very same."""
    counts = np.array([37, 50, 13, 100])
    y = _labels(counts, seed=5)
    if isinstance(noise_rate, dict):
        rates = np.array([noise_rate.get(label, 0.0) for label in range(4)])
    else:
        rates = np.full(4, noise_rate)
    quotas = counts * rates
    total = np.floor(quotas.sum() + 0.5)
    params = dict(noise_rate=noise_rate, stratify=stratify)
    usual = [flip_labels(y, random_state=seed, **params) for seed in range(10)]
    for name, value in patches.items():
        monkeypatch.setattr(f"skmislabel._sampling.{name}", value)
    for seed, (usual_noisy, usual_mask) in enumerate(usual):
        y_noisy, mask = flip_labels(y, random_state=seed, **params)
        realised = np.bincount(y[mask], minlength=4)
        if stratify:
            _assert_exact_counts(realised, quotas, total)
        else:
            assert mask.sum() == total
            assert np.all(realised[rates == 0] == 0)
        assert (y_noisy[mask] != y[mask]).all()
        if same_draw:
            np.testing.assert_array_equal(mask, usual_mask)
            np.testing.assert_array_equal(y_noisy, usual_noisy)


@pytest.mark.parametrize("noise_type", NOISE_TYPES_WITH_RATE + ["mapping"])
def test_exact_targets_are_balanced_within_one_per_cell(noise_type):
    y = _labels([103, 58, 77, 91, 40])
    mapping = {0: [1, 2, 3], 1: [0, 4], 2: 3, 3: [0, 1, 2, 4], 4: [2, 3]}
    params = dict(class_mapping=mapping) if noise_type == "mapping" else {}
    for rate in [0.1, 0.37, 0.8]:
        y_noisy, mask = flip_labels(
            y, noise_rate=rate, noise_type=noise_type, random_state=3, **params
        )
        for k in range(5):
            cells = np.bincount(y_noisy[mask & (y == k)], minlength=5)
            targets = {
                "pairflip": [(k + 1) % 5],
                "mapping": np.atleast_1d(mapping[k]),
            }.get(noise_type, np.delete(np.arange(5), k))
            assert cells[targets].max() - cells[targets].min() <= 1, (rate, k, cells)
            assert cells.sum() == cells[targets].sum()


SAMPLINGS = [
    dict(sampling="exact", stratify=True),
    dict(sampling="exact", stratify=False),
    dict(sampling="bernoulli"),
]


@settings(max_examples=200, deadline=None)
@given(
    y=st.lists(st.integers(0, 5), min_size=1, max_size=300).map(np.array),
    rates=st.lists(st.floats(0, 1), min_size=2, max_size=2).map(sorted),
    noise_type=st.sampled_from(NOISE_TYPES_WITH_RATE + ["mapping"]),
    sampling=st.sampled_from(SAMPLINGS),
    seed=st.integers(0, SEED_BOUND - 1),
)
def test_property_noise_is_nested_in_the_rate(y, rates, noise_type, sampling, seed):
    """Common random numbers: the flips at the lower rate are a subset of those
    at the higher rate, with the same new labels."""
    params = dict(noise_type=noise_type, classes=np.arange(6), random_state=seed, **sampling)
    if noise_type == "mapping":
        params["class_mapping"] = {0: [1, 2], 2: 0, 3: [4, 5, 0], 5: 4}
    low_noisy, low_mask = flip_labels(y, noise_rate=rates[0], **params)
    high_noisy, high_mask = flip_labels(y, noise_rate=rates[1], **params)
    assert not (low_mask & ~high_mask).any(), "a label flipped at the lower rate only"
    np.testing.assert_array_equal(low_noisy[low_mask], high_noisy[low_mask])


@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["stratified", "unstratified", "bernoulli"])
def test_per_class_rates_scaled_together_are_nested(sampling):
    y = _labels([300, 200, 120, 80])
    base = {0: 0.2, 1: 0.05, 3: 0.1}
    previous_mask, previous_noisy = np.zeros(len(y), dtype=bool), y
    for scale in [0.5, 1.0, 2.0, 4.0]:
        rates = {label: rate * scale for label, rate in base.items()}
        y_noisy, mask = flip_labels(y, noise_rate=rates, random_state=7, **sampling)
        assert not (previous_mask & ~mask).any()
        np.testing.assert_array_equal(y_noisy[previous_mask], previous_noisy[previous_mask])
        previous_mask, previous_noisy = mask, y_noisy
    assert previous_mask.sum() > 0


def test_transition_matrix_dataframe_is_aligned_by_its_labels():
    y = np.array(["ant", "bee", "cow"] * 40)
    classes = ["ant", "bee", "cow"]
    matrix = np.array([[0.6, 0.4, 0.0], [0.0, 1.0, 0.0], [0.0, 0.1, 0.9]])
    frame = pd.DataFrame(matrix, index=classes, columns=classes)
    shuffled = frame.loc[["cow", "ant", "bee"], ["bee", "cow", "ant"]]
    params = dict(noise_type="transition_matrix", noise_rate=None, random_state=0)
    expected = flip_labels(y, transition_matrix=matrix, **params)[0]
    np.testing.assert_array_equal(flip_labels(y, transition_matrix=shuffled, **params)[0], expected)
    # Only "ant" -> "bee" and "cow" -> "bee" exist: never applied by position.
    noisy = flip_labels(y, transition_matrix=shuffled, **params)[0]
    assert set(zip(y[y != noisy], noisy[y != noisy])) == {("ant", "bee"), ("cow", "bee")}
    missing = frame.drop(index="bee")
    with pytest.raises(
        ValueError, match="transition_matrix .*index \\(true classes\\) lack \\['bee'\\]"
    ):
        flip_labels(y, transition_matrix=missing, **params)


def test_many_classes_use_linear_memory():
    """A dense K x K model would need 80 GB here (100,000 classes)."""
    import tracemalloc

    n_classes = 100_000
    y = np.repeat(np.arange(n_classes), 3)
    tracemalloc.start()
    try:
        for noise_type in NOISE_TYPES_WITH_RATE:
            for sampling in SAMPLINGS:
                y_noisy, mask = flip_labels(
                    y, noise_rate=0.5, noise_type=noise_type, random_state=0, **sampling
                )
                assert (y_noisy[mask] != y[mask]).all()
        injector = LabelNoiseInjector(noise_rate=0.3, random_state=0).fit(y[:, None], y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200e6, f"peak {peak / 1e6:.0f} MB"
    assert injector.n_flipped_ == np.floor(0.3 * len(y) + 0.5)
    _, mask = flip_labels(y, noise_rate=0.5, noise_type="pairflip", random_state=0)
    assert mask.sum() == np.floor(0.5 * len(y) + 0.5)


def test_realised_transition_matrix_is_computed_on_access():
    injector = LabelNoiseInjector(noise_rate=0.5, noise_type="pairflip", random_state=0)
    assert not hasattr(injector, "transition_matrix_")
    y = _labels([40, 40, 20])
    injector.fit(np.zeros((len(y), 1)), y)
    assert "transition_matrix_" not in vars(injector)
    np.testing.assert_allclose(
        injector.transition_matrix_, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
    )


def test_stratify_false_exact_total_and_random_class_split():
    y = _labels([400, 400, 200])
    per_class = []
    for seed in range(30):
        _, mask = flip_labels(y, noise_rate=0.25, stratify=False, random_state=seed)
        assert mask.sum() == 250
        per_class.append(np.bincount(y[mask], minlength=3))
    per_class = np.array(per_class)
    assert len({tuple(row) for row in per_class}) > 1, "class split never varies"
    np.testing.assert_allclose(per_class.mean(axis=0), [100, 100, 50], rtol=0.1)


# Zero cells, and a class that never flips.
USER_TRANSITION = np.array(
    [[0.5, 0.3, 0.2, 0.0], [0.1, 0.6, 0.2, 0.1], [0.0, 0.0, 1.0, 0.0], [0.25, 0.25, 0.25, 0.25]]
)


@pytest.mark.parametrize("noise_type", NOISE_TYPES_WITH_RATE + ["transition_matrix"])
def test_bernoulli_matches_transition_matrix_within_binomial_tolerance(noise_type):
    n_per_class = 4000
    y = _labels([n_per_class] * 4)
    if noise_type == "transition_matrix":
        transition = USER_TRANSITION
        params = dict(noise_rate=None, noise_type=noise_type, transition_matrix=transition)
    else:
        transition = build_transition_matrix(np.arange(4), noise_type, 0.3)
        params = dict(noise_rate=0.3, noise_type=noise_type)
    counts = np.zeros((4, 4))
    n_seeds = 5
    for seed in range(n_seeds):
        injector = LabelNoiseInjector(sampling="bernoulli", random_state=seed, **params).fit(
            np.zeros((len(y), 1)), y
        )
        counts += injector.transition_matrix_ * n_per_class
    n = n_per_class * n_seeds
    standard_error = np.sqrt(transition * (1 - transition) / n)
    assert np.all(np.abs(counts / n - transition) <= 5 * standard_error + 1e-12)
    # Bernoulli counts vary from draw to draw, exact ones do not.
    flips = [
        flip_labels(y, sampling="bernoulli", random_state=seed, **params)[1].sum()
        for seed in range(5)
    ]
    assert len(set(flips)) > 1


def test_bernoulli_flip_count_is_binomial():
    y = _labels([500] * 2)
    flips = [
        flip_labels(y, noise_rate=0.2, sampling="bernoulli", random_state=seed)[1].sum()
        for seed in range(200)
    ]
    # Binomial(1000, 0.2): mean 200, variance 160.
    assert abs(np.mean(flips) - 200) < 4 * np.sqrt(160 / len(flips))
    assert 100 < np.var(flips, ddof=1) < 240


def test_uniform_flip_rate_is_rate_times_k_minus_1_over_k():
    y = _labels([1000] * 10)
    _, mask = flip_labels(y, noise_rate=0.1, noise_type="uniform", random_state=0)
    assert mask.mean() == pytest.approx(0.09)
    y_noisy, mask = flip_labels(y, noise_rate=1.0, noise_type="uniform", random_state=0)
    assert np.bincount(y_noisy[mask], minlength=10).min() > 0, "some class never a target"


def test_symmetric_targets_are_uniform_over_other_classes():
    y = np.zeros(9000, dtype=int)
    y_noisy, mask = flip_labels(y, noise_rate=0.9, classes=np.arange(10), random_state=0)
    np.testing.assert_array_equal(np.bincount(y_noisy[mask], minlength=10)[1:], [900] * 9)


def test_pairflip_moves_to_next_class_and_wraps():
    y = np.array(["a", "b", "c"] * 20)
    y_noisy, mask = flip_labels(y, noise_rate=1.0, noise_type="pairflip")
    assert mask.all()
    np.testing.assert_array_equal(y_noisy, np.array(["b", "c", "a"] * 20))


def test_mapping_flips_only_mapped_classes_in_one_pass():
    y = _labels([100] * 10)
    # 7 -> 1 and 1 -> 7: no cascade, each flipped label comes from the clean y.
    mapping = {7: 1, 1: 7, 3: [8, 5]}
    y_noisy, mask = flip_labels(
        y, noise_rate=0.5, noise_type="mapping", class_mapping=mapping, random_state=0
    )
    assert set(np.unique(y[mask])) == {1, 3, 7}
    np.testing.assert_array_equal(np.bincount(y[mask], minlength=10)[[1, 3, 7]], [50, 50, 50])
    assert set(y_noisy[mask & (y == 7)]) == {1}
    assert set(y_noisy[mask & (y == 1)]) == {7}
    from_three = y_noisy[mask & (y == 3)]
    np.testing.assert_array_equal(np.bincount(from_three, minlength=10)[[5, 8]], [25, 25])


def test_per_class_rates():
    y = _labels([100, 100, 100])
    _, mask = flip_labels(y, noise_rate={0: 0.5, 2: 0.1}, random_state=0)
    np.testing.assert_array_equal(np.bincount(y[mask], minlength=3), [50, 0, 10])


def test_classes_absent_from_y_are_targets():
    y = np.zeros(100, dtype=int)
    y_noisy, mask = flip_labels(y, noise_rate=0.6, classes=[0, 1, 2], random_state=0)
    np.testing.assert_array_equal(np.bincount(y_noisy[mask], minlength=3), [0, 30, 30])
    injector = LabelNoiseInjector(noise_rate=0.6, classes=[0, 1, 2], random_state=0)
    injector.fit(np.zeros((100, 1)), y)
    np.testing.assert_array_equal(injector.classes_, [0, 1, 2])
    assert np.isnan(injector.transition_matrix_[1:]).all()


# --------------------------------------------------------------------------
# Randomness, tested statistically: fixed seeds make every outcome
# deterministic, and alpha = 1e-4 keeps a correct sampler far from failing.
# --------------------------------------------------------------------------
ALPHA = 1e-4


def _uniformity_p_value(counts, n_replicates, population=np.inf):
    """p-value of "every slot of ``counts`` is hit with the same probability".

    ``counts[j]`` sums ``n_replicates`` indicators of one probability ``p``: it
    is binomial, with ``1 - p`` times the (Poisson) variance that Pearson's
    statistic assumes. When each replicate hits a fixed number of slots of a
    ``population`` (exact sampling), its indicators are drawn without
    replacement, which widens deviations from the mean by ``population /
    (population - 1)``. Corrected for both, the statistic is chi-square with
    ``len(counts) - 1`` degrees of freedom.
    """
    p = counts.sum() / (n_replicates * counts.shape[0])
    pearson = stats.chisquare(counts).statistic
    return stats.chi2.sf(pearson * (1 - 1 / population) / (1 - p), counts.shape[0] - 1)


N_REPLICATED_CLASSES, N_MEMBERS = 50, 40
# Two flip probabilities pooled make the test slightly conservative.
HALF_RATES = {label: 0.25 if label % 2 else 0.125 for label in range(N_REPLICATED_CLASSES)}
MEMBER_SAMPLINGS = [
    (dict(sampling="exact", stratify=True), 0.25, N_MEMBERS),
    (dict(sampling="exact", stratify=False), 0.25, N_REPLICATED_CLASSES * N_MEMBERS),
    (dict(sampling="exact", stratify=False), HALF_RATES, N_REPLICATED_CLASSES * N_MEMBERS),
    (dict(sampling="bernoulli"), 0.25, np.inf),
    (dict(sampling="bernoulli"), HALF_RATES, np.inf),
]


@pytest.mark.parametrize(
    "sampling, noise_rate, population",
    MEMBER_SAMPLINGS,
    ids=[
        "stratified",
        "unstratified",
        "unstratified-per-class-rates",
        "bernoulli",
        "bernoulli-per-class-rates",
    ],
)
def test_flips_are_uniform_over_the_members_of_a_class(sampling, noise_rate, population):
    """Which members of a class flip is left to chance: none is favoured by
    its position (taking the first, the last or every 4th members fails, and
    so does a tilt that flips the last member 1/6 less often than the first).

    ``y`` interleaves 50 classes of 40 labels, so label ``l`` is member
    ``l // 50`` of its class, and each draw is 50 replicates of one class.
    """
    y = np.tile(np.arange(N_REPLICATED_CLASSES), N_MEMBERS)
    member = np.arange(y.shape[0]) // N_REPLICATED_CLASSES
    n_seeds = 100
    flips_per_member = np.zeros(N_MEMBERS, dtype=np.int64)
    for seed in range(n_seeds):
        _, mask = flip_labels(y, noise_rate=noise_rate, random_state=seed, **sampling)
        flips_per_member += np.bincount(member[mask], minlength=N_MEMBERS)
    if sampling.get("stratify"):
        # 10 flips per class and draw, by the count rules.
        assert flips_per_member.sum() == n_seeds * N_REPLICATED_CLASSES * 10
    p_value = _uniformity_p_value(flips_per_member, n_seeds * N_REPLICATED_CLASSES, population)
    assert p_value > ALPHA, (p_value, flips_per_member)


@pytest.mark.parametrize(
    "sampling, noise_rate",
    [
        (dict(sampling="exact", stratify=True), 0.1),
        (dict(sampling="exact", stratify=False), 0.1),
        (dict(sampling="bernoulli"), 0.9),
    ],
    ids=["stratified", "unstratified", "bernoulli"],
)
def test_symmetric_targets_are_uniform_over_the_other_classes_across_seeds(sampling, noise_rate):
    """A flipped label goes to each other class with probability 1 / (K - 1):
    the off-diagonal cells of each true class's row of (true, new) counts fit
    a uniform distribution. At rate 0.1 exact stratified sampling flips one
    label per class, so its new label is the random round-robin start, and
    never starting at the last target (the lesson's ``randint(0, 9)`` bug)
    fails; Bernoulli targets are independent, and rate 0.9 gives them the
    power to see a target drawn with probability 0.31 instead of 0.25.
    """
    n_classes = 5
    y = np.tile(np.arange(n_classes), 10)
    cells = np.zeros((n_classes, n_classes), dtype=np.int64)
    for seed in range(200):
        y_noisy, mask = flip_labels(y, noise_rate=noise_rate, random_state=seed, **sampling)
        np.add.at(cells, (y[mask], y_noisy[mask]), 1)
    off_diagonal = ~np.eye(n_classes, dtype=bool)
    assert cells[~off_diagonal].sum() == 0
    expected = np.repeat(cells.sum(axis=1) / (n_classes - 1), n_classes - 1)
    # Pearson's test of the rows (K - 1 cells each) taken together: one
    # degree of freedom per row is fixed by its total.
    p_value = stats.chisquare(cells[off_diagonal], expected, ddof=n_classes - 1).pvalue
    assert p_value > ALPHA, (p_value, cells)


# --------------------------------------------------------------------------
# Containers, dtypes, immutability, determinism.
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "y",
    [
        np.array([3, 5, 7] * 10, dtype=np.int32),
        np.array([3, 5, 7] * 10, dtype=np.uint8),
        np.array([3.0, 5.0, 7.0] * 10),
        np.array(["cat", "dog", "emu"] * 10),
        np.array(["cat", "dog", "emu"] * 10, dtype=object),
        np.array([True, False] * 15),
    ],
    ids=["int32", "uint8", "float", "str", "object", "bool"],
)
def test_arrays_keep_dtype_and_are_not_modified(y):
    original = y.copy()
    y.setflags(write=False)
    y_noisy, mask = flip_labels(y, noise_rate=0.5, random_state=0)
    assert y_noisy.dtype == y.dtype and y_noisy.shape == y.shape
    np.testing.assert_array_equal(y, original)
    assert mask.dtype == bool and mask.sum() == np.floor(0.5 * len(y) + 0.5)
    assert set(np.unique(y_noisy)) <= set(np.unique(y))


INT64 = np.iinfo(np.int64)
# Three classes each, at the ends of their dtype, or too close together for
# float64 to tell apart (2**53 + 1 is not a float64): a pass through floats
# would merge or move them.
WIDE_INTEGER_CLASSES = [
    pytest.param(np.array([2**63, 2**63 + 1, 2**64 - 1], dtype=np.uint64), id="uint64-above-2**63"),
    pytest.param(np.array([2**64 - 3, 2**64 - 2, 2**64 - 1], dtype=np.uint64), id="uint64-max"),
    pytest.param(np.array([INT64.min, INT64.min + 1, INT64.min + 2]), id="int64-min"),
    pytest.param(np.array([INT64.max - 2, INT64.max - 1, INT64.max]), id="int64-max"),
    pytest.param(np.array([INT64.min, 0, INT64.max]), id="int64-min-and-max"),
    pytest.param(np.array([0, 10**18 - 1, 10**18]), id="0-to-1e18"),
    pytest.param(np.array([2**53, 2**53 + 1, 2**53 + 2]), id="beyond-float64"),
    pytest.param(np.array([0, 7, 2**32 - 1], dtype=np.uint32), id="uint32-full-range"),
    pytest.param(np.array([-(2**15), 0, 2**15 - 1], dtype=np.int16), id="int16-full-range"),
    pytest.param(np.array([-128, 0, 127], dtype=np.int8), id="int8-full-range"),
]


@pytest.mark.parametrize("container", ["ndarray", "series", "list"])
@pytest.mark.parametrize("classes", WIDE_INTEGER_CLASSES)
def test_wide_integer_labels_keep_their_exact_values(classes, container):
    """Integer labels never pass through floats: y_noisy keeps y's dtype, kept
    labels are the very same, and each flipped label is exactly another
    class. At rate 0.5 each class flips 10 of its 20 labels, 5 to each other
    class (round robin), so two classes merged or moved would show."""
    y_array = np.tile(classes, 20)
    y = {"ndarray": y_array, "series": pd.Series(y_array), "list": y_array.tolist()}[container]
    y_noisy, mask = flip_labels(y, noise_rate=0.5, random_state=0)
    if container == "list":
        assert isinstance(y_noisy, list)
    else:
        assert y_noisy.dtype == y_array.dtype
    # Python ints compare exactly whatever the dtype.
    labels, noisy_labels = y_array.tolist(), [int(label) for label in y_noisy]
    np.testing.assert_array_equal(mask, [a != b for a, b in zip(labels, noisy_labels)])
    flips = Counter((a, b) for a, b in zip(labels, noisy_labels) if a != b)
    values = classes.tolist()
    assert flips == {(a, b): 5 for a in values for b in values if a != b}
    injector = LabelNoiseInjector(noise_rate=0.5, random_state=0).fit(y_array[:, None], y_array)
    assert injector.classes_.dtype == y_array.dtype
    assert injector.classes_.tolist() == sorted(values)


@pytest.mark.parametrize(
    "classes",
    [
        pytest.param(np.array([1, 2**63 + 1, 2**63 + 3], dtype=np.uint64), id="uint64-array"),
        # np.asarray would turn these Python ints into float64, where
        # 2**63 + 1 and 2**63 + 3 are one number.
        pytest.param([1, 2**63 + 1, 2**63 + 3], id="python-ints"),
    ],
)
def test_named_wide_integer_classes_keep_their_exact_values(classes):
    y = np.array([2**63 + 1, 1] * 10, dtype=np.uint64)
    y_noisy, mask = flip_labels(y, noise_rate=1.0, classes=classes, random_state=0)
    assert y_noisy.dtype == y.dtype and mask.all()
    # Each class's 10 labels go round robin to its 2 other classes, 5 each.
    assert Counter(y_noisy.tolist()) == {1: 5, 2**63 + 1: 5, 2**63 + 3: 10}


@pytest.mark.parametrize(
    "classes",
    [
        pytest.param(np.array([0, 1, 2, 2**63], dtype=np.uint64), id="uint64-array"),
        # As float64, 2**63 would be written into int64 y as -2**63.
        pytest.param([0, 1, 2, 2**63], id="python-ints"),
        # As float64, 3.5 would be written into int64 y as 3.
        pytest.param([0, 1, 2, 3.5], id="fraction"),
    ],
)
def test_classes_that_integer_labels_cannot_hold_raise(classes):
    with pytest.raises(ValueError, match="contains labels that y's dtype int64 cannot hold"):
        flip_labels(Y3, classes=classes, random_state=0)


def test_series_keeps_index_name_and_dtype():
    y = pd.Series(["a", "b", "c"] * 10, index=np.arange(30) * 3 + 1, name="label")
    y_noisy, mask = flip_labels(y, noise_rate=0.3, random_state=0)
    assert isinstance(y_noisy, pd.Series)
    assert y_noisy.name == "label" and y_noisy.dtype == y.dtype
    pd.testing.assert_index_equal(y_noisy.index, y.index)
    assert (y_noisy != y).sum() == 9 == mask.sum()


def test_single_column_dataframe_keeps_its_column_index_and_dtype():
    y = pd.DataFrame({"label": np.array([3, 5, 7] * 10, dtype=np.int16)}, index=np.arange(30) * 2)
    y_noisy, mask = flip_labels(y, noise_rate=0.3, random_state=0)
    assert isinstance(y_noisy, pd.DataFrame)
    pd.testing.assert_index_equal(y_noisy.columns, y.columns)
    pd.testing.assert_index_equal(y_noisy.index, y.index)
    assert y_noisy["label"].dtype == np.int16
    np.testing.assert_array_equal(mask, (y_noisy != y)["label"].to_numpy())
    assert mask.sum() == 9


def test_categorical_series_keeps_categories_and_uses_unused_ones():
    y = pd.Series(pd.Categorical(["x", "y"] * 30, categories=["x", "y", "z"]))
    y_noisy, mask = flip_labels(y, noise_rate=1.0, random_state=0)
    assert y_noisy.dtype == y.dtype
    assert (y_noisy[mask] == "z").sum() == 30


def test_list_and_column_and_one_hot_containers():
    y_list = [0, 1] * 10
    y_noisy, _ = flip_labels(y_list, noise_rate=0.5, random_state=0)
    assert isinstance(y_noisy, list) and y_list == [0, 1] * 10
    y_column = np.array(y_list).reshape(-1, 1)
    y_noisy_column, _ = flip_labels(y_column, noise_rate=0.5, random_state=0)
    assert y_noisy_column.shape == (20, 1)
    np.testing.assert_array_equal(y_noisy_column.ravel(), y_noisy)
    one_hot = np.eye(2)[y_list]
    y_noisy_one_hot, _ = flip_labels(one_hot, noise_rate=0.5, random_state=0)
    np.testing.assert_array_equal(y_noisy_one_hot.argmax(axis=1), y_noisy)


@pytest.mark.parametrize(
    "X",
    [
        np.arange(60.0).reshape(30, 2),
        sp.random(30, 4, density=0.3, format="csr", random_state=0),
        pd.DataFrame({"a": range(30), "b": ["t"] * 30}),
        [[i, i] for i in range(30)],
        np.zeros((30, 8, 8)),
        ["a document"] * 30,
    ],
    ids=["ndarray", "sparse", "dataframe", "list", "images", "documents"],
)
def test_x_passes_through_as_the_same_object(X):
    X_out, _ = LabelNoiseInjector(random_state=0).fit_resample(X, Y3)
    assert X_out is X


def test_feature_names_pass_through():
    X = pd.DataFrame({"height": range(30), "width": range(30)})
    injector = LabelNoiseInjector(random_state=0).fit(X, Y3)
    np.testing.assert_array_equal(injector.get_feature_names_out(), ["height", "width"])


def test_same_random_state_same_noise_and_none_differs():
    y = _labels([50] * 4)
    first = flip_labels(y, noise_rate=0.3, random_state=42)[0]
    np.testing.assert_array_equal(first, flip_labels(y, noise_rate=0.3, random_state=42)[0])
    injector = LabelNoiseInjector(noise_rate=0.3, random_state=42)
    np.testing.assert_array_equal(injector.fit_resample(y[:, None], y)[1], first)
    np.testing.assert_array_equal(clone(injector).fit_resample(y[:, None], y)[1], first)
    unseeded = {tuple(flip_labels(y, noise_rate=0.3)[1]) for _ in range(3)}
    assert len(unseeded) > 1


def test_global_random_state_is_untouched():
    np.random.seed(0)
    expected = np.random.random_sample()
    np.random.seed(0)
    flip_labels(_labels([50] * 4), noise_rate=0.3, random_state=0)
    flip_labels(_labels([50] * 4), noise_rate=0.3, random_state=None)
    assert np.random.random_sample() == expected


# --------------------------------------------------------------------------
# Properties over random inputs (hypothesis).
# --------------------------------------------------------------------------
label_arrays = st.lists(st.integers(0, 5), min_size=1, max_size=300).map(np.array)
rates = st.floats(0, 1)


@settings(max_examples=150, deadline=None)
@given(
    y=label_arrays,
    rate=rates,
    noise_type=st.sampled_from(NOISE_TYPES_WITH_RATE),
    seed=st.integers(0, SEED_BOUND - 1),
)
def test_property_exact_counts_and_mask(y, rate, noise_type, seed):
    classes = np.unique(y)
    if classes.size < 2:
        classes = np.array([classes[0], classes[0] + 1])
    y_before = y.copy()
    y_noisy, mask = flip_labels(
        y, noise_rate=rate, noise_type=noise_type, classes=classes, random_state=seed
    )
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(mask, y_noisy != y)
    flip_rate = _flip_rate(noise_type, rate, classes.size)
    counts = np.array([(y == c).sum() for c in classes])
    realised = np.array([mask[y == c].sum() for c in classes])
    _assert_exact_counts(realised, counts * flip_rate, np.floor(len(y) * flip_rate + 0.5))
    if noise_type == "pairflip":
        next_class = dict(zip(classes, np.roll(classes, -1)))
        assert all(next_class[a] == b for a, b in zip(y[mask], y_noisy[mask]))
    np.testing.assert_array_equal(
        y_noisy,
        flip_labels(y, noise_rate=rate, noise_type=noise_type, classes=classes, random_state=seed)[
            0
        ],
    )


@settings(max_examples=100, deadline=None)
@given(
    y=label_arrays,
    mapping_targets=st.lists(st.integers(0, 5), min_size=6, max_size=6),
    mapped=st.lists(st.booleans(), min_size=6, max_size=6),
    rate=rates,
    seed=st.integers(0, SEED_BOUND - 1),
)
def test_property_mapping_flips_only_mapped_classes_to_their_targets(
    y, mapping_targets, mapped, rate, seed
):
    classes = np.arange(6)
    mapping = {
        source: target
        for source, (target, keep) in enumerate(zip(mapping_targets, mapped))
        if keep and target != source
    }
    assume(mapping)
    y_noisy, mask = flip_labels(
        y,
        noise_rate=rate,
        noise_type="mapping",
        class_mapping=mapping,
        classes=classes,
        random_state=seed,
    )
    assert set(y[mask]) <= set(mapping)
    assert all(mapping[a] == b for a, b in zip(y[mask], y_noisy[mask]))


@settings(max_examples=100, deadline=None)
@given(
    y=label_arrays,
    raw_matrix=st.lists(st.floats(0, 1), min_size=36, max_size=36),
    seed=st.integers(0, SEED_BOUND - 1),
)
def test_property_realised_transition_matrix_is_exact(y, raw_matrix, seed):
    matrix = np.array(raw_matrix).reshape(6, 6) + 1e-3
    matrix /= matrix.sum(axis=1, keepdims=True)
    injector = LabelNoiseInjector(
        noise_rate=None,
        noise_type="transition_matrix",
        transition_matrix=matrix,
        classes=np.arange(6),
        random_state=seed,
    ).fit(np.zeros((y.shape[0], 1)), y)
    counts = np.bincount(y, minlength=6)
    present = np.flatnonzero(counts)
    realised = np.rint(injector.transition_matrix_[present] * counts[present, None])
    np.testing.assert_array_equal(realised.sum(axis=1), counts[present])
    n_flipped = counts[present] - realised[np.arange(present.size), present]
    quotas = (counts * (1 - np.diag(matrix)))[present]
    assert abs(n_flipped.sum() - np.floor(quotas.sum() + 0.5)) <= 1e-9 or np.isclose(
        quotas.sum() % 1, 0.5
    ), "total is not the rounded sum of the quotas"
    assert np.all(n_flipped >= np.floor(quotas - 1e-9))
    assert np.all(n_flipped <= np.ceil(quotas + 1e-9))
    assert np.isnan(injector.transition_matrix_[counts == 0]).all()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.sampled_from(["ant", "bee", "cow"]), min_size=2, max_size=100),
    as_categorical=st.booleans(),
    seed=st.integers(0, SEED_BOUND - 1),
)
def test_property_series_dtype_and_index_preserved(values, as_categorical, seed):
    index = pd.RangeIndex(len(values)) * 7 + 3
    y = pd.Series(values, index=index, name="animal")
    if as_categorical:
        y = y.astype(pd.CategoricalDtype(["ant", "bee", "cow"]))
    y_before = y.copy()
    y_noisy, mask = flip_labels(y, noise_rate=0.5, classes=["ant", "bee", "cow"], random_state=seed)
    pd.testing.assert_series_equal(y, y_before)
    assert y_noisy.dtype == y.dtype and y_noisy.name == "animal"
    pd.testing.assert_index_equal(y_noisy.index, y.index)
    np.testing.assert_array_equal(mask, (y_noisy != y).to_numpy())


def test_flip_labels_and_the_injector_share_their_parameter_docs():
    from skmislabel._docstrings import NOISE_PARAMETERS, fill_doc

    for documented in (flip_labels, LabelNoiseInjector):
        assert "%(" not in documented.__doc__
        for fragment in NOISE_PARAMETERS.values():
            assert fragment in documented.__doc__

    def undocumented():
        """Parameters
        ----------
        %(no_such_parameter)s
        """

    with pytest.raises(KeyError, match="no shared fragment 'no_such_parameter'"):
        fill_doc(**NOISE_PARAMETERS)(undocumented)
