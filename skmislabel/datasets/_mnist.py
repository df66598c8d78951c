"""Loading MNIST: the lesson's subset from the package, the full set from disk."""

import hashlib
import os
import shutil
import tempfile
import urllib.request
import zipfile
import zlib
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._compat import StrOptions, validate_params

SUBSETS = ("train", "test", "all")

# Keras' mnist.npz: where it is published and its sha256 (keras.datasets.mnist).
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_FILENAME = "mnist.npz"
_EXPECTED_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


def _read_descr():
    return resources.files(__package__).joinpath("descr", "mnist.rst").read_text(encoding="utf-8")


def _select(arrays, subset):
    if subset == "all":
        images = np.concatenate([arrays["x_train"], arrays["x_test"]])
        target = np.concatenate([arrays["y_train"], arrays["y_test"]])
    else:
        suffix = "train" if subset == "train" else "test"
        images, target = arrays[f"x_{suffix}"], arrays[f"y_{suffix}"]
    return images, target


def _to_bunch(images_uint8, target_uint8, *, return_X_y, as_frame, descr):
    images = images_uint8.astype(np.float32) / np.float32(255)
    data = images.reshape(images.shape[0], -1)
    target = target_uint8.astype(np.int64)
    feature_names = [f"pixel_{i}" for i in range(data.shape[1])]
    frame = None
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame(data, columns=feature_names)
        frame["target"] = target
        data, target = frame[feature_names], frame["target"]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=images,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=np.arange(10),
        DESCR=descr,
    )


