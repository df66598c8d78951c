"""CleanVsNoisyDisplay: the lesson's picture, clean against mislabeled training labels."""

import numpy as np

from .._compat import check_matplotlib_support
from ..model_selection._noise_curve import noise_curve
from ..model_selection._results import read_results
from ._base import (
    _CURVE_COLUMNS,
    _DEFAULT_SCORE_NAME,
    _as_fits,
    _axes,
    _check_kw,
    _check_noise_rate,
    _container_color,
    _curve_names,
    _mean_std,
    _percent,
    _score_name,
    _signed,
    _spread_apart,
    _style,
)
from ._results import _curves, _rate_keys, _score_arrays


class CleanVsNoisyDisplay:
    """The lesson's picture: the score with clean and with mislabeled labels.

    For each curve (estimator and noise type), two points with error bars,
    mean ± 1 standard deviation over the fits, side by side: training on
    clean labels (left) and on labels mislabeled at ``noise_rate`` (right),
    joined by a line, with the difference of the means written beside the
    noisy point.
    There are no bars: a bar's height is read from zero, and a y axis cut
    above zero makes a drop of a point or two look like half the bar. The y
    range covers every mean ± standard deviation with a margin and spans at
    least a tenth of the scores' size (0.1 for accuracies near 1, so that a
    drop of 0.01 fills a tenth of the height at most), and the written
    difference states the size of the drop.

    It is recommended to create it with :meth:`from_results` or
    :meth:`from_estimator`; all parameters are stored as attributes.

    Parameters
    ----------
    clean_scores : ndarray of shape (n_fits,) or (n_curves, n_fits)
        Scores (on clean test labels) of the fits trained on clean labels,
        for one curve or for each. NaN is a missing or failed fit.

    noisy_scores : ndarray of shape (n_fits,) or (n_curves, n_fits)
        Scores of the fits trained at ``noise_rate``, same layout (the
        number of fits may differ).

    noise_rate : float
        The rate of mislabeled training labels, in (0, 1].

    curve_names : list of str of length n_curves, default=None
        Legend labels; default: no legend for one curve, "curve 0", ... for
        several.

    score_name : str, default=None
        Label of the y axis; default "Score on clean labels".

    Attributes
    ----------
    errorbar_ : list of matplotlib ErrorbarContainer
        For each curve, its clean and noisy points with their error bars and
        the line joining them.

    drop_text_ : list of matplotlib Text or None
        For each curve, the text of the difference of the means, noisy minus
        clean, in the curve's colour beside the noisy points (moved down when
        two curves' noisy means are too close for both texts); None for a
        curve lacking one of the two scores. None when ``show_drop=False``.

    ax_ : matplotlib Axes
        Axes with the points.

    figure_ : matplotlib Figure
        Figure containing the points.

    See Also
    --------
    NoiseCurveDisplay : The score at every noise rate.
    sklearn.model_selection.ValidationCurveDisplay : The display convention it follows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skmislabel.plotting import CleanVsNoisyDisplay
    >>> display = CleanVsNoisyDisplay(
    ...     clean_scores=[0.970, 0.975, 0.965], noisy_scores=[0.950, 0.955, 0.955],
    ...     noise_rate=0.1, curve_names=["CNN"])
    >>> display = display.plot()
    >>> display.drop_text_[0].get_text()
    '−0.0167'
    >>> display.errorbar_[0].lines[0].get_ydata().round(4).tolist()
    [0.97, 0.9533]
    """

    def __init__(
        self, *, clean_scores, noisy_scores, noise_rate, curve_names=None, score_name=None
    ):
        self.clean_scores = clean_scores
        self.noisy_scores = noisy_scores
        self.noise_rate = noise_rate
        self.curve_names = curve_names
        self.score_name = score_name

    def plot(self, ax=None, *, score_name=None, show_drop=True, errorbar_kw=None, text_kw=None):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        score_name : str, default=None
            Label of the y axis; overrides the ``score_name`` of the display.

        show_drop : bool, default=True
            Write the difference of the means, noisy minus clean, beside each
            noisy point (as "−0.0167": in units of the score).

        errorbar_kw : dict, default=None
            Keyword arguments of ``ax.errorbar``, which draws each curve's two
            points, their error bars and the line joining them; they override
            the defaults (``marker="o"``, ``capsize=4``).

        text_kw : dict, default=None
            Keyword arguments of ``ax.text``, which writes the differences;
            they override the defaults (the curve's colour, left-aligned,
            vertically centred).

        Returns
        -------
        display : :class:`~skmislabel.plotting.CleanVsNoisyDisplay`
            Object that stores the computed values and the artists.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        _check_kw(errorbar_kw=errorbar_kw, text_kw=text_kw)
        _check_noise_rate(self.noise_rate)
        clean = _as_fits("clean_scores", self.clean_scores)
        noisy = _as_fits("noisy_scores", self.noisy_scores)
        if clean.shape[0] != noisy.shape[0]:
            raise ValueError(
                f"clean_scores has {clean.shape[0]} curves and noisy_scores {noisy.shape[0]}."
            )
        names = _curve_names(self.curve_names, clean.shape[0])
        # (n_curves, 2): clean, noisy.
        means = np.column_stack([_mean_std(clean)[0], _mean_std(noisy)[0]])
        stds = np.column_stack([_mean_std(clean)[1], _mean_std(noisy)[1]])
        if np.isnan(means).all():
            raise ValueError("clean_scores and noisy_scores hold no score (all NaN).")

        # Every mean ± std in view with a margin, the range reaching down at
        # least a tenth of the scores' size: a drop of a point of accuracy
        # then looks like the small step it is.
        low, high = np.nanmin(means - stds), np.nanmax(means + stds)
        span = max(1.3 * (high - low), 0.1 * np.nanmax(np.abs(means))) or 1.0
        top = high + 0.1 * span
        drops = means[:, 1] - means[:, 0]

        from matplotlib.lines import Line2D
        from matplotlib.text import Text

        ax = _axes(ax)
        n_curves = len(names)
        # Curves side by side around x=0 (clean) and x=1 (noisy), so that
        # their error bars do not hide each other.
        offsets = (np.arange(n_curves) - (n_curves - 1) / 2) * min(0.1, 0.4 / n_curves)
        self.errorbar_ = []
        for offset, name, mean, std in zip(offsets, names, means, stds):
            defaults = {"marker": "o", "capsize": 4, "label": name}
            self.errorbar_.append(
                ax.errorbar(
                    offset + np.array([0.0, 1.0]),
                    mean,
                    yerr=std,
                    **_style(defaults, errorbar_kw, Line2D),
                )
            )
        self.drop_text_ = None
        if show_drop:
            self.drop_text_ = [None] * n_curves
            text_y = _spread_apart(means[:, 1], np.isfinite(drops), 0.06 * span)
            for index in np.flatnonzero(np.isfinite(drops)):
                color = _container_color(self.errorbar_[index])
                style = {"ha": "left", "va": "center", "color": color}
                self.drop_text_[index] = ax.text(
                    1 + offsets[-1] + 0.08,
                    text_y[index],
                    _signed(drops[index]),
                    **_style(style, text_kw, Text),
                )
        ax.set_xticks([0, 1], ["clean labels", f"{_percent(self.noise_rate)} mislabeled"])
        ax.set_xlim(-0.5, 1.6)
        ax.set_ylim(top - span, top)
        score_name = self.score_name if score_name is None else score_name
        ax.set_ylabel(_DEFAULT_SCORE_NAME if score_name is None else score_name)
        if any(name is not None for name in names):
            ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def _from_frame(cls, frame, *, noise_rate, estimators, noise_types, score_name):
        names, curves = _curves(frame, estimators, noise_types)
        compared = np.round([0.0, noise_rate], 12)
        for name, rows in zip(names, curves):
            rates = np.unique(_rate_keys(rows))
            if not np.isin(compared, rates).all():
                raise ValueError(
                    f"results need rows at noise rate 0 and at noise_rate={noise_rate}; "
                    f"the curve {name!r} has rates {rates.tolist()}."
                )
        curves = [rows[np.isin(_rate_keys(rows), compared)] for rows in curves]
        _, arrays = _score_arrays(curves, ["test_score"])
        scores = arrays["test_score"]
        return cls(
            clean_scores=scores[:, 0],
            noisy_scores=scores[:, 1],
            noise_rate=noise_rate,
            curve_names=names,
            score_name=score_name,
        )

    @classmethod
    def from_results(
        cls,
        results,
        *,
        noise_rate=0.1,
        estimators=None,
        noise_types=None,
        ax=None,
        score_name=None,
        show_drop=True,
        errorbar_kw=None,
        text_kw=None,
    ):
        """Plot clean against ``noise_rate`` from noise-curve results.

        One curve per (estimator, noise type), named as in
        :meth:`NoiseCurveDisplay.from_results`; each needs rows at noise
        rate 0 and at ``noise_rate``. Rows whose ``error`` is not empty are
        failed fits and count as missing.

        Parameters
        ----------
        results : DataFrame or str or os.PathLike
            Tidy results, as ``noise_curve(...).frame``, or the path of the
            CSV it was saved to. The columns ``estimator``, ``noise_type``,
            ``noise_rate`` and ``test_score`` are needed.

        noise_rate : float, default=0.1
            The mislabeled rate compared with clean labels, in (0, 1].

        estimators : list of str, default=None
            The estimators to draw, in this order; default: all, sorted.

        noise_types : list of str, default=None
            The noise types to draw, in this order; default: all, sorted.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        score_name : str, default=None
            Label of the y axis; default "Score on clean labels".

        show_drop : bool, default=True
            See :meth:`plot`.

        errorbar_kw, text_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.CleanVsNoisyDisplay`

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import pandas as pd
        >>> from skmislabel.plotting import CleanVsNoisyDisplay
        >>> results = pd.DataFrame({
        ...     "estimator": "CNN", "noise_type": "symmetric",
        ...     "noise_rate": [0.0, 0.0, 0.1, 0.1], "test_score": [0.97, 0.98, 0.95, 0.96]})
        >>> display = CleanVsNoisyDisplay.from_results(results, noise_rate=0.1)
        >>> display.drop_text_[0].get_text()
        '−0.0200'
        """
        check_matplotlib_support(f"{cls.__name__}.from_results")
        _check_noise_rate(noise_rate)
        frame = read_results(results, [*_CURVE_COLUMNS, "noise_rate", "test_score"])
        display = cls._from_frame(
            frame,
            noise_rate=noise_rate,
            estimators=estimators,
            noise_types=noise_types,
            score_name=score_name,
        )
        return display.plot(ax=ax, show_drop=show_drop, errorbar_kw=errorbar_kw, text_kw=text_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        groups=None,
        noise_rate=0.1,
        noise_type="symmetric",
        injector=None,
        cv=None,
        scoring=None,
        n_repeats=1,
        random_state=None,
        n_jobs=None,
        error_score=np.nan,
        verbose=0,
        ax=None,
        score_name=None,
        show_drop=True,
        errorbar_kw=None,
        text_kw=None,
    ):
        """Run :func:`~skmislabel.model_selection.noise_curve` at 0 and ``noise_rate``; plot it.

        Parameters
        ----------
        estimator : classifier
            The model, a classifier or a pipeline ending in one; cloned for
            every fit.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data.

        y : array-like of shape (n_samples,)
            Clean class labels.

        groups : array-like of shape (n_samples,), default=None
            Group labels for group-aware ``cv`` splitters.

        noise_rate : float, default=0.1
            The mislabeled rate compared with clean labels, in (0, 1].

        noise_type : {"symmetric", "uniform", "pairflip", "mapping"}, \
                default="symmetric"
            Noise model of the default injector; ignored when ``injector`` is
            given.

        injector : LabelNoiseInjector, default=None
            A configured injector whose ``noise_rate`` is set to 0 and to
            ``noise_rate``.

        cv : int, cross-validation generator or iterable, default=None
            As in scikit-learn; None is 5-fold (stratified).

        scoring : str or callable, default=None
            Scorer; None uses the estimator's ``score`` (accuracy). A named
            scorer also names the y axis, unless ``score_name`` is given.

        n_repeats : int, default=1
            Independent repeats with new noise and model seeds.

        random_state : int, RandomState instance or None, default=None
            Source of all noise and model seeds.

        n_jobs : int, default=None
            Fits run in parallel through joblib.

        error_score : "raise" or float, default=np.nan
            "raise" re-raises the error of a failed fit; otherwise the fit is
            recorded as failed and left out.

        verbose : int, default=0
            joblib's verbosity.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        score_name : str, default=None
            Label of the y axis; default: inferred from ``scoring``, else
            "Score on clean labels".

        show_drop : bool, default=True
            See :meth:`plot`.

        errorbar_kw, text_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.CleanVsNoisyDisplay`

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.neighbors import KNeighborsClassifier
        >>> from skmislabel.plotting import CleanVsNoisyDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> display = CleanVsNoisyDisplay.from_estimator(
        ...     KNeighborsClassifier(), X, y, noise_rate=0.4, cv=3, random_state=0)
        >>> display.clean_scores.shape, display.noisy_scores.shape
        ((1, 3), (1, 3))
        >>> display.drop_text_[0].get_text().startswith("\N{MINUS SIGN}")
        True
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        _check_noise_rate(noise_rate)
        results = noise_curve(
            estimator,
            X,
            y,
            groups=groups,
            noise_rates=[0.0, noise_rate],
            noise_type=noise_type,
            injector=injector,
            cv=cv,
            scoring=scoring,
            n_repeats=n_repeats,
            random_state=random_state,
            n_jobs=n_jobs,
            error_score=error_score,
            verbose=verbose,
        )
        display = cls._from_frame(
            results.frame,
            noise_rate=noise_rate,
            estimators=None,
            noise_types=None,
            score_name=_score_name(score_name, scoring),
        )
        return display.plot(ax=ax, show_drop=show_drop, errorbar_kw=errorbar_kw, text_kw=text_kw)
