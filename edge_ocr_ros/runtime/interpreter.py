"""Interpreter and Edge TPU delegate creation, kept apart from model I/O (as in pycoral's utils/edgetpu).

Interpreters come from ``ai_edge_litert``, else ``tflite_runtime``, else ``tensorflow.lite``; they are
created when a model is loaded and reused for every frame. The Edge TPU delegate is loaded through
real PyCoral when it is importable (its interpreters then come from PyCoral's own ``tflite_runtime``:
a delegate only works inside the runtime that made it), else through that runtime's ``load_delegate``
with the platform's libedgetpu. One delegate is opened per device and shared by every model on it,
as pycoral's ``make_interpreter(delegate=...)`` does, so co-compiled models share the TPU's cache.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import platform
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import AcceleratorError, ModelError

__all__ = [
    "CPU_HINT",
    "EDGETPU_LIBRARY",
    "RUNTIME_MODULES",
    "RUNTIME_VARIABLE",
    "Accelerator",
    "EdgeTpu",
    "InterpreterFactory",
    "choose_accelerators",
    "edgetpu_path",
    "litert_module",
    "load_edgetpu",
    "open_edgetpu",
    "probe_edgetpu",
    "runtime_name",
]

LOG = logging.getLogger(__name__)
EDGETPU_LIBRARY = {"Linux": "libedgetpu.so.1", "Darwin": "libedgetpu.1.dylib", "Windows": "edgetpu.dll"}
CPU_HINT = "set edgetpu to 'off' (or 'auto') to run the CPU models"
RUNTIME_MODULES = ("ai_edge_litert.interpreter", "tflite_runtime.interpreter", "tensorflow.lite")
RUNTIME_VARIABLE = "EDGE_OCR_TFLITE_RUNTIME"  # ai_edge_litert | tflite_runtime | tensorflow: use only that one


def litert_module() -> Any:
    """The first TFLite runtime that imports: LiteRT, then tflite_runtime, then TensorFlow Lite; or only the
    one named by $EDGE_OCR_TFLITE_RUNTIME (a libedgetpu built for one tflite_runtime needs that runtime)."""
    chosen = os.environ.get(RUNTIME_VARIABLE, "").strip()
    names = RUNTIME_MODULES
    if chosen:
        names = tuple(n for n in RUNTIME_MODULES if n.split(".")[0] == chosen)
        if not names:
            raise ModelError(f"{RUNTIME_VARIABLE}={chosen!r} is not one of "
                             f"{', '.join(n.split('.')[0] for n in RUNTIME_MODULES)}")
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.python.interpreter if name == "tensorflow.lite" and hasattr(module, "python") else module
    raise ModelError(f"no TFLite runtime found ({', '.join(names)}): pip install ai-edge-litert")


def runtime_name(module: Any) -> str:
    """``ai_edge_litert 2.3.0``-style name of a runtime module, for logs and the delegate probe."""
    root = getattr(module, "__name__", "?").split(".")[0]
    try:
        from importlib.metadata import version

        dist = {"ai_edge_litert": "ai-edge-litert", "tflite_runtime": "tflite-runtime"}.get(root, root)
        return f"{root} {version(dist)}"
    except Exception:
        return root


@dataclass
class EdgeTpu:
    """An opened Edge TPU: its delegate and the runtime module whose interpreters may use it."""

    device: str
    delegate: Any
    module: Any
    via: str  # "pycoral" or "load_delegate"


def _pycoral() -> ModuleType | None:
    """Real PyCoral's edgetpu utilities with their tflite_runtime, or None (the PyPI 'pycoral' is not it)."""
    try:
        from pycoral.utils import edgetpu as coral
    except ImportError:
        return None
    if not hasattr(coral, "load_edgetpu_delegate"):
        return None
    try:
        importlib.import_module("tflite_runtime.interpreter")
    except ImportError:
        return None
    return coral


