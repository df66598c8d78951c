"""The X check of skmislabel's samplers (the injector and the cleaners),
which pass X on as it was given."""

from sklearn.utils.validation import check_array


def check_sampler_input(X):
    """X as an array, checked for its shape only (any dtype, NaN allowed,
    sparse, n-D images, or a 1-D sequence of documents), for the sampler to
    read its length and shape while passing X itself on."""
    X_checked = check_array(
        X,
        accept_sparse=True,
        dtype=None,
        ensure_all_finite=False,
        ensure_2d=False,
        allow_nd=True,
        input_name="X",
    )
    if X_checked.ndim == 1 and X_checked.dtype.kind not in "OUS":
        # 1-D X is only a sequence of documents for a text pipeline; 1-D
        # numbers are a mistaken single feature: scikit-learn's error.
        check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
    return X_checked
