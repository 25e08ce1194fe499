"""Train the CRNN recognizer with CTC on synthetic word crops, optionally mixed with real crops.

Examples:
  python -m edge_ocr_train.train_crnn --synth data/words_synth --steps 20000
  python -m edge_ocr_train.train_crnn --synth data/words_synth --real ../shared/realtrain/words --steps 20000
  # fine-tune the shipped weights on your own crops (a folder with labels.tsv):
  python -m edge_ocr_train.train_crnn --init-weights models/crnn.weights.h5 --real my_words --real-fraction 1 --steps 2000 --lr 3e-4

Checkpoints go to --work-dir (resume with --resume); the float weights are written to --weights-out.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from edge_ocr_ros.charset import Charset
from edge_ocr_ros.ctc import decode, softmax

from .crnn_model import INPUT_HEIGHT, INPUT_WIDTH, build_crnn
from .loop import add_training_options, configure_tensorflow, make_optimizer, train_loop
from .real_data import load_word_folder

LOG = logging.getLogger(__name__)
CHARSET = Charset.from_characters("0123456789abcdefghijklmnopqrstuvwxyz")
MAX_LABEL = 24


class WordBatches:
    """Random batches mixing synthetic and real crops, with cheap photometric augmentation."""

    def __init__(self, synth: tuple[np.ndarray, list[str]] | None, real: tuple[np.ndarray, list[str]] | None,
                 real_fraction: float, rng: np.random.Generator) -> None:
        self.sources = [s for s in (synth, real) if s is not None and len(s[1])]
        if not self.sources:
            raise SystemExit("no training data: give --synth and/or --real")
        self.real_fraction = real_fraction if synth is not None and real is not None else None
        self.rng = rng

    def sample(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.real_fraction is None:
            picks = [(self.sources[0], batch)]
        else:
            n_real = int(self.rng.binomial(batch, self.real_fraction))
            picks = [(self.sources[0], batch - n_real), (self.sources[1], n_real)]
        images, texts = [], []
        for (arr, labels), n in picks:
            idx = np.sort(self.rng.integers(0, len(labels), size=n))
            images.append(arr[idx])
            texts.extend(labels[i] for i in idx)
        x = np.concatenate(images).astype(np.float32) / 255.0
        x = augment(x, self.rng)
        y, lengths = encode_labels(texts)
        return x[..., None], y, lengths


def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per-crop contrast, brightness and polarity jitter (vectorised over the batch)."""
    n = x.shape[0]
    contrast = rng.uniform(0.6, 1.3, size=(n, 1, 1)).astype(np.float32)
    bright = rng.uniform(-0.15, 0.15, size=(n, 1, 1)).astype(np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    x = (x - mean) * contrast + mean + bright
    invert = rng.random(n) < 0.2
    x[invert] = 1.0 - x[invert]
    return np.clip(x, 0.0, 1.0)


def encode_labels(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    y = np.zeros((len(texts), MAX_LABEL), np.int32)
    lengths = np.zeros(len(texts), np.int32)
    for i, t in enumerate(texts):
        ids = CHARSET.encode(t)[:MAX_LABEL]
        y[i, : len(ids)] = ids
        lengths[i] = len(ids)
    return y, lengths


def word_accuracy(model, images: np.ndarray, labels: list[str], batch: int = 256) -> float:
    """Greedy-decoded exact-match accuracy, with the runtime's own CTC decoder."""
    correct = 0
    for i in range(0, len(labels), batch):
        x = images[i : i + batch].astype(np.float32)[..., None] / 255.0
        probs = softmax(np.asarray(model(x, training=False)))
        decoded, _ = decode(probs, CHARSET.blank)
        correct += sum(CHARSET.decode(d) == t for d, t in zip(decoded, labels[i : i + batch], strict=True))
    return correct / max(len(labels), 1)


def load_synth(folder: Path) -> tuple[np.ndarray, list[str]]:
    images = np.load(folder / "images.npy", mmap_mode="r")
    labels = (folder / "labels.txt").read_text(encoding="utf-8").split("\n")[: len(images)]
    return images, labels


def split(data: tuple[np.ndarray, list[str]], n_val: int, rng: np.random.Generator):
    order = rng.permutation(len(data[1]))
    val, train = order[:n_val], np.sort(order[n_val:])
    return (np.asarray(data[0][train]), [data[1][i] for i in train]), (np.asarray(data[0][val]), [data[1][i] for i in val])


def train(args: argparse.Namespace) -> None:
    import tensorflow as tf

    configure_tensorflow(args.threads, args.seed)
    rng = np.random.default_rng(args.seed)
    synth_train = synth_val = real_train = real_val = None
    if args.synth:
        synth = load_synth(args.synth)
        synth_train, synth_val = split(synth, min(1000, len(synth[1]) // 10), rng)
    if args.real:
        parts = [load_word_folder(f, INPUT_HEIGHT, INPUT_WIDTH) for f in args.real]
        real = (np.concatenate([p[0] for p in parts]), [t for p in parts for t in p[1]])
        real_train, real_val = split(real, min(300, len(real[1]) // 10), rng)
    batches = WordBatches(synth_train, real_train, args.real_fraction, rng)

    model = build_crnn(CHARSET.num_classes)
    optimizer, schedule = make_optimizer(args.lr, args.steps)
    time_steps = model.output_shape[1]

    @tf.function(reduce_retracing=True)
    def step(x, y, lengths):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = tf.nn.ctc_loss(y, logits, lengths, tf.fill([tf.shape(x)[0]], time_steps),
                                  logits_time_major=False, blank_index=CHARSET.blank)
            loss = tf.reduce_mean(loss)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    def train_step() -> float:
        return float(step(*map(tf.constant, batches.sample(args.batch))))

    def evaluate() -> dict[str, float]:
        row = {}
        if synth_val is not None:
            row["synth_acc"] = word_accuracy(model, *synth_val)
        if real_val is not None:
            row["real_acc"] = word_accuracy(model, *real_val)
        return row

    train_loop(name="crnn", model=model, optimizer=optimizer, schedule=schedule, steps=args.steps,
               work_dir=args.work_dir, weights_out=args.weights_out, resume=args.resume,
               init_weights=args.init_weights, eval_every=args.eval_every, fields=["synth_acc", "real_acc"],
               train_step=train_step, evaluate=evaluate)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synth", type=Path, help="synthetic words folder (from edge_ocr_train.synth_words)")
    parser.add_argument("--real", type=Path, action="append", help="real words folder with labels.tsv (repeatable)")
    parser.add_argument("--real-fraction", type=float, default=0.35, help="share of real crops per batch when both are given")
    add_training_options(parser, "crnn", steps=20000, batch=64, eval_every=1000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    train(args)


if __name__ == "__main__":
    main()
