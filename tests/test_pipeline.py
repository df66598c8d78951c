"""Tests for skmislabel/pipeline.py: noise at fit time only, clean scores."""

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.neighbors import KNeighborsClassifier

from skmislabel import LabelNoiseInjector, Pipeline, make_pipeline


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


def _pairflip_everything():
    # Every training label moves to the next class: a 1-NN model then predicts
    # the wrong class for every clean test point, and only for clean ones.
    return LabelNoiseInjector(noise_rate=1.0, noise_type="pairflip", random_state=0)


def test_make_pipeline_returns_our_pipeline_and_is_a_classifier():
    pipe = make_pipeline(LabelNoiseInjector(), KNeighborsClassifier())
    assert isinstance(pipe, Pipeline)
    assert list(pipe.named_steps) == ["labelnoiseinjector", "kneighborsclassifier"]
    assert is_classifier(pipe)


def test_cross_val_score_trains_on_noise_and_scores_on_clean_labels(digits):
    X, y = digits
    clean = cross_val_score(KNeighborsClassifier(n_neighbors=1), X, y, cv=5)
    noisy = cross_val_score(
        make_pipeline(_pairflip_everything(), KNeighborsClassifier(n_neighbors=1)), X, y, cv=5
    )
    assert clean.mean() > 0.95
    # Scored on noisy test labels this would be near 1; on clean ones it is ~0.
    assert noisy.mean() < 0.05


def test_cross_validate_train_score_is_also_on_clean_labels(digits):
    X, y = digits
    result = cross_validate(
        make_pipeline(_pairflip_everything(), KNeighborsClassifier(n_neighbors=1)),
        X,
        y,
        cv=3,
        return_train_score=True,
        return_estimator=True,
    )
    assert result["train_score"].max() < 0.05
    for estimator in result["estimator"]:
        injector = estimator.named_steps["labelnoiseinjector"]
        # Each training fold was corrupted, entirely.
        assert injector.flip_rate_ == 1.0
        assert injector.noise_mask_.shape[0] < len(y)


def test_cv_is_stratified_for_the_pipeline(digits):
    X, y = digits
    pipe = make_pipeline(LabelNoiseInjector(noise_rate=0.0), KNeighborsClassifier())
    # cross_val_score picks StratifiedKFold only for classifiers.
    from sklearn.model_selection import check_cv

    assert isinstance(check_cv(5, y, classifier=is_classifier(pipe)), StratifiedKFold)


def test_grid_search_over_noise_rate_ranks_clean_first(digits):
    X, y = digits
    X = X / 16  # pixel values 0-16; scaled, the solver converges
    pipe = make_pipeline(LabelNoiseInjector(random_state=0), LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipe, {"labelnoiseinjector__noise_rate": [0, 0.1, 0.2, 0.4]}, cv=3).fit(
        X, y
    )
    means = search.cv_results_["mean_test_score"]
    assert search.best_params_ == {"labelnoiseinjector__noise_rate": 0}
    assert means[0] > means[-1] + 0.01
    # The refit model saw noise at rate 0; predict never applies the injector.
    assert search.best_estimator_.score(X, y) > 0.95


def test_randomized_search_and_noise_type_parameters(digits):
    X, y = digits
    pipe = make_pipeline(LabelNoiseInjector(random_state=0), KNeighborsClassifier(n_neighbors=1))
    search = RandomizedSearchCV(
        pipe,
        {
            "labelnoiseinjector__noise_rate": [0.0, 1.0],
            "labelnoiseinjector__noise_type": ["pairflip"],
        },
        n_iter=2,
        cv=3,
        random_state=0,
    ).fit(X, y)
    scores = dict(
        zip(
            [p["labelnoiseinjector__noise_rate"] for p in search.cv_results_["params"]],
            search.cv_results_["mean_test_score"],
        )
    )
    assert scores[0.0] > 0.95 and scores[1.0] < 0.05


def test_predict_does_not_touch_labels_or_data(digits):
    X, y = digits
    pipe = make_pipeline(
        LabelNoiseInjector(noise_rate=0.3, random_state=0), KNeighborsClassifier(n_neighbors=1)
    ).fit(X, y)
    injector = pipe.named_steps["labelnoiseinjector"]
    mask = injector.noise_mask_.copy()
    pipe.predict(X)
    pipe.score(X, y)
    np.testing.assert_array_equal(injector.noise_mask_, mask)
    # 1-NN memorises the noisy labels: training accuracy on clean y is 1 - rate.
    assert pipe.score(X, y) == pytest.approx(1 - injector.flip_rate_)


@pytest.mark.cnn
def test_a_cleaner_then_a_robust_loss_chain_after_the_injector(digits):
    # remedies.py's clean_*_sce rows: what this pipeline computes.
    from skmislabel._compat import CLEANING_EXTRA_MESSAGE, CNN_EXTRA_MESSAGE

    pytest.importorskip("tensorflow", reason=CNN_EXTRA_MESSAGE)
    pytest.importorskip("cleanlab", reason=CLEANING_EXTRA_MESSAGE)
    from skmislabel import CNNClassifier
    from skmislabel.cleaning import ConfidentLearningCleaner
    from skmislabel.metrics import detection_report

    X, y = digits
    X = (X[:400] / 16).astype(np.float32)
    injector = LabelNoiseInjector(noise_rate=0.3, random_state=0)
    pipe = make_pipeline(
        injector,
        ConfidentLearningCleaner(random_state=0),
        CNNClassifier(loss="sce", epochs=1, random_state=0),
    )
    X_before, y_before = X.copy(), y[:400].copy()
    pipe.fit(X[:300], y[:300])
    fitted_injector, cleaner, cnn = pipe.named_steps.values()
    # The cleaner saw the injector's noisy labels: its suspects are mostly
    # the flipped ones (30% of the labels), and the CNN trained on the rest.
    report = detection_report(fitted_injector.noise_mask_, cleaner.suspect_mask_)
    assert report.precision > 0.6 and report.recall > 0.5
    assert len(cleaner.sample_indices_) == 300 - cleaner.n_suspects_
    assert cnn.loss == "sce" and list(cnn.classes_) == list(range(10))
    # Predicting neither injects nor cleans: the CNN's predictions as they are.
    predictions = pipe.predict(X[300:])
    np.testing.assert_array_equal(predictions, cnn.predict(X[300:]))
    assert 0 <= pipe.score(X[300:], y[300:400]) <= 1
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y[:400], y_before)
