"""Word quadrilaterals: ordering, sizes, overlap and the box forms other code wants.

A quad is 4 x 2 float32 image pixels (x right, y down), clockwise from the top-left corner of the
word as read. Detection, recognition, evaluation and the node all measure quads, so the measures live
here once.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "axis_aligned_box",
    "bounds_overlap",
    "convex_hull",
    "intersection_area",
    "order_quad",
    "polygon_area",
    "polygon_iou",
    "pose_matrix",
    "quad_frames",
    "quad_size",
    "quad_sizes",
    "rotated_box",
]


def order_quad(points: np.ndarray) -> np.ndarray:
    """Return 4 points clockwise from top-left (image coordinates, y down).

    The top-left corner is the one with the smallest x + y among the two leftmost-top candidates;
    ordering by angle around the centroid keeps the result valid for rotated words.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise in image coordinates (y down)
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def quad_sizes(quads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean widths (top and bottom edges) and mean heights (left and right edges) of ordered quads (... x 4 x 2)."""
    q = np.asarray(quads, dtype=np.float32)
    width = 0.5 * (np.linalg.norm(q[..., 1, :] - q[..., 0, :], axis=-1) + np.linalg.norm(q[..., 2, :] - q[..., 3, :], axis=-1))
    height = 0.5 * (np.linalg.norm(q[..., 3, :] - q[..., 0, :], axis=-1) + np.linalg.norm(q[..., 2, :] - q[..., 1, :], axis=-1))
    return width, height


def quad_frames(quads: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors along (u) and across (v) each quad (K x 4 x 2, clockwise from top-left), and its
    width and height: the frame in which word ends are moved."""
    top, side = quads[:, 1] - quads[:, 0], quads[:, 3] - quads[:, 0]
    width, height = np.linalg.norm(top, axis=1), np.linalg.norm(side, axis=1)
    return top / np.maximum(width, 1e-6)[:, None], side / np.maximum(height, 1e-6)[:, None], width, height


def quad_size(quad: np.ndarray) -> tuple[float, float]:
    """Mean width and height of one ordered quad."""
    width, height = quad_sizes(quad)
    return float(width), float(height)


def convex_hull(points: np.ndarray) -> np.ndarray:
    """The convex polygon around any 4 points (ground-truth quads may be unordered or not convex)."""
    return cv2.convexHull(np.asarray(points, np.float32).reshape(-1, 2)).reshape(-1, 2)


def bounds_overlap(lo_a: np.ndarray, hi_a: np.ndarray, lo_b: np.ndarray, hi_b: np.ndarray) -> np.ndarray:
    """Whether axis-aligned bounds (corners ... x 2, broadcast against each other) overlap: the cheap test
    before polygon intersections."""
    return (np.minimum(hi_a, hi_b) > np.maximum(lo_a, lo_b)).all(axis=-1)


def intersection_area(a: np.ndarray, b: np.ndarray) -> float:
    """Area shared by two convex polygons."""
    inter, _ = cv2.intersectConvexConvex(np.asarray(a, np.float32), np.asarray(b, np.float32))
    return max(float(inter), 0.0)


def polygon_area(polygon: np.ndarray) -> float:
    """Area of a polygon (its points in order)."""
    return float(cv2.contourArea(np.asarray(polygon, np.float32)))


def polygon_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two convex polygons (ordered quads are; else pass ``convex_hull`` of them)."""
    inter = intersection_area(a, b)
    if inter <= 0:
        return 0.0
    union = polygon_area(a) + polygon_area(b) - inter
    return inter / union if union > 0 else 0.0


def rotated_box(quad: np.ndarray) -> tuple[float, float, float, float, float]:
    """A word quad as centre x, y, width along the text, height across it and the angle of the reading
    direction in radians (image axes: x right, y down), as vision_msgs' BoundingBox2D holds a rotated box
    (center.theta)."""
    top, side = quad[1] - quad[0], quad[3] - quad[0]
    bottom, other = quad[2] - quad[3], quad[2] - quad[1]
    width = float(np.linalg.norm(top) + np.linalg.norm(bottom)) / 2
    height = float(np.linalg.norm(side) + np.linalg.norm(other)) / 2
    cx, cy = (float(v) for v in quad.mean(axis=0))
    return cx, cy, width, height, float(np.arctan2(top[1] + bottom[1], top[0] + bottom[0]))


def axis_aligned_box(quad: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """x, y, width, height of the pixels a quad covers, clipped to a ``width`` x ``height`` image."""
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
    x0, y0 = max(int(x0), 0), max(int(y0), 0)
    x1, y1 = min(int(x1), width - 1), min(int(y1), height - 1)
    return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


def pose_matrix(translation, quaternion_xyzw) -> np.ndarray:
    """The 4 x 4 matrix of a pose: a translation and a unit quaternion in ROS's order (x, y, z, w)."""
    x, y, z, w = quaternion_xyzw
    out = np.eye(4)
    out[:3, :3] = [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                   [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                   [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    out[:3, 3] = translation
    return out
