"""The ``edge-ocr`` command: read text in images, folders, videos, a camera or recorded bags, without ROS.

  edge-ocr --image sign.jpg                      print the words found (bundled models)
  edge-ocr --imagedir photos/ --json             one JSON object per image on stdout
  edge-ocr --video clip.mp4 --save-dir out/      annotated frames and NAME.json files
  edge-ocr --bag drive/ --topic /camera/image_raw --bag-out drive_text.mcap
                                                 a recorded drive: JSON per frame, results into a new bag
  edge-ocr --bag drive/ --topic /camera/color/image_raw --landmarks signs.db
                                                 its text map (with depth, camera_info and /tf in the bag)
  edge-ocr landmarks signs.db --find "room 204"  where the map saw a text (--json: one object per landmark)
  edge-ocr --image word.png --recognize-only     read a cropped word (no detection)
  edge-ocr eval --gt ../shared/devset/scenes     score against labelled scenes or word crops
  edge-ocr inspect models/east_int8.tflite       Edge TPU readiness of a model
  edge-ocr bench --width 1280 --height 720       float16 or int8: which is faster on this CPU (about a minute)

Exit status: 0 on success; 1 when some images of a folder could not be read; 2 for usage, config,
model and hardware errors (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import cv2
import numpy as np
from tqdm import tqdm

from ..config import OcrConfig
from ..errors import ConfigError, EdgeOcrError, InputImageError
from ..landmarks.fusion import FusionSettings, LandmarkMap
from ..landmarks.store import LandmarkStore
from ..pipeline import OcrPipeline
from ..results import OcrResult
from ..runtime.inspection import inspect_model
from ..runtime.interpreter import probe_edgetpu
from ..tracking import TrackingSettings, WordTracker
from .bag_landmarks import BagMapper, read_context
from .bags import BagFrame, BagResultWriter, bag_frames
from .dataset_eval import evaluate_scenes, evaluate_words, is_words_folder
from .draw import draw_words
from .sources import image_files, open_camera, open_video, read_image, video_frames
from .speed_check import default_config, format_report, speed_check, speed_report

__all__ = ["Parser", "add_engine_options", "build_parsers", "config_from_args", "frames", "main", "model_overrides",
           "run", "run_bench", "run_eval", "run_inspect", "run_landmarks", "save"]

LOG = logging.getLogger("edge_ocr_ros")


class Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        """Usage errors exit with status 2 and one line that points to --help."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """The flags every subcommand shares (models, Edge TPU, thresholds, sizes, lexicon), the seed's among them."""
    g = parser.add_argument_group("models and settings (override --config)")
    g.add_argument("--config", type=Path, help="YAML settings: engine schema, ROS params file or the seed's mjsynth.yml")
    g.add_argument("--east", type=Path, nargs="+", metavar="MODEL",
                   help="EAST detector .tflite: the float model, or with --int8 one or more static int8 models, "
                        "then the only ones loaded (no coarse-pass model is added; an *_edgetpu.tflite file implies "
                        "its int8 original beside it)")
    g.add_argument("--ocr", type=Path, help="CRNN recognizer .tflite: the float model, or with --int8 the int8 one")
    g.add_argument("--int8", action="store_true",
                   help="run the int8 models (the Edge TPU's models and processing) on the CPU: faster, a little "
                        "less accurate; with a TPU they run there anyway")
    g.add_argument("--tiles", help="static (int8) detector: auto, off or COLSxROWS (see docs/parameters.md)")
    g.add_argument("--tile-overlap", type=float, help="share of a tile overlapping its neighbour (0..0.5)")
    g.add_argument("--charset", type=Path, help="recognizer alphabet (CRNN.tf2 table.txt format)")
    g.add_argument("--edgetpu", nargs="?", const="on", choices=("auto", "on", "off"),
                   help="Edge TPU use; the bare flag means 'on' (fails if no TPU). Default: auto")
    g.add_argument("--edgetpu-device", help="Edge TPU to open, e.g. usb:0 or pci:0")
    g.add_argument("--thr", type=float, help="detector score threshold (0..1)")
    g.add_argument("--nms", type=float, help="NMS IoU threshold (0..1)")
    g.add_argument("--padding", type=float, help="fraction each box grows on every side (0..1)")
    g.add_argument("--coarse-scale", type=float,
                   help="coarse detection passes at this share of the resolution (and its powers), for words too large "
                        "for the first (0..0.9; 0: one pass; default 0.5)")
    g.add_argument("--coarse-passes", type=int, help="how many coarse passes, each at --coarse-scale of the one before "
                                                      "(0..4; default 1; 2 also finds a word filling the frame)")
    g.add_argument("--coarse-min-size", type=float,
                   help="the first coarse pass's words at least this many detection pixels high join the first pass's "
                        "(the next pass's: this / --coarse-scale)")
    g.add_argument("--width", type=int, help="detection resolution, a multiple of 32: the float model's largest input; "
                                              "int8 models cut frames into tiles up to it (with --tiles auto)")
    g.add_argument("--height", type=int, help="detection resolution's height, a multiple of 32 (as --width)")
    g.add_argument("--beam-width", type=int, help="CTC beam width (1 = greedy)")
    g.add_argument("--min-confidence", type=float, help="drop words whose text confidence is below this")
    lex = g.add_mutually_exclusive_group()
    lex.add_argument("--lexicon", type=Path, help="word list (.txt or .txt.gz) whose words may replace near misreads "
                                                   "(default: the bundled English + signage lexicon)")
    lex.add_argument("--no-lexicon", action="store_true", help="report the recognizer's raw reading, no lexicon")
    g.add_argument("--lexicon-margin", type=float, help="how much less likely (nats) a lexicon word may be and still "
                                                         "replace the reading")
    g.add_argument("--crop-margin", type=float, help="share of a box's height read above and below it (0..1); the "
                                                      "reported box is not grown")
    g.add_argument("--second-look-from", type=float, help="a box read with a confidence from this up to "
                                                           "--min-confidence is read again without the crop margin "
                                                           "(1: never)")
    g.add_argument("--vertical-ratio", type=float, help="a box this many times taller than wide is also read turned a "
                                                         "quarter either way, the most confident reading kept (0: never)")
    g.add_argument("--straighten-angle", type=float, help="word crops (--recognize-only, eval on a words folder): a "
                                                               "word the detector finds turned at least this many "
                                                               "degrees inside the crop is read along its own box, "
                                                               "the more confident reading kept (default 0: "
                                                               "never; 8 for slanted words; a detector pass per crop)")
    g.add_argument("--split-gap", type=float, help="cut a box's reading into words at a blank run this many box "
                                                    "heights long, when the lexicon knows the parts (0: never)")
    g.add_argument("--threads", type=int, help="CPU threads per interpreter")
    g.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")


