"""Borderline noise: labels near another class flip to that class.

Stated in :mod:`skmislabel.noise` (section *Conventions*). A neighbourhood
model in the spirit of the borderline models of Garcia et al. (2019) and R's
noisemodel package (``nei_bor_ln``, whose new label is the majority class
among the nearest neighbours of another class), without its SVM: the
propensity is the share of a sample's nearest neighbours with another label.
"""

import numpy as np

from ._instance_model import InstanceNoise, standardize

# Neighbours are searched in at most this many principal components of the
# standardized features: a brute-force search over the 784 pixels of 60,000
# MNIST images takes ~80 s on two cores, over 50 components ~12 s.
NEIGHBOUR_COMPONENTS = 50
# Rows of the (n_neighbors x n_neighbors) label comparisons done at once.
_ROWS_PER_BLOCK = 4096


def _neighbour_space(features, estimator_stream):
    """Standardized features, reduced to their first principal components
    when there are more than :data:`NEIGHBOUR_COMPONENTS` of them."""
    standardized, _ = standardize(features)
    n_samples, n_features = standardized.shape
    if n_features > NEIGHBOUR_COMPONENTS and n_samples > NEIGHBOUR_COMPONENTS:
        from sklearn.decomposition import PCA

        seed = int(np.random.default_rng(estimator_stream).integers(np.iinfo(np.int32).max))
        standardized = PCA(n_components=NEIGHBOUR_COMPONENTS, random_state=seed).fit_transform(
            standardized
        )
    return standardized


def _majority_other_label(neighbour_codes, codes):
    """For each row, the most frequent neighbour label other than the row's
    own, ties to the label met first (neighbours are sorted by distance);
    the row's own label where no neighbour has another."""
    n_neighbors = neighbour_codes.shape[1]
    targets = codes.copy()
    # Nearer neighbours win ties: a label's score is its count, then minus
    # the position of its nearest member.
    position_penalty = np.arange(n_neighbors)
    for start in range(0, codes.shape[0], _ROWS_PER_BLOCK):
        block = slice(start, start + _ROWS_PER_BLOCK)
        labels = neighbour_codes[block]
        other = labels != codes[block, None]
        counts = ((labels[:, :, None] == labels[:, None, :]) & other[:, None, :]).sum(axis=2)
        scores = np.where(other, counts * (n_neighbors + 1) - position_penalty, -1)
        best = scores.argmax(axis=1)
        rows = np.flatnonzero(other.any(axis=1))
        targets[start + rows] = labels[rows, best[rows]]
    return targets


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
    # kneighbors() without X leaves each sample out of its own neighbours,
    # even when duplicates of it exist.
    neighbours = (
        NearestNeighbors(n_neighbors=n_neighbors).fit(space).kneighbors(return_distance=False)
    )
    neighbour_codes = codes[neighbours]
    propensity = (neighbour_codes != codes[:, None]).mean(axis=1)

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
        target_codes=_majority_other_label(neighbour_codes, codes),
        rate_scaled=False,
        hint=(
            "Use exact sampling (which then flips the samples nearest to another "
            "class), raise n_neighbors (more samples then have a neighbour of "
            "another class) or lower noise_rate."
        ),
        fallback=nearest_other_class,
    )
