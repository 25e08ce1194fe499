"""A small EAST: score map and RBOX geometry at stride 4, every op on the Edge TPU's list.

Backbone: plain 3x3 conv blocks (CONV_2D + folded batch norm + ReLU) down to stride 32, then a
U-Net merge (RESIZE_BILINEAR, CONCATENATION, CONV_2D) back to stride 4, as in the EAST paper but
about 100x smaller than the public VGG/ResNet EAST. Three outputs, found by the engine by channel
count:
- score (1 channel, sigmoid);
- distances to the top, right, bottom and left edges of the rotated box (4 channels, pixels);
- angle as (cos, sin) (2 channels, tanh): kept apart from the distances so int8 quantization of
  pixel distances (0..512) does not crush the angle (-pi/4..pi/4).
The input is BGR minus the ImageNet mean (the public EAST convention); the model scales it itself.
"""

from __future__ import annotations

import keras
from keras import layers

GEOMETRY_SCALE = 512.0  # largest distance the model can express, in input pixels


def _conv(x, filters: int, strides: int = 1, kernel: int = 3):
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def _stage(x, filters: int, blocks: int):
    x = _conv(x, filters, strides=2)
    for _ in range(blocks):
        x = layers.Add()([x, _conv(_conv(x, filters), filters)])
    return x


class Upsample2x(layers.Layer):
    """Bilinear 2x upsampling that works with unknown input sizes (Keras' UpSampling2D does not).

    Legacy pixel alignment (half_pixel_centers=False) gives the plain RESIZE_BILINEAR op that every
    Edge TPU compiler version accepts.
    """

    def call(self, x):
        import tensorflow as tf

        size = tf.shape(x)[1:3] * 2
        return tf.raw_ops.ResizeBilinear(images=x, size=size, align_corners=False, half_pixel_centers=False)

    def compute_output_shape(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        return (input_shape[0], None if h is None else 2 * h, None if w is None else 2 * w, input_shape[3])


def _merge(deep, skip, filters: int):
    up = Upsample2x()(deep)
    x = layers.Concatenate()([up, skip])
    x = _conv(x, filters, kernel=1)
    return _conv(x, filters)


def build_east(height: int | None = None, width: int | None = None) -> keras.Model:
    """None sizes give a model that runs at any multiple of 32 (the float16 CPU model)."""
    inp = keras.Input((height, width, 3), name="image")
    x = layers.Rescaling(1.0 / 128.0)(inp)
    x = _conv(x, 16, strides=2)  # /2
    f4 = _stage(x, 32, 0)  # /4
    f8 = _stage(f4, 48, 1)  # /8
    f16 = _stage(f8, 80, 2)  # /16
    f32 = _stage(f16, 128, 2)  # /32
    x = _merge(f32, f16, 80)
    x = _merge(x, f8, 48)
    x = _merge(x, f4, 24)
    score = layers.Conv2D(1, 1, activation="sigmoid", name="score")(x)
    distances = layers.Conv2D(4, 1, activation="sigmoid")(x)
    distances = layers.Rescaling(GEOMETRY_SCALE, name="distances")(distances)
    angle = layers.Conv2D(2, 1, activation="tanh", name="angle")(x)
    return keras.Model(inp, [score, distances, angle], name="east")