def config_from_args(args: argparse.Namespace) -> OcrConfig:
    """Settings from ``--config`` with the command-line flags on top."""
    overrides: dict[str, Any] = {}
    for flag, name in (("thr", "detector.score_threshold"), ("nms", "detector.nms_threshold"),
                       ("padding", "detector.padding"), ("width", "detector.width"), ("height", "detector.height"),
                       ("beam_width", "recognizer.beam_width"), ("min_confidence", "recognizer.min_text_confidence"),
                       ("threads", "num_threads"), ("lexicon_margin", "recognizer.lexicon_margin"),
                       ("edgetpu", "edgetpu"), ("edgetpu_device", "edgetpu_device"), ("tiles", "detector.tiles"),
                       ("tile_overlap", "detector.tile_overlap"), ("split_gap", "recognizer.split_gap"),
                       ("crop_margin", "recognizer.crop_margin"), ("second_look_from", "recognizer.second_look_from"),
                       ("vertical_ratio", "recognizer.vertical_ratio"), ("straighten_angle", "recognizer.straighten_angle"),
                       ("coarse_scale", "detector.coarse_scale"), ("coarse_passes", "detector.coarse_passes"),
                       ("coarse_min_size", "detector.coarse_min_size")):
        if getattr(args, flag) is not None:
            overrides[name] = getattr(args, flag)
    if args.int8:
        overrides["precision"] = "int8"
    if args.charset is not None:
        overrides["recognizer.charset"] = str(args.charset.resolve())
    if args.lexicon is not None or args.no_lexicon:
        overrides["recognizer.lexicon"] = "" if args.no_lexicon else str(args.lexicon.resolve())
    config = OcrConfig.from_yaml(args.config, overrides) if args.config is not None else OcrConfig(overrides)
    return config.replace_items(model_overrides(args, config["precision"]))


