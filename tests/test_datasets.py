"""Tests for skmislabel/datasets: the shipped subset and the full loader."""

import gc
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skmislabel.datasets import _mnist, fetch_mnist, load_mnist

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SHARED_MNIST = SHARED_DATA / "mnist.npz"
needs_shared_mnist = pytest.mark.skipif(
    not SHARED_MNIST.exists(),
    reason="the project's shared/data/mnist.npz is not beside this checkout",
)


@pytest.mark.parametrize("subset, n_samples", [("train", 15000), ("test", 2000), ("all", 17000)])
def test_load_mnist_shapes_and_ranges(subset, n_samples):
    bunch = load_mnist(subset=subset)
    assert bunch.data.shape == (n_samples, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (n_samples, 28, 28)
    np.testing.assert_array_equal(bunch.images.reshape(n_samples, -1), bunch.data)
    assert bunch.data.min() == 0 and bunch.data.max() == 1
    assert bunch.target.shape == (n_samples,) and set(bunch.target) == set(range(10))
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    assert "CC BY-SA 3.0" in bunch.DESCR


def test_load_mnist_return_x_y_and_frame():
    X, y = load_mnist(subset="test", return_X_y=True)
    assert X.shape == (2000, 784) and y.shape == (2000,)
    X_frame, y_series = load_mnist(subset="test", return_X_y=True, as_frame=True)
    assert isinstance(X_frame, pd.DataFrame) and isinstance(y_series, pd.Series)
    assert list(X_frame.columns[:2]) == ["pixel_0", "pixel_1"]
    np.testing.assert_array_equal(X_frame.to_numpy(), X)
    bunch = load_mnist(subset="test", as_frame=True)
    assert bunch.frame.shape == (2000, 785)


def test_load_mnist_bad_subset():
    with pytest.raises(ValueError, match="'subset' parameter.*'train'"):
        load_mnist(subset="validation")


@needs_shared_mnist
def test_shipped_subset_is_the_first_images_of_mnist():
    digest = hashlib.sha256(SHARED_MNIST.read_bytes()).hexdigest()
    assert digest == "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
    with np.load(SHARED_MNIST, allow_pickle=False) as full:
        x_train, y_train = full["x_train"][:15000], full["y_train"][:15000]
        x_test, y_test = full["x_test"][:2000], full["y_test"][:2000]
    train = load_mnist(subset="train")
    np.testing.assert_array_equal(np.rint(train.images * 255).astype(np.uint8), x_train)
    np.testing.assert_array_equal(train.target, y_train)
    test = load_mnist(subset="test")
    np.testing.assert_array_equal(np.rint(test.images * 255).astype(np.uint8), x_test)
    np.testing.assert_array_equal(test.target, y_test)


@needs_shared_mnist
def test_fetch_mnist_reads_data_home_without_downloading(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("fetch_mnist tried to download")

    monkeypatch.setattr(_mnist.urllib.request, "urlopen", no_network)
    bunch = fetch_mnist(subset="test", data_home=SHARED_DATA)
    assert bunch.data.shape == (10000, 784)
    assert np.bincount(fetch_mnist(data_home=SHARED_DATA).target).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    monkeypatch.setenv("SKMISLABEL_DATA", str(SHARED_DATA))
    assert fetch_mnist(subset="all", return_X_y=True)[0].shape == (70000, 784)


def test_fetch_mnist_offline_error_says_where_to_put_the_file(tmp_path):
    with pytest.raises(OSError, match=f"MNIST not found at {tmp_path}.*mnist.npz"):
        fetch_mnist(data_home=tmp_path, download_if_missing=False)


def _fake_mnist(path):
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 60000, dtype=np.uint8),
        x_test=rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, 10000, dtype=np.uint8),
    )
    return path


def test_fetch_mnist_download_checks_sha256_and_caches(tmp_path, monkeypatch):
    source = _fake_mnist(tmp_path / "served.npz")
    cache = tmp_path / "cache"
    monkeypatch.setattr(_mnist, "MNIST_URL", source.as_uri())
    with pytest.raises(OSError, match="sha256 .*expected"):
        fetch_mnist(data_home=cache)
    assert not (cache / "mnist.npz").exists(), "a corrupt download was cached"
    assert list(cache.iterdir()) == [], "a partial download was left behind"

    monkeypatch.setattr(_mnist, "MNIST_SHA256", hashlib.sha256(source.read_bytes()).hexdigest())
    bunch = fetch_mnist(data_home=cache, subset="test")
    assert bunch.data.shape == (10000, 784)
    assert (cache / "mnist.npz").exists()


def test_fetch_mnist_rejects_a_file_of_the_wrong_layout(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((5, 28, 28), dtype=np.uint8))
    with pytest.raises(ValueError, match="not a Keras mnist.npz: missing"):
        fetch_mnist(data_home=tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda good: good[: len(good) // 2], id="truncated"),
        pytest.param(lambda good: good[:4] + b"\0" * (len(good) - 4), id="zip-header-only"),
        pytest.param(lambda good: b"not a zip file at all", id="not-a-zip"),
    ],
)
def test_fetch_mnist_on_a_corrupt_file_names_it_and_closes_it(tmp_path, content):
    good = _fake_mnist(tmp_path / "good.npz").read_bytes()
    cache = tmp_path / "cache"
    cache.mkdir()
    corrupt = cache / "mnist.npz"
    corrupt.write_bytes(content(good))
    with pytest.raises(ValueError, match="is not a readable Keras mnist.npz") as raised:
        fetch_mnist(data_home=cache, download_if_missing=False)
    # A leaked handle would still be open here, held by the traceback's frames.
    still_open = [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, io.BufferedReader) and obj.name == str(corrupt) and not obj.closed
    ]
    assert not still_open, "fetch_mnist left the corrupt file open"
    assert str(corrupt) in str(raised.value)
    assert "Delete it to download MNIST again" in str(raised.value)
