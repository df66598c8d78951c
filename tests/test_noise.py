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

NOISE_TYPES_WITH_RATE = ["symmetric", "uniform", "pairflip"]


def _labels(class_counts, seed=0):
    y = np.repeat(np.arange(len(class_counts)), class_counts)
    return np.random.default_rng(seed).permutation(y)


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
def test_exact_flips_round_of_expected_count_per_class(noise_type, rate):
    counts = [37, 50, 13, 100]
    y = _labels(counts)
    injector = LabelNoiseInjector(noise_rate=rate, noise_type=noise_type, random_state=1)
    _, y_noisy = injector.fit_resample(np.zeros((len(y), 1)), y)
    matrix = build_transition_matrix(np.arange(4), noise_type, rate)
    expected = np.rint(np.asarray(counts) * (1 - np.diag(matrix)))
    realised = np.bincount(y[y != y_noisy], minlength=4)
    np.testing.assert_array_equal(realised, expected)
    assert injector.n_flipped_ == expected.sum()
    assert injector.noise_rate_ == pytest.approx(expected.sum() / len(y))
    np.testing.assert_array_equal(injector.noise_mask_, y != y_noisy)


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
    n_flips = np.rint(counts * (1 - np.diag(transition)))
    np.testing.assert_array_equal(counts - np.diag(realised_counts), n_flips)
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
    # round(0.2 * 7) = 1 per class: the closest exact count, not 0.
    assert stratified.sum() == 50


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
    expected_flips = np.rint(0.5 * np.unique(y, return_counts=True)[1]).sum()
    assert mask.dtype == bool and mask.sum() == expected_flips
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
    matrix = build_transition_matrix(classes, noise_type, rate)
    counts = np.array([(y == c).sum() for c in classes])
    expected = np.rint(counts * (1 - np.diag(matrix)))
    realised = np.array([mask[y == c].sum() for c in classes])
    np.testing.assert_array_equal(realised, expected)
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
    np.testing.assert_array_equal(n_flipped, np.rint(counts * (1 - np.diag(matrix)))[present])
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
