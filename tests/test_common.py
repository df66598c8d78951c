"""scikit-learn's and imbalanced-learn's estimator checks of LabelNoiseInjector
(CNNClassifier's are in test_cnn.py, which needs the cnn extra)."""

import functools

import pytest
from imblearn.utils.estimator_checks import (
    estimator_checks_generator as imblearn_checks_generator,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmislabel import LabelNoiseInjector
from skmislabel._noise_models import INSTANCE_NOISE_TYPES

# The checks compare two fits, so the noise must be seeded. The checks' data
# sets have classes of fewer than 5 samples, too few for 5 folds.
INJECTORS = [
    LabelNoiseInjector(random_state=0),
    LabelNoiseInjector(noise_type="pairflip", sampling="bernoulli", random_state=0),
    LabelNoiseInjector(noise_type="part_dependent", random_state=0),
    LabelNoiseInjector(noise_type="borderline", random_state=0),
    LabelNoiseInjector(noise_type="confidence", noise_cv=2, random_state=0),
    LabelNoiseInjector(noise_type="pmd", noise_cv=2, sampling="bernoulli", random_state=0),
]

IMBLEARN_EXPECTED_FAILURES = {
    "check_samplers_fit": (
        "asks for sampling_strategy_, which only class-rebalancing samplers "
        "have; LabelNoiseInjector changes labels, not class counts"
    ),
}
INSTANCE_EXPECTED_FAILURES = {
    **IMBLEARN_EXPECTED_FAILURES,
    "check_samplers_pandas_sparse": (
        "the instance-dependent noise types compute with the values of X and "
        "refuse sparse X (their sparse tag is False, which this check ignores)"
    ),
}


def _expected_failures(injector):
    if injector.noise_type in INSTANCE_NOISE_TYPES:
        return INSTANCE_EXPECTED_FAILURES
    return IMBLEARN_EXPECTED_FAILURES


@parametrize_with_checks(INJECTORS)
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
            injector, expected_failed_checks=_expected_failures(injector), mark="xfail"
        )
    ],
    ids=lambda obj: obj.func.__name__ if isinstance(obj, functools.partial) else repr(obj),
)
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)
