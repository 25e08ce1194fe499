"""Test helpers: the fixture models (made by scripts/make_fixtures.py) and their known answers."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.results import Word

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
              "recognizer.lexicon": "",  # nor are its words English
              "detector.coarse_scale": 0.0}  # the fixture EAST draws one known box: a second, coarse pass would add noise
    values.update(extra)
    return OcrConfig(values)


def word(text: str, x: float, y: float, width: float, height: float, angle_deg: float = 0.0) -> Word:
    """A word whose top-left corner is (x, y), running at ``angle_deg`` (image axes, y down)."""
    a = np.deg2rad(angle_deg)
    along, down = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
    tl = np.array([x, y])
    points = np.stack([tl, tl + width * along, tl + width * along + height * down, tl + height * down]).astype(np.float32)
    return Word(text, 0.9, 0.8, points, (int(x), int(y), int(width), int(height)))


MODEL_FLAGS = ["--east", str(FIXTURES / "east_known_box.tflite"), "--ocr", str(FIXTURES / "crnn_stripes.tflite"),
               "--charset", str(FIXTURES / "charset_ab.txt"), "--width", "64", "--height", "64", "--thr", "0.9",
               "--padding", "0", "--min-confidence", "0", "--no-lexicon", "--coarse-scale", "0",  # see fixture_config
               "--edgetpu", "off"]  # last: some tests replace it


def edge_ocr(*args: str, cwd=REPO) -> subprocess.CompletedProcess:
    """The edge-ocr command as users run it, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "edge_ocr_ros.tools.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def png_bomb(width: int, height: int, bits: int = 8) -> bytes:
    """A small valid grey PNG (all zero) that declares width x height at ``bits`` per pixel: the pixels
    compress to almost nothing."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row, parts = zlib.compressobj(9), bytes((width * bits + 7) // 8 + 1), []
    for _ in range(height):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bits, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def jpeg_header(width: int, height: int) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"
