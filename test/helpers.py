"""Test helpers: the fixture models (made by scripts/make_fixtures.py) and their known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge_ocr_ros.config import OcrConfig

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
# A white 4 x 4 block in stride-4 cell (row 5, column 7) of a dark 64 x 64 image: the fixture EAST
# predicts top/bottom 8 px and left/right 12 px around pixel (28, 20), and the fixture CRNN reads "b".
KNOWN_BOX = np.array([[16, 12], [40, 12], [40, 28], [16, 28]], np.float32)
KNOWN_TEXT = "b"


def known_image(size: int = 64) -> np.ndarray:
    img = np.full((size, size, 3), 100, np.uint8)
    img[20:24, 28:32] = 255
    return img


def fixture_config(east: str = "east_known_box.tflite", crnn: str = "crnn_stripes.tflite", **extra) -> OcrConfig:
    values = {"detector.model": str(FIXTURES / east), "recognizer.model": str(FIXTURES / crnn),
              "recognizer.charset": str(FIXTURES / "charset_ab.txt"), "detector.width": 64, "detector.height": 64,
              "detector.padding": 0.0, "detector.min_size": 0.0, "detector.score_threshold": 0.9, "edgetpu": "off",
              "detector.keep_aspect": False,  # the known box is computed for a stretch to 64 x 64
              "recognizer.min_text_confidence": 0.0,  # the fixture CRNN's confidences are not calibrated
              "recognizer.lexicon": ""}  # nor are its words English
    values.update(extra)
    return OcrConfig(values)
