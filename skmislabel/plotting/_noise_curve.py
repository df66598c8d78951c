"""NoiseCurveDisplay: score against the noise rate of the training labels."""

import numpy as np

from .._compat import check_matplotlib_support
from ..model_selection._noise_curve import noise_curve
from ..model_selection._results import read_results
from ._base import (
    _CURVE_COLUMNS,
    _DEFAULT_SCORE_NAME,
    _SCORE_TYPES,
    _STD_DISPLAY_STYLES,
    _as_curves,
    _axes,
    _check_kw,
    _check_option,
    _container_color,
    _curve_names,
    _mean_std,
    _score_name,
    _style,
)
from ._results import _curves, _score_arrays


class NoiseCurveDisplay:
    """Noise curve: score against the rate of mislabeled training labels.

    The noise-rate counterpart of
    :class:`~sklearn.model_selection.ValidationCurveDisplay`. It is
    recommended to create it with :meth:`from_estimator` (runs
    :func:`~skmislabel.model_selection.noise_curve`) or :meth:`from_results`
    (results saved earlier); all parameters are stored as attributes.

    Each curve is the mean score over fits (repeats and folds) at each noise
    rate, with ±1 standard deviation. The scores are on *clean* labels: the
    noise only touches the training labels.

    Parameters
    ----------
    noise_rates : ndarray of shape (n_noise_rates,)
        The training-label noise rates (see :mod:`skmislabel.noise`).

    test_scores : ndarray of shape (n_noise_rates, n_fits) or \
            (n_curves, n_noise_rates, n_fits)
        Scores on the test folds' clean labels, as
        ``noise_curve(...).test_scores``, or one such array per curve. NaN is a
        missing or failed fit, left out of the mean and standard deviation; a
        curve without any score at a rate has no point there.

    train_scores : ndarray of the shape of ``test_scores``, default=None
        Scores on the training folds' clean labels; needed for
        ``score_type="train"`` or ``"both"``.

    curve_names : list of str of length n_curves, default=None
        Legend labels of the curves; default: none for one curve (its lines
        are labelled "Test" and "Train"), "curve 0", "curve 1", ... for
        several.

    score_name : str, default=None
        Label of the y axis; default "Score on clean labels".

    Attributes
    ----------
    lines_ : list of matplotlib Line2D or None
        The mean-score lines, for each curve its test line then its train
        line (as ``score_type`` asks). None when
        ``std_display_style="errorbar"``.

    errorbar_ : list of matplotlib ErrorbarContainer or None
        The mean-score lines with ±1 standard deviation error bars, in the
        order of ``lines_``, when ``std_display_style="errorbar"``; None
        otherwise.

    fill_between_ : list of matplotlib PolyCollection or None
        The ±1 standard deviation bands, in the order of ``lines_``, when
        ``std_display_style="fill_between"``; None otherwise.

    clean_lines_ : list of matplotlib Line2D or None
        A dotted horizontal line at the rate-0 score of each drawn line that
        has one (the clean score, the curve's ceiling); None when
        ``show_clean=False``.

    ax_ : matplotlib Axes
        Axes with the curves.

    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    skmislabel.model_selection.noise_curve : Compute the scores.
    CleanVsNoisyDisplay : Clean against one noise rate, the lesson's picture.
    sklearn.model_selection.ValidationCurveDisplay : The display it follows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmislabel.plotting import NoiseCurveDisplay
    >>> test_scores = np.array([[0.98, 0.96], [0.95, 0.93], [0.80, np.nan]])
    >>> display = NoiseCurveDisplay(
    ...     noise_rates=np.array([0.0, 0.2, 0.4]), test_scores=test_scores)
    >>> display = display.plot()
    >>> display.lines_[0].get_ydata().round(2).tolist()
    [0.97, 0.94, 0.8]
    >>> round(float(display.clean_lines_[0].get_ydata()[0]), 2)  # the clean score
    0.97
    """

    def __init__(
        self, *, noise_rates, test_scores, train_scores=None, curve_names=None, score_name=None
    ):
        self.noise_rates = noise_rates
        self.test_scores = test_scores
        self.train_scores = train_scores
        self.curve_names = curve_names
        self.score_name = score_name

    def plot(
        self,
        ax=None,
        *,
        score_name=None,
        score_type="test",
        std_display_style="fill_between",
        show_clean=True,
        line_kw=None,
        fill_between_kw=None,
        errorbar_kw=None,
    ):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        score_name : str, default=None
            Label of the y axis; overrides the ``score_name`` of the display.

        score_type : {"test", "train", "both"}, default="test"
            The scores to plot: on the test folds' clean labels, on the
            training folds' clean labels, or both (the train line dashed, in
            the colour of its curve's test line).

        std_display_style : {"fill_between", "errorbar"} or None, \
                default="fill_between"
            How to show ±1 standard deviation over the fits: a band, error
            bars, or not at all.

        show_clean : bool, default=True
            Mark the rate-0 score of each line with a dotted horizontal line.

        line_kw : dict, default=None
            Keyword arguments of ``ax.plot``, which draws the mean scores
            (not used with ``std_display_style="errorbar"``). They override
            the defaults (``marker="o"``; for a train line of
            ``score_type="both"``, its curve's colour and ``linestyle="--"``).

        fill_between_kw : dict, default=None
            Keyword arguments of ``ax.fill_between``, which draws the bands;
            they override the defaults (the line's colour, ``alpha=0.2``).

        errorbar_kw : dict, default=None
            Keyword arguments of ``ax.errorbar``, which draws the mean scores
            and their error bars with ``std_display_style="errorbar"``; they
            override the defaults (``marker="o"``, ``capsize=3``).

        Returns
        -------
        display : :class:`~skmislabel.plotting.NoiseCurveDisplay`
            Object that stores the computed values and the artists.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        _check_option("score_type", score_type, _SCORE_TYPES)
        _check_option("std_display_style", std_display_style, _STD_DISPLAY_STYLES)
        _check_kw(line_kw=line_kw, fill_between_kw=fill_between_kw, errorbar_kw=errorbar_kw)
        noise_rates = np.asarray(self.noise_rates, dtype=float)
        if noise_rates.ndim != 1:
            raise ValueError(f"noise_rates must be 1-D; got shape {noise_rates.shape}.")
        kinds = ("test", "train") if score_type == "both" else (score_type,)
        if "train" in kinds and self.train_scores is None:
            raise ValueError(
                f"score_type={score_type!r} needs train_scores, which this display "
                "does not have; use score_type='test'."
            )
        scores = {"test": _as_curves("test_scores", self.test_scores, noise_rates.size)}
        if "train" in kinds:
            scores["train"] = _as_curves("train_scores", self.train_scores, noise_rates.size)
            if scores["train"].shape[0] != scores["test"].shape[0]:
                raise ValueError(
                    f"train_scores has {scores['train'].shape[0]} curves and "
                    f"test_scores {scores['test'].shape[0]}."
                )
        names = _curve_names(self.curve_names, scores["test"].shape[0])

        ax = _axes(ax)
        # Points are joined in increasing noise rate.
        order = np.argsort(noise_rates, kind="stable")
        noise_rates = noise_rates[order]
        clean = np.flatnonzero(np.isclose(noise_rates, 0))
        self.lines_ = None if std_display_style == "errorbar" else []
        self.errorbar_ = [] if std_display_style == "errorbar" else None
        self.fill_between_ = [] if std_display_style == "fill_between" else None
        self.clean_lines_ = [] if show_clean else None
        for curve_index, curve_name in enumerate(names):
            curve_color = None
            for kind in kinds:
                mean, std = _mean_std(scores[kind][curve_index][order])
                if curve_name is None:
                    label = kind.capitalize()
                else:
                    label = f"{curve_name}, {kind}" if score_type == "both" else str(curve_name)
                defaults = {"label": label, "marker": "o"}
                if curve_color is not None:
                    # The train line of "both": its curve's colour, dashed.
                    defaults.update(color=curve_color, linestyle="--")
                # A rate without any score has no point: the line skips it.
                shown = ~np.isnan(mean)
                color = self._draw_line(
                    ax,
                    noise_rates[shown],
                    mean[shown],
                    std[shown],
                    defaults,
                    std_display_style=std_display_style,
                    line_kw=line_kw,
                    fill_between_kw=fill_between_kw,
                    errorbar_kw=errorbar_kw,
                )
                curve_color = color if curve_color is None else curve_color
                if show_clean and clean.size and shown[clean[0]]:
                    self.clean_lines_.append(
                        ax.axhline(mean[clean[0]], color=color, linestyle=":", linewidth=1)
                    )
        score_name = self.score_name if score_name is None else score_name
        ax.set_xlabel("Noise rate of the training labels")
        ax.set_ylabel(_DEFAULT_SCORE_NAME if score_name is None else score_name)
        ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _draw_line(
        self,
        ax,
        x,
        mean,
        std,
        defaults,
        *,
        std_display_style,
        line_kw,
        fill_between_kw,
        errorbar_kw,
    ):
        """Draw one line of mean scores and its spread; return its colour."""
        from matplotlib.collections import PolyCollection
        from matplotlib.lines import Line2D

        if std_display_style == "errorbar":
            style = _style({**defaults, "capsize": 3}, errorbar_kw, Line2D)
            container = ax.errorbar(x, mean, yerr=std, **style)
            self.errorbar_.append(container)
            return _container_color(container)
        (line,) = ax.plot(x, mean, **_style(defaults, line_kw, Line2D))
        self.lines_.append(line)
        if std_display_style == "fill_between":
            style = _style(
                {"color": line.get_color(), "alpha": 0.2}, fill_between_kw, PolyCollection
            )
            self.fill_between_.append(ax.fill_between(x, mean - std, mean + std, **style))
        return line.get_color()

    @classmethod
    def _from_frame(cls, frame, *, estimators, noise_types, score_type, score_name):
        if score_type in ("train", "both") and "train_score" not in frame.columns:
            raise ValueError(
                f"score_type={score_type!r} needs the column 'train_score', which the "
                "results lack; use score_type='test'."
            )
        names, curves = _curves(frame, estimators, noise_types)
        columns = ["test_score"] + (["train_score"] if "train_score" in frame.columns else [])
        noise_rates, arrays = _score_arrays(curves, columns)
        return cls(
            noise_rates=noise_rates,
            test_scores=arrays["test_score"],
            train_scores=arrays.get("train_score"),
            curve_names=names,
            score_name=score_name,
        )

    @classmethod
    def from_results(
        cls,
        results,
        *,
        estimators=None,
        noise_types=None,
        ax=None,
        score_name=None,
        score_type="test",
        std_display_style="fill_between",
        show_clean=True,
        line_kw=None,
        fill_between_kw=None,
        errorbar_kw=None,
    ):
        """Plot noise-curve results saved earlier: the tidy frame or its CSV.

        One curve per (estimator, noise type) in the results, named by the
        estimator and noise type when there is one curve, else by the ones
        that vary. Rows whose ``error`` is not empty are failed fits: their
        scores count as missing.

        Parameters
        ----------
        results : DataFrame or str or os.PathLike
            Tidy results, one row per fit, as ``noise_curve(...).frame``
            (several runs may be concatenated), or the path of the CSV it was
            saved to (read with :func:`pandas.read_csv`). The columns
            ``estimator``, ``noise_type``, ``noise_rate`` and ``test_score``
            are needed, ``train_score`` for the train scores; rows are
            ordered by ``repeat`` and ``fold`` when present.

        estimators : list of str, default=None
            The estimators to draw, in this order; default: all, sorted.

        noise_types : list of str, default=None
            The noise types to draw, in this order; default: all, sorted.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        score_name : str, default=None
            Label of the y axis; default "Score on clean labels".

        score_type : {"test", "train", "both"}, default="test"
            See :meth:`plot`.

        std_display_style : {"fill_between", "errorbar"} or None, \
                default="fill_between"
            See :meth:`plot`.

        show_clean : bool, default=True
            See :meth:`plot`.

        line_kw, fill_between_kw, errorbar_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.NoiseCurveDisplay`

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import pandas as pd
        >>> from skmislabel.plotting import NoiseCurveDisplay
        >>> results = pd.DataFrame({
        ...     "estimator": "KNN", "noise_type": ["symmetric"] * 4 + ["pairflip"] * 4,
        ...     "noise_rate": [0.0, 0.0, 0.3, 0.3] * 2,
        ...     "test_score": [0.98, 0.97, 0.95, 0.94, 0.98, 0.97, 0.90, 0.86],
        ...     "error": ["", "", "", "", "", "", "", "RuntimeError: out of memory"]})
        >>> display = NoiseCurveDisplay.from_results(results)
        >>> display.curve_names
        ['pairflip', 'symmetric']
        >>> display.lines_[0].get_ydata().round(3).tolist()
        [0.975, 0.9]
        """
        check_matplotlib_support(f"{cls.__name__}.from_results")
        frame = read_results(results, [*_CURVE_COLUMNS, "noise_rate", "test_score"])
        display = cls._from_frame(
            frame,
            estimators=estimators,
            noise_types=noise_types,
            score_type=score_type,
            score_name=score_name,
        )
        return display.plot(
            ax=ax,
            score_type=score_type,
            std_display_style=std_display_style,
            show_clean=show_clean,
            line_kw=line_kw,
            fill_between_kw=fill_between_kw,
            errorbar_kw=errorbar_kw,
        )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        groups=None,
        noise_rates=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
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
        score_type="test",
        std_display_style="fill_between",
        show_clean=True,
        line_kw=None,
        fill_between_kw=None,
        errorbar_kw=None,
    ):
        """Run :func:`~skmislabel.model_selection.noise_curve` and plot it.

        The parameters from ``groups`` to ``verbose`` are those of
        :func:`~skmislabel.model_selection.noise_curve`; failed fits count as
        missing.

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

        noise_rates : array-like of float, default=(0, .1, .2, .3, .4, .5)
            The noise rates of the training labels.

        noise_type : {"symmetric", "uniform", "pairflip", "mapping"}, \
                default="symmetric"
            Noise model of the default injector; ignored when ``injector`` is
            given.

        injector : LabelNoiseInjector, default=None
            A configured injector whose ``noise_rate`` is swept.

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
            recorded as failed and left out of the curve.

        verbose : int, default=0
            joblib's verbosity.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        score_name : str, default=None
            Label of the y axis; default: inferred from ``scoring``, else
            "Score on clean labels".

        score_type : {"test", "train", "both"}, default="test"
            See :meth:`plot`.

        std_display_style : {"fill_between", "errorbar"} or None, \
                default="fill_between"
            See :meth:`plot`.

        show_clean : bool, default=True
            See :meth:`plot`.

        line_kw, fill_between_kw, errorbar_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.NoiseCurveDisplay`

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.neighbors import KNeighborsClassifier
        >>> from skmislabel.plotting import NoiseCurveDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> display = NoiseCurveDisplay.from_estimator(
        ...     KNeighborsClassifier(), X, y, noise_rates=[0, 0.2, 0.4], cv=3,
        ...     random_state=0)
        >>> display.curve_names, display.test_scores.shape
        (['KNeighborsClassifier (symmetric)'], (1, 3, 3))
        >>> bool(display.lines_[0].get_ydata()[-1] < display.lines_[0].get_ydata()[0])
        True
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        results = noise_curve(
            estimator,
            X,
            y,
            groups=groups,
            noise_rates=noise_rates,
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
            estimators=None,
            noise_types=None,
            score_type=score_type,
            score_name=_score_name(score_name, scoring),
        )
        return display.plot(
            ax=ax,
            score_type=score_type,
            std_display_style=std_display_style,
            show_clean=show_clean,
            line_kw=line_kw,
            fill_between_kw=fill_between_kw,
            errorbar_kw=errorbar_kw,
        )
