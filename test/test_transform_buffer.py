"""TransformBuffer: chains of tf samples looked up at a stamp, refused where tf2 would refuse."""

import math

import numpy as np
import pytest

pytest.importorskip("pytransform3d", reason="pytransform3d is the extra 'bags' (make setup installs it)")

from edge_ocr_ros.geometry import pose_matrix
from edge_ocr_ros.transform_buffer import TransformBuffer, TransformLookupError


def yaw_quaternion(deg: float) -> tuple[float, float, float, float]:
    a = math.radians(deg) / 2
    return 0.0, 0.0, math.sin(a), math.cos(a)


def pose(x: float, y: float, z: float, yaw_deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    return np.array([[c, -s, 0, x], [s, c, 0, y], [0, 0, 1, z], [0, 0, 0, 1]])


OPTICAL = np.array([[0, 0, 1, 0], [-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 0, 1.0]])  # optical axes in a body frame
OPTICAL_Q = (-0.5, 0.5, -0.5, 0.5)  # the same rotation as a quaternion (x, y, z, w)


def robot_buffer(cache_s=None) -> TransformBuffer:
    """map -> odom (static offset), odom -> base_link (driving along x and turning), base_link -> camera ->
    camera_optical (static)."""
    b = TransformBuffer(cache_s=cache_s)
    b.set_transform("map", "odom", 0.0, (1.0, 2.0, 0.0), yaw_quaternion(90), static=True)
    for t in range(11):
        b.set_transform("odom", "base_link", float(t), (0.5 * t, 0.0, 0.0), yaw_quaternion(3 * t))
    b.set_transform("base_link", "camera", 0.0, (0.2, 0.0, 1.0), (0, 0, 0, 1), static=True)
    b.set_transform("/camera", "camera_optical", 0.0, (0, 0, 0), OPTICAL_Q, static=True)
    return b


def test_the_quaternion_convention_is_ros():
    np.testing.assert_allclose(pose_matrix((0, 0, 0), OPTICAL_Q), OPTICAL, atol=1e-12)
    np.testing.assert_allclose(pose_matrix((1, 2, 3), yaw_quaternion(30)), pose(1, 2, 3, 30), atol=1e-12)


def test_a_chain_at_a_sample_stamp_is_the_product_of_its_transforms():
    b = robot_buffer()
    expected = pose(1, 2, 0, 90) @ pose(2.0, 0, 0, 12) @ pose(0.2, 0, 1, 0) @ OPTICAL
    np.testing.assert_allclose(b.lookup("map", "camera_optical", 4.0), expected, atol=1e-9)
    np.testing.assert_allclose(b.lookup("camera_optical", "map", 4.0), np.linalg.inv(expected), atol=1e-9)
    point_ahead = b.lookup("map", "camera_optical", 4.0) @ [0, 0, 3.0, 1]  # 3 m along the optical axis
    np.testing.assert_allclose(point_ahead[:3], expected[:3, 3] + 3.0 * expected[:3, 2], atol=1e-9)
    np.testing.assert_array_equal(b.lookup("map", "map", 123.0), np.eye(4))


def test_between_samples_the_pose_is_interpolated():
    b = TransformBuffer(cache_s=None)
    b.set_transform("odom", "base_link", 0.0, (0.0, 0.0, 0.0), (0, 0, 0, 1))
    b.set_transform("odom", "base_link", 1.0, (1.0, 0.0, 0.0), (0, 0, 0, 1))
    np.testing.assert_allclose(b.lookup("odom", "base_link", 0.25)[:3, 3], [0.25, 0, 0], atol=1e-9)
    turning = robot_buffer()
    mid = turning.lookup("odom", "base_link", 4.5)
    assert math.degrees(math.atan2(mid[1, 0], mid[0, 0])) == pytest.approx(13.5, abs=1e-6)
    assert mid[0, 3] == pytest.approx(2.25, abs=0.01)  # screw interpolation: within 1 cm of the straight line


def test_lookups_tf2_would_refuse_are_refused_with_the_reason():
    b = robot_buffer()
    with pytest.raises(TransformLookupError, match=r"odom -> base_link is known from 0.000 to 10.000 s, not at 12.500 s"):
        b.lookup("map", "camera_optical", 12.5)
    with pytest.raises(TransformLookupError, match="frame 'left_camera' is not in the transforms received"):
        b.lookup("map", "left_camera", 1.0)
    b.set_transform("world", "gps", 0.0, (0, 0, 0), (0, 0, 0, 1), static=True)
    with pytest.raises(TransformLookupError, match="no transform from 'gps' to 'map'"):
        b.lookup("map", "gps", 1.0)
    np.testing.assert_allclose(b.lookup("map", "odom", 99.0), pose(1, 2, 0, 90), atol=1e-12)  # static: any stamp


def test_the_cache_keeps_the_last_seconds_and_a_repeated_stamp_replaces_its_sample():
    b = robot_buffer(cache_s=3.0)
    with pytest.raises(TransformLookupError, match=r"known from 7\.000 to 10\.000 s"):
        b.lookup("odom", "base_link", 5.0)
    b.set_transform("odom", "base_link", 10.0, (9.0, 0.0, 0.0), (0, 0, 0, 1))
    np.testing.assert_allclose(b.lookup("odom", "base_link", 10.0), pose(9, 0, 0, 0), atol=1e-12)