def model_overrides(args: argparse.Namespace, precision: str) -> dict[str, Any]:
    """--east and --ocr as settings: float models, or int8 ones with --int8 (or precision int8 in the
    config) or when a compiled *_edgetpu.tflite file is named (its int8 original is expected beside it)."""
    overrides: dict[str, Any] = {}
    if args.east:
        paths = [str(p.resolve()).replace("_edgetpu.tflite", ".tflite") for p in args.east]
        if precision == "int8" or any(p.name.endswith("_edgetpu.tflite") for p in args.east):
            overrides["detector.int8_models"] = paths
            overrides["detector.int8_coarse_models"] = paths[:1]  # one of them: no model from elsewhere joins
        elif len(paths) > 1:
            raise ConfigError("--east takes one float model, or several int8 ones with --int8")
        else:
            overrides["detector.model"] = paths[0]
    if args.ocr:
        path = str(args.ocr.resolve()).replace("_edgetpu.tflite", ".tflite")
        int8 = precision == "int8" or args.ocr.name.endswith("_edgetpu.tflite")
        overrides["recognizer.int8_model" if int8 else "recognizer.model"] = path
    return overrides


def frames(args: argparse.Namespace, failures: list[str],
           depth_topic: str = "") -> tuple[Iterator[tuple[str, np.ndarray, BagFrame | None]], int | None]:
    """(name, BGR frame, its bag message or None) of the chosen input, and their count when known (for the
    progress bar). Unreadable images of a folder or a bag are logged, listed in ``failures`` and skipped."""
    if args.image or args.imagedir:
        paths = [Path(p) for p in args.image] if args.image else image_files(args.imagedir)
        if args.image and len(paths) == 1:
            image = read_image(paths[0])  # a single unreadable image is a usage error (exit 2)
            return iter([(str(paths[0]), image, None)]), 1

        def read_all() -> Iterator[tuple[str, np.ndarray, None]]:
            for path in paths:
                try:
                    yield str(path), read_image(path), None
                except InputImageError as exc:
                    LOG.warning("%s", exc)
                    failures.append(str(path))

        return read_all(), len(paths)
    if args.bag:
        messages, count = bag_frames(args.bag, args.topic, depth_topic)

        def decoded() -> Iterator[tuple[str, np.ndarray, BagFrame]]:
            with contextlib.closing(messages):  # closes the bag, also when --max-frames stops early
                for index, frame in enumerate(messages):
                    if args.max_frames is not None and index >= args.max_frames:
                        return
                    if frame.image is None:
                        LOG.warning("%s: %s", frame.name, frame.error)
                        failures.append(frame.name)
                        continue
                    yield frame.name, frame.image, frame

        return decoded(), min(count, args.max_frames) if args.max_frames else count
    if args.video:
        capture, count = open_video(args.video)
        total = min(count, args.max_frames) if args.max_frames else count
        return ((n, f, None) for n, f in video_frames(capture, args.video.stem, args.max_frames)), total or None
    camera = video_frames(open_camera(args.camera), f"camera{args.camera}", args.max_frames)
    return ((n, f, None) for n, f in camera), args.max_frames


