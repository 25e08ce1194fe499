"""Backgrounds: procedural textures and crops of photographs shipped in Debian packages."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

PHOTO_DIRS = (Path("/usr/share/wallpapers"), Path("/usr/share/backgrounds"), Path("/usr/share/images/desktop-base"))
_PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@lru_cache(maxsize=1)
def photo_paths(dirs: tuple[Path, ...] = PHOTO_DIRS) -> tuple[str, ...]:
    """Raster wallpapers (gnome-backgrounds, mate-backgrounds, plasma-workspace-wallpapers)."""
    return tuple(sorted(str(p) for d in dirs if d.is_dir() for p in d.rglob("*") if p.suffix.lower() in _PHOTO_SUFFIXES))


@lru_cache(maxsize=512)
def _load_photo(path: str) -> np.ndarray | None:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        return None
    scale = 640 / max(img.shape[:2])  # about 1 MB per cached photo and worker
    return cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else img


def random_color(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 256, size=3).astype(np.float32)


def noise_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Multi-scale value noise tinted between two colours (walls, concrete, foliage-like blotches)."""
    acc = np.zeros((h, w), np.float32)
    for octave in range(int(rng.integers(2, 5))):
        cells = 2 ** (octave + int(rng.integers(1, 4)))
        small = rng.random((cells, cells)).astype(np.float32)
        acc += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) / (octave + 1)
    acc = (acc - acc.min()) / max(float(np.ptp(acc)), 1e-6)
    a, b = random_color(rng), random_color(rng)
    return (a * acc[..., None] + b * (1 - acc[..., None])).clip(0, 255).astype(np.uint8)


def pattern_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Stripes, tiles and bricks: regular structure that is not text."""
    img = np.empty((h, w, 3), np.uint8)
    img[:] = random_color(rng)
    color = tuple(int(c) for c in random_color(rng))
    step = int(rng.integers(6, 60))
    kind = rng.integers(0, 3)
    thickness = int(rng.integers(1, 4))
    for i in range(0, max(h, w) * 2, step):
        if kind == 0:
            cv2.line(img, (i, 0), (i - h, h), color, thickness)
        elif kind == 1:
            cv2.line(img, (0, i), (w, i), color, thickness)
            cv2.line(img, (i, 0), (i, h), color, thickness)
        else:
            cv2.line(img, (0, i), (w, i), color, thickness)
            off = (i // step % 2) * step
            for x in range(off, w, step * 2):
                cv2.line(img, (x, i), (x, i + step), color, thickness)
    return img


def photo_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray | None:
    paths = photo_paths()
    if not paths:
        return None
    photo = _load_photo(paths[int(rng.integers(len(paths)))])
    if photo is None:
        return None
    ph, pw = photo.shape[:2]
    scale = max(h / ph, w / pw) * float(rng.uniform(1.0, 2.0))
    photo = cv2.resize(photo, (int(pw * scale) + 1, int(ph * scale) + 1))
    y = int(rng.integers(0, photo.shape[0] - h + 1))
    x = int(rng.integers(0, photo.shape[1] - w + 1))
    return photo[y : y + h, x : x + w].copy()


def background(rng: np.random.Generator, h: int, w: int, plain_weight: float = 0.3) -> np.ndarray:
    """A BGR uint8 background: plain or gradient, noise, pattern or photograph."""
    r = rng.random()
    if r < plain_weight:
        a, b = random_color(rng), random_color(rng)
        t = np.linspace(0, 1, w if rng.random() < 0.5 else h, dtype=np.float32)
        grad = a + (b - a) * t[:, None] * float(rng.uniform(0, 0.6))
        img = np.broadcast_to(grad[None] if grad.shape[0] == w else grad[:, None], (h, w, 3))
        return img.clip(0, 255).astype(np.uint8)
    if r < plain_weight + 0.25:
        return noise_texture(rng, h, w)
    if r < plain_weight + 0.4:
        return pattern_texture(rng, h, w)
    photo = photo_texture(rng, h, w)
    return photo if photo is not None else noise_texture(rng, h, w)


def degrade(rng: np.random.Generator, img: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Camera-like degradations: lighting gradient, shadow, blur, noise and JPEG artefacts."""
    h, w = img.shape[:2]
    out = img.astype(np.float32)
    if rng.random() < 0.5:  # lighting gradient
        gx, gy = rng.uniform(-0.6, 0.6, size=2) * strength
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        light = 1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
        out *= light[..., None] if out.ndim == 3 else light
    if rng.random() < 0.3:  # hard shadow
        pts = rng.integers(0, [w, h], size=(4, 2)).astype(np.int32)
        mask = np.zeros((h, w), np.float32)
        cv2.fillConvexPoly(mask, cv2.convexHull(pts), 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), 1 + 3 * rng.random())
        shade = 1 - float(rng.uniform(0.2, 0.6)) * mask
        out *= shade[..., None] if out.ndim == 3 else shade
    if rng.random() < 0.4:
        sigma = float(rng.uniform(0.3, 1.5)) * strength
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    elif rng.random() < 0.15:  # motion blur
        k = int(rng.integers(3, 7))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
    if rng.random() < 0.5:
        out += rng.normal(0, float(rng.uniform(2, 12)) * strength, size=out.shape).astype(np.float32)
    out = out.clip(0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        quality = int(rng.integers(20, 90))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return out
