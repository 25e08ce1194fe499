"""What the engine returns: detected boxes, read words and a frame's result."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Detections", "OcrResult", "Word"]


@dataclass
class Detections:
    """The detector's boxes of one frame, best first."""

    quads: np.ndarray  # N x 4 x 2, source-image pixels, clockwise from top-left
    scores: np.ndarray  # N, mean EAST score of the pixels that voted for the box


@dataclass
class Word:
    """One read word."""

    text: str
    confidence: float  # recognizer confidence, see edge_ocr_ros.recognition.ctc
    det_confidence: float  # mean EAST score of the box's pixels (1.0 in recognize-only mode)
    points: np.ndarray  # 4 x 2 float32, source-image pixels, clockwise from top-left
    box: tuple[int, int, int, int]  # axis-aligned x, y, width, height (pixels, inside the image)


@dataclass
class OcrResult:
    """The words of one image or frame, its size and where the time went (milliseconds per stage)."""

    words: list[Word]
    width: int
    height: int
    timing_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self, image: str) -> dict:
        """The ``edge-ocr --json`` record of one image or frame."""
        return {"image": image, "width": self.width, "height": self.height,
                "words": [{"text": w.text, "confidence": round(float(w.confidence), 4),
                           "det_confidence": round(float(w.det_confidence), 4),
                           "points": [[round(float(x), 1), round(float(y), 1)] for x, y in w.points]} for w in self.words],
                "timing_ms": {k: round(v, 3) for k, v in self.timing_ms.items()}}
