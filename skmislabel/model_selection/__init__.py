"""Noise and memorization curves, and the results they give.

- :func:`noise_curve` (``_noise_curve``): test score against the rate of
  mislabeled training data, one fit per rate, repeat and fold.
- :func:`memorization_curve` (``_memorization``): what a model predicts for
  its flipped training labels, epoch by epoch.
- The results' schema (``_results``): the columns of ``noise_curve(...).frame``,
  the seeds of each repeat, the split and configuration fingerprints, and the
  rules by which ``resume_from`` reuses saved rows.
"""

from ._memorization import memorization_curve
from ._noise_curve import noise_curve
from ._results import (
    DETECTION_COLUMNS,
    PROVENANCE_COLUMNS,
    RESULT_COLUMNS,
    RESULT_TYPES,
    TASK_COLUMNS,
    ResumeMismatchError,
    config_fingerprint,
    repeat_seeds,
    split_fingerprint,
)

__all__ = [
    "DETECTION_COLUMNS",
    "PROVENANCE_COLUMNS",
    "RESULT_COLUMNS",
    "RESULT_TYPES",
    "TASK_COLUMNS",
    "ResumeMismatchError",
    "config_fingerprint",
    "memorization_curve",
    "noise_curve",
    "repeat_seeds",
    "split_fingerprint",
]
