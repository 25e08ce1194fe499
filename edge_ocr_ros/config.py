"""The one settings schema, shared by the ``edge-ocr`` command (YAML) and the ROS node (parameters).

Settings are flat dotted names (``detector.score_threshold``); a YAML file may nest them
(``detector: {score_threshold: 0.8}``), wrap them in a ROS params file (``ocr_node: ros__parameters:``)
or be the seed project's ``mjsynth.yml`` (``dataset_builder.table_path``, ``img_shape``).
Relative model paths are looked up in the folder of the YAML file, then in the bundled ``models/``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import ConfigError

__all__ = [
    "CROP_MARGIN",
    "LEXICON_MARGIN",
    "MEAN_RGB",
    "MIN_TEXT_CONFIDENCE",
    "NODE_PARAMETERS",
    "NODE_SETTINGS",
    "SCHEMA",
    "SECOND_LOOK_FROM",
    "TILES_PATTERN",
    "OcrConfig",
    "Setting",
    "bundled_models_dir",
    "bundled_share_dir",
    "flatten",
    "validate_value",
]

T = TypeVar("T")


def bundled_share_dir(name: str, marker: str) -> Path:
    """``name/`` (``models``, ``msg``) of a source checkout, or ``share/edge_ocr_ros/name`` of a pip or colcon
    install: the first that holds ``marker``."""
    here = Path(__file__).resolve().parent
    candidates = [here / name, here.parent / name, *(parent / "share" / "edge_ocr_ros" / name for parent in here.parents)]
    return next((c for c in candidates if (c / marker).is_file()), here.parent / name)


def bundled_models_dir() -> Path:
    """The shipped models (see ``bundled_share_dir``)."""
    return bundled_share_dir("models", "charset.txt")


@dataclass(frozen=True)
class Setting:
    """One setting of the schema: default, help text and the checks a value must pass."""
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    reload: bool = True  # True: changing it means reloading models (read-only while a node runs)
    multiple_of: int = 0


MEAN_RGB = [123.68, 116.779, 103.939]  # ImageNet mean, the public EAST convention; training uses it too
# decoding defaults of the bundled models, chosen on real training data by scripts/tune_recognizer.py
LEXICON_MARGIN = 4.0
MIN_TEXT_CONFIDENCE = 0.95
# chosen on the real training scenes (models/README.md, "Crop margin and second look")
CROP_MARGIN, SECOND_LOOK_FROM = 0.075, 0.0
# Off by default: the detector pass costs 5x the time per crop in float16 and 26x in int8 on the CPU, and gains
# nothing on near-level crops (the dev set's). For crops of slanted words, 8 degrees: on the 1,140 ICDAR 2003
# scene words (all within 5 degrees of level) 4 degrees cost 0.8 points and 8 nothing (models/README.md,
# "Slanted word crops").
STRAIGHTEN_ANGLE = 0.0
VERTICAL_RATIO = 1.5  # RapidOCR's (PaddleOCR's) rule for turning a tall crop, not tuned (models/README.md, "Vertical words")
SPLIT_GAP, SPLIT_RATIO = 1.2, 1.8  # a box's reading is cut at a space (recognition/word_split.py)
COARSE_SCALE, COARSE_PASSES, COARSE_MIN_SIZE = 0.5, 1, 48.0  # coarse detection passes (models/README.md, "Large words")
SCHEMA: dict[str, Setting] = {
    "edgetpu": Setting("auto", "Edge TPU use: auto (TPU when present and an *_edgetpu.tflite model exists), on, off",
                       choices=("auto", "on", "off")),
    "edgetpu_device": Setting("", "Edge TPU to open, e.g. usb:0 or pci:0; empty for the first one"),
    "num_threads": Setting(2, "CPU threads per TFLite interpreter", 1, 64),
    "precision": Setting("float16", "models on the CPU: float16, or int8 (the Edge TPU's own models and processing, "
                                    "run on the CPU: faster, e.g. for a Raspberry Pi without a Coral)",
                         choices=("float16", "int8")),
    "detector.model": Setting("east_fp16.tflite", "float EAST model for the CPU (.tflite, any input size)"),
    "detector.int8_models": Setting(["east_int8_1280x736.tflite", "east_int8_640x480.tflite"],
                                    "int8 EAST models of static input sizes; each frame uses the one whose aspect ratio "
                                    "is closest to its own. On the Edge TPU their compiled twins NAME_edgetpu.tflite run"),
    "detector.int8_coarse_models": Setting(["east_int8_320x256.tflite"],
                                           "int8 EAST models only the coarse pass uses: its frame takes the smallest of "
                                           "these and detector.int8_models that holds it (a 640x480 frame's half-size pass "
                                           "then runs on a quarter of the pixels). Name one of detector.int8_models to use "
                                           "those only. On the Edge TPU a model without its compiled twin is left out"),
    "detector.width": Setting(1280, "detection width (multiple of 32): the float model's largest input, and the "
                                    "working width of the int8 path (tiled when its model is smaller)", 32, 4096,
                              multiple_of=32),
    "detector.height": Setting(736, "detection height (multiple of 32), as detector.width", 32, 4096,
                               multiple_of=32),
    "detector.keep_aspect": Setting(True, "dynamic-size models: fit the image inside width x height keeping its aspect "
                                          "ratio, never upscaling (false: stretch to exactly width x height)"),
    "detector.tiles": Setting("auto", "static (int8) models: off (one letterboxed pass), COLSxROWS (that grid of "
                                      "overlapping tiles of the model's size), or auto (tiles only when the model is "
                                      "smaller than the image fitted inside width x height)", reload=False),
    "detector.tile_overlap": Setting(0.25, "share of a tile's width and height that it has in common with its "
                                           "neighbour (words cut by a tile edge are taken from the neighbour)",
                                     0.0, 0.5, reload=False),
    "detector.score_threshold": Setting(0.7, "minimum EAST score of a text pixel (the seed's --thr)", 0.0, 1.0,
                                        reload=False),
    "detector.nms_threshold": Setting(0.2, "IoU above which overlapping boxes are suppressed (the seed's --nms)",
                                      0.0, 1.0, reload=False),
    "detector.padding": Setting(0.0, "fraction by which each box grows on every side (the seed's --padding)",
                                0.0, 1.0, reload=False),
    "detector.min_size": Setting(5.0, "boxes whose shorter side is below this many source pixels are dropped",
                                 0.0, 10000.0, reload=False),
    "detector.max_detections": Setting(100, "most words kept per image (highest scores first)", 1, 1000,
                                       reload=False),
    "detector.coarse_scale": Setting(COARSE_SCALE, "coarse detection passes over the frame at this share of the "
                                     "detection resolution (and its powers) find words too large for the first; 0: one pass",
                                     0.0, 0.9, reload=False),
    "detector.coarse_passes": Setting(COARSE_PASSES, "how many coarse passes, each at coarse_scale of the one before "
                                      "(2 finds a word filling the frame's height, for 1.1-1.2x the time); 0: one pass",
                                      0, 4, reload=False),
    "detector.coarse_min_size": Setting(COARSE_MIN_SIZE, "the first coarse pass's words whose shorter side is at least "
                                        "this many detection-resolution pixels join the first pass's (overlaps: the higher "
                                        "score wins); the next pass's at least this divided by coarse_scale, and so on",
                                        0.0, 10000.0, reload=False),
    "detector.mean": Setting(MEAN_RGB, "per-channel mean subtracted from the detector input, in RGB order"),
    "detector.std": Setting([1.0, 1.0, 1.0], "per-channel divisor of the detector input, in RGB order"),
    "detector.channel_order": Setting("bgr", "channel order the detector model expects", choices=("bgr", "rgb")),
    "recognizer.model": Setting("crnn_fp16.tflite", "float CRNN model for the CPU (.tflite)"),
    "recognizer.int8_model": Setting("crnn_int8.tflite", "int8 CRNN model; on the Edge TPU its compiled twin "
                                                         "NAME_edgetpu.tflite runs"),
    "recognizer.charset": Setting("charset.txt", "alphabet file, CRNN.tf2 table.txt format (<UNK> first, <BLK> last)"),
    "recognizer.grayscale": Setting(True, "feed the recognizer grayscale crops (else colour, in channel_order)"),
    "recognizer.channel_order": Setting("bgr", "channel order of colour recognizer input", choices=("bgr", "rgb")),
    "recognizer.mean": Setting(0.0, "value subtracted from recognizer input pixels"),
    "recognizer.std": Setting(255.0, "divisor of recognizer input pixels (after the mean)", 1e-6, 1e6),
    "recognizer.max_width": Setting(256, "crop width for models with a dynamic input width (multiple of 4)", 8, 2048),
    "recognizer.lexicon": Setting("lexicon.txt.gz", "known words (one per line, .txt or .txt.gz): a misread one edit away "
                                                    "from one may be replaced by it; empty to read without a lexicon"),
    "recognizer.site_words": Setting("", "the robot's own vocabulary (room names, product names), separated by spaces or "
                                         "commas: added to the lexicon, so that a near misread snaps to one of them; "
                                         "can change at run time, applied between frames", reload=False),
    "recognizer.lexicon_margin": Setting(LEXICON_MARGIN, "how much less likely (natural log) a lexicon word may be than "
                                         "the decoded text and still replace it (0: only an equally likely word)",
                                         0.0, 100.0, reload=False),
    "recognizer.beam_width": Setting(1, "CTC beam width; 1 is greedy best-path decoding", 1, 64, reload=False),
    "recognizer.min_text_confidence": Setting(MIN_TEXT_CONFIDENCE, "words whose text confidence is below this are "
                                              "dropped (mostly non-text boxes); 0 keeps every box", 0.0, 1.0, reload=False),
    "recognizer.crop_margin": Setting(CROP_MARGIN, "share of a box's height added above and below it when the word is "
                                      "cut out for the recognizer, which reads best with some background around "
                                      "the letters; the reported box keeps the detector's size", 0.0, 1.0,
                                      reload=False),
    "recognizer.second_look_from": Setting(SECOND_LOOK_FROM, "a box read with the crop margin at a confidence from "
                                                             "this up to min_text_confidence is read again without "
                                                             "it, and the better reading kept; 1: never",
                                           0.0, 1.0, reload=False),
    "recognizer.vertical_ratio": Setting(VERTICAL_RATIO, "a box at least this many times taller than wide (a vertical "
                                         "word) is also read a quarter turn either way, and the most confident of the "
                                         "three readings kept; 0: never", 0.0, 100.0, reload=False),
    "recognizer.straighten_angle": Setting(STRAIGHTEN_ANGLE, "word crops only (edge-ocr --recognize-only, eval on a "
                                           "words folder): the detector also looks inside the crop, and a word it "
                                           "finds turned at least this many degrees (cut upright around a slanted "
                                           "word, as datasets and axis-aligned detectors cut) is read along its own "
                                           "box, the more confident reading kept; 0: never (8 for crops of slanted "
                                           "words; it costs a detector pass per crop)", 0.0, 90.0,
                                           reload=False),
    "recognizer.split_gap": Setting(SPLIT_GAP, "a box holding several words is read as several: two neighbouring characters "
                                    "at least this many box heights apart (centre to centre) are cut apart; 0: never",
                                    0.0, 100.0, reload=False),
    "recognizer.split_ratio": Setting(SPLIT_RATIO, "... and at least this many times the median distance between the "
                                      "box's other characters", 1.0, 100.0, reload=False),
    "tracking.enabled": Setting(True, "streams (the node, edge-ocr --video/--camera): follow words across frames and "
                                      "report each track's voted text (the frame's own reading stays in frame_text)",
                                reload=False),
    "tracking.min_frames": Setting(1, "report a tracked word only once its track has been read in this many frames",
                                   1, 1000, reload=False),
    "tracking.max_age": Setting(5, "frames a track is kept without a matching word (a word hidden for a moment keeps "
                                   "its id)", 0, 1000, reload=False),
}


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "non-empty list of file names" if isinstance(value[0], str) else "list of numbers"
    return type(value).__name__


TILES_PATTERN = re.compile(r"^(auto|off|([1-9])x([1-9]))$")


def validate_value(name: str, value: Any) -> Any:
    """Return ``value`` converted to the setting's type, or raise ConfigError saying what is wrong."""
    if name not in SCHEMA:
        close = [k for k in SCHEMA if k.split(".")[-1] == name.split(".")[-1]]
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ConfigError(f"unknown setting '{name}'{hint}")
    spec = SCHEMA[name]
    default = spec.default
    if name == "edgetpu" and isinstance(value, bool):  # YAML (and launch arguments) read on/off as booleans
        value = "on" if value else "off"
    try:
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise TypeError
        elif isinstance(default, int):
            if isinstance(value, bool) or not float(value).is_integer():
                raise TypeError
            value = int(value)
        elif isinstance(default, float):
            if isinstance(value, bool):
                raise TypeError
            value = float(value)
            if not math.isfinite(value):
                raise ValueError
        elif isinstance(default, list) and isinstance(default[0], str):
            if isinstance(value, str) or not all(isinstance(v, str) and v for v in value) or not value:
                raise TypeError
            value = list(value)
        elif isinstance(default, list):
            value = [float(v) for v in value]
            if len(value) != len(default):
                raise ValueError
        else:
            if not isinstance(value, str):
                raise TypeError
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a {_type_name(default)}"
                          + (f" of {len(default)} values" if isinstance(default, list) and not isinstance(default[0], str) else "")
                          + f", not {value!r}") from exc
    if name == "detector.tiles" and not TILES_PATTERN.match(value):
        raise ConfigError(f"{name} must be auto, off or COLSxROWS with 1-9 of each (e.g. 2x2), not {value!r}")
    if name == "recognizer.vertical_ratio" and 0.0 < value < 1.0:
        raise ConfigError(f"{name} must be 0 (never) or at least 1 (boxes taller than wide), not {value!r}")
    if spec.choices and value not in spec.choices:
        raise ConfigError(f"{name} must be one of {', '.join(spec.choices)}, not {value!r}")
    if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
        raise ConfigError(f"{name} must be between {spec.minimum:g} and {spec.maximum:g}, not {value!r}")
    if spec.multiple_of and value % spec.multiple_of:
        raise ConfigError(f"{name} must be a multiple of {spec.multiple_of}, not {value!r}")
    return value


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested YAML mappings to dotted names (``{detector: {padding: 0}}`` -> ``detector.padding``)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _from_mjsynth(tree: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """The seed's CRNN.tf2 ``mjsynth.yml``: the charset path and the recognizer's input shape."""
    flat: dict[str, Any] = {}
    table = tree.get("dataset_builder", {}).get("table_path")
    if table:
        flat["recognizer.charset"] = str((base / table) if not Path(table).is_absolute() else table)
    shape = tree.get("dataset_builder", {}).get("img_shape") or tree.get("img_shape")
    if shape and len(shape) == 3:
        flat["recognizer.grayscale"] = int(shape[-1]) == 1
        if shape[1]:
            flat["recognizer.max_width"] = int(shape[1])
    return flat


class OcrConfig:
    """Validated settings with defaults; immutable (``replace`` returns a new one)."""

    def __init__(self, values: Mapping[str, Any] | None = None, base_dir: Path | None = None) -> None:
        merged = {k: v.default for k, v in SCHEMA.items()}
        for name, value in (values or {}).items():
            merged[name] = validate_value(name, value)
        self._values = merged
        self.base_dir = base_dir

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def as_dict(self) -> dict[str, Any]:
        """Every setting by dotted name (a copy)."""
        return dict(self._values)

    def replace(self, **changes: Any) -> OcrConfig:
        """A copy with ``changes`` (dotted names given with '__' for '.', or via ``replace_items``)."""
        return self.replace_items({k.replace("__", "."): v for k, v in changes.items()})

    def replace_items(self, changes: Mapping[str, Any]) -> OcrConfig:
        """A copy with ``changes`` by dotted name, validated like the constructor's values."""
        return OcrConfig({**self._values, **changes}, self.base_dir)

    def stage(self, settings_class: type[T], stage: str) -> T:
        """The ``stage.*`` settings a stage reads (its dataclass's fields), e.g. ``stage(DetectorSettings, "detector")``."""
        return settings_class(**{f.name: self[f"{stage}.{f.name}"] for f in fields(settings_class)})

    def path(self, name: str) -> Path:
        """A model or charset setting as a path: absolute, beside the YAML file, or in the bundled models/."""
        return self._resolve(self[name])

    def paths(self, name: str) -> list[Path]:
        """A list-of-files setting as paths, each resolved like ``path``."""
        return [self._resolve(v) for v in self[name]]

    def _resolve(self, text: str) -> Path:
        value = Path(text).expanduser()
        if value.is_absolute():
            return value
        if self.base_dir is not None and (self.base_dir / value).exists():
            return self.base_dir / value
        if value.exists():
            return value.resolve()
        return bundled_models_dir() / value

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> OcrConfig:
        """Settings from a YAML file (engine schema, ROS params file or mjsynth.yml) plus ``overrides``.

        Raises:
            ConfigError: unreadable YAML, an unknown name (with the closest valid one) or an invalid value.
        """
        path = Path(path)
        try:
            tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
        if not isinstance(tree, Mapping):
            raise ConfigError(f"{path} must hold a mapping of settings")
        if "dataset_builder" in tree:
            flat = _from_mjsynth(tree, path.parent)
        else:
            for value in tree.values():  # a ROS params file: {node_name: {ros__parameters: {...}}}
                if isinstance(value, Mapping) and "ros__parameters" in value:
                    tree = value["ros__parameters"]
                    break
            flat = {k: v for k, v in flatten(tree).items() if k in SCHEMA or not k.startswith(_NODE_ONLY)}
            flat = {k: v for k, v in flat.items() if k not in NODE_SETTINGS}
        try:
            return cls({**flat, **(overrides or {})}, base_dir=path.parent)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from exc


# Parameters of the ROS node that are not engine settings (they share the params file):
# name -> (default, description, choices). All are read at configure time.
NODE_PARAMETERS: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    "autostart": (True, "configure and activate at start (false: wait for a lifecycle manager)", ()),
    "input_transport": ("raw", "raw: sensor_msgs/Image on 'image'; compressed: CompressedImage on 'image/compressed'",
                        ("raw", "compressed")),
    "qos_reliability": ("auto", "input QoS reliability: auto matches the image publisher; depth is always 1",
                        ("auto", "best_effort", "reliable")),
    "publish_vision_msgs": (True, "also publish vision_msgs/Detection2DArray on text_detections/vision", ()),
    "annotated_jpeg_quality": (80, "JPEG quality (1-100) of the annotated image on text_detections/image/compressed "
                                   "(drawn and encoded only while someone subscribes)", ()),
    "diagnostic_updater.period": (1.0, "seconds between /diagnostics messages (diagnostic_updater's parameter)", ()),
    "diagnostics.min_rate_hz": (0.0, "expected lowest output rate (like diagnostic_updater's FrequencyStatus): below "
                                     "it, with 10 % tolerance, diagnostics say WARN; 0 expects nothing", ()),
    "diagnostics.max_stamp_delay_ms": (0.0, "largest acceptable median delay of the image stamps (like "
                                            "TimeStampStatus): above it diagnostics say WARN; 0 checks nothing", ()),
    "depth.enabled": (False, "subscribe 'depth' (registered to the colour image: 16UC1 mm or 32FC1 m) and "
                             "'camera_info', and give each word its 3D position in the image's frame", ()),
    "depth.slop_ms": (30.0, "largest stamp difference between a colour frame and the depth image paired with it", ()),
    "depth.wait_ms": (100.0, "after OCR, how long a frame whose depth image has not arrived yet waits for it (only "
                             "while the depth stream has not passed the frame's stamp)", ()),
    "depth.rectified": (False, "the colour images are rectified (image_rect): pixels are not undistorted through "
                               "camera_info's K and D before back-projection through P", ()),
    "target_frame": ("", "frame the words' positions are given in (empty: the image's own frame): each frame's "
                         "positions are moved with tf2 at the image's stamp; a failed lookup sends that frame's "
                         "words without positions, counted in diagnostics", ()),
    "transform_timeout": (0.05, "seconds to wait for the transform to target_frame at an image's stamp", ()),
}
NODE_SETTINGS = (*NODE_PARAMETERS, "use_sim_time")
_NODE_ONLY = ("qos_overrides",)