def load_edgetpu(device: str) -> EdgeTpu:
    """Open the Edge TPU ``device`` ("" = the first), or raise AcceleratorError with one sentence."""
    options = {"device": device} if device else {}
    where = f" '{device}'" if device else ""
    coral = _pycoral()
    if coral is not None:
        try:
            delegate = coral.load_edgetpu_delegate(options)
        except (ValueError, OSError, RuntimeError) as exc:  # PyCoral raises ValueError when no TPU is attached
            raise AcceleratorError(f"no Edge TPU{where} could be opened through PyCoral ({exc}); {CPU_HINT}") from exc
        return EdgeTpu(device, delegate, importlib.import_module("tflite_runtime.interpreter"), "pycoral")
    library = EDGETPU_LIBRARY.get(platform.system(), "libedgetpu.so.1")
    try:
        ctypes.CDLL(library)  # checked first: LiteRT's Delegate raises again in __del__ when the library is missing
    except OSError as exc:
        raise AcceleratorError(f"no Edge TPU{where} can be used: the Edge TPU runtime {library} is not installed "
                               f"({exc}); {CPU_HINT}") from exc
    module = litert_module()
    try:
        delegate = module.load_delegate(library, options)
    except (ValueError, OSError, RuntimeError) as exc:
        raise AcceleratorError(f"no Edge TPU{where} could be opened ({library}: {exc}); {CPU_HINT}") from exc
    return EdgeTpu(device, delegate, module, "load_delegate")


def probe_edgetpu(device: str = "") -> tuple[str, bool]:
    """One line on whether an Edge TPU opens here, through which runtime and libedgetpu; and True if it did."""
    try:
        tpu = load_edgetpu(device)
    except (AcceleratorError, ModelError) as exc:
        try:
            runtime = runtime_name(litert_module())
        except ModelError:
            runtime = "no TFLite runtime"
        return f"Edge TPU: NOT available with {runtime}: {str(exc).split('; ' + CPU_HINT)[0]}", False
    return (f"Edge TPU: OK, device '{device or 'default'}' opened via {tpu.via} into {runtime_name(tpu.module)}; "
            f"interpreters will be created by that runtime"), True


_OPENED: dict[str, EdgeTpu] = {}
_OPENED_LOCK = threading.Lock()


def open_edgetpu(device: str) -> EdgeTpu:
    """The one EdgeTpu of ``device`` in this process, opened on first use and shared by every model
    (and every pipeline: two cameras' nodes in one process share the TPU rather than fight over it)."""
    with _OPENED_LOCK:
        if device not in _OPENED:
            _OPENED[device] = load_edgetpu(device)
        return _OPENED[device]


@dataclass
class Accelerator:
    """The outcome of ``edgetpu: auto | on | off`` for one stage: which files run, and on what."""

    name: str  # "edgetpu" or "cpu"
    model_paths: list[Path]
    edgetpu: EdgeTpu | None = None
    reason: str = ""


def edgetpu_path(int8_model: Path) -> Path:
    """The compiled twin of an int8 model, named as edgetpu_compiler writes it (NAME_edgetpu.tflite)."""
    if int8_model.name.endswith("_edgetpu.tflite"):
        return int8_model
    return int8_model.with_name(int8_model.name.removesuffix(".tflite") + "_edgetpu.tflite")


