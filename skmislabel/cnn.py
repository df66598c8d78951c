"""The lesson's convolutional network as a scikit-learn classifier.

This module is the SciKeras adapter: :class:`CNNClassifier` subclasses
SciKeras's ``BaseWrapper``, and everything that depends on SciKeras lives
here, so that replacing the wrapper touches one file. Its parts:

- :mod:`skmislabel._image_shape`: which image a row of X is (no TensorFlow);
- :mod:`skmislabel._network`: the lesson's Keras network;
- :mod:`skmislabel._keras_runtime`: TensorFlow threads, seeding around a fit,
  and the shared training networks (:func:`clear_network_cache`);
- :mod:`skmislabel._compat`: the private SciKeras, Keras and TensorFlow
  names used, each checked against the installed versions.

It needs the ``cnn`` extra (``pip install "skmislabel[cnn]"``): TensorFlow,
Keras and SciKeras. The rest of skmislabel never imports them.

SciKeras 0.13 predates scikit-learn 1.6's tag system. :class:`CNNClassifier`
fixes what that breaks, in this subclass rather than by pinning scikit-learn:

- ``ClassifierMixin`` comes before the SciKeras base in the MRO and
  ``__sklearn_tags__`` is defined, so ``is_classifier`` is True and
  cross-validation is stratified (``KerasClassifier`` puts the mixin last).
- Input validation is scikit-learn's ``validate_data``: its messages for
  sparse input, feature-count and feature-name mismatches.
- Seeding is done here, around each fit, and undone afterwards: SciKeras's
  own seeding sets ``TF_DETERMINISTIC_OPS``, which TensorFlow caches, so that
  every later unseeded Keras fit in the process fails.

Importing SciKeras patches ``keras.Model.__reduce__`` (and those of losses,
metrics and optimizers) so that they pickle; that side effect is SciKeras's.
"""

import math
import numbers

import joblib
import numpy as np
import pandas as pd

from ._compat import CNN_EXTRA_MESSAGE

try:
    import keras
    import tensorflow  # noqa: F401  (the Keras backend CNNClassifier is tested on)
    from scikeras.utils.transformers import ClassifierLabelEncoder
    from scikeras.wrappers import BaseWrapper
except ImportError as exc:
    raise ImportError(f"{CNN_EXTRA_MESSAGE} ({exc})") from exc

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import check_is_fitted

from ._compat import Interval, StrOptions, check_scikeras_hooks, fit_context, import_private
from ._image_shape import check_known_classes, validate_images
from ._keras_runtime import (
    canonical_order,
    clear_network_cache,
    seeded,
    set_tensorflow_threads,
    shared_network_for,
)
from ._network import build_lesson_network
from ._random import SEED_BOUND, draw_seed
from ._remedy_estimation import check_estimation_request, estimate_for
from ._targets import _is_pandas
from .losses import LOSSES, make_loss

__all__ = ["CNNClassifier", "clear_network_cache", "set_tensorflow_threads"]

# Fail at import, naming the hook, rather than in the middle of a fit.
check_scikeras_hooks(BaseWrapper)

# Predictions do not depend on the batch size; larger batches are faster.
_PREDICT_BATCH_SIZE = 1024
_LOSS = "sparse_categorical_crossentropy"
_CORRECTED_LOSSES = ("forward", "backward")
# Routed loss__ parameters that configure loss__transition_matrix="estimate".
_ESTIMATION_PARAMETERS = ("estimation_method", "noise_estimator", "percentile")


