"""On-the-fly augmentation of word crops for CRNN training.

Real crops are few (thousands), and a CRNN memorises them: without augmentation the shipped model
read 96% of its real training crops but 61% of held-out ones. Each time a real crop is drawn it is
therefore re-cut through a randomly jittered quadrilateral (loose, tight, shifted, slanted boxes,
like the detector produces) and degraded (blur, low resolution, noise), then all crops get
contrast, brightness and polarity jitter.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge_ocr_ros.recognition.crop import warp_word

from .camera_views import camera_view
from .real_data import full_quad


def jittered_quad(image: np.ndarray, rng: np.random.Generator, strength: float = 0.12) -> np.ndarray:
    """The crop's corners moved independently by up to ``strength`` x its height, plus a common
    expansion or shrink: the box errors a detector makes."""
    quad = full_quad(image)
    h = float(image.shape[0])
    quad += rng.uniform(-strength, strength, size=(4, 2)).astype(np.float32) * h
    grow = rng.uniform(-0.05, 0.12) * h
    quad += grow * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32)
    return quad


def degrade(crop: np.ndarray, rng: np.random.Generator) -> None:
    """In place: sometimes blur, sometimes re-sample through a lower resolution, sometimes add noise."""
    h, w = crop.shape
    if rng.random() < 0.25:
        crop[:] = cv2.GaussianBlur(crop, (0, 0), rng.uniform(0.5, 1.3))
    if rng.random() < 0.2:
        f = rng.uniform(0.35, 0.7)
        small = cv2.resize(crop, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA)
        crop[:] = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.25:
        noise = rng.normal(0.0, rng.uniform(3, 12), size=crop.shape)
        crop[:] = np.clip(crop + noise, 0, 255).astype(np.uint8)


def rotated_in_box(image: np.ndarray, degrees: float) -> np.ndarray:
    """The crop turned by ``degrees`` on a canvas just large enough: an upright, axis-aligned box around
    a slanted word, which is how word-crop datasets (ICDAR 2015's among them) and users' own boxes cut
    rotated text. The new corners repeat the edge pixels (a reflection would mirror letters into them)."""
    h, w = image.shape[:2]
    c, s = abs(np.cos(np.radians(degrees))), abs(np.sin(np.radians(degrees)))
    size = (int(np.ceil(w * c + h * s)), int(np.ceil(w * s + h * c)))
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees, 1.0)
    matrix[:, 2] += (size[0] - w) / 2.0, (size[1] - h) / 2.0
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def recut(images: list[np.ndarray], picks: np.ndarray, height: int, width: int, rng: np.random.Generator,
          rotate: float = 0.0, max_degrees: float = 30.0, camera: float = 0.0) -> np.ndarray:
    """The crops ``images[picks]`` re-cut through jittered quads and degraded (N x height x width uint8);
    a share ``rotate`` of them first turned by up to ``max_degrees`` inside an upright box, and a share
    ``camera`` seen as a robot's camera sees signs (``camera_views.camera_view``, degraded there)."""
    out = np.empty((len(picks), height, width), np.uint8)
    for i, dst in zip(picks, out, strict=True):
        img = images[int(i)]
        if rng.random() < rotate:
            img = rotated_in_box(img, rng.uniform(-max_degrees, max_degrees))
        quad = jittered_quad(img, rng)
        if rng.random() < camera:
            img, quad = camera_view(img, quad, rng)
            warp_word(img, quad, dst)
            continue
        warp_word(img, quad, dst)
        degrade(dst, rng)
    return out


def photometric(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per-crop contrast, brightness and polarity jitter of a float batch in [0, 1] (vectorised)."""
    n = x.shape[0]
    contrast = rng.uniform(0.6, 1.3, size=(n, 1, 1)).astype(np.float32)
    bright = rng.uniform(-0.15, 0.15, size=(n, 1, 1)).astype(np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    x = (x - mean) * contrast + mean + bright
    invert = rng.random(n) < 0.2
    x[invert] = 1.0 - x[invert]
    return np.clip(x, 0.0, 1.0)
