"""EAST text detector: preprocessing into the model's input tensor, inference, decode and suppression."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from .config import OcrConfig
from .crop import quad_sizes
from .errors import ModelError
from .nms import locality_merge, rotated_nms
from .rbox import STRIDE, decode_rbox
from .runtime import InterpreterFactory
from .score_extent import extend_to_score_extent
from .tensor_io import TensorSpec, dequantize, inputs_of, outputs_of, quantize_into


@dataclass
class Detections:
    quads: np.ndarray  # N x 4 x 2, source-image pixels, clockwise from top-left
    scores: np.ndarray  # N, mean EAST score of the pixels that voted for the box


@dataclass(frozen=True)
class EastOutputs:
    """Which output tensor holds what, found by channel count (never by output order).

    Layouts: score (1) + geometry (5: four distances and the angle in radians, the public EAST), or
    score (1) + distances (4) + angle as (cos, sin) (2, this project's int8-friendly layout).
    """

    score: TensorSpec
    distances: TensorSpec
    angle: TensorSpec | None  # None: the angle is channel 4 of ``distances``

    @classmethod
    def find(cls, specs: list[TensorSpec]) -> EastOutputs:
        by_channels: dict[int, list[TensorSpec]] = {}
        for spec in specs:
            by_channels.setdefault(spec.shape[-1], []).append(spec)
        shapes = ", ".join(str(list(s.shape)) for s in specs)
        if len(by_channels.get(1, [])) != 1:
            raise ModelError(f"EAST model needs exactly one 1-channel score output; outputs are {shapes}")
        if len(by_channels.get(5, [])) == 1:
            return cls(by_channels[1][0], by_channels[5][0], None)
        if len(by_channels.get(4, [])) == 1 and len(by_channels.get(2, [])) == 1:
            return cls(by_channels[1][0], by_channels[4][0], by_channels[2][0])
        raise ModelError(f"EAST model needs a 5-channel geometry output (or 4 distances + 2 angle channels); outputs are {shapes}")


class EastDetector:
    """Runs one EAST model; interpreter and input buffers are created once and reused for every frame."""

    def __init__(self, factory: InterpreterFactory, config: OcrConfig) -> None:
        spec = inputs_of(factory.base)[0]
        if len(spec.shape) != 4 or spec.shape[-1] != 3:
            raise ModelError(f"EAST model input must be 1 x H x W x 3, not {list(spec.shape)}")
        dynamic = spec.shape[1] < 0 or spec.shape[2] < 0
        height, width = (config["detector.height"], config["detector.width"]) if dynamic else spec.shape[1:3]
        self.factory = factory
        self.dynamic_size = dynamic
        self.max_size = (int(width), int(height))
        self._use_size(self.max_size)
        self.outputs = EastOutputs.find(outputs_of(self.interpreter))
        self.configure(config)

    def _use_size(self, size: tuple[int, int]) -> None:
        """Switch to the interpreter and buffers of an input size (each created once, then reused)."""
        width, height = size
        self.size = size
        self.interpreter = self.factory.for_input_shape((1, height, width, 3))
        self.input = TensorSpec.from_details({**self.interpreter.get_input_details()[0], "shape_signature": None})
        self._resized = np.empty((height, width, 3), np.uint8)
        self._scratch = np.empty((height, width, 3), np.float32) if self.input.quantized else None

    def input_size(self, width: int, height: int) -> tuple[int, int]:
        """The detector input for a width x height image: the configured size, or with keep_aspect the
        image scaled to fit inside it (never up), rounded to multiples of 32."""
        if not self.dynamic_size or not self.config["detector.keep_aspect"]:
            return self.max_size
        scale = min(self.max_size[0] / width, self.max_size[1] / height, 1.0)
        return (int(np.clip(round(width * scale / 32) * 32, 32, self.max_size[0])),
                int(np.clip(round(height * scale / 32) * 32, 32, self.max_size[1])))

    def configure(self, config: OcrConfig) -> None:
        """Apply the settings that need no reload (thresholds, padding, limits, normalisation, sizing)."""
        self.config = config
        rgb = config["detector.channel_order"] == "rgb"
        order = slice(None) if rgb else slice(None, None, -1)  # settings are given in RGB order
        self._rgb = rgb
        self._mean = np.array(config["detector.mean"], np.float32)[order]
        self._inv_std = 1.0 / np.array(config["detector.std"], np.float32)[order]
        self._scale_needed = bool(np.any(self._inv_std != 1.0))

    def preprocess(self, image: np.ndarray) -> None:
        """Resize into the reused buffer, then normalise straight into the input tensor (quantizing if need be)."""
        size = self.input_size(image.shape[1], image.shape[0])
        if size != self.size:
            self._use_size(size)
        cv2.resize(image, self.size, dst=self._resized, interpolation=cv2.INTER_AREA if size[0] < image.shape[1] else cv2.INTER_LINEAR)
        if self._rgb:
            cv2.cvtColor(self._resized, cv2.COLOR_BGR2RGB, dst=self._resized)
        view = self.interpreter.tensor(self.input.index)()
        if self.input.quantized:
            np.subtract(self._resized, self._mean, out=self._scratch)
            self._scratch *= self._inv_std
            quantize_into(self._scratch, self.input, view[0])
        else:  # float input: no intermediate copy
            np.subtract(self._resized, self._mean, out=view[0], casting="unsafe")
            if self._scale_needed:
                view[0] *= self._inv_std
        del view  # the interpreter refuses to run while a view of its buffers is alive

    def infer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Invoke and return score (H x W), distances (H x W x 4) and angle in radians (H x W)."""
        self.interpreter.invoke()
        read = self.interpreter.get_tensor
        score = dequantize(read(self.outputs.score.index)[0, ..., 0], self.outputs.score)
        geometry = dequantize(read(self.outputs.distances.index)[0], self.outputs.distances)
        if self.outputs.angle is None:
            return score, geometry[..., :4], geometry[..., 4]
        cos_sin = dequantize(read(self.outputs.angle.index)[0], self.outputs.angle)
        return score, geometry, np.arctan2(cos_sin[..., 1], cos_sin[..., 0])

    def postprocess(self, score: np.ndarray, distances: np.ndarray, angle: np.ndarray,
                    source_size: tuple[int, int]) -> Detections:
        """Threshold, merge, suppress, map to source pixels, pad, clip and filter."""
        cfg = self.config
        threshold = cfg["detector.score_threshold"]
        quads, scores, cells = decode_rbox(score, distances, angle, threshold)
        if len(quads) == 0:
            return Detections(np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32))
        _, components = cv2.connectedComponents((score > threshold).astype(np.uint8), connectivity=8)
        pixel_components = components.ravel()[cells]
        quads, scores, support, quad_components = locality_merge(quads, scores, pixel_components)
        keep = rotated_nms(quads, support, cfg["detector.nms_threshold"])
        pixels = np.stack([cells % score.shape[1], cells // score.shape[1]], axis=1).astype(np.float32) * STRIDE
        quads = extend_to_score_extent(quads[keep], quad_components[keep], pixels, pixel_components)
        scores = scores[keep]
        src_w, src_h = source_size
        quads = quads * np.array([src_w / self.size[0], src_h / self.size[1]], np.float32)
        centre = quads.mean(axis=1, keepdims=True)
        quads = centre + (quads - centre) * (1.0 + 2.0 * cfg["detector.padding"])
        np.clip(quads[..., 0], 0, src_w - 1, out=quads[..., 0])
        np.clip(quads[..., 1], 0, src_h - 1, out=quads[..., 1])
        big = np.minimum(*quad_sizes(quads)) >= cfg["detector.min_size"]
        quads, scores = quads[big], scores[big]
        top = np.argsort(-scores, kind="stable")[: cfg["detector.max_detections"]]
        return Detections(quads[top], scores[top])

    def detect(self, image: np.ndarray, timings: dict[str, float]) -> Detections:
        t0 = time.perf_counter()
        self.preprocess(image)
        t1 = time.perf_counter()
        maps = self.infer()
        t2 = time.perf_counter()
        detections = self.postprocess(*maps, (image.shape[1], image.shape[0]))
        t3 = time.perf_counter()
        timings.update(preprocess=(t1 - t0) * 1e3, detect=(t2 - t1) * 1e3, decode_nms=(t3 - t2) * 1e3)
        return detections
