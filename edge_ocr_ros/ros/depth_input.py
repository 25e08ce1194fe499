"""The node's optional depth input: a depth image registered to the colour one, its camera_info, and the
3D position of each word (``positions.word_positions``) in the colour image's frame.

Each colour frame claims its depth image when it is received (``stamp_pairing``), so a slow OCR never loses
it, and every word that goes out without a position is counted with the reason (diagnostics).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace

import numpy as np
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image

from ..errors import InputImageError
from ..image_codec import depth_to_metres
from ..positions import CameraModel, word_extents, word_positions
from ..results import OcrResult
from .stamp_pairing import DepthClaim, StampPairing

__all__ = ["MISSING_REASONS", "DepthInput", "stamp_ns"]

# why a word went out without a position (diagnostics: positions_missing_*)
MISSING_REASONS = {"no_depth": "no depth image within depth.slop_ms in time", "no_camera_info": "no camera_info",
                   "camera_info_mismatch": "camera_info of another image size", "no_valid_depth": "no valid depth in the word",
                   "bad_depth": "depth image could not be decoded",
                   "no_transform": "no transform to target_frame at the image's stamp"}


def stamp_ns(stamp) -> int:
    return int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)


class DepthInput:
    """Subscribes ``depth`` (sensor_msgs/Image, 16UC1 mm or 32FC1 m) and ``camera_info`` (relative: remap
    them) and pairs each colour frame with the depth image whose stamp is closest, within ``slop_ms``.

    camera_info is subscribed to match its publishers: transient local (a latched camera_info sent once)
    when one offers it, else volatile best-effort (which hears reliable publishers too). Its intrinsics are
    dropped when no publisher is left (a camera that is gone), and at deactivate.
    """

    def __init__(self, node, slop_ms: float, wait_ms: float = 100.0, rectified: bool = False) -> None:
        self.node = node
        self.pairing = StampPairing(int(slop_ms * 1e6))
        self.wait_s = wait_ms / 1e3
        self.rectified = rectified
        self.camera_info: CameraInfo | None = None
        self._depth_sub = self._info_sub = None
        self.reliability: ReliabilityPolicy | None = None
        self.info_durability: DurabilityPolicy | None = None
        self._lock = threading.Lock()
        self.missing: Counter = Counter()  # words without a position, by reason (MISSING_REASONS)
        self.located = 0  # words with a position

    def subscribe(self, reliability: ReliabilityPolicy) -> None:
        """(Re)subscribe the depth with ``reliability`` (the node follows its publisher's), and camera_info as
        its publishers offer it. Depth images and claims already paired are kept."""
        if self._depth_sub is not None:
            self.node.destroy_subscription(self._depth_sub)
        self._depth_sub = self.node.create_subscription(Image, "depth", self._on_depth,
                                                        QoSProfile(depth=4, reliability=reliability))
        self.reliability = reliability
        self._subscribe_info()

    def _info_publisher_durability(self) -> DurabilityPolicy:
        infos = self.node.get_publishers_info_by_topic(self.node.resolve_topic_name("camera_info"))
        latched = any(i.qos_profile.durability == DurabilityPolicy.TRANSIENT_LOCAL for i in infos)
        return DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE

    def _subscribe_info(self) -> None:
        durability = self._info_publisher_durability()
        if self._info_sub is not None:
            self.node.destroy_subscription(self._info_sub)
        reliability = ReliabilityPolicy.RELIABLE if durability == DurabilityPolicy.TRANSIENT_LOCAL else ReliabilityPolicy.BEST_EFFORT
        self._info_sub = self.node.create_subscription(CameraInfo, "camera_info", self._on_camera_info,
                                                       QoSProfile(depth=1, reliability=reliability, durability=durability))
        self.info_durability = durability

    def check_publishers(self) -> None:
        """Called periodically: follow a camera_info publisher that latches, forget the intrinsics of a
        camera that is gone."""
        if self._info_sub is None:
            return
        if self._info_publisher_durability() != self.info_durability:
            self._subscribe_info()
        if self.node.count_publishers(self.node.resolve_topic_name("camera_info")) == 0:
            self.camera_info = None

    def unsubscribe(self) -> None:
        for sub in (self._depth_sub, self._info_sub):
            if sub is not None:
                self.node.destroy_subscription(sub)
        self._depth_sub = self._info_sub = None
        self.pairing.clear()
        self.camera_info = None

    def _on_depth(self, msg: Image) -> None:
        self.pairing.put(stamp_ns(msg.header.stamp), msg)

    def _on_camera_info(self, msg: CameraInfo) -> None:
        self.camera_info = msg

    def claim(self, header) -> DepthClaim:
        """At reception of a colour frame: claim the depth image taken with it."""
        return self.pairing.claim(stamp_ns(header.stamp))

    def _count(self, located: int, reason: str = "", missing: int = 0) -> None:
        with self._lock:
            self.located += located
            if missing:
                self.missing[reason] += missing

    def locate(self, result: OcrResult, claim: DepthClaim) -> OcrResult:
        """The result with each word's position, where its claimed depth image and camera_info have arrived
        and the word's polygon holds valid depth (else the word keeps ``position`` None, counted by reason).

        Raises:
            InputImageError: the paired depth image cannot be decoded, or camera_info does not fit the image.
        """
        if not result.words:
            return result
        n = len(result.words)
        depth = self.pairing.wait(claim, self.wait_s)
        info = self.camera_info
        if depth is None or info is None:
            self._count(0, "no_depth" if depth is None else "no_camera_info", n)
            return result
        try:
            camera = CameraModel.from_camera_info(info, self.rectified)
            camera.check_image(result.width, result.height)
            metres = depth_to_metres(depth.encoding, depth.width, depth.height, depth.step, depth.data,
                                     bool(depth.is_bigendian))
        except InputImageError as exc:
            self._count(0, "camera_info_mismatch" if "camera_info" in str(exc) else "bad_depth", n)
            raise
        quads = np.stack([w.points for w in result.words])
        points, valid = word_positions(quads, metres, camera, (result.width, result.height))
        extents = word_extents(quads, points[:, 2], camera)
        self._count(int(valid.sum()), "no_valid_depth", int((~valid).sum()))
        words = [replace(w, position=tuple(map(float, p)), extent=tuple(map(float, e))) if ok else w
                 for w, p, e, ok in zip(result.words, points, extents, valid, strict=True)]
        return replace(result, words=words)

    def to_target(self, result: OcrResult, to_target: np.ndarray | None) -> OcrResult:
        """The positions moved by the 4 x 4 transform ``to_target`` (the node's target_frame); None: the lookup
        failed, so the words go out without positions, counted as such, never at a made-up place."""
        located = [w for w in result.words if w.position is not None]
        if not located:
            return result
        if to_target is None:
            with self._lock:
                self.located -= len(located)
                self.missing["no_transform"] += len(located)
            return replace(result, words=[replace(w, position=None, extent=None) for w in result.words])
        return replace(result, words=[
            replace(w, position=tuple(map(float, to_target[:3, :3] @ w.position + to_target[:3, 3])))
            if w.position is not None else w for w in result.words])

    def missing_summary(self) -> tuple[int, str]:
        """(words without a position so far, 'reason: count, ...') for diagnostics."""
        with self._lock:
            counts = dict(self.missing)
        return sum(counts.values()), ", ".join(f"{MISSING_REASONS[k]}: {v}" for k, v in sorted(counts.items()))
