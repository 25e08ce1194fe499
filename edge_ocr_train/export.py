"""Export trained weights to TFLite: float16 for the CPU and full-integer int8 (uint8 I/O) for the Edge TPU.

Usage: python -m edge_ocr_train.export --crnn-weights models/crnn.weights.h5 --east-weights models/east.weights.h5 \\
           --calib-words data/words_synth --calib-scenes data/scenes_synth --out models

- east_fp16.tflite: input 1 x H x W x 3 with H, W any multiples of 32 (set at load time);
- east_int8_WxH.tflite: input 1 x H x W x 3 uint8, one per --int8-east-size (the Edge TPU needs static shapes;
  the engine picks the one whose aspect ratio is closest to the frame's). Default: 1280x736 (16:9), 640x480 (4:3),
  960x544 (the 16:9 model for an Edge TPU that cannot hold 1280x736 in one subgraph), 320x256 (the coarse
  detection pass of 4:3 frames, ``detector.int8_coarse_models``) and 320x320 (the tiling fallback); their
  distance output holds logits (``east_model.with_distance_logits``);
- crnn_fp16.tflite: input N x 32 x 128 x 1 (dynamic batch, one invoke per frame);
- crnn_int8.tflite: input 1 x 32 x 128 x 1 uint8;
- charset.txt in CRNN.tf2 table.txt format.
Calibration uses word crops (--calib-words) and scene crops (--calib-scenes), synthetic or real.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from .crnn_model import FILTERS, INPUT_HEIGHT, INPUT_WIDTH, SUBSTEPS, build_crnn, charset_path, with_softmax
from .east_model import build_east, for_export, with_distance_logits
from .real_data import load_word_folder, scene_files
from .train_crnn import CHARSET, charset_named
from .train_east import MEAN_BGR

LOG = logging.getLogger(__name__)
INT8_EAST_SIZES = ((1280, 736), (960, 544), (640, 480), (320, 256), (320, 320))
CALIBRATION_SAMPLES = 200


def parse_size(text: str) -> tuple[int, int]:
    """``WxH`` (or ``N`` for N x N), both multiples of 32: an int8 EAST input size."""
    try:
        width, height = (int(v) for v in text.lower().split("x")) if "x" in text.lower() else (int(text),) * 2
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WxH (e.g. 960x544), not {text!r}") from None
    if width <= 0 or height <= 0 or width % 32 or height % 32:
        raise argparse.ArgumentTypeError(f"width and height must be positive multiples of 32, not {text!r}")
    return width, height


def int8_east_name(size: tuple[int, int]) -> str:
    return f"east_int8_{size[0]}x{size[1]}.tflite"


def convert(model, signature: list, representative: Callable[[], Iterator[list[np.ndarray]]] | None = None,
            float16: bool = True) -> bytes:
    """A Keras model as TFLite: full-integer int8 with uint8 I/O when ``representative`` gives calibration
    inputs, else float16 weights (or float32 with ``float16=False``)."""
    import tempfile

    import tensorflow as tf

    # Through a SavedModel: converting a Keras 3 model's concrete function directly leaves its
    # weights as variables (READ_VARIABLE ops) instead of constants. The SavedModel is temporary.
    with tempfile.TemporaryDirectory(prefix="edge_ocr_export_") as saved:
        model.export(saved, format="tf_saved_model", input_signature=signature, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        if representative is not None:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.uint8
            converter.inference_output_type = tf.uint8
        elif float16:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        return converter.convert()  # reads the SavedModel: inside its folder's lifetime


def crnn_width(text: str) -> int:
    """--crnn-width: the trunk pools the width by 4, and a word needs room for a few letters."""
    width = int(text)
    if width < 32 or width % 4:
        raise argparse.ArgumentTypeError(f"the CRNN width must be a multiple of 4 from 32, not {text!r}")
    return width


def calibration_words(folders: list[Path], count: int, seed: int, width: int = INPUT_WIDTH) -> np.ndarray:
    """Word crops (N x 32 x width uint8) from synthetic folders (images.npy, rendered 128 wide: a wider
    input gets their last column repeated, as the engine pads a short word) or real ones (labels.tsv)."""
    rng = np.random.default_rng(seed)
    pools = [np.load(f / "images.npy", mmap_mode="r") if (f / "images.npy").is_file()
             else load_word_folder(f, INPUT_HEIGHT, width)[0] for f in folders]
    per = max(count // len(pools), 1)
    crops = np.concatenate([p[np.sort(rng.choice(len(p), size=min(per, len(p)), replace=False))][:, :, :width]
                            for p in pools])
    return np.pad(crops, ((0, 0), (0, 0), (0, width - crops.shape[2])), mode="edge")


def calibration_scenes(folders: list[Path], count: int, seed: int, size: tuple[int, int]) -> np.ndarray:
    """W x H views of scenes, minus the mean, as the detector sees them: the whole scene fitted inside
    (letterboxed with the mean colour, as the engine does) or zoomed in up to 2x (as a tile sees it)."""
    rng = np.random.default_rng(seed)
    files = [pair for f in folders for pair in scene_files(f)]
    width, height = size
    views = np.empty((min(count, len(files)), height, width, 3), np.float32)
    for view, i in zip(views, rng.choice(len(files), size=len(views), replace=False), strict=True):
        image = cv2.imread(str(files[int(i)][0]), cv2.IMREAD_COLOR)
        scale = min(width / image.shape[1], height / image.shape[0]) * float(rng.choice([1.0, rng.uniform(1.0, 2.0)]))
        scaled = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        y0 = int(rng.integers(0, max(scaled.shape[0] - height, 0) + 1))
        x0 = int(rng.integers(0, max(scaled.shape[1] - width, 0) + 1))
        part = scaled[y0 : y0 + height, x0 : x0 + width]
        view[:] = 0.0  # the mean colour, after subtracting the mean
        view[: part.shape[0], : part.shape[1]] = part - MEAN_BGR
    return views


def count_macs(model, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of the convolutions (the bulk of the work) at one input size."""
    import keras

    sized = keras.models.clone_model(model, input_tensors=keras.Input(input_shape[1:], batch_size=1))
    macs = 0
    for layer in sized.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw, cin, cout = layer.kernel.shape
            _, oh, ow, _ = layer.output.shape
            macs += int(kh * kw * cin * cout * oh * ow)
    return macs


