"""TransitionMatrixDisplay: a heatmap of a transition matrix."""

import numpy as np

from .._compat import check_matplotlib_support
from ._base import _axes, _check_kw, _style


class TransitionMatrixDisplay:
    """Heatmap of a transition matrix ``T[i, j] = P(noisy = j | true = i)``.

    Rows are true classes, columns noisy classes, and each row sums to 1 (the
    convention of :mod:`skmislabel.noise`). Modeled on
    :class:`~sklearn.metrics.ConfusionMatrixDisplay`: it is recommended to
    create it with :meth:`from_injector` or :meth:`from_labels`; all
    parameters are stored as attributes.

    Parameters
    ----------
    transition_matrix : ndarray of shape (n_classes, n_classes)
        The matrix, for example an injector's realised
        ``transition_matrix_``. A row of NaN (a class absent from the true
        labels) is left blank.

    display_labels : array-like of shape (n_classes,), default=None
        Class names; default 0 .. n_classes - 1.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        Image of the matrix.

    text_ : ndarray of shape (n_classes, n_classes), dtype=matplotlib Text, \
            or None
        The probabilities written in the cells; None when
        ``include_values=False``.

    colorbar_ : matplotlib Colorbar or None
        The colorbar; None when ``colorbar=False``.

    ax_ : matplotlib Axes
        Axes with the matrix.

    figure_ : matplotlib Figure
        Figure containing the matrix.

    See Also
    --------
    skmislabel.LabelNoiseInjector : Draws the noise; ``transition_matrix_``
        is its realised matrix.
    sklearn.metrics.ConfusionMatrixDisplay : The display it follows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmislabel.plotting import TransitionMatrixDisplay
    >>> matrix = np.array([[0.8, 0.2], [0.1, 0.9]])
    >>> display = TransitionMatrixDisplay(matrix, display_labels=["cat", "dog"])
    >>> display = display.plot(values_format=".1f")
    >>> [text.get_text() for text in display.text_.ravel()]
    ['0.8', '0.2', '0.1', '0.9']
    """

    def __init__(self, transition_matrix, *, display_labels=None):
        self.transition_matrix = transition_matrix
        self.display_labels = display_labels

    def plot(
        self,
        ax=None,
        *,
        include_values=True,
        cmap="Blues",
        values_format=".2f",
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        include_values : bool, default=True
            Write the probabilities in the cells.

        cmap : str or matplotlib Colormap, default="Blues"
            Colormap, from 0 to 1.

        values_format : str, default=".2f"
            Format specification of the probabilities written in the cells.

        colorbar : bool, default=True
            Add a colorbar.

        im_kw : dict, default=None
            Keyword arguments of ``ax.imshow``; they override the defaults
            (``cmap``, ``vmin=0``, ``vmax=1``, ``interpolation="nearest"``;
            a ``norm`` replaces ``vmin`` and ``vmax``).

        text_kw : dict, default=None
            Keyword arguments of ``ax.text``, for the cells' numbers (for
            example ``{"fontsize": 8}`` for many classes); they override the
            defaults (centred, and coloured as in
            :class:`~sklearn.metrics.ConfusionMatrixDisplay`: the colormap's
            lowest colour on cells past its middle, its highest colour on the
            others).

        Returns
        -------
        display : :class:`~skmislabel.plotting.TransitionMatrixDisplay`
            Object that stores the computed values and the artists.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        _check_kw(im_kw=im_kw, text_kw=text_kw)
        matrix = np.asarray(self.transition_matrix, dtype=float)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"transition_matrix must be square; got shape {matrix.shape}.")
        n_classes = matrix.shape[0]
        if self.display_labels is None:
            display_labels = np.arange(n_classes)
        else:
            display_labels = np.asarray(self.display_labels)
            if display_labels.shape != (n_classes,):
                raise ValueError(
                    f"display_labels has {display_labels.size} labels for {n_classes} classes."
                )

        from matplotlib.image import AxesImage
        from matplotlib.text import Text

        ax = _axes(ax)
        default_im_kw = {"interpolation": "nearest", "cmap": cmap, "vmin": 0.0, "vmax": 1.0}
        if im_kw and "norm" in im_kw:
            # matplotlib refuses a norm together with vmin and vmax.
            del default_im_kw["vmin"], default_im_kw["vmax"]
        self.im_ = ax.imshow(matrix, **_style(default_im_kw, im_kw, AxesImage))
        self.text_ = None
        if include_values:
            # As ConfusionMatrixDisplay: the colormap's ends, chosen by
            # whether the cell's colour is past the middle of the colormap.
            cmap_min, cmap_max = self.im_.cmap(0), self.im_.cmap(1.0)
            self.text_ = np.empty((n_classes, n_classes), dtype=object)
            for i in range(n_classes):
                for j in range(n_classes):
                    value = matrix[i, j]
                    color = cmap_max if self.im_.norm(value) < 0.5 else cmap_min
                    text = "" if np.isnan(value) else format(value, values_format)
                    style = {"ha": "center", "va": "center", "color": color}
                    self.text_[i, j] = ax.text(j, i, text, **_style(style, text_kw, Text))
        self.colorbar_ = ax.figure.colorbar(self.im_, ax=ax) if colorbar else None
        ax.set(
            xticks=np.arange(n_classes),
            yticks=np.arange(n_classes),
            xticklabels=display_labels,
            yticklabels=display_labels,
            xlabel="Noisy label",
            ylabel="True label",
        )
        ax.set_ylim((n_classes - 0.5, -0.5))
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_injector(
        cls,
        injector,
        *,
        ax=None,
        include_values=True,
        cmap="Blues",
        values_format=".2f",
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot a fitted injector's realised ``transition_matrix_``.

        Parameters
        ----------
        injector : LabelNoiseInjector
            Fitted; its ``classes_`` label the rows and columns.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        include_values : bool, default=True
            See :meth:`plot`.

        cmap : str or matplotlib Colormap, default="Blues"
            See :meth:`plot`.

        values_format : str, default=".2f"
            See :meth:`plot`.

        colorbar : bool, default=True
            See :meth:`plot`.

        im_kw, text_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.TransitionMatrixDisplay`

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
        check_matplotlib_support(f"{cls.__name__}.from_injector")
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(injector, "transition_matrix_")
        display = cls(injector.transition_matrix_, display_labels=injector.classes_)
        return display.plot(
            ax=ax,
            include_values=include_values,
            cmap=cmap,
            values_format=values_format,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
        )

    @classmethod
    def from_labels(
        cls,
        y_true,
        y_noisy,
        *,
        labels=None,
        ax=None,
        include_values=True,
        cmap="Blues",
        values_format=".2f",
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot the transition matrix realised between two label arrays.

        Row ``i`` is the distribution of the noisy labels of the samples
        whose true label is ``labels[i]`` (row-normalised counts); a class
        absent from ``y_true`` has a blank row.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Clean labels.

        y_noisy : array-like of shape (n_samples,)
            Noisy labels.

        labels : array-like of shape (n_classes,), default=None
            Classes in row and column order; default: the sorted union of
            both arrays.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        include_values : bool, default=True
            See :meth:`plot`.

        cmap : str or matplotlib Colormap, default="Blues"
            See :meth:`plot`.

        values_format : str, default=".2f"
            See :meth:`plot`.

        colorbar : bool, default=True
            See :meth:`plot`.

        im_kw, text_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.TransitionMatrixDisplay`

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from skmislabel.plotting import TransitionMatrixDisplay
        >>> y_true = ["a", "a", "a", "a", "b", "b"]
        >>> y_noisy = ["a", "a", "a", "b", "b", "b"]
        >>> display = TransitionMatrixDisplay.from_labels(y_true, y_noisy, colorbar=False)
        >>> display.im_.get_array().tolist()
        [[0.75, 0.25], [0.0, 1.0]]
        """
        check_matplotlib_support(f"{cls.__name__}.from_labels")
        from sklearn.metrics import confusion_matrix

        counts = confusion_matrix(y_true, y_noisy, labels=labels)
        if labels is None:
            labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_noisy)]))
        with np.errstate(invalid="ignore"):
            matrix = counts / counts.sum(axis=1, keepdims=True)
        display = cls(matrix, display_labels=labels)
        return display.plot(
            ax=ax,
            include_values=include_values,
            cmap=cmap,
            values_format=values_format,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
        )
