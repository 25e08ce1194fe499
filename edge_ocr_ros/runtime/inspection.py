"""``edge-ocr inspect``: what the Edge TPU compiler will think of a .tflite model, without the compiler.

Reports every op and whether it is on Coral's published list of supported operations, the tensor
shapes (the Edge TPU needs static shapes), their quantization, the parameter size against the Edge
TPU's 8 MB on-chip memory, and the compile risks of size: the largest activation tensor, a peak
estimate of the activations alive at once, the sizes of RESIZE_BILINEAR ops and the USB bytes per
frame, each against the guideline in ``GUIDELINES`` (sources in docs/edgetpu.md). The compiler is
x86-only and not on PyPI, so these are warnings to act on, not its verdict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .interpreter import litert_module

__all__ = [
    "EDGETPU_CACHE_BYTES",
    "EDGETPU_CUSTOM_OP",
    "EDGETPU_SUPPORTED_OPS",
    "GUIDELINES",
    "MIB",
    "USB_BYTES_PER_S",
    "Inspection",
    "inspect_model",
]

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
MIB = 1024 * 1024
# Size guidelines (docs/edgetpu.md gives the source of each): beyond them the compiler may leave ops on
# the CPU, split the model into several subgraphs, stream parameters from the host, or fail.
GUIDELINES = {
    # Coral: 8 MB of on-chip SRAM caches the parameters of the (co-compiled) models; the rest is streamed.
    "parameter_bytes": 8 * MIB,
    # Parameters and the activations alive at once share that memory ("Compilation failed due to large
    # activation tensors in model" in google-coral/edgetpu#508, #512).
    "peak_activation_bytes": 8 * MIB,
    # RESIZE_BILINEAR "may not be mapped depending on input/output size" (Coral's op table): a 128x128
    # output mapped, a 512x512 one did not (google-coral/edgetpu#31). Larger outputs are a risk.
    "resize_output_pixels": 128 * 128,
    # USB 2.0 moves about 35 MB/s in practice: 1.2 MB in and out per frame is one 30 Hz frame time.
    "usb_bytes_per_frame": int(1.2 * 1e6),
}
USB_BYTES_PER_S = {"USB 2.0": 35e6, "USB 3.0": 300e6}  # practical rates, for the report's time estimate


@dataclass
class Inspection:
    """What a .tflite file holds and how it fares against the Edge TPU's guidelines."""
    path: Path
    file_bytes: int
    ops: Counter
    unsupported: list[str]
    tensors: list[dict]  # inputs and outputs
    dynamic: bool
    quantized_io: bool
    parameter_bytes: int
    compiled: bool  # already compiled for the Edge TPU
    largest_activation: tuple[str, list[int], int]  # name, shape, bytes
    peak_activation_bytes: int
    resizes: list[tuple[list[int], list[int]]]  # RESIZE_BILINEAR (input shape, output shape)
    usb_bytes_per_frame: int

    @property
    def fits_cache(self) -> bool:
        """Whether its parameters fit the Edge TPU's 8 MB on-chip memory."""
        return self.parameter_bytes <= EDGETPU_CACHE_BYTES

    def warnings(self) -> list[str]:
        """One line per guideline this model exceeds (see GUIDELINES), saying what to do."""
        out = []
        if self.parameter_bytes > GUIDELINES["parameter_bytes"]:
            out.append(f"parameters {self.parameter_bytes / MIB:.2f} MiB exceed the 8 MiB on-chip memory: the rest is "
                       "streamed over USB every frame (slower); use a smaller model")
        if self.peak_activation_bytes + self.parameter_bytes > GUIDELINES["peak_activation_bytes"]:
            out.append(f"activations alive at once (~{self.peak_activation_bytes / MIB:.2f} MiB) plus parameters exceed "
                       "8 MiB: the compiler may fail or split the model; export a smaller input size or use tiling "
                       "(detector.tiles)")
        big = [o for _, o in self.resizes if _pixels(o) > GUIDELINES["resize_output_pixels"]]
        if big:
            out.append(f"{len(big)} RESIZE_BILINEAR op(s) output more than 128x128 (largest {_hw(max(big, key=_pixels))}): "
                       "the compiler may leave them, and all that follows, on the CPU; if edgetpu_compiler reports more "
                       "than one subgraph, export a smaller input size and use tiling (detector.tiles)")
        if self.usb_bytes_per_frame > GUIDELINES["usb_bytes_per_frame"]:
            out.append(f"{self.usb_bytes_per_frame / 1e6:.2f} MB cross USB per frame "
                       f"({1e3 * self.usb_bytes_per_frame / USB_BYTES_PER_S['USB 2.0']:.0f} ms on USB 2.0): plug the "
                       "accelerator into a USB 3 port (blue, on a Pi 4)")
        return out

    def as_dict(self) -> dict:
        """The report as JSON-ready data (``edge-ocr inspect --json``)."""
        return {"model": str(self.path), "file_bytes": self.file_bytes, "ops": dict(self.ops),
                "unsupported_ops": self.unsupported, "tensors": self.tensors, "static_shapes": not self.dynamic,
                "integer_io": self.quantized_io, "parameter_bytes": self.parameter_bytes,
                "edgetpu_cache_bytes": EDGETPU_CACHE_BYTES, "fits_edgetpu_cache": self.fits_cache,
                "edgetpu_compiled": self.compiled,
                "largest_activation": {"name": self.largest_activation[0], "shape": self.largest_activation[1],
                                       "bytes": self.largest_activation[2]},
                "peak_activation_bytes": self.peak_activation_bytes,
                "resize_bilinear": [{"input": i, "output": o} for i, o in self.resizes],
                "usb_bytes_per_frame": self.usb_bytes_per_frame, "guidelines": GUIDELINES, "warnings": self.warnings()}

    def report(self) -> str:
        """The report as lines of text, with a warning line for each guideline exceeded."""
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
        name, shape, size = self.largest_activation
        lines.append(f"  largest activation: {size / MIB:.2f} MiB {shape} ({name})")
        lines.append(f"  peak live activations (estimate): {self.peak_activation_bytes / MIB:.2f} MiB; with the "
                     f"parameters {(self.peak_activation_bytes + self.parameter_bytes) / MIB:.2f} MiB of the 8 MiB guideline")
        for i, o in self.resizes:
            lines.append(f"  RESIZE_BILINEAR {_hw(i)} -> {_hw(o)} x{o[-1]} "
                         f"({'over' if _pixels(o) > GUIDELINES['resize_output_pixels'] else 'within'} the 128x128 guideline)")
        times = ", ".join(f"{1e3 * self.usb_bytes_per_frame / rate:.1f} ms on {bus}" for bus, rate in USB_BYTES_PER_S.items())
        lines.append(f"  USB per frame (input + outputs): {self.usb_bytes_per_frame / 1e6:.2f} MB ({times})")
        lines += [f"  WARNING: {w}" for w in self.warnings()]
        verdict = []
        verdict.append("static shapes" if not self.dynamic else "DYNAMIC shapes (the Edge TPU needs static ones)")
        verdict.append("integer I/O" if self.quantized_io else "float I/O (not an int8 model)")
        verdict.append(f"{len(self.unsupported)} unsupported op types" if self.unsupported else "all ops supported")
        lines.append("  verdict: " + ", ".join(verdict))
        return "\n".join(lines)


