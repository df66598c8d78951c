"""Pictures of label noise and its effect, in scikit-learn's Display style.

- :class:`NoiseCurveDisplay`: test score against noise rate, mean and ±1 std
  band over repeats and folds, one line per (estimator, noise type).
- :class:`CleanVsNoisyDisplay`: the lesson's picture, clean against
  mislabeled training data, side by side.
- :class:`TransitionMatrixDisplay`: a heatmap of a transition matrix
  ``T[i, j] = P(noisy = j | true = i)``.

This is the only module of skmislabel that imports matplotlib, and only
when a plot is drawn.
"""

import numpy as np

from .model_selection import RESULT_COLUMNS, noise_curve


def _results_frame(results):
    import pandas as pd

    frame = pd.DataFrame(results)
    missing = {"estimator", "noise_type", "noise_rate", "test_score"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"results lack the columns {sorted(missing)}; pass noise_curve(...).frame "
            f"or its CSV (columns {list(RESULT_COLUMNS)})."
        )
    if frame.empty:
        raise ValueError("results has no rows to plot.")
    return frame


def _curve_label(keys, varying):
    return ", ".join(str(value) for value, vary in zip(keys, varying) if vary) or str(keys[0])


def _get_axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


class NoiseCurveDisplay:
    """Noise curve: test score against the rate of mislabeled training data.

    Build it with :meth:`from_estimator` (runs :func:`noise_curve`) or
    :meth:`from_results` (results saved earlier), then :meth:`plot`.

    Parameters
    ----------
    results : DataFrame
        Tidy results, one row per fit, as returned by
        ``noise_curve(...).frame`` or read from its CSV. Rows may
        come from several estimators and noise types: each combination is one
        line.
    score_name : str, default=None
        Label of the y axis; default "Test score".

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure containing the curves.
    lines_ : list of matplotlib Line2D
        The mean test score of each curve.
    fill_between_ : list of matplotlib PolyCollection
        The ±1 standard deviation band of each curve (empty when there is
        only one fit per rate or ``std_display_style=None``).
    clean_lines_ : list of matplotlib Line2D
        A dotted horizontal line at each curve's clean score (noise rate 0).

    See Also
    --------
    skmislabel.model_selection.noise_curve : Compute the results.
    sklearn.model_selection.ValidationCurveDisplay : The display it is modeled on.

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
    >>> len(display.lines_)
    1
    """

    def __init__(self, results, *, score_name=None):
        self.results = results
        self.score_name = score_name

    def plot(
        self,
        ax=None,
        *,
        std_display_style="fill_between",
        show_clean=True,
        line_kw=None,
        fill_between_kw=None,
    ):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        std_display_style : {"fill_between", "errorbar"} or None, \
                default="fill_between"
            How to show ±1 standard deviation over repeats and folds.
        show_clean : bool, default=True
            Mark each curve's score at noise rate 0 with a dotted line.
        line_kw : dict, default=None
            Passed to ``ax.plot`` (or ``ax.errorbar``).
        fill_between_kw : dict, default=None
            Passed to ``ax.fill_between``.

        Returns
        -------
        display : NoiseCurveDisplay
        """
        if std_display_style not in ("fill_between", "errorbar", None):
            raise ValueError(
                "std_display_style must be 'fill_between', 'errorbar' or None; got "
                f"{std_display_style!r}."
            )
        frame = _results_frame(self.results)
        ax = _get_axes(ax)
        summary = (
            frame.groupby(["estimator", "noise_type", "noise_rate"])["test_score"]
            .agg(["mean", "std", "count"])
            .reset_index()
        )
        curves = list(summary.groupby(["estimator", "noise_type"], sort=False))
        varying = [summary["estimator"].nunique() > 1, summary["noise_type"].nunique() > 1]
        self.lines_, self.fill_between_, self.clean_lines_ = [], [], []
        for keys, curve in curves:
            curve = curve.sort_values("noise_rate")
            label = _curve_label(keys, varying) if any(varying) else f"{keys[0]} ({keys[1]})"
            std = curve["std"].fillna(0).to_numpy()
            if std_display_style == "errorbar":
                container = ax.errorbar(
                    curve["noise_rate"],
                    curve["mean"],
                    yerr=std,
                    marker="o",
                    capsize=3,
                    label=label,
                    **(line_kw or {}),
                )
                line = container.lines[0]
            else:
                (line,) = ax.plot(
                    curve["noise_rate"], curve["mean"], marker="o", label=label, **(line_kw or {})
                )
                if std_display_style == "fill_between" and (curve["count"] > 1).any():
                    self.fill_between_.append(
                        ax.fill_between(
                            curve["noise_rate"],
                            curve["mean"] - std,
                            curve["mean"] + std,
                            color=line.get_color(),
                            alpha=0.2,
                            **(fill_between_kw or {}),
                        )
                    )
            self.lines_.append(line)
            clean = curve[np.isclose(curve["noise_rate"], 0)]
            if show_clean and len(clean):
                self.clean_lines_.append(
                    ax.axhline(
                        clean["mean"].iloc[0],
                        color=line.get_color(),
                        linestyle=":",
                        linewidth=1,
                    )
                )
        ax.set_xlabel("Noise rate of the training labels")
        ax.set_ylabel(self.score_name or "Test score (clean labels)")
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_results(cls, results, *, ax=None, score_name=None, **plot_kwargs):
        """Plot results saved earlier (the DataFrame or its CSV, read back).

        Parameters
        ----------
        results : DataFrame
            Tidy noise-curve results.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        score_name : str, default=None
            Label of the y axis.
        **plot_kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : NoiseCurveDisplay
        """
        return cls(results, score_name=score_name).plot(ax=ax, **plot_kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        ax=None,
        score_name=None,
        std_display_style="fill_between",
        show_clean=True,
        line_kw=None,
        fill_between_kw=None,
        **noise_curve_kwargs,
    ):
        """Run :func:`~skmislabel.model_selection.noise_curve` and plot it.

        Parameters
        ----------
        estimator : estimator object
            The model.
        X : array-like of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Clean labels.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        score_name : str, default=None
            Label of the y axis.
        std_display_style, show_clean, line_kw, fill_between_kw
            See :meth:`plot`.
        **noise_curve_kwargs
            Passed to :func:`~skmislabel.model_selection.noise_curve`
            (``noise_rates``, ``noise_type``, ``injector``, ``cv``,
            ``n_repeats``, ``random_state``, ``n_jobs``, ...).

        Returns
        -------
        display : NoiseCurveDisplay
        """
        results = noise_curve(estimator, X, y, **noise_curve_kwargs).frame
        return cls(results, score_name=score_name).plot(
            ax=ax,
            std_display_style=std_display_style,
            show_clean=show_clean,
            line_kw=line_kw,
            fill_between_kw=fill_between_kw,
        )


class CleanVsNoisyDisplay:
    """The lesson's picture: test score with clean and with mislabeled
    training labels, side by side, mean ± std over repeats and folds.

    Parameters
    ----------
    results : DataFrame
        Tidy noise-curve results containing noise rate 0 and ``noise_rate``.
    noise_rate : float, default=0.1
        The mislabeled rate to compare with clean training labels.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    bars_ : list of matplotlib BarContainer
        One container per (estimator, noise type): its clean and noisy bars.
    summary_ : DataFrame
        The plotted means and standard deviations.

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
    >>> display.summary_["mean"].round(3).tolist()
    [0.975, 0.955]
    """

    def __init__(self, results, *, noise_rate=0.1):
        self.results = results
        self.noise_rate = noise_rate

    def plot(self, ax=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : CleanVsNoisyDisplay
        """
        frame = _results_frame(self.results)
        chosen = np.isclose(frame["noise_rate"], 0) | np.isclose(
            frame["noise_rate"], self.noise_rate
        )
        summary = (
            frame[chosen]
            .groupby(["estimator", "noise_type", "noise_rate"])["test_score"]
            .agg(["mean", "std"])
            .reset_index()
        )
        if summary["noise_rate"].nunique() != 2:
            raise ValueError(
                f"results need rows at noise rate 0 and at noise_rate={self.noise_rate}; "
                f"found rates {sorted(frame['noise_rate'].unique().tolist())}."
            )
        ax = _get_axes(ax)
        groups = list(summary.groupby(["estimator", "noise_type"], sort=False))
        width = 0.8 / len(groups)
        self.bars_ = []
        for index, (keys, group) in enumerate(groups):
            group = group.sort_values("noise_rate")
            positions = np.arange(len(group)) + (index - (len(groups) - 1) / 2) * width
            bars = ax.bar(
                positions,
                group["mean"],
                width,
                yerr=group["std"].fillna(0),
                capsize=4,
                label=" ".join(map(str, keys)),
            )
            ax.bar_label(bars, labels=[f"{m:.4f}" for m in group["mean"]], padding=3)
            self.bars_.append(bars)
        ax.set_xticks([0, 1], ["clean labels", f"{self.noise_rate:.0%} mislabeled"])
        lowest = (summary["mean"] - summary["std"].fillna(0)).min()
        ax.set_ylim(max(0.0, lowest - 0.05), min(1.05, summary["mean"].max() + 0.03))
        ax.set_ylabel("Test score (clean labels)")
        ax.legend(loc="lower left")
        self.summary_ = summary
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_results(cls, results, *, noise_rate=0.1, ax=None):
        """Plot clean against ``noise_rate`` from tidy noise-curve results.

        Parameters
        ----------
        results : DataFrame
            Tidy noise-curve results.
        noise_rate : float, default=0.1
            The mislabeled rate to compare.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : CleanVsNoisyDisplay
        """
        return cls(results, noise_rate=noise_rate).plot(ax=ax)


