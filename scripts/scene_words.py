#!/usr/bin/env python3
"""Write the labelled words of scene photos as a words folder (crops + labels.tsv), cut as word-crop datasets
cut them: each word's upright bounding box, a slanted word staying slanted in its box.

The shipped recognizer never trained on the ICDAR 2015 scenes' words (its real crops are the word folder's), so
they score it on 1,667 crops it has not seen, more than five times the training hold-out (``holdout_words.py``), through
the engine with the command the dev set uses. A recognizer trained with ``train_crnn --real-scenes`` has seen
them: score it on the hold-out instead.

Usage: python scripts/scene_words.py --scenes ../shared/realtrain/scenes --glob 'ic15_*' --out data/ic15_scene_words
       python -m edge_ocr_ros.tools.cli eval --gt data/ic15_scene_words
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from edge_ocr_train.real_data import load_scene_gt, scene_files, upright_word_boxes

LOG = logging.getLogger("scene_words")


def word_slant(quad: np.ndarray) -> float:
    """Degrees (0-90) between the word's baseline (its first and last corners' bottom edge, averaged with the
    top edge) and the horizontal: how slanted it sits in its upright crop."""
    along = (quad[1] - quad[0]) + (quad[2] - quad[3])
    degrees = abs(float(np.degrees(np.arctan2(along[1], along[0]))))
    return min(degrees, 180.0 - degrees)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=Path, required=True, help="scene folder (NAME.jpg + NAME.gt.json)")
    parser.add_argument("--glob", default="*", help="which scenes, by file name (e.g. 'ic15_*')")
    parser.add_argument("--out", type=Path, required=True, help="folder to write: NAME_INDEX.png (INDEX: the word's "
                                                                 "place in NAME.gt.json), labels.tsv and slants.tsv "
                                                                 "(each word's slant, for edge-ocr eval's per-slant "
                                                                 "accuracy)")
    parser.add_argument("--min-height", type=int, default=6, help="leave out words fewer pixels high (as training does)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    pairs = scene_files(args.scenes, args.glob)
    if not pairs:
        parser.error(f"no labelled scene in {args.scenes} matches {args.glob!r}")
    args.out.mkdir(parents=True, exist_ok=True)
    lines, slants = [], []
    for image_path, gt_path in tqdm(pairs, desc="scenes", unit="img"):
        scene = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
        if scene is None:
            LOG.warning("cannot read %s; skipped", image_path)
            continue
        quads = load_scene_gt(gt_path)[0]
        for index, box, label in upright_word_boxes(gt_path, args.min_height):
            name = f"{image_path.stem}_{index}.png"
            cv2.imwrite(str(args.out / name), scene[box])
            lines.append(f"{name}\t{label}")
            slants.append(f"{name}\t{word_slant(quads[index]):.1f}")
    (args.out / "labels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "slants.tsv").write_text("\n".join(slants) + "\n", encoding="utf-8")
    LOG.info("wrote %d word crops of %d scenes to %s", len(lines), len(pairs), args.out)


if __name__ == "__main__":
    main()
