"""Annotation: word polygons and their text, legible on dark and light backgrounds."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..results import TextLine, Word

__all__ = ["BOX", "LABEL_BG", "LABEL_FG", "LINE", "OUTLINE", "draw_words"]

OUTLINE = (0, 0, 0)
BOX = (0, 255, 0)
LINE = (255, 160, 0)
LABEL_BG = (32, 32, 32)
LABEL_FG = (255, 255, 255)


def _grown(quad: np.ndarray, margin: float) -> np.ndarray:
    """The quad moved ``margin`` pixels outwards along and across its text direction (a frame around it)."""
    along = (quad[1] - quad[0]) + (quad[2] - quad[3])
    along = along / max(float(np.linalg.norm(along)), 1e-6)
    across = np.array([-along[1], along[0]])
    offsets = quad - quad.mean(axis=0)
    return quad + margin * (np.sign(offsets @ along)[:, None] * along + np.sign(offsets @ across)[:, None] * across)


def draw_words(image: np.ndarray, words: Sequence[Word], copy: bool = True, lines: Sequence[TextLine] = ()) -> np.ndarray:
    """Polygons (a bright line over a dark one) and labels (white text on a dark box); text lines of more
    than one word get a thin frame of their own, so the reading order shows."""
    out = image.copy() if copy else image
    scale = max(out.shape[0], out.shape[1]) / 1000.0
    thick = max(1, round(2 * scale))
    font_scale = max(0.4, 0.6 * scale)
    grouped = [np.round(_grown(line.points, 4 * thick + 3)).astype(np.int32) for line in lines if len(line.word_indices) > 1]
    cv2.polylines(out, grouped, True, LINE, thick, cv2.LINE_AA)
    polys = [np.round(w.points).astype(np.int32) for w in words]
    cv2.polylines(out, polys, True, OUTLINE, thick + 2, cv2.LINE_AA)
    cv2.polylines(out, polys, True, BOX, thick, cv2.LINE_AA)
    for word, poly in zip(words, polys, strict=True):
        label = f"{word.text} {word.confidence:.2f}"
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thick)
        x = int(np.clip(poly[:, 0].min(), 0, max(out.shape[1] - tw - 2, 0)))
        y = int(poly[:, 1].min()) - 3
        if y - th - base < 0:
            y = int(poly[:, 1].max()) + th + base + 3
        cv2.rectangle(out, (x, y - th - base), (x + tw + 2, y + 2), LABEL_BG, -1)
        cv2.putText(out, label, (x + 1, y - base + 1), cv2.FONT_HERSHEY_SIMPLEX, font_scale, LABEL_FG, thick, cv2.LINE_AA)
    return out
