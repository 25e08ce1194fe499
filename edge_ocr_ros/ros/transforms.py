"""Transforms between frames at an image's stamp, from tf2_ros.

tf2_ros is on every robot with ROS 2 (apt) but not on PyPI: where it is missing, a lookup between two
different frames fails with the reason and the package to install, and the caller counts it. A lookup
between a frame and itself needs no tf2 at all.
"""

from __future__ import annotations

import numpy as np
from rclpy.duration import Duration
from rclpy.time import Time

__all__ = ["TransformLookup", "TransformUnavailableError", "matrix_from_transform"]


class TransformUnavailableError(Exception):
    """No transform between the two frames at that stamp (the reason in one line)."""


def matrix_from_transform(transform) -> np.ndarray:
    """The 4 x 4 matrix of a geometry_msgs/Transform (unit quaternion x, y, z, w and a translation)."""
    q, t = transform.rotation, transform.translation
    x, y, z, w = q.x, q.y, q.z, q.w
    out = np.eye(4)
    out[:3, :3] = [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                   [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                   [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    out[:3, 3] = t.x, t.y, t.z
    return out


class TransformLookup:
    """A tf2 buffer and listener on ``node`` (when tf2_ros is installed)."""

    def __init__(self, node) -> None:
        try:
            import tf2_ros
        except ImportError:
            self._tf2 = self._buffer = None
            self.unavailable = ("tf2_ros is not installed (sudo apt install ros-$ROS_DISTRO-tf2-ros); "
                                "only positions already in the target frame can be used")
        else:
            self._tf2 = tf2_ros
            self._buffer = tf2_ros.Buffer(node=node)
            self._listener = tf2_ros.TransformListener(self._buffer, node, spin_thread=True)
            self.unavailable = ""

    def matrix(self, target: str, source: str, stamp, timeout_s: float) -> np.ndarray:
        """The 4 x 4 transform taking points in ``source`` to ``target`` at ``stamp`` (builtin_interfaces/Time),
        waiting up to ``timeout_s`` for it to arrive."""
        if target == source:
            return np.eye(4)
        if self._buffer is None:
            raise TransformUnavailableError(self.unavailable)
        try:
            stamped = self._buffer.lookup_transform(target, source, Time.from_msg(stamp),
                                                    timeout=Duration(seconds=timeout_s))
        except self._tf2.TransformException as exc:  # lookup, connectivity, extrapolation, invalid argument
            raise TransformUnavailableError(f"{source} -> {target}: {exc}") from exc
        return matrix_from_transform(stamped.transform)