def describe_words(result: OcrResult) -> str:
    """The printed line of an image: its blocks in reading order (``|`` between blocks), each word with its
    confidence (and ``#track`` when tracked)."""
    if not result.words:
        return "(no words)"
    blocks: dict[int, list[str]] = {}
    for line in result.lines:
        for i in line.word_indices:
            word = result.words[i]
            track = f" #{word.track_id}" if word.track_id else ""
            blocks.setdefault(line.block, []).append(f"{word.text} ({word.confidence:.2f}{track})")
    return " | ".join(", ".join(texts) for _, texts in sorted(blocks.items()))


def save(result: OcrResult, record: dict, name: str, image: np.ndarray, save_dir: Path) -> None:
    """Write the annotated image (NAME.jpg) and its JSON record (NAME.json) into ``save_dir``."""
    base = Path(name).name  # video frames are named "clip#12": keep the frame number, drop no dots
    stem = base.replace("#", "_") if "#" in base else Path(base).stem
    save_dir.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(save_dir / f"{stem}.jpg"), draw_words(image, result.words, lines=result.lines))
    (save_dir / f"{stem}.json").write_text(json.dumps(record, indent=1))


def run(args: argparse.Namespace) -> int:
    """``edge-ocr`` on images, a folder, a video or a camera: print or write the words."""
    if args.bag and not args.topic:
        raise ConfigError("--bag needs --topic, the image topic to read")
    if (args.topic or args.bag_out or args.landmarks) and not args.bag:
        raise ConfigError("--topic, --bag-out and --landmarks go with --bag")
    if (args.depth_topic or args.camera_info_topic) and not args.landmarks:
        raise ConfigError("--depth-topic and --camera-info-topic go with --landmarks")
    config = config_from_args(args)
    pipeline = OcrPipeline.from_config(config)
    # a video, a camera or a bag is one stream: its words are tracked across frames (tracking.enabled)
    streaming = args.video or args.camera is not None or args.bag
    tracker = WordTracker(TrackingSettings.from_config(config)) if streaming else None
    failures: list[str] = []
    mapper = None
    if args.landmarks:
        context = read_context(args.bag, args.topic, args.depth_topic or "", args.camera_info_topic or "")
        LOG.info("landmarks in '%s' from %s (depth), %s (camera_info) and the bag's /tf", args.fixed_frame,
                 context.depth_topic, context.info_topic)
        mapper = BagMapper(args.landmarks, args.fixed_frame.strip("/"), context)
    stream, total = frames(args, failures, mapper.context.depth_topic if mapper else "")
    writer = BagResultWriter(args.bag_out, f"{args.topic.rstrip('/')}/text_detections") if args.bag_out else None
    show_bar = not args.quiet and (total is None or total > 1)
    try:
        for name, image, message in tqdm(stream, total=total, desc="edge-ocr", unit="img", disable=not show_bar,
                                         file=sys.stderr):
            try:
                result = pipeline.recognize_crop(image) if args.recognize_only else pipeline.run(image)
                if tracker is not None:
                    result = tracker.update(result)
            except InputImageError as exc:
                LOG.warning("%s: %s", name, exc)
                failures.append(name)
                continue
            report(args, name, image, result, message)
            if writer is not None:
                writer.write(message, result)
            if mapper is not None:
                mapper.add(message, result)
    finally:
        if writer is not None:
            writer.close()
            LOG.info("wrote the results to the rosbag2 folder %s", writer.path)
        if mapper is not None:  # a map left empty by a wrong fixed frame is said even with -q
            lost = mapper.counts["frames_without_transform"]
            (LOG.warning if lost else LOG.info)("%s: %s", args.landmarks, mapper.close())
    if failures:
        LOG.warning("%d input(s) could not be read", len(failures))
        return 1
    return 0


def report(args: argparse.Namespace, name: str, image: np.ndarray, result: OcrResult, message: BagFrame | None) -> None:
    """Print (JSON or plain) and save what was read in one image or frame."""
    record = result.to_json(name)
    if message is not None:
        record["stamp"] = message.header.stamp.sec + message.header.stamp.nanosec * 1e-9
    if args.json:
        print(json.dumps(record), flush=True)
    else:
        tqdm.write(f"{name}: {describe_words(result)}", file=sys.stdout)
    if args.save_dir:
        save(result, record, name, image, args.save_dir)


