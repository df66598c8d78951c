"""The noise estimate a remedy computes when told ``"estimate"``
(:class:`~skmislabel.CNNClassifier`'s ``loss__transition_matrix``,
:class:`~skmislabel.coteaching.CoTeachingClassifier`'s ``forget_rate``): its
parameters checked before any work, and the seed it is drawn with.

No TensorFlow here; the two estimators that import it do.
"""

import numbers

from ._noise_estimation import METHODS, estimate_noise
from ._random import draw_seed

__all__ = ["check_estimation_request", "estimate_for", "estimation_seed"]


def check_estimation_request(method, estimator, *, method_name, estimator_name):
    """Refuse a bad ``method`` or ``estimator`` of :func:`estimate_noise`, and
    a ``"confident_joint"`` without cleanlab, naming the remedy's parameters:
    before any model is trained, not after."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(
            f"{method_name} must be one of {', '.join(map(repr, METHODS))}; got {method!r}."
        )
    if estimator is not None and not all(
        callable(getattr(estimator, name, None)) for name in ("fit", "predict_proba")
    ):
        raise TypeError(
            f"{estimator_name} must be None or a classifier with fit and predict_proba; "
            f"got {estimator!r}."
        )
    if method == "confident_joint":
        try:
            import cleanlab.count  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                f"{method_name}='confident_joint' needs cleanlab, which the core install "
                "leaves out: pip install \"skmislabel[cleaning]\". 'hoc' and 'anchors' "
                "need no extra."
            ) from exc


def estimation_seed(random_state):
    """The ``random_state`` a remedy passes to :func:`estimate_noise`: an int
    as it is (so the estimate is ``estimate_noise(..., random_state=that
    int)``), one int drawn from a RandomState instance, None for None. No
    global random state is read or advanced."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return draw_seed(random_state)


def estimate_for(X, y, *, method, estimator, percentile, random_state):
    """``estimate_noise`` with a remedy's settings and seed."""
    return estimate_noise(
        X,
        y,
        estimator=estimator,
        method=method,
        percentile=percentile,
        random_state=estimation_seed(random_state),
    )
