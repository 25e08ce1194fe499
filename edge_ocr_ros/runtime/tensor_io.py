"""Model I/O adapters: write float inputs into (possibly quantized) input tensors, read outputs as float.

Everything is read from the model file (shape, dtype, scale and zero point), so float32, uint8 and
int8 models of any origin (ours, the public EAST and CRNN.tf2 exports) drop in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError

__all__ = ["TensorSpec", "code_values", "dequantize", "holds_probabilities", "inputs_of", "outputs_of", "probability_table",
           "quantize_into"]


@dataclass(frozen=True)
class TensorSpec:
    """One input or output tensor: index, shape, dtype and quantization."""
    index: int
    name: str
    shape: tuple[int, ...]  # -1 where the dimension is dynamic
    dtype: np.dtype
    scale: float
    zero_point: int

    @property
    def quantized(self) -> bool:
        """Whether values are stored as integers with a scale and zero point."""
        return self.dtype in (np.uint8, np.int8) and self.scale > 0

    @classmethod
    def from_details(cls, details: dict[str, Any]) -> TensorSpec:
        """From an interpreter's tensor details."""
        shape = details.get("shape_signature")
        if shape is None or len(shape) == 0:
            shape = details["shape"]
        scale, zero_point = details.get("quantization", (0.0, 0))
        return cls(int(details["index"]), str(details["name"]), tuple(int(d) for d in shape),
                   np.dtype(details["dtype"]), float(scale), int(zero_point))


def inputs_of(interpreter: Any) -> list[TensorSpec]:
    """The input tensors of an interpreter."""
    return [TensorSpec.from_details(d) for d in interpreter.get_input_details()]


def outputs_of(interpreter: Any) -> list[TensorSpec]:
    """The output tensors of an interpreter."""
    return [TensorSpec.from_details(d) for d in interpreter.get_output_details()]


def quantize_into(values: np.ndarray, spec: TensorSpec, out: np.ndarray) -> np.ndarray:
    """Write float ``values`` into ``out`` with the tensor's dtype, quantizing with its scale and zero point."""
    if spec.quantized:
        info = np.iinfo(spec.dtype)
        np.clip(np.rint(values / spec.scale + spec.zero_point), info.min, info.max, out=values)
        out[...] = values
    elif spec.dtype in (np.float32, np.float16):
        out[...] = values
    else:
        raise ModelError(f"unsupported input tensor type {spec.dtype} for {spec.name}")
    return out


def dequantize(values: np.ndarray, spec: TensorSpec) -> np.ndarray:
    """An output tensor as float32 (a view-free copy only when the tensor is quantized)."""
    if spec.quantized:
        return (values.astype(np.float32) - spec.zero_point) * spec.scale
    return values.astype(np.float32, copy=False)


def code_values(spec: TensorSpec) -> np.ndarray:
    """The float value of every code a quantized tensor can store, indexed by the code itself (an int8
    code's negative values index from the end): a lookup table that dequantizes in one step, and that
    further elementwise functions can be folded into."""
    info = np.iinfo(spec.dtype)
    values = (np.arange(info.min, info.max + 1, dtype=np.float32) - spec.zero_point) * spec.scale
    return np.roll(values, info.min)


def holds_probabilities(spec: TensorSpec) -> bool:
    """Whether a quantized tensor can only hold probabilities: every code it can store lies in [0, 1], as on
    TFLite's softmax output grid (steps of 1/256 from 0); logits span negative values. Asking the grid is
    reliable where a probe is not: a wide softmax's 80 rounded codes need not sum to 1 within 5 %."""
    values = code_values(spec)
    return bool(values.min() == 0.0 and values.max() <= 1.0)


def probability_table(spec: TensorSpec) -> np.ndarray:
    """``code_values`` of a quantized softmax output, whose top code, if it lies within a step under 1,
    stands for 1.

    On TFLite's softmax grid (steps of 1/256) the top code, 255/256, holds every probability from half a
    step under it up to 1, and a trained model's confident steps (most of a word's time steps) all land
    there. Read as 255/256 each such step loses 0.4 %, and a word's confidence (a mean over its time
    steps) came out 0.004 lower than the float model's; read as 1, the two agree (docs/edgetpu.md).
    """
    table = code_values(spec)
    top = np.iinfo(spec.dtype).max
    if 1.0 - spec.scale <= table[top] < 1.0:
        table[top] = 1.0
    return table
