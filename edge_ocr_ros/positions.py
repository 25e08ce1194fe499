"""Where a word is in 3D: the median depth inside its polygon, back-projected through the camera model.

The depth image must be registered to the colour image (same viewpoint: a RealSense's or OAK's
``aligned_depth_to_color``, a simulator's depth camera beside the colour one); it may have another
resolution, the polygon is scaled to it. The median of the valid pixels inside the polygon is robust to the
background showing between letters and to holes (0 or NaN) in the depth.

The camera model follows sensor_msgs/CameraInfo as image_geometry reads it: image pixels are first taken to
the full-resolution sensor (``binning_x/y``, ``roi``); a raw image's pixels are then undistorted through K,
D, R and P; a rectified image's (``image_rect``, or ``rectified``) are used as they are; the ray then comes
from P's intrinsics (K's where P is all zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .errors import InputImageError

__all__ = ["CameraModel", "word_extents", "word_positions"]


@dataclass(frozen=True)
class CameraModel:
    """A pinhole camera with distortion, as a sensor_msgs/CameraInfo describes it (plain arrays, no ROS)."""

    width: int  # the calibrated, full-resolution size
    height: int
    k: np.ndarray  # 3 x 3
    d: np.ndarray  # distortion coefficients (plumb_bob / rational_polynomial order, as OpenCV takes them)
    r: np.ndarray  # 3 x 3 rectification
    p: np.ndarray  # 3 x 4 projection
    binning: tuple[int, int] = (1, 1)
    roi: tuple[int, int, int, int] = (0, 0, 0, 0)  # x_offset, y_offset, width, height; all zero: the full image
    rectified: bool = False  # the images are already rectified (image_rect): no undistortion

    @classmethod
    def from_camera_info(cls, info, rectified: bool = False) -> CameraModel:
        """From a sensor_msgs/CameraInfo (any object with its fields); InputImageError if uncalibrated."""
        k = np.asarray(info.k, np.float64).reshape(3, 3)
        if not k[0, 0] > 0 or not k[1, 1] > 0:
            raise InputImageError("camera_info has no camera matrix (k is all zeros): positions need a calibrated camera")
        p = np.asarray(info.p, np.float64).reshape(3, 4)
        r = np.asarray(info.r, np.float64).reshape(3, 3)
        roi = info.roi
        return cls(int(info.width), int(info.height), k, np.asarray(info.d, np.float64),
                   r if r.any() else np.eye(3), p if p[0, 0] > 0 else np.c_[k, np.zeros(3)],
                   (max(int(info.binning_x), 1), max(int(info.binning_y), 1)),
                   (int(roi.x_offset), int(roi.y_offset), int(roi.width), int(roi.height)), rectified)

    def image_size(self) -> tuple[int, int]:
        """The size of the images this camera_info describes (after ROI and binning)."""
        width = self.roi[2] or self.width
        height = self.roi[3] or self.height
        return width // self.binning[0], height // self.binning[1]

    def check_image(self, width: int, height: int) -> None:
        """InputImageError if an image of width x height cannot be the one this camera_info describes."""
        if self.width and self.height and (width, height) != self.image_size():
            expected = self.image_size()
            raise InputImageError(f"camera_info describes {expected[0]} x {expected[1]} images (with its binning and ROI), "
                                  f"the image is {width} x {height}: positions need the camera_info of this image")

    def rays(self, pixels: np.ndarray) -> np.ndarray:
        """N x 2 image pixels -> N x 2 normalised ray directions (x/z, y/z) in the camera's optical frame."""
        full = np.asarray(pixels, np.float64) * self.binning + self.roi[:2]
        if not self.rectified and self.d.any():
            full = cv2.undistortPoints(full.reshape(-1, 1, 2), self.k, self.d, R=self.r, P=self.p[:, :3]).reshape(-1, 2)
        fx, fy, cx, cy = self.p[0, 0], self.p[1, 1], self.p[0, 2], self.p[1, 2]
        return np.stack([(full[:, 0] - cx) / fx, (full[:, 1] - cy) / fy], axis=1)


def word_positions(quads: np.ndarray, depth_m: np.ndarray, camera: CameraModel | np.ndarray,
                   image_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """3D centres of words in the camera's optical frame (x right, y down, z forward, metres).

    Args:
        quads: N x 4 x 2 word polygons in colour-image pixels.
        depth_m: H x W depth in metres (0, negative or non-finite = no reading), registered to the colour image.
        camera: the colour camera's model, or just its 3 x 3 K (an undistorted full-resolution image).
        image_size: the colour image's width and height.
    Returns:
        N x 3 positions and an N-long mask of the words that had valid depth inside their polygon.
    """
    if not isinstance(camera, CameraModel):
        k = np.asarray(camera, np.float64)
        camera = CameraModel(0, 0, k, np.zeros(5), np.eye(3), np.c_[k, np.zeros(3)])
    positions = np.zeros((len(quads), 3), np.float64)
    valid = np.zeros(len(quads), bool)
    if len(quads) == 0:
        return positions, valid
    rays = camera.rays(np.asarray(quads, np.float64).mean(axis=1))
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
        positions[i] = (rays[i, 0] * z, rays[i, 1] * z, z)
        valid[i] = True
    return positions, valid


def word_extents(quads: np.ndarray, depths: np.ndarray, camera: CameraModel) -> np.ndarray:
    """N x 2 width and height of words in metres: the polygons' edges back-projected at each word's depth
    (its median, as for the position), top and bottom edges averaged for the width, left and right for the
    height. What a 3D bounding box of a flat sign needs (vision_msgs/Detection3D)."""
    quads = np.asarray(quads, np.float64)
    if len(quads) == 0:
        return np.zeros((0, 2))
    corners = camera.rays(quads.reshape(-1, 2)).reshape(-1, 4, 2) * np.asarray(depths, np.float64)[:, None, None]
    width = (np.linalg.norm(corners[:, 1] - corners[:, 0], axis=1) + np.linalg.norm(corners[:, 2] - corners[:, 3], axis=1)) / 2
    height = (np.linalg.norm(corners[:, 3] - corners[:, 0], axis=1) + np.linalg.norm(corners[:, 2] - corners[:, 1], axis=1)) / 2
    return np.stack([width, height], axis=1)
