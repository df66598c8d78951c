"""Drawing which labels flip, and to what, from a noise model.

Input is always the encoded labels (codes into ``classes_``), the class
counts and a :class:`~skmislabel._noise_models.NoiseModel`. Output is
``(flip_positions, new_codes)``: the positions whose label changes and their
new codes. Every flipped label differs from its true label, and all flips are
drawn from the clean labels in one pass, so classes that map into each other
cannot cascade. The rules are stated once, in the user guide
(:ref:`noise-conventions`); this module implements them.

Nesting ("common random numbers") shapes the whole design: every random
number is tied to a sample or a class and drawn whatever the rate, so one
seed gives nested flips across rates.

- Each sample ``i`` gets one uniform priority ``u_i`` (the only O(n_samples)
  draw) and a hashed uniform ``v_i`` computed for flipped samples only.
- Each class gets a tie-break key and a round-robin start.
- The per-class flip counts of exact stratified sampling come from an
  earliest-deadline-first schedule (:func:`apportion_flips`), whose counts
  grow monotonically with the rate.
"""

import heapq

import numpy as np

# Extra candidates drawn per class, in standard deviations: the chance that
# a class gets too few candidates (and takes the slower exact fallback) is
# below 1e-9 per class.
_CANDIDATE_MARGIN_SD = 6.0
_CANDIDATE_MARGIN_MIN = 16
# Sort keys pack (class, priority, index) into one uint64 when the priority
# keeps at least this many bits: np.sort of uint64 is ~4x faster than argsort.
_MIN_PRIORITY_BITS = 24
# SplitMix64 constants (Steele, Lea & Flood 2014) for the hashed uniforms.
_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def draw_flips(codes, class_counts, model, *, sampling, stratify, seed):
    """Positions that flip and their new codes.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,)
        True labels as positions in ``classes_``.
    class_counts : ndarray of shape (n_classes,)
        ``np.bincount(codes)``.
    model : NoiseModel
        Flip rates and target rule.
    sampling : {"exact", "bernoulli"}
    stratify : bool
        Only used by exact sampling.
    seed : int or None
        Entropy of the draw; None takes fresh OS entropy.

    Returns
    -------
    flip_positions : ndarray of int
    new_codes : ndarray of int, same length, ``new_codes != codes[flip_positions]``
    """
    n_classes = class_counts.shape[0]
    # Independent streams for samples and classes, so that what one of them
    # draws never shifts the other: both are drawn in full at every rate.
    sample_stream, class_stream = np.random.SeedSequence(seed).spawn(2)
    class_rng, hash_key, tie_keys, start_draws = _class_draws(class_stream, n_classes)

    flip_rates = model.flip_rates
    empty = np.empty(0, dtype=np.int64)
    if not (flip_rates[class_counts > 0] > 0).any():
        return empty, empty
    priorities = np.random.default_rng(sample_stream).random(codes.shape[0])

    if sampling == "bernoulli":
        if np.all(flip_rates == flip_rates[0]):
            # One rate: a scalar comparison, ~4x faster than gathering by code.
            flip_positions = np.flatnonzero(priorities < flip_rates[0])
        else:
            flip_positions = np.flatnonzero(priorities < flip_rates[codes])
        true_codes = codes[flip_positions]
        draws = _hashed_uniforms(flip_positions, hash_key)
        return flip_positions, _bernoulli_targets(model, true_codes, draws)

    if stratify:
        flip_counts = apportion_flips(class_counts, flip_rates, tie_keys)
        flip_positions, ranks = _smallest_per_class(priorities, codes, class_counts, flip_counts)
    else:
        flip_positions, ranks = _smallest_overall(priorities, codes, class_counts, flip_rates)
    true_codes = codes[flip_positions]
    if model.target_rule == "matrix":
        new_codes = _matrix_targets_exact(model, true_codes, ranks, class_rng)
    else:
        # Round robin from a random start: every prefix of a class's flips
        # in priority order is balanced over its targets within one.
        n_targets = model.n_targets[true_codes]
        starts = np.floor(start_draws * model.n_targets).astype(np.int64)
        numbers = (starts[true_codes] + ranks) % n_targets
        new_codes = model.target_codes(true_codes, numbers)
    return flip_positions, new_codes


