"""Co-teaching: two copies of the lesson's network that pick each other's samples.

Also its successors Co-teaching+ and JoCoR, and the one-network baseline of
the same small-loss selection (``CoTeachingClassifier(variant=...)``).

:class:`CoTeachingClassifier` needs the ``cnn`` extra, like
:class:`~skmislabel.CNNClassifier`, whose network builder and input
validation it shares. It is a plain scikit-learn estimator with its own
training loop (SciKeras's ``fit`` trains one model on one loss); the
networks' weights are kept as NumPy arrays, so that it clones and pickles
like any estimator.
"""

import math
import numbers
import threading

import numpy as np

from ._compat import CNN_EXTRA_MESSAGE

try:
    import keras
    import tensorflow as tf
except ImportError as exc:
    raise ImportError(f"{CNN_EXTRA_MESSAGE} ({exc})") from exc

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import check_is_fitted

from ._compat import HasMethods, Interval, StrOptions, fit_context
from ._image_shape import check_known_classes, validate_images
from ._keras_runtime import (
    NETWORK_PAIRS,
    canonical_order,
    initialize_weights,
    set_tensorflow_threads,
)
from ._network import build_lesson_network
from ._noise_estimation import METHODS
from ._random import draw_seed
from ._remedy_estimation import check_estimation_request, estimate_for

__all__ = ["CoTeachingClassifier"]

_PREDICT_BATCH_SIZE = 1024
# An estimated forget rate is clipped into [0, this]: forget_rate must stay
# below 1, and a network kept on 1% of each batch has nothing left to learn.
MAX_ESTIMATED_FORGET_RATE = 0.9
VARIANTS = ("coteaching", "plus", "jocor", "single")
# Co-teaching+'s reference code (xingruiyu/coteaching_plus, loss.py) trains
# on a batch without disagreement while its ``step = epoch * i`` (the epoch
# counted from 1, i the batch's index in it) is below this.
PLUS_AGREEMENT_STEPS = 5000


