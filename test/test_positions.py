"""3D word positions from a registered depth image, depth decoding and stamp pairing (no ROS graph)."""

import cv2
import numpy as np
import pytest

from edge_ocr_ros.errors import InputImageError
from edge_ocr_ros.image_codec import depth_to_metres
from edge_ocr_ros.positions import CameraModel, word_extents, word_positions
from edge_ocr_ros.ros.stamp_pairing import StampPairing

K = np.array([[500.0, 0, 320], [0, 500.0, 240], [0, 0, 1]])
QUAD = np.array([[[400, 200], [480, 200], [480, 240], [400, 240]]], np.float32)  # centre (440, 220)


def test_a_plane_at_two_metres_puts_the_word_there():
    positions, valid = word_positions(QUAD, np.full((480, 640), 2.0, np.float32), K, (640, 480))
    assert valid.tolist() == [True]
    np.testing.assert_allclose(positions[0], [(440 - 320) * 2.0 / 500, (220 - 240) * 2.0 / 500, 2.0], atol=1e-6)


def test_a_words_extent_is_its_polygon_at_its_depth():
    camera = CameraModel(640, 480, K, np.zeros(5), np.eye(3), np.c_[K, np.zeros(3)])
    (extent,) = word_extents(QUAD, np.array([2.0]), camera)
    np.testing.assert_allclose(extent, [80 * 2.0 / 500, 40 * 2.0 / 500])  # 80 x 40 px at 2 m, f = 500 px
    assert word_extents(QUAD[:0], np.zeros(0), camera).shape == (0, 2)


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
    pairing = StampPairing(slop_ns=200, size=3)
    for stamp in (1_000, 2_000, 3_000, 4_000):
        pairing.put(stamp, f"depth@{stamp}")
    assert pairing.claim(2_900).item == "depth@3000"
    assert pairing.claim(1_000).item is None  # gone: only the last 3 are kept
    assert pairing.wait(pairing.claim(5_000), 0.0) is None  # nothing close enough yet


def test_a_frame_claims_its_depth_at_reception_and_keeps_it_however_long_ocr_takes():
    """The defect: the depth was looked up after OCR in the last 8 depth images; at 30 Hz of depth and
    270 ms of queue and OCR the partner was gone. A claim made at reception keeps it."""
    pairing = StampPairing(slop_ns=30_000_000)
    frame = 10 * 33_333_333
    for i in range(11):  # depth up to the frame's own
        pairing.put(i * 33_333_333, f"depth{i}")
    claim = pairing.claim(frame)
    for i in range(11, 40):  # a slow OCR: 29 more depth images arrive meanwhile
        pairing.put(i * 33_333_333, f"depth{i}")
    assert pairing.wait(claim, 0.0) == "depth10"


def test_a_depth_arriving_after_its_frame_is_taken_and_waited_for_only_while_it_can_come():
    import threading

    pairing = StampPairing(slop_ns=30_000_000)
    pairing.put(0, "older")
    claim = pairing.claim(1_000_000_000)  # the colour frame came first
    late = threading.Timer(0.05, pairing.put, args=(1_000_000_000, "same stamp, arrived later"))
    late.start()
    assert pairing.wait(claim, 2.0) == "same stamp, arrived later"
    late.join()
    # the stream has passed this frame's stamp + slop: no depth can come, no wait
    gone = pairing.claim(1_500_000_000)
    pairing.put(2_000_000_000, "later")
    import time
    start = time.monotonic()
    assert pairing.wait(gone, 2.0) is None and time.monotonic() - start < 0.5


class Info:
    """The fields of sensor_msgs/CameraInfo that CameraModel reads (the engine needs no ROS)."""

    def __init__(self, width=640, height=480, k=(500.0, 0, 320, 0, 500.0, 240, 0, 0, 1), d=(), r=(0,) * 9, p=(0,) * 12,
                 binning=(0, 0), roi=(0, 0, 0, 0)):
        from types import SimpleNamespace

        self.width, self.height, self.k, self.d, self.r, self.p = width, height, k, d, r, p
        self.binning_x, self.binning_y = binning
        self.roi = SimpleNamespace(x_offset=roi[0], y_offset=roi[1], width=roi[2], height=roi[3])


def test_the_camera_model_uses_p_undistorts_raw_pixels_and_knows_binning_and_roi():
    from edge_ocr_ros.positions import CameraModel

    plain = CameraModel.from_camera_info(Info())
    np.testing.assert_allclose(plain.rays(np.array([[440.0, 220.0]])), [[0.24, -0.04]])
    # rectified images use P's intrinsics, not K's
    rect = CameraModel.from_camera_info(Info(p=(400.0, 0, 300, 0, 0, 400.0, 250, 0, 0, 0, 1, 0)), rectified=True)
    np.testing.assert_allclose(rect.rays(np.array([[340.0, 250.0]])), [[0.1, 0.0]])
    # a raw image's pixel is undistorted: a point projected with distortion comes back on its true ray
    d = np.array([-0.3, 0.1, 0.001, -0.002, 0.0])
    raw = CameraModel.from_camera_info(Info(d=tuple(d), p=(500.0, 0, 320, 0, 0, 500.0, 240, 0, 0, 0, 1, 0), r=(1, 0, 0, 0, 1, 0, 0, 0, 1)))
    true_ray = np.array([0.3, -0.2])
    pixel, _ = cv2.projectPoints(np.array([[*true_ray, 1.0]]), np.zeros(3), np.zeros(3), raw.k, d)
    np.testing.assert_allclose(raw.rays(pixel.reshape(1, 2)), [true_ray], atol=1e-4)
    assert not np.allclose(plain.rays(pixel.reshape(1, 2)), [true_ray], atol=1e-2)  # ignoring D is wrong
    # 2x2 binning of a 320 x 240 ROI at (100, 50): image pixel (10, 20) is sensor pixel (120, 90)
    binned = CameraModel.from_camera_info(Info(binning=(2, 2), roi=(100, 50, 320, 240)))
    assert binned.image_size() == (160, 120)
    np.testing.assert_allclose(binned.rays(np.array([[10.0, 20.0]])), [[(120 - 320) / 500, (90 - 240) / 500]])
    binned.check_image(160, 120)
    with pytest.raises(InputImageError, match="camera_info describes 160 x 120"):
        binned.check_image(640, 480)
    with pytest.raises(InputImageError, match="k is all zeros"):
        CameraModel.from_camera_info(Info(k=(0,) * 9))
