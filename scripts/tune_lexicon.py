#!/usr/bin/env python3
"""Choose recognizer.lexicon_margin on the real word crops that CRNN training holds out (never the dev set).

The CRNN trainer holds out 300 of the real crops (edge_ocr_train.train_crnn.holdout_splits, from the same
seed and data sizes); this script reads exactly those crops with the bundled recognizer, decodes them
once, and scores word accuracy for a range of margins. It prints a table and writes a plot.

Usage: python scripts/tune_lexicon.py --real ../shared/realtrain/words --out docs
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.evaluation import normalize_text
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_train.real_data import full_quad, read_word_folder
from edge_ocr_train.train_crnn import holdout_splits

MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", type=Path, required=True, help="the real words folder given to training (--real)")
    parser.add_argument("--synth-count", type=int, default=120000, help="synthetic crops training read (fixes the split)")
    parser.add_argument("--seed", type=int, default=1, help="training's --seed")
    parser.add_argument("--model", default="crnn_fp16.tflite", help="recognizer model (bundled name or path)")
    parser.add_argument("--out", type=Path, help="folder for lexicon_margin.md and lexicon_margin.png")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    images, labels = read_word_folder(args.real)
    _, _, (_, val_idx) = holdout_splits(args.synth_count, len(labels), args.seed)
    pipeline = OcrPipeline(OcrConfig({"edgetpu": "off", "recognizer.model": args.model, "recognizer.lexicon_margin": 0.0}))
    recognizer = pipeline.recognizer
    probs = [recognizer.probabilities(images[i], full_quad(images[i])[None], {})[0] for i in val_idx]
    truth = [normalize_text(labels[i]) for i in val_idx]
    lexicon, recognizer.lexicon = recognizer.lexicon, None
    plain = [recognizer.decode(p[None])[0][0] for p in probs]
    recognizer.lexicon = lexicon
    baseline = float(np.mean([normalize_text(t) == g for t, g in zip(plain, truth, strict=True)]))
    rows = []
    for margin in MARGINS:
        recognizer.configure(pipeline.config.replace_items({"recognizer.lexicon_margin": margin}))
        texts = [recognizer.decode(p[None])[0][0] for p in probs]
        rows.append((margin, float(np.mean([normalize_text(t) == g for t, g in zip(texts, truth, strict=True)]))))
    best = max(rows, key=lambda r: (r[1], -r[0]))
    lines = [f"Word accuracy on the {len(truth)} held-out real training crops, `{args.model}`, "
             f"lexicon of {len(recognizer.lexicon)} words, by recognizer.lexicon_margin "
             f"(`python scripts/tune_lexicon.py --real {args.real}`):", "",
             "| margin | accuracy |", "|---|---|"]
    lines += [f"| no lexicon | {baseline:.3f} |"] + [f"| {m:g} | {a:.3f} |" for m, a in rows]
    lines += ["", f"Best: margin {best[0]:g} ({best[1]:.3f})."]
    print("\n".join(lines))
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "lexicon_margin.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot([m for m, _ in rows], [a for _, a in rows], marker="o", label="with the lexicon")
        ax.axhline(baseline, color="grey", linestyle="--", label="no lexicon")
        ax.legend()
        ax.set_xlabel("recognizer.lexicon_margin (nats)")
        ax.set_ylabel("word accuracy")
        ax.set_title("Lexicon margin on held-out real training crops")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(args.out / "lexicon_margin.png", dpi=100)


if __name__ == "__main__":
    main()
