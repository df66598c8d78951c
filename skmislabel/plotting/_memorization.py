"""MemorizationDisplay: what a model predicts for its flipped labels, epoch by epoch."""

from collections.abc import Mapping

import numpy as np

from .._compat import check_matplotlib_support
from ..model_selection._memorization import memorization_curve
from ._base import _axes, _check_kw, _style

# What plot draws, in legend order: the key of lines_, the legend text and
# the line's look. One colour per display, so the quantities are told apart
# by line style and marker, and two displays on one axes by colour.
_QUANTITIES = (
    ("memorized", "memorized", {"linestyle": "-", "marker": "o"}),
    ("corrected", "corrected", {"linestyle": "--", "marker": "s"}),
    ("test_accuracy", "test accuracy", {"linestyle": ":", "marker": "^"}),
)
# The keys of memorization_curve's Bunch that from_curve reads.
_CURVE_KEYS = ("epochs", "memorized", "corrected", "clean_accuracy", "test_accuracy")


def _as_series(name, values, n_epochs=None):
    """``values`` as a 1-D float array, of ``n_epochs`` values when given."""
    series = np.asarray(values, dtype=float)
    if series.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one value per epoch; got shape {series.shape}.")
    if n_epochs is not None and series.shape[0] != n_epochs:
        raise ValueError(
            f"{name} has {series.shape[0]} values for {n_epochs} epochs: give one value per epoch."
        )
    return series


