"""Model I/O adapters: write float inputs into (possibly quantized) input tensors, read outputs as float.

Everything is read from the model file (shape, dtype, scale and zero point), so float32, uint8 and
int8 models of any origin (ours, the public EAST and CRNN.tf2 exports) drop in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError

__all__ = ["TensorSpec", "dequantize", "inputs_of", "outputs_of", "quantize_into"]


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
