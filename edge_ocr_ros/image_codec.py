"""Images in: the engine's size limits and input check, and sensor_msgs/Image and CompressedImage payloads
(or image files) to BGR arrays, in numpy (no cv_bridge, no rclpy).

Supported encodings: bgr8, rgb8, mono8, bgra8, rgba8, mono16, yuv422 (UYVY) and yuv422_yuy2 (YUYV),
with row padding (``step`` > width * bytes per pixel). Anything else raises InputImageError.
"""

from __future__ import annotations

import io
import os
import warnings

import cv2
import numpy as np
from PIL import Image

from .errors import InputImageError

__all__ = ["DEPTH_ENCODINGS", "ENCODINGS", "MAX_IMAGE_PIXELS", "MAX_IMAGE_SIDE", "check_image", "check_size", "compressed_to_bgr",
           "depth_to_metres", "raw_to_bgr"]
MAX_IMAGE_SIDE = 16384
MAX_IMAGE_PIXELS = 100_000_000

# A compressed image's declared size is checked from its header (``declared_size``) before OpenCV decodes it.
# OpenCV has a check of its own, but it reads OPENCV_IO_MAX_IMAGE_PIXELS once, when cv2 is imported, and its
# default (2^30 pixels) admits a 107 kB PNG that declares 30000 x 30000 and takes 5.5 GB: setting it here
# helps only where this module is imported before cv2, so it is a second line, not the check.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))
# The formats whose header is read before decoding (all of them OpenCV decodes too); others are refused.
COMPRESSED_FORMATS = ("PNG", "JPEG", "WEBP", "TIFF", "BMP", "PPM", "JPEG2000")
YUV422 = ("yuv422", "uyvy", "yuv422_yuy2", "yuyv")

# encoding -> (bytes per pixel, channels, dtype, conversion to BGR or None)
ENCODINGS: dict[str, tuple[int, int, type, int | None]] = {
    "bgr8": (3, 3, np.uint8, None),
    "rgb8": (3, 3, np.uint8, cv2.COLOR_RGB2BGR),
    "mono8": (1, 1, np.uint8, cv2.COLOR_GRAY2BGR),
    "8UC1": (1, 1, np.uint8, cv2.COLOR_GRAY2BGR),
    "8UC3": (3, 3, np.uint8, None),
    "bgra8": (4, 4, np.uint8, cv2.COLOR_BGRA2BGR),
    "rgba8": (4, 4, np.uint8, cv2.COLOR_RGBA2BGR),
    "mono16": (2, 1, np.uint16, None),
    "16UC1": (2, 1, np.uint16, None),
    "yuv422": (2, 2, np.uint8, cv2.COLOR_YUV2BGR_UYVY),
    "uyvy": (2, 2, np.uint8, cv2.COLOR_YUV2BGR_UYVY),
    "yuv422_yuy2": (2, 2, np.uint8, cv2.COLOR_YUV2BGR_YUY2),
    "yuyv": (2, 2, np.uint8, cv2.COLOR_YUV2BGR_YUY2),
}


def check_size(width: int, height: int) -> None:
    """InputImageError unless width x height is a non-empty image within the limits."""
    if width <= 0 or height <= 0:
        raise InputImageError(f"image is empty ({width} x {height})")
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise InputImageError(f"image of {width} x {height} is too large (at most {MAX_IMAGE_SIDE} px a side, "
                              f"{MAX_IMAGE_PIXELS // 1_000_000} MP)")


