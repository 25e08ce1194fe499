"""Quantized model I/O against hand-computed values."""

import numpy as np
import pytest

from edge_ocr_ros.runtime.tensor_io import TensorSpec, dequantize, quantize_into


def spec(dtype, scale=0.0, zero=0):
    return TensorSpec(0, "t", (1, 4), np.dtype(dtype), scale, zero)


def test_uint8_quantization_rounds_and_clips():
    out = np.empty(4, np.uint8)
    quantize_into(np.array([-200.0, 0.0, 1.26, 300.0], np.float32), spec(np.uint8, 0.5, 10), out)
    # q = round(x / 0.5 + 10), clipped to 0..255
    assert out.tolist() == [0, 10, 13, 255]


def test_int8_quantization():
    out = np.empty(3, np.int8)
    quantize_into(np.array([-1.0, 0.0, 1.0], np.float32), spec(np.int8, 1 / 128, 0), out)
    assert out.tolist() == [-128, 0, 127]


def test_dequantize_matches_formula():
    values = np.array([0, 128, 255], np.uint8)
    np.testing.assert_allclose(dequantize(values, spec(np.uint8, 0.25, 128)), [-32.0, 0.0, 31.75])


def test_float_tensors_pass_through():
    out = np.empty(2, np.float32)
    quantize_into(np.array([1.5, -2.0], np.float32), spec(np.float32), out)
    assert out.tolist() == [1.5, -2.0]
    x = np.array([1.0], np.float32)
    assert dequantize(x, spec(np.float32)) is x


def test_unsupported_input_type():
    from edge_ocr_ros.errors import ModelError

    with pytest.raises(ModelError, match="unsupported input tensor type"):
        quantize_into(np.zeros(2, np.float32), spec(np.int32), np.empty(2, np.int32))


@pytest.mark.parametrize("dtype, zero", [(np.uint8, 0), (np.int8, -128)])
def test_code_values_index_by_the_stored_code(dtype, zero):
    from edge_ocr_ros.runtime.tensor_io import code_values

    info = np.iinfo(dtype)
    codes = np.arange(info.min, info.max + 1).astype(dtype)
    np.testing.assert_allclose(code_values(spec(dtype, 0.5, zero))[codes], dequantize(codes, spec(dtype, 0.5, zero)))


@pytest.mark.parametrize("dtype, zero", [(np.uint8, 0), (np.int8, -128)])
def test_a_saturated_softmax_code_reads_as_one(dtype, zero):
    """TFLite's softmax grid (scale 1/256) tops out at 255/256; the top code stands for up to 1."""
    from edge_ocr_ros.runtime.tensor_io import probability_table

    info = np.iinfo(dtype)
    table = probability_table(spec(dtype, 1 / 256, zero))
    assert table[np.array(info.max, dtype)] == 1.0
    assert table[np.array(info.max - 1, dtype)] == 254 / 256 and table[np.array(info.min, dtype)] == 0.0


def test_a_softmax_grid_that_reaches_one_is_left_alone():
    from edge_ocr_ros.runtime.tensor_io import probability_table

    np.testing.assert_allclose(probability_table(spec(np.uint8, 1 / 255, 0))[[0, 254, 255]], [0.0, 254 / 255, 1.0])
    assert probability_table(spec(np.uint8, 0.5 / 255, 0))[255] == np.float32(0.5)  # tops out far under 1: a real value


@pytest.mark.parametrize("dtype, zero", [(np.uint8, 0), (np.int8, -128)])
def test_a_quantized_softmax_is_known_by_its_grid(dtype, zero):
    """A wide int8 softmax's 80 rounded codes need not sum to 1 within 5 % on a probe crop (a widened
    recognizer's did not, and its probabilities were taken for logits and read nothing): the grid decides."""
    from edge_ocr_ros.runtime.tensor_io import holds_probabilities

    assert holds_probabilities(spec(dtype, 1 / 256, zero))
    assert not holds_probabilities(spec(dtype, 0.1, zero + 128))  # logits: a grid around zero
    assert not holds_probabilities(spec(dtype, 1 / 64, zero))  # reaches 4: not probabilities
