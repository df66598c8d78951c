"""The CNN's process-wide Keras state: threads, seeding and the shared networks.

Imported by :mod:`skmislabel.cnn` only, after its check that TensorFlow,
Keras and SciKeras are installed.
"""

import contextlib
import json
import numbers
import random
import threading
import warnings

import keras
import numpy as np
import tensorflow as tf

from ._cache import LRUCache
from ._compat import import_private
from ._random import SEED_BOUND

__all__ = [
    "NETWORK_PAIRS",
    "canonical_order",
    "clear_network_cache",
    "seeded",
    "set_tensorflow_threads",
    "shared_network_for",
]


def set_tensorflow_threads(n_threads):
    """Set TensorFlow's intra- and inter-op thread pools for this process.

    TensorFlow fixes its thread pools when its runtime starts, so this only
    works before the first TensorFlow operation of the process (in a fresh
    joblib worker, before the first fit). Afterwards it warns if the requested
    value differs from the one in force.

    Parameters
    ----------
    n_threads : int
        Threads per pool, at least 1.

    Returns
    -------
    applied : bool
        Whether TensorFlow now uses ``n_threads`` threads per pool.

    Examples
    --------
    In a fresh process, before any fit (here TensorFlow may already run):

    >>> from skmislabel.cnn import set_tensorflow_threads
    >>> set_tensorflow_threads(1)  # doctest: +SKIP
    True
    """
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"n_threads must be an int >= 1; got {n_threads!r}.")
    if n_threads < 1:
        raise ValueError(f"n_threads must be an int >= 1; got {n_threads}.")
    pools = tf.config.threading
    current = (
        pools.get_intra_op_parallelism_threads(),
        pools.get_inter_op_parallelism_threads(),
    )
    if current == (n_threads, n_threads):
        return True
    try:
        pools.set_intra_op_parallelism_threads(n_threads)
        pools.set_inter_op_parallelism_threads(n_threads)
    except RuntimeError:
        warnings.warn(
            f"TensorFlow already runs with (intra, inter) = {current} threads in this "
            f"process; tf_threads={n_threads} only applies in a fresh process (for "
            "example a joblib worker) before its first TensorFlow operation.",
            RuntimeWarning,
            stacklevel=3,
        )
        return False
    return True


@contextlib.contextmanager
def seeded(seed):
    """Seed Python, NumPy, TensorFlow and Keras for one fit, then restore them.

    The initial weights and dropout seeds come from the estimator's own
    generator (see :class:`SharedNetwork`), but Keras shuffles the training
    data with TensorFlow's and NumPy's global generators, so a reproducible
    fit has to seed them; restoring them afterwards leaves no global state
    behind. TensorFlow's op determinism is not switched on: on CPU the seeded
    ops already give identical results, and switching it on would make later
    unseeded fits fail. Neither Keras nor TensorFlow has a public way to read
    its global seed back, hence the private names (see :mod:`skmislabel._compat`).
    """
    if seed is None:
        yield
        return
    state_module = "keras.src.backend.common.global_state"
    get_attribute = import_private(state_module, "get_global_attribute")
    set_attribute = import_private(state_module, "set_global_attribute")
    generator_key = import_private("keras.src.random.seed_generator", "GLOBAL_SEED_GENERATOR")
    tf_global_seed = import_private("tensorflow.python.eager.context", "global_seed")

    python_state = random.getstate()
    numpy_state = np.random.get_state()
    tf_seed = tf_global_seed()
    keras_seed = get_attribute("global_random_seed")
    keras_generator = get_attribute(generator_key)
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        tf.random.set_seed(tf_seed)
        set_attribute("global_random_seed", keras_seed)
        set_attribute(generator_key, keras_generator)


class SharedNetwork:
    """A compiled network that trains and predicts for every estimator of
    the same architecture and compile settings in this process.

    Keras traces its training and prediction functions once per model, and
    TensorFlow keeps every traced function until the process ends: each new
    model that is fitted leaves 6-15 MB behind, even after ``clear_session``.
    Estimators therefore keep their own (never traced) ``model_`` and run
    ``fit`` and ``predict`` on this shared network, copying weights and
    optimizer state in and out under its lock.
    """

    def __init__(self, model):
        self.model = keras.Model.from_config(model.get_config())
        self.model.compile_from_config(model.get_compile_config())
        self.model.optimizer.build(self.model.trainable_variables)
        self.fresh_optimizer_state = [v.numpy() for v in self.model.optimizer.variables]
        self.lock = threading.RLock()

    def start_fresh(self, rng):
        """Draw new initial weights from ``rng`` and reset the optimizer."""
        initialize_weights(self.model, rng)
        for variable, value in zip(self.model.optimizer.variables, self.fresh_optimizer_state):
            variable.assign(value)

    def load(self, model):
        """Copy ``model``'s weights and optimizer state into the shared network."""
        _copy_training_state(model, self.model)

    def store(self, model):
        """Copy the shared network's weights and optimizer state into ``model``."""
        _copy_training_state(self.model, model)


