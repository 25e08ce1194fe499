"""CRNN recognizer for the Edge TPU: a CNN and a convolutional sequence model, no LSTM.

A bidirectional LSTM needs REVERSE_V2 and sequence ops that stay on the Edge TPU's host CPU, so the
sequence part here is a stack of residual 1-D (1 x 3, dilated) convolutions over the time axis. The
whole graph is CONV_2D, MAX_POOL_2D, ADD, RESHAPE and SOFTMAX, all of which map to one Edge TPU
subgraph; the CPU model is the same network in float16.
"""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np
from keras import layers

INPUT_HEIGHT, INPUT_WIDTH = 32, 128
# output channels of the seven trunk convolutions; the sequence model keeps the last one
FILTERS = (32, 64, 96, 96, 192, 192, 256)
SUBSTEPS = 1  # output time steps per 4 input columns


def _conv(x, filters: int, kernel=(3, 3), strides=(1, 1), padding: str = "same", dilation=(1, 1)):
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_crnn(num_classes: int, width: int = INPUT_WIDTH, channels: int = 1,
               filters: tuple[int, ...] = FILTERS, substeps: int = SUBSTEPS) -> keras.Model:
    """Input N x 32 x width x channels in [0, 1]; output logits N x (width / 4 * substeps) x num_classes.

    With ``substeps`` 2 the classifier reads two time steps from each feature column (its outputs for
    both, reshaped in order): narrow letters, two to a 4-pixel column, then still get a step each,
    which CTC needs, for almost no extra computation (only the classifier doubles)."""
    inp = keras.Input((INPUT_HEIGHT, width, channels), name="image")
    x = _conv(inp, filters[0])
    x = layers.MaxPooling2D((2, 2))(x)  # 16 x W/2
    x = _conv(x, filters[1])
    x = layers.MaxPooling2D((2, 2))(x)  # 8 x W/4
    x = _conv(x, filters[2])
    x = _conv(x, filters[3])
    x = layers.MaxPooling2D((2, 1))(x)  # 4 x W/4
    x = _conv(x, filters[4])
    x = _conv(x, filters[5])
    x = layers.MaxPooling2D((2, 1))(x)  # 2 x W/4
    x = _conv(x, filters[6], kernel=(2, 1), padding="valid")  # 1 x W/4: one feature column per time step
    for dilation in (1, 2, 4):  # sequence model: receptive field of +-14 steps
        y = _conv(x, filters[6], kernel=(1, 3), dilation=(1, dilation))
        y = layers.Dropout(0.1)(y)
        x = layers.Add()([x, y])
    x = layers.Conv2D(num_classes * substeps, (1, 1), name="classes")(x)
    logits = layers.Reshape((width // 4 * substeps, num_classes), name="logits")(x)
    return keras.Model(inp, logits, name="crnn")


def with_softmax(model: keras.Model) -> keras.Model:
    """The exported graph ends in softmax so that int8 outputs are probabilities in [0, 1]."""
    probs = layers.Softmax(name="probabilities")(model.output)
    return keras.Model(model.input, probs, name="crnn_softmax")


def widen_into(small: keras.Model, wide: keras.Model) -> None:
    """Start ``wide`` (same layers, more channels) from the trained ``small``: every weight tensor
    gets the small one in its leading corner, and the kernels from the new input channels to the old
    output channels are zeroed, so the wide model computes what the small one did (Net2Net-style)
    while its new channels train from their random start."""
    for old_layer, new_layer in zip(small.layers, wide.layers, strict=True):
        updated = []
        for old, new in zip(old_layer.get_weights(), new_layer.get_weights(), strict=True):
            corner = tuple(slice(0, n) for n in old.shape)
            new[corner] = old
            if new.ndim == 4:  # conv kernel: kh x kw x in x out
                new[:, :, old.shape[2]:, : old.shape[3]] = 0.0
            updated.append(new)
        new_layer.set_weights(updated)


def split_steps_into(trained: keras.Model, split: keras.Model) -> None:
    """Start ``split`` (``substeps`` 2) from ``trained`` (one step per column): every layer is copied and
    both sub-steps start as the old classifier, so each step is read twice, which greedy CTC decoding
    collapses back to the same text (a repeated letter keeps its blank between)."""
    for old_layer, new_layer in zip(trained.layers, split.layers, strict=True):
        weights = old_layer.get_weights()
        if new_layer.name == "classes":
            repeat = new_layer.get_weights()[0].shape[-1] // weights[0].shape[-1]
            weights = [np.concatenate([w] * repeat, axis=-1) for w in weights]
        new_layer.set_weights(weights)


def charset_path(weights: Path) -> Path:
    """Where the trainer writes the alphabet of a weights file (``crnn.weights.h5`` -> ``crnn.charset.txt``)."""
    return weights.with_name(weights.name.split(".")[0] + ".charset.txt")


def transfer_classes(old: keras.Model, old_tokens: tuple[str, ...], new: keras.Model, new_tokens: tuple[str, ...]) -> None:
    """Start ``new`` (another alphabet) from the trained ``old``: every layer but the classifier is copied;
    each new class takes the old class of the same token, or of its lower case (an upper-case letter
    starts as its lower-case one, the two sharing its probability), and a new character starts unlikely."""
    for old_layer, new_layer in zip(old.layers, new.layers, strict=True):
        if new_layer.name != "classes":
            new_layer.set_weights(old_layer.get_weights())
    kernel_old, bias_old = old.get_layer("classes").get_weights()
    kernel, bias = new.get_layer("classes").get_weights()
    index = {t: i for i, t in enumerate(old_tokens)}
    lower_count = {t: sum(u.lower() == t for u in new_tokens) for t in old_tokens}
    kernel[:] = 0.0
    bias[:] = bias_old.min() - 6.0  # a new character starts e^6 times less likely than the least likely old one
    for i, token in enumerate(new_tokens):
        source = index.get(token, index.get(token.lower()))
        if source is not None:
            kernel[..., i] = kernel_old[..., source]
            bias[i] = bias_old[source] - math.log(max(lower_count.get(old_tokens[source], 1), 1))
    new.get_layer("classes").set_weights([kernel, bias.astype(np.float32)])
