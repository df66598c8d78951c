"""Shared pieces of the Displays: parameter checks, summaries, drawing helpers."""

import numbers
from collections.abc import Mapping

import numpy as np

# The columns of the results that name a curve: one per (estimator, noise type).
_CURVE_COLUMNS = ("estimator", "noise_type")
_SCORE_TYPES = ("test", "train", "both")
_STD_DISPLAY_STYLES = ("fill_between", "errorbar", None)
_DEFAULT_SCORE_NAME = "Score on clean labels"


# -- parameter checks ---------------------------------------------------------


def _check_option(name, value, options):
    if not ((value is None or isinstance(value, str)) and value in options):
        allowed = ", ".join(repr(option) for option in options)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}.")


def _check_kw(**kwargs):
    for name, value in kwargs.items():
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(
                f"{name} must be a dict of keyword arguments or None; got "
                f"{type(value).__name__} {value!r}."
            )


def _check_noise_rate(noise_rate):
    if (
        not isinstance(noise_rate, numbers.Real)
        or isinstance(noise_rate, bool)
        or not 0 < noise_rate <= 1
    ):
        raise ValueError(
            f"noise_rate must be a number in (0, 1], the rate compared with clean "
            f"labels; got {noise_rate!r}."
        )


def _curve_names(curve_names, n_curves):
    if curve_names is None:
        return [None] if n_curves == 1 else [f"curve {index}" for index in range(n_curves)]
    names = [curve_names] if isinstance(curve_names, str) else list(curve_names)
    if len(names) != n_curves:
        raise ValueError(f"curve_names has {len(names)} names for {n_curves} curves: {names!r}.")
    return names


def _as_curves(name, scores, n_noise_rates):
    """Scores as an array of shape (n_curves, n_noise_rates, n_fits)."""
    given = np.asarray(scores, dtype=float)
    scores = given[np.newaxis] if given.ndim == 2 else given
    if scores.ndim != 3 or scores.shape[1] != n_noise_rates:
        raise ValueError(
            f"{name} must have shape (n_noise_rates, n_fits) or (n_curves, "
            f"n_noise_rates, n_fits), with n_noise_rates={n_noise_rates} (the length "
            f"of noise_rates); got shape {given.shape}."
        )
    return scores


def _as_fits(name, scores):
    """Scores as an array of shape (n_curves, n_fits)."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[np.newaxis]
    if scores.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n_fits,) or (n_curves, n_fits); got shape {scores.shape}."
        )
    return scores


# -- numbers ------------------------------------------------------------------


def _mean_std(scores):
    """Mean and standard deviation over the last axis, NaN (missing fits) left
    out; NaN where there is no fit at all. ``ddof=0``, as scikit-learn's
    curve displays (``np.nanmean`` would warn on an empty slice)."""
    scores = np.asarray(scores, dtype=float)
    valid = ~np.isnan(scores)
    count = valid.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(valid, scores, 0.0).sum(axis=-1) / count
        deviations = np.where(valid, scores - mean[..., np.newaxis], 0.0)
        std = np.sqrt((deviations**2).sum(axis=-1) / count)
    return mean, std


def _score_name(score_name, scoring):
    """The y label: ``score_name``, else the name of ``scoring`` (as
    scikit-learn's displays infer it), said to be taken on clean labels."""
    if score_name is not None:
        return score_name
    name = scoring if isinstance(scoring, str) else getattr(scoring, "__name__", None)
    if name is None:
        return None
    if name.startswith("neg_"):
        name = f"negative {name[4:]}"
    return f"{name.replace('_', ' ').capitalize()} on clean labels"


def _spread_apart(values, shown, gap):
    """Heights for labels beside ``values`` (where ``shown``), moved down
    where needed so that no two are closer than ``gap``."""
    heights = np.array(values, dtype=float)
    previous = np.inf
    for index in sorted(np.flatnonzero(shown), key=lambda index: -heights[index]):
        heights[index] = min(heights[index], previous - gap)
        previous = heights[index]
    return heights


def _signed(value):
    return f"{value:+.4f}".replace("-", "\N{MINUS SIGN}")


def _percent(rate):
    return f"{rate * 100:.4g}%"


# -- drawing ------------------------------------------------------------------


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _style(defaults, user, artist_class):
    """The defaults updated with the user's keyword arguments, aliases
    resolved ("c" and "color" are one key), so that the user's always win."""
    from matplotlib.cbook import normalize_kwargs

    return {
        **normalize_kwargs(defaults, artist_class),
        **normalize_kwargs(dict(user or {}), artist_class),
    }


def _container_color(container):
    data_line, _, bar_lines = container.lines
    if data_line is not None:
        return data_line.get_color()
    return bar_lines[0].get_color()[0] if bar_lines else None
