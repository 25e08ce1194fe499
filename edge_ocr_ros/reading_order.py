"""Words into text lines and lines into blocks, in reading order.

A robot reads "OPEN / 24 HOURS" as one sign, not as three words sorted by detection score. Words are
joined into a line when they run the same way, are about as tall and sit on one baseline with at most a
word-gap between them; lines are joined into a block (a sign, a paragraph) when they run the same way,
are stacked with at most about a line of space between them and overlap along the text direction.
Lines read along their direction, blocks top to bottom, and blocks side by side left to right. All pair
tests are vectorised over the (at most ``detector.max_detections``) words of a frame.
"""

from __future__ import annotations

import functools

import numpy as np

from .geometry import quad_sizes
from .results import TextLine, Word

__all__ = ["LINE_ANGLE", "LINE_GAP", "LINE_HEIGHT_RATIO", "LINE_OFFSET", "read_lines"]

LINE_ANGLE = np.deg2rad(15.0)  # words of one line run the same way within this
LINE_HEIGHT_RATIO = 1.6  # ... and are at most this much taller than each other
LINE_OFFSET = 0.5  # ... and sit on one baseline: centres within this share of their height across the text
LINE_GAP = 1.5  # ... with at most this many heights between one word's end and the next one's start
BLOCK_GAP = 1.2  # lines of one block: at most this many line heights of space between them
BLOCK_HEIGHT_RATIO = 2.0


class _Components:
    """Union-find over n items: the groups that pairwise links make."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, links: np.ndarray) -> list[list[int]]:
        for i, j in zip(*np.nonzero(np.triu(links, 1)), strict=True):
            self.parent[self.find(int(i))] = self.find(int(j))
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            groups.setdefault(self.find(i), []).append(i)
        return list(groups.values())


def _frames(quads: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Centres, reading directions (unit), angles, widths and heights of quads (N x 4 x 2)."""
    along = (quads[:, 1] - quads[:, 0]) + (quads[:, 2] - quads[:, 3])
    direction = along / np.maximum(np.linalg.norm(along, axis=1, keepdims=True), 1e-6)
    widths, heights = quad_sizes(quads)
    return quads.mean(axis=1), direction, np.arctan2(direction[:, 1], direction[:, 0]), widths, np.maximum(heights, 1.0)


def _angle_difference(angles: np.ndarray) -> np.ndarray:
    diff = np.abs(angles[:, None] - angles[None, :])
    return np.minimum(diff, 2 * np.pi - diff)


def _same_line(quads: np.ndarray) -> np.ndarray:
    """N x N: which pairs of words belong to one line."""
    centres, direction, angles, widths, heights = _frames(quads)
    offset = centres[None, :, :] - centres[:, None, :]  # [i, j]: from word i to word j
    mean_dir = direction[:, None, :] + direction[None, :, :]
    mean_dir /= np.maximum(np.linalg.norm(mean_dir, axis=2, keepdims=True), 1e-6)
    normal = np.stack([-mean_dir[..., 1], mean_dir[..., 0]], axis=2)
    mean_height = 0.5 * (heights[:, None] + heights[None, :])
    across = np.abs((offset * normal).sum(axis=2))
    gap = np.abs((offset * mean_dir).sum(axis=2)) - 0.5 * (widths[:, None] + widths[None, :])
    ratio = np.maximum(heights[:, None], heights[None, :]) / np.minimum(heights[:, None], heights[None, :])
    return ((_angle_difference(angles) <= LINE_ANGLE) & (ratio <= LINE_HEIGHT_RATIO)
            & (across <= LINE_OFFSET * mean_height) & (gap <= LINE_GAP * mean_height))


def _line_polygon(quads: np.ndarray) -> np.ndarray:
    """The quad around a line's words (in reading order): the first word's left edge, the last one's right."""
    first, last = quads[0], quads[-1]
    return np.stack([first[0], last[1], last[2], first[3]]).astype(np.float32)


def _same_block(polygons: np.ndarray) -> np.ndarray:
    """N x N: which pairs of lines belong to one block (stacked, close, overlapping along the text)."""
    centres, direction, angles, widths, heights = _frames(polygons)
    offset = centres[None, :, :] - centres[:, None, :]
    ref = direction[:, None, :]
    normal = np.stack([-ref[..., 1], ref[..., 0]], axis=2)
    across = np.abs((offset * normal).sum(axis=2))
    space = across - 0.5 * (heights[:, None] + heights[None, :])
    along = np.abs((offset * ref).sum(axis=2))
    overlap = along < 0.5 * (widths[:, None] + widths[None, :])
    ratio = np.maximum(heights[:, None], heights[None, :]) / np.minimum(heights[:, None], heights[None, :])
    return ((_angle_difference(angles) <= LINE_ANGLE) & (ratio <= BLOCK_HEIGHT_RATIO) & overlap
            & (space <= BLOCK_GAP * np.minimum(heights[:, None], heights[None, :])))


def _reading_key(boxes: list[tuple[float, float, float, float]]):
    """Orders axis-aligned extents (x0, y0, x1, y1): top to bottom, and left to right when side by side
    (their vertical extents overlap by more than half of the shorter one)."""

    def compare(a: int, b: int) -> int:
        (ax0, ay0, _, ay1), (bx0, by0, _, by1) = boxes[a], boxes[b]
        shared = min(ay1, by1) - max(ay0, by0)
        side_by_side = shared > 0.5 * min(ay1 - ay0, by1 - by0)
        first, second = (ax0, bx0) if side_by_side else (ay0, by0)
        return -1 if first < second else (1 if first > second else 0)

    return functools.cmp_to_key(compare)


def read_lines(words: list[Word]) -> list[TextLine]:
    """The words' lines in reading order, each with the index of its block (blocks numbered in reading order).

    Args:
        words: a frame's words (any order).
    Returns:
        lines whose ``word_indices`` point into ``words``, in reading order within the line.
    """
    if not words:
        return []
    quads = np.stack([w.points for w in words]).astype(np.float32)
    centres, direction, _, _, _ = _frames(quads)
    lines = []
    for members in _Components(len(words)).join(_same_line(quads)):
        axis = direction[members].sum(axis=0)
        axis /= max(float(np.linalg.norm(axis)), 1e-6)
        members = sorted(members, key=lambda i: float(centres[i] @ axis))
        lines.append(members)
    polygons = np.stack([_line_polygon(quads[m]) for m in lines])
    blocks = _Components(len(lines)).join(_same_block(polygons))
    extent = [(*polygons[i].min(axis=0), *polygons[i].max(axis=0)) for i in range(len(lines))]
    block_extent = [(min(extent[i][0] for i in b), min(extent[i][1] for i in b),
                     max(extent[i][2] for i in b), max(extent[i][3] for i in b)) for b in blocks]
    out = []
    for number, b in enumerate(sorted(range(len(blocks)), key=_reading_key(block_extent))):
        for i in sorted(blocks[b], key=_reading_key(extent)):
            members = lines[i]
            out.append(TextLine(text=" ".join(words[k].text for k in members),
                                confidence=float(min(words[k].confidence for k in members)),
                                points=polygons[i], word_indices=list(members), block=number))
    return out
