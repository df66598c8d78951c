"""scikit-learn's and imbalanced-learn's estimator checks."""

import pytest
from imblearn.utils.estimator_checks import (
    _get_check_estimator_ids,
)
from imblearn.utils.estimator_checks import (
    estimator_checks_generator as imblearn_checks_generator,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmislabel import CNNClassifier, LabelNoiseInjector

# The checks compare two fits, so the noise must be seeded.
INJECTORS = [
    LabelNoiseInjector(random_state=0),
    LabelNoiseInjector(noise_type="pairflip", sampling="bernoulli", random_state=0),
]

IMBLEARN_EXPECTED_FAILURES = {
    "check_samplers_fit": (
        "asks for sampling_strategy_, which only class-rebalancing samplers "
        "have; LabelNoiseInjector changes labels, not class counts"
    ),
}


# Small and seeded; a 1 x n_features image with 1x1 kernels accepts the
# checks' data of any width.
SMALL_CNN = CNNClassifier(
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


@parametrize_with_checks(
    [*INJECTORS, SMALL_CNN],
    expected_failed_checks=lambda estimator: (
        CNN_EXPECTED_FAILURES if isinstance(estimator, CNNClassifier) else {}
    ),
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# A list, not imblearn's parametrize_with_checks generator, which pytest 9
# deprecates as parametrize input.
@pytest.mark.parametrize(
    "estimator, check",
    [
        checked
        for injector in INJECTORS
        for checked in imblearn_checks_generator(
            injector, expected_failed_checks=IMBLEARN_EXPECTED_FAILURES, mark="xfail"
        )
    ],
    ids=_get_check_estimator_ids,
)
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)