def run_eval(args: argparse.Namespace) -> int:
    """``edge-ocr eval``: score the pipeline on a labelled folder."""
    if not args.gt.is_dir():
        raise ConfigError(f"--gt {args.gt} is not a folder")
    pipeline = OcrPipeline.from_config(config_from_args(args))
    if is_words_folder(args.gt):
        report = evaluate_words(pipeline, args.gt, progress=not args.quiet)
    else:
        report = evaluate_scenes(pipeline, args.gt, progress=not args.quiet, pattern=args.glob)
        if not report["images"]:
            raise ConfigError(f"no labelled scene in {args.gt} matches --glob {args.glob!r}")
    if not args.per_image:
        report.pop("per_image")
    if args.json:
        print(json.dumps(report))
    elif "words" in report:
        print(f"words: accuracy {report['words']['accuracy']:.4f} (with case and punctuation "
              f"{report['words']['accuracy_cased']:.4f}), mean normalised edit distance "
              f"{report['words']['ned']:.4f} ({report['count']} crops)")
        for bucket, r in report.get("by_slant", {}).items():
            print(f"  slant {bucket:>10}: accuracy {r['accuracy']:.4f} ({r['count']} crops)")
        for bucket, r in report["by_aspect"].items():
            print(f"  {bucket:>8} into the recognizer's input: accuracy {r['accuracy']:.4f} ({r['count']} crops)")
    else:
        for key in ("detection", "end_to_end"):
            r = report[key]
            print(f"{key:<11} precision {r['precision']:.4f}  recall {r['recall']:.4f}  f1 {r['f1']:.4f}")
    return 0


def run_inspect(args: argparse.Namespace) -> int:
    """``edge-ocr inspect``: what each model holds, and the Edge TPU probe."""
    if args.delegate is not None:
        line, ok = probe_edgetpu(args.delegate)
        print(line)
        if not args.models:
            return 0 if ok else 1
    if not args.models:
        raise ConfigError("give one or more .tflite models, or --delegate")
    reports = [inspect_model(m) for m in args.models]
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=1))
    else:
        print("\n\n".join(r.report() for r in reports))
    total = sum(r.parameter_bytes for r in reports)
    if len(reports) > 1 and not args.json:
        print(f"\nall models together: {total / 1e6:.2f} MB of parameters "
              f"({'fits' if total <= 8 * 1024 * 1024 else 'does NOT fit'} the 8 MB Edge TPU cache)")
    return 0


def run_bench(args: argparse.Namespace) -> int:
    """``edge-ocr bench``: both precisions on this CPU, and which to set."""
    if args.width < 32 or args.height < 32 or args.repeat < 1 or args.threads < 1:
        raise ConfigError("--width and --height must be at least 32, --repeat and --threads at least 1")
    config = default_config(args.config).replace_items({"num_threads": args.threads})
    report = speed_report(speed_check(config, args.width, args.height, args.repeat, not args.quiet), args.width, args.height, args.threads)
    print(json.dumps(report) if args.json else format_report(report))
    return 0


def run_landmarks(args: argparse.Namespace) -> int:
    """``edge-ocr landmarks``: the landmarks of a map file, or those a query names, best first."""
    store = LandmarkStore.open_existing(args.map_file)
    try:
        landmarks = LandmarkMap(FusionSettings(min_sightings=1), store.load())
    finally:
        store.close()
    found = (landmarks.find(args.find, args.exact, args.max or 0) if args.find is not None
             else [(lm, None) for lm in landmarks.confirmed()[: args.max or None]])
    for lm, score in found:
        record = {"id": lm.id, "text": lm.text, "frame_id": store.fixed_frame,
                  "position": [round(float(v), 4) for v in lm.mean], "spread": round(lm.spread, 4),
                  "sightings": lm.sightings, "first_seen": lm.first_seen, "last_seen": lm.last_seen,
                  "confidence": round(lm.confidence, 4), **({"score": round(score, 4)} if score is not None else {})}
        if args.json:
            print(json.dumps(record))
        else:
            x, y, z = record["position"]
            print(f"{lm.id:>5}  {lm.text:<24} ({x:8.2f}, {y:8.2f}, {z:6.2f}) m in {store.fixed_frame} "
                  f"+-{lm.spread:.2f}  {lm.sightings} sightings" + (f"  score {score:.2f}" if score is not None else ""))
    if not found and not args.json:
        print("(no landmark)" if args.find is None else f"(no landmark reads like {args.find!r})")
    return 0


