"""Transforms between frames at an image's stamp: tf2_ros on a robot, the /tf topics elsewhere.

tf2_ros is on every robot with ROS 2 (apt) but not on PyPI. Where it is installed, its Buffer and
TransformListener answer. Where it is not but ``tf2_msgs`` is (the development environment builds a stand-in,
test/stand_ins/), the same ``/tf`` and ``/tf_static`` messages fill this package's TransformBuffer
(pytransform3d) through a listener node of its own, spun in its own thread as tf2_ros's listener is. With
neither, a lookup between two different frames fails with the reason and the packages to install, and the
caller counts it. A lookup between a frame and itself needs nothing.
"""

from __future__ import annotations

import contextlib
import threading
import time

import numpy as np
import rclpy
from rclpy.duration import Duration
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.time import Time

from ..geometry import pose_matrix
from ..transform_buffer import TransformBuffer, TransformLookupError

__all__ = ["TransformLookup", "TransformUnavailableError", "matrix_from_transform"]

TF_QOS = QoSProfile(depth=100, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE)
TF_STATIC_QOS = QoSProfile(depth=100, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                           durability=DurabilityPolicy.TRANSIENT_LOCAL)


class TransformUnavailableError(Exception):
    """No transform between the two frames at that stamp (the reason in one line)."""


def matrix_from_transform(transform) -> np.ndarray:
    """The 4 x 4 matrix of a geometry_msgs/Transform."""
    q, t = transform.rotation, transform.translation
    return pose_matrix((t.x, t.y, t.z), (q.x, q.y, q.z, q.w))


class _TopicListener:
    """``/tf`` and ``/tf_static`` into a TransformBuffer, on a node and thread of its own."""

    def __init__(self, node, tf_message) -> None:
        self.buffer = TransformBuffer()
        self._changed = threading.Condition()
        self._node = rclpy.create_node(f"{node.get_name()}_tf_listener", namespace=node.get_namespace(),
                                       context=node.context, start_parameter_services=False)
        self._node.create_subscription(tf_message, "/tf", lambda msg: self._take(msg, False), TF_QOS)
        self._node.create_subscription(tf_message, "/tf_static", lambda msg: self._take(msg, True), TF_STATIC_QOS)
        self._executor = SingleThreadedExecutor(context=node.context)
        self._executor.add_node(self._node)
        threading.Thread(target=self._spin, daemon=True, name="tf_listener").start()

    def _spin(self) -> None:
        with contextlib.suppress(ExternalShutdownException):  # the context was shut down: nothing to listen to
            self._executor.spin()

    def _take(self, msg, static: bool) -> None:
        with self._changed:
            for t in msg.transforms:
                r, p = t.transform.rotation, t.transform.translation
                self.buffer.set_transform(t.header.frame_id, t.child_frame_id,
                                          t.header.stamp.sec + t.header.stamp.nanosec * 1e-9,
                                          (p.x, p.y, p.z), (r.x, r.y, r.z, r.w), static)
            self._changed.notify_all()

    def lookup(self, target: str, source: str, stamp_s: float, timeout_s: float) -> np.ndarray:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                try:
                    return self.buffer.lookup(target, source, stamp_s)
                except TransformLookupError as exc:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TransformUnavailableError(f"{source} -> {target}: {exc}") from exc
                    self._changed.wait(left)

    def close(self) -> None:
        self._executor.shutdown()
        self._node.destroy_node()


class TransformLookup:
    """Transforms for ``node``'s lookups, from tf2_ros where installed, else from the /tf topics."""

    def __init__(self, node) -> None:
        self._tf2 = self._buffer = self._topics = None
        self.unavailable = ""
        self.source = "none"
        try:
            import tf2_ros
        except ImportError:
            try:
                from tf2_msgs.msg import TFMessage
            except ImportError:
                self.unavailable = ("tf2_ros is not installed (sudo apt install ros-$ROS_DISTRO-tf2-ros); only "
                                    "positions already in the target frame can be used")
            else:
                self._topics = _TopicListener(node, TFMessage)
                self.source = "the /tf topics (tf2_ros is not installed)"
        else:
            self._tf2 = tf2_ros
            self._buffer = tf2_ros.Buffer(node=node)
            self._listener = tf2_ros.TransformListener(self._buffer, node, spin_thread=True)
            self.source = "tf2_ros"

    def matrix(self, target: str, source: str, stamp, timeout_s: float) -> np.ndarray:
        """The 4 x 4 transform taking points in ``source`` to ``target`` at ``stamp`` (builtin_interfaces/Time),
        waiting up to ``timeout_s`` for it to arrive."""
        if target == source:
            return np.eye(4)
        if self._topics is not None:
            return self._topics.lookup(target, source, stamp.sec + stamp.nanosec * 1e-9, timeout_s)
        if self._buffer is None:
            raise TransformUnavailableError(self.unavailable)
        try:
            stamped = self._buffer.lookup_transform(target, source, Time.from_msg(stamp),
                                                    timeout=Duration(seconds=timeout_s))
        except self._tf2.TransformException as exc:  # lookup, connectivity, extrapolation, invalid argument
            raise TransformUnavailableError(f"{source} -> {target}: {exc}") from exc
        return matrix_from_transform(stamped.transform)

    def close(self) -> None:
        if self._topics is not None:
            self._topics.close()
