"""Words as a robot's camera sees them while it drives past a sign.

The shipped recognizer read 0.72 of ICDAR 2015 scene words slanted 0-5 degrees and 0.20 of those slanted
20-35 degrees: it had seen flat, nearly frontal words only. This module puts a word on a sign plane turned
away from the camera (yaw up to about 50 degrees, looked at from below or above), bends it along an arc (text
around a round sign), and degrades it as a small, moving camera does (defocus, low resolution, glare; the
milder lighting, blur, noise and JPEG of ``textures.degrade`` come on top). The crop handed to the
recognizer is then cut as the engine or a dataset would cut it: the detector's rotated rectangle or an
upright bounding box around the whole distorted word, so the network learns the boxes it is given.

Both the synthetic word generator (at render time, on the full-resolution canvas) and the trainer (on real
crops, each time one is drawn) use ``camera_view``. Geometry is applied as one inverse map per image (no
Python loops over pixels); the word's outline travels through the same transforms as points.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .textures import degrade

OUTLINE_POINTS = 16  # samples per side of the word's outline


@dataclass(frozen=True)
class CameraStyle:
    """How strong the views are. The defaults cover what a robot passing signs sees; ``max_yaw`` is the sign
    plane's turn away from the camera, ``max_pitch`` looking up or down at it, ``max_arc`` the angle a
    bent word spans (radians)."""

    perspective: float = 0.6
    max_yaw: float = 50.0
    max_pitch: float = 30.0
    max_roll: float = 20.0
    arc: float = 0.2
    max_arc: float = 2.0
    defocus: float = 0.15
    low_resolution: float = 0.3
    glare: float = 0.15
    upright_box: float = 0.5


def outline(quad: np.ndarray, points: int = OUTLINE_POINTS) -> np.ndarray:
    """Points along the four sides of a quad (clockwise), so that a bent word's outline bends with it."""
    t = np.linspace(0.0, 1.0, points, endpoint=False, dtype=np.float32)[:, None]
    quad = np.asarray(quad, np.float32)
    return np.concatenate([quad[i] + t * (quad[(i + 1) % 4] - quad[i]) for i in range(4)])


def tilt_homography(width: int, height: int, yaw: float, pitch: float, roll: float,
                    focal: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The homography that shows a flat width x height canvas on a plane turned by ``yaw`` (about the
    vertical axis), ``pitch`` and ``roll`` (degrees) in front of a pinhole camera of ``focal`` pixels, and
    the output size that holds all of it."""
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    centred = np.c_[corners - (width / 2.0, height / 2.0), np.zeros(4, np.float32)]
    rotation = cv2.Rodrigues(np.radians([pitch, 0.0, 0.0]))[0] @ cv2.Rodrigues(np.radians([0.0, yaw, 0.0]))[0]
    rotation = cv2.Rodrigues(np.radians([0.0, 0.0, roll]))[0] @ rotation
    cam = centred @ rotation.T + (0.0, 0.0, focal)
    projected = (focal * cam[:, :2] / cam[:, 2:3]).astype(np.float32)
    projected -= projected.min(axis=0)
    size = np.ceil(projected.max(axis=0)).astype(int) + 1
    return cv2.getPerspectiveTransform(corners, projected), (int(size[0]), int(size[1]))


def tilted(image: np.ndarray, points: np.ndarray, rng: np.random.Generator,
           style: CameraStyle) -> tuple[np.ndarray, np.ndarray]:
    """The image (and the points on it) on a sign plane seen at a random angle."""
    h, w = image.shape[:2]
    yaw = rng.uniform(-style.max_yaw, style.max_yaw)
    pitch = rng.uniform(-style.max_pitch, style.max_pitch)
    roll = rng.uniform(-style.max_roll, style.max_roll) * rng.random()
    focal = rng.uniform(0.7, 2.5) * max(w, h)  # wide to normal lenses at the distance the word fills the view
    matrix, size = tilt_homography(w, h, yaw, pitch, roll, focal)
    if size[0] * size[1] > 16 * w * h:  # a degenerate view: keep the image as it is
        return image, points
    warped = cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return warped, cv2.perspectiveTransform(points[None], matrix)[0]


def bend_maps(width: int, height: int, radius: float, sign: int,
              centre_row: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse maps (for cv2.remap) that wrap a width x height canvas around a circle of ``radius`` through
    its ``centre_row``: ``sign`` +1 bows it into an arch (text on top of a round badge), -1 into a smile
    (text along its bottom). Also returns the offset ``bend_points`` needs to place points on the output."""
    border = outline(np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32))
    placed = bend_points(border, width, radius, sign, centre_row, (0.0, 0.0))
    offset = -placed.min(axis=0)
    out_w, out_h = np.ceil(placed.max(axis=0) + offset).astype(int) + 1
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    dx = xs - offset[0]
    dy = radius - sign * (ys - offset[1])  # the circle's centre is at (0, sign * radius) before the offset
    map_x = (np.arctan2(dx, dy) * radius + width / 2.0).astype(np.float32)
    map_y = (centre_row - sign * (np.hypot(dx, dy) - radius)).astype(np.float32)
    return map_x, map_y, offset


