"""Suppression of EAST candidates: locality-aware merging, then rotated-polygon NMS.

EAST predicts a whole box at every text pixel, so the pixels of one word agree on it. Locality-aware
merging (the EAST paper's LANMS idea) averages those predictions, weighted by score, before NMS; here
a candidate's locality is its connected component of the score map and the cell of its predicted box
centre on a grid of half the word height, which groups in one vectorised pass (np.unique + bincount)
instead of a Python loop over pixels. Standard NMS then runs on the few merged boxes only.
"""

from __future__ import annotations

import numpy as np

from ..geometry import bounds_overlap, polygon_iou

__all__ = ["locality_merge", "rotated_nms"]


def locality_merge(quads: np.ndarray, scores: np.ndarray,
                   components: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Score-weighted average of the candidates that predict the same box.

    Returns merged quads (M x 4 x 2), their mean scores, their summed scores (support) and the
    score-map component each came from.
    """
    if len(quads) == 0:
        return quads, scores, scores, components
    centres = quads.mean(axis=1)
    heights = np.linalg.norm(quads[:, 3] - quads[:, 0], axis=1)
    counts = np.bincount(components)
    comp_height = np.bincount(components, weights=heights) / np.maximum(counts, 1)
    cell = np.maximum(0.5 * comp_height[components], 2.0)
    # one int64 key per (component, cell column, cell row): a 1-D unique is far faster than a row-wise one
    offset = 1 << 20
    cx = np.clip(np.floor(centres[:, 0] / cell), 1 - offset, offset - 1).astype(np.int64) + offset
    cy = np.clip(np.floor(centres[:, 1] / cell), 1 - offset, offset - 1).astype(np.int64) + offset
    keys = (components.astype(np.int64) << 42) | (cx << 21) | cy
    unique_keys, group = np.unique(keys, return_inverse=True)
    group = group.ravel()
    n = int(group.max()) + 1
    weight_sum = np.bincount(group, weights=scores, minlength=n)
    flat = quads.reshape(len(quads), 8) * scores[:, None]
    merged = np.stack([np.bincount(group, weights=flat[:, k], minlength=n) for k in range(8)], axis=1)
    merged = (merged / weight_sum[:, None]).reshape(n, 4, 2).astype(np.float32)
    mean_score = (weight_sum / np.bincount(group, minlength=n)).astype(np.float32)
    return merged, mean_score, weight_sum.astype(np.float32), unique_keys >> 42


def rotated_nms(quads: np.ndarray, ranking: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the quads kept by greedy NMS in descending ``ranking``.

    Polygon IoU is computed only for pairs whose axis-aligned boxes overlap (a vectorised test).
    """
    order = np.argsort(-ranking, kind="stable")
    lo, hi = quads.min(axis=1), quads.max(axis=1)
    suppressed = np.zeros(len(quads), bool)
    keep = []
    for pos, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[pos + 1 :]
        rest = rest[~suppressed[rest]]
        overlap = rest[bounds_overlap(lo[i], hi[i], lo[rest], hi[rest])]
        for j in overlap:
            if polygon_iou(quads[i], quads[j]) > iou_threshold:
                suppressed[j] = True
    return np.array(keep, dtype=np.int64)
