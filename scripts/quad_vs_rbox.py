#!/usr/bin/env python3
"""Would a quadrilateral help the recognizer? Words of labelled scenes read from the same image through the
engine's recognizer, cut two ways: as the rotated rectangle EAST's RBOX geometry gives at best (the smallest
rotated rectangle around the true quadrilateral) and as the true quadrilateral itself (a homography that
undoes the perspective). Everything else is the engine's: margin, second look, lexicon, orientation.

The ceiling of QUAD rectification (#27, "Rectify where the geometry is known"): if the true quadrilaterals do
not read measurably better than their rotated rectangles, estimating quadrilaterals cannot help either.

  python scripts/quad_vs_rbox.py --scenes ../shared/realtrain/scenes --glob 'ic15_*' --out docs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from edge_ocr_ros import OcrConfig, OcrPipeline
from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.tools.evaluation import normalize_text
from edge_ocr_train.real_data import load_scene_gt, scene_files

REPO = Path(__file__).resolve().parent.parent
BUCKETS = [(0, 5), (5, 10), (10, 20), (20, 35), (35, 90)]


def rotated_rectangle(quad: np.ndarray) -> np.ndarray:
    """The smallest rotated rectangle around ``quad``, its corners in the quad's own order (reading direction
    kept): each of the quad's corners takes the rectangle corner nearest to it, in the rectangle's cyclic order."""
    box = cv2.boxPoints(cv2.minAreaRect(quad.astype(np.float32)))
    start = int(np.argmin(np.linalg.norm(box - quad[0], axis=1)))
    forward, backward = np.roll(box, -start, axis=0), np.roll(box[::-1], -(3 - start), axis=0)
    cost = [np.linalg.norm(c - quad, axis=1).sum() for c in (forward, backward)]
    return (forward if cost[0] <= cost[1] else backward).astype(np.float32)


def slant(quad: np.ndarray) -> float:
    along = (quad[1] - quad[0]) + (quad[2] - quad[3])
    degrees = abs(float(np.degrees(np.arctan2(along[1], along[0]))))
    return min(degrees, 180.0 - degrees)


def perspective(quad: np.ndarray) -> float:
    """How far the quad is from a rectangle: 1 - its area over its smallest rotated rectangle's area."""
    rect = cv2.minAreaRect(quad.astype(np.float32))
    return 1.0 - cv2.contourArea(quad.astype(np.float32)) / max(rect[1][0] * rect[1][1], 1e-6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=Path, required=True)
    parser.add_argument("--glob", default="ic15_*")
    parser.add_argument("--min-height", type=int, default=6)
    parser.add_argument("--out", type=Path, help="write quad_vs_rbox.md here")
    args = parser.parse_args()
    pipeline = OcrPipeline.from_config(OcrConfig.from_yaml(REPO / "config" / "edge_ocr.yaml"))
    rows = []
    for image_path, gt_path in tqdm(scene_files(args.scenes, args.glob), desc="scenes", unit="img", file=sys.stderr):
        image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
        quads, texts = load_scene_gt(gt_path)
        keep = [i for i, (q, t) in enumerate(zip(quads, texts, strict=True))
                if t and normalize_text(t) and cv2.minAreaRect(q)[1][1] >= args.min_height
                and min(cv2.minAreaRect(q)[1]) >= args.min_height]
        if not keep:
            continue
        true = quads[keep]
        rects = np.stack([rotated_rectangle(q) for q in true])
        for name, boxes in (("quad", true), ("rbox", rects)):
            readings = pipeline.recognizer.recognize(image, boxes, {}, split=False)
            for k, i in enumerate(keep):
                rows.append({"cut": name, "scene": image_path.name, "index": i, "slant": slant(true[k]),
                             "perspective": perspective(true[k]),
                             "right": normalize_text(readings.texts[k]) == normalize_text(texts[i])})
    lines = [f"Machine: {cpu_info().describe()}; `python scripts/quad_vs_rbox.py --scenes {args.scenes} "
             f"--glob '{args.glob}'` (shipped float16 recognizer, engine defaults; case-insensitive, letters and digits)", "",
             "| words | count | rotated rectangle (RBOX at best) | true quadrilateral (QUAD) | QUAD - RBOX |", "|---|---|---|---|---|"]

    def line(label: str, select) -> str:
        quad = [r["right"] for r in rows if r["cut"] == "quad" and select(r)]
        rbox = [r["right"] for r in rows if r["cut"] == "rbox" and select(r)]
        if not quad:
            return f"| {label} | 0 | | | |"
        a, b = float(np.mean(rbox)), float(np.mean(quad))
        return f"| {label} | {len(quad)} | {a:.3f} | {b:.3f} | {b - a:+.3f} |"

    lines.append(line("all", lambda r: True))
    for lo, hi in BUCKETS:
        lines.append(line(f"slant {lo}-{hi} deg", lambda r, lo=lo, hi=hi: lo <= r["slant"] < hi))
    for lo, hi in ((0.0, 0.05), (0.05, 0.15), (0.15, 1.0)):
        lines.append(line(f"perspective {lo:.2f}-{hi:.2f} (1 - area / rectangle's)",
                          lambda r, lo=lo, hi=hi: lo <= r["perspective"] < hi))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "quad_vs_rbox.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
