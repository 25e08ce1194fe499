"""Train the EAST detector on synthetic signage scenes, optionally mixed with real scenes.

Examples:
  python -m edge_ocr_train.train_east --synth data/scenes_synth --steps 6000
  python -m edge_ocr_train.train_east --synth data/scenes_synth --real ../shared/realtrain/scenes --steps 6000
  # fine-tune the shipped weights on your own photos (NAME.jpg + NAME.gt.json):
  python -m edge_ocr_train.train_east --init-weights models/east.weights.h5 --real my_scenes \\
      --real-fraction 1 --steps 1000 --lr 3e-4
  # quantization-aware fine-tuning of trained float weights for the int8 (Edge TPU) models:
  python -m edge_ocr_train.train_east --quantization-aware --init-weights models/east.weights.h5 \\
      --synth data/scenes_synth --real ../shared/realtrain/scenes --steps 3000 --lr 2e-4 \\
      --work-dir data/train_east_qat --weights-out models/east_qat.weights.h5

Training uses random crops of --crop pixels at random scales; the model is fully convolutional, so
the exported float16 model runs at any multiple of 32 and the int8 model at 320 x 320.
"""

from __future__ import annotations

import argparse
import logging
import queue
import threading
from pathlib import Path

import cv2
import numpy as np

from edge_ocr_ros.config import MEAN_RGB

from .east_model import build_east, fold_batch_norms
from .east_targets import east_targets
from .loop import add_training_options, configure_tensorflow, make_optimizer, train_loop
from .real_data import load_scene_gt, scene_files

LOG = logging.getLogger(__name__)
MEAN_BGR = np.array(MEAN_RGB[::-1], np.float32)  # the runtime's default detector.mean, in OpenCV's channel order