@validate_params(
    {
        "subset": [StrOptions(set(SUBSETS))],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_mnist(*, subset="train", return_X_y=False, as_frame=False):
    """Load the lesson's MNIST subset, shipped with skmislabel (no download).

    The first 15,000 training and first 2,000 test images of MNIST, the split
    of the label-noise lesson. Read more in ``load_mnist().DESCR``.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The 15,000 training images, the 2,000 test images, or both (training
        first).

    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=False
        Return ``data`` as a DataFrame with columns ``pixel_0`` ...
        ``pixel_783`` and ``target`` as a Series; the Bunch gains ``frame``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 784), float32 in [0, 1]
            Flattened images.
        images : ndarray of shape (n_samples, 28, 28), float32 in [0, 1]
            The same pixels as images.
        target : ndarray of shape (n_samples,), int64
            Digits 0-9.
        frame : DataFrame or None
            Data and target together, when ``as_frame=True``.
        feature_names : list of str
            ``pixel_0`` ... ``pixel_783``.
        target_names : ndarray of shape (10,)
            The digits 0-9.
        DESCR : str
            Description, source and license (CC BY-SA 3.0).

    (data, target) : tuple if ``return_X_y`` is True

    See Also
    --------
    fetch_mnist : The full 60,000 / 10,000 images, from a local file.

    Examples
    --------
    >>> from skmislabel.datasets import load_mnist
    >>> mnist = load_mnist()
    >>> mnist.data.shape, mnist.images.shape, mnist.data.dtype
    ((15000, 784), (15000, 28, 28), dtype('float32'))
    >>> X_test, y_test = load_mnist(subset="test", return_X_y=True)
    >>> X_test.shape, y_test[:5].tolist()
    ((2000, 784), [7, 2, 1, 0, 4])
    """
    path = resources.files(__package__).joinpath("data", "mnist_lesson.npz")
    with resources.as_file(path) as npz_path, np.load(npz_path, allow_pickle=False) as npz:
        images, target = _select(npz, subset)
    return _to_bunch(images, target, return_X_y=return_X_y, as_frame=as_frame, descr=_read_descr())


def get_data_home(data_home=None):
    """Folder of skmislabel's downloaded data.

    ``data_home`` if given, else the ``SKMISLABEL_DATA`` environment
    variable, else ``~/skmislabel_data``. Not created here.
    """
    if data_home is None:
        data_home = os.environ.get("SKMISLABEL_DATA", Path("~") / "skmislabel_data")
    return Path(data_home).expanduser()


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url, destination):
    """Download to a temporary file, check the sha256, then move into place,
    so that an interrupted or corrupt download never leaves a bad cache."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=destination.parent, suffix=".part", delete=False) as part:
        part_path = Path(part.name)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(part_path, "wb") as out:
            shutil.copyfileobj(response, out)
        digest = _sha256(part_path)
        if digest != MNIST_SHA256:
            raise OSError(
                f"Downloaded {url} has sha256 {digest}, expected {MNIST_SHA256}; not caching it."
            )
        part_path.replace(destination)
    finally:
        part_path.unlink(missing_ok=True)


def _load_full(path):
    # The file is opened here, not by np.load, which leaves its own handle
    # open when the zip inside is unreadable.
    with open(path, "rb") as file:
        try:
            npz = np.load(file, allow_pickle=False)
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not an .npz archive")
            missing = set(_EXPECTED_SHAPES) - set(npz.files)
            if missing:
                raise ValueError(f"{path} is not a Keras mnist.npz: missing {sorted(missing)}.")
            arrays = {name: npz[name] for name in _EXPECTED_SHAPES}
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            if str(path) in str(exc):
                raise
            raise ValueError(
                f"{path} is not a readable Keras mnist.npz ({type(exc).__name__}: {exc}); "
                "it may be a truncated or corrupt copy. Delete it to download MNIST "
                "again, or replace it with a good mnist.npz."
            ) from exc
    for name, shape in _EXPECTED_SHAPES.items():
        if arrays[name].shape != shape or arrays[name].dtype != np.uint8:
            raise ValueError(
                f"{path}: {name} has shape {arrays[name].shape} and dtype "
                f"{arrays[name].dtype}; expected {shape} uint8 as in Keras' mnist.npz."
            )
    return arrays


@validate_params(
    {
        "subset": [StrOptions(set(SUBSETS))],
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def fetch_mnist(
    *,
    subset="train",
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    as_frame=False,
):
    """Load the full MNIST (60,000 training, 10,000 test images).

    Looks for ``mnist.npz`` (the Keras format) in ``data_home``. If it is
    missing and ``download_if_missing`` is True, downloads Keras' copy,
    checks its sha256 and caches it there. Files are read with
    ``allow_pickle=False`` and their arrays' shapes and dtypes are checked.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or both.

    data_home : str or path-like, default=None
        Folder holding ``mnist.npz``. Default: the ``SKMISLABEL_DATA``
        environment variable, else ``~/skmislabel_data``.

    download_if_missing : bool, default=True
        Download the file when it is not in ``data_home``.

    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=False
        Return pandas objects, as in :func:`load_mnist`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or tuple
        As :func:`load_mnist`.

    Raises
    ------
    OSError
        If the file is missing and cannot be downloaded, or the download's
        checksum is wrong. The message says where to put the file.

    See Also
    --------
    load_mnist : The lesson's 15,000 / 2,000 subset, shipped with the package.

    Examples
    --------
    >>> from skmislabel.datasets import fetch_mnist
    >>> mnist = fetch_mnist(subset="test")  # doctest: +SKIP
    >>> mnist.data.shape  # doctest: +SKIP
    (10000, 784)
    """
    folder = get_data_home(data_home)
    path = folder / MNIST_FILENAME
    if not path.exists():
        if not download_if_missing:
            raise OSError(
                f"MNIST not found at {path}. Put a Keras-format mnist.npz there "
                "(or point data_home or SKMISLABEL_DATA at its folder), or pass "
                "download_if_missing=True."
            )
        try:
            _download(MNIST_URL, path)
        except OSError as exc:
            raise OSError(
                f"MNIST not found at {path} and downloading {MNIST_URL} failed "
                f"({exc}). Download mnist.npz by hand and put it in {folder} (or "
                "point data_home or SKMISLABEL_DATA at its folder)."
            ) from exc
    images, target = _select(_load_full(path), subset)
    return _to_bunch(images, target, return_X_y=return_X_y, as_frame=as_frame, descr=_read_descr())
