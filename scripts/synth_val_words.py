#!/usr/bin/env python3
"""Write a fixed-seed synthetic validation set of words seen by a camera, as a words folder (crops + labels.tsv).

Every word is viewed (turned, tilted, bent along arcs, small, defocused: ``camera_views``), so the set
measures what the ICDAR 2015 scene words measure, on many more words and without touching real data; with
``--styles`` a share of them is also engraved, embossed, backlit, reflective or an LED/dot-matrix display.
The seed is none that training data is drawn with (words_synth 1, words_camera 5, words_styles 6). Score
any recognizer on it with ``edge-ocr eval --gt DIR --ocr MODEL``.

Usage: python scripts/synth_val_words.py --out data/synth_camera_val
       python scripts/synth_val_words.py --out data/synth_styles_val --styles 1 --sheet docs/synth_styles_val.png
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np

from edge_ocr_train.synth_words import render_crops

LOG = logging.getLogger("synth_val_words")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (wNNNNN.png + labels.tsv)")
    parser.add_argument("--count", type=int, default=1000, help="words")
    parser.add_argument("--seed", type=int, default=2026, help="fixed: the same seed writes the same set")
    parser.add_argument("--camera", type=float, default=1.0, help="share of words seen by a camera (camera_views)")
    parser.add_argument("--styles", type=float, default=0.0, help="share of words in a sign style (sign_styles)")
    parser.add_argument("--sheet", type=Path, help="also write a PNG of the first 48 crops (8 x 6), to look at")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    images, labels = render_crops((args.seed, args.count, args.camera, args.styles))
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (image, text) in enumerate(zip(images, labels, strict=True)):
        name = f"w{i:05d}.png"
        cv2.imwrite(str(args.out / name), image)
        rows.append(f"{name}\t{text}")
    (args.out / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    LOG.info("wrote %d words to %s", len(rows), args.out)
    if args.sheet:
        shown = np.zeros((48, *images.shape[1:]), np.uint8)
        shown[: min(48, len(images))] = images[:48]
        cv2.imwrite(str(args.sheet), np.vstack([np.hstack(list(shown[r * 6 : (r + 1) * 6])) for r in range(8)]))


if __name__ == "__main__":
    main()
