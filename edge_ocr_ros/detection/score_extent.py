"""Word ends from the score map: EAST's geometry underestimates the far end of a long word.

Every text pixel predicts its distances to all four box edges, but its receptive field is short:
pixels far from a long word's end place that end too close (the PLATFORM of a sample sign came
out as "LATFORM"). The score map has no such limit: its text region is the word shrunk by
``SHRINK`` x height at each end (how the detector is trained). So a box's ends are moved outwards
to the extent of its own component's text pixels in its band, plus that shrink, when text pixels
lie beyond them; never inwards, and never into another box.
"""

from __future__ import annotations

import numpy as np

from ..geometry import quad_frames

__all__ = ["GAP", "SHRINK", "extend_to_score_extent"]

SHRINK = 0.3  # the score region's inset at each end, x height; edge_ocr_train.east_targets trains with it
GAP = 0.2  # a gap in the text pixels longer than this (x height) separates words (insets alone make 0.6)


def _run_extent(along: np.ndarray, width: float, gap: float) -> tuple[float, float]:
    """First and last position of the sorted positions ``along`` that are joined to the box's span
    [0, width] without a gap longer than ``gap``."""
    breaks = np.flatnonzero(np.diff(along) > gap)
    starts = along[np.r_[0, breaks + 1]]
    ends = along[np.r_[breaks, len(along) - 1]]
    touching = (ends >= 0) & (starts <= width)
    if not touching.any():
        return 0.0, width
    return float(starts[touching].min()), float(ends[touching].max())


def extend_to_score_extent(quads: np.ndarray, quad_components: np.ndarray, pixels: np.ndarray,
                           pixel_components: np.ndarray) -> np.ndarray:
    """``quads`` (K x 4 x 2, clockwise from top-left) with ends moved out to their component's text
    pixels (``pixels``: N x 2 positions, ``pixel_components``: N ids)."""
    out = quads.copy()
    order = np.argsort(pixel_components, kind="stable")
    sorted_ids = pixel_components[order]
    u, v, widths, heights = quad_frames(quads)
    for k, comp in enumerate(quad_components):
        lo, hi = np.searchsorted(sorted_ids, [comp, comp + 1])
        pts = pixels[order[lo:hi]] - quads[k, 0]
        along, across = pts @ u[k], pts @ v[k]
        mine = (across >= 0) & (across <= heights[k])
        if not mine.any() or (along[mine].min() >= 0 and along[mine].max() <= widths[k]):
            continue  # no text pixel beyond the box's ends: the common case
        for j in np.flatnonzero(quad_components == comp):  # pixels inside another box are its own
            if j != k:
                rel = pts + quads[k, 0] - quads[j, 0]
                a, b = rel @ u[j], rel @ v[j]
                mine &= ~((a >= 0) & (a <= widths[j]) & (b >= 0) & (b <= heights[j]))
        if not mine.any():
            continue
        first, last = _run_extent(np.sort(along[mine]), widths[k], GAP * heights[k])
        left = first - SHRINK * heights[k] if first < 0 else 0.0  # text pixels beyond the box's end
        right = last + SHRINK * heights[k] - widths[k] if last > widths[k] else 0.0
        out[k, [0, 3]] += left * u[k]
        out[k, [1, 2]] += right * u[k]
    return out