def build_parsers() -> dict[str, argparse.ArgumentParser]:
    """The parsers of ``edge-ocr`` and its commands ``eval``, ``inspect``, ``bench`` and ``landmarks``."""
    fmt = argparse.RawDescriptionHelpFormatter
    main = Parser(prog="edge-ocr", description=__doc__, formatter_class=fmt)
    src = main.add_argument_group("input (choose one)").add_mutually_exclusive_group(required=True)
    src.add_argument("--image", nargs="+", metavar="PATH", help="image file(s)")
    src.add_argument("--imagedir", type=Path, metavar="DIR", help="folder: its image files are read, other files skipped")
    src.add_argument("--video", type=Path, metavar="PATH", help="video file")
    src.add_argument("--camera", type=int, metavar="INDEX", help="camera index (OpenCV VideoCapture)")
    src.add_argument("--bag", type=Path, metavar="PATH", help="recorded bag: rosbag2 folder or file (sqlite3, mcap) or "
                                                            "ROS 1 .bag; read the image topic --topic")
    out = main.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="one JSON object per image or frame on stdout")
    out.add_argument("--save-dir", type=Path, metavar="DIR", help="write annotated images and NAME.json here")
    out.add_argument("--recognize-only", action="store_true", help="treat each image as one word crop (no detection)")
    out.add_argument("--max-frames", type=int, metavar="N", help="stop a video, camera or bag after N frames")
    bag = main.add_argument_group("bags")
    bag.add_argument("--topic", metavar="TOPIC", help="with --bag: the sensor_msgs Image or CompressedImage topic to read")
    bag.add_argument("--bag-out", type=Path, metavar="OUT",
                     help="with --bag: write a new rosbag2 with the results as edge_ocr_ros/TextDetectionArray on "
                          "TOPIC/text_detections, stamped as the images; OUT.mcap: the folder OUT/ holding OUT.mcap "
                          "(mcap storage), else the folder OUT/ (sqlite3)")
    bag.add_argument("--landmarks", type=Path, metavar="OUT.db",
                     help="with --bag: build the text map of the drive (as text_map_node does) into this SQLite file; "
                          "needs the registered depth image, camera_info and /tf + /tf_static in the bag")
    bag.add_argument("--depth-topic", metavar="TOPIC", help="with --landmarks: the depth image registered to --topic "
                                                            "(default: the Image topic named *depth* nearest to it)")
    bag.add_argument("--camera-info-topic", metavar="TOPIC",
                     help="with --landmarks: the colour camera's CameraInfo (default: the one beside --topic)")
    bag.add_argument("--fixed-frame", default="map", metavar="FRAME",
                     help="with --landmarks: the frame the landmarks are kept in (default: map)")
    add_engine_options(main)

    evaluate = Parser(prog="edge-ocr eval", formatter_class=fmt,
                      description="Score the pipeline on a labelled folder: scenes (NAME.jpg + NAME.gt.json) give "
                                  "detection and end-to-end precision/recall/F1; a words folder (labels.tsv) gives "
                                  "accuracy and mean normalised edit distance. See edge_ocr_ros/tools/evaluation.py.")
    evaluate.add_argument("--gt", type=Path, required=True, metavar="DIR", help="labelled folder")
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    evaluate.add_argument("--per-image", action="store_true", help="include a per-image breakdown")
    evaluate.add_argument("--glob", default="*", metavar="PATTERN",
                          help="scenes only: score the images whose file name matches, e.g. 'ic15_*' (default: all)")
    add_engine_options(evaluate)

    inspect = Parser(prog="edge-ocr inspect", formatter_class=fmt,
                     description="Report a .tflite model's ops (against Coral's supported-ops list), tensor shapes, "
                                 "quantization, parameter size against the Edge TPU's 8 MB memory, and its compile "
                                 "risks (activation sizes, RESIZE_BILINEAR sizes, USB bytes per frame) against the "
                                 "guidelines of docs/edgetpu.md. --delegate checks, in one line, that this machine's "
                                 "TFLite runtime and Edge TPU runtime work together (exit 1 if not).")
    inspect.add_argument("models", nargs="*", type=Path, metavar="MODEL")
    inspect.add_argument("--delegate", nargs="?", const="", metavar="DEVICE",
                         help="open the Edge TPU (optionally usb:0, pci:0, ...) and say through which runtime")
    inspect.add_argument("--json", action="store_true")

    bench = Parser(prog="edge-ocr bench", formatter_class=fmt,
                   description="Measure both precisions on this CPU, in one run, after a warm-up: float16 and int8 "
                               "(the Edge TPU's models on the CPU) read the bundled sample signs and the same signs "
                               "in frames of your camera's size, and the report says which is faster here and what "
                               "to set (`precision:`). Which one wins depends on the CPU: int8 gains from VNNI (x86) "
                               "or DOTPROD (ARM). About a minute on a Raspberry Pi 4.")
    bench.add_argument("--width", type=int, default=640, help="camera frame width (default 640)")
    bench.add_argument("--height", type=int, default=480, help="camera frame height (default 480)")
    bench.add_argument("--threads", type=int, default=2, help="CPU threads per interpreter, as num_threads (default 2)")
    bench.add_argument("--repeat", type=int, default=3, help="timed runs per image after the warm-up (default 3)")
    bench.add_argument("--config", type=Path, metavar="YAML", help="your settings (engine YAML or the node's params file)")
    bench.add_argument("--json", action="store_true", help="print the report as one JSON object")
    bench.add_argument("--quiet", action="store_true", help="no progress bar or info logs")
    landmarks = Parser(prog="edge-ocr landmarks", formatter_class=fmt,
                       description="Print the landmarks of a text map file (written by text_map_node's map_file or "
                                   "edge-ocr --bag ... --landmarks): text, position in the map's frame, spread, "
                                   "sightings, first and last seen. --find answers as text_map_node's find_text "
                                   "service does: best match first.")
    landmarks.add_argument("map_file", type=Path, metavar="MAP.db")
    landmarks.add_argument("--find", metavar="TEXT", help="only the landmarks this text names (fuzzy unless --exact)")
    landmarks.add_argument("--exact", action="store_true", help="with --find: letters and digits must match exactly")
    landmarks.add_argument("--max", type=int, metavar="N", help="at most N landmarks")
    landmarks.add_argument("--json", action="store_true",
                           help="one JSON object per landmark: id, text, frame_id, position [x, y, z] (m), spread, "
                                "sightings, first_seen and last_seen (s), confidence, score (with --find)")
    return {"run": main, "eval": evaluate, "inspect": inspect, "bench": bench, "landmarks": landmarks}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 0 on success, 1 on a reported error, 2 on a usage error."""
    argv = sys.argv[1:] if argv is None else argv
    parsers = build_parsers()
    command = argv[0] if argv and argv[0] in ("eval", "inspect", "bench", "landmarks") else "run"
    args = parsers[command].parse_args(argv[1:] if command != "run" else argv)
    logging.basicConfig(level=logging.WARNING if getattr(args, "quiet", False) else logging.INFO,
                        format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        return {"run": run, "eval": run_eval, "inspect": run_inspect, "bench": run_bench,
                "landmarks": run_landmarks}[command](args)
    except EdgeOcrError as exc:
        print(f"edge-ocr: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
