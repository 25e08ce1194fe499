"""The node's optional depth input: a depth image registered to the colour one, its camera_info, and the
3D position of each word (``positions.word_positions``) in the colour image's frame."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image

from ..errors import InputImageError
from ..image_codec import depth_to_metres
from ..positions import word_positions
from ..results import OcrResult
from .stamp_pairing import StampBuffer

__all__ = ["DepthInput", "stamp_ns"]


def stamp_ns(stamp) -> int:
    return int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)


class DepthInput:
    """Subscribes ``depth`` (sensor_msgs/Image, 16UC1 mm or 32FC1 m) and ``camera_info`` (relative: remap
    them) and pairs each colour frame with the depth image whose stamp is closest, within ``slop_ms``."""

    def __init__(self, node, slop_ms: float) -> None:
        self.node = node
        self.slop_ns = int(slop_ms * 1e6)
        self.depths = StampBuffer()
        self.camera_info: CameraInfo | None = None
        self._subscriptions: list = []
        self.reliability: ReliabilityPolicy | None = None

    def subscribe(self, reliability: ReliabilityPolicy) -> None:
        """(Re)subscribe, the depth with ``reliability`` (the node follows its publisher's), camera_info
        best-effort (it is small, and a best-effort subscription hears reliable publishers too)."""
        self.unsubscribe()
        self._subscriptions = [
            self.node.create_subscription(Image, "depth", self._on_depth, QoSProfile(depth=4, reliability=reliability)),
            self.node.create_subscription(CameraInfo, "camera_info", self._on_camera_info,
                                          QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT))]
        self.reliability = reliability

    def unsubscribe(self) -> None:
        for sub in self._subscriptions:
            self.node.destroy_subscription(sub)
        self._subscriptions = []
        self.depths.clear()

    def _on_depth(self, msg: Image) -> None:
        self.depths.put(stamp_ns(msg.header.stamp), msg)

    def _on_camera_info(self, msg: CameraInfo) -> None:
        self.camera_info = msg

    def locate(self, result: OcrResult, header) -> OcrResult:
        """The result with each word's position, where a depth image within the slop and camera_info
        have arrived and the word's polygon holds valid depth (else the word keeps ``position`` None).

        Raises:
            InputImageError: the paired depth image cannot be decoded.
        """
        depth = self.depths.closest(stamp_ns(header.stamp), self.slop_ns)
        info = self.camera_info
        if depth is None or info is None or not result.words:
            return result
        metres = depth_to_metres(depth.encoding, depth.width, depth.height, depth.step, depth.data, bool(depth.is_bigendian))
        camera_matrix = np.asarray(info.k, np.float64).reshape(3, 3)
        if not camera_matrix[0, 0] > 0:
            raise InputImageError("camera_info has no camera matrix (k is all zeros): positions need a calibrated camera")
        points, valid = word_positions(np.stack([w.points for w in result.words]), metres, camera_matrix,
                                       (result.width, result.height))
        words = [replace(w, position=tuple(float(v) for v in p)) if ok else w
                 for w, p, ok in zip(result.words, points, valid, strict=True)]
        return replace(result, words=words)
