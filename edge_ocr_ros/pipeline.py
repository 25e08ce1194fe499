"""OcrPipeline: a detector, then a recognizer for every word, on interpreters created once.

``OcrPipeline.from_config`` builds the stages from settings (which files, which accelerator);
``OcrPipeline(detector, recognizer)`` only runs them, so tests can hand it any stages.
Thread safety: a pipeline owns its interpreters and buffers, so one pipeline must not run in two
threads at once. Create one pipeline per thread (the ROS node runs one in its worker thread).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import cv2
import numpy as np

from .config import SCHEMA, OcrConfig
from .detection.east import DetectorSettings, EastDetector
from .errors import ConfigError, ModelError
from .geometry import axis_aligned_box, rotated_box
from .image_codec import check_image
from .reading_order import read_lines
from .recognition.charset import Charset
from .recognition.crnn import CrnnRecognizer, RecognizerSettings
from .recognition.lexicon import Lexicon
from .recognition.word_split import sub_quad
from .results import Detections, OcrResult, Word
from .runtime.interpreter import Accelerator, InterpreterFactory, choose_accelerators, edgetpu_path

__all__ = ["OcrPipeline"]
LOG = logging.getLogger(__name__)
# A word crop is searched by the detector at up to this height (px; it finds text 7 to 70 px tall best), with
# at least this share of it as border on every side so that the word never touches the image's edge, in a
# canvas of one size (W, H) so that the detector's input keeps its shape from crop to crop (a new shape costs
# a tensor reallocation, about three times the detection itself).
STRAIGHTEN_HEIGHT = 64
STRAIGHTEN_BORDER = 0.3
STRAIGHTEN_CANVAS = (512, 128)
MAX_STRAIGHTEN_TURN = 45.0


class OcrPipeline:
    """Reads frames: the detector finds word boxes, the recognizer reads them, unreadable ones are dropped.

    Args:
        detector: finds boxes (``detect(image, timings) -> Detections``).
        recognizer: reads them (``recognize(image, quads, timings) -> Readings``, after
            ``orient(image, quads, timings) -> quads`` has turned vertical words' boxes; its
            ``settings.min_text_confidence`` drops the words read with less confidence).
    """

    def __init__(self, detector: EastDetector, recognizer: CrnnRecognizer, logger: logging.Logger | None = None) -> None:
        self.detector, self.recognizer = detector, recognizer
        self.log = logger or LOG
        self.config: OcrConfig | None = None  # the settings it was built from (``from_config``)
        self.detector_accelerator = self.recognizer_accelerator = Accelerator("cpu", [])

    @classmethod
    def from_config(cls, config: OcrConfig, logger: logging.Logger | None = None) -> OcrPipeline:
        """Load both models once (``edgetpu`` and ``precision`` choose the files and the accelerator).

        Raises:
            ModelError: a model, charset or lexicon file is missing or does not fit.
            AcceleratorError: ``edgetpu: on`` and no Edge TPU can be used.
        """
        log = logger or LOG
        accelerators = _choose_accelerators(config)
        detector_acc, recognizer_acc = accelerators["detector"], accelerators["recognizer"]
        threads = config["num_threads"]
        coarse = _coarse_models(config, detector_acc, log)
        detector = EastDetector([InterpreterFactory(p, threads, detector_acc.edgetpu) for p in detector_acc.model_paths],
                                DetectorSettings.from_config(config),
                                [InterpreterFactory(p, threads, detector_acc.edgetpu) for p in coarse])
        charset = Charset.load(config.path("recognizer.charset"))
        recognizer = CrnnRecognizer(InterpreterFactory(recognizer_acc.model_paths[0], threads, recognizer_acc.edgetpu),
                                    charset, RecognizerSettings.from_config(config), _lexicon(config, charset, log))
        pipeline = cls(detector, recognizer, log)
        pipeline.config = config
        pipeline.detector_accelerator, pipeline.recognizer_accelerator = detector_acc, recognizer_acc
        pipeline._warn_ignored_size()
        log.info("running %s", pipeline.describe())
        return pipeline

    def _warn_ignored_size(self) -> None:
        """detector.width/height size a dynamic model's input and the tiling of static ones; a static
        model without tiles has its own size, so say so rather than ignore the setting silently."""
        settings = self.detector.settings
        sizes = (settings.width, settings.height)
        defaults = (SCHEMA["detector.width"].default, SCHEMA["detector.height"].default)
        if not self.detector.dynamic_size and settings.tiles == "off" and sizes != defaults:
            self.log.warning("detector.width/height (%dx%d) do not apply to the static-size model(s) %s with "
                             "detector.tiles off: each frame is letterboxed into the model's own size",
                             *sizes, ", ".join(m.name for m in self.detector.models))

    def describe(self) -> str:
        """One line: which model runs on what, and why."""
        d, r = self.detector_accelerator, self.recognizer_accelerator
        lexicon = self.recognizer.lexicon
        words = f"lexicon of {len(lexicon)} words" if lexicon is not None else "no lexicon"
        detector = ", ".join(m.name for m in self.detector.models + self.detector.coarse_models)
        return (f"detector {detector} ({self.detector.describe()}) on {d.name.upper()} [{d.reason}], recognizer "
                f"{self.recognizer.factory.model_path.name} on {r.name.upper()} [{r.reason}], {words}")

    def update(self, config: OcrConfig) -> None:
        """Apply settings that need no model reload.

        Raises:
            ConfigError: a changed setting needs the models reloaded (build a new pipeline).
        """
        if self.config is None:
            raise ConfigError("this pipeline was built from its stages, not from settings: configure the stages")
        changed = [k for k, v in config.as_dict().items() if v != self.config[k]]
        needs_reload = [k for k in changed if SCHEMA[k].reload]
        if needs_reload:
            raise ConfigError(f"changing {', '.join(needs_reload)} needs a model reload (reconfigure the node)")
        self.config = config
        self.detector.configure(DetectorSettings.from_config(config))
        self.recognizer.configure(RecognizerSettings.from_config(config))

    def read_words(self, image: np.ndarray, detections: Detections, timings: dict[str, float]) -> list[Word]:
        """The words read in ``detections`` of ``image`` (checked), those under min_text_confidence dropped."""
        quads = self.recognizer.orient(image, detections.quads, timings)
        readings = self.recognizer.recognize(image, quads, timings)
        min_conf = self.recognizer.settings.min_text_confidence
        h, w = image.shape[:2]
        words = []
        for box, text, confidence, (start, end) in zip(readings.boxes, readings.texts, readings.confidences,
                                                      readings.spans, strict=True):
            if confidence >= min_conf and text:
                quad = quads[box]
                quad = quad if (start, end) == (0.0, 1.0) else sub_quad(quad, start, end)
                words.append(Word(text, float(confidence), float(detections.scores[box]), quad,
                                  axis_aligned_box(quad, w, h)))
        return words

    def run(self, image_bgr: np.ndarray) -> OcrResult:
        """Detect and read every word of an image.

        Args:
            image_bgr: H x W x 3 BGR (or H x W gray) uint8.
        Returns:
            the words, best detection first, in source-image pixels, and their lines in reading order.
        Raises:
            InputImageError: not an 8-bit image, empty, or over the size limits.
        """
        t0 = time.perf_counter()
        image = check_image(image_bgr)
        timings: dict[str, float] = {}
        detections = self.detector.detect(image, timings)
        words = self.read_words(image, detections, timings)
        t1 = time.perf_counter()
        lines = read_lines(words)
        timings["lines"] = (time.perf_counter() - t1) * 1e3
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return OcrResult(words, image.shape[1], image.shape[0], timings, lines)

    def recognize_crop(self, image_bgr: np.ndarray) -> OcrResult:
        """Read a word crop without detection: one word whose points are the image corners (kept even
        when its confidence is below ``min_text_confidence``, so word-accuracy scoring sees every crop); a
        crop taller than wide may be read turned (``recognizer.vertical_ratio``)."""
        t0 = time.perf_counter()
        image = check_image(image_bgr)
        h, w = image.shape[:2]
        quad = np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float32)
        timings: dict[str, float] = {}
        quad = self.recognizer.orient(image, quad, timings, margin=0.0)  # the crop is the word, maybe vertical
        readings = self.recognizer.recognize(image, quad, timings, split=False, margin=0.0)
        text, confidence = readings.texts[0], float(readings.confidences[0])
        straightened = self._straightened_reading(image, timings)
        if straightened is not None and straightened[1] > confidence:
            text, confidence = straightened
        corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
        words = [Word(text, confidence, 1.0, corners, (0, 0, w, h))]
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return OcrResult(words, w, h, timings)

    def _straightened_reading(self, image: np.ndarray, timings: dict[str, float]) -> tuple[str, float] | None:
        """A crop cut upright around a slanted word (word-crop datasets, axis-aligned detectors) shows the
        word squeezed along its diagonal. The detector, run on the crop scaled to a text height it reads
        well and framed by its own border, finds the word's rotated box; when that box is turned at least
        ``recognizer.straighten_angle`` degrees (and at most 45: a word nearer upright than level is
        ``CrnnRecognizer.orient``'s), returns its reading (the words it found, left to right, joined) and
        the least of their confidences. None when it is off, finds nothing or nothing turned."""
        angle = self.recognizer.settings.straighten_angle
        if angle <= 0.0:
            return None
        t0 = time.perf_counter()
        words = self.run(framed_crop(image)).words
        timings["straighten"] = (time.perf_counter() - t0) * 1e3
        turned = [abs(float(np.degrees(rotated_box(word.points)[4]))) for word in words]
        if not words or not angle <= max(min(t, 180.0 - t) for t in turned) <= MAX_STRAIGHTEN_TURN:
            return None
        words.sort(key=lambda word: float(word.points[:, 0].mean()))
        return "".join(word.text for word in words), min(word.confidence for word in words)


def framed_crop(image: np.ndarray) -> np.ndarray:
    """``image`` scaled to STRAIGHTEN_HEIGHT (less if it is too wide) in the middle of a STRAIGHTEN_CANVAS
    whose margins repeat its edges (as the recognizer pads a short word: no hard edge to read)."""
    canvas_w, canvas_h = STRAIGHTEN_CANVAS
    h, w = image.shape[:2]
    scale = min(STRAIGHTEN_HEIGHT / h, (canvas_w - 2 * STRAIGHTEN_BORDER * STRAIGHTEN_HEIGHT) / w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA)
    top, left = (canvas_h - size[1]) // 2, (canvas_w - size[0]) // 2
    return cv2.copyMakeBorder(resized, top, canvas_h - size[1] - top, left, canvas_w - size[0] - left,
                              cv2.BORDER_REPLICATE)


def _lexicon(config: OcrConfig, charset: Charset, log: logging.Logger) -> Lexicon | None:
    if not config["recognizer.lexicon"]:
        return None
    path = config.path("recognizer.lexicon")
    lexicon = Lexicon.load(path, charset)
    if not len(lexicon):
        log.warning("lexicon %s has no word written in the recognizer's charset; reading without it", path)
        return None
    return lexicon


def _coarse_models(config: OcrConfig, detector: Accelerator, log: logging.Logger) -> list[Path]:
    """The files of ``detector.int8_coarse_models`` that the detector's static models are joined by: none
    for the float model; on the Edge TPU only those compiled (a coarse model on the CPU beside a detector
    on the TPU would be slower than the TPU's own larger model), on the CPU all, each a ModelError if missing."""
    first = config.paths("detector.int8_models")
    extra = [p for p in config.paths("detector.int8_coarse_models") if p not in first]
    if detector.name == "edgetpu":
        compiled = [edgetpu_path(p) for p in extra]
        for path in (p for p in compiled if not p.is_file()):
            log.warning("coarse detector %s does not exist: the coarse pass uses the larger detectors on the Edge TPU; "
                        "compile %s for a faster coarse pass", path.name, path.name.replace("_edgetpu", ""))
        return [p for p in compiled if p.is_file()]
    if config["precision"] != "int8":
        return []
    for path in extra:
        if not path.is_file():
            raise ModelError(f"coarse detector model {path} does not exist; set detector.int8_coarse_models "
                             "(to one of detector.int8_models to use those only)")
    return extra


def _choose_accelerators(config: OcrConfig) -> dict[str, Accelerator]:
    """The model files of each stage and where they run: the Edge TPU's compiled files, or on the
    CPU the float16 or int8 files (``precision``)."""
    int8 = {"detector": config.paths("detector.int8_models"), "recognizer": [config.path("recognizer.int8_model")]}
    cpu = {"detector": [config.path("detector.model")], "recognizer": [config.path("recognizer.model")]}
    setting = {"detector": "detector.model", "recognizer": "recognizer.model"}
    if config["precision"] == "int8":
        cpu = int8
        setting = {"detector": "detector.int8_models", "recognizer": "recognizer.int8_model"}
    accelerators = choose_accelerators(config["edgetpu"], {s: (cpu[s], int8[s]) for s in cpu}, config["edgetpu_device"])
    for stage, acc in accelerators.items():
        for path in acc.model_paths:
            if not path.is_file():
                raise ModelError(f"{stage} model {path} does not exist; set {setting[stage]}")
            if acc.name == "cpu" and path.name.endswith("_edgetpu.tflite"):
                raise ModelError(f"{stage} model {path} is compiled for the Edge TPU and cannot run on the CPU; "
                                 f"give its int8 original (without _edgetpu)")
    return accelerators
