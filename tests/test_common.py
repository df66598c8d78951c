"""scikit-learn's and imbalanced-learn's estimator checks of every public
estimator, in one place: LabelNoiseInjector, the four cleaners, and (with
the cnn extra) CNNClassifier and CoTeachingClassifier.

The checks compare two fits, so every estimator is seeded.
"""

import functools
import importlib.util

import pytest
from imblearn.utils.estimator_checks import (
    estimator_checks_generator as imblearn_checks_generator,
)
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmislabel import LabelNoiseInjector
from skmislabel._compat import CLEANING_EXTRA_MESSAGE
from skmislabel._noise_models import INSTANCE_NOISE_TYPES
from skmislabel.cleaning import (
    AUMCleaner,
    ConfidentLearningCleaner,
    DisagreementCleaner,
    NeighborhoodCleaner,
)

# --------------------------------------------------------------------------
# The samplers: the injector and the cleaners
# --------------------------------------------------------------------------
# The checks' data sets have classes of fewer than 5 samples, too few for 5
# folds, and of 5 samples, too few for more than 4 neighbours.
INJECTORS = [
    LabelNoiseInjector(random_state=0),
    LabelNoiseInjector(noise_type="pairflip", sampling="bernoulli", random_state=0),
    LabelNoiseInjector(noise_type="part_dependent", random_state=0),
    LabelNoiseInjector(noise_type="borderline", random_state=0),
    LabelNoiseInjector(noise_type="confidence", noise_cv=2, random_state=0),
    LabelNoiseInjector(noise_type="pmd", noise_cv=2, sampling="bernoulli", random_state=0),
]
CLEANERS = [
    ConfidentLearningCleaner(cv=2, random_state=0),
    # A model that takes NaN: the cleaner's tags follow it.
    DisagreementCleaner(
        DecisionTreeClassifier(max_depth=3),
        cv=2,
        threshold=0.5,
        action="relabel",
        random_state=0,
    ),
    DisagreementCleaner(cv=2, random_state=0),
    NeighborhoodCleaner(n_neighbors=3),
    NeighborhoodCleaner(n_neighbors=3, action="relabel"),
    # Two epochs learn nothing of the checks' random labels: every sample
    # scores below the threshold samples, and removing them all is refused.
    AUMCleaner(MLPClassifier(hidden_layer_sizes=(4,)), epochs=2, action="relabel", random_state=0),
]
SAMPLERS = INJECTORS + CLEANERS

INJECTOR_EXPECTED_FAILURES = {
    "check_samplers_fit": (
        "asks for sampling_strategy_, which only class-rebalancing samplers "
        "have; LabelNoiseInjector changes labels, not class counts"
    ),
}
INSTANCE_EXPECTED_FAILURES = {
    **INJECTOR_EXPECTED_FAILURES,
    "check_samplers_pandas_sparse": (
        "the instance-dependent noise types compute with the values of X and "
        "refuse sparse X (their sparse tag is False, which this check ignores)"
    ),
}
CLEANER_EXPECTED_FAILURES = {
    "check_samplers_fit": (
        "asks for sampling_strategy_, which only class-rebalancing samplers have; "
        "a cleaner removes or relabels suspects whatever their class"
    ),
}


def _imblearn_expected_failures(sampler):
    if isinstance(sampler, LabelNoiseInjector):
        if sampler.noise_type in INSTANCE_NOISE_TYPES:
            return INSTANCE_EXPECTED_FAILURES
        return INJECTOR_EXPECTED_FAILURES
    return CLEANER_EXPECTED_FAILURES


def _needs_cleanlab(estimator):
    if isinstance(estimator, ConfidentLearningCleaner):
        pytest.importorskip("cleanlab", reason=CLEANING_EXTRA_MESSAGE)


@parametrize_with_checks(SAMPLERS)
def test_sklearn_estimator_checks(estimator, check):
    _needs_cleanlab(estimator)
    check(estimator)


# A list, not imblearn's parametrize_with_checks generator, which pytest 9
# deprecates as parametrize input.
@pytest.mark.parametrize(
    "estimator, check",
    [
        checked
        for sampler in SAMPLERS
        for checked in imblearn_checks_generator(
            sampler, expected_failed_checks=_imblearn_expected_failures(sampler), mark="xfail"
        )
    ],
    ids=lambda obj: obj.func.__name__ if isinstance(obj, functools.partial) else repr(obj),
)
def test_imblearn_sampler_checks(estimator, check):
    _needs_cleanlab(estimator)
    check(estimator)


# --------------------------------------------------------------------------
# The classifiers of the cnn extra
# --------------------------------------------------------------------------
# Small and seeded; a 1 x n_features image with 1x1 kernels accepts the
# checks' data of any width.
SMALL_NETWORK = dict(
    image_shape=(1, -1),
    kernel_size=1,
    pool_size=1,
    filters=4,
    dense_units=16,
    epochs=5,
    batch_size=16,
    learning_rate=0.05,
    random_state=0,
)
CNN_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch SGD: a weight of 2 scales one gradient step, a repeated sample "
        "takes part in two steps and changes the batches, so the fits differ"
    ),
    "check_estimator_tags_renamed": (
        "upstream: scikeras 0.13's BaseWrapper defines _more_tags without "
        "__sklearn_tags__; CNNClassifier defines __sklearn_tags__, which is what "
        "scikit-learn >= 1.6 reads"
    ),
}
COTEACHING_EXPECTED_FAILURES = {}


def _network_estimators():
    """The classifiers of the cnn extra, built only where it is installed:
    the core install (no TensorFlow) collects this module too."""
    if not all(importlib.util.find_spec(name) for name in ("tensorflow", "keras", "scikeras")):
        return []
    from skmislabel import CNNClassifier, CoTeachingClassifier

    return [
        CNNClassifier(**SMALL_NETWORK),
        CoTeachingClassifier(forget_rate=0.1, n_gradual_epochs=2, **SMALL_NETWORK),
        # Co-teaching+: the variant whose batches change shape with the
        # networks' disagreement. (JoCoR and "single" pass these checks too,
        # but for JoCoR's check_classifiers_train: at co_lambda=0.95 five
        # epochs of its data stay below its 0.83 training accuracy.)
        CoTeachingClassifier(forget_rate=0.1, n_gradual_epochs=2, variant="plus", **SMALL_NETWORK),
    ]


def _network_expected_failures(estimator):
    if type(estimator).__name__ == "CNNClassifier":
        return CNN_EXPECTED_FAILURES
    return COTEACHING_EXPECTED_FAILURES


NETWORKS = _network_estimators()


# Without the extra the list is empty and pytest skips the test; conftest.py
# skips the cnn-marked tests then, with the install command.
@pytest.mark.cnn
@parametrize_with_checks(NETWORKS, expected_failed_checks=_network_expected_failures)
def test_network_estimator_checks(estimator, check):
    check(estimator)
