"""Pictures of label noise and its effect, in scikit-learn's Display style.

- :class:`NoiseCurveDisplay`: score against noise rate, mean and ±1 standard
  deviation over repeats and folds, one curve per (estimator, noise type);
  modeled on :class:`sklearn.model_selection.ValidationCurveDisplay`.
- :class:`CleanVsNoisyDisplay`: the lesson's picture, the score with clean
  and with mislabeled training labels side by side (points with error bars,
  the drop written beside them).
- :class:`TransitionMatrixDisplay`: a heatmap of a transition matrix
  ``T[i, j] = P(noisy = j | true = i)``; modeled on
  :class:`sklearn.metrics.ConfusionMatrixDisplay`.
- :class:`MemorizationDisplay`: epoch by epoch, the share of the flipped
  training labels a model predicts as their noisy label (memorized) and as
  their true label (corrected), with the test accuracy; one colour per
  model, from :func:`~skmislabel.model_selection.memorization_curve`.

Each follows scikit-learn's convention: ``__init__`` only stores computed
arrays; the ``from_*`` class methods compute them (``from_estimator`` runs
:func:`~skmislabel.model_selection.noise_curve`, ``from_results`` reads its
tidy ``frame``, or the CSV it was saved to) and call ``plot``, which only
draws, keeps every artist it draws as an attribute and sets ``ax_`` and
``figure_``.

Scores are summarised per noise rate by their mean and standard deviation
over the fits (NumPy's, ``ddof=0``, as scikit-learn's curve displays). NaN is
a missing fit and is left out; in results, a row whose ``error`` is not empty
is a failed fit and counts as missing, whatever number its scores hold.

This is the only part of skmislabel that imports matplotlib, and only when
a plot is drawn: without matplotlib, every method that draws raises
scikit-learn's "requires matplotlib" ImportError.
"""

from ._clean_vs_noisy import CleanVsNoisyDisplay
from ._memorization import MemorizationDisplay
from ._noise_curve import NoiseCurveDisplay
from ._transition_matrix import TransitionMatrixDisplay

__all__ = [
    "CleanVsNoisyDisplay",
    "MemorizationDisplay",
    "NoiseCurveDisplay",
    "TransitionMatrixDisplay",
]