class CoTeachingClassifier(ClassifierMixin, BaseEstimator):
    """Co-teaching (Han et al. 2018) with the label-noise lesson's network.

    Two networks of the same architecture, initialised differently, see the
    same mini-batches. Each ranks the batch by its own cross-entropy and
    passes the ``R(t)`` share with the smallest losses, the samples it
    believes clean, to its peer, which takes its gradient step on them only.
    Networks fit clean labels before they memorize flipped ones, so early in
    training small-loss samples are mostly correctly labelled; and because
    the two networks err differently, each filters the other's mistakes
    instead of confirming its own. The share kept falls linearly from 1 to
    ``1 - forget_rate`` over the first ``n_gradual_epochs`` epochs:
    ``R(t) = 1 - forget_rate * min(t / n_gradual_epochs, 1)`` in epoch
    ``t = 0, 1, ...``. Predictions average the two networks' probabilities.

    ``variant`` swaps the exchange for one of its successors, on the same
    networks and schedule:

    - ``"plus"``, Co-teaching+ (Yu et al. 2019): from epoch ``init_epoch``
      on, each network ranks only the samples of the batch on which the two
      networks' predicted classes disagree, and keeps the ``R(t)`` share of
      them with its smallest losses for its peer; a batch without
      disagreement is handled as the reference code does (see Notes).
      Predictions are the first network's.
    - ``"jocor"``, JoCoR (Wei et al. 2020): no exchange. Each sample's joint
      loss is ``(1 - co_lambda) * (CE_1 + CE_2) + co_lambda * (KL(p_2 || p_1)
      + KL(p_1 || p_2))``; the ``R(t)`` share with the
      smallest joint losses is selected, and both networks descend the mean
      joint loss of those same samples. Predictions are the first network's.
    - ``"single"``: one network that keeps its own small-loss samples, the
      selection and schedule of Co-teaching without the peer: the baseline
      that measures what the second network adds.

    The architecture parameters are :class:`~skmislabel.CNNClassifier`'s,
    with the same defaults (the lesson's network); each network is trained
    with Adam.

    Parameters
    ----------
    forget_rate : float in [0, 1) or "estimate", default=0.2
        Share of each batch dropped once the schedule is complete. Han et al.
        set it to the noise rate, which is known when the noise is injected
        (pass ``LabelNoiseInjector.noise_rate``). ``"estimate"``: the
        overall flip rate that :func:`skmislabel.noise.estimate_noise`
        estimates from the training data before the networks are built
        (``flip_rate``), clipped into ``[0, 0.9]``: a rate of 1 would keep
        no sample, and one above 0.9 means that the estimate, not the
        labels, is off (it assumes most samples of a class keep their
        label). 0 trains two independent networks on every sample.
    n_gradual_epochs : int, default=10
        Epochs over which the dropped share grows to ``forget_rate`` (the
        paper's ``T_k``).
    variant : {"coteaching", "plus", "jocor", "single"}, default="coteaching"
        The training rule (see above). A fitted estimator predicts and
        continues (``partial_fit``) with the variant it was fitted with.
    co_lambda : float in [0, 1], default=0.95
        JoCoR's weight ``lambda`` of the co-regularization (the symmetric
        Kullback-Leibler divergence between the two networks' predictions)
        in the joint loss; only with ``variant="jocor"``. 0.95 is the
        setting of the reference code's MNIST command.
    init_epoch : int >= 0, default=0
        Epochs of plain co-teaching before Co-teaching+ selects among the
        samples of disagreement; only with ``variant="plus"``. 0 is the
        reference code's setting for MNIST.
    estimation_method : {"hoc", "confident_joint", "anchors"}, default="hoc"
        ``estimate_noise``'s ``method`` for ``forget_rate="estimate"``
        (unused with a float). ``"hoc"`` (Zhu, Song and Liu 2021) trains no
        model; ``"confident_joint"`` needs cleanlab (the ``cleaning``
        extra), checked before any work.
    noise_estimator : classifier with predict_proba, default=None
        ``estimate_noise``'s ``estimator``, the model of
        ``"confident_joint"`` and ``"anchors"`` for
        ``forget_rate="estimate"`` (None: its default; ``"hoc"`` ignores
        it).
    filters : int, default=32
        Convolution filters per block.
    kernel_size : int or tuple of 2 ints, default=3
        Convolution window.
    pool_size : int or tuple of 2 ints, default=2
        Max-pooling window.
    n_conv_blocks : int, default=1
        Number of convolution + pooling blocks.
    dense_units : int, default=128
        Units of the hidden dense layer.
    dropout : float in [0, 1), default=0.0
        Dropout rate after the hidden dense layer.
    learning_rate : float, default=1e-3
        Adam's learning rate, for each network.
    epochs : int, default=5
        Passes over the training data in ``fit``.
    batch_size : int, default=32
        Samples per mini-batch, of which each network keeps ``R(t)``.
    image_shape : tuple of 2 or 3 ints, default=None
        As in :class:`~skmislabel.CNNClassifier`.
    tf_threads : int, default=None
        TensorFlow threads per pool for the process; see
        :func:`skmislabel.cnn.set_tensorflow_threads`.
    random_state : int, RandomState instance or None, default=None
        Seed of both networks' initial weights, their dropout and the
        shuffling. An int gives identical predictions on every fit, on CPU.
        No global random state is used or changed. With
        ``forget_rate="estimate"`` an int is also ``estimate_noise``'s
        ``random_state`` (a RandomState instance gives it one drawn int).

    Attributes
    ----------
    forget_rate_ : float
        The forget rate of the schedule: ``forget_rate``, or the clipped
        estimate.
    noise_estimate_ : :class:`~sklearn.utils.Bunch` or None
        With ``forget_rate="estimate"``: what
        :func:`~skmislabel.noise.estimate_noise` returned (its
        ``flip_rate`` before clipping, ``transition_matrix``,
        ``diagnostics``, ...). None otherwise.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features per sample.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of X, when X is a DataFrame with string column names.
    image_shape_ : tuple of 3 ints
        ``(height, width, channels)`` the rows of X are reshaped to.
    n_epochs_ : int
        Epochs trained so far (``fit`` restarts the count, ``partial_fit``
        adds one); the schedule's ``t``.
    keep_rate_ : list of float
        ``R(t)`` of each epoch trained.
    history_ : dict
        Per epoch, ``loss`` and ``peer_loss``: the mean cross-entropy of the
        first and second network on the samples their peer kept. With
        ``variant="plus"`` also ``disagreement``, the share of the training
        samples on which the networks' predicted classes differed (during
        the batch's step); with ``"jocor"`` only ``loss``, the mean joint
        loss of the selected samples; with ``"single"`` only ``loss``, the
        network's mean cross-entropy on the samples it kept.

    See Also
    --------
    skmislabel.CNNClassifier : One network, with a choice of robust losses.

    Notes
    -----
    Han, Yao, Yu, Niu, Xu, Hu, Tsang and Sugiyama, "Co-teaching: Robust
    training of deep neural networks with extremely noisy labels", NeurIPS
    2018. The paper trains 200 epochs with a learning-rate decay after 80;
    here the learning rate is constant. It keeps ``int(R(t) * batch)``
    samples per batch; so does this class, at least 1. The paper is handed
    the true noise rate; ``forget_rate="estimate"`` is not in it, and
    replaces that oracle with an estimate from the noisy training data (by
    default HOC: Zhu, Song and Liu, "Clusterability as an alternative to
    anchor points when learning with noisy labels", ICML 2021), whose
    error carries into the share dropped. ``partial_fit`` estimates on its
    first call, from that call's samples, and keeps the rate afterwards.
    Every variant takes the same ``forget_rate``, estimated or given, and
    the same schedule ``R(t)``.

    Yu, Han, Yao, Niu, Tsang and Sugiyama, "How does disagreement help
    generalization against label corruption?", ICML 2019 (Co-teaching+).
    Its reference code (``xingruiyu/coteaching_plus``) trains MNIST with
    ``init_epoch=0``, Adam at a learning rate of 0.001 decayed linearly to 0
    from epoch 80 of 200, batches of 128, forget rate = noise rate over 10
    gradual epochs and a one-hidden-layer MLP (256 units). Here: the
    lesson's CNN, a constant learning rate, this class's ``batch_size``,
    and ``init_epoch=k`` gives ``k`` epochs of plain co-teaching (the
    reference counts its training epochs from 1 and gives ``k - 1``; the
    same for the MNIST setting 0).
    As the reference, disagreement is between the predicted classes in the
    training pass, and a network keeps ``int(R(t) * k)`` of the ``k``
    samples of disagreement, all ``k`` when that is 0. A batch without
    disagreement trains both networks on its mean loss while the
    reference's ``step = epoch * i`` (epoch counted from 1, ``i`` the
    batch's index in the epoch) is below 5,000, and afterwards gives a step
    of zero gradient, as the reference's does. Two details of the reference
    are not copied (both are asked about in its issue 1): it takes the
    cross-entropy of the softmax outputs rather than of the logits (softmax
    applied twice), and divides the mean loss of the kept samples by their
    number once more; here the loss is the mean cross-entropy of the kept
    samples, as in this class's Co-teaching.

    Wei, Feng, Chen and An, "Combating noisy labels by agreement: a joint
    training method with co-regularization", CVPR 2020 (JoCoR). Its
    reference code (``hongxin001/JoCoR``) trains MNIST with an MLP, Adam at
    0.001 (one optimizer over both networks, which for Adam equals one per
    network) decayed from epoch 80 of 200, batches of 128, about 400
    batches per epoch (its ``num_iter_per_epoch``), forget rate = noise
    rate over 10 gradual epochs with exponent 1 (linear, as ``R(t)`` here,
    but the references' ``linspace(0, forget_rate, 10)`` indexed by the
    1-based epoch reaches the full rate in training epoch 9, this class's
    ``R(t)`` in epoch ``t = 10``, the 11th),
    and ``co_lambda=0.95`` in its MNIST command (its parser's default is
    0.1; its README reports 0.5-0.9 as best on CIFAR). Gradients flow
    through both sides of the divergence, as in the reference. Here: the
    lesson's CNN, a constant learning rate, every batch of the epoch, this
    class's ``batch_size``. At 0.95 the cross-entropy weighs 0.05, and the
    reference takes about 80,000 steps where 20 epochs of the lesson's
    15,000 images in batches of 128 take 2,360: the user guide's remedies
    page reports what that does.

    Which network predicts: both references evaluate each network on its
    own (Co-teaching+ records both accuracies; JoCoR reports the mean of the
    two networks' accuracies, which its co-regularization keeps close). The
    Co-teaching+ and JoCoR variants predict with the first network; the
    default Co-teaching variant keeps this class's average of the two.
    ``"single"`` is in neither paper: issue 6 of Co-teaching's repository
    (``bhanML/Co-teaching``) reports about 85% on MNIST with pairflip 45%
    for it.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmislabel.coteaching import CoTeachingClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CoTeachingClassifier(forget_rate=0.2, n_gradual_epochs=2, filters=8,
    ...                            dense_units=32, epochs=3, learning_rate=3e-3,
    ...                            random_state=0)
    >>> clf.fit(X[:1000] / 16, y[:1000]).keep_rate_
    [1.0, 0.9, 0.8]
    >>> bool(clf.score(X[1000:] / 16, y[1000:]) > 0.7)
    True

    The forget rate estimated from noisy labels:

    >>> from skmislabel import flip_labels
    >>> y_noisy, _ = flip_labels(y[:1000], noise_rate=0.3, random_state=0)
    >>> clf = clf.set_params(forget_rate="estimate", epochs=1).fit(X[:1000] / 16, y_noisy)
    >>> bool(abs(clf.forget_rate_ - 0.3) < 0.05), clf.noise_estimate_.method
    (True, 'hoc')

    Co-teaching+, whose history records the share of disagreement:

    >>> plus = clf.set_params(forget_rate=0.3, variant="plus").fit(X[:1000] / 16, y_noisy)
    >>> sorted(plus.history_)
    ['disagreement', 'loss', 'peer_loss']
    """

    _parameter_constraints = {
        "forget_rate": [Interval(numbers.Real, 0, 1, closed="left"), StrOptions({"estimate"})],
        "n_gradual_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "variant": [StrOptions(set(VARIANTS))],
        "co_lambda": [Interval(numbers.Real, 0, 1, closed="both")],
        "init_epoch": [Interval(numbers.Integral, 0, None, closed="left")],
        "estimation_method": [StrOptions(set(METHODS))],
        "noise_estimator": [HasMethods(["fit", "predict_proba"]), None],
        "filters": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left"), tuple],
        "pool_size": [Interval(numbers.Integral, 1, None, closed="left"), tuple],
        "n_conv_blocks": [Interval(numbers.Integral, 0, None, closed="left")],
        "dense_units": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "image_shape": [tuple, list, None],
        "tf_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        forget_rate=0.2,
        n_gradual_epochs=10,
        *,
        variant="coteaching",
        co_lambda=0.95,
        init_epoch=0,
        estimation_method="hoc",
        noise_estimator=None,
        filters=32,
        kernel_size=3,
        pool_size=2,
        n_conv_blocks=1,
        dense_units=128,
        dropout=0.0,
        learning_rate=1e-3,
        epochs=5,
        batch_size=32,
        image_shape=None,
        tf_threads=None,
        random_state=None,
    ):
        self.forget_rate = forget_rate
        self.n_gradual_epochs = n_gradual_epochs
        self.variant = variant
        self.co_lambda = co_lambda
        self.init_epoch = init_epoch
        self.estimation_method = estimation_method
        self.noise_estimator = noise_estimator
        self.filters = filters
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.n_conv_blocks = n_conv_blocks
        self.dense_units = dense_units
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.image_shape = image_shape
        self.tf_threads = tf_threads
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags = ClassifierTags()
        tags.input_tags.sparse = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build new networks and train them for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
            Images, pixels scaled to about [0, 1].
        y : array-like of shape (n_samples,)
            Class labels, possibly noisy.

        Returns
        -------
        self : CoTeachingClassifier
        """
        images, codes = self._start(X, y, classes=None)
        for _ in range(self.epochs):
            self._train_epoch(images, codes)
        return self

    def partial_fit(self, X, y, classes=None):
        """Train for one epoch, building the networks on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
            Images.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes, needed on the first call if y lacks some.

        Returns
        -------
        self : CoTeachingClassifier
        """
        if not hasattr(self, "_weights"):
            self._validate_params()
            images, codes = self._start(X, y, classes=classes)
        else:
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.asarray(classes).tolist()} differs from the classes of the "
                    f"first partial_fit call, {self.classes_.tolist()}."
                )
            images, codes = self._continue(X, y)
        self._train_epoch(images, codes)
        return self

    def predict_proba(self, X):
        """Class probabilities: the mean of the two networks' for Co-teaching,
        the first network's for Co-teaching+ and JoCoR, the one network's
        for ``"single"`` (the variant fitted).

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
        images, _ = validate_images(self, X, reset=False)
        # In an order set by the images alone, so that reordering X only
        # reorders the probabilities (see canonical_order).
        order = canonical_order(images)
        pair = self._network_pair()
        with pair.lock:
            pair.load(self._weights)
            batches = [
                pair.predict(images[order[start : start + _PREDICT_BATCH_SIZE]]).numpy()
                for start in range(0, len(images), _PREDICT_BATCH_SIZE)
            ]
        proba = np.empty((len(images), len(self.classes_)), dtype=np.float64)
        if batches:
            proba[order] = np.concatenate(batches)
        return proba

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

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_weights")

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def _start(self, X, y, classes):
        if self.tf_threads is not None:
            set_tensorflow_threads(self.tf_threads)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        images, y = validate_images(self, X, y, reset=True)
        if classes is not None and not np.isin(y, classes).all():
            raise ValueError(
                f"y has labels that are not in classes: {np.setdiff1d(y, classes).tolist()}."
            )
        self.classes_ = np.unique(y if classes is None else classes)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes; y (n_samples = "
                f"{len(y)}) has only {self.classes_.tolist()}."
            )
        self.forget_rate_, self.noise_estimate_ = self._resolve_forget_rate(X, y)
        # All of the fit's randomness (initial weights, dropout seeds,
        # shuffling) comes from this generator; no global state is used.
        self._rng = np.random.default_rng(draw_seed(self.random_state))
        # The networks' settings as fitted: set_params after fit changes the
        # next fit, not the networks that predict.
        self._architecture = {
            "image_shape": self.image_shape_,
            "n_classes": len(self.classes_),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "pool_size": self.pool_size,
            "n_conv_blocks": self.n_conv_blocks,
            "dense_units": self.dense_units,
            "dropout": self.dropout,
        }
        self._learning_rate = self.learning_rate
        self._variant = self.variant
        self._co_lambda = float(self.co_lambda)
        self._init_epoch = self.init_epoch
        pair = self._network_pair()
        with pair.lock:
            pair.start_fresh(self._rng)
            self._weights = pair.save()
        self.n_epochs_ = 0
        self.keep_rate_ = []
        self.history_ = {name: [] for name in _HISTORY_KEYS[self._variant]}
        return images, np.searchsorted(self.classes_, y).astype(np.int32)

    def _resolve_forget_rate(self, X, y):
        """The forget rate of the schedule and the Bunch it was estimated
        from (None for a given rate)."""
        if not isinstance(self.forget_rate, str):
            return float(self.forget_rate), None
        check_estimation_request(
            self.estimation_method,
            self.noise_estimator,
            method_name="estimation_method",
            estimator_name="noise_estimator",
        )
        # X as passed (a noise_estimator sees it as the user gave it); y validated.
        estimate = estimate_for(
            X,
            y,
            method=self.estimation_method,
            estimator=self.noise_estimator,
            percentile=97.0,
            random_state=self.random_state,
        )
        return float(np.clip(estimate.flip_rate, 0.0, MAX_ESTIMATED_FORGET_RATE)), estimate

    def _continue(self, X, y):
        images, y = validate_images(self, X, y, reset=False)
        check_known_classes(self, y)
        return images, np.searchsorted(self.classes_, y).astype(np.int32)

    def _keep_rate(self, epoch):
        return 1.0 - self.forget_rate_ * min(epoch / self.n_gradual_epochs, 1.0)

    def _train_epoch(self, images, codes):
        keep_rate = self._keep_rate(self.n_epochs_)
        order = self._rng.permutation(len(codes))
        pair = self._network_pair()
        # Per batch: the losses of the history (tensors: reading each one
        # would wait for its step), the samples they average over, and for
        # Co-teaching+ the samples of disagreement.
        losses, sizes, n_disagreeing = [], [], []
        with pair.lock:
            pair.load(self._weights)
            for index, start in enumerate(range(0, len(order), self.batch_size)):
                batch = order[start : start + self.batch_size]
                n_keep = tf.constant(max(1, int(keep_rate * len(batch))), dtype=tf.int32)
                if self._variant == "coteaching":
                    loss, peer_loss, _, _ = pair.train_step(images[batch], codes[batch], n_keep)
                    losses.append((loss, peer_loss))
                    sizes.append(n_keep)
                elif self._variant == "plus":
                    loss, peer_loss, kept, _, disagreeing = pair.train_step(
                        images[batch],
                        codes[batch],
                        tf.constant(keep_rate, dtype=tf.float64),
                        tf.constant(self.n_epochs_ >= self._init_epoch),
                        tf.constant(
                            float(_plus_trains_on_agreement(self.n_epochs_, index)),
                            dtype=tf.float32,
                        ),
                    )
                    losses.append((loss, peer_loss))
                    sizes.append(tf.size(kept))
                    n_disagreeing.append(disagreeing)
                elif self._variant == "jocor":
                    loss, _, _ = pair.train_step(
                        images[batch],
                        codes[batch],
                        n_keep,
                        tf.constant(self._co_lambda, dtype=tf.float32),
                    )
                    losses.append((loss,))
                    sizes.append(n_keep)
                else:
                    loss, _ = pair.train_step(images[batch], codes[batch], n_keep)
                    losses.append((loss,))
                    sizes.append(n_keep)
            self._weights = pair.save()
        sizes = [int(size) for size in sizes]
        means = [
            float(np.average([float(value) for value in column], weights=sizes))
            for column in zip(*losses)
        ]
        if not all(math.isfinite(mean) for mean in means):
            del self._weights
            raise ValueError(
                f"{type(self).__name__}: the training loss became {means[0]} in epoch "
                f"{self.n_epochs_ + 1}, so the networks' weights are no longer finite. "
                f"X ranges from {float(np.min(images)):.3g} to {float(np.max(images)):.3g}; "
                "scale pixels to about [0, 1]. A too large learning_rate is the other "
                "common cause."
            )
        self.keep_rate_.append(keep_rate)
        for name, mean in zip(("loss", "peer_loss"), means):
            self.history_[name].append(mean)
        if self._variant == "plus":
            self.history_["disagreement"].append(
                sum(int(value) for value in n_disagreeing) / len(codes)
            )
        self.n_epochs_ += 1

    def _network_pair(self):
        # The variant is part of the key: its networks (one or two), training
        # step and prediction are the pair's own.
        key = (*self._architecture.values(), self._learning_rate, self._variant)
        return NETWORK_PAIRS.get_or_create(
            key, lambda: _NetworkPair(self._architecture, self._learning_rate, self._variant)
        )


