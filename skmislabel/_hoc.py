"""HOC: the transition matrix from the labels of each sample's two nearest
neighbours (Zhu, Song and Liu 2021), without a model trained on the labels.

If a sample and its two nearest neighbours share a true class (*2-NN
clusterability*), the noisy labels of the three are independent draws from
that class's row of ``T``. The shares of the patterns of one, two and three
noisy labels (first, second and third order consensus) are then polynomials
of ``T`` and the true class prior ``p``::

    e1[j]       = sum_i p[i] T[i, j]
    e2[j, k]    = sum_i p[i] T[i, j] T[i, k]
    e3[j, k, l] = sum_i p[i] T[i, j] T[i, k] T[i, l]

and ``T`` and ``p`` are found by matching them to the observed shares.
Checked against the reference code UCSC-REAL/HOC (``hoc.py``: ``count_y``,
``count_real``, ``func``, ``calc_func``): the same patterns, the same
loss (the sum of the Frobenius norms of the three differences, unsquared),
the same softmax parametrisation and start (logits ``5 I - 1`` for ``T``,
``1/K + U(0, 0.1)`` for ``p``), Adam with step 0.1 and the iterate of
lowest loss after step 5.
"""

import numpy as np

from ._out_of_fold import _ProbabilityCache

__all__ = ["consensus_patterns", "fit_consensus", "two_nearest_neighbors"]


# The neighbours depend on the features only: estimating the noise of many
# label sets of the same data (a noise curve, a benchmark) searches once.
NEIGHBOR_CACHE = _ProbabilityCache(max_entries=2)


def two_nearest_neighbors(features):
    """Positions of each sample's first and second nearest neighbour (itself
    excluded), by cosine distance as in the reference code."""
    import joblib
    from sklearn.neighbors import NearestNeighbors

    key = joblib.hash(features, hash_name="sha1")
    cached = NEIGHBOR_CACHE.get(key)
    if cached is not None:
        return cached

    # Neighbours of every sample among all samples; the reference instead
    # averages the patterns of 50 random subsets of 15,000 samples, which on
    # data of that size or less only repeats the same count.
    search = NearestNeighbors(n_neighbors=3, metric="cosine", algorithm="brute")
    search.fit(features)
    _, neighbors = search.kneighbors(features)
    # Duplicated samples may list another sample at distance 0 before the
    # sample itself: drop the sample wherever it is, keep the first two others.
    is_other = neighbors != np.arange(features.shape[0])[:, None]
    first_others = np.argsort(~is_other, axis=1, kind="stable")[:, :2]
    others = np.take_along_axis(neighbors, first_others, axis=1)
    NEIGHBOR_CACHE.put(key, others)
    return others


def consensus_patterns(codes, neighbors, n_classes):
    """The observed shares ``(e1, e2, e3)`` of the noisy-label patterns of
    each sample and its two neighbours (the reference's ``count_y``)."""
    first, second = codes[neighbors[:, 0]], codes[neighbors[:, 1]]
    n_samples = codes.shape[0]
    e1 = np.bincount(codes, minlength=n_classes) / n_samples
    e2 = np.bincount(codes * n_classes + first, minlength=n_classes**2) / n_samples
    e3 = (
        np.bincount((codes * n_classes + first) * n_classes + second, minlength=n_classes**3)
        / n_samples
    )
    return e1, e2.reshape(n_classes, n_classes), e3.reshape(n_classes, n_classes, n_classes)


def _softmax(logits, axis):
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _loss_and_gradient(t_logits, p_logits, observed):
    """The reference's loss and its gradient in the logits."""
    T = _softmax(t_logits, axis=1)
    p = _softmax(p_logits, axis=0)
    e1, e2, e3 = observed
    m1 = p @ T
    m2 = np.einsum("i,ij,ik->jk", p, T, T)
    m3 = np.einsum("i,ij,ik,il->jkl", p, T, T, T)
    loss = 0.0
    gradients = []
    for model, data in ((m1, e1), (m2, e2), (m3, e3)):
        norm = np.linalg.norm((model - data).ravel())
        loss += norm
        gradients.append((model - data) / norm if norm > 0 else np.zeros_like(model))
    g1, g2, g3 = gradients
    grad_T = p[:, None] * g1[None, :]
    grad_p = T @ g1
    grad_T += p[:, None] * (T @ (g2 + g2.T))
    grad_p += np.einsum("ij,jk,ik->i", T, g2, T)
    g3_sym = g3 + g3.transpose(1, 0, 2) + g3.transpose(2, 1, 0)
    grad_T += p[:, None] * np.einsum("ajk,ij,ik->ia", g3_sym.transpose(0, 1, 2), T, T)
    grad_p += np.einsum("jkl,ij,ik,il->i", g3, T, T, T)
    # Through the softmaxes.
    grad_t_logits = T * (grad_T - (grad_T * T).sum(axis=1, keepdims=True))
    grad_p_logits = p * (grad_p - p @ grad_p)
    return loss, grad_t_logits, grad_p_logits


def fit_consensus(observed, n_classes, *, rng, max_iter=1500, learning_rate=0.1):
    """``(T, p, loss)`` that match the consensus patterns best, by the
    reference's Adam (betas 0.9, 0.999, eps 1e-8) from its start.

    ``max_iter=1500`` is the reference's 1,501 steps for 10 classes.
    """
    t_logits = 5 * np.eye(n_classes) - np.ones((n_classes, n_classes))
    p_logits = np.full(n_classes, 1 / n_classes) + rng.uniform(0, 0.1, size=n_classes)
    parameters = [t_logits, p_logits]
    first_moments = [np.zeros_like(x) for x in parameters]
    second_moments = [np.zeros_like(x) for x in parameters]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    best = (np.inf, None, None)
    for step in range(max_iter + 1):
        loss, *gradients = _loss_and_gradient(*parameters, observed)
        if step > 5 and loss < best[0]:
            best = (loss, parameters[0].copy(), parameters[1].copy())
        if step == max_iter:
            break
        for index, gradient in enumerate(gradients):
            first_moments[index] = beta1 * first_moments[index] + (1 - beta1) * gradient
            second_moments[index] = beta2 * second_moments[index] + (1 - beta2) * gradient**2
            corrected_first = first_moments[index] / (1 - beta1 ** (step + 1))
            corrected_second = second_moments[index] / (1 - beta2 ** (step + 1))
            parameters[index] = parameters[index] - learning_rate * corrected_first / (
                np.sqrt(corrected_second) + eps
            )
    loss, t_logits, p_logits = best
    return _softmax(t_logits, axis=1), _softmax(p_logits, axis=0), float(loss)
