"""k-disagreeing neighbours (kDN, Smith et al. 2014) and the neighbours'
vote, the evidence of :class:`skmislabel.cleaning.NeighborhoodCleaner`."""

import numpy as np

__all__ = ["disagreeing_neighbors"]

# Rows of the (n_neighbors x n_neighbors) label comparisons done at once.
_ROWS_PER_BLOCK = 4096


def _neighbour_vote(neighbour_codes, codes):
    """The most frequent label among each row's neighbours.

    Ties go to the row's own label when it is among the most frequent (a
    tie is no evidence against it), then to the label of the nearer
    neighbour (neighbours are sorted by distance).
    """
    n_neighbors = neighbour_codes.shape[1]
    votes = np.empty_like(codes)
    # One more vote outweighs the own-label bonus and any position; the bonus
    # outweighs any position.
    vote_weight = 2 * n_neighbors + 2
    own_label_bonus = n_neighbors + 1
    position = np.arange(n_neighbors)
    for start in range(0, codes.shape[0], _ROWS_PER_BLOCK):
        block = slice(start, start + _ROWS_PER_BLOCK)
        labels = neighbour_codes[block]
        counts = (labels[:, :, None] == labels[:, None, :]).sum(axis=2)
        own = labels == codes[block, None]
        scores = counts * vote_weight + own * own_label_bonus - position
        best = scores.argmax(axis=1)
        votes[block] = labels[np.arange(labels.shape[0]), best]
    return votes


def disagreeing_neighbors(features, codes, *, n_neighbors, n_jobs=None):
    """kDN of every sample and its neighbours' vote.

    Parameters
    ----------
    features : ndarray or sparse matrix of shape (n_samples, n_features)
        Numeric, finite.
    codes : ndarray of shape (n_samples,), dtype int64
        The given labels as class positions.
    n_neighbors : int
        Fewer than n_samples.
    n_jobs : int or None
        Parallel jobs of the neighbour search.

    Returns
    -------
    disagreement : ndarray of shape (n_samples,)
        The share of the ``n_neighbors`` nearest neighbours (Euclidean, the
        sample itself excluded) whose label is not the sample's.
    vote : ndarray of shape (n_samples,), dtype int64
        The neighbours' most frequent label (see :func:`_neighbour_vote`).
    """
    from sklearn.neighbors import NearestNeighbors

    # kneighbors() without X leaves each sample out of its own neighbours,
    # even when duplicates of it exist.
    neighbours = (
        NearestNeighbors(n_neighbors=n_neighbors, n_jobs=n_jobs)
        .fit(features)
        .kneighbors(return_distance=False)
    )
    neighbour_codes = codes[neighbours]
    disagreement = (neighbour_codes != codes[:, None]).mean(axis=1)
    return disagreement, _neighbour_vote(neighbour_codes, codes)
