"""The lesson's data and its plain-Keras network, for every benchmark script.

The lesson trains on the first 15,000 images of the bundled MNIST subset
and tests on the 2,000 after them (``load_mnist(subset="all")``); the quick
runs use scikit-learn's 8x8 digits scaled to [0, 1]. The plain-Keras network
is the lesson's, written as the lesson writes it: the reference that
``CNNClassifier`` is timed and scored against.
"""

import numpy as np

LESSON_N_TRAIN = 15_000


def digits():
    """scikit-learn's 8x8 digits as float32 in [0, 1], and their labels."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def lesson_mnist():
    """``(X, y, train, test)``: the bundled subset and the lesson's fixed split."""
    from skmislabel.datasets import load_mnist

    X, y = load_mnist(subset="all", return_X_y=True)
    return X, y, np.arange(LESSON_N_TRAIN), np.arange(LESSON_N_TRAIN, len(y))


def lesson_network(keras, image_side=28, n_classes=10):
    """The lesson's CNN in plain Keras, not compiled (each script compiles it
    the way it compares: Keras' defaults or ours)."""
    return keras.Sequential(
        [
            keras.Input((image_side, image_side, 1)),
            keras.layers.Conv2D(32, (3, 3), activation="relu"),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )


def noise_estimation_model():
    """A logistic regression on 50 PCA components (scaled): the model whose
    out-of-fold probabilities measured better than 5-NN's for
    ``estimate_noise``'s anchors (user guide, noise_estimation)."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        PCA(n_components=50, random_state=0), StandardScaler(), LogisticRegression(max_iter=300)
    )


def cleaning_cnn(random_state, tf_threads=None):
    """The lesson's CNN as the ``estimator`` of the out-of-fold cleaners
    (``ConfidentLearningCleaner``, ``DisagreementCleaner``), trained for one
    epoch: the one that measured best at ranking the flipped labels (user
    guide, cleaning).

    On the lesson's MNIST with 40% confidence noise, the ROC AUC of its
    out-of-fold probability of the given label is 0.953 after 1 epoch, 0.940
    after 2 and 0.894 after 5 (cross-entropy; with the sce loss 0.928 after
    5): the longer each fold's network trains, the more of the other folds'
    flips it has memorized, and the more it agrees with the flips it
    judges. One epoch is also the cheapest: about 30 s for the five folds on
    two shared cores (AMD EPYC).
    """
    from skmislabel import CNNClassifier

    return CNNClassifier(epochs=1, random_state=random_state, tf_threads=tf_threads)
