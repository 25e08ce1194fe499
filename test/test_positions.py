"""3D word positions from a registered depth image, depth decoding and stamp pairing (no ROS graph)."""

import numpy as np
import pytest

from edge_ocr_ros.errors import InputImageError
from edge_ocr_ros.image_codec import depth_to_metres
from edge_ocr_ros.positions import word_positions
from edge_ocr_ros.ros.stamp_pairing import StampBuffer

K = np.array([[500.0, 0, 320], [0, 500.0, 240], [0, 0, 1]])
QUAD = np.array([[[400, 200], [480, 200], [480, 240], [400, 240]]], np.float32)  # centre (440, 220)


def test_a_plane_at_two_metres_puts_the_word_there():
    positions, valid = word_positions(QUAD, np.full((480, 640), 2.0, np.float32), K, (640, 480))
    assert valid.tolist() == [True]
    np.testing.assert_allclose(positions[0], [(440 - 320) * 2.0 / 500, (220 - 240) * 2.0 / 500, 2.0], atol=1e-6)


def test_holes_and_background_between_letters_do_not_move_it():
    depth = np.full((480, 640), 2.0, np.float32)
    depth[200:240, 400:430] = 0.0  # no reading
    depth[200:210, 430:480] = np.nan
    depth[230:240, 430:450] = 9.0  # a few pixels of far background inside the polygon
    positions, valid = word_positions(QUAD, depth, K, (640, 480))
    assert valid[0] and positions[0, 2] == pytest.approx(2.0)


def test_a_depth_image_of_another_resolution_is_scaled_and_no_depth_means_no_position():
    half = np.full((240, 320), 3.0, np.float32)
    positions, valid = word_positions(QUAD, half, K, (640, 480))
    assert valid[0] and positions[0, 2] == pytest.approx(3.0)
    empty = np.zeros((480, 640), np.float32)
    assert word_positions(QUAD, empty, K, (640, 480))[1].tolist() == [False]


def test_depth_encodings():
    mm = np.array([[1500, 0], [2000, 65535]], "<u2")
    np.testing.assert_allclose(depth_to_metres("16UC1", 2, 2, 4, mm.tobytes()), [[1.5, 0], [2.0, 65.535]])
    big = np.array([[2500, 1]], ">u2")
    np.testing.assert_allclose(depth_to_metres("16UC1", 2, 1, 4, big.tobytes(), is_bigendian=True), [[2.5, 0.001]])
    metres = np.array([[1.25, np.nan, 0.0]], "<f4")
    padded = np.concatenate([metres.view(np.uint8), np.zeros((1, 4), np.uint8)], axis=1)  # step 16 > 12
    np.testing.assert_allclose(depth_to_metres("32FC1", 3, 1, 16, padded.tobytes()), metres)
    with pytest.raises(InputImageError, match="unsupported depth encoding 'bgr8'"):
        depth_to_metres("bgr8", 2, 2, 6, bytes(12))
    with pytest.raises(InputImageError, match="expected step x height"):
        depth_to_metres("32FC1", 2, 2, 8, bytes(8))


def test_pairing_takes_the_closest_stamp_within_the_slop():
    buffer = StampBuffer(size=3)
    for stamp in (1_000, 2_000, 3_000, 4_000):
        buffer.put(stamp, f"depth@{stamp}")
    assert buffer.closest(2_900, slop_ns=200) == "depth@3000"
    assert buffer.closest(1_000, slop_ns=500) is None  # dropped: only the last 3 are kept
    assert buffer.closest(5_000, slop_ns=500) is None  # nothing close enough
