"""The base of skmislabel's samplers: the noise injector and the cleaners.

The way imbalanced-learn's ``BaseSampler`` does it: the public
:meth:`BaseSampler.fit_resample` validates the parameters, y and the shape
of X, then hands over to the subclass's ``_fit_resample``, which only writes
the algorithm. imbalanced-learn's class itself is not inherited: importing
imbalanced-learn takes about half a second, and ``import skmislabel`` stays
fast (its sampler tags are imported when the tags are read).
"""

from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import check_consistent_length, validate_data

from ._compat import fit_context
from ._sampler_input import check_sampler_input


class BaseSampler(OneToOneFeatureMixin, BaseEstimator):
    """Validation and ``fit`` of a sampler; subclasses write ``_fit_resample``.

    ``_fit_resample(X, X_checked, y)`` receives X as passed (to return it or
    select its rows), ``X_checked`` its array form (for its shape) and y
    not None, of X's length; it returns ``(X_resampled, y_resampled)``.
    """

    # imbalanced-learn's marker for samplers, which its pipeline reads.
    _estimator_type = "sampler"
    # Whether scikit-learn's functions called while resampling skip their
    # parameter validation (``prefer_skip_nested_validation`` of
    # ``_fit_context``): the injector's noise_estimator needs only fit and
    # predict_proba, which cross_val_predict's check would refuse; a
    # cleaner's estimator is checked as scikit-learn checks it.
    _prefer_skip_nested_validation = True

    def fit(self, X, y):
        """Resample (X, y) and store what was done, without returning the data.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Features.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
        """
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X, y):
        """Return the resampled (X, y); see the subclass."""
        validated = fit_context(prefer_skip_nested_validation=self._prefer_skip_nested_validation)(
            type(self)._check_and_resample
        )
        return validated(self, X, y)

    def _check_and_resample(self, X, y):
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        if X is None:
            raise ValueError(
                f"{name}.fit_resample needs X, the training features (any array-like "
                "of n_samples rows); got X=None."
            )
        # Validated for its shape only: the data go on as passed.
        X_checked = check_sampler_input(X)
        check_consistent_length(X_checked, y)
        if X_checked.ndim == 2:
            validate_data(self, X, skip_check_array=True)
        else:
            # Images and documents have no feature count: forget a previous fit's.
            for attribute in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(attribute, None)
        return self._fit_resample(X, X_checked, y)

    def _fit_resample(self, X, X_checked, y):
        raise NotImplementedError
