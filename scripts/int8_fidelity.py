#!/usr/bin/env python3
"""How closely the int8 models follow the float16 ones, without labels (docs/edgetpu.md quotes it).

- EAST: the int8 detector and the float16 one run on the same letterboxed input of every second real training
  scene (ICDAR 2015 and 2003: 325 scenes); agreement is the F1 of the int8 boxes against the float16 boxes at
  IoU 0.5. Also: the agreement when only the int8 distance output replaces the float16 one (how much of the
  disagreement the distances' quantization explains), and the mean score difference where float16 > 0.3.
- CRNN: on the 1,150 ICDAR 2003 word crops (no shipped model trained on them), how often the int8 model's
  confidence falls on the other side of recognizer.min_text_confidence than the float16 one's, and both
  accuracies.

Usage: python scripts/int8_fidelity.py --realtrain ../shared/realtrain [--east models/east_int8_1280x736.tflite]
       [--crnn models/crnn_int8.tflite OTHER_CRNN_INT8 ...]
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
from edge_ocr_ros.tools.evaluation import Counts, normalize_text, score_scene
from edge_ocr_ros.tools.sources import read_image


def agreement(boxes: np.ndarray, reference: np.ndarray) -> Counts:
    return score_scene(list(boxes), [""] * len(boxes), list(reference), ["x"] * len(reference)).detection


def east_fidelity(scenes: Path, int8_model: Path) -> None:
    config = OcrConfig({"edgetpu": "off"})
    files = sorted(scenes.glob("ic15*.jpg"))[::2] + sorted(scenes.glob("ic03*.jpg"))[::2]
    settings = DetectorSettings.from_config(config)
    float16 = EastDetector([InterpreterFactory(bundled_models_dir() / "east_fp16.tflite", 2)], settings)
    int8 = EastDetector([InterpreterFactory(int8_model, 2)], settings)
    whole, distances_only, bias = Counts(), Counts(), []
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
        if (score > 0.3).any():
            bias.append(float(np.mean(score8[score > 0.3] - score[score > 0.3])))
    print(f"EAST {int8_model.name} on {len(files)} scenes: box agreement F1 {whole.prf()['f1']:.4f}; with only the int8 "
          f"distances {distances_only.prf()['f1']:.4f}; mean score difference where float16 > 0.3: {np.mean(bias):+.4f}")


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
    print(f"CRNN float16 on {len(rows)} ICDAR 2003 crops: accuracy {accuracy:.4f}")
    for model in int8_models:
        texts, confidence = read(model)
        accuracy = np.mean([normalize_text(t) == g for t, g in zip(texts, truth, strict=True)])
        flips = np.mean((confidence >= MIN_TEXT_CONFIDENCE) != (reference_conf >= MIN_TEXT_CONFIDENCE))
        print(f"CRNN {model}: accuracy {accuracy:.4f}, confidence on the other side of {MIN_TEXT_CONFIDENCE} than "
              f"float16's for {100 * flips:.1f} % of crops, mean confidence difference {np.mean(confidence - reference_conf):+.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realtrain", type=Path, required=True, help="folder with scenes/ and words/")
    parser.add_argument("--east", type=Path, nargs="*", default=[bundled_models_dir() / "east_int8_1280x736.tflite"])
    parser.add_argument("--crnn", type=Path, nargs="*", default=[bundled_models_dir() / "crnn_int8.tflite"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for model in args.east:
        east_fidelity(args.realtrain / "scenes", model)
    if args.crnn:
        crnn_fidelity(args.realtrain / "words", args.crnn)


if __name__ == "__main__":
    main()