# The shared networks of this process: CNNClassifier's, by architecture and
# compile settings, and Co-teaching's pairs (skmislabel.coteaching), by
# architecture and learning rate.
_NETWORKS = LRUCache(max_entries=16)
NETWORK_PAIRS = LRUCache(max_entries=8)


def _network_key(model):
    compile_config = model.get_compile_config()
    optimizer_config = compile_config.get("optimizer", {}).get("config", {})
    # Keras numbers optimizer names ("adam_3") per process; the name does not
    # change training.
    compile_config = {
        **compile_config,
        "optimizer": {
            **compile_config.get("optimizer", {}),
            "config": {k: v for k, v in optimizer_config.items() if k != "name"},
        },
    }
    return json.dumps([model.get_config(), compile_config], sort_keys=True, default=repr)


def shared_network_for(model):
    """The process's :class:`SharedNetwork` for ``model``'s architecture and
    compile settings, created on first use."""
    return _NETWORKS.get_or_create(_network_key(model), lambda: SharedNetwork(model))


def clear_network_cache():
    """Forget the shared training networks of this process.

    :class:`~skmislabel.CNNClassifier` trains and predicts on one shared,
    compiled Keras network per architecture and compile settings (at most
    16, least recently used dropped first), and
    :class:`~skmislabel.coteaching.CoTeachingClassifier` on one shared pair
    of networks per architecture and learning rate (at most 8), because
    every newly traced Keras model leaves memory behind in TensorFlow until
    the process ends. Fitted
    estimators keep their own weights and are not affected: the next fit or
    prediction builds a new shared network. Call it to give the networks'
    memory back before long work without the CNN, then
    ``keras.backend.clear_session()`` if you also want Keras's own state
    gone.

    Returns
    -------
    n_cleared : int
        Number of shared networks (a Co-teaching pair counts once) dropped.

    Examples
    --------
    >>> from skmislabel.cnn import clear_network_cache
    >>> clear_network_cache() >= 0
    True
    """
    return _NETWORKS.clear() + NETWORK_PAIRS.clear()


def canonical_order(images):
    """An order of the rows of ``images`` that depends on their values only.

    A batched network may compute a row differently by its position in the
    batch (measured with TensorFlow's oneDNN kernels restricted to AVX2, as
    on a CPU without AVX-512: the same image gets probabilities up to 1.2e-7
    apart at two positions). Predicting the
    rows in this order, sorted by their bytes, gives every permutation of
    the same rows the same batches, hence identical probabilities for any
    permutation on any CPU; scikit-learn's estimator checks compare
    predictions on permuted data. It does not make a row's probabilities
    independent of the *other* rows predicted with it (a subset is batched
    differently), and two equal rows may differ in their last bits.
    """
    rows = np.ascontiguousarray(images).reshape(len(images), -1)
    keys = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
    return np.argsort(keys, kind="stable")


def _copy_training_state(source, target):
    target.set_weights(source.get_weights())
    for target_variable, source_variable in zip(
        target.optimizer.variables, source.optimizer.variables, strict=True
    ):
        target_variable.assign(source_variable)


def initialize_weights(model, rng):
    """Re-draw every weight with its layer's initializer and a seed from rng.

    Explicit seeds make the initial weights a function of ``rng`` alone, the
    same whether the network is new or reused.
    """
    initialized = 0
    for layer in model.layers:
        for name in ("kernel", "bias"):
            variable = getattr(layer, name, None)
            initializer = getattr(layer, f"{name}_initializer", None)
            if variable is None or initializer is None:
                continue
            config = initializer.get_config()
            if "seed" in config:
                config["seed"] = int(rng.integers(SEED_BOUND))
            fresh = type(initializer).from_config(config)
            variable.assign(fresh(variable.shape, dtype=variable.dtype))
            initialized += 1
        generator = getattr(layer, "seed_generator", None)
        if generator is not None:
            seed = int(rng.integers(SEED_BOUND))
            generator.state.assign(np.array([seed, 0], dtype=generator.state.dtype))
    if initialized != len(model.trainable_variables):
        raise RuntimeError(
            f"Initialized {initialized} of {len(model.trainable_variables)} weights: the "
            "network has a layer without kernel/bias initializers."
        )
