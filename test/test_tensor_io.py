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