class CNNClassifier(ClassifierMixin, BaseWrapper):
    """The label-noise lesson's convolutional network, as a classifier.

    ``n_conv_blocks`` x [Conv2D(filters, kernel_size, relu) ->
    MaxPooling2D(pool_size)] -> Flatten -> Dense(dense_units, relu) ->
    [Dropout(dropout)] -> Dense(n_classes, softmax), trained with Adam on
    ``loss`` (the sparse categorical cross-entropy by default, or a
    noise-robust loss). The defaults are the lesson's model:
    one block of 32 3x3 filters, 2x2 pooling, 128 dense units, learning rate
    1e-3, 5 epochs of batch 32.

    A SciKeras estimator that behaves like any scikit-learn classifier: it is
    a classifier for ``is_classifier`` and stratified CV, validates its input
    like scikit-learn, clones, pickles and, with an int ``random_state``,
    gives identical results on every fit without leaving global state behind.
    SciKeras's routed parameters (``optimizer__beta_1``, ``fit__shuffle``,
    ``predict__batch_size``, ``callbacks``, ...) are accepted as keyword
    arguments.

    Parameters
    ----------
    filters : int, default=32
        Convolution filters per block. The other parameters are keyword-only.
    kernel_size : int or tuple of 2 ints, default=3
        Convolution window.
    pool_size : int or tuple of 2 ints, default=2
        Max-pooling window.
    n_conv_blocks : int, default=1
        Number of convolution + pooling blocks.
    dense_units : int, default=128
        Units of the hidden dense layer.
    dropout : float in [0, 1), default=0.0
        Dropout rate after the hidden dense layer (0: no dropout layer).
    loss : {"cross_entropy", "label_smoothing", "bootstrap_soft", \
            "bootstrap_hard", "gce", "sce", "nce_rce", "elr", "forward", \
            "backward"}, default="cross_entropy"
        The training loss: Keras's sparse categorical cross-entropy, or one
        of the noise-robust losses of :mod:`skmislabel.losses` (see
        :data:`skmislabel.losses.LOSSES` for the classes). Their
        hyperparameters are routed parameters, ``loss__q=0.5``,
        ``loss__smoothing=0.2``, ..., searchable with ``GridSearchCV``
        (``cnnclassifier__loss__q``); unset ones take the class defaults
        (see the table of the user guide's :ref:`remedies`).
        ``"elr"`` (early-learning regularization, ``loss__alpha``,
        ``loss__beta``) keeps a running target per training sample, so
        Keras receives each row's index beside its label: the targets start
        at 0 with each new network (``fit``, the first ``partial_fit``),
        are per sample of the part trained on (without the
        ``early_stopping`` held-out part), and continue row by row through
        ``partial_fit`` and warm starts, which must then see a training set
        of the same size (a ValueError otherwise; same size, other samples
        cannot be detected).
        ``"forward"`` and ``"backward"`` need
        ``loss__transition_matrix``: a known ``T[i, j] = P(noisy = j | true
        = i)`` with rows and columns in the order of ``classes_`` (for
        example an injector's ``transition_matrix_``), a DataFrame of it
        labelled by the classes (aligned to ``classes_`` by its index and
        columns, as :func:`~skmislabel.flip_labels` aligns one), or
        ``"estimate"``: before any network is trained,
        :func:`skmislabel.noise.estimate_noise` estimates ``T`` from
        (X, y) and the network is trained once, with the corrected loss
        (no network is trained on the noisy labels first, so none can have
        memorized them). Three more routed parameters configure it, and are
        refused with a given ``T``:

        - ``loss__estimation_method`` : {"hoc", "confident_joint",
          "anchors"}, default="hoc": ``estimate_noise``'s ``method``.
          ``"hoc"`` (Zhu, Song and Liu 2021) trains no model; the other two
          take out-of-fold probabilities; ``"confident_joint"`` needs
          cleanlab (the ``cleaning`` extra), checked before any work.
        - ``loss__noise_estimator`` : classifier with ``predict_proba``,
          default=None: ``estimate_noise``'s ``estimator``, the model of
          ``"confident_joint"`` and ``"anchors"`` (None: its default 5-NN;
          ``"hoc"`` ignores it). A ``CNNClassifier(early_stopping=True)``
          gives T-Revision-style anchors from early-stopped networks.
        - ``loss__percentile`` : float in (0, 100], default=97: where
          ``"anchors"`` takes the anchor of each class (Patrini et al.
          2017); the other methods ignore it.

        The estimate is seeded with ``random_state`` (an int as it is, so
        ``noise_estimate_`` equals ``estimate_noise(X, y, ...,
        random_state=random_state)`` on the same data; with
        ``early_stopping`` on the training part only), ignores
        ``sample_weight``, and is labelled by the classes of y. A warm start
        keeps the ``T`` of the network it continues; ``partial_fit``
        estimates from its first call's samples.
    learning_rate : float, default=1e-3
        Adam's learning rate (an ``optimizer__learning_rate`` routed
        parameter takes precedence).
    epochs : int, default=5
        Passes over the training data.
    batch_size : int, default=32
        Samples per gradient step.
    validation_split : float in [0, 1), default=0.0
        Fraction of the training data held out (the last samples, as Keras
        does) to compute ``val_loss``.
    early_stopping : bool, default=False
        As in :class:`~sklearn.neural_network.MLPClassifier`: hold out a
        stratified ``validation_fraction`` of the training data, stop when
        the accuracy on it has not improved for ``n_iter_no_change`` epochs,
        and restore the weights of the epoch where it was best. The accuracy
        is measured on the labels as given, noisy ones if y is noisy: a
        network fits the correctly labelled majority before it memorizes the
        flipped labels, so the best epoch on noisy held-out labels tends to
        be close to the best on clean ones (measured in the user guide's
        :ref:`cnn`). ``partial_fit`` ignores it.
    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held out for early stopping (at least
        one sample per class).
    n_iter_no_change : int, default=10
        Epochs without a better validation accuracy before early stopping.
    image_shape : tuple of 2 or 3 ints, default=None
        ``(height, width[, channels])`` that each row of X is reshaped to; one
        entry may be -1, as in :func:`numpy.reshape`. None infers a square
        one-channel image (784 features -> 28x28x1, 64 -> 8x8x1), or takes the
        shape of a 3-D ``(n, h, w)`` or 4-D ``(n, h, w, c)`` X.
    steps_per_execution : int, default=32
        Training steps per call into TensorFlow (Keras' ``compile`` option).
        Results are the same as with 1; larger values cut per-step overhead.
    tf_threads : int, default=None
        TensorFlow threads per pool for the process, applied before its first
        TensorFlow operation (see :func:`set_tensorflow_threads`). Set it to
        ``n_cores // n_jobs`` when running fits in parallel. None: TensorFlow's
        default, all cores.
    random_state : int, RandomState instance or None, default=None
        Seed of the initial weights, dropout and shuffling. An int gives
        identical ``predict_proba`` on every fit, in any process, on CPU.
        None: every fit differs.
    verbose : {"auto", 0, 1, 2}, default=0
        Keras' progress output: 0 silent, 1 progress bar, 2 one line per
        epoch, "auto" Keras's choice (1 in a plain process).
    optimizer : str or keras.optimizers.Optimizer class, default="adam"
        Keras optimizer, configured through ``optimizer__*`` parameters.
    metrics : list, default=None
        Keras metrics recorded in ``history_``. Must be None with
        ``loss="elr"`` (Keras would pass them its (label, sample index)
        pairs as labels).
    callbacks : list of keras.callbacks.Callback, default=None
        Extra Keras callbacks.
    warm_start : bool, default=False
        Keep training the existing model on the next ``fit``.
    **kwargs
        SciKeras routed parameters.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features (pixels x channels) per sample.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of X, when X is a DataFrame with string column names.
    image_shape_ : tuple of 3 ints
        ``(height, width, channels)`` the rows of X are reshaped to.
    model_ : keras.Model
        The trained network.
    history_ : dict
        Per-epoch ``loss`` (and ``val_loss``, metrics) from Keras.
    n_iter_ : int
        Epochs the network has been trained since it was built (``fit``
        without ``warm_start`` builds a new one).
    validation_scores_ : list of float or None
        With ``early_stopping``: the held-out accuracy after each epoch of
        the last fit. None otherwise.
    best_validation_score_ : float or None
        With ``early_stopping``: the best of ``validation_scores_``, that of
        the restored weights. None otherwise.
    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        With ``loss="forward"`` or ``"backward"``: the ``T`` the loss was
        corrected with, given or estimated, in the order of ``classes_``.
    elr_targets_ : ndarray of shape (n_training_samples, n_classes)
        With ``loss="elr"``: the running target of each sample trained on
        after the last epoch (see
        :class:`~skmislabel.losses.EarlyLearningRegularizedCrossEntropy`),
        rows in the order of the samples Keras received: the training part
        with ``early_stopping``, zero-weight samples left out (and, with
        Keras's own ``validation_split`` passed to ``fit``, its validation
        rows too, which are never trained on). Those of the last epoch even
        where ``early_stopping`` restored an earlier epoch's weights.
    noise_estimate_ : :class:`~sklearn.utils.Bunch` or None
        With ``loss__transition_matrix="estimate"``: what
        :func:`~skmislabel.noise.estimate_noise` returned (its
        ``transition_matrix``, ``flip_rate``, ``method``,
        ``diagnostics``, ...). None otherwise.

    See Also
    --------
    skmislabel.LabelNoiseInjector : Corrupt the training labels in a pipeline.
    skmislabel.noise.estimate_noise : The estimate of ``T`` behind
        ``loss__transition_matrix="estimate"``.

    Notes
    -----
    Reproducibility: seeding saves and restores Python's, NumPy's,
    TensorFlow's and Keras's global random state around the fit, so it is not
    safe to fit several seeded models from threads of one process; use
    processes (joblib's default loky backend).

    Loss correction: Patrini, Rozza, Menon, Nock and Qu, "Making deep neural
    networks robust to label noise: a loss correction approach", CVPR 2017.
    Its ``T`` is estimated there from anchor points of a network trained on
    the noisy labels; ``loss__transition_matrix="estimate"`` uses HOC by
    default instead (Zhu, Song and Liu, "Clusterability as an alternative to
    anchor points when learning with noisy labels", ICML 2021), which
    measured a smaller error (see the user guide's :ref:`noise_estimation`).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmislabel import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(filters=8, dense_units=32, epochs=3, learning_rate=3e-3,
    ...                     random_state=0)
    >>> clf.fit(X[:1000] / 16, y[:1000]).image_shape_
    (8, 8, 1)
    >>> bool(clf.score(X[1000:] / 16, y[1000:]) > 0.8)
    True

    Forward correction with a ``T`` estimated from the noisy labels:

    >>> from skmislabel import flip_labels
    >>> y_noisy, _ = flip_labels(y[:1000], noise_rate=0.3, random_state=0)
    >>> corrected = CNNClassifier(filters=8, dense_units=32, epochs=3, learning_rate=3e-3,
    ...                           loss="forward", loss__transition_matrix="estimate",
    ...                           random_state=0).fit(X[:1000] / 16, y_noisy)
    >>> corrected.noise_estimate_.method, corrected.transition_matrix_.shape
    ('hoc', (10, 10))
    """

    _parameter_constraints = {
        "filters": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left"), tuple],
        "pool_size": [Interval(numbers.Integral, 1, None, closed="left"), tuple],
        "n_conv_blocks": [Interval(numbers.Integral, 0, None, closed="left")],
        "dense_units": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "loss": [StrOptions({"cross_entropy", *LOSSES})],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_split": [Interval(numbers.Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "image_shape": [tuple, list, None],
        "steps_per_execution": [Interval(numbers.Integral, 1, None, closed="left")],
        "tf_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": [StrOptions({"auto"}), Interval(numbers.Integral, 0, 2, closed="both")],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        filters=32,
        *,
        kernel_size=3,
        pool_size=2,
        n_conv_blocks=1,
        dense_units=128,
        dropout=0.0,
        loss="cross_entropy",
        learning_rate=1e-3,
        epochs=5,
        batch_size=32,
        validation_split=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        image_shape=None,
        steps_per_execution=32,
        tf_threads=None,
        random_state=None,
        verbose=0,
        optimizer="adam",
        metrics=None,
        callbacks=None,
        warm_start=False,
        **kwargs,
    ):
        # BaseWrapper.__init__ also stores the routed **kwargs; only the
        # arguments above are set here, as scikit-learn requires.
        super().__init__(
            random_state=random_state,
            optimizer=optimizer,
            metrics=metrics,
            batch_size=batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            epochs=epochs,
            warm_start=warm_start,
            **kwargs,
        )
        self.filters = filters
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.n_conv_blocks = n_conv_blocks
        self.dense_units = dense_units
        self.dropout = dropout
        self.loss = loss
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.image_shape = image_shape
        self.steps_per_execution = steps_per_execution
        self.tf_threads = tf_threads
        # BaseWrapper stores these with defaults we do not expose; scikit-learn
        # allows only __init__ arguments as attributes.
        for name in (
            "model",
            "build_fn",
            "validation_batch_size",
            "shuffle",
            "run_eagerly",
        ):
            vars(self).pop(name, None)

    # ------------------------------------------------------------------
    # scikit-learn conformance
    # ------------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.input_tags.sparse = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    __repr__ = BaseEstimator.__repr__

    # SciKeras reads these attributes by name; they are fixed for this model.
    model = None
    build_fn = None
    validation_batch_size = None
    shuffle = True
    run_eagerly = False

    def _get_param_names(self):
        return sorted(
            name for name in vars(self) if not name.endswith("_") and not name.startswith("_")
        )

    @property
    def target_encoder(self):
        categories = "auto" if getattr(self, "classes_", None) is None else [self.classes_]
        return ClassifierLabelEncoder(loss=_LOSS, categories=categories)

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        from sklearn.metrics import accuracy_score

        return accuracy_score(y_true, y_pred, **kwargs)

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        return validate_images(self, X, y, reset=reset)

    # ------------------------------------------------------------------
    # The model
    # ------------------------------------------------------------------
    def _keras_build_fn(self, compile_kwargs):
        model = build_lesson_network(
            self.image_shape_,
            self.n_classes_,
            filters=self.filters,
            kernel_size=self.kernel_size,
            pool_size=self.pool_size,
            n_conv_blocks=self.n_conv_blocks,
            dense_units=self.dense_units,
            dropout=self.dropout,
        )
        optimizer = compile_kwargs["optimizer"]
        if not hasattr(self, "optimizer__learning_rate"):
            optimizer.learning_rate = self.learning_rate
        model.compile(
            optimizer=optimizer,
            loss=compile_kwargs["loss"],
            metrics=compile_kwargs.get("metrics"),
            steps_per_execution=self.steps_per_execution,
        )
        # Built now (no tracing) so that it can hold the optimizer state.
        model.optimizer.build(model.trainable_variables)
        return model

    def _get_compile_kwargs(self):
        # SciKeras's version reads the loss from get_params(); here the loss
        # is built from ``loss`` and its parameters (once per network, for
        # _keras_build_fn), the optimizer and metrics routed as SciKeras does.
        get_metric_class, get_optimizer_class, route_params, to_classes, unflatten_params = (
            import_private("scikeras._utils", name)
            for name in (
                "get_metric_class",
                "get_optimizer_class",
                "route_params",
                "try_to_convert_strings_to_classes",
                "unflatten_params",
            )
        )
        params = self.get_params()

        def instantiate(destination, items, to_class, strict):
            return unflatten_params(
                items=to_classes(items, to_class),
                params=route_params(
                    params, destination=destination, pass_filter=set(), strict=strict
                ),
            )

        metrics = instantiate("metrics", self.metrics, get_metric_class, strict=False)
        if metrics is not None and not isinstance(metrics, (dict, list)):
            metrics = [metrics]
        loss = self._training_loss()
        # The T the network is corrected with, in classes_ order.
        self._built_transition_matrix = getattr(loss, "transition_matrix", None)
        return {
            **route_params(params, destination="compile", pass_filter=set()),
            "optimizer": instantiate("optimizer", self.optimizer, get_optimizer_class, True),
            "loss": loss,
            "metrics": metrics,
        }

    def _prefixed_loss_parameters(self):
        # Not deep: a loss__noise_estimator's own parameters are not the loss's.
        return {
            name: value
            for name, value in self.get_params(deep=False).items()
            if name.startswith("loss__")
        }

    def _loss_parameters(self):
        return {
            name[len("loss__") :]: value for name, value in self._prefixed_loss_parameters().items()
        }

    def _training_loss(self):
        """The Keras loss that ``loss`` and its routed parameters name."""
        parameters = self._loss_parameters()
        if self.loss == "cross_entropy" and not parameters:
            # Keras's own loss by name, so that default fits are unchanged.
            return _LOSS
        if self.loss in _CORRECTED_LOSSES:
            for name in _ESTIMATION_PARAMETERS:
                parameters.pop(name, None)
            parameters["transition_matrix"] = self._correction_matrix
            # A DataFrame is aligned to classes_ by its labels, in the loss.
            parameters["classes"] = self.classes_
            shape = np.shape(self._correction_matrix)
            if not _is_pandas(self._correction_matrix, "DataFrame") and shape != (
                self.n_classes_,
                self.n_classes_,
            ):
                raise ValueError(
                    f"loss__transition_matrix must have shape (n_classes, n_classes) = "
                    f"({self.n_classes_}, {self.n_classes_}), rows and columns in the order "
                    f"of classes_ {self.classes_.tolist()} (or be a DataFrame labelled by "
                    f"them); got shape {shape}."
                )
        return self._make_loss(parameters)

    def _loss_needs_sample_indices(self):
        return getattr(LOSSES.get(self.loss), "needs_sample_indices", False)

    def _make_loss(self, parameters):
        """``make_loss(self.loss, **parameters)``, its errors naming the estimator."""
        try:
            return make_loss(self.loss, **parameters)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{type(self).__name__}(loss={self.loss!r}), invalid loss__ parameter: {exc}"
            ) from exc

    def _resolve_correction_matrix(self, X, y):
        """The ``T`` of a corrected loss: the one given, or the one
        :func:`~skmislabel.noise.estimate_noise` estimates from (X, y) before
        any network is trained (its Bunch kept for ``noise_estimate_``)."""
        parameters = self._loss_parameters()
        if "classes" in parameters:
            raise TypeError(
                f"{type(self).__name__} sets the loss's classes to its classes_; "
                "loss__classes cannot be given (a DataFrame loss__transition_matrix is "
                "aligned to classes_ by its labels)."
            )
        # get_params leaves out names ending in "_" (fitted attributes), so a
        # loss__lambda_ would be silently ignored: make_loss names it instead.
        hidden = {
            name[len("loss__") :]: value
            for name, value in vars(self).items()
            if name.startswith("loss__") and name.endswith("_")
        }
        if hidden:
            self._make_loss(hidden)
        if self._loss_needs_sample_indices() and self.metrics:
            # Keras hands the metrics the same y_true as the loss: the
            # (label, sample index) pairs, which they would read as labels.
            raise ValueError(
                f"{type(self).__name__}(loss={self.loss!r}) trains on (label, sample index) "
                "pairs, which Keras would also pass to metrics as if they were labels; "
                f"metrics must be None with this loss; got metrics={self.metrics!r}. Score "
                "the fitted estimator instead (score, or memorization_curve)."
            )
        self._noise_estimate = None
        if self.loss not in _CORRECTED_LOSSES:
            return None
        transition_matrix = parameters.get("transition_matrix")
        if transition_matrix is None:
            raise ValueError(
                f"loss={self.loss!r} needs loss__transition_matrix: an array of shape "
                "(n_classes, n_classes) with T[i, j] = P(noisy = j | true = i), or "
                "'estimate'."
            )
        is_estimate = isinstance(transition_matrix, str)
        if is_estimate and transition_matrix != "estimate":
            raise ValueError(
                "loss__transition_matrix must be an array of shape (n_classes, n_classes) "
                f"or 'estimate'; got {transition_matrix!r}."
            )
        estimation_parameters = [
            f"loss__{name}" for name in _ESTIMATION_PARAMETERS if name in parameters
        ]
        if estimation_parameters and not is_estimate:
            raise ValueError(
                f"{', '.join(estimation_parameters)} configure the estimate of T; they need "
                "loss__transition_matrix='estimate', not a given T."
            )
        if not is_estimate:
            return transition_matrix
        if self.warm_start and self.initialized_ and hasattr(self, "transition_matrix_"):
            self._noise_estimate = getattr(self, "noise_estimate_", None)
            return self.transition_matrix_
        # Every parameter is checked now, before the estimate and the network.
        method = parameters.pop("estimation_method", "hoc")
        noise_estimator = parameters.pop("noise_estimator", None)
        percentile = parameters.pop("percentile", 97.0)
        if (
            isinstance(percentile, bool)
            or not isinstance(percentile, numbers.Real)
            or not 0 < percentile <= 100
        ):
            raise ValueError(f"loss__percentile must be a number in (0, 100]; got {percentile!r}.")
        check_estimation_request(
            method,
            noise_estimator,
            method_name="loss__estimation_method",
            estimator_name="loss__noise_estimator",
        )
        parameters["transition_matrix"] = np.eye(2)
        self._make_loss(parameters)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        n_classes = len(np.unique(validate_images(self, None, y, reset=False)[1]))
        if n_classes < 2:
            raise ValueError(
                f"loss__transition_matrix='estimate' estimates how the labels of each class "
                f"flip to the others, which needs at least 2 classes in y; y has "
                f"{n_classes} class."
            )
        estimate = estimate_for(
            X,
            y,
            method=method,
            estimator=noise_estimator,
            percentile=percentile,
            random_state=self.random_state,
        )
        self._noise_estimate = estimate
        # Labelled by the classes of y, so that the loss aligns it to
        # classes_ like any DataFrame T.
        return pd.DataFrame(
            estimate.transition_matrix, index=estimate.classes, columns=estimate.classes
        )

    def _check_model_compatibility(self, y):
        # SciKeras compares self.loss with the compiled loss by Keras name;
        # the names of ``loss`` are skmislabel's, and _keras_build_fn
        # compiles the loss they name. The single softmax output is fixed.
        pass

    def _build_keras_model(self):
        # SciKeras would seed (and set TF_DETERMINISTIC_OPS) itself when
        # _random_state is set; fit seeds with seeded() instead.
        self._random_state = None
        self._network_is_new = True
        return super()._build_keras_model()

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        if getattr(self.model_.loss, "needs_sample_indices", False):
            y = self._with_sample_indices(y)
        elif hasattr(self, "elr_targets_"):
            del self.elr_targets_
        non_finite_loss = _NonFiniteLossGuard()
        monitors = [non_finite_loss]
        validation = getattr(self, "_validation_data", None)
        if validation is not None:
            images = validate_images(self, validation[0], reset=False)[0]
            best_epoch = _BestValidationAccuracy(
                images,
                np.searchsorted(self.classes_, validation[1]),
                patience=self.n_iter_no_change,
                batch_size=max(self.batch_size, _PREDICT_BATCH_SIZE),
            )
            monitors.insert(0, best_epoch)
        n_iter = 0 if self._network_is_new else getattr(self, "n_iter_", 0)
        self._fit_callbacks = [*self._fit_callbacks, *monitors]
        try:
            self._fit_shared_network(
                X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
            )
        finally:
            self._fit_callbacks = [c for c in self._fit_callbacks if c not in monitors]
        self.n_iter_ = n_iter + non_finite_loss.n_epochs
        if validation is not None:
            self.validation_scores_ = best_epoch.scores
            self.best_validation_score_ = best_epoch.best_score
        if non_finite_loss.epoch is not None:
            # The network's weights are now NaN or infinite: every prediction
            # would be the same class, a silent wrong answer.
            loss = self.model_.loss
            del self.model_
            became = (
                f"{type(self).__name__}: the training loss became {non_finite_loss.loss} "
                f"in epoch {non_finite_loss.epoch + 1}, so the network's weights are no "
                "longer finite."
            )
            if not _is_finite_on_probabilities(loss, self.n_classes_):
                loss_settings = {"loss": self.loss, **self._prefixed_loss_parameters()}
                settings = ", ".join(f"{name}={value!r}" for name, value in loss_settings.items())
                raise ValueError(
                    f"{became} The loss is the cause: {settings} is not finite even on "
                    "valid predicted probabilities. Choose loss parameters within float32's "
                    "range (about 3.4e38)."
                )
            raise ValueError(
                f"{became} The usual cause is badly scaled input: X ranges from "
                f"{float(np.min(X)):.3g} to {float(np.max(X)):.3g}; scale pixels to "
                "about [0, 1] (for example X / 255). A too large learning_rate is "
                "the other common cause."
            )

    def _with_sample_indices(self, y):
        """The encoded labels of the rows Keras trains on, each beside its
        row's index, for a loss with per-sample state (``loss="elr"``).

        The index is the row's position in what Keras receives: the
        training part with ``early_stopping``, without the zero-weight
        samples SciKeras drops. Keras shuffles it with the row. A network
        that continues (``partial_fit``, warm start) continues its targets
        row by row, so it must see a training set of the same size.
        """
        n_samples = len(y)
        previous = getattr(self, "elr_targets_", None)
        if not self._network_is_new and previous is not None and len(previous) != n_samples:
            raise ValueError(
                f"{type(self).__name__}(loss={self.loss!r}) keeps a running target per "
                f"training sample, and the network it continues was trained on "
                f"{len(previous)} samples; this partial_fit or warm-start fit has "
                f"{n_samples}. Continue on the same training set, or fit a new network "
                "(fit without warm_start)."
            )
        labels = np.reshape(np.asarray(y), (n_samples, -1))
        # float32 as the loss receives it; exact for indices below 2**24,
        # which the loss's reset_targets checks.
        return np.column_stack([labels, np.arange(n_samples)]).astype(np.float32)

    def _load_loss_state(self, loss, n_samples):
        """Reset the shared loss's per-sample targets for a new network, or
        load this estimator's to continue: a shared network may hold another
        estimator's."""
        previous = getattr(self, "elr_targets_", None)
        if self._network_is_new or previous is None:
            loss.reset_targets(n_samples, self.n_classes_)
        else:
            loss.set_targets(previous)

    def _fit_shared_network(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        own_model = self.model_
        shared = shared_network_for(own_model)
        with shared.lock:
            if self._network_is_new:
                shared.start_fresh(np.random.default_rng(self._network_seed))
            else:
                shared.load(own_model)
            stateful_loss = getattr(shared.model.loss, "needs_sample_indices", False)
            if stateful_loss:
                self._load_loss_state(shared.model.loss, len(y))
            self.model_ = shared.model
            try:
                super()._fit_keras_model(
                    X,
                    y,
                    sample_weight=sample_weight,
                    warm_start=warm_start,
                    epochs=epochs,
                    initial_epoch=initial_epoch,
                    **kwargs,
                )
            finally:
                self.model_ = own_model
            shared.store(own_model)
            if stateful_loss:
                self.elr_targets_ = shared.model.loss.targets
        self._network_is_new = False

    def _predict_raw(self, X, **kwargs):
        if not self.initialized_:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' first."
            )
        own_model = self.model_
        shared = shared_network_for(own_model)
        with shared.lock:
            shared.model.set_weights(own_model.get_weights())
            # SciKeras validates and encodes X, then calls model_.predict.
            self.model_ = _CanonicalOrderPredictor(shared.model)
            try:
                return super()._predict_raw(X, **kwargs)
            finally:
                self.model_ = own_model

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a new network and train it on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
            Images, flattened row by row (or as arrays). Scale pixels to about
            [0, 1]; the network does not rescale.
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        **kwargs
            Passed to ``keras.Model.fit`` (SciKeras semantics).

        Returns
        -------
        self : CNNClassifier
        """
        if self.tf_threads is not None:
            set_tensorflow_threads(self.tf_threads)
        if self.warm_start and self.initialized_:
            self._check_loss_unchanged()
            if (
                self.early_stopping
                and self._loss_needs_sample_indices()
                and not isinstance(self.random_state, numbers.Integral)
            ):
                # The held-out part is drawn again at each fit: the running
                # targets, kept row by row, would continue on other samples.
                raise ValueError(
                    f"{type(self).__name__}(loss={self.loss!r}, early_stopping=True, "
                    "warm_start=True) continues each training sample's running target, and "
                    "the held-out validation part is drawn from random_state at every fit; "
                    f"with random_state={self.random_state!r} it changes. Pass an int "
                    "random_state, or early_stopping=False."
                )
        self.validation_scores_ = self.best_validation_score_ = None
        self._validation_data = None
        if self.early_stopping:
            X, y, sample_weight, self._validation_data = self._hold_out_validation(
                X, y, sample_weight
            )
        self._correction_matrix = self._resolve_correction_matrix(X, y)
        if not (self.warm_start and self.initialized_):
            # A new network: the classes come from this y (the target
            # encoder reads classes_ as its categories).
            self.classes_ = None
        seed = draw_seed(self.random_state)
        # Initial weights come from this seed (or fresh entropy), the rest of
        # the randomness (shuffling, dropout order) from the seeded globals.
        self._network_seed = seed
        try:
            with seeded(seed):
                super().fit(X, y, sample_weight=sample_weight, **kwargs)
        finally:
            self._validation_data = None
        self._n_partial_fits = 0
        if not (self.warm_start and getattr(self, "_loss_signature", None)):
            self._loss_signature = self._current_loss_signature()
        self._set_transition_matrix()
        return self

    def _hold_out_validation(self, X, y, sample_weight):
        """The training part of (X, y, sample_weight) and the stratified,
        held-out ``(X, y)`` of early stopping."""
        from sklearn.model_selection import train_test_split

        labels = validate_images(self, None, y, reset=False)[1]
        classes, counts = np.unique(labels, return_counts=True)
        if counts.min() < 2:
            raise ValueError(
                f"early_stopping=True holds out a stratified validation_fraction="
                f"{self.validation_fraction} of y, which needs at least 2 samples of every "
                f"class; class {classes[np.argmin(counts)].item()!r} has 1."
            )
        arrays = [X, labels] if sample_weight is None else [X, labels, sample_weight]
        try:
            parts = train_test_split(
                *arrays,
                test_size=self.validation_fraction,
                stratify=labels,
                random_state=draw_seed(self.random_state),
            )
        except ValueError as exc:
            raise ValueError(
                f"early_stopping=True cannot hold out validation_fraction="
                f"{self.validation_fraction} of the {len(labels)} samples, stratified by "
                f"class: {exc}"
            ) from exc
        X_train, X_held_out, y_train, y_held_out = parts[:4]
        weights_train = parts[4] if sample_weight is not None else None
        return X_train, y_train, weights_train, (X_held_out, y_held_out)

    def _current_loss_signature(self):
        return joblib.hash((self.loss, self._loss_parameters()))

    def _check_loss_unchanged(self):
        # The compiled network keeps the loss it was built with; training it
        # further under another name would report a loss it never used.
        if getattr(self, "_loss_signature", None) not in (None, self._current_loss_signature()):
            raise ValueError(
                f"{type(self).__name__}: loss or its loss__ parameters changed since the "
                "network was built; warm_start and partial_fit continue the existing network "
                "with its loss. Fit a new one (warm_start=False, or clone the estimator)."
            )

    def _set_transition_matrix(self):
        # Read from the loss the network was built with (a warm start keeps it).
        built = getattr(self, "_built_transition_matrix", None)
        if self.loss in _CORRECTED_LOSSES and built is not None:
            self.transition_matrix_ = np.array(built, dtype=np.float64)
        elif hasattr(self, "transition_matrix_"):
            del self.transition_matrix_
        self.noise_estimate_ = getattr(self, "_noise_estimate", None)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train the network for one epoch, building it on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
            Images.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes, needed on the first call if y lacks some.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        **kwargs
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : CNNClassifier
        """
        # Before any TensorFlow operation: a worker that trains epoch by
        # epoch (memorization_curve) must get its threads as fit does.
        if self.tf_threads is not None:
            set_tensorflow_threads(self.tf_threads)
        if not self.initialized_:
            self._validate_params()
            self._correction_matrix = self._resolve_correction_matrix(X, y)
            self.classes_ = None if classes is None else np.unique(classes)
            self._network_seed = draw_seed(self.random_state)
            self._n_partial_fits = 0
            self.validation_scores_ = self.best_validation_score_ = None
            self._loss_signature = self._current_loss_signature()
        else:
            self._check_loss_unchanged()
            check_known_classes(self, y)
        # Each epoch's shuffling is seeded from the network's seed
        # and its number, so that epoch-by-epoch training is reproducible.
        seed = None
        n_partial_fits = getattr(self, "_n_partial_fits", 0)
        if self._network_seed is not None:
            seed = (self._network_seed + n_partial_fits) % SEED_BOUND
        with seeded(seed):
            super().partial_fit(X, y, sample_weight=sample_weight, **kwargs)
        self._n_partial_fits = n_partial_fits + 1
        self._set_transition_matrix()
        return self

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
            Images.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        # The softmax columns are already in classes_ order (the target
        # encoder sorts the classes); SciKeras's inverse transform would
        # squeeze single-class and single-sample outputs to 1-D.
        return np.asarray(self._predict_raw(X, **self._predict_batch()))

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy on (X, y); see :meth:`sklearn.base.ClassifierMixin.score`."""
        return ClassifierMixin.score(self, X, y, sample_weight=sample_weight)

    def _predict_batch(self):
        if hasattr(self, "predict__batch_size"):
            return {}
        return {"batch_size": max(self.batch_size, _PREDICT_BATCH_SIZE)}


class _CanonicalOrderPredictor:
    """A network's ``predict`` on the rows in an order set by their values
    alone, so that reordering X only reorders the probabilities (see
    :func:`~skmislabel._keras_runtime.canonical_order`)."""

    def __init__(self, model):
        self.model = model

    def predict(self, x, **kwargs):
        order = canonical_order(x)
        proba = self.model.predict(x[order], **kwargs)
        unordered = np.empty_like(proba)
        unordered[order] = proba
        return unordered


def _is_finite_on_probabilities(loss, n_classes):
    """Whether ``loss`` is finite on valid softmax outputs: uniform, confident
    and right, confident and wrong. Keras's own loss by name always is."""
    if isinstance(loss, str):
        return True
    labels = np.tile(np.arange(n_classes), 3)
    if getattr(loss, "needs_sample_indices", False):
        # A fresh copy with its own targets: the check must not touch the
        # trained loss's.
        loss = type(loss).from_config(loss.get_config())
        loss.reset_targets(len(labels), n_classes)
        labels = np.column_stack([labels, np.arange(len(labels))])
    confident = np.full((n_classes, n_classes), 0.01 / max(n_classes - 1, 1))
    np.fill_diagonal(confident, 0.99)
    probabilities = np.concatenate(
        [
            np.full((n_classes, n_classes), 1 / n_classes),
            confident,
            np.roll(confident, 1, axis=1),
        ]
    ).astype(np.float32)
    return bool(np.isfinite(float(loss(labels, probabilities))))