def check_image(image: object) -> np.ndarray:
    """A BGR uint8 H x W x 3 image, or InputImageError saying why not (grayscale is accepted and converted)."""
    if not isinstance(image, np.ndarray):
        raise InputImageError(f"image must be a numpy array, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise InputImageError(f"image must be 8-bit (uint8), not {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputImageError(f"image must be H x W x 3 (BGR) or H x W, not {image.shape}")
    check_size(image.shape[1], image.shape[0])
    return image


def raw_to_bgr(encoding: str, width: int, height: int, step: int, data, is_bigendian: bool = False) -> np.ndarray:
    """A BGR uint8 image from the fields of a sensor_msgs/Image (``data`` is any bytes-like buffer)."""
    if encoding not in ENCODINGS:
        raise InputImageError(f"unsupported encoding '{encoding}' (supported: {', '.join(ENCODINGS)})")
    bpp, channels, dtype, conversion = ENCODINGS[encoding]
    check_size(width, height)
    if step < width * bpp:
        raise InputImageError(f"step {step} is smaller than width x {bpp} bytes ({width * bpp})")
    buffer = np.frombuffer(data, dtype=np.uint8)
    if buffer.size < step * height:
        raise InputImageError(f"data has {buffer.size} bytes, expected step x height = {step * height}")
    rows = buffer[: step * height].reshape(height, step)[:, : width * bpp]
    if dtype is np.uint16:
        order = ">u2" if is_bigendian else "<u2"
        mono = np.ascontiguousarray(rows).view(order).reshape(height, width).astype(np.float32)
        peak = float(mono.max())
        gray = (mono * (255.0 / peak) if peak > 0 else mono).astype(np.uint8)  # use the sensor's actual range
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    if encoding in YUV422 and width % 2:
        raise InputImageError(f"{encoding} needs an even width (two pixels share their colour), not {width}")
    pixels = rows.reshape(height, width, channels)
    if conversion is None:
        return np.ascontiguousarray(pixels)
    try:
        return cv2.cvtColor(pixels if channels > 1 else pixels[..., 0], conversion)
    except cv2.error as exc:  # whatever OpenCV refuses in a message is the message's fault
        raise InputImageError(f"{encoding} image of {width} x {height} cannot be converted: {str(exc).strip()}") from exc


DEPTH_ENCODINGS = {"16UC1": ("u2", 0.001), "mono16": ("u2", 0.001), "32FC1": ("f4", 1.0)}  # dtype, metres per unit


def depth_to_metres(encoding: str, width: int, height: int, step: int, data, is_bigendian: bool = False) -> np.ndarray:
    """A depth sensor_msgs/Image (16UC1 in millimetres, or 32FC1 in metres, the REP 118 encodings) as
    float32 metres; 0 or NaN where the sensor has no reading."""
    if encoding not in DEPTH_ENCODINGS:
        raise InputImageError(f"unsupported depth encoding '{encoding}' (supported: 16UC1 in mm, 32FC1 in m)")
    kind, unit = DEPTH_ENCODINGS[encoding]
    check_size(width, height)
    itemsize = int(kind[1])
    if step < width * itemsize:
        raise InputImageError(f"depth step {step} is smaller than width x {itemsize} bytes ({width * itemsize})")
    buffer = np.frombuffer(data, dtype=np.uint8)
    if buffer.size < step * height:
        raise InputImageError(f"depth data has {buffer.size} bytes, expected step x height = {step * height}")
    rows = np.ascontiguousarray(buffer[: step * height].reshape(height, step)[:, : width * itemsize])
    values = rows.view((">" if is_bigendian else "<") + kind).reshape(height, width)
    return values.astype(np.float32) * np.float32(unit)


def declared_size(data) -> tuple[int, int]:
    """(width, height) that a compressed image declares in its header, read by Pillow without decoding any
    pixel, whatever was imported first. InputImageError if the header is not one of COMPRESSED_FORMATS.
    (``io.BytesIO`` copies a payload that is not ``bytes``: a compressed frame, small beside its pixels.)"""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is judged below, by our limit
            with Image.open(io.BytesIO(data), formats=COMPRESSED_FORMATS) as image:
                return image.size
    except Image.DecompressionBombError as exc:  # Pillow's own limit (about 179 MP) is above ours
        raise InputImageError(f"compressed image declares more than {MAX_IMAGE_PIXELS // 1_000_000} MP: {exc}") from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error... on bad headers
        raise InputImageError(f"compressed image of {len(data)} bytes cannot be decoded (corrupt or not one of "
                              f"{', '.join(COMPRESSED_FORMATS)}): {exc}") from exc


def compressed_to_bgr(data) -> np.ndarray:
    """Decode a compressed image (a CompressedImage payload or an image file: JPEG, PNG, WebP, TIFF, BMP,
    PGM/PPM, JPEG 2000) whose header declares a size within the limits; a larger one is refused from its
    header, before any pixel is allocated (``declared_size``)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    width, height = declared_size(buffer)
    try:
        check_size(width, height)
    except InputImageError as exc:
        raise InputImageError(f"compressed {exc} (declared in its header; refused before decoding)") from exc
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    except cv2.error:
        image = None
    if image is None:
        raise InputImageError(f"compressed image of {buffer.size} bytes cannot be decoded (corrupt, unsupported, or "
                              f"declaring more than {MAX_IMAGE_PIXELS // 1_000_000} MP)")
    return image

