"""Where a word is in 3D: the median depth inside its polygon, back-projected through the camera matrix.

The depth image must be registered to the colour image (same viewpoint: a RealSense's or OAK's
``aligned_depth_to_color``, a simulator's depth camera beside the colour one); it may have another
resolution, the polygon is scaled to it. The median of the valid pixels inside the polygon is robust to the
background showing between letters and to holes (0 or NaN) in the depth.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["word_positions"]


def word_positions(quads: np.ndarray, depth_m: np.ndarray, camera_matrix: np.ndarray,
                   image_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """3D centres of words in the camera's optical frame (x right, y down, z forward, metres).

    Args:
        quads: N x 4 x 2 word polygons in colour-image pixels.
        depth_m: H x W depth in metres (0, negative or non-finite = no reading), registered to the colour image.
        camera_matrix: the colour camera's 3 x 3 K (sensor_msgs/CameraInfo.k).
        image_size: the colour image's width and height.
    Returns:
        N x 3 positions and an N-long mask of the words that had valid depth inside their polygon.
    """
    positions = np.zeros((len(quads), 3), np.float64)
    valid = np.zeros(len(quads), bool)
    fx, fy, cx, cy = camera_matrix[0, 0], camera_matrix[1, 1], camera_matrix[0, 2], camera_matrix[1, 2]
    if fx <= 0 or fy <= 0:
        return positions, valid
    scale = np.array([depth_m.shape[1] / image_size[0], depth_m.shape[0] / image_size[1]])
    for i, quad in enumerate(np.asarray(quads, np.float64)):
        scaled = quad * scale
        x0, y0 = np.clip(np.floor(scaled.min(axis=0)).astype(int), 0, [depth_m.shape[1] - 1, depth_m.shape[0] - 1])
        x1, y1 = np.clip(np.ceil(scaled.max(axis=0)).astype(int) + 1, 1, [depth_m.shape[1], depth_m.shape[0]])
        window = depth_m[y0:y1, x0:x1]
        mask = np.zeros(window.shape, np.uint8)
        cv2.fillPoly(mask, [np.round(scaled - [x0, y0]).astype(np.int32)], 1)
        values = window[(mask > 0) & np.isfinite(window) & (window > 0)]
        if values.size == 0:
            continue
        z = float(np.median(values))
        u, v = quad.mean(axis=0)
        positions[i] = ((u - cx) * z / fx, (v - cy) * z / fy, z)
        valid[i] = True
    return positions, valid
