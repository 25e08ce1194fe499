"""ROS image payloads to BGR: every supported encoding, row padding, and the errors."""

import os
import struct
import subprocess
import sys

import cv2
import numpy as np
import pytest
from helpers import jpeg_header, png_bomb

from edge_ocr_ros.errors import InputImageError
from edge_ocr_ros.image_codec import compressed_to_bgr, raw_to_bgr

RNG = np.random.default_rng(0)
BGR = RNG.integers(0, 256, size=(6, 10, 3), dtype=np.uint8)


def padded(rows: np.ndarray, pad: int) -> tuple[bytes, int]:
    flat = rows.reshape(rows.shape[0], -1)
    out = np.concatenate([flat, np.full((flat.shape[0], pad), 7, np.uint8)], axis=1)
    return out.tobytes(), out.shape[1]


@pytest.mark.parametrize("pad", [0, 5])
@pytest.mark.parametrize("encoding, make, expected", [
    ("bgr8", lambda b: b, lambda b: b),
    ("rgb8", lambda b: b[..., ::-1], lambda b: b),
    ("bgra8", lambda b: cv2.cvtColor(b, cv2.COLOR_BGR2BGRA), lambda b: b),
    ("rgba8", lambda b: cv2.cvtColor(b, cv2.COLOR_BGR2RGBA), lambda b: b),
    ("mono8", lambda b: b[..., 0], lambda b: np.repeat(b[..., :1], 3, axis=2)),
])
def test_8bit_encodings(encoding, make, expected, pad):
    data, step = padded(np.ascontiguousarray(make(BGR)), pad)
    np.testing.assert_array_equal(raw_to_bgr(encoding, 10, 6, step, data), expected(BGR))


@pytest.mark.parametrize("bigendian", [False, True])
def test_mono16_uses_the_sensor_range(bigendian):
    values = np.array([[0, 1000], [2000, 4000]], np.uint16)
    data = values.astype(">u2" if bigendian else "<u2").tobytes()
    out = raw_to_bgr("mono16", 2, 2, 4, data, is_bigendian=bigendian)
    assert out[..., 0].tolist() == [[0, 63], [127, 255]]


@pytest.mark.parametrize("encoding, code", [("yuv422", cv2.COLOR_YUV2BGR_UYVY), ("yuv422_yuy2", cv2.COLOR_YUV2BGR_YUY2)])
def test_yuv422(encoding, code):
    yuv = RNG.integers(16, 235, size=(6, 10, 2), dtype=np.uint8)
    data, step = padded(yuv, 4)
    np.testing.assert_array_equal(raw_to_bgr(encoding, 10, 6, step, data), cv2.cvtColor(yuv, code))


@pytest.mark.parametrize("args, message", [
    (("bayer_rggb8", 10, 6, 10, b"\0" * 60), "unsupported encoding"),
    (("bgr8", 0, 6, 0, b""), "empty"),
    (("bgr8", 10, 6, 20, b"\0" * 120), "step 20 is smaller"),
    (("bgr8", 10, 6, 30, b"\0" * 100), "expected step x height = 180"),
    (("mono8", 100000, 100000, 100000, b""), "too large"),
])
def test_bad_payloads(args, message):
    with pytest.raises(InputImageError, match=message):
        raw_to_bgr(*args)


def test_compressed():
    _, jpg = cv2.imencode(".png", BGR)
    np.testing.assert_array_equal(compressed_to_bgr(jpg.tobytes()), BGR)
    with pytest.raises(InputImageError, match="cannot be decoded"):
        compressed_to_bgr(b"\xff\xd8garbage")
    with pytest.raises(InputImageError):
        compressed_to_bgr(b"")


@pytest.mark.parametrize("encoding", ["yuv422", "yuv422_yuy2"])
def test_an_odd_width_422_image_is_a_bad_input_not_an_internal_error(encoding):
    with pytest.raises(InputImageError, match="even width"):
        raw_to_bgr(encoding, 641, 2, 641 * 2, bytes(641 * 2 * 2))


def tiff_bomb(width: int, height: int) -> bytes:
    """A little-endian grey TIFF whose one IFD declares width x height, uncompressed, one strip."""
    tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8),
            (277, 3, 1), (278, 4, height), (279, 4, width * height)]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", tag, kind, 1, value) for tag, kind, value in tags)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + bytes(4096)


def bmp_bomb(width: int, height: int) -> bytes:
    """A 24-bit BMP header declaring width x height (BITMAPFILEHEADER + BITMAPINFOHEADER)."""
    size = width * height * 3
    return (b"BM" + struct.pack("<IHHI", 54 + size, 0, 0, 54)
            + struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, size, 2835, 2835, 0, 0) + bytes(4096))


