"""``edge-ocr inspect``: what the Edge TPU compiler will think of a .tflite model, without the compiler.

Reports every op and whether it is on Coral's published list of supported operations, the tensor
shapes (the Edge TPU needs static shapes), their quantization, and the parameter size against the
Edge TPU's 8 MB on-chip cache.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ModelError
from .runtime import _litert_module

# Coral's "Supported operations" table (coral.ai/docs/edgetpu/models-intro, Edge TPU compiler 16),
# as TFLite builtin op names. QUANTIZE/DEQUANTIZE at the graph edges are handled by the runtime.
EDGETPU_SUPPORTED_OPS = frozenset({
    "ABS", "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "EXPAND_DIMS",
    "FULLY_CONNECTED", "L2_NORMALIZATION", "LOGISTIC", "LSTM", "UNIDIRECTIONAL_SEQUENCE_LSTM", "MAXIMUM",
    "MAX_POOL_2D", "MEAN", "MINIMUM", "MUL", "PACK", "PAD", "PRELU", "QUANTIZE", "REDUCE_MAX", "REDUCE_MIN",
    "RELU", "RELU6", "RELU_N1_TO_1", "RESHAPE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "RSQRT", "SLICE",
    "SOFTMAX", "SPACE_TO_DEPTH", "SPLIT", "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE", "SUB", "SUM", "TANH",
    "TRANSPOSE", "TRANSPOSE_CONV", "HARD_SWISH",
})
EDGETPU_CACHE_BYTES = 8 * 1024 * 1024
EDGETPU_CUSTOM_OP = "edgetpu-custom-op"


@dataclass
class Inspection:
    path: Path
    file_bytes: int
    ops: Counter
    unsupported: list[str]
    tensors: list[dict]  # inputs and outputs
    dynamic: bool
    quantized_io: bool
    parameter_bytes: int
    compiled: bool  # already compiled for the Edge TPU

    @property
    def fits_cache(self) -> bool:
        return self.parameter_bytes <= EDGETPU_CACHE_BYTES

    def as_dict(self) -> dict:
        return {"model": str(self.path), "file_bytes": self.file_bytes, "ops": dict(self.ops),
                "unsupported_ops": self.unsupported, "tensors": self.tensors, "static_shapes": not self.dynamic,
                "integer_io": self.quantized_io, "parameter_bytes": self.parameter_bytes,
                "edgetpu_cache_bytes": EDGETPU_CACHE_BYTES, "fits_edgetpu_cache": self.fits_cache,
                "edgetpu_compiled": self.compiled}

    def report(self) -> str:
        lines = [f"{self.path} ({self.file_bytes / 1e6:.2f} MB)"]
        if self.compiled:
            lines.append("  already compiled for the Edge TPU (contains edgetpu-custom-op)")
        lines.append("  ops:")
        for op, n in sorted(self.ops.items()):
            mark = "Edge TPU" if op in EDGETPU_SUPPORTED_OPS or op == EDGETPU_CUSTOM_OP else "NOT SUPPORTED (runs on CPU)"
            lines.append(f"    {op:<28} x{n:<4} {mark}")
        lines.append("  tensors:")
        for t in self.tensors:
            quant = f"scale={t['scale']:.6g} zero_point={t['zero_point']}" if t["scale"] else "not quantized"
            lines.append(f"    {t['kind']:<6} {t['name']:<36} {t['shape']} {t['dtype']} {quant}")
        share = 100 * self.parameter_bytes / EDGETPU_CACHE_BYTES
        lines.append(f"  parameters: {self.parameter_bytes / 1e6:.2f} MB = {share:.0f}% of the 8 MB Edge TPU cache")
        verdict = []
        verdict.append("static shapes" if not self.dynamic else "DYNAMIC shapes (the Edge TPU needs static ones)")
        verdict.append("integer I/O" if self.quantized_io else "float I/O (not an int8 model)")
        verdict.append(f"{len(self.unsupported)} unsupported op types" if self.unsupported else "all ops supported")
        lines.append("  verdict: " + ", ".join(verdict))
        return "\n".join(lines)


def inspect_model(path: str | Path) -> Inspection:
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model {path} does not exist")
    try:
        interpreter = _litert_module().Interpreter(model_path=str(path))
        ops_details = interpreter._get_ops_details()
        ops = Counter(op["op_name"] for op in ops_details)
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"cannot read {path} as a TFLite model: {exc}") from exc
    io = []
    for kind, entries in (("input", interpreter.get_input_details()), ("output", interpreter.get_output_details())):
        for d in entries:
            shape = d.get("shape_signature", d["shape"])
            scale, zero = d.get("quantization", (0.0, 0))
            io.append({"kind": kind, "name": d["name"], "shape": [int(s) for s in shape],
                       "dtype": np.dtype(d["dtype"]).name, "scale": float(scale), "zero_point": int(zero)})
    params = sum(int(interpreter.get_tensor(i).nbytes) for i in _constant_indices(interpreter, ops_details))
    unsupported = sorted(op for op in ops if op not in EDGETPU_SUPPORTED_OPS and op != EDGETPU_CUSTOM_OP)
    dynamic = any(s < 0 for t in io for s in t["shape"])
    quantized = all(t["dtype"] in ("uint8", "int8") for t in io)
    return Inspection(path, path.stat().st_size, ops, unsupported, io, dynamic, quantized, params,
                      EDGETPU_CUSTOM_OP in ops)


def _constant_indices(interpreter, ops_details: list[dict]) -> set[int]:
    """Weights: tensors that are neither graph inputs nor written by any op."""
    produced = {int(i) for op in ops_details for i in op["outputs"]}
    inputs = {d["index"] for d in interpreter.get_input_details()}
    return {d["index"] for d in interpreter.get_tensor_details()} - produced - inputs
