"""Noise-curve results (a tidy frame or its CSV) as the arrays the Displays take."""

import numpy as np

from ..model_selection._results import TASK_COLUMNS, failed_rows
from ._base import _CURVE_COLUMNS


def _curve_label(keys, varying):
    if not any(varying):
        return f"{keys[0]} ({keys[1]})"
    return ", ".join(str(value) for value, vary in zip(keys, varying) if vary)


def _select(frame, column, wanted, parameter):
    found = sorted(frame[column].unique().tolist(), key=str)
    if wanted is None:
        return found
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = [value for value in wanted if value not in found]
    if unknown or not wanted:
        raise ValueError(
            f"{parameter}={wanted!r}: {unknown} not in the results, whose "
            f"{column} values are {found}."
        )
    return wanted


def _curves(frame, estimators, noise_types):
    """``(names, rows)`` of each curve to draw, one per (estimator, noise
    type) present, in the order asked for (default: sorted)."""
    orders = [
        _select(frame, column, wanted, parameter)
        for column, wanted, parameter in zip(
            _CURVE_COLUMNS, (estimators, noise_types), ("estimators", "noise_types")
        )
    ]
    groups = frame.groupby(list(_CURVE_COLUMNS), sort=False)
    keys = [
        (estimator, noise_type)
        for estimator in orders[0]
        for noise_type in orders[1]
        if (estimator, noise_type) in groups.groups
    ]
    if not keys:
        raise ValueError(
            f"results have no rows for estimators={orders[0]} with noise_types={orders[1]}."
        )
    varying = [len({key[index] for key in keys}) > 1 for index in range(len(_CURVE_COLUMNS))]
    return [_curve_label(key, varying) for key in keys], [groups.get_group(key) for key in keys]


def _rate_keys(rows):
    # Rates read back from a CSV may differ from the computed ones in the last bits.
    return np.round(rows["noise_rate"].to_numpy(dtype=float), 12)


def _scores(rows, column):
    """A score column as floats, NaN for failed fits (non-empty ``error``)."""
    scores = rows[column].to_numpy(dtype=float, copy=True)
    scores[failed_rows(rows)] = np.nan
    return scores


def _score_arrays(curves, columns):
    """The rates of all curves, sorted, and for each score column an array
    of shape (n_curves, n_noise_rates, n_fits), NaN where a curve has fewer
    fits, or none, at a rate."""
    curves = [
        rows.sort_values([c for c in TASK_COLUMNS if c in rows.columns], kind="stable")
        for rows in curves
    ]
    keys = [_rate_keys(rows) for rows in curves]
    rates = np.unique(np.concatenate(keys))
    n_fits = max(np.unique(curve_keys, return_counts=True)[1].max() for curve_keys in keys)
    arrays = {}
    for column in columns:
        array = np.full((len(curves), len(rates), n_fits), np.nan)
        for curve_index, (rows, curve_keys) in enumerate(zip(curves, keys)):
            scores = _scores(rows, column)
            for rate_index, rate in enumerate(rates):
                values = scores[curve_keys == rate]
                array[curve_index, rate_index, : len(values)] = values
        arrays[column] = array
    return rates, arrays