def choose_accelerators(mode: str, stages: dict[str, tuple[list[Path], list[Path]]], device: str = "",
                        open_tpu: Callable[[str], EdgeTpu] = open_edgetpu) -> dict[str, Accelerator]:
    """Apply ``edgetpu: auto | on | off`` to every stage: ``stages`` maps a stage to (CPU model files,
    int8 model files). The TPU is opened once (see ``open_edgetpu``) and runs each stage whose compiled
    files all exist; the other stages run their CPU files.

    - off: the CPU files, the TPU is never opened.
    - on: every stage on the TPU, or AcceleratorError with one sentence saying how to run on the CPU.
    - auto: the TPU where it and the compiled files are present, else the CPU files, with the reason.
    """
    if mode not in ("auto", "on", "off"):
        raise AcceleratorError(f"edgetpu must be auto, on or off, not {mode!r}")
    if mode == "off":
        return {s: Accelerator("cpu", cpu, reason="edgetpu: off") for s, (cpu, _) in stages.items()}
    compiled = {s: [edgetpu_path(p) for p in int8] for s, (_, int8) in stages.items()}
    missing = {s: [p for p in files if not p.is_file()] for s, files in compiled.items()}
    if mode == "on" and any(missing.values()):
        absent = ", ".join(str(p) for files in missing.values() for p in files)
        raise AcceleratorError(f"edgetpu is 'on' but the Edge TPU model {absent} does not exist "
                               f"(compile the int8 models with edgetpu_compiler); {CPU_HINT}")
    tpu: EdgeTpu | None = None
    reason = ""
    if any(not m for m in missing.values()):
        try:
            tpu = open_tpu(device)
        except AcceleratorError as exc:
            if mode == "on":
                raise
            reason = str(exc).split(";")[0]
    result = {}
    for stage, (cpu, _) in stages.items():
        if tpu is not None and not missing[stage]:
            result[stage] = Accelerator("edgetpu", compiled[stage], tpu, f"Edge TPU {device or 'default'} via {tpu.via}")
        else:
            why = reason or f"no Edge TPU model ({', '.join(p.name for p in missing[stage])})"
            result[stage] = Accelerator("cpu", cpu, reason=why)
    return result


@dataclass
class InterpreterFactory:
    """Creates interpreters for one model file; one interpreter per input shape, each created once.

    At most ``max_shapes`` extra shapes are kept (least recently used dropped), so a stream of images of
    ever-new sizes cannot grow memory without bound; a camera's frames all share one shape.
    """

    model_path: Path
    num_threads: int
    edgetpu: EdgeTpu | None = None
    max_shapes: int = 8
    _by_shape: OrderedDict[tuple[int, ...], Any] = field(default_factory=OrderedDict, repr=False)
    _base: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._base = self._create()

    def _create(self, shape: tuple[int, ...] | None = None) -> Any:
        """An interpreter allocated once, at ``shape`` or, for the base, at the model's own shape; a dynamic
        dimension there is a placeholder 1 that some kernels refuse (aarch64's LiteRT fails EAST's strided
        convolutions on a 1 x 1 input, x86's lets it pass), so the base takes 32 for each one instead."""
        module = self.edgetpu.module if self.edgetpu is not None else litert_module()
        delegates = [self.edgetpu.delegate] if self.edgetpu is not None else None
        try:
            interpreter = module.Interpreter(model_path=str(self.model_path), num_threads=self.num_threads,
                                             experimental_delegates=delegates)
            details = interpreter.get_input_details()[0]
            signature = [int(d) for d in details.get("shape_signature", details["shape"])]
            target = shape or (tuple(1 if i == 0 else 32 if d < 0 else d for i, d in enumerate(signature))
                               if any(d < 0 for d in signature) else None)
            if target is not None:
                interpreter.resize_tensor_input(details["index"], list(target), strict=True)
            interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load model {self.model_path}: {exc}") from exc
        return interpreter

    @property
    def base(self) -> Any:
        """The interpreter at the model's own input shape."""
        return self._base

    def for_input_shape(self, shape: tuple[int, ...]) -> Any:
        """An interpreter allocated for ``shape`` (dynamic dimensions only); cached per shape."""
        current = tuple(int(d) for d in self._base.get_input_details()[0]["shape"])
        if shape == current:
            return self._base
        if shape in self._by_shape:
            self._by_shape.move_to_end(shape)
            return self._by_shape[shape]
        interpreter = self._create(shape)
        self._by_shape[shape] = interpreter
        if len(self._by_shape) > self.max_shapes:
            self._by_shape.popitem(last=False)
        return interpreter