def bend_points(points: np.ndarray, width: int, radius: float, sign: int, centre_row: float,
                offset: tuple[float, float] | np.ndarray) -> np.ndarray:
    """Where ``bend_maps`` puts canvas points: column -> angle along the circle, row -> distance from it."""
    a = (points[:, 0] - width / 2.0) / radius
    r = radius + sign * (centre_row - points[:, 1])
    x = r * np.sin(a)
    y = sign * (radius - r * np.cos(a))
    return (np.stack([x, y], axis=1) + np.asarray(offset, np.float32)).astype(np.float32)


def bent(image: np.ndarray, points: np.ndarray, quad: np.ndarray, rng: np.random.Generator,
         style: CameraStyle) -> tuple[np.ndarray, np.ndarray]:
    """The image wrapped around a circle through the word's middle row (an arched or round sign). The word
    spans up to ``style.max_arc`` radians; the circle never folds the canvas (radius over its height) nor
    wraps it round (the canvas spans at most 3 radians)."""
    h, w = image.shape[:2]
    word_width = float(np.linalg.norm(quad[1] - quad[0]))
    radius = max(word_width / rng.uniform(0.3, style.max_arc), w / 3.0, 1.2 * h)
    sign = 1 if rng.random() < 0.5 else -1
    centre_row = float(quad[:, 1].mean())
    map_x, map_y, offset = bend_maps(w, h, radius, sign, centre_row)
    if map_x.size > 16 * w * h:
        return image, points
    warped = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return warped, bend_points(points, w, radius, sign, centre_row, offset)


def crop_box(points: np.ndarray, rng: np.random.Generator, upright: float) -> np.ndarray:
    """The quad the recognizer is given for a distorted word: with probability ``upright`` its upright
    bounding box (word-crop datasets, users' own boxes), otherwise its smallest rotated rectangle (the
    detector's RBOX), clockwise from the corner nearest the word's start."""
    if rng.random() < upright:
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    box = cv2.boxPoints(cv2.minAreaRect(points.astype(np.float32))).astype(np.float32)
    corners = points[::OUTLINE_POINTS]  # the word's own corners as they were moved: its reading direction
    if np.sign(signed_area(box)) != np.sign(signed_area(corners)):
        box = box[::-1]  # the same rectangle listed the word's way round (never mirrored)
    edges = np.roll(box, -1, axis=0) - box
    first = int(np.argmax(edges @ (corners[1] - corners[0])))  # the edge that runs most along the text
    return np.roll(box, -first, axis=0)


def signed_area(polygon: np.ndarray) -> float:
    """Twice the signed area (shoelace): its sign tells which way round the corners run."""
    x, y = polygon[:, 0], polygon[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def defocused(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Out of focus: a disk kernel (a Gaussian looks like motion or a low-pass, not a lens)."""
    radius = int(rng.integers(1, 4))
    kernel = np.zeros((2 * radius + 1, 2 * radius + 1), np.float32)
    cv2.circle(kernel, (radius, radius), radius, 1.0, -1)
    return cv2.filter2D(image, -1, kernel / kernel.sum())


def with_glare(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A specular highlight on a reflective plate: a bright soft blob that washes letters out."""
    h, w = image.shape[:2]
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    sigma = rng.uniform(0.2, 0.8) * h
    ys, xs = np.ogrid[0:h, 0:w]
    blob = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2)).astype(np.float32)
    gain = rng.uniform(40, 140)
    lit = image.astype(np.float32) + gain * (blob[..., None] if image.ndim == 3 else blob)
    return np.clip(lit, 0, 255).astype(np.uint8)


def low_resolution(image: np.ndarray, word_height: float, rng: np.random.Generator) -> np.ndarray:
    """The image as a far camera sees it: the word 8-20 px tall (x-height about 6-14 px), then scaled back up."""
    h, w = image.shape[:2]
    factor = rng.uniform(8, 20) / max(word_height, 1.0)
    if factor >= 1:
        return image
    small = cv2.resize(image, (max(2, round(w * factor)), max(2, round(h * factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def camera_view(image: np.ndarray, quad: np.ndarray, rng: np.random.Generator,
                style: CameraStyle = CameraStyle()) -> tuple[np.ndarray, np.ndarray]:
    """A word (``quad``, clockwise from top-left, on ``image``) seen by a robot's camera: returns the new
    image and the box the recognizer is given for it (``crop_box``)."""
    quad = np.asarray(quad, np.float32)
    points = outline(quad)
    if rng.random() < style.arc:
        image, points = bent(image, points, quad, rng, style)
    if rng.random() < style.perspective:
        image, points = tilted(image, points, rng, style)
    word_height = float(np.ptp(points[:, 1]))
    if rng.random() < style.low_resolution:
        image = low_resolution(image, word_height, rng)
    if rng.random() < style.defocus:
        image = defocused(image, rng)
    if rng.random() < style.glare:
        image = with_glare(image, rng)
    image = degrade(rng, image)
    return image, crop_box(points, rng, style.upright_box)
