"""Pipelines whose samplers, such as LabelNoiseInjector, run at fit time only.

These are imbalanced-learn's :class:`imblearn.pipeline.Pipeline` and
:func:`imblearn.pipeline.make_pipeline`, re-exported under skmislabel's name
with documentation of what they mean for label noise. A plain
:class:`sklearn.pipeline.Pipeline` passes ``y`` unchanged to every step, so it
cannot train on corrupted labels.
"""

from imblearn.pipeline import Pipeline as _ImblearnPipeline
from imblearn.pipeline import make_pipeline as _imblearn_make_pipeline

__all__ = ["Pipeline", "make_pipeline"]


class Pipeline(_ImblearnPipeline):
    """A pipeline that corrupts training labels and scores on clean ones.

    imbalanced-learn's Pipeline, unchanged: steps with ``fit_resample`` (such
    as :class:`skmislabel.LabelNoiseInjector`) are applied by ``fit`` and
    skipped by ``predict``, ``predict_proba``, ``score`` and ``transform``.
    All parameters, attributes and methods are those of
    :class:`imblearn.pipeline.Pipeline`.

    .. warning::
        Label noise is injected at fit time only. Inside
        ``cross_val_score``, ``cross_validate``, ``GridSearchCV`` or
        ``RandomizedSearchCV`` each training fold gets its own noisy labels,
        while every test fold is scored against its clean labels. Calling
        ``pipe.fit(X, y)`` then ``pipe.score(X, y)`` scores on the clean ``y``
        you pass, not on the noisy labels the model was trained on.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        The steps; all but the last must have ``fit_resample`` or
        ``fit``/``transform``.
    transform_input : list of str, default=None
        See :class:`imblearn.pipeline.Pipeline`.
    memory : str or object with the joblib.Memory interface, default=None
        See :class:`imblearn.pipeline.Pipeline`.
    verbose : bool, default=False
        Print the time of each step.

    See Also
    --------
    make_pipeline : Build a Pipeline with automatic step names.
    skmislabel.LabelNoiseInjector : The step that corrupts the labels.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skmislabel import LabelNoiseInjector, Pipeline
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = Pipeline([
    ...     ("noise", LabelNoiseInjector(noise_rate=1.0, noise_type="pairflip",
    ...                                  random_state=0)),
    ...     ("knn", KNeighborsClassifier(n_neighbors=1)),
    ... ]).fit(X, y)
    >>> pipe.score(X, y)  # every training label was moved to the next class
    0.0
    """


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`Pipeline` whose steps are named after their classes.

    :func:`imblearn.pipeline.make_pipeline`, returning skmislabel's
    :class:`Pipeline`.

    .. warning::
        Label noise is injected at fit time only: cross-validation and grid
        search train on noisy labels and score on clean ones. See
        :class:`Pipeline`.

    Parameters
    ----------
    *steps : estimators
        The steps, the last one usually a classifier.
    memory : str or object with the joblib.Memory interface, default=None
        See :class:`imblearn.pipeline.Pipeline`.
    transform_input : list of str, default=None
        See :class:`imblearn.pipeline.Pipeline`.
    verbose : bool, default=False
        Print the time of each step.

    Returns
    -------
    pipeline : Pipeline

    See Also
    --------
    Pipeline : The pipeline class, with the fit-only semantics explained.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skmislabel import LabelNoiseInjector, make_pipeline
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = make_pipeline(LabelNoiseInjector(random_state=0), GaussianNB())
    >>> search = GridSearchCV(
    ...     pipe, {"labelnoiseinjector__noise_rate": [0.0, 0.4]}, cv=3
    ... ).fit(X, y)
    >>> search.best_params_  # clean training labels win on clean test folds
    {'labelnoiseinjector__noise_rate': 0.0}
    """
    pipeline = _imblearn_make_pipeline(
        *steps, memory=memory, transform_input=transform_input, verbose=verbose
    )
    return Pipeline(
        pipeline.steps,
        memory=memory,
        transform_input=transform_input,
        verbose=verbose,
    )