class SceneSet:
    """Scenes of one folder kind, sampled at a scale range (real photos are larger than synthetic)."""

    def __init__(self, folders: list[Path], scale_range: tuple[float, float], cache: bool) -> None:
        self.files = [pair for f in folders for pair in scene_files(f)]
        self.scale_range = scale_range
        self._cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = {} if cache else None

    def __len__(self) -> int:
        return len(self.files)

    def load(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._cache is not None and i in self._cache:
            return self._cache[i]
        image_path, gt_path = self.files[i]
        quads, texts = load_scene_gt(gt_path)
        item = (cv2.imread(str(image_path), cv2.IMREAD_COLOR), quads, np.array([t is not None for t in texts], bool))
        if self._cache is not None:
            self._cache[i] = item
        return item


def random_crop(image: np.ndarray, quads: np.ndarray, care: np.ndarray, size: int, scale: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale, then crop ``size`` x ``size`` around a random word (or anywhere); words cut by the
    crop border become don't-care."""
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    img = cv2.resize(image, None, fx=scale, fy=scale, interpolation=interp)
    q = quads * scale
    h, w = img.shape[:2]
    if care.any() and rng.random() < 0.85:
        centre = q[rng.choice(np.flatnonzero(care))].mean(axis=0)
        x0, y0 = (centre - rng.uniform(0.15, 0.85, size=2) * size).astype(int)
    else:
        x0, y0 = int(rng.integers(0, max(w - size, 0) + 1)), int(rng.integers(0, max(h - size, 0) + 1))
    x0, y0 = int(np.clip(x0, 0, max(w - size, 0))), int(np.clip(y0, 0, max(h - size, 0)))
    crop = np.empty((size, size, 3), np.uint8)
    crop[:] = MEAN_BGR.astype(np.uint8)
    part = img[y0 : y0 + size, x0 : x0 + size]
    crop[: part.shape[0], : part.shape[1]] = part
    q = q - np.array([x0, y0], np.float32)
    inside = ((q >= -2) & (q <= size + 2)).all(axis=(1, 2))
    touching = ((q.max(axis=1) >= 0) & (q.min(axis=1) <= size)).all(axis=1)
    keep = touching
    return crop, q[keep], (care & inside)[keep]


def photometric(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    x = crop.astype(np.float32)
    x = (x - x.mean()) * rng.uniform(0.6, 1.4) + x.mean() + rng.uniform(-30, 30)
    if rng.random() < 0.1:
        x[:] = x.mean(axis=2, keepdims=True)
    return np.clip(x, 0, 255)


class Batches:
    """Builds batches of (input, score, distances, angle, mask) in a background thread."""

    def __init__(self, sets: list[SceneSet], weights: list[float], batch: int, size: int, seed: int) -> None:
        self.sets, self.weights = sets, np.array(weights) / np.sum(weights)
        self.batch, self.size = batch, size
        self.rng = np.random.default_rng(seed)
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        threading.Thread(target=self._fill, daemon=True).start()

    def make(self) -> tuple[np.ndarray, ...]:
        xs, targets = [], []
        for _ in range(self.batch):
            scenes = self.sets[self.rng.choice(len(self.sets), p=self.weights)]
            image, quads, care = scenes.load(int(self.rng.integers(len(scenes))))
            scale = float(np.exp(self.rng.uniform(*np.log(scenes.scale_range))))
            crop, q, c = random_crop(image, quads, care, self.size, scale, self.rng)
            xs.append(photometric(crop, self.rng) - MEAN_BGR)
            targets.append(east_targets(q, c, self.size, self.size))
        return (np.stack(xs), *(np.stack(t) for t in zip(*targets, strict=True)))

    def _fill(self) -> None:
        while True:
            self.queue.put(self.make())

    def next(self) -> tuple[np.ndarray, ...]:
        return self.queue.get()


def east_loss(score_t, dist_t, angle_t, mask, score_p, dist_p, angle_p):
    """Dice loss on the score map plus IoU and angle losses on text pixels (the EAST paper's RBOX loss)."""
    import tensorflow as tf

    eps = 1e-5
    inter = tf.reduce_sum(score_t * score_p * mask)
    union = tf.reduce_sum(score_t * mask) + tf.reduce_sum(score_p * mask) + eps
    dice = 1.0 - 2.0 * inter / union
    t_t, r_t, b_t, l_t = tf.split(dist_t, 4, axis=-1)
    t_p, r_p, b_p, l_p = tf.split(dist_p, 4, axis=-1)
    area_t = (t_t + b_t) * (r_t + l_t)
    area_p = (t_p + b_p) * (r_p + l_p)
    w_i = tf.minimum(r_t, r_p) + tf.minimum(l_t, l_p)
    h_i = tf.minimum(t_t, t_p) + tf.minimum(b_t, b_p)
    inter_a = w_i * h_i
    iou_loss = -tf.math.log((inter_a + 1.0) / (area_t + area_p - inter_a + 1.0))
    cos_p, sin_p = tf.split(tf.math.l2_normalize(angle_p, axis=-1), 2, axis=-1)
    cos_t, sin_t = tf.split(angle_t, 2, axis=-1)
    angle_loss = 1.0 - (cos_p * cos_t + sin_p * sin_t)
    weight = score_t * mask
    geo = tf.reduce_sum((iou_loss + 10.0 * angle_loss) * weight) / (tf.reduce_sum(weight) + eps)
    return dice + geo, dice, geo


def train(args: argparse.Namespace) -> None:
    import tensorflow as tf

    configure_tensorflow(args.threads, args.seed)
    sets, weights = [], []
    if args.synth:
        sets.append(SceneSet(args.synth, (0.6, 1.3), cache=False))
        weights.append(1.0 - (args.real_fraction if args.real else 0.0))
    if args.real:
        sets.append(SceneSet(args.real, tuple(args.real_scale), cache=True))
        weights.append(args.real_fraction if args.synth else 1.0)
    if not sets or not all(len(s) for s in sets):
        raise SystemExit("no training scenes: give --synth and/or --real folders with NAME.jpg + NAME.gt.json")
    batches = Batches(sets, weights, args.batch, args.crop, args.seed)
    val = Batches(sets, weights, args.batch, args.crop, args.seed + 999).make()  # fixed validation batch

    init_weights = args.init_weights
    if args.quantization_aware:
        if not init_weights:
            raise SystemExit("--quantization-aware fine-tunes trained float weights: give --init-weights")
        trained = build_east()
        trained.load_weights(init_weights)
        model = build_east(args.crop, args.crop, quantized=True)
        fold_batch_norms(trained, model)
        model(val[0], training=True)  # the rounding ranges start from a batch, not from zero
        init_weights = None  # already in (train_loop would load them into the float layout)
    else:
        model = build_east()
    optimizer, schedule = make_optimizer(args.lr, args.steps)

    @tf.function(reduce_retracing=True)
    def step(x, score, dist, angle, mask):
        with tf.GradientTape() as tape:
            loss, _, _ = east_loss(score, dist, angle, mask, *model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    def evaluate() -> dict[str, float]:
        _, dice, geo = east_loss(*val[1:], *model(val[0], training=False))
        return {"val_dice": float(dice), "val_geo": float(geo)}

    train_loop(name="east", model=model, optimizer=optimizer, schedule=schedule, steps=args.steps,
               work_dir=args.work_dir, weights_out=args.weights_out, resume=args.resume,
               init_weights=init_weights, eval_every=args.eval_every, fields=["val_dice", "val_geo"],
               train_step=lambda: float(step(*map(tf.constant, batches.next()))), evaluate=evaluate, average=args.average)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synth", type=Path, action="append", help="synthetic scenes folder (repeatable)")
    parser.add_argument("--real", type=Path, action="append", help="real scenes folder, NAME.jpg + NAME.gt.json (repeatable)")
    parser.add_argument("--real-fraction", type=float, default=0.5, help="share of real scenes when both are given")
    parser.add_argument("--real-scale", type=float, nargs=2, default=(0.45, 1.0),
                        help="scale range applied to real photos before cropping (match your run-time input size)")
    parser.add_argument("--crop", type=int, default=256, help="training crop size (multiple of 32)")
    parser.add_argument("--quantization-aware", action="store_true",
                        help="fine-tune --init-weights with int8 rounding simulated (batch norms folded), for "
                             "export --east-qat-weights; writes that layout, not the float one")
    add_training_options(parser, "east", steps=6000, batch=12, eval_every=250)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    train(args)


if __name__ == "__main__":
    main()
