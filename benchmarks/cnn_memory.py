"""Resident memory over many consecutive fits: CNNClassifier against plain Keras.

Usage::

    python benchmarks/cnn_memory.py [--fits 50] [--variant ours|keras|keras-clear]

Fits the lesson's network ``--fits`` times in one process on scikit-learn's
digits (1 epoch each) and prints the resident set size after each fit and the
growth per fit (least-squares slope, and over the second half). Each variant
runs in its own process (the script re-runs itself), so they do not share
TensorFlow's state:

- ``ours``: ``CNNClassifier(epochs=1, random_state=i).fit``;
- ``keras``: the same network built, compiled and fitted in plain Keras;
- ``keras-clear``: the same, with ``keras.backend.clear_session()`` and
  ``gc.collect()`` after every fit.
"""

import argparse
import json
import subprocess
import sys
import time

import _data
import _harness as harness
import numpy as np

VARIANTS = ("ours", "keras", "keras-clear")


def _measure(variant, n_fits):
    import gc

    import keras
    import psutil

    from skmislabel import CNNClassifier

    X, y = _data.digits()
    process = psutil.Process()
    rss, start = [], time.perf_counter()
    for i in range(n_fits):
        if variant == "ours":
            CNNClassifier(epochs=1, random_state=i).fit(X, y)
        else:
            model = _data.lesson_network(keras, image_side=8)
            model.compile("adam", "sparse_categorical_crossentropy", steps_per_execution=32)
            model.fit(X.reshape(-1, 8, 8, 1), y, epochs=1, batch_size=32, verbose=0)
            if variant == "keras-clear":
                keras.backend.clear_session()
                gc.collect()
        rss.append(process.memory_info().rss / 1e6)
    rss = np.array(rss)
    half = n_fits // 2
    return {
        "variant": variant,
        "fits": n_fits,
        "seconds_per_fit": (time.perf_counter() - start) / n_fits,
        "rss_mb": rss.round(1).tolist(),
        "growth_mb_per_fit": float(np.polyfit(np.arange(n_fits), rss, 1)[0]),
        "growth_mb_per_fit_second_half": float((rss[-1] - rss[half]) / (n_fits - 1 - half)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=50)
    parser.add_argument("--variant", choices=VARIANTS, help="measure one variant (internal)")
    harness.add_report_arguments(parser, "cnn_memory")
    args = parser.parse_args(argv)
    if args.fits < 2:
        parser.error("--fits must be at least 2")
    if args.variant:
        print(json.dumps(_measure(args.variant, args.fits)))
        return 0
    harness.claim_report(parser, args, "cnn_memory")
    rows = []
    print(f"{'variant':>12} {'fits':>5} {'MB/fit':>7} {'MB/fit (2nd half)':>18} {'s/fit':>6}")
    for variant in VARIANTS:
        output = (
            subprocess.run(
                [sys.executable, __file__, "--variant", variant, "--fits", str(args.fits)],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        row = json.loads(output)
        rows.append(row)
        print(
            f"{variant:>12} {row['fits']:>5} {row['growth_mb_per_fit']:>7.2f} "
            f"{row['growth_mb_per_fit_second_half']:>18.2f} {row['seconds_per_fit']:>6.2f}"
        )
    harness.save_report(args, "cnn_memory", {"benchmark": "cnn_memory", "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