def _class_draws(class_stream, n_classes):
    """The per-class random numbers, in one fixed order: the generator (for
    later draws), the hash key of the Bernoulli targets, the tie-break keys
    of the apportionment and the round-robin starts."""
    class_rng = np.random.default_rng(class_stream)
    hash_key = np.uint64(class_rng.integers(np.iinfo(np.int64).max))
    tie_keys = class_rng.random(n_classes)
    start_draws = class_rng.random(n_classes)
    return class_rng, hash_key, tie_keys, start_draws


# --------------------------------------------------------------------------
# How many flips per class: the earliest-deadline-first apportionment.
# --------------------------------------------------------------------------
def apportion_flips(class_counts, flip_rates, tie_keys):
    """Exact per-class flip counts, nested in the rate.

    With ``t = max(flip_rates)`` and ``b_k = n_k * flip_rates[k] / t``, class
    ``k``'s ``j``-th flip is a unit job released at ``(j - 1) / b_k`` and due
    at ``j / b_k``; flip slots arrive at times ``(m - 0.5) / A``,
    ``A = sum(b)``. Earliest-deadline-first gives each slot to the released
    job with the earliest deadline (ties: smallest ``tie_keys``). The counts
    after the ``floor(A t + 0.5)`` slots up to time ``t`` are returned: they
    sum to that total, lie in ``[floor(q_k), ceil(q_k)]`` for the quota
    ``q_k = n_k * flip_rates[k]``, and, being a prefix of one fixed order of
    flips, never decrease when ``t`` grows with the rate ratios fixed.

    The schedule is not simulated slot by slot. Jobs due by ``t`` have
    priority over the one *pending* job per class (due after ``t``), so they
    are scheduled as if alone, and the slots they leave idle, whose positions
    do not depend on which of them runs first, go to the pending jobs. Idle
    slots only occur after some pending job is released, so only the slots
    after the earliest pending release are examined, and only the pending
    jobs (at most one per class) are scheduled one by one.

    Parameters
    ----------
    class_counts : ndarray of shape (n_classes,)
    flip_rates : ndarray of shape (n_classes,)
    tie_keys : ndarray of shape (n_classes,)
        Distinct random keys; equal deadlines go to the smallest key.

    Returns
    -------
    flip_counts : ndarray of shape (n_classes,), dtype int64
    """
    n_classes = class_counts.shape[0]
    top_rate = float(flip_rates.max(initial=0.0))
    if top_rate <= 0:
        return np.zeros(n_classes, dtype=np.int64)
    speeds = class_counts * (flip_rates / top_rate)
    total_speed = float(speeds.sum())
    if total_speed <= 0:
        return np.zeros(n_classes, dtype=np.int64)
    quotas = speeds * top_rate
    n_flips = int(np.floor(total_speed * top_rate + 0.5))
    floors = np.floor(quotas).astype(np.int64)
    n_extra = n_flips - int(floors.sum())
    pending = np.flatnonzero(quotas > floors)
    if n_extra <= 0 or pending.size == 0:
        return floors

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        releases = floors[pending] / speeds[pending]
        deadlines = (floors[pending] + 1) / speeds[pending]
    idle_times = _idle_slot_times(speeds, floors, total_speed, n_flips, releases.min())
    if idle_times.shape[0] != n_extra:
        # Only float ties at the scale of 1e-16 can get here: keep the total
        # exact with the earliest-deadline pending jobs.
        idle_times = np.full(n_extra, np.inf)

    # The pending jobs' own schedule: each idle slot takes the released
    # pending job with the earliest deadline.
    priority = np.lexsort((tie_keys[pending], deadlines))
    if releases.max() < idle_times[0]:
        chosen = priority[:n_extra]
    else:
        rank = np.empty_like(priority)
        rank[priority] = np.arange(priority.shape[0])
        by_release = np.argsort(releases, kind="stable")
        released, queue, chosen = 0, [], []
        for idle_time in idle_times.tolist():
            while released < by_release.shape[0] and releases[by_release[released]] < idle_time:
                heapq.heappush(queue, rank[by_release[released]])
                released += 1
            if queue:
                chosen.append(priority[heapq.heappop(queue)])
        chosen = np.asarray(chosen, dtype=np.int64)
    flip_counts = floors.copy()
    flip_counts[pending[chosen]] += 1
    return flip_counts