# The per-epoch entries of history_ by variant.
_HISTORY_KEYS = {
    "coteaching": ("loss", "peer_loss"),
    "plus": ("loss", "peer_loss", "disagreement"),
    "jocor": ("loss",),
    "single": ("loss",),
}


def _plus_trains_on_agreement(epoch, batch_index):
    """Whether Co-teaching+ trains on a batch on which the two networks
    agree everywhere: as its reference code, while ``step = epoch * i`` (the
    epoch counted from 1, ``i`` the batch's index in it, from 0) is below
    :data:`PLUS_AGREEMENT_STEPS`; afterwards such a batch gives a step of
    zero gradient."""
    return (epoch + 1) * batch_index < PLUS_AGREEMENT_STEPS


class _NetworkPair:
    """The networks of one variant (two; one for ``"single"``), their
    optimizers and the variant's traced training step.

    Shared by every estimator of the same architecture, learning rate and
    variant in the process, for the reason
    :class:`skmislabel._keras_runtime.SharedNetwork` gives: each newly traced
    function stays in TensorFlow's memory until the process ends. Estimators
    keep their weights and optimizer state as arrays and load them under the
    lock. Each step returns the losses it descended and the samples it
    selected, so that the selection can be checked against the papers'
    reference code.
    """

    def __init__(self, architecture, learning_rate, variant):
        n_networks = 1 if variant == "single" else 2
        self.networks = [build_lesson_network(**architecture) for _ in range(n_networks)]
        self.optimizers = [keras.optimizers.Adam(learning_rate) for _ in self.networks]
        for network, optimizer in zip(self.networks, self.optimizers):
            optimizer.build(network.trainable_variables)
        self.fresh_optimizer_state = [
            [variable.numpy() for variable in optimizer.variables] for optimizer in self.optimizers
        ]
        self.lock = threading.RLock()
        step = {
            "coteaching": self._coteaching_step,
            "plus": self._plus_step,
            "jocor": self._jocor_step,
            "single": self._single_step,
        }[variant]
        self.train_step = tf.function(step, reduce_retracing=True)
        # Co-teaching's predictions average its two networks; the references
        # of Co-teaching+ and JoCoR evaluate each network on its own, and
        # these predict with the first.
        predict = self._predict_mean if variant == "coteaching" else self._predict_first
        self.predict = tf.function(predict, reduce_retracing=True)

    def _coteaching_step(self, images, codes, n_keep):
        network_a, network_b = self.networks
        with tf.GradientTape(persistent=True) as tape:
            loss_a = keras.losses.sparse_categorical_crossentropy(
                codes, network_a(images, training=True)
            )
            loss_b = keras.losses.sparse_categorical_crossentropy(
                codes, network_b(images, training=True)
            )
            # Each network's small-loss samples, the ones it believes clean,
            # train its peer.
            kept_by_a = tf.math.top_k(-tf.stop_gradient(loss_a), k=n_keep).indices
            kept_by_b = tf.math.top_k(-tf.stop_gradient(loss_b), k=n_keep).indices
            update_a = tf.reduce_mean(tf.gather(loss_a, kept_by_b))
            update_b = tf.reduce_mean(tf.gather(loss_b, kept_by_a))
        self._descend(tape, (update_a, update_b))
        return update_a, update_b, kept_by_a, kept_by_b

    def _plus_step(self, images, codes, keep_rate, among_disagreement, agreement_weight):
        network_a, network_b = self.networks
        with tf.GradientTape(persistent=True) as tape:
            proba_a = network_a(images, training=True)
            proba_b = network_b(images, training=True)
            loss_a = keras.losses.sparse_categorical_crossentropy(codes, proba_a)
            loss_b = keras.losses.sparse_categorical_crossentropy(codes, proba_b)
            disagree = tf.math.argmax(proba_a, axis=1) != tf.math.argmax(proba_b, axis=1)
            # Before init_epoch every sample is a candidate: plain co-teaching.
            candidates = tf.where(tf.logical_or(disagree, tf.logical_not(among_disagreement)))[:, 0]
            n_candidates = tf.size(candidates)

            def exchange():
                # The reference keeps int(R(t) * n) of the n candidates, all
                # of them when that is 0.
                n_keep = tf.cast(tf.floor(keep_rate * tf.cast(n_candidates, tf.float64)), tf.int32)
                n_keep = tf.where(n_keep > 0, n_keep, n_candidates)
                by_a = tf.math.top_k(
                    -tf.stop_gradient(tf.gather(loss_a, candidates)), k=n_keep
                ).indices
                by_b = tf.math.top_k(
                    -tf.stop_gradient(tf.gather(loss_b, candidates)), k=n_keep
                ).indices
                kept_a, kept_b = tf.gather(candidates, by_a), tf.gather(candidates, by_b)
                return (
                    tf.reduce_mean(tf.gather(loss_a, kept_b)),
                    tf.reduce_mean(tf.gather(loss_b, kept_a)),
                    kept_a,
                    kept_b,
                )

            def agreement():
                # No disagreement in the batch: as the reference, each network
                # takes the whole batch's mean loss, weighted 1 early in
                # training and 0 afterwards (a step of zero gradient, which
                # Adam's momentum still turns into a move).
                every = tf.range(tf.size(codes, out_type=tf.int64))
                return (
                    agreement_weight * tf.reduce_mean(loss_a),
                    agreement_weight * tf.reduce_mean(loss_b),
                    every,
                    every,
                )

            update_a, update_b, kept_by_a, kept_by_b = tf.cond(
                n_candidates > 0, exchange, agreement
            )
        self._descend(tape, (update_a, update_b))
        return (
            update_a,
            update_b,
            kept_by_a,
            kept_by_b,
            tf.reduce_sum(tf.cast(disagree, tf.int32)),
        )

    def _jocor_step(self, images, codes, n_keep, co_lambda):
        network_a, network_b = self.networks
        with tf.GradientTape() as tape:
            proba_a = network_a(images, training=True)
            proba_b = network_b(images, training=True)
            joint = _jocor_loss(codes, proba_a, proba_b, co_lambda)
            # One selection by the joint loss: both networks learn from the
            # same samples.
            kept = tf.math.top_k(-tf.stop_gradient(joint), k=n_keep).indices
            update = tf.reduce_mean(tf.gather(joint, kept))
        variables = [network.trainable_variables for network in self.networks]
        gradients = tape.gradient(update, variables)
        for optimizer, network_gradients, network_variables in zip(
            self.optimizers, gradients, variables
        ):
            optimizer.apply_gradients(zip(network_gradients, network_variables))
        return update, kept, joint

    def _single_step(self, images, codes, n_keep):
        (network,) = self.networks
        with tf.GradientTape() as tape:
            loss = keras.losses.sparse_categorical_crossentropy(
                codes, network(images, training=True)
            )
            # Its own small-loss samples train the network itself.
            kept = tf.math.top_k(-tf.stop_gradient(loss), k=n_keep).indices
            update = tf.reduce_mean(tf.gather(loss, kept))
        self._descend(tape, (update,))
        return update, kept

    def _descend(self, tape, updates):
        for network, optimizer, update in zip(self.networks, self.optimizers, updates):
            gradients = tape.gradient(update, network.trainable_variables)
            optimizer.apply_gradients(zip(gradients, network.trainable_variables))
        del tape

    def _predict_mean(self, images):
        network_a, network_b = self.networks
        return (network_a(images, training=False) + network_b(images, training=False)) / 2

    def _predict_first(self, images):
        return self.networks[0](images, training=False)

    def start_fresh(self, rng):
        """Draw new initial weights for both networks and reset the optimizers."""
        for network, optimizer, fresh in zip(
            self.networks, self.optimizers, self.fresh_optimizer_state
        ):
            initialize_weights(network, rng)
            for variable, value in zip(optimizer.variables, fresh):
                variable.assign(value)

    def save(self):
        """Both networks' weights, optimizer states and dropout seeds, as arrays."""
        return [
            (
                network.get_weights(),
                [variable.numpy() for variable in optimizer.variables],
                [generator.state.numpy() for generator in _seed_generators(network)],
            )
            for network, optimizer in zip(self.networks, self.optimizers)
        ]

    def load(self, state):
        """Load what :meth:`save` returned."""
        for (weights, optimizer_state, seeds), network, optimizer in zip(
            state, self.networks, self.optimizers
        ):
            network.set_weights(weights)
            for variable, value in zip(optimizer.variables, optimizer_state):
                variable.assign(value)
            # Dropout's random stream goes on where this estimator left it,
            # whatever other estimators did with the shared networks meanwhile.
            for generator, value in zip(_seed_generators(network), seeds):
                generator.state.assign(value)


