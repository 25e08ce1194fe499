"""Joining a coarse detection pass's large words to the full-resolution pass's words.

EAST sees a word through a receptive field of limited size: a word much taller than the words it was
trained on comes out in pieces, or not at all. The same frame at half the resolution shows it as an
ordinary word. Both passes' boxes go through one rotated NMS by score (where both found a word, the
boxes score alike; where the full pass broke a large word, its pieces score lower), and a full-pass box
lying mostly inside a kept coarse box is a piece of that word and is dropped, so each letter is read
once. Chosen on the real training scenes (models/README.md, "Large words"): giving the full pass's boxes
priority on ties kept fewer than half of the gain. Pure geometry: no model, no ROS.
"""

from __future__ import annotations

import numpy as np

from ..geometry import bounds_overlap, intersection_area, polygon_area
from ..results import Detections
from .nms import rotated_nms

__all__ = ["PIECE_INSIDE", "join_coarse_words"]
PIECE_INSIDE = 0.5  # a full-pass box with more than this share of its area inside a kept coarse box is a piece of it


def _touching(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[i, j]: whether the axis-aligned bounds of quads a[i] and b[j] overlap."""
    return bounds_overlap(a.min(axis=1)[:, None], a.max(axis=1)[:, None], b.min(axis=1)[None], b.max(axis=1)[None])


def join_coarse_words(first: Detections, coarse: Detections, iou_threshold: float, max_detections: int) -> Detections:
    """``first`` (the full pass) and ``coarse`` boxes (source pixels) through one rotated NMS by score,
    without the ``first`` boxes lying mostly inside a kept coarse box; best score first, at most ``max_detections``."""
    quads = np.concatenate([first.quads, coarse.quads]).astype(np.float32, copy=False)
    scores = np.concatenate([first.scores, coarse.scores]).astype(np.float32, copy=False)
    keep = rotated_nms(quads, scores, iou_threshold)
    kept_first, kept_coarse = keep[keep < len(first.quads)], keep[keep >= len(first.quads)]
    pieces = {int(kept_first[a]) for a, b in zip(*np.nonzero(_touching(quads[kept_first], quads[kept_coarse])), strict=True)
              if intersection_area(quads[kept_first[a]], quads[kept_coarse[b]])
              > PIECE_INSIDE * polygon_area(quads[kept_first[a]])}
    keep = np.array([k for k in keep if int(k) not in pieces], np.int64)[:max_detections]
    return Detections(quads[keep], scores[keep])
