#!/usr/bin/env python3
"""The model card's accuracy table: the bundled models on a labelled scene folder and a word folder.

Rows: float16 at the default detector size; float16 and int8 both stretched to the int8 model's static
320 x 320 (so that the difference is quantization alone); word crops with the float16 and int8 recognizer.

Usage: python scripts/eval_models.py --scenes ../shared/devset/scenes --words ../shared/devset/words [--out models/eval.md]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.dataset_eval import evaluate_scenes, evaluate_words
from edge_ocr_ros.pipeline import OcrPipeline

VARIANTS = {
    "float16, up to 960x544 keeping aspect (default)": {},
    "float16, stretched to 320x320": {"detector.width": 320, "detector.height": 320, "detector.keep_aspect": False},
    "int8, 320x320": {"detector.model": "east_int8.tflite", "recognizer.model": "crnn_int8.tflite"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=Path, required=True)
    parser.add_argument("--words", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    args = parser.parse_args()
    lines = ["| models | det P | det R | det F1 | e2e P | e2e R | e2e F1 |", "|---|---|---|---|---|---|---|"]
    report = {}
    for name, settings in VARIANTS.items():
        r = evaluate_scenes(OcrPipeline(OcrConfig({"edgetpu": "off", **settings})), args.scenes, progress=False)
        report[name] = {k: r[k] for k in ("detection", "end_to_end")}
        d, e = r["detection"], r["end_to_end"]
        lines.append(f"| {name} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | "
                     f"{e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} |")
    lines += ["", "| recognizer | word accuracy | mean normalised edit distance |", "|---|---|---|"]
    for name, model in (("float16 (crnn_fp16)", "crnn_fp16.tflite"), ("int8 (crnn_int8)", "crnn_int8.tflite")):
        w = evaluate_words(OcrPipeline(OcrConfig({"edgetpu": "off", "recognizer.model": model})), args.words, progress=False)
        report[name] = w["words"]
        lines.append(f"| {name} | {w['words']['accuracy']:.3f} | {w['words']['ned']:.3f} |")
    table = "\n".join(lines)
    print(table)
    print(json.dumps(report))
    if args.out:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
