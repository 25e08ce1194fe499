#!/usr/bin/env python3
"""Make the tiny real .tflite models the tests run (committed under test/fixtures/, about 20 kB each).

- east_known_box*.tflite: an EAST-shaped model (input 1 x 64 x 64 x 3) whose score is high exactly in
  the stride-4 cells covered by white pixels (input > 0) and whose geometry is constant: every cell
  predicts a box 8 px above and below it and 12 px left and right of it, angle 0. A white 4 x 4 block
  therefore decodes to one known box. Variants: float32 with the project's 3-output layout (dynamic
  size), the public EAST 2-output layout (score + 5-channel geometry), and full-int8 (uint8 I/O).
- crnn_stripes*.tflite: a CRNN-shaped model (N x 32 x 128 x 1 in, N x 32 x 4 out over the charset
  <UNK> a b <BLK>) that reads each 4-pixel column group: bright -> 'a', mid-grey -> 'b', dark -> blank.
  Variants: float32 with dynamic batch, and full-int8 with batch 1.

Usage: python scripts/make_fixtures.py [--out test/fixtures]   (needs TensorFlow; runtime never does)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edge_ocr_train.export import convert

GEOMETRY = (8.0, 12.0, 8.0, 12.0)  # top, right, bottom, left distances of every fixture box


def east_fixture(five_channels: bool, size: int | None):
    import keras
    from keras import layers

    inp = keras.Input((size, size, 3))
    # mean-subtracted input: white (255 - ~120) is positive, black is negative
    pooled = layers.MaxPooling2D(4)(layers.Conv2D(1, 1, use_bias=False, kernel_initializer="ones")(inp))
    score = layers.Conv2D(1, 1, activation="sigmoid", kernel_initializer=keras.initializers.Constant(0.1),
                          bias_initializer=keras.initializers.Constant(-1.0))(pooled)
    ones = layers.Conv2D(1, 1, use_bias=False, kernel_initializer="zeros", bias_initializer="zeros")(pooled)
    dist = layers.Conv2D(4, 1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(GEOMETRY))(ones)
    if five_channels:
        angle = layers.Conv2D(1, 1, kernel_initializer="zeros", bias_initializer="zeros")(ones)
        return keras.Model(inp, [score, layers.Concatenate()([dist, angle])])
    angle = layers.Conv2D(2, 1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant([1.0, 0.0]))(ones)
    return keras.Model(inp, [dist, score, angle])  # deliberately not in score-first order


def crnn_fixture():
    import keras
    from keras import layers

    inp = keras.Input((32, 128, 1))
    col = layers.AveragePooling2D((32, 4))(inp)  # 1 x 32 x 1: mean brightness of each 4-column group
    # logits at brightness x: a = 40x - 28, b = 2, blank = 20 - 40x; <UNK> never wins
    logits = layers.Conv2D(4, 1, kernel_initializer=keras.initializers.Constant([[[[0.0, 40.0, 0.0, -40.0]]]]),
                           bias_initializer=keras.initializers.Constant([-50.0, -28.0, 2.0, 20.0]))(col)
    x = layers.Reshape((32, 4))(logits)
    return keras.Model(inp, layers.Softmax()(x))


def main() -> None:
    import tensorflow as tf

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("test/fixtures"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def east_data():
        for _ in range(20):
            img = np.full((1, 64, 64, 3), -120.0, np.float32)
            y, x = rng.integers(0, 56, size=2)
            img[0, y : y + 8, x : x + 8] = 130.0
            yield [img]

    def crnn_data():
        for _ in range(20):
            yield [rng.choice([0.05, 0.5, 0.95], size=(1, 32, 128, 1)).astype(np.float32)]

    spec = tf.TensorSpec
    (args.out / "east_known_box.tflite").write_bytes(
        convert(east_fixture(False, None), [spec([1, None, None, 3], tf.float32)], float16=False))
    (args.out / "east_known_box_public_layout.tflite").write_bytes(
        convert(east_fixture(True, None), [spec([1, None, None, 3], tf.float32)], float16=False))
    (args.out / "east_known_box_int8.tflite").write_bytes(
        convert(east_fixture(False, 64), [spec([1, 64, 64, 3], tf.float32)], east_data))
    (args.out / "crnn_stripes.tflite").write_bytes(convert(crnn_fixture(), [spec([None, 32, 128, 1], tf.float32)], float16=False))
    (args.out / "crnn_stripes_int8.tflite").write_bytes(convert(crnn_fixture(), [spec([1, 32, 128, 1], tf.float32)], crnn_data))
    (args.out / "charset_ab.txt").write_text("<UNK>\na\nb\n<BLK>\n")
    for p in sorted(args.out.glob("*.tflite")):
        print(f"{p} {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
