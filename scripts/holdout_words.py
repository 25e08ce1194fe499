#!/usr/bin/env python3
"""Write the real word crops that CRNN training holds out as a words folder (crops + labels.tsv).

Any recognizer can then be scored on them through the engine, lexicon and all, with the command the dev
set uses (``edge-ocr eval --gt DIR --ocr MODEL``): the way to compare a retrained recognizer with the
shipped one on crops neither trained on, without touching the dev set.

Usage: python scripts/holdout_words.py --real-words ../shared/realtrain/words --out data/holdout_words
       python -m edge_ocr_ros.tools.cli eval --gt data/holdout_words --ocr data/candidate/crnn_fp16.tflite
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from edge_ocr_train.real_data import read_labelled_crops
from edge_ocr_train.train_crnn import charset_named, keep_writable, real_holdout

LOG = logging.getLogger("holdout_words")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real-words", type=Path, required=True, help="the real words folder given to CRNN training")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (crops keep their file names)")
    parser.add_argument("--seed", type=int, default=1, help="CRNN training's --seed")
    parser.add_argument("--charset", default="signs", help="CRNN training's --charset")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    names, _, labels = read_labelled_crops(args.real_words)  # the crops, in order, that train_crnn reads
    keep, _ = keep_writable(labels, charset_named(args.charset))
    _, held_out = real_holdout(len(keep), args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in sorted(held_out):
        name, text = names[keep[i]], labels[keep[i]]
        shutil.copyfile(args.real_words / name, args.out / name)
        lines.append(f"{name}\t{text}")
    (args.out / "labels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    LOG.info("wrote %d held-out crops to %s", len(lines), args.out)


if __name__ == "__main__":
    main()