def _count_below(speeds, limits, time):
    """For each class, how many ``i`` in ``[0, limits)`` have ``i / speeds < time``,
    computed with the same float expression as the release times."""
    with np.errstate(divide="ignore", invalid="ignore"):
        counts = np.clip(np.ceil(speeds * time), 0, limits).astype(np.int64)
        # ceil(speeds * time) can be off by one where i / speeds == time
        # in exact arithmetic; the comparison below is the one used elsewhere.
        too_many = (counts > 0) & ((counts - 1) / speeds >= time)
        counts[too_many] -= 1
        too_few = (counts < limits) & (counts / speeds < time)
        counts[too_few] += 1
    return counts


def _idle_slot_times(speeds, floors, total_speed, n_flips, earliest_pending_release):
    """Times of the slots up to ``t`` that the jobs due by ``t`` leave idle.

    Those jobs (``floors[k]`` of class ``k``, released at ``i / speeds[k]``)
    run in a work-conserving schedule, so slot ``m`` is idle exactly when
    ``h(m) = m - (jobs released before slot m)`` reaches a new maximum above
    0. Before the earliest pending release ``h <= 0`` (an idle slot there
    would have nothing at all to run, which the feasibility of the schedule
    rules out), so the scan starts after it.
    """
    first = int(np.floor(total_speed * earliest_pending_release + 0.5))
    first = max(first - 1, 1)
    while first <= n_flips and (first - 0.5) / total_speed <= earliest_pending_release:
        first += 1
    slots = np.arange(first, n_flips + 1)
    slot_times = (slots - 0.5) / total_speed

    active = np.flatnonzero(floors > 0)
    released_before = _count_below(speeds[active], floors[active], earliest_pending_release)
    # Releases from the earliest pending release on, one arithmetic sequence
    # per class.
    n_later = floors[active] - released_before
    owners = np.repeat(np.arange(active.shape[0]), n_later)
    if owners.shape[0]:
        offsets = np.arange(owners.shape[0]) - np.repeat(np.cumsum(n_later) - n_later, n_later)
        later = np.sort((released_before[owners] + offsets) / speeds[active][owners])
    else:
        later = np.empty(0)
    released = int(released_before.sum()) + np.searchsorted(later, slot_times, side="left")
    surplus = slots - released
    record = np.maximum.accumulate(np.maximum(surplus, 0))
    previous = np.concatenate(([0], record[:-1]))
    return slot_times[surplus > previous]


# --------------------------------------------------------------------------
# Which samples flip.
# --------------------------------------------------------------------------
def _bits(n_values):
    return max(int(n_values - 1).bit_length(), 1)


