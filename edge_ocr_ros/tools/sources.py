"""Frames for the ``edge-ocr`` command: image files, a folder of images, a video file or a camera."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..errors import ConfigError, InputImageError
from ..image_codec import compressed_to_bgr

__all__ = ["IMAGE_SUFFIXES", "image_files", "open_camera", "open_video", "read_image", "video_frames"]

LOG = logging.getLogger(__name__)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})


def read_image(path: Path) -> np.ndarray:
    """A BGR image, or InputImageError when the file is missing, empty or corrupt."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise InputImageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return compressed_to_bgr(data)
    except InputImageError as exc:
        raise InputImageError(f"{path} is not a readable image: {exc}") from exc


def image_files(folder: Path) -> list[Path]:
    """Image files of ``folder`` (by extension), sorted; other files are skipped."""
    if not folder.is_dir():
        raise ConfigError(f"--imagedir {folder} is not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def video_frames(capture: cv2.VideoCapture, name: str, max_frames: int | None) -> Iterator[tuple[str, np.ndarray]]:
    """Named frames (``NAME#index``) of an open capture until it ends or ``max_frames`` have been read."""
    index = 0
    try:
        while max_frames is None or index < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            yield f"{name}#{index}", frame
            index += 1
    finally:
        capture.release()


def open_video(path: Path) -> tuple[cv2.VideoCapture, int]:
    """Open a video file and its frame count (0 if unknown); ConfigError if missing, InputImageError if unreadable."""
    if not path.is_file():
        raise ConfigError(f"--video {path} does not exist")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise InputImageError(f"{path} is not a readable video")
    return capture, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or 0


def open_camera(index: int) -> cv2.VideoCapture:
    """Open a camera by index; ConfigError if OpenCV cannot."""
    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise ConfigError(f"camera {index} cannot be opened")
    return capture
