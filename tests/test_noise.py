"""Tests for skmislabel/noise.py: flip_labels and LabelNoiseInjector."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from skmislabel import LabelNoiseInjector, flip_labels
from skmislabel._noise_models import build_transition_matrix
from skmislabel._sampling import apportion_flips

NOISE_TYPES_WITH_RATE = ["symmetric", "uniform", "pairflip"]


def _labels(class_counts, seed=0):
    y = np.repeat(np.arange(len(class_counts)), class_counts)
    return np.random.default_rng(seed).permutation(y)


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
    (None, ValueError, "requires y to be passed"),
]


@pytest.mark.parametrize("y, err_type, err_msg", BAD_TARGETS, ids=range(len(BAD_TARGETS)))
def test_bad_targets_raise(y, err_type, err_msg):
    if y is not None:
        with pytest.raises(err_type, match=err_msg):
            flip_labels(y, random_state=0)
    n_samples = 10 if y is None else len(y)
    with pytest.raises(err_type, match=err_msg):
        LabelNoiseInjector(random_state=0).fit_resample(np.zeros((n_samples, 2)), y)


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
    seed=st.integers(0, 2**31 - 2),
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
    seed=st.integers(0, 2**31 - 2),
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


@pytest.mark.parametrize("noise_type", NOISE_TYPES_WITH_RATE)
def test_bernoulli_matches_transition_matrix_within_binomial_tolerance(noise_type):
    n_per_class = 4000
    y = _labels([n_per_class] * 4)
    transition = build_transition_matrix(np.arange(4), noise_type, 0.3)
    counts = np.zeros((4, 4))
    n_seeds = 5
    for seed in range(n_seeds):
        injector = LabelNoiseInjector(
            noise_rate=0.3, noise_type=noise_type, sampling="bernoulli", random_state=seed
        ).fit(np.zeros((len(y), 1)), y)
        counts += injector.transition_matrix_ * n_per_class
    n = n_per_class * n_seeds
    standard_error = np.sqrt(transition * (1 - transition) / n)
    assert np.all(np.abs(counts / n - transition) <= 5 * standard_error + 1e-12)
    # Bernoulli counts vary from draw to draw, exact ones do not.
    flips = [
        flip_labels(
            y, noise_rate=0.3, noise_type=noise_type, sampling="bernoulli", random_state=seed
        )[1].sum()
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


def test_series_keeps_index_name_and_dtype():
    y = pd.Series(["a", "b", "c"] * 10, index=np.arange(30) * 3 + 1, name="label")
    y_noisy, mask = flip_labels(y, noise_rate=0.3, random_state=0)
    assert isinstance(y_noisy, pd.Series)
    assert y_noisy.name == "label" and y_noisy.dtype == y.dtype
    pd.testing.assert_index_equal(y_noisy.index, y.index)
    assert (y_noisy != y).sum() == 9 == mask.sum()


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
    seed=st.integers(0, 2**31 - 2),
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
    seed=st.integers(0, 2**31 - 2),
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
    if not mapping:
        return
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
    seed=st.integers(0, 2**31 - 2),
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
    seed=st.integers(0, 2**31 - 2),
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