def _sorted_by_class_then_priority(class_codes, priorities, n_classes, n_samples):
    """Order of ``class_codes`` by (class, priority, index).

    One np.sort of packed uint64 keys when the priority keeps enough bits.
    The bit budget depends on n_classes and n_samples only, never on how many
    candidates there are, so the order of two samples is the same at every
    rate (ties after truncation fall back to position order).
    """
    class_bits, index_bits = _bits(n_classes), _bits(n_samples)
    priority_bits = min(64 - class_bits - index_bits, 53)
    if priority_bits < _MIN_PRIORITY_BITS:
        return np.lexsort((np.arange(class_codes.shape[0]), priorities, class_codes))
    # Scaling by a power of two is exact, so this is u's leading bits.
    keys = (priorities * 2.0**priority_bits).astype(np.uint64)
    keys <<= np.uint64(index_bits)
    keys |= np.arange(class_codes.shape[0], dtype=np.uint64)
    if n_classes > 1:
        keys |= class_codes.astype(np.uint64) << np.uint64(priority_bits + index_bits)
    keys.sort()
    keys &= np.uint64((1 << index_bits) - 1)
    return keys.view(np.int64)


def _smallest_per_class(priorities, codes, class_counts, flip_counts):
    """The ``flip_counts[k]`` samples of each class ``k`` with the smallest
    priorities, and each one's rank in its class (0 = smallest)."""
    n_classes = flip_counts.shape[0]
    wanted = flip_counts > 0
    if not wanted.any():
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    sizes = flip_counts[wanted].astype(np.float64)
    margins = _CANDIDATE_MARGIN_SD * np.sqrt(sizes) + _CANDIDATE_MARGIN_MIN
    # One threshold for all classes: a scalar comparison over all samples is
    # cheaper than a per-class threshold gathered by code.
    threshold = float(np.max((sizes + margins) / class_counts[wanted]))
    for _ in range(2):
        if threshold < 1:
            candidates = np.flatnonzero(priorities < threshold)
        else:
            candidates = np.arange(codes.shape[0])
        candidate_codes = codes[candidates]
        available = np.bincount(candidate_codes, minlength=n_classes)
        if (available >= flip_counts).all():
            break
        # Too few candidates in a class (a 6-sigma event): use every sample.
        threshold = 1.0
    order = _sorted_by_class_then_priority(
        candidate_codes, priorities[candidates], n_classes, codes.shape[0]
    )
    sorted_codes = candidate_codes[order]
    group_starts = np.cumsum(available) - available
    ranks = np.arange(order.shape[0]) - group_starts[sorted_codes]
    keep = ranks < flip_counts[sorted_codes]
    return candidates[order[keep]], ranks[keep]


def _smallest_overall(priorities, codes, class_counts, flip_rates):
    """``floor(sum_k n_k rate_k + 0.5)`` samples over all classes: those with
    the smallest ``u_i / a_k`` (sequential Poisson sampling, ``a_k`` the
    rate relative to the largest), and each one's rank within its class."""
    n_classes = class_counts.shape[0]
    top_rate = float(flip_rates.max())
    ratios = flip_rates / top_rate
    total_speed = float(class_counts @ ratios)
    n_flips = int(np.floor(total_speed * top_rate + 0.5))
    if n_flips == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    common_ratio = bool(np.all(ratios[(ratios > 0) & (class_counts > 0)] == 1))
    margin = _CANDIDATE_MARGIN_SD * np.sqrt(n_flips) + _CANDIDATE_MARGIN_MIN
    # A sample of class k has priority below x with probability a_k x, so
    # about A x candidates fall below x.
    threshold = (n_flips + margin) / total_speed
    for _ in range(2):
        if common_ratio:
            candidates = np.flatnonzero(priorities < min(threshold, 1.0))
            candidates = candidates[ratios[codes[candidates]] > 0]
        else:
            with np.errstate(invalid="ignore"):  # 0 * inf: rate-0 classes never flip
                candidates = np.flatnonzero(priorities < ratios[codes] * threshold)
        if candidates.shape[0] >= n_flips:
            break
        threshold = np.inf
    candidate_codes = codes[candidates]
    if common_ratio:
        order = _sorted_by_class_then_priority(
            np.zeros(candidates.shape[0], dtype=np.uint8),
            priorities[candidates],
            1,
            codes.shape[0],
        )
    else:
        # Stable: equal priorities are taken in position order.
        order = np.argsort(priorities[candidates] / ratios[candidate_codes], kind="stable")
    selected = order[:n_flips]
    # Group by class, keeping priority order within each class.
    by_class = selected[np.argsort(candidate_codes[selected], kind="stable")]
    selected_codes = candidate_codes[by_class]
    per_class = np.bincount(selected_codes, minlength=n_classes)
    ranks = np.arange(by_class.shape[0]) - (np.cumsum(per_class) - per_class)[selected_codes]
    return candidates[by_class], ranks


