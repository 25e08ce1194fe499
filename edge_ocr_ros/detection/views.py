"""Where a static-size detector looks: the frame letterboxed into the model's input, or cut into tiles.

A static (int8, Edge TPU) model has one input size. Stretching a 16:9 frame into it squashes words and
upscaling a small frame invents pixels, so the frame is scaled by one factor (never above 1) and placed at
the input's top-left, the rest filled with the mean colour (zero after normalisation). When the model
is smaller than the resolution the detector should work at, the scaled frame is cut into a grid of
overlapping model-sized tiles instead; a word cut by a tile's inner edge is taken from the neighbour
that holds it whole. Pure geometry: no model, no ROS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..config import TILES_PATTERN

__all__ = ["ViewPlan", "closest_aspect", "plan_views", "tiles_needed", "touches_inner_edge"]


@dataclass(frozen=True)
class ViewPlan:
    """How one frame is shown to a static model."""

    scale: float  # source pixels -> working pixels (the same on both axes)
    working: tuple[int, int]  # the scaled frame's width and height
    tile: tuple[int, int]  # the model's input width and height
    origins: tuple[tuple[int, int], ...]  # top-left corner of each view, in working pixels

    @property
    def tiled(self) -> bool:
        """Whether the frame is cut into several tiles."""
        return len(self.origins) > 1

    def inner_edges(self, origin: tuple[int, int]) -> tuple[bool, bool, bool, bool]:
        """Which edges of the view at ``origin`` (left, top, right, bottom) border another view rather
        than the frame's own edge."""
        x0, y0 = origin
        (tw, th), (ww, wh) = self.tile, self.working
        return x0 > 0, y0 > 0, x0 + tw < ww, y0 + th < wh


def closest_aspect(sizes: list[tuple[int, int]], width: int, height: int) -> int:
    """Index of the model size whose aspect ratio is closest to the frame's (on a log scale, so 2:1 and
    1:2 are equally far from 1:1); ties go to the larger model."""
    target = math.log(width / height)
    return min(range(len(sizes)), key=lambda i: (abs(math.log(sizes[i][0] / sizes[i][1]) - target),
                                                 -sizes[i][0] * sizes[i][1]))


def tiles_needed(length: float, tile: int, overlap: float) -> int:
    """Fewest tiles of ``tile`` pixels, sharing at least ``overlap`` of a tile, that cover ``length``."""
    if length <= tile:
        return 1
    return 1 + math.ceil((length - tile) / (tile * (1.0 - overlap)) - 1e-9)


def _starts(length: int, tile: int, count: int) -> list[int]:
    """``count`` evenly spread tile starts from 0 to ``length - tile`` (duplicates dropped)."""
    if count == 1 or length <= tile:
        return [0]
    return sorted({round(float(v)) for v in np.linspace(0, length - tile, count)})


def plan_views(source: tuple[int, int], tile: tuple[int, int], work: tuple[int, int], tiles: str,
               overlap: float) -> ViewPlan:
    """The views of a ``source`` (width, height) frame for a model of input ``tile`` (width, height).

    - ``off``: one view, the frame fitted inside the tile (letterbox, never upscaled);
    - ``auto``: the frame fitted inside ``work`` (never upscaled), then as many tiles as cover it;
      one view when the model is at least that large;
    - ``COLSxROWS``: that grid; the frame is scaled (never up) so the grid covers it.
    """
    match = TILES_PATTERN.match(tiles)
    if match is None:
        raise ValueError(f"tiles must be auto, off or COLSxROWS, not {tiles!r}")
    (sw, sh), (tw, th) = source, tile
    if tiles == "off":
        scale = min(tw / sw, th / sh, 1.0)
        cols = rows = 1
    elif tiles == "auto":
        scale = min(work[0] / sw, work[1] / sh, 1.0)
        cols, rows = tiles_needed(sw * scale, tw, overlap), tiles_needed(sh * scale, th, overlap)
    else:
        cols, rows = int(match.group(2)), int(match.group(3))
        reach_w, reach_h = tw * (1 + (cols - 1) * (1 - overlap)), th * (1 + (rows - 1) * (1 - overlap))
        scale = min(reach_w / sw, reach_h / sh, 1.0)
    working = (max(1, round(sw * scale)), max(1, round(sh * scale)))
    origins = tuple((x, y) for y in _starts(working[1], th, rows) for x in _starts(working[0], tw, cols))
    return ViewPlan(scale, working, (tw, th), origins)


def touches_inner_edge(quads: np.ndarray, plan: ViewPlan, origin: tuple[int, int], margin: float) -> np.ndarray:
    """For quads in the view's own pixels: which come within ``margin`` of an edge shared with another
    view (those words may be cut; the neighbouring view holds them whole)."""
    left, top, right, bottom = plan.inner_edges(origin)
    lo, hi = quads.min(axis=1), quads.max(axis=1)
    tw, th = plan.tile
    near = np.zeros(len(quads), bool)
    if left:
        near |= lo[:, 0] < margin
    if top:
        near |= lo[:, 1] < margin
    if right:
        near |= hi[:, 0] > tw - margin
    if bottom:
        near |= hi[:, 1] > th - margin
    return near
