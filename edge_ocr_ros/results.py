"""What the engine returns: detected boxes, read words and a frame's result."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Detections", "OcrResult", "TextLine", "Word"]


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
    frame_text: str = ""  # this frame's own reading; ``text`` is the track's vote when tracked ("" = same as text)
    track_id: int = 0  # 0: not tracked
    frames_seen: int = 1  # frames in which the track was read, this one included
    position: tuple[float, float, float] | None = None  # metres: the optical frame, or the node's target_frame
    extent: tuple[float, float] | None = None  # width and height in metres, with a position (the node, with depth)


@dataclass
class TextLine:
    """Words on one line, in reading order; ``block`` numbers the sign or paragraph it belongs to."""

    text: str  # the words' texts joined by spaces
    confidence: float  # the lowest text confidence of its words
    points: np.ndarray  # 4 x 2 float32: from the first word's left edge to the last word's right edge
    word_indices: list[int]  # into the frame's words, in reading order
    block: int  # lines of one block share it; blocks are numbered in reading order


@dataclass
class OcrResult:
    """The words of one image or frame, its size and where the time went (milliseconds per stage)."""

    words: list[Word]
    width: int
    height: int
    timing_ms: dict[str, float] = field(default_factory=dict)
    lines: list[TextLine] = field(default_factory=list)  # reading order (``reading_order.read_lines``)

    def to_json(self, image: str) -> dict:
        """The ``edge-ocr --json`` record of one image or frame."""

        def points(quad: np.ndarray) -> list[list[float]]:
            return [[round(float(x), 1), round(float(y), 1)] for x, y in quad]

        words = []
        for w in self.words:
            record = {"text": w.text, "confidence": round(float(w.confidence), 4),
                      "det_confidence": round(float(w.det_confidence), 4), "points": points(w.points)}
            if w.track_id:
                record.update(frame_text=w.frame_text or w.text, track_id=w.track_id, frames_seen=w.frames_seen)
            words.append(record)
        return {"image": image, "width": self.width, "height": self.height, "words": words,
                "lines": [{"text": line.text, "confidence": round(line.confidence, 4), "points": points(line.points),
                           "words": line.word_indices, "block": line.block} for line in self.lines],
                "timing_ms": {k: round(v, 3) for k, v in self.timing_ms.items()}}