# --------------------------------------------------------------------------
# What they flip to.
# --------------------------------------------------------------------------
def _hashed_uniforms(positions, key):
    """A uniform in [0, 1) per position, a fixed function of (key, position):
    SplitMix64 of the position, so only flipped samples need one."""
    with np.errstate(over="ignore"):
        z = (positions.astype(np.uint64) + np.uint64(1)) * _GOLDEN_GAMMA + key
        z = (z ^ (z >> np.uint64(30))) * _MIX_1
        z = (z ^ (z >> np.uint64(27))) * _MIX_2
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _bernoulli_targets(model, true_codes, draws):
    """New codes from one uniform per flipped sample."""
    if model.target_rule != "matrix":
        n_targets = model.n_targets[true_codes]
        numbers = np.minimum((draws * n_targets).astype(np.int64), n_targets - 1)
        return model.target_codes(true_codes, numbers)
    target_probabilities = model.target_probabilities()
    n_classes = target_probabilities.shape[0]
    new_codes = np.empty(true_codes.shape[0], dtype=np.int64)
    members_by_class = _group_by_class(true_codes, n_classes)
    for k, members in enumerate(members_by_class):
        if members.shape[0] == 0:
            continue
        cumulative = np.cumsum(target_probabilities[k])
        last_target = np.flatnonzero(target_probabilities[k])[-1]
        # Float sums can end just below 1; never let a draw fall past the
        # last real target (which could be the class itself).
        cumulative[last_target:] = np.inf
        new_codes[members] = np.searchsorted(cumulative, draws[members], side="right")
    return new_codes


def _group_by_class(class_codes, n_classes):
    """Indices of ``class_codes`` split by class, in their original order."""
    order = np.argsort(class_codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(class_codes, minlength=n_classes))))
    return [order[bounds[k] : bounds[k + 1]] for k in range(n_classes)]


def largest_remainder_counts(total, probabilities, rng):
    """Split ``total`` into integer counts proportional to ``probabilities``.

    Each count is the floor of its quota ``total * p`` plus at most one; the
    units left over go to the largest remainders, ties broken at random so
    that no class is favoured by its position.
    """
    quotas = total * probabilities
    counts = np.floor(quotas).astype(np.int64)
    left_over = int(total - counts.sum())
    if left_over > 0:
        # Rounding the remainders makes 1/3-style float noise a real tie.
        remainders = np.round(quotas - counts, 9)
        remainders[probabilities == 0] = -1
        order = np.lexsort((rng.random(probabilities.shape[0]), -remainders))
        counts[order[:left_over]] += 1
    return counts


def _matrix_targets_exact(model, true_codes, ranks, rng):
    """A user matrix has no rate to nest: each class's flips are shared among
    its targets by largest remainder, in consecutive blocks of its priority
    order (which is random)."""
    target_probabilities = model.target_probabilities()
    n_classes = target_probabilities.shape[0]
    new_codes = np.empty(true_codes.shape[0], dtype=np.int64)
    for k, members in enumerate(_group_by_class(true_codes, n_classes)):
        if members.shape[0] == 0:
            continue
        cell_counts = largest_remainder_counts(members.shape[0], target_probabilities[k], rng)
        blocks = np.repeat(np.arange(n_classes), cell_counts)
        new_codes[members] = blocks[ranks[members]]
    return new_codes


