"""Property-based tests of the input converters (hypothesis): whatever a camera or a network sends in a
sensor_msgs/Image or CompressedImage, the result is a BGR image or InputImageError, nothing else, and memory
stays bounded (no allocation beyond the declared, limited image size)."""

import struct
import zlib

import cv2
import numpy as np
from helpers import jpeg_header
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_ocr_ros.errors import InputImageError
from edge_ocr_ros.image_codec import ENCODINGS, compressed_to_bgr, raw_to_bgr

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENCODING = st.one_of(st.sampled_from(sorted(ENCODINGS)), st.text(max_size=12))


def assert_image_or_input_error(convert) -> None:
    try:
        image = convert()
    except InputImageError:
        return
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


@FUZZ
@given(encoding=ENCODING, width=st.integers(-4, 70), height=st.integers(-4, 40), extra_step=st.integers(-8, 16),
       size_delta=st.integers(-64, 64), bigendian=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_any_image_message_gives_an_image_or_a_bad_input_error(encoding, width, height, extra_step, size_delta,
                                                                bigendian, seed):
    bpp = ENCODINGS.get(encoding, (3,))[0]
    step = max(width * bpp + extra_step, 0)
    data = np.random.default_rng(seed).integers(0, 256, size=max(step * max(height, 0) + size_delta, 0), dtype=np.uint8)
    assert_image_or_input_error(lambda: raw_to_bgr(encoding, width, height, step, data.tobytes(), bigendian))


@FUZZ
@given(width=st.integers(1, 1 << 30), height=st.integers(1, 1 << 30), encoding=st.sampled_from(sorted(ENCODINGS)))
def test_declared_sizes_beyond_the_limits_are_refused_before_reading_the_data(width, height, encoding):
    """A header may declare anything; a few bytes of data must never make the converter allocate the size."""
    assert_image_or_input_error(lambda: raw_to_bgr(encoding, width, height, width * 4, b"\x00" * 64))


def png_header(width: int, height: int, color_type: int) -> bytes:
    body = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + body + struct.pack(">I", zlib.crc32(b"IHDR" + body))


SAMPLE = cv2.imencode(".png", np.random.default_rng(1).integers(0, 256, size=(24, 32, 3), dtype=np.uint8))[1].tobytes()
SAMPLE_JPEG = cv2.imencode(".jpg", np.random.default_rng(2).integers(0, 256, size=(24, 32, 3), dtype=np.uint8))[1].tobytes()


@FUZZ
@given(payload=st.one_of(
    st.binary(max_size=2048),
    st.builds(lambda n: SAMPLE[:n], st.integers(0, len(SAMPLE))),  # truncated PNG
    st.builds(lambda n: SAMPLE_JPEG[:n], st.integers(0, len(SAMPLE_JPEG))),  # truncated JPEG
    st.builds(lambda data, i, b: data[:i] + bytes([b]) + data[i + 1:], st.sampled_from([SAMPLE, SAMPLE_JPEG]),
              st.integers(0, 300), st.integers(0, 255)),  # one corrupted byte
    st.builds(png_header, st.integers(1, 1 << 31 - 1), st.integers(1, 1 << 31 - 1), st.sampled_from([0, 2, 6])),
    st.builds(jpeg_header, st.integers(1, 65535), st.integers(1, 65535)),
    st.builds(lambda w, h: f"P5 {w} {h} 255\n".encode() + b"\x00" * 16, st.integers(1, 10**6), st.integers(1, 10**6)),
    st.builds(lambda w, h: b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + struct.pack("<I", 10) + b"\x00" * 4
              + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little"), st.integers(1, 1 << 24), st.integers(1, 1 << 24)),
))
def test_any_compressed_payload_gives_an_image_or_a_bad_input_error(payload):
    assert_image_or_input_error(lambda: compressed_to_bgr(payload))