class _NonFiniteLossGuard(keras.callbacks.Callback):
    """Stop training at the end of the first epoch whose loss is NaN or
    infinite, and remember it (checked per epoch: a per-batch check would
    synchronise every step)."""

    def __init__(self):
        super().__init__()
        self.epoch = None
        self.loss = None
        self.n_epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.n_epochs += 1
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.epoch, self.loss = epoch, float(loss)
            self.model.stop_training = True


class _BestValidationAccuracy(keras.callbacks.Callback):
    """Early stopping on the accuracy of held-out samples, as MLPClassifier
    does: stop after ``patience`` epochs without a better accuracy, then
    restore the weights of the best epoch (the first of equals)."""

    def __init__(self, images, codes, *, patience, batch_size):
        super().__init__()
        self.images = images
        self.codes = codes
        self.patience = patience
        self.batch_size = batch_size
        self.scores = []
        self.best_score = -np.inf
        self.best_weights = None
        self.epochs_without_improvement = 0

    def on_epoch_end(self, epoch, logs=None):
        proba = self.model.predict(self.images, batch_size=self.batch_size, verbose=0)
        score = float(np.mean(np.argmax(proba, axis=1) == self.codes))
        self.scores.append(score)
        if score > self.best_score:
            self.best_score = score
            self.best_weights = self.model.get_weights()
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
            if self.epochs_without_improvement >= self.patience:
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
