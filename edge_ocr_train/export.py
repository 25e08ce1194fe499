"""Export trained weights to TFLite: float16 for the CPU and full-integer int8 (uint8 I/O) for the Edge TPU.

Usage: python -m edge_ocr_train.export --crnn-weights models/crnn.weights.h5 --east-weights models/east.weights.h5 \\
           --calib-words data/words_synth --calib-scenes data/scenes_synth --out models

- east_fp16.tflite: input 1 x H x W x 3 with H, W any multiples of 32 (set at load time);
- east_int8.tflite: input 1 x 320 x 320 x 3 uint8 (the Edge TPU needs static shapes);
- crnn_fp16.tflite: input N x 32 x 128 x 1 (dynamic batch, one invoke per frame);
- crnn_int8.tflite: input 1 x 32 x 128 x 1 uint8;
- charset.txt in CRNN.tf2 table.txt format.
Calibration uses word crops and scene crops (synthetic, or real with --calib-real-*).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from .crnn_model import INPUT_HEIGHT, INPUT_WIDTH, build_crnn, with_softmax
from .east_model import build_east
from .real_data import load_scene_gt, load_word_folder, scene_files
from .train_crnn import CHARSET
from .train_east import MEAN_BGR, random_crop

LOG = logging.getLogger(__name__)
INT8_EAST_SIZE = 320
CALIBRATION_SAMPLES = 200


def _convert(model, signature: list, representative: Callable[[], Iterator[list[np.ndarray]]] | None) -> bytes:
    import tempfile

    import tensorflow as tf

    # Through a SavedModel: converting a Keras 3 model's concrete function directly leaves its
    # weights as variables (READ_VARIABLE ops) instead of constants.
    saved = tempfile.mkdtemp(prefix="edge_ocr_export_")
    model.export(saved, format="tf_saved_model", input_signature=signature, verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(saved)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if representative is None:
        converter.target_spec.supported_types = [tf.float16]
    else:
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    return converter.convert()


def calibration_words(folders: list[Path], count: int, seed: int) -> np.ndarray:
    """Word crops (N x 32 x 128 uint8) from synthetic folders (images.npy) or real ones (labels.tsv)."""
    rng = np.random.default_rng(seed)
    pools = [np.load(f / "images.npy", mmap_mode="r") if (f / "images.npy").is_file()
             else load_word_folder(f, INPUT_HEIGHT, INPUT_WIDTH)[0] for f in folders]
    per = max(count // len(pools), 1)
    return np.concatenate([p[np.sort(rng.choice(len(p), size=min(per, len(p)), replace=False))] for p in pools])


def calibration_scenes(folders: list[Path], count: int, seed: int, size: int = INT8_EAST_SIZE) -> np.ndarray:
    """size x size crops of scenes, minus the mean, as the detector sees them."""
    rng = np.random.default_rng(seed)
    files = [pair for f in folders for pair in scene_files(f)]
    crops = []
    for i in rng.choice(len(files), size=min(count, len(files)), replace=False):
        image_path, gt_path = files[int(i)]
        quads, texts = load_scene_gt(gt_path)
        image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
        scale = size / max(image.shape[:2]) * float(rng.uniform(1.0, 2.0))
        crop, _, _ = random_crop(image, quads, np.array([t is not None for t in texts]), size, scale, rng)
        crops.append(crop.astype(np.float32) - MEAN_BGR)
    return np.stack(crops)


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
    info[name] = {"parameters": int(model.count_params()),
                  "macs": {label: count_macs(model, shape) for label, shape in sizes.items()},
                  "files": {f.name: f.stat().st_size for f in sorted(out.glob(f"{name}_*.tflite"))}}
    path.write_text(json.dumps(info, indent=1) + "\n")


def export_crnn(weights: Path, out: Path, calib: np.ndarray) -> None:
    import tensorflow as tf

    model = build_crnn(CHARSET.num_classes)
    model.load_weights(weights)
    model = with_softmax(model)
    fp16 = _convert(model, [tf.TensorSpec([None, INPUT_HEIGHT, INPUT_WIDTH, 1], tf.float32)], None)
    (out / "crnn_fp16.tflite").write_bytes(fp16)
    data = calib.astype(np.float32)[..., None] / 255.0

    def representative() -> Iterator[list[np.ndarray]]:
        for x in data:
            yield [x[None]]

    int8 = _convert(model, [tf.TensorSpec([1, INPUT_HEIGHT, INPUT_WIDTH, 1], tf.float32)], representative)
    (out / "crnn_int8.tflite").write_bytes(int8)
    CHARSET.save(out / "charset.txt")
    write_model_info(out, "crnn", model, {"1x32x128x1": (1, INPUT_HEIGHT, INPUT_WIDTH, 1)})
    LOG.info("CRNN: fp16 %d bytes, int8 %d bytes", len(fp16), len(int8))


def export_east(weights: Path, out: Path, calib: np.ndarray, int8_size: int = INT8_EAST_SIZE) -> None:
    import tensorflow as tf

    model = build_east()
    model.load_weights(weights)
    fp16 = _convert(model, [tf.TensorSpec([1, None, None, 3], tf.float32)], None)
    (out / "east_fp16.tflite").write_bytes(fp16)
    fixed = build_east(int8_size, int8_size)
    fixed.set_weights(model.get_weights())

    def representative() -> Iterator[list[np.ndarray]]:
        for x in calib:
            yield [x[None]]

    int8 = _convert(fixed, [tf.TensorSpec([1, int8_size, int8_size, 3], tf.float32)], representative)
    (out / "east_int8.tflite").write_bytes(int8)
    write_model_info(out, "east", model, {"1x544x960x3": (1, 544, 960, 3), f"1x{int8_size}x{int8_size}x3": (1, int8_size, int8_size, 3)})
    LOG.info("EAST: fp16 %d bytes, int8 %d bytes", len(fp16), len(int8))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crnn-weights", type=Path, help="float CRNN weights (.weights.h5)")
    parser.add_argument("--east-weights", type=Path, help="float EAST weights (.weights.h5)")
    parser.add_argument("--calib-words", type=Path, action="append", default=[], help="word folders for int8 calibration")
    parser.add_argument("--calib-scenes", type=Path, action="append", default=[], help="scene folders for int8 calibration")
    parser.add_argument("--samples", type=int, default=CALIBRATION_SAMPLES, help="calibration samples per model")
    parser.add_argument("--int8-east-size", type=int, default=INT8_EAST_SIZE,
                        help="static square input of the int8 EAST (multiple of 32); 320 keeps it fast on the Edge TPU")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.crnn_weights:
        if not args.calib_words:
            parser.error("--crnn-weights needs --calib-words")
        export_crnn(args.crnn_weights, args.out, calibration_words(args.calib_words, args.samples, args.seed))
    if args.east_weights:
        if not args.calib_scenes:
            parser.error("--east-weights needs --calib-scenes")
        size = args.int8_east_size
        export_east(args.east_weights, args.out, calibration_scenes(args.calib_scenes, args.samples, args.seed, size), size)


if __name__ == "__main__":
    main()