def _seed_generators(network):
    return [
        layer.seed_generator
        for layer in network.layers
        if getattr(layer, "seed_generator", None) is not None
    ]


def _jocor_loss(codes, proba_a, proba_b, co_lambda):
    """JoCoR's joint loss of each sample (Wei et al. 2020, eq. 4):
    ``(1 - co_lambda) * (CE_a + CE_b) + co_lambda * (KL(p_b || p_a) + KL(p_a || p_b))``.

    The cross-entropies are Keras's; the logarithms in the divergences are
    of the probabilities clipped below at Keras's epsilon (1e-7), so that a
    probability of 0 adds 0, not NaN.
    """
    cross_entropy = keras.losses.sparse_categorical_crossentropy(
        codes, proba_a
    ) + keras.losses.sparse_categorical_crossentropy(codes, proba_b)
    log_a = tf.math.log(tf.clip_by_value(proba_a, keras.config.epsilon(), 1.0))
    log_b = tf.math.log(tf.clip_by_value(proba_b, keras.config.epsilon(), 1.0))
    divergence = tf.reduce_sum(proba_b * (log_b - log_a), axis=1) + tf.reduce_sum(
        proba_a * (log_a - log_b), axis=1
    )
    return (1 - co_lambda) * cross_entropy + co_lambda * divergence
