"""EAST text detector: preprocessing into the model's input tensor (letterboxed or tiled for static
models), inference, decode and suppression."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..config import OcrConfig
from ..errors import ModelError
from ..geometry import quad_sizes
from ..results import Detections
from ..runtime.interpreter import InterpreterFactory
from ..runtime.tensor_io import TensorSpec, code_values, dequantize, inputs_of, outputs_of, quantize_into
from .coarse_pass import join_coarse_words
from .nms import locality_merge, rotated_nms
from .rbox import DISTANCE_SCALE, STRIDE, decode_rbox
from .score_extent import extend_to_score_extent
from .shared_ends import trim_shared_ends
from .views import ViewPlan, closest_aspect, plan_views, touches_inner_edge

__all__ = ["DetectorSettings", "EastDetector", "EastModel", "EastOutputs"]
EDGE_MARGIN = 2 * STRIDE  # a box this close to a tile's inner edge may be cut by it
MIN_COARSE_SIDE = 64  # a coarse pass whose frame would be smaller than this on a side is not run


@dataclass(frozen=True)
class DetectorSettings:
    """The ``detector.*`` settings the detector reads (docs/parameters.md explains each)."""

    width: int
    height: int
    keep_aspect: bool
    tiles: str
    tile_overlap: float
    score_threshold: float
    nms_threshold: float
    padding: float
    min_size: float
    max_detections: int
    coarse_scale: float
    coarse_passes: int
    coarse_min_size: float
    mean: list[float]  # RGB order
    std: list[float]
    channel_order: str

    @classmethod
    def from_config(cls, config: OcrConfig) -> DetectorSettings:
        """The detector's part of ``config``."""
        return config.stage(cls, "detector")


@dataclass(frozen=True)
class EastOutputs:
    """Which output tensor holds what, found by channel count (never by output order).

    Layouts: score (1) + geometry (5: four distances and the angle in radians, the public EAST), or
    score (1) + distances (4) + angle as (cos, sin) (2, this project's int8-friendly layout). In the
    latter, a quantized distance output whose range reaches below zero holds the distances' logits
    (``distance = DISTANCE_SCALE * sigmoid(logit)``, see ``rbox``): distances are never negative.
    """

    score: TensorSpec
    distances: TensorSpec
    angle: TensorSpec | None  # None: the angle is channel 4 of ``distances``
    distance_logits: bool = False

    @classmethod
    def find(cls, specs: list[TensorSpec]) -> EastOutputs:
        """The layout of a model's outputs, or ModelError saying which outputs it needs."""
        by_channels: dict[int, list[TensorSpec]] = {}
        for spec in specs:
            by_channels.setdefault(spec.shape[-1], []).append(spec)
        shapes = ", ".join(str(list(s.shape)) for s in specs)
        if len(by_channels.get(1, [])) != 1:
            raise ModelError(f"EAST model needs exactly one 1-channel score output; outputs are {shapes}")
        if len(by_channels.get(5, [])) == 1:
            return cls(by_channels[1][0], by_channels[5][0], None)
        if len(by_channels.get(4, [])) == 1 and len(by_channels.get(2, [])) == 1:
            distances = by_channels[4][0]
            logits = distances.quantized and np.iinfo(distances.dtype).min < distances.zero_point
            return cls(by_channels[1][0], distances, by_channels[2][0], logits)
        raise ModelError(f"EAST model needs a 5-channel geometry output (or 4 distances + 2 angle channels); outputs are {shapes}")


def distance_table(spec: TensorSpec) -> np.ndarray:
    """Pixel distance for every stored value of a quantized logit output: dequantizing and the sigmoid
    in one lookup."""
    return (DISTANCE_SCALE / (1.0 + np.exp(-code_values(spec)))).astype(np.float32)


