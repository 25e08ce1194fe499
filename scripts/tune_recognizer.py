#!/usr/bin/env python3
"""Choose the recognizer's two decoding defaults on real training data (never on the dev set).

1. recognizer.lexicon_margin: word accuracy on the 300 real word crops that CRNN training holds out
   (edge_ocr_train.train_crnn.real_holdout: the crops the recognizer's alphabet can write, and the seed).
2. recognizer.min_text_confidence: end-to-end F1 on real training scenes; a detection whose text the
   recognizer cannot read with this confidence is dropped (mostly non-text and unreadable words).

Each model is run once; the settings are applied to its cached outputs. Prints tables, and with --out
writes tune_recognizer.md and tune_recognizer.png.

``--precision int8`` runs the same choice on the int8 models (the Edge TPU's models, run on the CPU), to
check that one threshold serves both (it does: docs/tune_recognizer_int8.md); ``--margin`` keeps a
margin instead of choosing it again.

Usage: python scripts/tune_recognizer.py --real-words ../shared/realtrain/words --real-scenes ../shared/realtrain/scenes --out docs
       python scripts/tune_recognizer.py --precision int8 --margin 6 --real-scenes ../shared/realtrain/scenes --out docs
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
from tqdm import tqdm

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.recognition.crnn import RecognizerSettings
from edge_ocr_ros.tools.evaluation import Counts, load_gt, normalize_text, partial_scenes, score_scene
from edge_ocr_ros.tools.sources import read_image
from edge_ocr_train.real_data import full_quad, read_word_folder, scene_files
from edge_ocr_train.train_crnn import keep_writable, real_holdout

MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0)
CONFIDENCES = (0.0, 0.5, 0.7, 0.8, 0.85, 0.88, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97)


def accuracy(texts: list[str], truth: list[str]) -> float:
    return float(np.mean([normalize_text(t) == g for t, g in zip(texts, truth, strict=True)]))


def tune_margin(pipeline: OcrPipeline, folder: Path, seed: int) -> tuple[list[tuple[float, float]], float]:
    """(margin, accuracy) rows and the accuracy without a lexicon, on the held-out crops."""
    images, labels = read_word_folder(folder)
    keep, _ = keep_writable(labels, pipeline.recognizer.charset)
    images, labels = [images[i] for i in keep], [labels[i] for i in keep]
    _, val_idx = real_holdout(len(labels), seed)
    recognizer = pipeline.recognizer
    probs = [recognizer.probabilities(images[i], full_quad(images[i])[None], {}) for i in val_idx]
    truth = [normalize_text(labels[i]) for i in val_idx]
    lexicon, recognizer.lexicon = recognizer.lexicon, None
    baseline = accuracy([recognizer.decode(p)[0][0] for p in probs], truth)
    recognizer.lexicon = lexicon
    rows = []
    for margin in MARGINS:
        recognizer.configure(RecognizerSettings.from_config(pipeline.config.replace_items({"recognizer.lexicon_margin": margin})))
        rows.append((margin, accuracy([recognizer.decode(p)[0][0] for p in probs], truth)))
    return rows, baseline


def tune_confidence(pipeline: OcrPipeline, folder: Path, pattern: str = "*") -> list[tuple[float, dict, dict]]:
    """(threshold, detection P/R/F, end-to-end P/R/F) rows over the scenes of ``folder`` whose file name
    matches ``pattern`` (a recognizer trained on some scenes' words must be judged on the others). The detections
    are cached; the words are read again at every threshold, because the recognizer's second look
    (recognizer.second_look) reads the boxes under the threshold a second time."""
    partial = partial_scenes(folder)
    cached = []
    for image_path, gt_path in tqdm(scene_files(folder, pattern), desc="scenes", unit="img"):
        detections = pipeline.detector.detect(read_image(image_path), {})
        cached.append((image_path, detections, *load_gt(gt_path), image_path.name in partial or image_path.stem in partial))
    rows = []
    for threshold in tqdm(CONFIDENCES, desc="thresholds"):
        pipeline.update(pipeline.config.replace_items({"recognizer.min_text_confidence": threshold}))
        detection, end_to_end = Counts(), Counts()
        for image_path, detections, gt_quads, gt_texts, is_partial in cached:
            kept = pipeline.read_words(read_image(image_path), detections, {})
            score = score_scene([w.points for w in kept], [w.text for w in kept], gt_quads, gt_texts, partial=is_partial)
            detection.add(score.detection)
            end_to_end.add(score.end_to_end)
        rows.append((threshold, detection.prf(), end_to_end.prf()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real-words", type=Path, help="the real words folder given to CRNN training (not with --margin)")
    parser.add_argument("--real-scenes", type=Path, required=True, help="real scenes (NAME.jpg + NAME.gt.json)")
    parser.add_argument("--scene-glob", default=None,
                        help="choose the threshold on the scenes whose file name matches, e.g. 'ic03_*' for a recognizer "
                             "that trained on the ICDAR 2015 scenes' words (default: all)")
    parser.add_argument("--seed", type=int, default=1, help="CRNN training's --seed")
    parser.add_argument("--precision", choices=("float16", "int8"), default="float16", help="which bundled models")
    parser.add_argument("--margin", type=float, help="use this lexicon margin instead of choosing one")
    parser.add_argument("--out", type=Path, help="folder for tune_recognizer[_int8].md and .png")
    args = parser.parse_args()
    if args.margin is None and args.real_words is None:
        parser.error("give --real-words (to choose the margin) or --margin")
    logging.basicConfig(level=logging.WARNING)

    pipeline = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", "precision": args.precision}))
    if args.margin is None:
        margins, baseline = tune_margin(pipeline, args.real_words, args.seed)
        margin = max(margins, key=lambda r: (round(r[1], 6), -r[0]))[0]
    else:
        margins, baseline, margin = [], float("nan"), args.margin
    pipeline.update(pipeline.config.replace_items({"recognizer.lexicon_margin": margin}))
    confidences = tune_confidence(pipeline, args.real_scenes, args.scene_glob or "*")
    threshold = max(confidences, key=lambda r: (r[2]["f1"], -r[0]))[0]

    command = " ".join(["python scripts/tune_recognizer.py", *(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
                                                               if v is not None and k not in ("out", "seed"))])
    setting = "recognizer.min_text_confidence"
    lines = [f"Defaults of the bundled {args.precision} models, chosen on real training data (`{command}`).", ""]
    if margins:
        lines += ["recognizer.lexicon_margin: word accuracy on the held-out real training crops "
                  f"(lexicon of {len(pipeline.recognizer.lexicon or ())} words):", "",
                  "| margin | accuracy |", "|---|---|", f"| no lexicon | {baseline:.3f} |"]
        lines += [f"| {m:g} | {a:.3f} |" for m, a in margins]
        lines += ["", f"Best: **{margin:g}**.", ""]
    lines += [f"{setting} (with margin {margin:g}): F1 on the real training scenes of {args.real_scenes}"
              f"{' matching ' + args.scene_glob if args.scene_glob else ''}:", "",
              "| min text confidence | det P | det R | det F1 | e2e P | e2e R | e2e F1 |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {t:g} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | {e['precision']:.3f} | {e['recall']:.3f} | "
              f"{e['f1']:.3f} |" for t, d, e in confidences]
    lines += ["", f"Best end-to-end F1: **{threshold:g}**."]
    print("\n".join(lines))
    if args.out:
        write_report(args.out, "tune_recognizer" + ("_int8" if args.precision == "int8" else ""), lines, margins,
                     baseline, confidences)


def write_report(out: Path, name: str, lines: list[str], margins, baseline: float, confidences) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fig, axes = plt.subplots(1, 2 if margins else 1, figsize=(10 if margins else 5.5, 3.8), squeeze=False)
    right = axes[0, -1]
    if margins:
        left = axes[0, 0]
        left.plot([m for m, _ in margins], [a for _, a in margins], marker="o", label="with the lexicon")
        left.axhline(baseline, color="grey", linestyle="--", label="no lexicon")
        left.set(xlabel="recognizer.lexicon_margin (nats)", ylabel="word accuracy", title="Held-out real word crops")
        left.legend()
    thresholds = [t for t, _, _ in confidences]
    for key, style in (("f1", "-"), ("precision", ":"), ("recall", "--")):
        right.plot(thresholds, [e[key] for _, _, e in confidences], style, marker="o", label=f"end-to-end {key}")
    right.plot(thresholds, [d["f1"] for _, d, _ in confidences], "-", marker="s", label="detection F1")
    right.set(xlabel="min text confidence", title="Real training scenes")
    right.legend(fontsize=8)
    for ax in axes[0]:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=100)


if __name__ == "__main__":
    main()
