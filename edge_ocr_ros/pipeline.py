"""OcrPipeline: EAST detection, then CRNN recognition of every word, on reused interpreters.

Thread safety: a pipeline owns its interpreters and buffers, so one pipeline must not run in two
threads at once. Create one pipeline per thread (the ROS node runs one in its worker thread).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from .charset import Charset
from .config import SCHEMA, OcrConfig
from .detector import Detections, EastDetector
from .errors import ConfigError, InputImageError, ModelError
from .lexicon import Lexicon
from .recognizer import CrnnRecognizer
from .runtime import Accelerator, InterpreterFactory, choose_accelerators

LOG = logging.getLogger(__name__)
MAX_IMAGE_SIDE = 16384
MAX_IMAGE_PIXELS = 100_000_000


@dataclass
class Word:
    text: str
    confidence: float  # recognizer confidence, see edge_ocr_ros.ctc
    det_confidence: float  # mean EAST score of the box's pixels (1.0 in recognize-only mode)
    points: np.ndarray  # 4 x 2 float32, source-image pixels, clockwise from top-left
    box: tuple[int, int, int, int]  # axis-aligned x, y, width, height (pixels, inside the image)


@dataclass
class OcrResult:
    words: list[Word]
    width: int
    height: int
    timing_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self, image: str) -> dict:
        """The ``edge-ocr --json`` record of one image or frame."""
        return {"image": image, "width": self.width, "height": self.height,
                "words": [{"text": w.text, "confidence": round(float(w.confidence), 4),
                           "det_confidence": round(float(w.det_confidence), 4),
                           "points": [[round(float(x), 1), round(float(y), 1)] for x, y in w.points]} for w in self.words],
                "timing_ms": {k: round(v, 3) for k, v in self.timing_ms.items()}}


def check_image(image: object) -> np.ndarray:
    """A BGR uint8 H x W x 3 image, or InputImageError saying why not (grayscale is accepted and converted)."""
    if not isinstance(image, np.ndarray):
        raise InputImageError(f"image must be a numpy array, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise InputImageError(f"image must be 8-bit (uint8), not {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputImageError(f"image must be H x W x 3 (BGR) or H x W, not {image.shape}")
    h, w = image.shape[:2]
    if h == 0 or w == 0:
        raise InputImageError(f"image is empty ({w} x {h})")
    if max(h, w) > MAX_IMAGE_SIDE or h * w > MAX_IMAGE_PIXELS:
        raise InputImageError(f"image of {w} x {h} is too large (at most {MAX_IMAGE_SIDE} px a side, "
                              f"{MAX_IMAGE_PIXELS // 1_000_000} MP)")
    return image


def axis_aligned_box(quad: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
    x0, y0 = max(int(x0), 0), max(int(y0), 0)
    x1, y1 = min(int(x1), width - 1), min(int(y1), height - 1)
    return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


class OcrPipeline:
    """Loads both models once (``edgetpu`` chooses the files and the accelerator) and reads frames."""

    def __init__(self, config: OcrConfig, logger: logging.Logger | None = None) -> None:
        self.log = logger or LOG
        self.config = config
        accelerators = self._choose()
        self.detector_accelerator = accelerators["detector"]
        self.recognizer_accelerator = accelerators["recognizer"]
        threads = config["num_threads"]
        self.detector = EastDetector([InterpreterFactory(p, threads, self.detector_accelerator.edgetpu)
                                      for p in self.detector_accelerator.model_paths], config)
        self._warn_ignored_size()
        charset = Charset.load(config.path("recognizer.charset"))
        lexicon = self._lexicon(charset)
        self.recognizer = CrnnRecognizer(InterpreterFactory(self.recognizer_accelerator.model_paths[0], threads,
                                                            self.recognizer_accelerator.edgetpu), charset, config, lexicon)
        self.log.info("running %s", self.describe())

    def _warn_ignored_size(self) -> None:
        """detector.width/height size a dynamic model's input and the tiling of static ones; a static
        model without tiles has its own size, so say so rather than ignore the setting silently."""
        sizes = (self.config["detector.width"], self.config["detector.height"])
        defaults = (SCHEMA["detector.width"].default, SCHEMA["detector.height"].default)
        if not self.detector.dynamic_size and self.config["detector.tiles"] == "off" and sizes != defaults:
            self.log.warning("detector.width/height (%dx%d) do not apply to the static-size model(s) %s with "
                             "detector.tiles off: each frame is letterboxed into the model's own size",
                             *sizes, ", ".join(m.name for m in self.detector.models))

    def _lexicon(self, charset: Charset) -> Lexicon | None:
        if not self.config["recognizer.lexicon"]:
            return None
        path = self.config.path("recognizer.lexicon")
        lexicon = Lexicon.load(path, charset)
        if not len(lexicon):
            self.log.warning("lexicon %s has no word written in the recognizer's charset; reading without it", path)
            return None
        return lexicon

    def _choose(self) -> dict[str, Accelerator]:
        """The model files of each stage and where they run: the Edge TPU's compiled files, or on the
        CPU the float16 or int8 files (``precision``)."""
        cfg = self.config
        int8 = {"detector": cfg.paths("detector.int8_models"), "recognizer": [cfg.path("recognizer.int8_model")]}
        cpu = {"detector": [cfg.path("detector.model")], "recognizer": [cfg.path("recognizer.model")]}
        setting = {"detector": "detector.model", "recognizer": "recognizer.model"}
        if cfg["precision"] == "int8":
            cpu = int8
            setting = {"detector": "detector.int8_models", "recognizer": "recognizer.int8_model"}
        accelerators = choose_accelerators(cfg["edgetpu"], {s: (cpu[s], int8[s]) for s in cpu}, cfg["edgetpu_device"])
        for stage, acc in accelerators.items():
            for path in acc.model_paths:
                if not path.is_file():
                    raise ModelError(f"{stage} model {path} does not exist; set {setting[stage]}")
                if acc.name == "cpu" and path.name.endswith("_edgetpu.tflite"):
                    raise ModelError(f"{stage} model {path} is compiled for the Edge TPU and cannot run on the CPU; "
                                     f"give its int8 original (without _edgetpu)")
        return accelerators

    def describe(self) -> str:
        """One line: which model runs on what, and why."""
        d, r = self.detector_accelerator, self.recognizer_accelerator
        lexicon = self.recognizer.lexicon
        words = f"lexicon of {len(lexicon)} words" if lexicon is not None else "no lexicon"
        return (f"detector {', '.join(p.name for p in d.model_paths)} ({self.detector.describe()}) on "
                f"{d.name.upper()} [{d.reason}], recognizer {r.model_paths[0].name} on {r.name.upper()} [{r.reason}], "
                f"{words}")

    def update(self, config: OcrConfig) -> None:
        """Apply settings that need no model reload; raises ConfigError for those that do."""
        changed = [k for k, v in config.as_dict().items() if v != self.config[k]]
        needs_reload = [k for k in changed if SCHEMA[k].reload]
        if needs_reload:
            raise ConfigError(f"changing {', '.join(needs_reload)} needs a model reload (reconfigure the node)")
        self.config = config
        self.detector.configure(config)
        self.recognizer.configure(config)

    def _words(self, image: np.ndarray, detections: Detections, timings: dict[str, float]) -> list[Word]:
        texts, confidences = self.recognizer.recognize(image, detections.quads, timings)
        min_conf = self.config["recognizer.min_text_confidence"]
        h, w = image.shape[:2]
        return [Word(t, float(c), float(s), q, axis_aligned_box(q, w, h))
                for t, c, s, q in zip(texts, confidences, detections.scores, detections.quads, strict=True)
                if c >= min_conf and t]

    def run(self, image_bgr: np.ndarray) -> OcrResult:
        """Detect and read every word of a BGR image."""
        t0 = time.perf_counter()
        image = check_image(image_bgr)
        timings: dict[str, float] = {}
        detections = self.detector.detect(image, timings)
        words = self._words(image, detections, timings)
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return OcrResult(words, image.shape[1], image.shape[0], timings)

    def recognize_crop(self, image_bgr: np.ndarray) -> OcrResult:
        """Read a word crop without detection: one word whose points are the image corners."""
        t0 = time.perf_counter()
        image = check_image(image_bgr)
        h, w = image.shape[:2]
        quad = np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float32)
        timings: dict[str, float] = {}
        texts, confidences = self.recognizer.recognize(image, quad, timings)
        corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
        words = [Word(texts[0], float(confidences[0]), 1.0, corners, (0, 0, w, h))]
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return OcrResult(words, w, h, timings)