class MemorizationDisplay:
    """Memorization curve: the flipped labels a model learns, epoch by epoch.

    Against the epoch, three lines of one colour: among the mislabeled
    training samples, the share predicted as their noisy label
    (*memorized*) and as their true label (*corrected*), and the accuracy on
    clean test labels when known. A network trained on noisy labels first
    corrects most of them, then memorizes them while its test accuracy falls
    (Arpit et al., 2017). Each display takes the next colour of the axes, so
    two models drawn on one axes (cross-entropy and a robust loss, say) are
    told apart by colour, and the quantities by line style and marker.

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_curve`; all parameters are stored as attributes.

    Parameters
    ----------
    epochs : array-like of shape (n_epochs,)
        The epoch of each measurement.

    memorized : array-like of shape (n_epochs,)
        Share of the flipped training samples predicted as their noisy label.

    corrected : array-like of shape (n_epochs,)
        Share of the flipped training samples predicted as their true label.

    test_accuracy : array-like of shape (n_epochs,), default=None
        Accuracy on clean test labels; not drawn when None.

    clean_accuracy : array-like of shape (n_epochs,), default=None
        Accuracy on the training samples that are not flipped. Stored for
        reference and checked, not drawn: near 1 from the first epochs, its
        line would mostly hide the top of the others.

    estimator_name : str, default=None
        Name of the model, the prefix of the legend labels ("name:
        memorized", ...); default: none.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The lines drawn, under the keys "memorized", "corrected" and, with a
        test accuracy, "test_accuracy".

    ax_ : matplotlib Axes
        Axes with the curve.

    figure_ : matplotlib Figure
        Figure containing the curve.

    See Also
    --------
    skmislabel.model_selection.memorization_curve : Compute the curve.
    NoiseCurveDisplay : The test score against the noise rate.

    References
    ----------
    Arpit, D., Jastrzębski, S., Ballas, N., et al. (2017). A closer look at
    memorization in deep networks. *ICML*.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skmislabel.plotting import MemorizationDisplay
    >>> display = MemorizationDisplay(
    ...     epochs=[1, 2, 3], memorized=[0.05, 0.2, 0.6], corrected=[0.85, 0.7, 0.35],
    ...     test_accuracy=[0.9, 0.88, 0.8], estimator_name="MLP")
    >>> display = display.plot()
    >>> [line.get_label() for line in display.lines_.values()]
    ['MLP: memorized', 'MLP: corrected', 'MLP: test accuracy']
    >>> len({line.get_color() for line in display.lines_.values()})
    1
    """

    def __init__(
        self,
        epochs,
        memorized,
        corrected,
        *,
        test_accuracy=None,
        clean_accuracy=None,
        estimator_name=None,
    ):
        self.epochs = epochs
        self.memorized = memorized
        self.corrected = corrected
        self.test_accuracy = test_accuracy
        self.clean_accuracy = clean_accuracy
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, line_kw=None):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        name : str, default=None
            Prefix of the legend labels; overrides ``estimator_name``.

        line_kw : dict, default=None
            Keyword arguments of ``ax.plot``, applied to every line; they
            override the defaults (the next colour of the axes, shared by
            the lines; solid with circles for memorized, dashed with squares
            for corrected, dotted with triangles for the test accuracy;
            ``markersize=4``). The labels are the display's.

        Returns
        -------
        display : :class:`~skmislabel.plotting.MemorizationDisplay`
            Object that stores the computed values and the artists.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        _check_kw(line_kw=line_kw)
        n_epochs = _as_series("epochs", self.epochs).size
        series = {
            "memorized": _as_series("memorized", self.memorized, n_epochs),
            "corrected": _as_series("corrected", self.corrected, n_epochs),
        }
        if self.test_accuracy is not None:
            series["test_accuracy"] = _as_series("test_accuracy", self.test_accuracy, n_epochs)
        if self.clean_accuracy is not None:
            _as_series("clean_accuracy", self.clean_accuracy, n_epochs)
        name = self.estimator_name if name is None else name

        from matplotlib.lines import Line2D
        from matplotlib.ticker import MaxNLocator

        ax = _axes(ax)
        self.lines_ = {}
        color = None
        for key, text, look in _QUANTITIES:
            if key not in series:
                continue
            defaults = {**look, "markersize": 4}
            if color is not None:
                defaults["color"] = color
            style = _style(defaults, line_kw, Line2D)
            style["label"] = text if name is None else f"{name}: {text}"
            # The epochs as given: integer epochs stay integers on the lines.
            (line,) = ax.plot(np.asarray(self.epochs), series[key], **style)
            # The first line takes the axes' next colour; the others share it,
            # so that the colour names the model and one display uses one.
            color = line.get_color()
            self.lines_[key] = line
        ax.set(xlabel="Epoch", ylabel="Share of flipped samples / accuracy", ylim=(0.0, 1.0))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_curve(cls, curve, *, name=None, ax=None, line_kw=None):
        """Plot the result of :func:`~skmislabel.model_selection.memorization_curve`.

        Parameters
        ----------
        curve : :class:`~sklearn.utils.Bunch`
            The result of
            :func:`~skmislabel.model_selection.memorization_curve` (any
            mapping with its keys ``epochs``, ``memorized``, ``corrected``,
            ``clean_accuracy`` and ``test_accuracy``).

        name : str, default=None
            Prefix of the legend labels; default: the class name of the
            curve's ``estimator``, if it has one.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        line_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.MemorizationDisplay`

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import SGDClassifier
        >>> from skmislabel import flip_labels
        >>> from skmislabel.model_selection import memorization_curve
        >>> from skmislabel.plotting import MemorizationDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> y_noisy, _ = flip_labels(y, noise_rate=0.4, random_state=0)
        >>> curve = memorization_curve(SGDClassifier(random_state=0), X, y_noisy, y, epochs=3)
        >>> display = MemorizationDisplay.from_curve(curve)
        >>> sorted(display.lines_)
        ['corrected', 'memorized']
        >>> display.lines_["memorized"].get_label()
        'SGDClassifier: memorized'
        """
        check_matplotlib_support(f"{cls.__name__}.from_curve")
        if not isinstance(curve, Mapping):
            raise TypeError(
                f"curve must be the Bunch returned by memorization_curve; got "
                f"{type(curve).__name__}."
            )
        missing = [key for key in _CURVE_KEYS if key not in curve]
        if missing:
            raise ValueError(
                f"curve must be the Bunch returned by memorization_curve; it lacks {missing}."
            )
        if name is None and curve.get("estimator") is not None:
            name = type(curve["estimator"]).__name__
        display = cls(
            curve["epochs"],
            curve["memorized"],
            curve["corrected"],
            test_accuracy=curve["test_accuracy"],
            clean_accuracy=curve["clean_accuracy"],
            estimator_name=name,
        )
        return display.plot(ax=ax, line_kw=line_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y_noisy,
        y_true,
        *,
        X_test=None,
        y_test=None,
        epochs=20,
        classes=None,
        max_samples=None,
        random_state=None,
        name=None,
        ax=None,
        line_kw=None,
    ):
        """Run :func:`~skmislabel.model_selection.memorization_curve` and plot it.

        Parameters
        ----------
        estimator : classifier
            The model, with ``partial_fit``, or with ``warm_start`` and
            ``epochs`` or ``max_iter``; it is cloned.

        X : {array-like, sparse matrix} of shape (n_samples, ...)
            Training data.

        y_noisy : array-like of shape (n_samples,)
            The labels the model is trained on.

        y_true : array-like of shape (n_samples,)
            The clean labels.

        X_test : {array-like, sparse matrix} of shape (n_test_samples, ...), \
                default=None
            Test data, with clean labels ``y_test``; give both or neither.

        y_test : array-like of shape (n_test_samples,), default=None
            Clean test labels.

        epochs : int, default=20
            Number of epochs.

        classes : array-like of shape (n_classes,), default=None
            All classes, for ``partial_fit``; see
            :func:`~skmislabel.model_selection.memorization_curve`.

        max_samples : int, float in (0, 1] or None, default=None
            The training samples measured after each epoch: all, or a random
            subset; see :func:`~skmislabel.model_selection.memorization_curve`.

        random_state : int, RandomState instance or None, default=None
            Draws the subset of ``max_samples``.

        name : str, default=None
            Prefix of the legend labels; default: the estimator's class name.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If None, a new figure and axes is created.

        line_kw : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : :class:`~skmislabel.plotting.MemorizationDisplay`

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import SGDClassifier
        >>> from skmislabel import flip_labels
        >>> from skmislabel.plotting import MemorizationDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> y_noisy, _ = flip_labels(y[:1000], noise_rate=0.4, random_state=0)
        >>> display = MemorizationDisplay.from_estimator(
        ...     SGDClassifier(random_state=0), X[:1000], y_noisy, y[:1000],
        ...     X_test=X[1000:], y_test=y[1000:], epochs=3, name="linear")
        >>> [line.get_label() for line in display.lines_.values()]
        ['linear: memorized', 'linear: corrected', 'linear: test accuracy']
        >>> display.lines_["test_accuracy"].get_xdata().tolist()
        [1, 2, 3]
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        curve = memorization_curve(
            estimator,
            X,
            y_noisy,
            y_true,
            X_test=X_test,
            y_test=y_test,
            epochs=epochs,
            classes=classes,
            max_samples=max_samples,
            random_state=random_state,
        )
        if name is None:
            name = type(estimator).__name__
        return cls.from_curve(curve, name=name, ax=ax, line_kw=line_kw)