class EastModel:
    """One EAST model file: its interpreter (one per input size for a dynamic model), the reused input
    buffers and the output layout."""

    def __init__(self, factory: InterpreterFactory) -> None:
        spec = inputs_of(factory.base)[0]
        if len(spec.shape) != 4 or spec.shape[-1] != 3:
            raise ModelError(f"EAST model input must be 1 x H x W x 3, not {list(spec.shape)}")
        self.factory = factory
        self.dynamic = spec.shape[1] < 0 or spec.shape[2] < 0
        self.outputs = EastOutputs.find(outputs_of(factory.base))
        self.distance_table = distance_table(self.outputs.distances) if self.outputs.distance_logits else None
        self.size = (0, 0)
        if not self.dynamic:
            self.use_size((int(spec.shape[2]), int(spec.shape[1])))

    @property
    def name(self) -> str:
        """The model's file name (for log lines)."""
        return self.factory.model_path.name

    def use_size(self, size: tuple[int, int]) -> None:
        """Switch to the interpreter and buffers of an input size (each created once, then reused)."""
        if size == self.size:
            return
        width, height = size
        self.size = size
        self.interpreter = self.factory.for_input_shape((1, height, width, 3))
        self.input = TensorSpec.from_details({**self.interpreter.get_input_details()[0], "shape_signature": None})
        self.buffer = np.empty((height, width, 3), np.uint8)  # the resized frame (or tile), then padding

    def infer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Invoke and return score (H x W), distances (H x W x 4) and angle in radians (H x W)."""
        self.interpreter.invoke()
        read = self.interpreter.get_tensor
        score = dequantize(read(self.outputs.score.index)[0, ..., 0], self.outputs.score)
        if self.distance_table is not None:
            geometry = self.distance_table[read(self.outputs.distances.index)[0]]
        else:
            geometry = dequantize(read(self.outputs.distances.index)[0], self.outputs.distances)
        if self.outputs.angle is None:
            return score, geometry[..., :4], geometry[..., 4]
        cos_sin = dequantize(read(self.outputs.angle.index)[0], self.outputs.angle)
        return score, geometry, np.arctan2(cos_sin[..., 1], cos_sin[..., 0])


class EastDetector:
    """Runs EAST: one dynamic-size (float) model, or static-size (int8, Edge TPU) models of which each
    frame uses the one closest to its aspect ratio, letterboxed or tiled (``detector_views``).
    Interpreters and input buffers are created once and reused for every frame."""

    def __init__(self, factories: list[InterpreterFactory], settings: DetectorSettings,
                 coarse_factories: Sequence[InterpreterFactory] = ()) -> None:
        self.models = [EastModel(f) for f in factories]
        self.coarse_models = [EastModel(f) for f in coarse_factories]  # static sizes only the coarse pass takes
        self._all_models = self.models + self.coarse_models  # every model: what a coarse frame may run in
        dynamic = [m.dynamic for m in self._all_models]
        if any(dynamic) and len(dynamic) > 1:
            raise ModelError("give one dynamic-size EAST model, or any number of static-size ones, not a mix")
        self.dynamic_size = dynamic[0]
        self.max_size = (int(settings.width), int(settings.height))
        self.model = self.models[0]
        if self.dynamic_size:
            self.model.use_size(self.max_size)
        self.plan: ViewPlan | None = None
        self._working = self._working_buffer = np.empty((0, 0, 3), np.uint8)
        self._coarse_buffers: list[np.ndarray] = []  # one per coarse pass, kept from frame to frame
        self.configure(settings)

    @property
    def interpreter(self):
        """The interpreter of the model the current frame uses."""
        return self.model.interpreter

    @property
    def input(self) -> TensorSpec:
        """That model's input tensor."""
        return self.model.input

    @property
    def size(self) -> tuple[int, int]:
        """That model's input width and height."""
        return self.model.size

    def input_size(self, width: int, height: int, keep_aspect: bool | None = None) -> tuple[int, int]:
        """The dynamic model's input for a width x height image: the configured size, or with keep_aspect
        (default: the setting's) the image scaled to fit inside it (never up), rounded to multiples of 32.
        A static model's own size."""
        if not self.dynamic_size:
            return self.models[closest_aspect([m.size for m in self.models], width, height)].size
        if not (self.settings.keep_aspect if keep_aspect is None else keep_aspect):
            return self.max_size
        scale = min(self.max_size[0] / width, self.max_size[1] / height, 1.0)
        return (int(np.clip(round(width * scale / 32) * 32, 32, self.max_size[0])),
                int(np.clip(round(height * scale / 32) * 32, 32, self.max_size[1])))

    def describe(self) -> str:
        """The input sizes, for the start-up line."""
        if self.dynamic_size:
            size = "x".join(map(str, self.max_size))
            return f"up to {size}, keeping aspect" if self.settings.keep_aspect else size
        sizes = ", ".join("x".join(map(str, m.size)) for m in self.models)
        coarse = ", ".join("x".join(map(str, m.size)) for m in self.coarse_models)
        return f"{sizes}, letterboxed, tiles {self.settings.tiles}" + (f"; coarse pass also {coarse}" if coarse else "")

    def configure(self, settings: DetectorSettings) -> None:
        """Apply the settings that need no reload (thresholds, padding, limits, tiling, normalisation)."""
        self.settings = settings
        rgb = settings.channel_order == "rgb"
        order = slice(None) if rgb else slice(None, None, -1)  # settings are given in RGB order
        self._rgb = rgb
        self._mean = np.array(settings.mean, np.float32)[order]
        self._inv_std = 1.0 / np.array(settings.std, np.float32)[order]
        self._scale_needed = bool(np.any(self._inv_std != 1.0))
        self._pad = np.clip(np.rint(self._mean), 0, 255).astype(np.uint8)  # the mean colour, in the model's order
        self._tables: dict[int, np.ndarray] = {}  # quantizing lookup tables, per static model

    def _plan(self, width: int, height: int, coarse: bool = False) -> ViewPlan:
        """Choose the model for this frame and the views it gets (one for a dynamic model). A coarse
        pass's small frame takes the smallest static model that holds it whole, not the largest model
        of its aspect ratio, which would spend a full-size inference on a quarter of its input."""
        if self.dynamic_size:  # a coarse frame is already at its working size: never stretched back up
            size = self.input_size(width, height, keep_aspect=True if coarse else None)
            self.model.use_size(size)
            return ViewPlan(1.0, size, size, ((0, 0),))
        holding = [m for m in self._all_models if m.size[0] >= width and m.size[1] >= height] if coarse else []
        self.model = (min(holding, key=lambda m: m.size[0] * m.size[1]) if holding
                      else self.models[closest_aspect([m.size for m in self.models], width, height)])
        return plan_views((width, height), self.model.size, self.max_size, self.settings.tiles,
                          self.settings.tile_overlap)

    def preprocess(self, image: np.ndarray, coarse: bool = False) -> ViewPlan:
        """Plan the views of ``image`` (a coarse pass's frame with ``coarse``) and load the first into
        the input tensor; returns the plan."""
        plan = self._plan(image.shape[1], image.shape[0], coarse)
        if self.dynamic_size:  # stretched (or fitted) to a multiple of 32 on each axis
            self._working = None
            self._resize_into(image, self.model.buffer)
            self._load(self.model.buffer.shape[1], self.model.buffer.shape[0])
        elif not plan.tiled:  # letterbox: straight into the buffer's top-left
            self._working = None
            w, h = plan.working
            self._resize_into(image, self.model.buffer[:h, :w])
            self._load(w, h)
        elif plan.scale == 1.0:
            self._working = image
            self.load_view(plan, plan.origins[0])
        else:  # the scaled frame goes into a buffer kept from frame to frame (a camera's frames share one size)
            width, height = plan.working
            if self._working_buffer.shape[:2] != (height, width):
                self._working_buffer = np.empty((height, width, 3), np.uint8)
            self._working = self._working_buffer
            cv2.resize(image, plan.working, dst=self._working, interpolation=cv2.INTER_AREA)
            self.load_view(plan, plan.origins[0])
        self.plan = plan
        return plan

    def load_view(self, plan: ViewPlan, origin: tuple[int, int]) -> None:
        """Copy one tile of the working image into the input buffer and tensor."""
        x0, y0 = origin
        tile = self._working[y0 : y0 + plan.tile[1], x0 : x0 + plan.tile[0]]
        self.model.buffer[: tile.shape[0], : tile.shape[1]] = tile
        self._load(tile.shape[1], tile.shape[0])

    def _resize_into(self, image: np.ndarray, dst: np.ndarray) -> None:
        size = (dst.shape[1], dst.shape[0])
        shrink = size[0] < image.shape[1]
        if size == (image.shape[1], image.shape[0]):
            dst[...] = image
        else:
            out = cv2.resize(image, size, dst=dst, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
            if out is not dst and not np.shares_memory(out, dst):  # OpenCV could not write into the view
                dst[...] = out

    def _load(self, width: int, height: int) -> None:
        """Normalise the buffer (whose top-left ``width`` x ``height`` holds the picture, the rest is
        filled here with the mean colour) straight into the input tensor, quantizing if need be."""
        model = self.model
        buf = model.buffer
        if self._rgb:  # the whole (contiguous) buffer: the padding is written after, in the model's order
            cv2.cvtColor(buf, cv2.COLOR_BGR2RGB, dst=buf)
        if height < buf.shape[0]:
            buf[height:] = self._pad
        if width < buf.shape[1]:
            buf[:height, width:] = self._pad
        view = model.interpreter.tensor(model.input.index)()
        if model.input.quantized:  # one table lookup per pixel: normalise and quantize in a single pass
            cv2.LUT(buf, self._quantizing_table(model), dst=view[0])
        else:  # float input: no intermediate copy
            np.subtract(buf, self._mean, out=view[0], casting="unsafe")
            if self._scale_needed:
                view[0] *= self._inv_std
        del view  # the interpreter refuses to run while a view of its buffers is alive

    def _quantizing_table(self, model: EastModel) -> np.ndarray:
        """The model's quantized input value of every 8-bit pixel value, per channel (1 x 256 x 3): the
        normalisation is affine and its input has 256 levels, so a table replaces float arithmetic."""
        key = id(model)
        if key not in self._tables:
            levels = np.repeat(np.arange(256, dtype=np.float32)[:, None], 3, axis=1)
            values = (levels - self._mean) * self._inv_std
            table = np.empty((256, 3), model.input.dtype)
            quantize_into(values, model.input, table)
            self._tables[key] = table[None]
        return self._tables[key]

    def infer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run the loaded view: score, distances and angle maps (see ``EastModel.infer``)."""
        return self.model.infer()

    def boxes(self, score: np.ndarray, distances: np.ndarray, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Threshold, merge, suppress and extend: quads (in model-input pixels) and their scores."""
        threshold = self.settings.score_threshold
        quads, scores, cells = decode_rbox(score, distances, angle, threshold)
        if len(quads) == 0:
            return np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
        _, components = cv2.connectedComponents((score > threshold).astype(np.uint8), connectivity=8)
        pixel_components = components.ravel()[cells]
        quads, scores, support, quad_components = locality_merge(quads, scores, pixel_components)
        keep = rotated_nms(quads, support, self.settings.nms_threshold)
        pixels = np.stack([cells % score.shape[1], cells // score.shape[1]], axis=1).astype(np.float32) * STRIDE
        quads = extend_to_score_extent(quads[keep], quad_components[keep], pixels, pixel_components)
        return trim_shared_ends(quads), scores[keep]

    def to_source(self, quads: np.ndarray, scores: np.ndarray, source_size: tuple[int, int]) -> Detections:
        """Map quads from working to source pixels, pad, clip and filter."""
        settings = self.settings
        src_w, src_h = source_size
        working = self.plan.working
        quads = quads * np.array([src_w / working[0], src_h / working[1]], np.float32)
        centre = quads.mean(axis=1, keepdims=True)
        quads = centre + (quads - centre) * (1.0 + 2.0 * settings.padding)
        np.clip(quads[..., 0], 0, src_w - 1, out=quads[..., 0])
        np.clip(quads[..., 1], 0, src_h - 1, out=quads[..., 1])
        big = np.minimum(*quad_sizes(quads)) >= settings.min_size
        quads, scores = quads[big], scores[big]
        top = np.argsort(-scores, kind="stable")[: settings.max_detections]
        return Detections(quads[top], scores[top])

    def postprocess(self, score: np.ndarray, distances: np.ndarray, angle: np.ndarray,
                    source_size: tuple[int, int]) -> Detections:
        """The boxes of a single view, in source pixels."""
        return self.to_source(*self.boxes(score, distances, angle), source_size)

    def detect(self, image: np.ndarray, timings: dict[str, float]) -> Detections:
        """The word boxes of a BGR image in its own pixels; stage times go into ``timings`` (ms).

        With ``coarse_scale`` and ``coarse_passes``, further passes over the frame at ``coarse_scale``,
        its square and so on of the detection resolution find the words too large for the first: EAST,
        trained on small and medium words, breaks a word much taller than about 48 of its input pixels
        into pieces or misses it. Each pass's large words (``coarse_min_size`` at the first coarse pass,
        twice that at the next for a scale of 0.5) join the words found so far (``coarse_pass.join_coarse_words``)."""
        detections = self._detect_once(image, timings)
        scale, passes = self.settings.coarse_scale, self.settings.coarse_passes
        working = self.plan.working
        source_per_working = image.shape[1] / working[0]
        for k in range(1, passes + 1 if scale > 0.0 else 1):
            size = (round(working[0] * scale**k), round(working[1] * scale**k))
            if min(size) < MIN_COARSE_SIDE:
                break
            if len(self._coarse_buffers) < k:
                self._coarse_buffers.append(np.empty((0, 0, 3), np.uint8))
            if self._coarse_buffers[k - 1].shape[:2] != (size[1], size[0]):
                self._coarse_buffers[k - 1] = np.empty((size[1], size[0], 3), np.uint8)
            frame = cv2.resize(image, size, dst=self._coarse_buffers[k - 1], interpolation=cv2.INTER_AREA)
            spent: dict[str, float] = {}
            coarse = self._detect_once(frame, spent, coarse=True)
            t0 = time.perf_counter()
            quads = coarse.quads * np.array([image.shape[1] / size[0], image.shape[0] / size[1]], np.float32)
            min_size = self.settings.coarse_min_size / scale ** (k - 1) * source_per_working
            large = np.minimum(*quad_sizes(quads)) >= min_size
            detections = join_coarse_words(detections, Detections(quads[large], coarse.scores[large]),
                                           self.settings.nms_threshold, self.settings.max_detections)
            spent["decode_nms"] += (time.perf_counter() - t0) * 1e3
            for stage, ms in spent.items():
                timings[stage] += ms
        return detections

    def _detect_once(self, image: np.ndarray, timings: dict[str, float], coarse: bool = False) -> Detections:
        """One pass of the detector over ``image`` (letterboxed, or in tiles), boxes in its pixels."""
        t0 = time.perf_counter()
        plan = self.preprocess(image, coarse)
        t1 = time.perf_counter()
        if not plan.tiled:
            maps = self.infer()
            t2 = time.perf_counter()
            detections = self.postprocess(*maps, (image.shape[1], image.shape[0]))
            t3 = time.perf_counter()
            timings.update(preprocess=(t1 - t0) * 1e3, detect=(t2 - t1) * 1e3, decode_nms=(t3 - t2) * 1e3)
            return detections
        preprocess, detect, decode = t1 - t0, 0.0, 0.0
        all_quads, all_scores = [], []
        for i, origin in enumerate(plan.origins):
            t0 = time.perf_counter()
            if i:
                self.load_view(plan, origin)
            t1 = time.perf_counter()
            maps = self.infer()
            t2 = time.perf_counter()
            quads, scores = self.boxes(*maps)
            whole = ~touches_inner_edge(quads, plan, origin, EDGE_MARGIN)
            all_quads.append(quads[whole] + np.array(origin, np.float32))
            all_scores.append(scores[whole])
            t3 = time.perf_counter()
            preprocess, detect, decode = preprocess + (t1 - t0), detect + (t2 - t1), decode + (t3 - t2)
        t0 = time.perf_counter()
        quads, scores = np.concatenate(all_quads), np.concatenate(all_scores)
        keep = rotated_nms(quads, scores, self.settings.nms_threshold)  # words whole in two tiles
        detections = self.to_source(quads[keep], scores[keep], (image.shape[1], image.shape[0]))
        decode += time.perf_counter() - t0
        timings.update(preprocess=preprocess * 1e3, detect=detect * 1e3, decode_nms=decode * 1e3)
        return detections