# --------------------------------------------------------------------------
# Instance-dependent noise: which samples flip, by their propensity.
# --------------------------------------------------------------------------
def draw_instance_flips(
    codes,
    class_counts,
    flip_rates,
    propensity,
    *,
    rate_scaled,
    sampling,
    stratify,
    sample_stream,
    class_stream,
    describe,
    fallback=None,
):
    """Positions that flip under an instance-dependent noise model.

    The samples' uniform priorities ``u_i`` and the classes' tie-break keys
    are the very numbers :func:`draw_flips` draws from the same two streams,
    so the per-class counts of exact stratified sampling are those of the
    class-conditional types, and a constant propensity flips the same samples
    as symmetric noise.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,), dtype int64
        True labels as positions in ``classes_``.
    class_counts : ndarray of shape (n_classes,)
    flip_rates : ndarray of shape (n_classes,)
        The requested rate of each class.
    propensity : ndarray of shape (n_samples,)
        Flip propensities ``p_i`` in [0, 1].
    rate_scaled : bool
        True when ``p_i`` already is sample ``i``'s flip probability at the
        requested rates (part_dependent): Bernoulli sampling then flips ``i``
        when ``u_i < p_i``. False when ``p_i`` does not depend on the rate:
        the weight of ``i`` is ``w_i = p_i * r_k / max(r)`` and Bernoulli
        sampling flips ``i`` when ``u_i < min(1, s * w_i)``, the scale ``s``
        making the expected total ``sum_k r_k n_k``.
    sampling : {"exact", "bernoulli"}
    stratify : bool
    sample_stream, class_stream : numpy.random.SeedSequence
        The streams :func:`draw_flips` spawns first and second.
    describe : callable
        ``describe(kind, max_rate=..., **numbers)`` returns the ValueError
        raised when the rate cannot be reached.
    fallback : callable, default=None
        Exact sampling only: ``fallback(positions)`` returns
        ``(order_keys, target_codes)`` for samples of propensity 0, which
        then flip, smallest key first, when a class (stratified) or the draw
        needs more flips than it has samples of positive propensity. Without
        it (or where its key is infinite) that is an error.

    Returns
    -------
    flip_positions : ndarray of int64, sorted
    fallback_flips : tuple of two ndarrays of int64
        The positions among ``flip_positions`` that the fallback chose, and
        their targets.
    """
    n_classes = class_counts.shape[0]
    _, _, tie_keys, _ = _class_draws(class_stream, n_classes)
    priorities = np.random.default_rng(sample_stream).random(codes.shape[0])
    top_rate = float(flip_rates.max(initial=0.0))
    empty = np.empty(0, dtype=np.int64)
    no_fallback = (empty, empty)
    if top_rate <= 0:
        return empty, no_fallback
    if rate_scaled:
        weights = propensity
    else:
        weights = propensity * (flip_rates / top_rate)[codes]
    with np.errstate(divide="ignore", over="ignore"):
        # Sequential Poisson sampling: the smallest u_i / w_i flip first.
        # A zero weight (or one so small that the key overflows) never flips.
        keys = np.where(weights > 0, priorities / np.where(weights > 0, weights, 1.0), np.inf)
    can_flip = np.isfinite(keys)
    # The expected number of flips per unit of the largest rate.
    speed = float(class_counts @ (flip_rates / top_rate))

    if sampling == "bernoulli":
        if rate_scaled:
            return np.flatnonzero(priorities < weights), no_fallback
        expected = speed * top_rate
        n_can_flip = int(can_flip.sum())
        if expected > n_can_flip + 1e-9:
            raise describe(
                "bernoulli", expected=expected, available=n_can_flip, max_rate=n_can_flip / speed
            )
        scale = _bernoulli_scale(weights[can_flip], expected)
        return np.flatnonzero(keys < scale), no_fallback

    if stratify:
        flip_counts = apportion_flips(class_counts, flip_rates, tie_keys)
        available = np.bincount(codes[can_flip], minlength=n_classes)
        short = flip_counts > available
        extra = empty, empty
        if short.any():
            extra = _fallback_flips(
                fallback, ~can_flip & short[codes], codes, flip_counts - available, n_classes
            )
            if extra is None:
                raise describe(
                    "stratified",
                    needed=flip_counts,
                    available=available,
                    max_rate=_max_stratified_rate(class_counts, flip_rates, tie_keys, available),
                    max_rate_unstratified=int(available.sum()) / speed,
                )
            flip_counts = np.minimum(flip_counts, available)
        # By class, then by key; equal keys in position order.
        order = np.lexsort((keys, codes))
        sorted_codes = codes[order]
        ranks = np.arange(order.shape[0]) - (np.cumsum(class_counts) - class_counts)[sorted_codes]
        chosen = order[ranks < flip_counts[sorted_codes]]
        return np.sort(np.concatenate((chosen, extra[0]))), extra

    n_flips = int(np.floor(speed * top_rate + 0.5))
    n_can_flip = int(can_flip.sum())
    extra = empty, empty
    if n_flips > n_can_flip:
        candidates = ~can_flip & (flip_rates[codes] > 0)
        extra = _fallback_flips(
            fallback, candidates, np.zeros_like(codes), np.array([n_flips - n_can_flip]), 1
        )
        if extra is None:
            raise describe(
                "unstratified", needed=n_flips, available=n_can_flip, max_rate=n_can_flip / speed
            )
        n_flips = n_can_flip
    chosen = np.argsort(keys, kind="stable")[:n_flips]
    return np.sort(np.concatenate((chosen, extra[0]))), extra