def write_model_info(out: Path, name: str, model, sizes: dict[str, tuple[int, ...]]) -> None:
    """models/model_info.json: parameters, MACs per input size and file sizes (quoted by the model card)."""
    import json

    path = out / "model_info.json"
    info = json.loads(path.read_text()) if path.is_file() else {}
    parameters = int(model.count_params())
    macs = {label: count_macs(model, shape) for label, shape in sizes.items()}
    if info.get(name, {}).get("parameters") == parameters:  # the same network: sizes exported before stay listed
        macs = info[name]["macs"] | macs
    info[name] = {"parameters": parameters, "macs": macs,
                  "files": {f.name: f.stat().st_size for f in sorted(out.glob(f"{name}_*.tflite"))}}
    path.write_text(json.dumps(info, indent=1) + "\n")


def export_crnn(weights: Path, out: Path, calib: np.ndarray, filters: tuple[int, ...] = FILTERS,
                substeps: int = SUBSTEPS) -> None:
    """The recognizer at the width of the calibration crops: the network is convolutional along the
    word, so weights trained at one width run at another (more columns, more time steps)."""
    import tensorflow as tf

    written = charset_path(weights)  # the trainer writes the alphabet beside the weights
    charset = charset_named(str(written)) if written.is_file() else CHARSET
    width = calib.shape[2]
    model = build_crnn(charset.num_classes, width=width, filters=filters, substeps=substeps)
    model.load_weights(weights)
    model = with_softmax(model)
    fp16 = convert(model, [tf.TensorSpec([None, INPUT_HEIGHT, width, 1], tf.float32)])
    (out / "crnn_fp16.tflite").write_bytes(fp16)
    data = calib.astype(np.float32)[..., None] / 255.0

    def representative() -> Iterator[list[np.ndarray]]:
        for x in data:
            yield [x[None]]

    int8 = convert(model, [tf.TensorSpec([1, INPUT_HEIGHT, width, 1], tf.float32)], representative)
    (out / "crnn_int8.tflite").write_bytes(int8)
    charset.save(out / "charset.txt")
    write_model_info(out, "crnn", model, {f"1x32x{width}x1": (1, INPUT_HEIGHT, width, 1)})
    LOG.info("CRNN: fp16 %d bytes, int8 %d bytes", len(fp16), len(int8))


