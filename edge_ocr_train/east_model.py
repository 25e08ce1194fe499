"""A small EAST: score map and RBOX geometry at stride 4, every op on the Edge TPU's list.

Backbone: plain 3x3 conv blocks (CONV_2D + folded batch norm + ReLU) down to stride 32, then a
U-Net merge (RESIZE_BILINEAR, CONCATENATION, CONV_2D) back to stride 4, as in the EAST paper but
about 100x smaller than the public VGG/ResNet EAST. Three outputs, found by the engine by channel
count:
- score (1 channel, sigmoid);
- distances to the top, right, bottom and left edges of the rotated box (4 channels, pixels; the
  int8 models output their logits instead, ``with_distance_logits``);
- angle as (cos, sin) (2 channels, tanh): kept apart from the distances so int8 quantization of
  pixel distances (0..512) does not crush the angle (-pi/4..pi/4).
The input is BGR minus the ImageNet mean (the public EAST convention); the model scales it itself.
"""

from __future__ import annotations

import keras
from keras import layers

from edge_ocr_ros.detection.rbox import DISTANCE_SCALE


class FakeQuant(layers.Layer):
    """Rounds a tensor to 256 levels of its moving min/max range, as full-integer TFLite will.

    Quantization-aware training puts one after every tensor the int8 model stores, so the network
    learns weights that survive the rounding. ``fixed`` is a range TFLite fixes (a sigmoid's or
    tanh's output) and that is not learnt. With ``rounding`` off (``for_export``) it is the identity:
    the converter calibrates the ranges itself.
    """

    def __init__(self, fixed: tuple[float, float] | None = None, momentum: float = 0.99, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fixed, self.momentum, self.rounding = fixed, momentum, True

    def build(self, input_shape) -> None:
        low, high = self.fixed or (0.0, 0.0)
        self.low = self.add_weight(shape=(), initializer=keras.initializers.Constant(low), trainable=False, name="low")
        self.high = self.add_weight(shape=(), initializer=keras.initializers.Constant(high), trainable=False, name="high")

    def call(self, x, training=None):
        import tensorflow as tf

        if not self.rounding:
            return x
        if training and self.fixed is None:
            low, high = tf.stop_gradient(tf.reduce_min(x)), tf.stop_gradient(tf.reduce_max(x))
            fresh = tf.equal(self.low, self.high)  # first batch: take its range as it is
            self.low.assign(tf.where(fresh, low, self.momentum * self.low + (1 - self.momentum) * low))
            self.high.assign(tf.where(fresh, high, self.momentum * self.high + (1 - self.momentum) * high))
        return tf.quantization.fake_quant_with_min_max_vars(x, tf.minimum(self.low, 0.0), tf.maximum(self.high, 0.0))

    def get_config(self) -> dict:
        return super().get_config() | {"fixed": self.fixed, "momentum": self.momentum}


class QuantizedConv2D(layers.Conv2D):
    """A convolution whose kernel is rounded per output channel to int8 (symmetric, [-127, 127]),
    as the TFLite converter quantizes it; gradients pass straight through the rounding."""

    rounding = True

    def convolution_op(self, inputs, kernel):
        import tensorflow as tf

        if self.rounding:
            bound = tf.stop_gradient(tf.maximum(tf.reduce_max(tf.abs(kernel), axis=[0, 1, 2]), 1e-8))
            kernel = tf.quantization.fake_quant_with_min_max_vars_per_channel(kernel, -bound, bound, narrow_range=True)
        return super().convolution_op(inputs, kernel)


def for_export(model: keras.Model) -> keras.Model:
    """Turns the rounding of a quantization-aware model off: what is left is the float network with
    batch norms folded, which the converter quantizes with its own calibration."""
    for layer in model.layers:
        if isinstance(layer, FakeQuant | QuantizedConv2D):
            layer.rounding = False
    return model


class _Blocks:
    """Builds the network's blocks as trained in float (convolution, batch norm, ReLU) or, with
    ``quantized``, as the int8 model computes them (batch norm folded into a biased convolution,
    every stored tensor rounded by ``FakeQuant``)."""

    def __init__(self, quantized: bool) -> None:
        self.quantized = quantized

    def stored(self, x, fixed: tuple[float, float] | None = None):
        return FakeQuant(fixed)(x) if self.quantized else x

    def conv(self, x, filters: int, strides: int = 1, kernel: int = 3):
        if self.quantized:
            return self.stored(layers.ReLU()(QuantizedConv2D(filters, kernel, strides=strides, padding="same")(x)))
        x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    def head(self, x, channels: int, activation: str, name: str):
        """A 1x1 convolution whose output, before the activation, is the layer ``NAME_logits``."""
        if not self.quantized:
            logits = layers.Conv2D(channels, 1, name=f"{name}_logits")(x)
            return layers.Activation(activation, name=name)(logits)
        logits = FakeQuant(name=f"{name}_logits")(QuantizedConv2D(channels, 1)(x))
        fixed = (0.0, 255 / 256) if activation == "sigmoid" else (-1.0, 127 / 128)  # TFLite's int8 output grids
        return self.stored(layers.Activation(activation, name=name)(logits), fixed)

    def stage(self, x, filters: int, blocks: int):
        x = self.conv(x, filters, strides=2)
        for _ in range(blocks):
            x = self.stored(layers.Add()([x, self.conv(self.conv(x, filters), filters)]))
        return x

    def merge(self, deep, skip, filters: int):
        up = Upsample2x()(deep)  # int8 RESIZE_BILINEAR keeps its input's range
        x = self.stored(layers.Concatenate()([up, skip]))
        x = self.conv(x, filters, kernel=1)
        return self.conv(x, filters)


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


def build_east(height: int | None = None, width: int | None = None, quantized: bool = False) -> keras.Model:
    """None sizes give a model that runs at any multiple of 32 (the float16 CPU model). ``quantized``
    gives the quantization-aware training form (``fold_batch_norms`` fills it from a float model)."""
    blocks = _Blocks(quantized)
    inp = keras.Input((height, width, 3), name="image")
    x = layers.Rescaling(1.0 / 128.0)(blocks.stored(inp))
    x = blocks.conv(x, 16, strides=2)  # /2
    f4 = blocks.stage(x, 32, 0)  # /4
    f8 = blocks.stage(f4, 48, 1)  # /8
    f16 = blocks.stage(f8, 80, 2)  # /16
    f32 = blocks.stage(f16, 128, 2)  # /32
    x = blocks.merge(f32, f16, 80)
    x = blocks.merge(x, f8, 48)
    x = blocks.merge(x, f4, 24)
    score = blocks.head(x, 1, "sigmoid", name="score")
    distances = blocks.stored(layers.Rescaling(DISTANCE_SCALE, name="distances")(blocks.head(x, 4, "sigmoid", "distance")))
    angle = blocks.head(x, 2, "tanh", name="angle")
    return keras.Model(inp, [score, distances, angle], name="east")


def with_distance_logits(model: keras.Model) -> keras.Model:
    """The same network (shared layers and weights) with the distances' logits as its second output, as
    the int8 models have it: on a 256-level grid, logits keep small distances sharp where the sigmoid's
    output would round them to 2-pixel steps (``edge_ocr_ros.detection.rbox``)."""
    score, _, angle = model.outputs
    return keras.Model(model.inputs, [score, model.get_layer("distance_logits").output, angle], name="east_int8")


def fold_batch_norms(model: keras.Model, quantized: keras.Model) -> None:
    """Fill ``quantized`` (``build_east(..., quantized=True)``) from a trained float EAST: each batch norm
    is folded into the convolution before it (kernel times gamma / sigma, bias beta - mean * gamma / sigma)."""
    import numpy as np

    norms = {id(layer.input._keras_history.operation): layer for layer in model.layers
             if isinstance(layer, layers.BatchNormalization)}
    sources = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]
    targets = [layer for layer in quantized.layers if isinstance(layer, layers.Conv2D)]
    for source, target in zip(sources, targets, strict=True):
        weights = [np.asarray(w) for w in source.get_weights()]
        norm = norms.get(id(source))
        if norm is not None:
            gamma, beta, mean, variance = (np.asarray(w) for w in norm.get_weights())
            scale = gamma / np.sqrt(variance + norm.epsilon)
            weights = [weights[0] * scale, beta - mean * scale]
        target.set_weights(weights)
