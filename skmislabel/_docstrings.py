"""Parameter descriptions shared by several docstrings, written once.

imbalanced-learn's ``Substitution`` idea, in a few lines of our own: a
docstring names a shared fragment as ``%(name)s`` and :func:`fill_doc`
replaces it. Only the named fields are replaced (docstrings keep their other
``%`` signs), and an unknown name is an error at import time rather than a
placeholder left in the rendered page.
"""

import re

# A field stands on a line of its own; its indentation is the fragment's.
_FIELD = re.compile(r"^[ \t]*%\((\w+)\)s$", re.MULTILINE)


def fill_doc(**fragments):
    """Decorator replacing each ``%(name)s`` line of the docstring by
    ``fragments[name]``.

    A fragment is written at the indentation of a numpydoc parameter (4
    spaces for its name line, 8 for its description) without a trailing
    newline. Put the decorator below any decorator that copies the
    docstring (``validate_params``), so that the copy is the filled one.
    """

    def decorate(obj):
        def substitute(match):
            name = match.group(1)
            if name not in fragments:
                raise KeyError(f"{obj.__qualname__}'s docstring names no shared fragment {name!r}")
            return fragments[name]

        if obj.__doc__ is not None:  # None under python -OO
            obj.__doc__ = _FIELD.sub(substitute, obj.__doc__)
        return obj

    return decorate


# The noise parameters of flip_labels and LabelNoiseInjector.
NOISE_PARAMETERS = {
    "noise_rate": """\
    noise_rate : float in [0, 1], dict {class: float} or None, default=0.1
        Fraction of each class's labels that are relabelled; a dict gives
        per-class rates (other classes 0). Must be None with
        ``noise_type="transition_matrix"``.""",
    "noise_type": """\
    noise_type : {"symmetric", "uniform", "pairflip", "mapping", \
            "transition_matrix", "part_dependent", "confidence", "pmd", \
            "borderline"}, default="symmetric"
        The noise model: class-conditional (the first five) or
        instance-dependent (the last four, which read X); see
        :ref:`noise-conventions`.""",
    "transition_matrix": """\
    transition_matrix : array-like of shape (n_classes, n_classes), default=None
        ``T[i, j] = P(noisy = j | true = i)`` in ``classes_`` order; rows sum
        to 1 (tolerance 1e-8). Only with ``noise_type="transition_matrix"``.""",
    "class_mapping": """\
    class_mapping : dict, default=None
        ``{true: noisy}`` or ``{true: [noisy, ...]}``. Only with
        ``noise_type="mapping"``.""",
    "flip_rate_std": """\
    flip_rate_std : float >= 0, default=0.1
        Only with ``noise_type="part_dependent"``: standard deviation of the
        normal, of mean the class's rate, whose truncation to [0, 1] gives
        each sample its flip rate.""",
    "noise_estimator": """\
    noise_estimator : estimator with predict_proba, default=None
        Only with ``noise_type="confidence"`` or ``"pmd"``: the model whose
        out-of-fold class probabilities set the propensities and targets.
        Cloned and fitted ``noise_cv`` times on X as passed (a
        :class:`~skmislabel.CNNClassifier` works on images); its
        ``random_state`` parameters left at None are set from
        ``random_state``. Its ``predict_proba`` must return probabilities
        (non-negative rows summing to 1). None: ``make_pipeline(StandardScaler(),
        LogisticRegression(max_iter=1000))`` on X flattened per sample.""",
    "noise_cv": """\
    noise_cv : int >= 2, default=5
        Only with ``noise_type="confidence"`` or ``"pmd"``: number of
        stratified folds of the out-of-fold probabilities. Every class of y
        needs at least this many samples.""",
    "pmd_type": """\
    pmd_type : {"I", "II", "III"}, default="I"
        Only with ``noise_type="pmd"``: the polynomial of the top-two margin
        that gives the propensity.""",
    "n_neighbors": """\
    n_neighbors : int >= 1, default=5
        Only with ``noise_type="borderline"``: number of nearest neighbours
        whose labels give a sample its propensity and target. More
        neighbours reach higher rates.""",
    "sampling": """\
    sampling : {"exact", "bernoulli"}, default="exact"
        ``"exact"`` flips exactly the rounded expected number of labels,
        ``"bernoulli"`` flips each label independently.""",
    "stratify": """\
    stratify : bool, default=True
        With exact sampling, make the count exact in total and within one of
        the expected count in every class (True), or exact in total only
        (False).""",
}

# All of them, in the order of the signatures, as one fragment.
NOISE_PARAMETERS_DOC = "\n\n".join(NOISE_PARAMETERS.values())


# The parameters and fitted attributes the cleaners share.
CLEANER_PARAMETERS = {
    "cv": """\
    cv : int >= 2, default=5
        Number of stratified folds of the out-of-fold probabilities. Every
        class of y needs at least this many samples.""",
    "out_of_fold_action": """\
    action : {"remove", "relabel"}, default="remove"
        Drop the suspects, or give them the class the estimator finds most
        probable.""",
    "out_of_fold_random_state": """\
    random_state : int, RandomState instance or None, default=None
        Seed of the fold shuffling and of the estimator's unset random
        states. An int gives the same suspects on every fit of the same
        data; None draws fresh entropy and leaves NumPy's global RNG alone.""",
    "cleaned_samples": """\
    sample_indices_ : ndarray of shape (n_samples_kept,)
        Positions of the samples returned: the non-suspects, or all of them
        with ``action="relabel"``.

    n_features_in_ : int
        Number of features of X, when X is 2-D.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of X, when X is a DataFrame with string column names.""",
}
