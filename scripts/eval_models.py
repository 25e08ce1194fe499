#!/usr/bin/env python3
"""The model card's accuracy table: the bundled models on a labelled scene folder and a word folder.

Rows: the float16 pipeline (default), the int8 pipeline (``--int8``: the Edge TPU's models and
processing, on the CPU), the int8 pipeline at 960 x 544 (for an Edge TPU that cannot hold the 1280 x 736
model in one piece) and the int8 tiling fallback (the 320 x 320 EAST in tiles); scored on every
scene and on the ICDAR 2015 scenes alone (``ic15_*``); then word crops with each recognizer.

Usage: python scripts/eval_models.py --scenes ../shared/devset/scenes --words ../shared/devset/words [--out models/eval_devset.md]
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.tools.dataset_eval import evaluate_scenes, evaluate_words

VARIANTS = {
    "float16, up to 1280x736 keeping aspect (default)": {},
    "int8 (`--int8`): 1280x736 or 640x480 model by aspect, letterboxed": {"precision": "int8"},
    "int8 at 960x544 (`--int8 --width 960 --height 544 --east east_int8_960x544.tflite east_int8_640x480.tflite`)":
        {"precision": "int8", "detector.width": 960, "detector.height": 544,
         "detector.int8_models": ["east_int8_960x544.tflite", "east_int8_640x480.tflite"],
         "detector.int8_coarse_models": ["east_int8_960x544.tflite"]},
    "int8, 320x320 model in tiles (`detector.int8_models: [east_int8_320x320.tflite]`)":
        {"precision": "int8", "detector.int8_models": ["east_int8_320x320.tflite"]},
}
SUBSET = "ic15_*"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=Path, required=True)
    parser.add_argument("--words", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    lines = ["| pipeline | det P | det R | det F1 | e2e P | e2e R | e2e F1 | ICDAR 2015 det F1 | ICDAR 2015 e2e F1 "
             "| ms per scene (median) |", "|---|---|---|---|---|---|---|---|---|---|"]
    report = {}
    for name, settings in VARIANTS.items():
        pipeline = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", **settings}))
        every = evaluate_scenes(pipeline, args.scenes, progress=False)
        ic15 = evaluate_scenes(pipeline, args.scenes, progress=False, pattern=SUBSET)
        median = float(np.median([r["timing_ms"] for r in every["per_image"]]))
        report[name] = {"all": {k: every[k] for k in ("detection", "end_to_end")},
                        "ic15": {k: ic15[k] for k in ("detection", "end_to_end")}, "median_ms": median}
        d, e = every["detection"], every["end_to_end"]
        lines.append(f"| {name} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | {e['precision']:.3f} | "
                     f"{e['recall']:.3f} | {e['f1']:.3f} | {ic15['detection']['f1']:.3f} | "
                     f"{ic15['end_to_end']['f1']:.3f} | {median:.0f} |")
    lines += ["", "| recognizer | word accuracy | with case and punctuation | mean normalised edit distance |",
              "|---|---|---|---|"]
    for name, settings in (("float16 (crnn_fp16)", {}), ("int8 (crnn_int8)", {"precision": "int8"})):
        w = evaluate_words(OcrPipeline.from_config(OcrConfig({"edgetpu": "off", **settings})), args.words, progress=False)
        report[name] = w["words"]
        lines.append(f"| {name} | {w['words']['accuracy']:.3f} | {w['words']['accuracy_cased']:.3f} | {w['words']['ned']:.3f} |")
    table = "\n".join(lines)
    print(table)
    print(json.dumps(report))
    if args.out:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
