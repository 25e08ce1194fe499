"""Word crops: rectify a quadrilateral to the recognizer's input height by one perspective warp.

Training renders its crops through the same functions, so the recognizer sees at run time
exactly the geometry (aspect ratio, right padding) it was trained on.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..geometry import quad_sizes

__all__ = ["crop_widths", "quarter_turned", "target_width", "warp_word", "with_margin"]


def crop_widths(quads: np.ndarray, height: int, max_width: int) -> tuple[np.ndarray, np.ndarray]:
    """For quads (... x 4 x 2): the crop width that keeps each word's aspect ratio at ``height``, and the
    width its crop gets (that, rounded and clamped to [1, max_width]: longer words are squeezed)."""
    w, h = quad_sizes(quads)
    natural = w * height / np.maximum(h, 1e-3)
    return natural, np.clip(np.round(natural), 1, max_width)


def with_margin(quads: np.ndarray, margin: float) -> np.ndarray:
    """Quads (... x 4 x 2, clockwise from top-left) grown across the text: each side edge is extended by
    ``margin`` of its own length beyond both ends, so a slanted or perspective box grows along its sides.
    The recognizer was trained on crops with some background above and below the letters, taller than
    the detector's tight boxes."""
    if margin == 0.0:
        return quads
    down = (quads[..., [3, 2], :] - quads[..., [0, 1], :]) * np.float32(margin)  # top-to-bottom along each side
    grown = quads.astype(np.float32, copy=True)
    grown[..., [0, 1], :] -= down
    grown[..., [3, 2], :] += down
    return grown


def quarter_turned(quads: np.ndarray, clockwise: bool) -> np.ndarray:
    """Quads (... x 4 x 2, clockwise from top-left) of the same boxes read a quarter turn on: ``clockwise``
    for a word whose letters lie with their tops to the right (read top to bottom), else to the left (read
    bottom to top). Only the corner order changes; the warp then turns the crop upright."""
    return np.roll(quads, -1 if clockwise else 1, axis=-2)


def target_width(quad: np.ndarray, height: int, max_width: int) -> int:
    """Width that keeps the word's aspect ratio at ``height``, clamped to [1, max_width]."""
    return int(crop_widths(quad, height, max_width)[1])


def warp_word(image: np.ndarray, quad: np.ndarray, out: np.ndarray) -> int:
    """Warp ``quad`` of ``image`` into ``out`` (shape H x W [x C]) keeping its aspect ratio.

    The word fills the left part of ``out``; the rest repeats the last column, which is how the
    recognizer was trained (no hard edge that could read as a character). Returns the width used.
    """
    height, max_width = out.shape[:2]
    width = target_width(quad, height, max_width)
    # corners are pixel edges; the warp maps pixel centres, hence the half-pixel shifts
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32) - 0.5
    matrix = cv2.getPerspectiveTransform(np.asarray(quad, dtype=np.float32) - 0.5, dst)
    warped = cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out[:, :width] = warped.reshape(out[:, :width].shape)
    if width < max_width:
        out[:, width:] = out[:, width - 1 : width]
    return width
