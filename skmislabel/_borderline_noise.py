"""Borderline noise: labels near another class flip to that class.

Stated in the user guide (:ref:`instance-dependent-noise`). A neighbourhood
model in the spirit of the borderline models of Garcia et al. (2019) and R's
noisemodel package (``nei_bor_ln``, whose new label is the majority class
among the nearest neighbours of another class), without its SVM: the
propensity is the share of a sample's nearest neighbours with another label.
"""

import numpy as np

from ._instance_model import InstanceNoise, standardize
from ._random import SEED_BOUND

# Neighbours are searched in at most this many principal components of the
# standardized features: a brute-force search over the 784 pixels of 60,000
# MNIST images takes ~80 s on two cores, over 50 components ~12 s.
NEIGHBOUR_COMPONENTS = 50
# Neighbour labels held at once (rows x neighbours): the neighbour queries
# and the label counts run on blocks of rows, so that memory grows with
# n_samples * n_neighbors in total and stays near this many values at a time.
_VALUES_PER_BLOCK = 2**22


def _neighbour_space(features, estimator_stream):
    """Standardized features, reduced to their first principal components
    when there are more than :data:`NEIGHBOUR_COMPONENTS` of them."""
    standardized, _ = standardize(features)
    n_samples, n_features = standardized.shape
    if n_features > NEIGHBOUR_COMPONENTS and n_samples > NEIGHBOUR_COMPONENTS:
        from sklearn.decomposition import PCA

        seed = int(np.random.default_rng(estimator_stream).integers(SEED_BOUND))
        standardized = PCA(n_components=NEIGHBOUR_COMPONENTS, random_state=seed).fit_transform(
            standardized
        )
    return standardized


def _majority_other_label(neighbour_codes, codes, n_classes):
    """For each row, the most frequent neighbour label other than the row's
    own, ties to the label met first (neighbours are sorted by distance);
    the row's own label where no neighbour has another.

    One pass over the neighbour columns, farthest first: ``counts`` and
    ``nearest`` (the column of each label's nearest member) are
    (rows x classes), so time and memory are linear in rows * neighbours.
    """
    n_rows, n_neighbors = neighbour_codes.shape
    rows = np.arange(n_rows)
    counts = np.zeros((n_rows, n_classes), dtype=np.int64)
    nearest = np.full((n_rows, n_classes), n_neighbors, dtype=np.int64)
    other = neighbour_codes != codes[:, None]
    for column in range(n_neighbors - 1, -1, -1):
        labels = neighbour_codes[:, column]
        counts[rows, labels] += other[:, column]
        # Farthest first: the last write is the nearest member's column.
        nearest[rows[other[:, column]], labels[other[:, column]]] = column
    # Nearer neighbours win ties: a label's score is its count, then minus
    # the column of its nearest member; the row's own label never wins.
    scores = np.where(counts > 0, counts * (n_neighbors + 1) - nearest, -1)
    best = scores.argmax(axis=1)
    return np.where(counts[rows, best] > 0, best, codes)


def _neighbour_labels(space, codes, n_neighbors):
    """Propensities and majority-other targets, from neighbour queries run
    on blocks of rows.

    Each block asks for ``n_neighbors + 1`` neighbours and drops the sample
    itself, as :meth:`~sklearn.neighbors.NearestNeighbors.kneighbors`
    without X does (the first neighbour when duplicates crowd the sample
    out), so the neighbours are those of the whole query at once.
    """
    from sklearn.neighbors import NearestNeighbors

    n_samples = codes.shape[0]
    n_classes = int(codes.max()) + 1
    # Fitted with n_neighbors as before: "auto" picks its algorithm from it.
    search = NearestNeighbors(n_neighbors=n_neighbors).fit(space)
    propensity = np.empty(n_samples)
    targets = np.empty(n_samples, dtype=np.int64)
    rows_per_block = max(1, _VALUES_PER_BLOCK // max(n_neighbors + 1, n_classes))
    for start in range(0, n_samples, rows_per_block):
        block = slice(start, min(start + rows_per_block, n_samples))
        neighbours = search.kneighbors(
            space[block], n_neighbors=n_neighbors + 1, return_distance=False
        )
        keep = neighbours != np.arange(block.start, block.stop)[:, None]
        keep[keep.all(axis=1), 0] = False
        neighbours = neighbours[keep].reshape(-1, n_neighbors)
        neighbour_codes = codes[neighbours]
        block_codes = codes[block]
        propensity[block] = (neighbour_codes != block_codes[:, None]).mean(axis=1)
        targets[block] = _majority_other_label(neighbour_codes, block_codes, n_classes)
    return propensity, targets


def borderline_noise(features, codes, *, n_neighbors, estimator_stream):
    """Borderline noise of every sample.

    Parameters
    ----------
    features : ndarray of shape (n_samples, ...)
        Numeric, finite; flattened per sample.
    codes : ndarray of shape (n_samples,), dtype int64
    n_neighbors : int
    estimator_stream : numpy.random.SeedSequence
        Seed of the randomized PCA, when there is one.

    Returns
    -------
    noise : InstanceNoise
        Rate-free propensities: the share of the ``n_neighbors`` nearest
        neighbours (the sample itself excluded) whose label differs. Its
        fallback orders the samples of propensity 0 by their distance to the
        nearest sample of another class, whose class is their target.
    """
    from sklearn.neighbors import NearestNeighbors

    n_samples = codes.shape[0]
    if n_samples <= n_neighbors:
        raise ValueError(
            f"noise_type='borderline' with n_neighbors={n_neighbors} needs more than "
            f"{n_neighbors} samples (a sample is not its own neighbour); got {n_samples}."
        )
    space = _neighbour_space(features, estimator_stream)
    propensity, target_codes = _neighbour_labels(space, codes, n_neighbors)

    def nearest_other_class(positions):
        """For samples whose neighbours all share their label: the distance
        to the nearest sample of another class (the order in which exact
        sampling takes them) and that sample's class (their target)."""
        distances = np.full(positions.shape[0], np.inf)
        targets = codes[positions].copy()
        for k in np.unique(codes[positions]):
            members = np.flatnonzero(codes[positions] == k)
            others = np.flatnonzero(codes != k)
            if others.shape[0] == 0:
                continue
            found, nearest = (
                NearestNeighbors(n_neighbors=1)
                .fit(space[others])
                .kneighbors(space[positions[members]])
            )
            distances[members] = found[:, 0]
            targets[members] = codes[others[nearest[:, 0]]]
        return distances, targets

    return InstanceNoise(
        propensity=propensity,
        target_codes=target_codes,
        rate_scaled=False,
        hint=(
            "Use exact sampling (which then flips the samples nearest to another "
            "class), raise n_neighbors (more samples then have a neighbour of "
            "another class) or lower noise_rate."
        ),
        fallback=nearest_other_class,
    )