BOMBS = {  # small files declaring huge images: decoded to BGR they would take gigabytes
    "png1": lambda: png_bomb(30000, 30000, 1),  # the 107 kB 1-bit PNG: 5.5 GB before the header check
    "png8": lambda: png_bomb(20000, 20000),  # a complete, valid PNG: 1.2 GB as BGR
    "png16": lambda: png_bomb(12000, 12000, 16),
    "jpeg": lambda: jpeg_header(60000, 60000),
    "webp": lambda: b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + struct.pack("<I", 10) + b"\x00" * 4
                    + (16383).to_bytes(3, "little") + (16383).to_bytes(3, "little"),
    "tiff": lambda: tiff_bomb(30000, 30000),
    "bmp": lambda: bmp_bomb(30000, 30000),
    "pgm": lambda: b"P5 30000 30000 255\n" + bytes(4096),
    "ppm": lambda: b"P6\n# a comment\n30000 30000\n255\n" + bytes(4096),
}
PEAK_PROBE = ("{first}\n"
              "from edge_ocr_ros.errors import InputImageError\n"
              "from edge_ocr_ros.image_codec import compressed_to_bgr\n"
              "data = open({path!r}, 'rb').read()\n"
              "try:\n    compressed_to_bgr(data)\n    print('decoded')\n"
              "except InputImageError as exc:\n    print('refused:', exc)\n"
              "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))\n")


# What a user's process may have done before it imports the package. OpenCV reads its own size limit
# (OPENCV_IO_MAX_IMAGE_PIXELS) at its first decode: after that, setting it has no effect.
BEFORE = {"nothing": "import os",
          "cv2 decoded": "import cv2, numpy\ncv2.imdecode(cv2.imencode('.png', numpy.zeros((4, 4), numpy.uint8))[1], 1)"}
CHILD_PEAK = ("import resource, subprocess, sys\n"
              "out = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "print(out.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
              "sys.stderr.write(out.stderr)\n")
# a user's environment: without the limit that importing the package set in this test process
USER_ENV = {k: v for k, v in os.environ.items() if k != "OPENCV_IO_MAX_IMAGE_PIXELS"}


@pytest.mark.parametrize("first", sorted(BEFORE))
@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_a_decompression_bomb_is_refused_before_it_takes_memory(tmp_path, kind, first):
    """Each is refused by its declared size, in a fresh process whose peak memory stays far below what its
    pixels would take, whatever the process did with cv2 first; the CLI says so in one line, also far below.
    (Before the header check, the 1-bit PNG took 5.3 GB in a process that had decoded an image first.)"""
    path = tmp_path / f"bomb.{kind}"
    path.write_bytes(BOMBS[kind]())
    assert path.stat().st_size < 1_000_000
    # the peak resident size of this process image (VmHWM): getrusage's ru_maxrss would include the peak of
    # the pytest process it was forked from
    out = subprocess.run([sys.executable, "-c", PEAK_PROBE.format(first=BEFORE[first], path=str(path))], capture_output=True,
                         text=True, timeout=120, env=USER_ENV)
    verdict, peak_kb = out.stdout.splitlines()
    assert verdict.startswith("refused:") and "MP" in verdict, verdict  # by the size its header declares
    assert int(peak_kb) < 500_000  # kB: the interpreter, numpy, OpenCV and Pillow, no pixel buffer
    if first != "nothing":
        return
    cli = subprocess.run([sys.executable, "-c", CHILD_PEAK, sys.executable, "-m", "edge_ocr_ros.tools.cli", "--image",
                          str(path)], capture_output=True, text=True, timeout=120, env=USER_ENV)
    returncode, cli_peak_kb = map(int, cli.stdout.split())
    assert returncode == 2 and "is not a readable image" in cli.stderr and "Traceback" not in cli.stderr
    assert cli_peak_kb < 1_000_000  # the whole CLI with its models loaded, no pixel buffer


def test_every_format_within_the_limits_still_decodes():
    """The header check refuses by size, not by format: a valid image of each format reads as before."""
    image = RNG.integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    for suffix in (".png", ".bmp", ".tiff", ".ppm", ".webp", ".jpg"):
        decoded = compressed_to_bgr(cv2.imencode(suffix, image)[1].tobytes())
        assert decoded.shape == image.shape, suffix
        if suffix in (".png", ".bmp", ".tiff", ".ppm"):
            np.testing.assert_array_equal(decoded, image, err_msg=suffix)
    gray = compressed_to_bgr(cv2.imencode(".pgm", image[..., 0])[1].tobytes())
    np.testing.assert_array_equal(gray[..., 0], image[..., 0])


def test_a_header_of_no_known_format_is_refused_with_the_formats_named():
    with pytest.raises(InputImageError, match="PNG, JPEG"):
        compressed_to_bgr(b"GIF89a" + bytes(64))


@pytest.mark.parametrize("bits, size", [(8, (10000, 10000)), (16, (7000, 14000))])
def test_the_largest_image_let_through_stays_under_a_gigabyte_in_the_cli(tmp_path, bits, size):
    """A file under 1 MB that the header check lets through (up to 100 MP, 16384 px a side) is read whole by
    edge-ocr in under 1 GB of peak memory (measured 777 MB and 766 MB): the decoded frame, its resized copy
    for the detector and the models."""
    path = tmp_path / f"max_{bits}.png"
    path.write_bytes(png_bomb(*size, bits))
    assert path.stat().st_size < 1_000_000
    cli = subprocess.run([sys.executable, "-c", CHILD_PEAK, sys.executable, "-m", "edge_ocr_ros.tools.cli", "--image",
                          str(path), "-q"], capture_output=True, text=True, timeout=300, env=USER_ENV)
    returncode, peak_kb = map(int, cli.stdout.split())
    assert returncode == 0, cli.stderr
    assert peak_kb < 1_000_000
