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

from edge_ocr_ros.recognition.charset import Charset
from edge_ocr_ros.recognition.ctc import decode, softmax

from .crnn_model import (
    FILTERS,
    INPUT_HEIGHT,
    INPUT_WIDTH,
    SUBSTEPS,
    build_crnn,
    charset_path,
    split_steps_into,
    transfer_classes,
    widen_into,
)
from .loop import add_training_options, configure_tensorflow, make_optimizer, train_loop
from .real_data import read_scene_words, read_word_folder, rectify_all
from .word_augment import photometric, recut
from .words import label_for, label_of

LOG = logging.getLogger(__name__)
# Alphabets the trainer knows by name (--charset also takes a table.txt file):
# "lower" is the first release's (digits and lower-case letters); "signs" adds upper case and sign punctuation.
CHARSETS = {
    "lower": Charset.from_characters("0123456789abcdefghijklmnopqrstuvwxyz"),
    "signs": Charset.from_characters("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.,:/&$%#@'()!?+"),
}
CHARSET = CHARSETS["lower"]
MAX_LABEL = 24


def charset_named(name: str) -> Charset:
    """A charset by name (see CHARSETS) or from a CRNN.tf2 table.txt file."""
    return CHARSETS[name] if name in CHARSETS else Charset.load(name)


