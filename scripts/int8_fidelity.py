#!/usr/bin/env python3
"""How closely the int8 models follow the float16 ones, without labels (docs/edgetpu.md quotes it).

- EAST: the int8 detector and the float16 one run on the same letterboxed input of every second real training
  scene (ICDAR 2015 and 2003: 325 scenes); agreement is the F1 of the int8 boxes against the float16 boxes at
  IoU 0.5. Also: the agreement when only the int8 distance output replaces the float16 one (how much of the
  disagreement the distances' quantization explains), when the float16 distances are only rounded to
  2-pixel steps (what 256 levels of a 0..512 px output would do), and the mean score difference where
  float16 > 0.3.
- CRNN: on the 1,150 ICDAR 2003 word crops (no shipped model trained on them), how often the int8 model's
  confidence falls on the other side of recognizer.min_text_confidence than the float16 one's, both
  accuracies, and the float16 model's mean probability where it falls in the int8 softmax's top code.
- ``--kept``: on the 400 ICDAR 2015 training scenes, the annotated words each pipeline finds (IoU 0.5) with the
  confidence filter off and on, and for the words only float16 keeps, why int8 does not.

Usage: python scripts/int8_fidelity.py --realtrain ../shared/realtrain [--east models/east_int8_1280x736.tflite]
       [--crnn models/crnn_int8.tflite OTHER_CRNN_INT8 ...] [--kept]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from edge_ocr_ros.config import MIN_TEXT_CONFIDENCE, OcrConfig, bundled_models_dir
from edge_ocr_ros.detection.east import DetectorSettings, EastDetector
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.runtime.interpreter import InterpreterFactory
from edge_ocr_ros.runtime.tensor_io import inputs_of
from edge_ocr_ros.tools.evaluation import Counts, greedy_match, iou_matrix, load_gt, normalize_text, score_scene
from edge_ocr_ros.tools.sources import read_image


def agreement(boxes: np.ndarray, reference: np.ndarray) -> Counts:
    return score_scene(list(boxes), [""] * len(boxes), list(reference), ["x"] * len(reference)).detection


def east_fidelity(scenes: Path, int8_model: Path) -> None:
    factory = InterpreterFactory(int8_model, 2)
    _, height, width, _ = inputs_of(factory.base)[0].shape  # working size = the model's: one letterboxed pass, no tiles
    config = OcrConfig({"edgetpu": "off", "detector.width": width, "detector.height": height})
    files = sorted(scenes.glob("ic15*.jpg"))[::2] + sorted(scenes.glob("ic03*.jpg"))[::2]
    settings = DetectorSettings.from_config(config)
    float16 = EastDetector([InterpreterFactory(bundled_models_dir() / "east_fp16.tflite", 2)], settings)
    int8 = EastDetector([factory], settings)
    whole, distances_only, rounded, bias = Counts(), Counts(), Counts(), []
    for path in files:
        int8.preprocess(read_image(path))  # letterboxed into the int8 input; the float16 model gets the same pixels
        float16.model.use_size(int8.model.size)
        float16.model.buffer[:] = int8.model.buffer
        float16._load(*int8.model.size)
        score, distances, angle = float16.infer()
        reference, _ = float16.boxes(score, distances, angle)
        score8, distances8, angle8 = int8.infer()
        whole.add(agreement(int8.boxes(score8, distances8, angle8)[0], reference))
        distances_only.add(agreement(float16.boxes(score, distances8, angle)[0], reference))
        rounded.add(agreement(float16.boxes(score, np.round(distances / 2) * 2, angle)[0], reference))
        if (score > 0.3).any():
            bias.append(float(np.mean(score8[score > 0.3] - score[score > 0.3])))
    print(f"EAST {int8_model.name} on {len(files)} scenes: box agreement F1 {whole.prf()['f1']:.4f}; with only the int8 "
          f"distances {distances_only.prf()['f1']:.4f}; float16 with its distances rounded to 2 px "
          f"{rounded.prf()['f1']:.4f}; mean score difference where float16 > 0.3: {np.mean(bias):+.4f}")


def crnn_fidelity(words: Path, int8_models: list[Path]) -> None:
    rows = [line.split("\t", 1) for line in (words / "labels.tsv").read_text(encoding="utf-8").splitlines()
            if line.startswith("ic03_")]
    images = [read_image(words / name) for name, _ in rows]
    truth = [normalize_text(text) for _, text in rows]

    def read(model: Path) -> tuple[list[str], np.ndarray]:
        pipeline = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", "recognizer.model": str(model)}))
        found = [pipeline.recognize_crop(image).words[0] for image in images]
        return [w.text for w in found], np.array([w.confidence for w in found])

    reference, reference_conf = read(bundled_models_dir() / "crnn_fp16.tflite")
    accuracy = np.mean([normalize_text(t) == g for t, g in zip(reference, truth, strict=True)])
    recognizer = OcrPipeline.from_config(OcrConfig({"edgetpu": "off"})).recognizer
    corners = [np.array([[0, 0], [i.shape[1], 0], [i.shape[1], i.shape[0]], [0, i.shape[0]]], np.float32) for i in images]
    probs = np.concatenate([recognizer.probabilities(i, q[None], {}).ravel() for i, q in zip(images, corners, strict=True)])
    top = probs[probs >= 254.5 / 256]  # what the int8 softmax stores as its top code
    print(f"CRNN float16 on {len(rows)} ICDAR 2003 crops: accuracy {accuracy:.4f}; its probabilities in the int8 "
          f"softmax's top code (>= 254.5/256) average {top.mean():.5f} ({len(top)} of {len(probs)})")
    for model in int8_models:
        texts, confidence = read(model)
        accuracy = np.mean([normalize_text(t) == g for t, g in zip(texts, truth, strict=True)])
        flips = np.mean((confidence >= MIN_TEXT_CONFIDENCE) != (reference_conf >= MIN_TEXT_CONFIDENCE))
        print(f"CRNN {model}: accuracy {accuracy:.4f}, confidence on the other side of {MIN_TEXT_CONFIDENCE} than "
              f"float16's for {100 * flips:.1f} % of crops, mean confidence difference {np.mean(confidence - reference_conf):+.4f}")


def words_kept(scenes: Path) -> None:
    """Which annotated words each pipeline finds with the confidence filter off and keeps with it on."""
    pipelines = {p: OcrPipeline.from_config(OcrConfig({"edgetpu": "off", "precision": p, "recognizer.min_text_confidence": 0.0}))
                 for p in ("float16", "int8")}
    found, kept = dict.fromkeys(pipelines, 0), dict.fromkeys(pipelines, 0)
    why = {"read under the threshold": 0, "box at IoU 0.1-0.5": 0, "no box": 0}
    only_int8 = total = 0
    files = sorted(scenes.glob("ic15_*.jpg"))
    for path in files:
        quads, texts = load_gt(scenes / f"{path.stem}.gt.json")
        truth = [q for q, t in zip(quads, texts, strict=True) if t is not None]
        total += len(truth)
        image, boxes, hits = read_image(path), {}, {}
        for name, pipeline in pipelines.items():
            words = pipeline.run(image).words
            boxes[name] = [w.points for w in words]
            confident = [w.points for w in words if w.confidence >= MIN_TEXT_CONFIDENCE]
            hits[name] = [{j for _, j in greedy_match(iou_matrix(b, truth))} if b and truth else set()
                          for b in (boxes[name], confident)]
            found[name] += len(hits[name][0])
            kept[name] += len(hits[name][1])
        for j in hits["float16"][1] - hits["int8"][1]:
            if j in hits["int8"][0]:
                why["read under the threshold"] += 1
            elif boxes["int8"] and iou_matrix(boxes["int8"], [truth[j]]).max() > 0.1:
                why["box at IoU 0.1-0.5"] += 1
            else:
                why["no box"] += 1
        only_int8 += len(hits["int8"][1] - hits["float16"][1])
    print(f"Words, {len(files)} ICDAR 2015 training scenes, {total} annotated: found at IoU 0.5 with the filter off {found}; "
          f"kept at {MIN_TEXT_CONFIDENCE} {kept}; kept by float16 only: {sum(why.values())}, int8 {why}; "
          f"kept by int8 only: {only_int8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realtrain", type=Path, required=True, help="folder with scenes/ and words/")
    parser.add_argument("--east", type=Path, nargs="*", default=[bundled_models_dir() / "east_int8_1280x736.tflite"])
    parser.add_argument("--crnn", type=Path, nargs="*", default=[bundled_models_dir() / "crnn_int8.tflite"])
    parser.add_argument("--kept", action="store_true", help="also count the words each pipeline keeps (slow: both pipelines)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for model in args.east:
        east_fidelity(args.realtrain / "scenes", model)
    if args.crnn:
        crnn_fidelity(args.realtrain / "words", args.crnn)
    if args.kept:
        words_kept(args.realtrain / "scenes")


if __name__ == "__main__":
    main()
