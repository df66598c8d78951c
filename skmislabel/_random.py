"""Seeds from scikit-learn ``random_state`` values."""

import numpy as np
from sklearn.utils import check_random_state

# Every seed the package draws or accepts is below this bound, so that every
# consumer (NumPy, scikit-learn, TensorFlow's int32 seeds) takes it as it is.
SEED_BOUND = np.iinfo(np.int32).max


def draw_seed(random_state):
    """One int seed from a ``random_state``, or None for None.

    An int gives the same seed every time; a RandomState instance gives a new
    one per call, as scikit-learn seeds sub-estimators. None stays None, so
    that the caller takes fresh OS entropy: NumPy's global RNG is never used
    nor advanced.
    """
    if random_state is None:
        return None
    return int(check_random_state(random_state).randint(SEED_BOUND))
