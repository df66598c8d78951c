"""Label noise: corrupt class labels with a known, reproducible noise model.

.. _noise-conventions:

Conventions
-----------
Every docstring in skmislabel refers to these definitions.

**Classes.** ``classes_`` are the sorted distinct labels of ``y``, or the
sorted ``classes`` when given (which may name classes absent from ``y``, as
flip targets). ``K`` is their number.

**Transition matrix.** ``T[i, j] = P(noisy = j | true = i)``: row ``i`` is the
true class ``classes_[i]``, column ``j`` the noisy class ``classes_[j]``, and
every row sums to 1. ``1 - T[i, i]`` is the *flip rate* of class ``i``, the
probability that its label changes.

**noise_rate.** The fraction ``r`` of each class's labels that are relabelled,
a float for all classes or a dict ``{class: rate}`` (missing classes get 0).
Each class-conditional noise type turns it into ``T`` (the instance-dependent
types, whose flips depend on the features too, are in their own section
below):

=========================  ====================================================
``noise_type``             ``T`` for a class with rate ``r``
=========================  ====================================================
``"symmetric"``            ``T[i, i] = 1 - r``, ``T[i, j] = r / (K - 1)``: the
                           lesson's "unbiased" mislabeling; a relabelled label
                           always changes, uniformly to one of the other classes.
``"uniform"``              ``T[i, i] = 1 - r + r / K``, ``T[i, j] = r / K``: what
                           the lesson's code does, the new label is drawn from all
                           ``K`` classes and may stay the same, so the flip rate is
                           ``r * (K - 1) / K`` (9% for ``r = 0.1``, ``K = 10``).
                           The lesson draws with NumPy's ``randint(0, 9)``, whose
                           upper bound is exclusive, so class 9 is never a target
                           there; here every class is.
``"pairflip"``             ``T[i, i] = 1 - r``, ``T[i, i + 1] = r``: each class
                           moves to the next one in ``classes_`` order, the last
                           to the first.
``"mapping"``              ``class_mapping={true: noisy}`` or
                           ``{true: [noisy, ...]}``: ``T[i, i] = 1 - r`` and ``r``
                           is shared equally by the listed classes; classes that
                           are not mapped never flip. The lesson's "biased"
                           mislabeling (7 -> 1, 3 -> 8, ...).
``"transition_matrix"``    ``T = transition_matrix`` as given. ``noise_rate``
                           must be ``None``: the matrix already sets every rate.
                           A pandas DataFrame is aligned to ``classes_`` by its
                           index (true classes) and columns (noisy classes);
                           any other array is read in ``classes_`` order.
=========================  ====================================================

**Sampling.** Flips are always drawn from the clean labels in one pass (no
cascades when classes map into each other), and a flipped label always differs
from its true label. Counts are rounded *half up*, ``round(x) = floor(x +
0.5)``. Write ``q_i = n_i * (1 - T[i, i])`` for the expected number of flips of
class ``i`` (its *quota*) and ``N = round(sum_i q_i)``.

- ``sampling="exact"``, ``stratify=True``: exactly ``N`` flips in total, and
  class ``i`` gets ``floor(q_i)`` or ``ceil(q_i)`` of them (exactly ``q_i`` when
  it is an integer). Rounding each class alone would lose noise: 100 classes
  of 5 labels at rate 0.1 would get no flip at all. Which classes get the
  rounded-up flips is decided by an earliest-deadline-first schedule: with
  ``t`` the largest flip rate and ``b_i = q_i / t``, class ``i``'s ``j``-th
  flip may happen between times ``(j - 1) / b_i`` (exclusive) and ``j / b_i``,
  flip slots come at times ``(m - 0.5) / sum_i b_i``, and each slot goes to
  the class whose next flip is due first, ties broken by a random key per
  class. The counts at time ``t`` are the result.
- ``sampling="exact"``, ``stratify=False``: exactly ``N`` flips in total, with
  the classes they come from left to chance: the ``N`` labels with the
  smallest ``u_l / (1 - T[i, i])`` flip (sequential Poisson sampling, so each
  label is picked with probability close to its class's flip rate; with one
  rate for all classes it is a uniform random subset).
- ``sampling="bernoulli"``: every label flips independently with probability
  ``1 - T[i, i]`` (label ``l`` of class ``i`` flips if ``u_l < 1 - T[i, i]``). Counts are
  binomial; ``stratify`` is ignored.

Here ``u_l`` is one uniform random number per label ``l``. In exact sampling the
flipped labels of a class are those with the smallest ``u_l``, in a random
order that also sets their new labels:

- symmetric, uniform and mapping spread a class's flips over its ``m``
  targets (the ``K - 1`` other classes, or the mapped ones) round robin: its
  ``j``-th flip in ``u_l`` order (``j = 0, 1, ...``) takes target number
  ``(o_i + j) mod m``, counting the targets in ``classes_`` order (a
  mapping's in the order listed) from a random start ``o_i`` per class. Every
  target gets within one of ``n_flip_i / m``.
  Pairflip has one target.
- ``transition_matrix``: the flips of class ``i`` are shared among the targets
  ``j != i`` in proportion to ``T[i, j]`` by largest-remainder rounding (ties
  broken at random): every cell is within one of
  ``n_flip_i * T[i, j] / (1 - T[i, i])``.
- In Bernoulli sampling the new label comes from a second uniform number per
  label, ``v_l``: target number ``floor(v_l * m)``, or the off-diagonal row of
  ``T`` renormalised.

**Nested noise.** With the same int ``random_state``, the same labels and the
same noise model, the labels flipped at a lower ``noise_rate`` are a subset of
those flipped at a higher one, with the same new labels, for every
class-conditional noise type but ``transition_matrix``, in all three sampling
modes (for the instance-dependent types, see below). The random numbers
``u_l``, ``v_l``, the class keys and starts do not depend on the rate; the
exact counts grow with it (the schedule above hands out flips in one fixed
order, so a higher rate only adds flips); and round robin only appends
targets. Per-class rates (a dict) are nested when all of them are scaled by
the same factor. A ``transition_matrix`` has no rate to scale, and the draw
is not nested across matrices.

.. _instance-dependent-noise:

Instance-dependent noise
------------------------
The types above are *class-conditional*: whether a label flips depends on
its class only. Real annotators err on the hard, ambiguous samples, and
noise that follows the features is harder for models and for remedies than
symmetric noise at the same rate. The four *instance-dependent* types give
each sample ``i`` (label ``y_i`` of class ``k``, features ``x_i``) a *flip
propensity* ``p_i`` in [0, 1] and a *target* ``t_i != y_i``, computed from X:
``flip_labels(y, X=X, ...)``, and the injector reads the X of
``fit_resample``. The class-conditional types ignore X. ``noise_rate`` keeps
its meaning, the share of each class's labels (a dict: per class) that flip;
the propensities decide *which* labels flip, the targets to what.

X must be numeric and finite, 2-D or n-D (images, flattened per sample
where a model needs vectors); sparse X is refused. *Standardized* features
are centred and scaled to unit variance
(:class:`~sklearn.preprocessing.StandardScaler`; constant features become 0).
``LabelNoiseInjector.flip_propensity_`` holds the ``p_i`` of the last fit.

``"part_dependent"``
    Xia et al. (2020), the instance-dependent generator most papers copy.
    ``p_i = q_i``, the ``z_i``-quantile (``z_i`` uniform) of the normal
    ``N(r_k, flip_rate_std**2)`` truncated to [0, 1] (``q_i = 0`` when
    ``r_k = 0``, ``q_i = r_k`` when ``flip_rate_std = 0``). A Gaussian
    projection ``W`` of shape (K, d, K), entries ``N(0, 1)``, scores
    ``a_i = x_i W[k]``, with ``a_ik = -inf`` for the true class, and ``t_i``
    is drawn from ``softmax(a_i)``. Two traps of the reference code are
    avoided. It projects raw pixels, so the scores are in the thousands and
    the softmax is one-hot (always the top score); here ``x_i`` is
    standardized and divided by ``sqrt(d')``, ``d'`` the number of
    non-constant features, so that ``E ||x_i||^2 = 1`` and the scores are
    standard normal on average (standardizing alone leaves a standard
    deviation of ``sqrt(d')``, about 27 for MNIST: still nearly one-hot). And its
    truncated mean overshoots small rates: ``E q_i = 0.129`` for ``r = 0.1``
    and ``flip_rate_std = 0.1``, because the truncation at 0 cuts off the
    left tail; exact sampling flips exactly ``round(r n)`` labels all the
    same. Which samples flip does not depend on their features (``q_i`` is
    drawn independently of ``x_i``), only where they go, along a random
    projection of the features, not what the samples look like. Use it to
    compare with the literature's IDN results.

``"confidence"``
    Chen et al. (2021), in the style of Algan & Ulusoy (2020). ``P`` is the
    out-of-fold ``predict_proba`` of ``noise_estimator`` (default:
    ``StandardScaler`` then ``LogisticRegression(max_iter=1000)`` on X
    flattened): ``noise_cv`` stratified folds shuffled with a seed drawn
    from ``random_state``, each sample predicted by a model that did not see
    it. ``p_i = max_{j != k} P_ij``, the probability of the most likely other
    class, and ``t_i`` is that class: "looks like a 4, labelled 9". Chen et
    al. flip the ``r n`` samples with the largest such score, with a CNN's
    softmax averaged over its training epochs; here the probabilities are
    out of fold (a model that memorised its training labels gives every
    training sample ``p_i`` close to 0) and the samples are drawn by
    propensity. Use it for realistic, annotator-like confusions.

``"pmd"``
    Polynomial margin diminishing noise, Zhang et al. (2021). The same
    out-of-fold ``P``; with ``m_i`` the margin between its two largest
    probabilities, ``p_i = tau(m_i)`` for ``pmd_type``

    - ``"I"``: ``tau(m) = 1/2 - m**2 / 2``,
    - ``"II"``: ``tau(m) = 1 - m**3``,
    - ``"III"``: ``tau(m) = 1 - (m**3 + m**2 + m) / 3``,

    the noise functions of the reference code (pxiangwu/PLC,
    ``utils.label_noise``). All fall to 0 at ``m = 1``; near ``m = 0``, III
    falls fastest and II slowest. ``t_i = argmax_{j != k} P_ij``: the
    runner-up when the model agrees with the label. The reference first
    redraws every label from ``P``, sets the rate with a constant factor
    ``c`` (flipping with probability ``1 - (1 - tau) / c``) and uses other,
    one-sided functions for K = 2; here the labels ``y`` are the truth, the
    rate is set by the sampling below, and the same three polynomials serve
    every ``K >= 2``. Use it for noise concentrated near the decision
    boundary, with a chosen profile.

``"borderline"``
    Neighbourhood noise, as the borderline models of Garcia et al. (2019)
    and R's noisemodel (``nei_bor_ln``), without their SVM: ``p_i`` is the
    share of the ``n_neighbors`` nearest neighbours of ``i`` (itself
    excluded; Euclidean, in the standardized features, reduced to their
    first 50 principal components when there are more than 50 of them,
    which keeps the search over 60,000 MNIST images to seconds)
    whose label is not ``y_i``, and ``t_i`` the most frequent such label,
    ties to the one of the nearer neighbour. Many samples have no
    neighbour of another class, ``p_i = 0`` (on MNIST with 5 neighbours,
    86% of all digits and 97% of the ones; on scikit-learn's digits, 89%).
    So that any rate can be reached, exact sampling flips them when a class
    (stratified), or the draw, needs more flips than it has samples with
    ``p_i > 0``: those nearest to a sample of another class first, to that
    sample's class, as if the neighbourhood grew until another class
    appears. Bernoulli sampling uses the propensities as they come, and
    stops at the share of samples with ``p_i > 0``. Use it for model-free
    noise at the class boundaries of the feature space.

**Sampling.** ``u_i`` is the uniform number ``u_l`` of sample ``i`` above, and
exact stratified counts are those of the class-conditional types.
confidence, pmd and borderline give *rate-free* propensities, weighted
``w_i = p_i r_k / max(r)`` (just ``p_i`` for one rate):

- ``sampling="exact"``, ``stratify=True``: class ``k`` flips exactly the
  count the conventions above give it, its samples with the smallest
  ``u_i / w_i`` (sequential Poisson sampling: inclusion close to
  proportional to ``p_i``);
- ``sampling="exact"``, ``stratify=False``: the ``N`` samples with the
  smallest ``u_i / w_i`` flip;
- ``sampling="bernoulli"``: sample ``i`` flips when ``u_i < min(1, s w_i)``,
  the scale ``s`` making the expected number of flips
  ``sum_i min(1, s w_i)`` equal to ``sum_k r_k n_k``.

A sample with ``p_i = 0`` never flips (borderline's exact sampling aside,
above). When a class (stratified), or the whole draw, needs more flips than
it has samples with ``p_i > 0``, a ValueError says so and gives the highest
noise_rate reachable on the data.
part_dependent's ``q_i`` already depend on the rate: exact sampling weights
``w_i = q_i`` as above (the rates keep their shape, scaled to the exact
total), and Bernoulli sampling flips ``i`` when ``u_i < q_i``, the reference
model as it comes.

**Nested, deterministic.** The targets ``t_i`` (for part_dependent the
``z_i``, ``W`` and the draws of ``t_i``) and the ``u_i`` do not depend on the
rate, and nor do the propensities of confidence, pmd and borderline: their
flips are nested across rates, in all three sampling modes (a higher rate
takes more of the same order). part_dependent is nested with Bernoulli
sampling (``q_i`` grows with ``r`` for a fixed ``z_i``), not with exact
sampling, whose order ``u_i / q_i`` changes as the ``q_i`` change shape. An
int ``random_state`` gives the same noise every time: the folds are shuffled
with a seed drawn from it, and so are the ``random_state`` parameters of
``noise_estimator`` left at None (those you set are kept).

**Sources.**

- Xia, X., Liu, T., Han, B., Wang, N., Gong, M., Liu, H., Niu, G., Tao, D.
  and Sugiyama, M. (2020). Part-dependent label noise: towards
  instance-dependent label noise. *NeurIPS 33*. Reference code:
  https://github.com/xiaoboxia/Part-dependent-label-noise (``tools.py``).
- Chen, P., Ye, J., Chen, G., Zhao, J. and Heng, P.-A. (2021). Beyond
  class-conditional assumption: a primary attempt to combat
  instance-dependent label noise. *AAAI 35*. Reference code:
  https://github.com/chenpf1025/IDN (``mnist_gen_dependent.py``).
- Algan, G. and Ulusoy, I. (2020). Label noise types and their effects on
  deep learning. arXiv:2003.10471.
- Zhang, Y., Zheng, S., Wu, P., Goswami, M. and Chen, C. (2021). Learning
  with feature-dependent label noise: a progressive approach. *ICLR*.
  Reference code: https://github.com/pxiangwu/PLC (``utils.py``).
- Garcia, L. P. F., Lehmann, J., de Carvalho, A. C. P. L. F. and Lorena,
  A. C. (2019). New label noise injection methods for the evaluation of
  noise filters. *Knowledge-Based Systems 163*, 693-704. R package
  noisemodel (Saez, J. A.), ``nei_bor_ln``.

**Cost.** Time and memory are linear in the number of labels and classes: the
rate-based noise types never build the K x K matrix, so 100,000 classes are
cheap. Only ``noise_type="transition_matrix"`` and the realised
``LabelNoiseInjector.transition_matrix_`` (computed when it is read) are
K x K. The instance-dependent types cost what their model costs (times for
60,000 MNIST images on two cores, ``benchmarks/noise_speed.py``):
part_dependent ``O(n d K)`` time and one d x K slice of ``W`` at a time
(about 1.3 s); borderline a brute-force neighbour search, ``O(n^2)`` in at
most 50 dimensions (about 18 s at rate 0.1, where its exact sampling goes
past the border; the search over all 784 pixels would take about 80 s);
confidence and pmd ``noise_cv`` fits of ``noise_estimator`` (the default
logistic regression: about 165 s on the 60,000 images, 35 s on 15,000).
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_consistent_length

from ._base import BaseSampler
from ._compat import (
    HasMethods,
    Interval,
    StrOptions,
    imblearn_sampler_tags,
    validate_params,
)
from ._instance_noise import ESTIMATOR_NOISE_TYPES, check_features, draw_instance_noise
from ._noise_models import INSTANCE_NOISE_TYPES, NOISE_TYPES, build_noise_model
from ._random import draw_seed
from ._sampling import draw_flips
from ._targets import encode_targets
from ._transition_estimation import estimate_transition_matrix

__all__ = ["LabelNoiseInjector", "estimate_transition_matrix", "flip_labels"]

_PARAMETER_CONSTRAINTS = {
    "noise_rate": [Interval(numbers.Real, 0, 1, closed="both"), dict, None],
    "noise_type": [StrOptions(set(NOISE_TYPES))],
    "transition_matrix": ["array-like", None],
    "class_mapping": [dict, None],
    "flip_rate_std": [Interval(numbers.Real, 0, None, closed="left")],
    "noise_estimator": [HasMethods(["fit", "predict_proba"]), None],
    "noise_cv": [Interval(numbers.Integral, 2, None, closed="left")],
    "pmd_type": [StrOptions({"I", "II", "III"})],
    "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
    "sampling": [StrOptions({"exact", "bernoulli"})],
    "stratify": ["boolean"],
    "classes": ["array-like", None],
    "random_state": ["random_state"],
}


class _NoiseDraw:
    """Everything one noise draw produced, before it is exposed."""

    def __init__(
        self,
        y,
        X,
        *,
        noise_rate,
        noise_type,
        transition_matrix,
        class_mapping,
        flip_rate_std,
        noise_estimator,
        noise_cv,
        pmd_type,
        n_neighbors,
        sampling,
        stratify,
        classes,
        random_state,
    ):
        if noise_estimator is not None and noise_type not in ESTIMATOR_NOISE_TYPES:
            raise ValueError(
                "noise_estimator is only used with noise_type='confidence' or 'pmd'; "
                f"got noise_type={noise_type!r}."
            )
        encoded = encode_targets(y, classes)
        if X is not None:
            check_consistent_length(X, encoded.codes)
        model = build_noise_model(
            encoded.classes, noise_type, noise_rate, transition_matrix, class_mapping
        )
        seed = draw_seed(random_state)
        if noise_type in INSTANCE_NOISE_TYPES:
            flip_positions, new_codes, instance_noise = draw_instance_noise(
                noise_type,
                X,
                encoded,
                model.flip_rates,
                flip_rate_std=flip_rate_std,
                noise_estimator=noise_estimator,
                noise_cv=noise_cv,
                pmd_type=pmd_type,
                n_neighbors=n_neighbors,
                sampling=sampling,
                stratify=stratify,
                seed=seed,
            )
            self.propensity = instance_noise.propensity
        else:
            flip_positions, new_codes = draw_flips(
                encoded.codes,
                encoded.class_counts,
                model,
                sampling=sampling,
                stratify=stratify,
                seed=seed,
            )
            # The flip rate of each sample's class, computed when it is read.
            self.propensity = None
        self.model = model
        self.encoded = encoded
        self.flip_positions = flip_positions
        self.new_codes = new_codes
        self.y_noisy = encoded.restore(flip_positions, new_codes)

    @property
    def noise_mask(self):
        mask = np.zeros(self.encoded.n_samples, dtype=bool)
        mask[self.flip_positions] = True
        return mask


def _realised_transition_matrix(class_counts, true_codes, new_codes):
    """Row-normalised counts of (true, noisy) pairs: K x K floats."""
    n_classes = class_counts.shape[0]
    counts = np.bincount(
        true_codes.astype(np.int64) * n_classes + new_codes, minlength=n_classes * n_classes
    ).reshape(n_classes, n_classes)
    counts[np.diag_indices(n_classes)] = class_counts - counts.sum(axis=1)
    row_totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Classes with no samples realised nothing: their rows are NaN.
        return counts / row_totals


@validate_params(
    {"y": ["array-like"], "X": ["array-like", "sparse matrix", None], **_PARAMETER_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def flip_labels(
    y,
    *,
    X=None,
    noise_rate=0.1,
    noise_type="symmetric",
    transition_matrix=None,
    class_mapping=None,
    flip_rate_std=0.1,
    noise_estimator=None,
    noise_cv=5,
    pmd_type="I",
    n_neighbors=5,
    sampling="exact",
    stratify=True,
    classes=None,
    random_state=None,
):
    """Return a noisy copy of class labels and the mask of what changed.

    The function behind :class:`LabelNoiseInjector`, for users who only have
    an array. The noise model, ``noise_rate`` and the sampling rules are
    defined once in :mod:`skmislabel.noise` (section *Conventions*).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels: ints, strings or bools in an ndarray, list, tuple or
        pandas Series (categorical too), a single-column DataFrame or a one-hot
        2-D array. Never modified.

    X : array-like of shape (n_samples, n_features) or (n_samples, ...), \
            default=None
        Features, required by the instance-dependent noise types: numeric
        and finite, 2-D or n-D (images). Never modified. The
        class-conditional types only check its length.

    noise_rate : float in [0, 1], dict {class: float} or None, default=0.1
        Fraction of each class's labels that are relabelled; a dict gives
        per-class rates (other classes 0). Must be None with
        ``noise_type="transition_matrix"``.

    noise_type : {"symmetric", "uniform", "pairflip", "mapping", \
            "transition_matrix", "part_dependent", "confidence", "pmd", \
            "borderline"}, default="symmetric"
        The noise model: class-conditional (the first five) or
        instance-dependent (the last four, which need X); see
        :mod:`skmislabel.noise`.

    transition_matrix : array-like of shape (n_classes, n_classes), default=None
        ``T[i, j] = P(noisy = j | true = i)`` in ``classes_`` order; rows sum
        to 1 (tolerance 1e-8). Only with ``noise_type="transition_matrix"``.

    class_mapping : dict, default=None
        ``{true: noisy}`` or ``{true: [noisy, ...]}``. Only with
        ``noise_type="mapping"``.

    flip_rate_std : float >= 0, default=0.1
        Only with ``noise_type="part_dependent"``: standard deviation of the
        normal, of mean the class's rate, whose truncation to [0, 1] gives
        each sample its flip rate.

    noise_estimator : estimator with predict_proba, default=None
        Only with ``noise_type="confidence"`` or ``"pmd"``: the model whose
        out-of-fold class probabilities set the propensities and targets.
        Cloned and fitted ``noise_cv`` times on X as passed (a
        :class:`~skmislabel.CNNClassifier` works on images); its
        ``random_state`` parameters left at None are set from
        ``random_state``. None: ``make_pipeline(StandardScaler(),
        LogisticRegression(max_iter=1000))`` on X flattened per sample.

    noise_cv : int >= 2, default=5
        Only with ``noise_type="confidence"`` or ``"pmd"``: number of
        stratified folds of the out-of-fold probabilities. Every class of y
        needs at least this many samples.

    pmd_type : {"I", "II", "III"}, default="I"
        Only with ``noise_type="pmd"``: the polynomial of the top-two margin
        that gives the propensity.

    n_neighbors : int >= 1, default=5
        Only with ``noise_type="borderline"``: number of nearest neighbours
        whose labels give a sample its propensity and target. More
        neighbours reach higher rates.

    sampling : {"exact", "bernoulli"}, default="exact"
        ``"exact"`` flips exactly the rounded expected number of labels,
        ``"bernoulli"`` flips each label independently.

    stratify : bool, default=True
        With exact sampling, make the count exact in total and within one of
        the expected count in every class (True), or exact in total only
        (False).

    classes : array-like of shape (n_classes,), default=None
        All classes, including ones absent from ``y`` that may be flip
        targets. Must contain every label of ``y``. Default: the labels of y.

    random_state : int, RandomState instance or None, default=None
        Seed of the draw. An int gives the same output on every call; None
        draws fresh entropy and leaves NumPy's global RNG alone.

    Returns
    -------
    y_noisy : same type as y
        A new container of the same type, dtype, shape, index and name as
        ``y`` (a list for a list), with the flipped labels replaced.

    noise_mask : ndarray of shape (n_samples,), dtype bool
        True where the label changed.

    See Also
    --------
    LabelNoiseInjector : The same noise as a pipeline step, with the realised
        transition matrix, flip counts and per-sample flip propensities as
        fitted attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from skmislabel import flip_labels
    >>> y = np.repeat([0, 1, 2], 10)
    >>> y_noisy, noise_mask = flip_labels(y, noise_rate=0.2, random_state=0)
    >>> int(noise_mask.sum())
    6
    >>> bool((y_noisy[noise_mask] != y[noise_mask]).all())
    True
    >>> np.bincount(y[noise_mask]).tolist()
    [2, 2, 2]

    Instance-dependent noise reads the features: here the labels near the
    other blob flip.

    >>> from sklearn.datasets import make_blobs
    >>> X, y = make_blobs(n_samples=200, centers=2, cluster_std=3.0, random_state=0)
    >>> y_noisy, noise_mask = flip_labels(
    ...     y, X=X, noise_type="borderline", noise_rate=0.05, random_state=0)
    >>> np.bincount(y[noise_mask]).tolist()
    [5, 5]
    """
    draw = _NoiseDraw(
        y,
        X,
        noise_rate=noise_rate,
        noise_type=noise_type,
        transition_matrix=transition_matrix,
        class_mapping=class_mapping,
        flip_rate_std=flip_rate_std,
        noise_estimator=noise_estimator,
        noise_cv=noise_cv,
        pmd_type=pmd_type,
        n_neighbors=n_neighbors,
        sampling=sampling,
        stratify=stratify,
        classes=classes,
        random_state=random_state,
    )
    return draw.y_noisy, draw.noise_mask


class LabelNoiseInjector(BaseSampler):
    """Corrupt the training labels of a pipeline with a known noise model.

    A sampler in imbalanced-learn's sense: :meth:`fit_resample` returns
    ``(X, y_noisy)`` with X passed through untouched (the very same object)
    and y relabelled by :func:`flip_labels`. The instance-dependent noise
    types read the X of :meth:`fit_resample`, so inside a pipeline, a
    cross-validation or a grid search each training fold's noise follows
    its own features. The noise model, ``noise_rate`` and the sampling rules
    are defined once in :mod:`skmislabel.noise` (section *Conventions*).

    .. warning::
        In a :class:`skmislabel.Pipeline`, the injector runs at ``fit`` time
        only. ``predict``, ``score`` and every scorer of ``cross_val_score``
        or ``GridSearchCV`` see the data and labels you pass them, untouched:
        the model is trained on noisy labels and scored on clean ones. A plain
        :class:`sklearn.pipeline.Pipeline` cannot change ``y`` and rejects
        this step.

    Parameters
    ----------
    noise_rate : float in [0, 1], dict {class: float} or None, default=0.1
        Fraction of each class's labels that are relabelled; a dict gives
        per-class rates (other classes 0). Must be None with
        ``noise_type="transition_matrix"``.

    noise_type : {"symmetric", "uniform", "pairflip", "mapping", \
            "transition_matrix", "part_dependent", "confidence", "pmd", \
            "borderline"}, default="symmetric"
        The noise model: class-conditional (the first five) or
        instance-dependent (the last four, which read X); see
        :mod:`skmislabel.noise`.

    transition_matrix : array-like of shape (n_classes, n_classes), default=None
        ``T[i, j] = P(noisy = j | true = i)`` in ``classes_`` order; rows sum
        to 1 (tolerance 1e-8). Only with ``noise_type="transition_matrix"``.

    class_mapping : dict, default=None
        ``{true: noisy}`` or ``{true: [noisy, ...]}``. Only with
        ``noise_type="mapping"``.

    flip_rate_std : float >= 0, default=0.1
        Only with ``noise_type="part_dependent"``: standard deviation of the
        normal, of mean the class's rate, whose truncation to [0, 1] gives
        each sample its flip rate.

    noise_estimator : estimator with predict_proba, default=None
        Only with ``noise_type="confidence"`` or ``"pmd"``: the model whose
        out-of-fold class probabilities set the propensities and targets.
        Cloned and fitted ``noise_cv`` times on the X of each fit, as passed
        (a :class:`~skmislabel.CNNClassifier` works on images); its
        ``random_state`` parameters left at None are set from
        ``random_state``. None: ``make_pipeline(StandardScaler(),
        LogisticRegression(max_iter=1000))`` on X flattened per sample.

    noise_cv : int >= 2, default=5
        Only with ``noise_type="confidence"`` or ``"pmd"``: number of
        stratified folds of the out-of-fold probabilities. Every class of y
        needs at least this many samples.

    pmd_type : {"I", "II", "III"}, default="I"
        Only with ``noise_type="pmd"``: the polynomial of the top-two margin
        that gives the propensity.

    n_neighbors : int >= 1, default=5
        Only with ``noise_type="borderline"``: number of nearest neighbours
        whose labels give a sample its propensity and target. More
        neighbours reach higher rates.

    sampling : {"exact", "bernoulli"}, default="exact"
        ``"exact"`` flips exactly the rounded expected number of labels,
        ``"bernoulli"`` flips each label independently.

    stratify : bool, default=True
        With exact sampling, make the count exact in total and within one of
        the expected count in every class (True), or exact in total only
        (False).

    classes : array-like of shape (n_classes,), default=None
        All classes, including ones that a training fold may lack; needed
        when a ``transition_matrix`` or ``class_mapping`` names them.

    random_state : int, RandomState instance or None, default=None
        Seed of the draw. An int gives the same noise on every fit of the
        same data; None draws fresh entropy and leaves NumPy's global RNG
        alone.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes, in the order of the rows and columns of
        ``transition_matrix_``.

    noise_mask_ : ndarray of shape (n_samples,), dtype bool
        True where the label was changed by the last fit.

    n_flipped_ : int
        Number of changed labels.

    flip_rate_ : float
        Realised flip rate, ``n_flipped_ / n_samples``: the share of labels
        that changed. It can be below ``noise_rate``, for example with
        ``noise_type="uniform"``, where a relabelled sample may keep its
        class (see *Conventions*).

    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        Realised transition matrix: counts of (true, noisy) pairs divided by
        the class counts. Rows of classes with no samples are NaN. Computed
        from the stored flips each time it is read, so that fitting with many
        classes never allocates the K x K matrix; keep the result if you
        read it repeatedly.

    flip_propensity_ : ndarray of shape (n_samples,)
        The flip propensity ``p_i`` of each sample that the sampling turned
        into flips (see *Conventions*): for the instance-dependent types,
        their model's propensity; for the class-conditional ones, the flip
        rate ``1 - T[k, k]`` of the sample's class (computed when read).

    n_features_in_ : int
        Number of features of X, when X is 2-D.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of X, when X is a DataFrame with string column names.

    See Also
    --------
    flip_labels : The same noise on an array, without an estimator.
    skmislabel.Pipeline : The pipeline that applies samplers at fit time only.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skmislabel import LabelNoiseInjector, make_pipeline
    >>> X, y = load_digits(return_X_y=True)
    >>> injector = LabelNoiseInjector(noise_rate=0.2, random_state=0)
    >>> X_out, y_noisy = injector.fit_resample(X, y)
    >>> X_out is X, injector.n_flipped_, round(injector.flip_rate_, 3)
    (True, 359, 0.2)
    >>> pipe = make_pipeline(injector, KNeighborsClassifier())
    >>> scores = cross_val_score(pipe, X, y, cv=3)  # scored on clean labels

    Confidence noise flips the digits a model finds ambiguous, to the class
    it finds most likely besides the label:

    >>> injector = LabelNoiseInjector(noise_rate=0.1, noise_type="confidence",
    ...                               random_state=0)
    >>> _, y_noisy = injector.fit_resample(X, y)
    >>> flipped = injector.noise_mask_
    >>> bool(injector.flip_propensity_[flipped].mean()
    ...      > 10 * injector.flip_propensity_[~flipped].mean())
    True
    """

    _parameter_constraints = dict(_PARAMETER_CONSTRAINTS)

    def __init__(
        self,
        noise_rate=0.1,
        noise_type="symmetric",
        *,
        transition_matrix=None,
        class_mapping=None,
        flip_rate_std=0.1,
        noise_estimator=None,
        noise_cv=5,
        pmd_type="I",
        n_neighbors=5,
        sampling="exact",
        stratify=True,
        classes=None,
        random_state=None,
    ):
        self.noise_rate = noise_rate
        self.noise_type = noise_type
        self.transition_matrix = transition_matrix
        self.class_mapping = class_mapping
        self.flip_rate_std = flip_rate_std
        self.noise_estimator = noise_estimator
        self.noise_cv = noise_cv
        self.pmd_type = pmd_type
        self.n_neighbors = n_neighbors
        self.sampling = sampling
        self.stratify = stratify
        self.classes = classes
        self.random_state = random_state

    def fit_resample(self, X, y):
        """Return X untouched and a noisy copy of y.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Passed through as the same object, never modified. 2-D, n-D
            (images) or, for a text pipeline, a 1-D sequence of documents.
            The class-conditional noise types read its length and feature
            names only; the instance-dependent ones compute their
            propensities from it, and need it numeric and finite.
        y : array-like of shape (n_samples,)
            Class labels; see :func:`flip_labels` for the accepted types.
            Never modified.

        Returns
        -------
        X : the input X

        y_noisy : same type as y
            Labels with ``n_flipped_`` of them changed.
        """
        if X is None and self.noise_type in INSTANCE_NOISE_TYPES:
            # Say that the noise type needs X, not only that X is missing.
            check_features(X, self.noise_type)
        return super().fit_resample(X, y)

    def _fit_resample(self, X, X_checked, y):
        draw = _NoiseDraw(
            y,
            X,
            **{name: getattr(self, name) for name in _PARAMETER_CONSTRAINTS},
        )
        self.classes_ = draw.encoded.classes
        self.noise_mask_ = draw.noise_mask
        self.n_flipped_ = int(draw.flip_positions.shape[0])
        self.flip_rate_ = self.n_flipped_ / draw.encoded.n_samples
        # What transition_matrix_ is computed from: O(n_flipped + K) memory.
        self._class_counts = draw.encoded.class_counts
        self._flipped_true_codes = draw.encoded.codes[draw.flip_positions]
        self._flipped_new_codes = draw.new_codes
        # What flip_propensity_ is read or computed from: the model's
        # propensities, or the labels' codes and their classes' flip rates.
        if draw.propensity is not None:
            self._propensity = ("samples", draw.propensity)
        else:
            self._propensity = ("classes", draw.encoded.codes, draw.model.flip_rates)
        return X, draw.y_noisy

    @property
    def transition_matrix_(self):
        """Realised transition matrix of the last fit, computed on access.

        Counts of (true, noisy) pairs divided by the class counts; rows of
        classes with no samples are NaN. K x K floats: see Attributes.
        """
        try:
            flipped = (self._class_counts, self._flipped_true_codes, self._flipped_new_codes)
        except AttributeError:
            # Unfitted: an AttributeError keeps hasattr() and check_is_fitted right.
            raise AttributeError(
                "This LabelNoiseInjector is not fitted yet: transition_matrix_ is "
                "set by fit or fit_resample."
            ) from None
        return _realised_transition_matrix(*flipped)

    @property
    def flip_propensity_(self):
        """Flip propensity of each sample in the last fit: see Attributes."""
        try:
            source = self._propensity
        except AttributeError:
            raise AttributeError(
                "This LabelNoiseInjector is not fitted yet: flip_propensity_ is "
                "set by fit or fit_resample."
            ) from None
        if source[0] == "samples":
            return source[1]
        _, codes, flip_rates = source
        return flip_rates[codes]

    def __sklearn_tags__(self):
        # The instance-dependent types compute with X: numeric, finite, dense.
        reads_values = self.noise_type in INSTANCE_NOISE_TYPES
        return imblearn_sampler_tags(
            two_d_array=True,
            three_d_array=True,
            sparse=not reads_values,
            dataframe=True,
            string=not reads_values,
            categorical=not reads_values,
            allow_nan=not reads_values,
        )
