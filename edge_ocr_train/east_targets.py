"""EAST training targets: shrunk score map, RBOX distances, angle and a training mask, at stride 4.

Conventions shared with the engine's decoder (``edge_ocr_ros.east``): the output cell (row i,
column j) stands for input pixel (4j, 4i); distances are to the top, right, bottom and left edges
of the box rotated by theta, with the box's right direction u = (cos t, -sin t) and its down
direction v = (sin t, cos t) in image coordinates; |theta| <= pi/4.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge_ocr_ros.detection.rbox import STRIDE  # the runtime's decoding and the training targets must agree
from edge_ocr_ros.detection.score_extent import SHRINK

MIN_TRAIN_SIDE = 6.0  # boxes thinner than this (input pixels) are ignored, not negatives


def rbox_frame(quad: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Angle, right and down unit vectors of a clockwise quad, with |angle| <= pi/4."""
    direction = (quad[1] - quad[0]) + (quad[2] - quad[3])
    theta = float(np.arctan2(-direction[1], direction[0]))
    theta = (theta + np.pi / 4) % (np.pi / 2) - np.pi / 4
    u = np.array([np.cos(theta), -np.sin(theta)])
    v = np.array([np.sin(theta), np.cos(theta)])
    return theta, u, v


def shrink_quad(quad: np.ndarray, ratio: float = SHRINK) -> np.ndarray:
    """Move each vertex inwards along both adjacent edges by ratio * its shorter adjacent edge."""
    prev_edge = quad - np.roll(quad, 1, axis=0)
    next_edge = np.roll(quad, -1, axis=0) - quad
    lp = np.linalg.norm(prev_edge, axis=1, keepdims=True)
    ln = np.linalg.norm(next_edge, axis=1, keepdims=True)
    r = np.minimum(lp, ln)
    return quad + ratio * r * (next_edge / np.maximum(ln, 1e-6) - prev_edge / np.maximum(lp, 1e-6))


def east_targets(quads: np.ndarray, care: np.ndarray, height: int, width: int):
    """Targets for one image of ``height`` x ``width`` (multiples of 4).

    Returns score (h, w, 1), distances (h, w, 4), angle (h, w, 2) as (cos, sin), and mask (h, w, 1)
    which is 0 over don't-care and too-small words so they count neither as text nor background.
    """
    h, w = height // STRIDE, width // STRIDE
    score = np.zeros((h, w), np.float32)
    distances = np.zeros((h, w, 4), np.float32)
    angle = np.zeros((h, w, 2), np.float32)
    angle[..., 0] = 1.0
    mask = np.ones((h, w), np.float32)
    for quad, keep in zip(quads, care, strict=True):
        quad = quad.astype(np.float64)
        side = min(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[3] - quad[0]))
        if not keep or side < MIN_TRAIN_SIDE:
            cv2.fillPoly(mask, [np.round(quad / STRIDE).astype(np.int32)], 0.0)
            continue
        region = np.zeros((h, w), np.uint8)
        cv2.fillPoly(region, [np.round(shrink_quad(quad) / STRIDE).astype(np.int32)], 1)
        ys, xs = np.nonzero(region)
        if len(ys) == 0:
            cv2.fillPoly(mask, [np.round(quad / STRIDE).astype(np.int32)], 0.0)
            continue
        theta, u, v = rbox_frame(quad)
        pu, pv = quad @ u, quad @ v
        pts = np.stack([xs, ys], axis=1).astype(np.float64) * STRIDE
        qu, qv = pts @ u, pts @ v
        distances[ys, xs] = np.stack([qv - pv.min(), pu.max() - qu, pv.max() - qv, qu - pu.min()], axis=1).clip(0)
        angle[ys, xs] = (np.cos(theta), np.sin(theta))
        score[ys, xs] = 1.0
    return score[..., None], distances, angle, mask[..., None]