def _fallback_flips(fallback, candidates, groups, needed, n_groups):
    """The ``needed[g]`` candidates of each group ``g`` with the smallest
    fallback keys, and their targets; None when there is no fallback or too
    few candidates have a finite key."""
    if fallback is None:
        return None
    positions = np.flatnonzero(candidates)
    order_keys, targets = fallback(positions)
    finite = np.isfinite(order_keys)
    groups = groups[positions]
    if (np.bincount(groups[finite], minlength=n_groups) < np.maximum(needed, 0)).any():
        return None
    # By group, then key; equal keys in position order.
    order = np.lexsort((order_keys, groups))
    sorted_groups = groups[order]
    sizes = np.bincount(groups, minlength=n_groups)
    ranks = np.arange(order.shape[0]) - (np.cumsum(sizes) - sizes)[sorted_groups]
    chosen = order[ranks < np.maximum(needed, 0)[sorted_groups]]
    return positions[chosen], targets[chosen]


def _bernoulli_scale(weights, expected):
    """The scale ``s`` with ``sum_i min(1, s * w_i) = expected``, for positive
    weights whose number is at least ``expected``: water-filling, the largest
    weights saturate at 1 first."""
    if expected <= 0:
        return 0.0
    descending = np.sort(weights)[::-1]
    # tails[m] = sum of the weights after the m largest.
    tails = np.cumsum(descending[::-1])[::-1]
    saturated = np.arange(descending.shape[0])
    scales = (expected - saturated) / tails
    # With the m largest saturated, the scale must leave the next one below 1;
    # the first m for which it does is the solution (the last m always does).
    fits = scales * descending <= 1
    return float(scales[np.argmax(fits)])


def _max_stratified_rate(class_counts, flip_rates, tie_keys, available):
    """The largest rate (all class rates scaled together) whose exact per-class
    counts stay within ``available``: bisection, the counts grow with it."""
    top_rate = float(flip_rates.max())
    low, high = 0.0, 1.0 / top_rate
    for _ in range(60):
        middle = (low + high) / 2
        counts = apportion_flips(class_counts, flip_rates * middle, tie_keys)
        if (counts <= available).all():
            low = middle
        else:
            high = middle
    return low * top_rate
