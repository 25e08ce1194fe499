"""Interpreter and Edge TPU delegate creation, kept apart from model I/O (as in pycoral's utils/edgetpu).

Interpreters come from ``ai_edge_litert``, else ``tflite_runtime``, else ``tensorflow.lite``; they are
created when a model is loaded and reused for every frame. The Edge TPU delegate is loaded through
real PyCoral when it is importable, else through ``load_delegate`` with the platform's libedgetpu.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import platform
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AcceleratorError, ModelError

LOG = logging.getLogger(__name__)
EDGETPU_LIBRARY = {"Linux": "libedgetpu.so.1", "Darwin": "libedgetpu.1.dylib", "Windows": "edgetpu.dll"}
CPU_HINT = "set edgetpu to 'off' (or 'auto') to run the CPU models"


def _litert_module() -> Any:
    """The first TFLite runtime that imports: LiteRT, then tflite_runtime, then TensorFlow Lite."""
    for name in ("ai_edge_litert.interpreter", "tflite_runtime.interpreter", "tensorflow.lite"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.python.interpreter if name == "tensorflow.lite" and hasattr(module, "python") else module
    raise ModelError("no TFLite runtime found: pip install ai-edge-litert")


def _load_edgetpu_delegate(device: str) -> Any:
    """Load the Edge TPU delegate, or raise AcceleratorError when no TPU (or no libedgetpu) is present."""
    options = {"device": device} if device else {}
    try:
        from pycoral.utils import edgetpu as coral  # real PyCoral (Coral's apt/pip repositories)

        if hasattr(coral, "load_edgetpu_delegate"):
            return coral.load_edgetpu_delegate(options)
    except ImportError:
        pass
    library = EDGETPU_LIBRARY.get(platform.system(), "libedgetpu.so.1")
    where = f" '{device}'" if device else ""
    try:
        ctypes.CDLL(library)  # checked first: LiteRT's Delegate raises again in __del__ when the library is missing
    except OSError as exc:
        raise AcceleratorError(f"no Edge TPU{where} can be used: the Edge TPU runtime {library} is not installed "
                               f"({exc}); {CPU_HINT}") from exc
    try:
        return _litert_module().load_delegate(library, options)
    except (ValueError, OSError, RuntimeError) as exc:
        raise AcceleratorError(f"no Edge TPU{where} could be opened ({library}: {exc}); {CPU_HINT}") from exc


@dataclass
class Accelerator:
    """The outcome of the ``edgetpu: auto | on | off`` setting: which file runs, and on what."""

    name: str  # "edgetpu" or "cpu"
    model_path: Path
    delegate: Any = None
    reason: str = ""


@dataclass
class InterpreterFactory:
    """Creates interpreters for one model file; one interpreter per input shape, each created once.

    At most ``max_shapes`` extra shapes are kept (least recently used dropped), so a stream of images of
    ever-new sizes cannot grow memory without bound; a camera's frames all share one shape.
    """

    model_path: Path
    num_threads: int
    delegate: Any = None
    max_shapes: int = 8
    _by_shape: OrderedDict[tuple[int, ...], Any] = field(default_factory=OrderedDict, repr=False)
    _base: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._base = self._create()

    def _create(self) -> Any:
        module = _litert_module()
        delegates = [self.delegate] if self.delegate is not None else None
        try:
            interpreter = module.Interpreter(model_path=str(self.model_path), num_threads=self.num_threads,
                                             experimental_delegates=delegates)
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
        interpreter = self._create()
        interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], list(shape), strict=True)
        interpreter.allocate_tensors()
        self._by_shape[shape] = interpreter
        if len(self._by_shape) > self.max_shapes:
            self._by_shape.popitem(last=False)
        return interpreter


def choose_accelerator(mode: str, cpu_model: Path, edgetpu_model: Path | None, device: str = "",
                       load_delegate: Callable[[str], Any] = _load_edgetpu_delegate) -> Accelerator:
    """Apply ``edgetpu: auto | on | off`` to one model pair.

    - off: the CPU model.
    - on: the Edge TPU model on the TPU, or AcceleratorError with one sentence saying how to run on the CPU.
    - auto: the Edge TPU model when both it and a TPU are present, else the CPU model.
    """
    if mode not in ("auto", "on", "off"):
        raise AcceleratorError(f"edgetpu must be auto, on or off, not {mode!r}")
    has_file = edgetpu_model is not None and edgetpu_model.is_file()
    if mode == "off":
        return Accelerator("cpu", cpu_model, reason="edgetpu: off")
    if mode == "on" and not has_file:
        raise AcceleratorError(f"edgetpu is 'on' but the Edge TPU model {edgetpu_model} does not exist "
                               f"(compile it with edgetpu_compiler); {CPU_HINT}")
    if not has_file:
        return Accelerator("cpu", cpu_model, reason=f"no Edge TPU model ({edgetpu_model})")
    try:
        delegate = load_delegate(device)
    except AcceleratorError as exc:
        if mode == "on":
            raise
        return Accelerator("cpu", cpu_model, reason=str(exc).split(";")[0])
    return Accelerator("edgetpu", edgetpu_model, delegate=delegate, reason=f"Edge TPU {device or 'default'}")