class WordBatches:
    """Random batches mixing synthetic crops (already rectified) and real crops (re-cut through a
    jittered quad each time they are drawn), with photometric augmentation."""

    def __init__(self, synth: tuple[np.ndarray, list[str]] | None, real: tuple[list[np.ndarray], list[str]] | None,
                 real_fraction: float, rng: np.random.Generator, charset: Charset = CHARSET,
                 rotate: float = 0.0, camera: float = 0.0) -> None:
        self.charset = charset
        self.synth = synth if synth is not None and len(synth[1]) else None
        self.real = real if real is not None and len(real[1]) else None
        if self.synth is None and self.real is None:
            raise SystemExit("no training data: give --synth and/or --real")
        self.real_fraction = 0.0 if self.real is None else 1.0 if self.synth is None else real_fraction
        self.rng = rng
        self.rotate = rotate
        self.camera = camera

    def sample(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_real = int(self.rng.binomial(batch, self.real_fraction))
        images, texts = [], []
        if batch - n_real:
            arr, labels = self.synth
            idx = np.sort(self.rng.integers(0, len(labels), size=batch - n_real))
            images.append(arr[idx])
            texts.extend(labels[i] for i in idx)
        if n_real:
            raw, labels = self.real
            idx = self.rng.integers(0, len(labels), size=n_real)
            images.append(recut(raw, idx, INPUT_HEIGHT, INPUT_WIDTH, self.rng, self.rotate, camera=self.camera))
            texts.extend(labels[i] for i in idx)
        x = photometric(np.concatenate(images).astype(np.float32) / 255.0, self.rng)
        y, lengths = encode_labels(texts, self.charset)
        return x[..., None], y, lengths


def encode_labels(texts: list[str], charset: Charset = CHARSET) -> tuple[np.ndarray, np.ndarray]:
    y = np.zeros((len(texts), MAX_LABEL), np.int32)
    lengths = np.zeros(len(texts), np.int32)
    for i, t in enumerate(texts):
        ids = charset.encode(t)[:MAX_LABEL]
        y[i, : len(ids)] = ids
        lengths[i] = len(ids)
    return y, lengths


def word_accuracy(model, images: np.ndarray, labels: list[str], charset: Charset = CHARSET,
                  batch: int = 256) -> dict[str, float]:
    """Greedy-decoded exact-match accuracy with the runtime's own CTC decoder: as the alphabet writes the
    labels (case and punctuation, where it has them) and case- and punctuation-insensitively."""
    exact = folded = 0
    for i in range(0, len(labels), batch):
        x = images[i : i + batch].astype(np.float32)[..., None] / 255.0
        probs = softmax(np.asarray(model(x, training=False)))
        decoded, _ = decode(probs, charset.blank)
        for d, t in zip(decoded, labels[i : i + batch], strict=True):
            text = charset.decode(d)
            exact += text == t
            folded += label_of(text) == label_of(t)
    n = max(len(labels), 1)
    return {"exact": exact / n, "folded": folded / n}


def keep_writable(labels: list[str], charset: Charset) -> tuple[np.ndarray, list[str]]:
    """The samples whose text the alphabet can write, with their labels folded to it."""
    folded = [label_for(t, charset) for t in labels]
    keep = np.flatnonzero([bool(f) for f in folded])
    return keep, [folded[i] for i in keep]


def writable_crops(parts: list[tuple[list[np.ndarray], list[str]]], charset: Charset) -> tuple[list[np.ndarray], list[str]]:
    """The crops of several (images, labels) sources, in order, whose text the alphabet can write (``keep_writable``)."""
    keep, labels = keep_writable([t for p in parts for t in p[1]], charset)
    everything = [img for p in parts for img in p[0]]
    return [everything[i] for i in keep], labels


def load_synth(folder: Path, charset: Charset = CHARSET) -> tuple[np.ndarray, list[str]]:
    images = np.load(folder / "images.npy", mmap_mode="r")
    labels = (folder / "labels.txt").read_text(encoding="utf-8").split("\n")[: len(images)]
    keep, labels = keep_writable(labels, charset)
    return (images if len(keep) == len(images) else images[keep]), labels


def load_synths(folders: list[Path], charset: Charset = CHARSET) -> tuple[np.ndarray, list[str]]:
    """Several synthetic folders as one set, in the order given (one folder stays memory-mapped)."""
    parts = [load_synth(folder, charset) for folder in folders]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([images for images, _ in parts]), [t for _, labels in parts for t in labels]


def split(n: int, n_val: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train indices and validation indices of a random hold-out."""
    order = rng.permutation(n)
    return np.sort(order[n_val:]), order[:n_val]


# The shipped recognizer's run drew its real hold-out after a permutation of its 120,000 synthetic crops.
SHIPPED_SYNTH_COUNT = 120_000


def real_holdout(n_real: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices of the writable real crops. They depend on the real folder and the seed
    only, not on the synthetic data: drawn as in the shipped recognizer's run, so that they stay held out
    from its weights, which later runs start from (with another synthetic count they once overlapped its
    training crops, and validation rewarded memory)."""
    rng = np.random.default_rng(seed)
    rng.permutation(SHIPPED_SYNTH_COUNT)
    return split(n_real, min(300, n_real // 10), rng)


def holdout_splits(n_synth: int, n_real: int, seed: int):
    """(rng, synthetic split, real split): the crops training holds out, reproducible from the seed,
    so that other tools (scripts/tune_recognizer.py) can measure on the same held-out real crops."""
    rng = np.random.default_rng(seed)
    synth = split(n_synth, min(1000, n_synth // 10), rng) if n_synth else None
    real = real_holdout(n_real, seed) if n_real else None
    return rng, synth, real


def with_scene_words(real_train: tuple[list[np.ndarray], list[str]] | None, folders: list[Path], pattern: str,
                     charset: Charset) -> tuple[list[np.ndarray], list[str]] | None:
    """The real training crops plus the labelled words of scene folders. Scene words only ever train:
    the real hold-out stays the word folders' (``real_holdout``), comparable from run to run."""
    scene_images, scene_labels = writable_crops([read_scene_words(f, pattern) for f in folders], charset)
    if not scene_labels:
        return real_train
    images, texts = real_train if real_train is not None else ([], [])
    return images + scene_images, texts + scene_labels


def train(args: argparse.Namespace) -> None:
    import tensorflow as tf

    configure_tensorflow(args.threads, args.seed)
    synth_train = synth_val = real_train = real_val = None
    charset = charset_named(args.charset)
    synth = load_synths(args.synth, charset) if args.synth else None
    real_images, real_labels = writable_crops([read_word_folder(f) for f in args.real or []], charset)
    rng, synth_split, real_split = holdout_splits(len(synth[1]) if synth else 0, len(real_labels), args.seed)
    if synth_split is not None:
        (train_idx, val_idx), (images, labels) = synth_split, synth
        synth_train = (np.asarray(images[train_idx]), [labels[i] for i in train_idx])
        synth_val = (np.asarray(images[val_idx]), [labels[i] for i in val_idx])
    if real_split is not None:
        train_idx, val_idx = real_split
        real_train = ([real_images[i] for i in train_idx], [real_labels[i] for i in train_idx])
        real_val = (rectify_all([real_images[i] for i in val_idx], INPUT_HEIGHT, INPUT_WIDTH), [real_labels[i] for i in val_idx])
    real_train = with_scene_words(real_train, args.real_scenes or [], args.scene_glob, charset)
    batches = WordBatches(synth_train, real_train, args.real_fraction, rng, charset, args.rotate, args.camera)

    filters = tuple(args.filters)
    model = build_crnn(charset.num_classes, filters=filters, substeps=args.substeps)
    if args.split_steps_from:
        trained = build_crnn(charset.num_classes, filters=filters)
        trained.load_weights(args.split_steps_from)
        split_steps_into(trained, model)
        LOG.info("started %d sub-steps per column from %s", args.substeps, args.split_steps_from)
    if args.widen_from:
        small = build_crnn(charset.num_classes, filters=tuple(args.widen_filters))
        small.load_weights(args.widen_from)
        widen_into(small, model)
        LOG.info("widened %s (filters %s) into filters %s", args.widen_from, args.widen_filters, filters)
    if args.transfer_from:
        old_charset = charset_named(args.transfer_charset)
        old = build_crnn(old_charset.num_classes, filters=filters)
        old.load_weights(args.transfer_from)
        transfer_classes(old, old_charset.tokens, model, charset.tokens)
        LOG.info("started from %s (alphabet %s) for the alphabet %s", args.transfer_from, args.transfer_charset, args.charset)
    optimizer, schedule = make_optimizer(args.lr, args.steps)
    time_steps = model.output_shape[1]

    @tf.function(reduce_retracing=True)
    def step(x, y, lengths):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = tf.nn.ctc_loss(y, logits, lengths, tf.fill([tf.shape(x)[0]], time_steps),
                                  logits_time_major=False, blank_index=charset.blank)
            loss = tf.reduce_mean(loss)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    def train_step() -> float:
        return float(step(*map(tf.constant, batches.sample(args.batch))))

    def evaluate() -> dict[str, float]:
        row = {}
        if synth_val is not None:
            row["synth_acc"] = word_accuracy(model, *synth_val, charset)["exact"]
        if real_val is not None:
            scores = word_accuracy(model, *real_val, charset)
            row["real_acc"], row["real_acc_folded"] = scores["exact"], scores["folded"]
        return row

    train_loop(name="crnn", model=model, optimizer=optimizer, schedule=schedule, steps=args.steps,
               work_dir=args.work_dir, weights_out=args.weights_out, resume=args.resume,
               init_weights=args.init_weights, eval_every=args.eval_every, fields=["synth_acc", "real_acc", "real_acc_folded"],
               train_step=train_step, evaluate=evaluate, select="real_acc" if args.select_best and real_val else None,
               average=args.average, on_weights=lambda path: charset.save(charset_path(path)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synth", type=Path, action="append",
                        help="synthetic words folder (from edge_ocr_train.synth_words; repeatable: the folders are "
                             "drawn from as one set, e.g. sign styles beside camera views)")
    parser.add_argument("--real", type=Path, action="append", help="real words folder with labels.tsv (repeatable)")
    parser.add_argument("--real-scenes", type=Path, action="append",
                        help="scene folder (NAME.jpg + NAME.gt.json, repeatable) whose labelled words also train, "
                             "cut as their upright boxes; never held out")
    parser.add_argument("--scene-glob", default="*",
                        help="which scenes of --real-scenes (e.g. 'ic15_*' where the others' words are already in --real)")
    parser.add_argument("--real-fraction", type=float, default=0.5, help="share of real crops per batch when both are given")
    parser.add_argument("--rotate", type=float, default=0.0,
                        help="share of real crops turned by up to 30 degrees inside an upright box, as word-crop "
                             "datasets cut slanted words")
    parser.add_argument("--camera", type=float, default=0.0,
                        help="share of real crops seen as a robot's camera sees signs each time they are drawn: "
                             "turned away, bent, defocused, small, with glare (camera_views.py)")
    parser.add_argument("--select-best", action="store_true",
                        help="write --weights-out only when the held-out real accuracy improves (needs --real)")
    parser.add_argument("--charset", default="lower",
                        help="alphabet: lower (digits, a-z), signs (digits, A-Z, a-z, sign punctuation) or a table.txt file; "
                             "written beside --weights-out as NAME.charset.txt for the export")
    parser.add_argument("--transfer-from", type=Path,
                        help="start from a CRNN trained for another alphabet (--transfer-charset): every layer is copied, "
                             "and each class from the old class of the same character (upper case from lower case)")
    parser.add_argument("--transfer-charset", default="lower", help="alphabet of --transfer-from")
    parser.add_argument("--filters", type=int, nargs=7, default=list(FILTERS),
                        help="output channels of the seven trunk convolutions (default: the shipped CRNN's); "
                             "give the export the same with --crnn-filters")
    parser.add_argument("--substeps", type=int, choices=(1, 2), default=SUBSTEPS,
                        help="output time steps per 4 input columns (default: the shipped CRNN's); 2 gives narrow "
                             "letters a step each; give the export the same with --crnn-substeps")
    parser.add_argument("--split-steps-from", type=Path,
                        help="start a --substeps 2 network from the weights of a one-step CRNN (same filters and "
                             "alphabet): it starts reading exactly as that one does")
    parser.add_argument("--widen-from", type=Path, help="start from the weights of a narrower CRNN (see --widen-filters)")
    parser.add_argument("--widen-filters", type=int, nargs=7, default=[32, 64, 96, 96, 128, 128, 192],
                        help="trunk filters of the --widen-from model (default: the first shipped CRNN)")
    add_training_options(parser, "crnn", steps=20000, batch=64, eval_every=1000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    train(args)


if __name__ == "__main__":
    main()
