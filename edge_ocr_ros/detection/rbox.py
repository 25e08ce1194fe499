"""EAST RBOX geometry: decode score and geometry maps into quadrilaterals, fully vectorised.

Conventions (shared with the public EAST models and the project's training targets): output cell
(row i, column j) stands for input pixel (4j, 4i); the distances are to the top, right, bottom and
left edges of a box rotated by theta, whose right direction is u = (cos t, -sin t) and whose down
direction is v = (sin t, cos t) in image coordinates (y down).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DISTANCE_SCALE", "STRIDE", "decode_rbox"]

STRIDE = 4
# This project's models predict each distance as DISTANCE_SCALE * sigmoid(logit), in input pixels. The
# int8 models output the logit itself: 256 levels of the sigmoid's output would be 2-pixel steps, which
# blur the edges of small words; on the logit scale the steps are a few per cent of the distance.
DISTANCE_SCALE = 512.0


def decode_rbox(score: np.ndarray, distances: np.ndarray, angle: np.ndarray, threshold: float,
                stride: int = STRIDE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quads (N x 4 x 2, clockwise from top-left), scores (N) and cell indices (N) of cells above threshold.

    ``score`` is H x W, ``distances`` H x W x 4 (top, right, bottom, left) and ``angle`` H x W (radians).
    """
    ys, xs = np.nonzero(score > threshold)
    d = distances[ys, xs]
    theta = angle[ys, xs]
    cos, sin = np.cos(theta), np.sin(theta)
    u = np.stack([cos, -sin], axis=1)
    v = np.stack([sin, cos], axis=1)
    p = np.stack([xs, ys], axis=1).astype(np.float32) * stride
    height = (d[:, 0] + d[:, 2])[:, None]
    width = (d[:, 1] + d[:, 3])[:, None]
    br = p + d[:, 1:2] * u + d[:, 2:3] * v
    tr = br - height * v
    bl = br - width * u
    tl = bl - height * v
    quads = np.stack([tl, tr, br, bl], axis=1).astype(np.float32)
    return quads, score[ys, xs].astype(np.float32), ys * score.shape[1] + xs