def export_east(weights: Path, out: Path, calib: dict[tuple[int, int], np.ndarray], fp16: bool = True,
                qat_weights: Path | None = None) -> None:
    """The float16 EAST (any size) and one static int8 EAST per calibrated size, from the float weights
    or, given ``qat_weights``, from their quantization-aware fine-tune (``train_east --quantization-aware``).
    The int8 models output the distances' logits (``edge_ocr_ros.detection.rbox.DISTANCE_SCALE``)."""
    import tensorflow as tf

    model = build_east()
    model.load_weights(weights)
    if fp16:
        data = convert(model, [tf.TensorSpec([1, None, None, 3], tf.float32)])
        (out / "east_fp16.tflite").write_bytes(data)
        LOG.info("EAST: fp16 %d bytes", len(data))
    for (width, height), views in calib.items():
        if qat_weights:
            fixed = build_east(height, width, quantized=True)
            fixed.load_weights(qat_weights)
            for_export(fixed)
        else:
            fixed = build_east(height, width)
            fixed.set_weights(model.get_weights())
        fixed = with_distance_logits(fixed)

        def representative(views: np.ndarray = views) -> Iterator[list[np.ndarray]]:
            for x in views:
                yield [x[None]]

        int8 = convert(fixed, [tf.TensorSpec([1, height, width, 3], tf.float32)], representative)
        (out / int8_east_name((width, height))).write_bytes(int8)
        LOG.info("EAST: int8 %dx%d %d bytes", width, height, len(int8))
    sizes = {"1x736x1280x3": (1, 736, 1280, 3)} | {f"1x{h}x{w}x3": (1, h, w, 3) for w, h in calib}
    write_model_info(out, "east", model, sizes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crnn-weights", type=Path, help="float CRNN weights (.weights.h5)")
    parser.add_argument("--crnn-filters", type=int, nargs=7, default=list(FILTERS),
                        help="trunk filters the CRNN was trained with (train_crnn --filters; default: the shipped CRNN's)")
    parser.add_argument("--crnn-substeps", type=int, choices=(1, 2), default=SUBSTEPS,
                        help="time steps per 4 columns the CRNN was trained with (train_crnn --substeps; default: the shipped CRNN's)")
    parser.add_argument("--crnn-width", type=crnn_width, default=INPUT_WIDTH,
                        help="input width of the exported CRNN (a multiple of 4; default 128, as trained): the same "
                             "weights read a word wider than 4:1 with more columns instead of squeezing it")
    parser.add_argument("--east-weights", type=Path, help="float EAST weights (.weights.h5)")
    parser.add_argument("--calib-words", type=Path, action="append", default=[], help="word folders for int8 calibration")
    parser.add_argument("--calib-scenes", type=Path, action="append", default=[], help="scene folders for int8 calibration")
    parser.add_argument("--samples", type=int, default=CALIBRATION_SAMPLES, help="calibration samples per model")
    parser.add_argument("--int8-east-size", type=parse_size, action="append", metavar="WxH",
                        help="static input of an int8 EAST, multiples of 32 (repeatable; default: 1280x736, 960x544, "
                             "640x480, 320x256 and 320x320). Written as east_int8_WxH.tflite")
    parser.add_argument("--no-fp16-east", action="store_true", help="write only the int8 EAST models")
    parser.add_argument("--east-qat-weights", type=Path,
                        help="int8 EAST models from these quantization-aware weights (train_east --quantization-aware) "
                             "instead of --east-weights; the float16 model still comes from --east-weights")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.crnn_weights:
        if not args.calib_words:
            parser.error("--crnn-weights needs --calib-words")
        export_crnn(args.crnn_weights, args.out,
                    calibration_words(args.calib_words, args.samples, args.seed, args.crnn_width),
                    tuple(args.crnn_filters), args.crnn_substeps)
    if args.east_weights:
        if not args.calib_scenes:
            parser.error("--east-weights needs --calib-scenes")
        sizes = args.int8_east_size or list(INT8_EAST_SIZES)
        calib = {size: calibration_scenes(args.calib_scenes, args.samples, args.seed, size) for size in sizes}
        export_east(args.east_weights, args.out, calib, fp16=not args.no_fp16_east, qat_weights=args.east_qat_weights)


if __name__ == "__main__":
    main()