def inspect_model(path: str | Path) -> Inspection:
    """Read a model file's tensors and ops (no invoke); ModelError if it is not a TFLite model."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model {path} does not exist")
    try:
        interpreter = litert_module().Interpreter(model_path=str(path))
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
    largest, peak = _activations(interpreter, ops_details)
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    resizes = [([int(v) for v in details[op["inputs"][0]]["shape"]], [int(v) for v in details[op["outputs"][0]]["shape"]])
               for op in ops_details if op["op_name"] == "RESIZE_BILINEAR"]
    usb = sum(_nbytes(details[d["index"]]) for d in (*interpreter.get_input_details(), *interpreter.get_output_details()))
    return Inspection(path, path.stat().st_size, ops, unsupported, io, dynamic, quantized, params,
                      EDGETPU_CUSTOM_OP in ops, largest, peak, resizes, usb)


def _pixels(shape: list[int]) -> int:
    return int(shape[-3] * shape[-2]) if len(shape) >= 3 else int(np.prod(shape[:-1]))


def _hw(shape: list[int]) -> str:
    return f"{shape[-2]}x{shape[-3]}" if len(shape) >= 3 else "x".join(map(str, shape))


def _nbytes(detail: dict) -> int:
    return int(np.prod(detail["shape"])) * np.dtype(detail["dtype"]).itemsize


def _activations(interpreter, ops_details: list[dict]) -> tuple[tuple[str, list[int], int], int]:
    """The largest activation tensor (name, shape, bytes) and the peak bytes of activations alive at
    once when the ops run in order (a tensor lives from the op that writes it, or the start for an
    input, to the last op that reads it, or the end for an output). An estimate: the compiler may fuse
    ops and reuse memory differently."""
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    first: dict[int, int] = {d["index"]: 0 for d in interpreter.get_input_details()}
    last: dict[int, int] = {d["index"]: len(ops_details) for d in interpreter.get_output_details()}
    for step, op in enumerate(ops_details):
        for i in op["outputs"]:
            first.setdefault(int(i), step)
        for i in op["inputs"]:
            if int(i) in first:
                last[int(i)] = max(last.get(int(i), step), step)
    if not first:
        return ("", [], 0), 0
    sizes = {i: _nbytes(details[i]) for i in first}
    live = np.zeros(len(ops_details) + 1, np.int64)
    for i, start in first.items():
        live[start : last.get(i, start) + 1] += sizes[i]
    top = max(sizes, key=sizes.get)
    return (details[top]["name"], [int(v) for v in details[top]["shape"]], sizes[top]), int(live.max())


def _constant_indices(interpreter, ops_details: list[dict]) -> set[int]:
    """Weights: tensors that are neither graph inputs nor written by any op."""
    produced = {int(i) for op in ops_details for i in op["outputs"]}
    inputs = {d["index"] for d in interpreter.get_input_details()}
    return {d["index"] for d in interpreter.get_tensor_details()} - produced - inputs