class TransitionMatrixDisplay:
    """Heatmap of a transition matrix ``T[i, j] = P(noisy = j | true = i)``.

    Rows are true classes, columns noisy classes (see
    :mod:`skmislabel.noise`).

    Parameters
    ----------
    transition_matrix : ndarray of shape (n_classes, n_classes)
        The matrix, for example an injector's realised ``transition_matrix_``.
    display_labels : array-like of shape (n_classes,), default=None
        Class names; default 0 .. n_classes - 1.

    Attributes
    ----------
    im_ : matplotlib AxesImage
    text_ : ndarray of matplotlib Text, shape (n_classes, n_classes), or None
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmislabel import LabelNoiseInjector
    >>> from skmislabel.plotting import TransitionMatrixDisplay
    >>> y = np.repeat([0, 1, 2], 50)
    >>> injector = LabelNoiseInjector(noise_rate=0.2, noise_type="pairflip",
    ...                               random_state=0).fit(y[:, None], y)
    >>> display = TransitionMatrixDisplay.from_injector(injector)
    >>> display.text_[0, 1].get_text()
    '0.20'
    """

    def __init__(self, transition_matrix, *, display_labels=None):
        self.transition_matrix = transition_matrix
        self.display_labels = display_labels

    def plot(
        self, ax=None, *, cmap="Blues", values_format=".2f", colorbar=True, include_values=True
    ):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        cmap : str or Colormap, default="Blues"
            Colormap.
        values_format : str, default=".2f"
            Format of the numbers written in the cells.
        colorbar : bool, default=True
            Add a colorbar.
        include_values : bool, default=True
            Write the probabilities in the cells.

        Returns
        -------
        display : TransitionMatrixDisplay
        """
        matrix = np.asarray(self.transition_matrix, dtype=float)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"transition_matrix must be square; got shape {matrix.shape}.")
        n_classes = matrix.shape[0]
        labels = (
            np.arange(n_classes) if self.display_labels is None else np.asarray(self.display_labels)
        )
        ax = _get_axes(ax)
        self.im_ = ax.imshow(matrix, cmap=cmap, vmin=0, vmax=1)
        self.text_ = None
        if include_values:
            self.text_ = np.empty((n_classes, n_classes), dtype=object)
            for i in range(n_classes):
                for j in range(n_classes):
                    value = matrix[i, j]
                    color = "white" if value > 0.5 else "black"
                    text = "" if np.isnan(value) else format(value, values_format)
                    self.text_[i, j] = ax.text(
                        j, i, text, ha="center", va="center", color=color, fontsize=8
                    )
        if colorbar:
            ax.figure.colorbar(self.im_, ax=ax)
        ax.set(
            xticks=np.arange(n_classes),
            yticks=np.arange(n_classes),
            xticklabels=labels,
            yticklabels=labels,
            xlabel="Noisy label",
            ylabel="True label",
        )
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_injector(cls, injector, *, ax=None, **plot_kwargs):
        """Plot a fitted injector's realised ``transition_matrix_``.

        Parameters
        ----------
        injector : LabelNoiseInjector
            Fitted.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **plot_kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : TransitionMatrixDisplay
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(injector, "transition_matrix_")
        return cls(injector.transition_matrix_, display_labels=injector.classes_).plot(
            ax=ax, **plot_kwargs
        )

    @classmethod
    def from_labels(cls, y_true, y_noisy, *, labels=None, ax=None, **plot_kwargs):
        """Plot the transition matrix realised between two label arrays.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Clean labels.
        y_noisy : array-like of shape (n_samples,)
            Noisy labels.
        labels : array-like of shape (n_classes,), default=None
            Classes in row and column order; default: sorted union.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **plot_kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : TransitionMatrixDisplay
        """
        from sklearn.metrics import confusion_matrix

        counts = confusion_matrix(y_true, y_noisy, labels=labels)
        if labels is None:
            labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_noisy)]))
        with np.errstate(invalid="ignore"):
            matrix = counts / counts.sum(axis=1, keepdims=True)
        return cls(matrix, display_labels=labels).plot(ax=ax, **plot_kwargs)
